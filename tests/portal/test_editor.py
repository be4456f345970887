"""The editing page's refusals that need no browser: out of memory on a file."""

from __future__ import annotations

from streamlit.testing.v1 import AppTest


def _page() -> None:
    import portal.editor as editor

    def exhausted(*_args: object, **_kwargs: object) -> object:
        raise MemoryError

    editor.read_upload = exhausted  # type: ignore[assignment]  # the reader ran out of memory
    editor._draft("big.txt", b"x" * 10, lang="zh")


def test_running_out_of_memory_on_a_file_is_a_message_not_a_traceback() -> None:
    app = AppTest.from_function(_page, default_timeout=60).run()
    assert not app.exception
    (error,) = [e.proto.body for e in app.get("html") if "notice-error" in e.proto.body]
    assert "内存不足" in error and "ran out of memory" in error
    assert "Nothing was written" in error
