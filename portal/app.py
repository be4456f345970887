"""The portal's pages: the map for everyone, sign-in, and the editors' pages for editors only.

The editors' pages (adding a document, the placement queue) are added to the
navigation only for a signed-in editor, so their addresses (``/edit``, ``/place``)
lead a viewer back to the map, and each page refuses to draw without a signed-in
editor. A viewer's session never imports them (the document readers, the extractor
and the geocoder): its first page comes sooner.
"""

from __future__ import annotations

import streamlit as st

from portal import home
from portal.i18n import translate
from portal.signin import render_signin, render_signout, signed_in_editor
from portal.state import LANG_KEY
from portal.uploads import guard_uploads


def _edit() -> None:
    """The editors' page for adding a document (imports the extraction stack: editors only)."""
    from portal import editor

    editor.render()


def _place() -> None:
    """The editors' placement queue (imports the geocoder's tables: editors only)."""
    from portal import placement

    placement.render()


def run() -> None:
    """Pick the page for this run and draw it."""
    guard_uploads()  # before any page: a viewer's session may not park files
    if LANG_KEY in st.session_state:  # keep the language across pages (a widget's state
        st.session_state[LANG_KEY] = st.session_state[LANG_KEY]  # is dropped off its page)
    else:  # a link's ``lang=en`` names the pages in English too, from the first view
        st.session_state[LANG_KEY] = st.query_params.get("lang") == "en"
    lang = "en" if st.session_state.get(LANG_KEY) else "zh"
    pages = [st.Page(home.render, title=translate("page_map", lang), default=True)]
    if signed_in_editor() is None:
        pages.append(st.Page(render_signin, title=translate("page_signin", lang),
                             url_path="signin"))  # fmt: skip
    else:
        pages.append(st.Page(_edit, title=translate("page_edit", lang), url_path="edit"))
        pages.append(st.Page(_place, title=translate("page_place", lang),
                             url_path="place"))  # fmt: skip
    page = st.navigation(pages)
    render_signout(lang=lang)
    page.run()
