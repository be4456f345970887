"""Messages that carry text from documents, files, links or the environment.

Streamlit renders the body of ``st.error``, ``st.warning``, ``st.success``,
``st.caption`` and the options of ``st.radio`` as markdown, and its markdown has
extensions that no backslash can turn off: ``:material/home:`` becomes an icon,
``$…$`` goes to the LaTeX renderer and ``![x](http://…)`` makes the viewer's
browser fetch an outside image. Text the portal did not write itself (a title,
an issuer, a file name, a project name, a database error naming a schema) is
therefore shown here, HTML-escaped and through ``st.html``, which renders no
markdown at all. Fixed interface strings keep using Streamlit's own boxes.

The boxes copy the colours of Streamlit's alerts, so a message looks the same
whichever way it was shown; each carries the class ``notice`` and its kind, and
errors the ARIA role ``alert``, so a screen reader and a test find them alike.
"""

from __future__ import annotations

import html
from collections.abc import Iterable
from typing import Literal

import streamlit as st

Kind = Literal["error", "warning", "info", "success", "caption"]

# Streamlit 1.67's light theme: background and text colour of each alert kind.
_COLOURS: dict[str, tuple[str, str]] = {
    "error": ("rgba(255, 43, 43, 0.09)", "rgb(125, 53, 59)"),
    "warning": ("rgba(255, 227, 18, 0.1)", "rgb(146, 108, 5)"),
    "info": ("rgba(28, 131, 225, 0.1)", "rgb(0, 66, 128)"),
    "success": ("rgba(33, 195, 84, 0.1)", "rgb(23, 114, 51)"),
}
_CAPTION_STYLE = "color:rgba(49,51,63,0.6);font-size:14px;line-height:1.5;overflow-wrap:anywhere"


def _text_html(text: str) -> str:
    """Escaped text with its line breaks kept."""
    return "<br>".join(html.escape(line) for line in text.split("\n"))


def notice_html(
    text: str, *, kind: Kind = "error", head: str | None = None, items: Iterable[str] = ()
) -> str:
    """The HTML of one message: an optional bold head, the text, an optional list.

    Every part is escaped; nothing in ``text``, ``head`` or ``items`` can become
    an element, a link, an image, an icon or a formula.

    Parameters
    ----------
    text
        The message; ``\\n`` starts a new line. May be empty when ``items`` say it all.
    kind
        ``error``, ``warning``, ``info``, ``success`` or ``caption`` (small grey text).
    head
        A first line in bold (for example "已拒绝 / Refused").
    items
        Lines shown as a bulleted list after the text (one problem each).
    """
    parts = []
    if head:
        parts.append(f"<strong>{html.escape(head)}</strong>")
    if text:
        parts.append(f"<div>{_text_html(text)}</div>")
    listed = [f"<li>{_text_html(item)}</li>" for item in items]
    if listed:
        parts.append(f'<ul style="margin:0.4em 0 0 0;padding-left:1.3em">{"".join(listed)}</ul>')
    body = "".join(parts)
    if kind == "caption":
        return f'<div class="notice notice-caption" style="{_CAPTION_STYLE}">{body}</div>'
    background, colour = _COLOURS[kind]
    role = ' role="alert"' if kind == "error" else ""
    style = (
        f"background:{background};color:{colour};border-radius:0.5rem;"
        "padding:16px;line-height:1.6;overflow-wrap:anywhere"
    )
    return f'<div class="notice notice-{kind}"{role} style="{style}">{body}</div>'


def notice(
    text: str, *, kind: Kind = "error", head: str | None = None, items: Iterable[str] = ()
) -> None:
    """Show a message holding outside text, as typed (see :func:`notice_html`)."""
    st.html(notice_html(text, kind=kind, head=head, items=items))
