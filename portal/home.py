"""The portal's page: filters in the sidebar, the project map with its details, the table below."""

from __future__ import annotations

from datetime import date

import streamlit as st
from streamlit_folium import st_folium

from layers.errors import PortalError, StoreError
from layers.selection import select_projects
from portal import data
from portal.assets import ensure_static_assets
from portal.basemaps import available_basemaps, tianditu_key
from portal.details import render_details
from portal.filters import render_sidebar
from portal.i18n import translate
from portal.mapcomponent import render_project_map
from portal.mapview import build_county_map
from portal.overview import render_overview
from portal.presentation import (
    render_display_controls,
    render_figure_export,
    render_presentation_header,
    view_title,
)
from portal.state import LANG_KEY, MAP_KEY, SELECTED_KEY

MAP_HEIGHT = 640
PRESENTATION_HEIGHT = 820


def current_language() -> str:
    """``en`` when the English switch is on, else ``zh``."""
    return "en" if st.session_state.get(LANG_KEY, False) else "zh"


def _header() -> str:
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
    return lang


def render() -> None:
    """Draw the page. Expected failures (no store, bad catalog...) show as st.error."""
    lang = _header()
    try:
        counties = data.load_corpus_counties()
        store_key = data.store_key()  # before the store: see its docstring
        contents = data.load_store()
    except StoreError as exc:
        st.error(f"{translate('no_store', lang)}\n\n{exc}")
        st_folium(build_county_map(counties, lang=lang), height=MAP_HEIGHT,
                  use_container_width=True, returned_objects=[], key=MAP_KEY)  # fmt: skip
        return
    except PortalError as exc:
        st.error(str(exc))
        return
    options = data.filter_options(contents, counties, today=date.today())
    link = st.query_params.to_dict()  # as opened: the filters rewrite the URL below
    filters = render_sidebar(options, lang=lang)
    basemap, presenting = render_display_controls(
        available_basemaps(tianditu=tianditu_key()), lang=lang, link=link
    )
    names = filters.county_names(options)
    view_counties = counties[counties["name"].isin(names)] if names else counties
    polygons = view_counties.geometry if names else None
    selected = select_projects(
        contents.projects, counties=names, county_polygons=polygons,
        year=filters.year, categories=filters.categories, statuses=filters.statuses,
        target_years=filters.target_years, doc_ids=filters.doc_ids,
        overdue_only=filters.overdue_only, name_contains=filters.search,
    )  # fmt: skip
    status_column = "status_as_of"
    focus = view_counties if names else None
    if presenting:
        title = view_title(filters, options, lang=lang)
        render_presentation_header(title, lang=lang)
        render_project_map(selected, projects=contents.projects, store_key=store_key,
                           counties=counties, focus=focus, lang=lang, basemap=basemap,
                           status_column=status_column, height=PRESENTATION_HEIGHT,
                           key=MAP_KEY)  # fmt: skip
        render_figure_export(selected, counties=counties, focus=focus, title=title, lang=lang,
                             boundary_source=data.load_boundary_source())  # fmt: skip
        return
    st.markdown(f"**{translate('summary', lang, n=len(selected), year=filters.year)}**")
    map_col, detail_col = st.columns([3, 2])
    with map_col:
        # Only clicks come back: panning and zooming must not rerun the app.
        clicked = render_project_map(
            selected, projects=contents.projects, store_key=store_key, counties=counties,
            focus=focus, lang=lang, basemap=basemap, status_column=status_column,
            height=MAP_HEIGHT, key=MAP_KEY,
        )  # fmt: skip
        if clicked:
            st.session_state[SELECTED_KEY] = clicked
        st.caption(translate("map_caption", lang, n=len(view_counties),
                             source=data.load_boundary_source()))  # fmt: skip
    render_overview(contents, selected, lang=lang, status_column=status_column)
    with detail_col:
        render_details(contents, st.session_state.get(SELECTED_KEY), lang=lang)
