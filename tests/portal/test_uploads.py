"""Only a signed-in editor's session may leave an upload on the server.

The end-to-end test drives Streamlit's upload route the way a crafted client
would: the XSRF cookie from ``/_stcore/health``, a session id from the
``/_stcore/stream`` websocket, then ``PUT /_stcore/upload_file/<session>/<id>``
with a 5 MB file, three times; the portal's own metrics must then show no
upload held.
"""

from __future__ import annotations

import asyncio
import http.cookiejar
import re
import urllib.request
import uuid
from dataclasses import dataclass, field

import pytest

from layers.store import StoreLocation, write_store
from portal.state import EDITOR_KEY
from portal.uploads import guarded_add_file, session_is_editor


@dataclass
class _File:
    file_id: str
    data: bytes


@dataclass
class _Manager:
    kept: dict[str, list[str]] = field(default_factory=dict)

    def add_file(self, session_id: str, file: _File) -> None:
        self.kept.setdefault(session_id, []).append(file.file_id)


def test_only_an_editor_session_keeps_a_file() -> None:
    manager = _Manager()
    editors = {"editor-session"}
    add = guarded_add_file(manager.add_file, lambda sid: sid in editors)
    add(session_id="viewer-session", file=_File("a", b"x" * 1000))
    add(session_id="editor-session", file=_File("b", b"y"))
    assert manager.kept == {"editor-session": ["b"]}


def test_a_session_is_an_editor_only_with_the_signed_in_key() -> None:
    assert session_is_editor({EDITOR_KEY: "alice"})
    assert not session_is_editor({EDITOR_KEY: None})
    assert not session_is_editor({"anything": 1})
    assert not session_is_editor(None)


UPLOAD_BYTES = 5 * 1024 * 1024


def _crafted_upload(base: str) -> int:
    """A viewer's client uploading a file by hand; returns the HTTP status."""
    import websockets
    from streamlit.proto.BackMsg_pb2 import BackMsg
    from streamlit.proto.ForwardMsg_pb2 import ForwardMsg

    jar = http.cookiejar.CookieJar()
    opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar))
    opener.open(f"{base}/_stcore/health", timeout=10).read()
    xsrf = next(c.value for c in jar if c.name == "_streamlit_xsrf")

    def put(sid: str) -> int:
        boundary = "----crafted"
        body = (
            (
                f'--{boundary}\r\nContent-Disposition: form-data; name="file"; filename="a.txt"\r\n'
                "Content-Type: text/plain\r\n\r\n"
            ).encode()
            + b"x" * UPLOAD_BYTES
            + f"\r\n--{boundary}--\r\n".encode()
        )
        request = urllib.request.Request(
            f"{base}/_stcore/upload_file/{sid}/{uuid.uuid4()}", data=body, method="PUT",
            headers={"Content-Type": f"multipart/form-data; boundary={boundary}",
                     "X-Xsrftoken": xsrf, "Cookie": f"_streamlit_xsrf={xsrf}"},
        )  # fmt: skip
        with opener.open(request, timeout=30) as response:
            return int(response.status)

    async def upload() -> int:
        # The session must stay open while the file goes up, as a browser's would.
        async with websockets.connect(
            base.replace("http", "ws", 1) + "/_stcore/stream",
            subprotocols=["streamlit", xsrf],  # type: ignore[list-item]
            origin=base,  # type: ignore[arg-type]
            additional_headers={"Cookie": f"_streamlit_xsrf={xsrf}"},
            max_size=None,
        ) as ws:
            back = BackMsg()
            back.rerun_script.query_string = ""
            await ws.send(back.SerializeToString())
            for _ in range(200):
                message = ForwardMsg()
                message.ParseFromString(await asyncio.wait_for(ws.recv(), 60))
                if message.HasField("new_session"):
                    sid = str(message.new_session.initialize.session_id)
                    return await asyncio.get_running_loop().run_in_executor(None, put, sid)
        raise AssertionError("no session id came back")

    return asyncio.run(upload())


def _held_bytes(base: str) -> int:
    with urllib.request.urlopen(f"{base}/_stcore/metrics", timeout=10) as response:
        text = response.read().decode()
    found = re.search(r'cache_type="UploadedFileManager"[^}]*}\s+(\d+)', text)
    return int(found.group(1)) if found else 0


@pytest.fixture(scope="module")
def tiny_store(tmp_path_factory, corpus_tables) -> str:
    path = tmp_path_factory.mktemp("upload_store") / "corpus.gpkg"
    write_store(StoreLocation.parse(path), corpus_tables)
    return str(path)


def test_a_viewers_crafted_upload_is_not_held(tiny_store, start_portal) -> None:
    with start_portal(tiny_store) as url:
        statuses = [_crafted_upload(url) for _ in range(3)]
        held = _held_bytes(url)
    assert all(s in (200, 204, 400, 403) for s in statuses), statuses
    assert held == 0, f"{held} bytes of a viewer's uploads are held by the portal"
