"""Editor sign-in: who may reach the editing page, checked on every run.

The navigation (``portal.app``) only lists the editing page for a signed-in
editor, and the page checks again, so neither a link nor a crafted query string
reaches an editing control. The editor's name lives in session state under a key
no widget uses, so nothing the browser sends can set it; only
:func:`render_signin` does, after the password matched its argon2 hash.
"""

from __future__ import annotations

import logging
import os
import re
import tomllib
from collections.abc import Mapping

import streamlit as st

from layers.auth import EDITORS_ENV, SignInError, SignInLimiter, parse_editors, verify_editor
from layers.errors import AuthError
from portal.assets import ensure_static_assets
from portal.i18n import translate
from portal.state import DRAFT_KEY, EDITOR_KEY, LANG_KEY
from portal.wording import streamlit_words_css

SIGNIN_FORM = "editor_signin"
NO_SECRETS_FILE = "no-secrets-found"
"""Streamlit's ``error_id`` for "there is no secrets file", the one secrets error that is fine.

Streamlit raises the same exception type (a ``FileNotFoundError``) whether the
file is absent or cannot be parsed; only this id tells them apart."""

logger = logging.getLogger(__name__)
_TOML_LINE_RE = re.compile(r"\(at line (\d+), column \d+\)")


@st.cache_resource
def sign_in_limiter() -> SignInLimiter:
    """One limiter for the whole portal process: a new tab does not reset the count."""
    return SignInLimiter()


def configured_editors() -> dict[str, str]:
    """Editors from Streamlit secrets (``[editors]``) and the PORTAL_EDITORS variable.

    No secrets file is not an error (editors may come from the environment), but
    a secrets file that exists and cannot be read is: it must not pass for "no
    editor is configured", which would send the administrator looking in the
    wrong place. Sign-in is then off altogether, even for editors from the
    environment, until the file is fixed (the map pages never read secrets and
    stay up).

    Raises
    ------
    AuthError
        If the secrets file is broken (the message never quotes the file, whose
        content is secret) or an entry is malformed.
    """
    editors: dict[str, str] = {}
    table = _secret_editors()
    if isinstance(table, Mapping):
        editors.update({str(k): str(v) for k, v in table.items()})
    editors.update(parse_editors(os.environ.get(EDITORS_ENV, "")))
    return editors


def _secret_editors() -> object:
    """The ``[editors]`` table of the secrets; ``{}`` without a secrets file.

    Raises
    ------
    AuthError
        If a secrets file exists but cannot be read or parsed.
    """
    try:
        return st.secrets.get("editors", {})
    except FileNotFoundError as exc:  # Streamlit's StreamlitSecretNotFoundError is one
        if _no_secrets_file(exc):
            return {}
        raise _broken_secrets(exc) from None
    except (OSError, ValueError, TypeError) as exc:  # unreadable, not UTF-8, bad value...
        raise _broken_secrets(exc) from None


def _no_secrets_file(exc: FileNotFoundError) -> bool:
    """Whether Streamlit's error means "no file" rather than "a file it cannot parse"."""
    if isinstance(exc.__cause__, tomllib.TOMLDecodeError | TypeError):
        return False
    # A plain FileNotFoundError (no error_id at all) is a missing file too.
    return getattr(exc, "error_id", NO_SECRETS_FILE) == NO_SECRETS_FILE


def _broken_secrets(exc: Exception) -> SignInError:
    """The bilingual refusal for an unreadable secrets file, with at most its line number.

    Neither Streamlit's message nor the TOML parser's is shown or logged: both
    can quote the file (a key, a character of a hash). The line number and the
    exception type are enough for an administrator to find the fault.
    """
    cause = exc.__cause__ if exc.__cause__ is not None else exc
    logger.error("secrets file unreadable (%s); editor sign-in is off", type(cause).__name__)
    found = _TOML_LINE_RE.search(str(cause)) if isinstance(cause, tomllib.TOMLDecodeError) else None
    if found is not None:
        return SignInError("secrets_invalid", line=int(found.group(1)))
    return SignInError("secrets_unreadable")


def signed_in_editor() -> str | None:
    """The signed-in editor's name, or None for a viewer."""
    name = st.session_state.get(EDITOR_KEY)
    return name if isinstance(name, str) and name else None


def _client() -> str | None:
    """The client's address, or None (localhost, or no context): the limiter's shared bucket."""
    try:
        address = st.context.ip_address
    except AttributeError:
        return None
    return str(address) if address else None


def refusal_text(exc: AuthError, *, lang: str) -> str:
    """A refusal for ``st.error``: the page's language first, the other below it.

    Both languages are kept (the rule for every refusal an editor meets, as for
    uploads), but the page's own comes first and each stands on its own line, so
    a Chinese page reads as Chinese. An :class:`AuthError` from elsewhere is
    shown as it is.
    """
    if isinstance(exc, SignInError):
        first, second = exc.lines(lang)
        return f"{first}\n\n{second}"
    return str(exc)


def render_signin() -> None:
    """The sign-in page: a name and a password; failures are counted and slowed.

    The editors are read before the form is drawn, so a broken secrets file or a
    portal without editors is said at once instead of after a typed password.
    Every refusal is shown with ``st.error`` (:func:`refusal_text`), never as a
    traceback.
    """
    lang = "en" if st.session_state.get(LANG_KEY) else "zh"
    st.html(streamlit_words_css(lang=lang))  # no "Press Enter to submit form" in English
    st.title(translate("page_signin", lang))
    st.caption(translate("signin_help", lang))
    try:
        editors = configured_editors()
    except AuthError as exc:
        st.error(refusal_text(exc, lang=lang))
        return
    if not editors:
        st.error(refusal_text(SignInError("no_editors"), lang=lang))
        return
    with st.form(SIGNIN_FORM, clear_on_submit=True):
        name = st.text_input(translate("editor_name", lang))
        password = st.text_input(translate("password", lang), type="password")
        submitted = st.form_submit_button(translate("signin", lang))
    if not submitted:
        return
    try:
        editor = verify_editor(editors, name, password,
                               limiter=sign_in_limiter(), client=_client())  # fmt: skip
    except AuthError as exc:
        st.error(refusal_text(exc, lang=lang))
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


def open_editor_page(title_key: str) -> tuple[str, str]:
    """Open an editors-only page: the signed-in editor and the language, or stop here.

    The navigation offers such pages only to a signed-in editor; this guards each
    page regardless (an old link, a session that signed out in another tab).
    """
    lang = "en" if st.session_state.get(LANG_KEY) else "zh"
    editor = signed_in_editor()
    if editor is None:
        st.error(translate("editors_only", lang))
        st.stop()
    st.set_page_config(page_title=translate(title_key, lang), layout="wide")
    ensure_static_assets()
    return editor, lang
