"""Editor sign-in: who may reach the editing page, checked on every run.

The navigation (``portal.app``) only lists the editing page for a signed-in
editor, and the page checks again, so neither a link nor a crafted query string
reaches an editing control. The editor's name lives in session state under a key
no widget uses, so nothing the browser sends can set it; only
:func:`render_signin` does, after the password matched its argon2 hash.
"""

from __future__ import annotations

import os
from collections.abc import Mapping

import streamlit as st

from layers.auth import EDITORS_ENV, SignInLimiter, parse_editors, verify_editor
from layers.errors import AuthError
from portal.i18n import translate
from portal.state import DRAFT_KEY, EDITOR_KEY, LANG_KEY

SIGNIN_FORM = "editor_signin"


@st.cache_resource
def sign_in_limiter() -> SignInLimiter:
    """One limiter for the whole portal process: a new tab does not reset the count."""
    return SignInLimiter()


def configured_editors() -> dict[str, str]:
    """Editors from Streamlit secrets (``[editors]``) and the PORTAL_EDITORS variable.

    Raises
    ------
    AuthError
        If an entry is malformed.
    """
    editors: dict[str, str] = {}
    try:
        table = st.secrets.get("editors", {})
    except (FileNotFoundError, OSError, ValueError):  # no secrets file: not an error
        table = {}
    if isinstance(table, Mapping):
        editors.update({str(k): str(v) for k, v in table.items()})
    editors.update(parse_editors(os.environ.get(EDITORS_ENV, "")))
    return editors


def signed_in_editor() -> str | None:
    """The signed-in editor's name, or None for a viewer."""
    name = st.session_state.get(EDITOR_KEY)
    return name if isinstance(name, str) and name else None


def _client() -> str:
    try:
        return str(st.context.ip_address or "")
    except AttributeError:
        return ""


def render_signin() -> None:
    """The sign-in page: a name and a password; failures are counted and slowed."""
    lang = "en" if st.session_state.get(LANG_KEY) else "zh"
    st.title(translate("page_signin", lang))
    st.caption(translate("signin_help", lang))
    with st.form(SIGNIN_FORM, clear_on_submit=True):
        name = st.text_input(translate("editor_name", lang))
        password = st.text_input(translate("password", lang), type="password")
        submitted = st.form_submit_button(translate("signin", lang))
    if not submitted:
        return
    try:
        editor = verify_editor(configured_editors(), name, password,
                               limiter=sign_in_limiter(), client=_client())  # fmt: skip
    except AuthError as exc:
        st.error(str(exc))
        return
    st.session_state[EDITOR_KEY] = editor
    st.rerun()


def render_signout(*, lang: str) -> None:
    """A sidebar button that ends the editor's session (drafts are dropped)."""
    editor = signed_in_editor()
    if editor is None:
        return
    st.sidebar.caption(translate("signed_in_as", lang, name=editor))
    if st.sidebar.button(translate("signout", lang, name=editor)):
        st.session_state.pop(EDITOR_KEY, None)
        st.session_state.pop(DRAFT_KEY, None)
        st.rerun()
