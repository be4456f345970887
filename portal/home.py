"""The portal's home page: title, language switch and the county map."""

from __future__ import annotations

import streamlit as st
from streamlit_folium import st_folium

from layers.errors import PortalError
from portal import data
from portal.assets import ensure_static_assets
from portal.i18n import translate
from portal.mapview import build_county_map
from portal.state import LANG_KEY, MAP_KEY

MAP_HEIGHT = 640


def current_language() -> str:
    """``en`` when the English switch is on, else ``zh``."""
    return "en" if st.session_state.get(LANG_KEY, False) else "zh"


def render() -> None:
    """Draw the page. Expected failures (bad catalog, broken reference data) show as st.error."""
    lang = current_language()
    st.set_page_config(page_title=translate("page_title", lang), layout="wide")
    ensure_static_assets()
    head, switch = st.columns([5, 1])
    with switch:
        st.toggle(translate("english", lang), key=LANG_KEY)
    lang = current_language()
    with head:
        st.title(translate("title", lang))
        st.caption(translate("subtitle", lang))
    try:
        counties = data.load_corpus_counties()
        fmap = build_county_map(counties, lang=lang, prefectures=data.load_corpus_prefectures())
    except PortalError as exc:
        st.error(str(exc))
        return
    # Only clicks would be returned (none yet): panning and zooming must not rerun the app.
    st_folium(fmap, height=MAP_HEIGHT, use_container_width=True, returned_objects=[], key=MAP_KEY)
    st.caption(translate("map_caption", lang, n=len(counties), source=data.load_boundary_source()))
