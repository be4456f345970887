"""The sign-in page in Streamlit's AppTest: a broken secrets file, no editors, the growing wait.

AppTest has no client address (like a browser on localhost), so these runs also
show that the per-client limit holds for address-less clients.
"""

from __future__ import annotations

from collections.abc import Iterator
from functools import partial
from pathlib import Path

import pytest
import streamlit as st
from argon2 import PasswordHasher
from streamlit import config
from streamlit.runtime.secrets import Secrets
from streamlit.testing.v1 import AppTest

from layers.auth import EDITORS_ENV, FREE_FAILURES, SignInError, verify_editor
from layers.errors import AuthError
from portal import signin
from portal.state import EDITOR_KEY, LANG_KEY

PASSWORD = "correct horse"
SECRET_HASH = "$argon2id$v=19$m=8,t=1,p=1$c2VjcmV0c2FsdA$do-not-show-me"
BROKEN_TOML = f'[editors]\nalice = "{SECRET_HASH}\nbob = 1\n'  # unclosed string on line 2


@pytest.fixture
def secrets_file(tmp_path, monkeypatch) -> Iterator[Path]:
    """Streamlit reads its secrets from this (not yet written) file, freshly parsed."""
    path = tmp_path / "secrets.toml"
    saved = config.get_option("secrets.files")
    config.set_option("secrets.files", [str(path)])
    monkeypatch.setattr(st, "secrets", Secrets())
    monkeypatch.delenv(EDITORS_ENV, raising=False)
    signin.sign_in_limiter.clear()
    yield path
    config.set_option("secrets.files", saved)
    signin.sign_in_limiter.clear()


@pytest.fixture(scope="module")
def env_editors() -> str:
    return f"alice:{PasswordHasher(time_cost=1, memory_cost=8, parallelism=1).hash(PASSWORD)}"


def _page() -> None:
    from portal.signin import render_signin

    render_signin()


def _app() -> AppTest:
    return AppTest.from_function(_page, default_timeout=30)


def _submit(app: AppTest, name: str, password: str) -> AppTest:
    app.text_input[0].input(name)
    app.text_input[1].input(password)
    return app.button[0].click().run()


def test_a_broken_secrets_file_is_reported_as_broken(secrets_file, monkeypatch, env_editors):
    secrets_file.write_text(BROKEN_TOML, encoding="utf-8")
    monkeypatch.setenv(EDITORS_ENV, env_editors)  # sign-in stays off even with these
    app = _app().run()
    assert not app.exception
    assert [e.value for e in app.error] == [
        "密钥文件 secrets.toml 第 2 行不是有效的 TOML，编辑暂时无法登录。"
        "请管理员修复该文件；浏览地图不受影响。\n\nThe secrets file (secrets.toml) is not "
        "valid TOML at line 2, so editors cannot sign in. An administrator must fix the "
        "file; the map still works."
    ]
    assert not app.text_input and not app.button  # no form to type a password into
    assert app.title[0].value == "编辑登录"


def test_the_broken_file_is_never_quoted(secrets_file, caplog) -> None:
    secrets_file.write_text(BROKEN_TOML, encoding="utf-8")
    with pytest.raises(AuthError) as refused:
        signin.configured_editors()
    shown = str(refused.value) + caplog.text
    assert "do-not-show-me" not in shown and "alice" not in shown and "argon2" not in shown
    assert str(secrets_file) not in str(refused.value)  # nor where the server keeps it


def test_a_secrets_file_that_is_not_text_is_broken_too(secrets_file) -> None:
    secrets_file.write_bytes(b"[editors]\nalice = '\xff\xfe'\n")
    with pytest.raises(AuthError, match=r"已损坏或无法读取.* / The secrets file .* is broken"):
        signin.configured_editors()


def test_no_secrets_file_is_not_an_error(secrets_file, monkeypatch, env_editors) -> None:
    assert signin.configured_editors() == {}
    monkeypatch.setenv(EDITORS_ENV, env_editors)
    assert list(signin.configured_editors()) == ["alice"]


def test_editors_from_a_good_secrets_file(secrets_file, monkeypatch, env_editors) -> None:
    good = Secrets()
    good._secrets = {"editors": {"bob": env_editors.partition(":")[2]}}
    monkeypatch.setattr(st, "secrets", good)
    assert list(signin.configured_editors()) == ["bob"]


def test_no_editor_is_said_before_a_password_is_typed(secrets_file) -> None:
    app = _app().run()
    assert not app.exception and not app.text_input
    assert "没有配置任何编辑" in app.error[0].value
    assert "No editor is configured on this portal" in app.error[0].value


def test_failures_slow_the_next_try_and_then_the_editor_signs_in(
    secrets_file, monkeypatch, env_editors
) -> None:
    monkeypatch.setenv(EDITORS_ENV, env_editors)
    clock = [1000.0]
    monkeypatch.setattr(signin, "verify_editor", partial(verify_editor, now=lambda: clock[0]))
    app = _app().run()
    for _ in range(FREE_FAILURES):
        _submit(app, "alice", "guess")
        assert app.error[0].value == "编辑用户名或密码错误。\n\nWrong editor name or password."
    _submit(app, "alice", PASSWORD)  # right, but too soon: refused without a hash check
    assert app.error[0].value == (
        "登录失败次数过多：请等待 1 秒后再试。\n\n"
        "Too many failed sign-ins: wait 1 s, then try again."
    )
    assert EDITOR_KEY not in app.session_state
    clock[0] += 1.0
    _submit(app, "alice", PASSWORD)
    assert not app.exception and not app.error
    assert app.session_state[EDITOR_KEY] == "alice"


def test_an_english_page_gives_its_refusals_in_english_first(
    secrets_file, monkeypatch, env_editors
) -> None:
    monkeypatch.setenv(EDITORS_ENV, env_editors)
    app = _app()
    app.session_state[LANG_KEY] = True
    app.run()
    assert app.title[0].value == "Editor sign-in"
    _submit(app, "alice", "guess")
    assert app.error[0].value == "Wrong editor name or password.\n\n编辑用户名或密码错误。"


def test_no_editor_reads_in_the_pages_language_first(secrets_file) -> None:
    app = _app()
    app.session_state[LANG_KEY] = True
    app.run()
    first, second = app.error[0].value.split("\n\n")
    assert first.startswith("No editor is configured") and second.startswith("本门户没有配置")


def test_refusals_keep_both_languages_in_one_line_for_logs() -> None:
    error = SignInError("wait", seconds=4)
    assert str(error) == (
        "登录失败次数过多：请等待 4 秒后再试。 / "
        "Too many failed sign-ins: wait 4 s, then try again."
    )
    assert error.text("en") == "Too many failed sign-ins: wait 4 s, then try again."
    assert isinstance(error, AuthError)
