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
from portal.mapview import build_county_map
from portal.overview import render_overview
from portal.presentation import (
    render_display_controls,
    render_figure_export,
    render_presentation_header,
    view_title,
)
from portal.projectmap import build_project_map
from portal.state import LANG_KEY, MAP_KEY, SELECTED_KEY

MAP_HEIGHT = 640
PRESENTATION_HEIGHT = 820
LAST_CLICK_KEY = "last_map_click"


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


def _clicked_project(result: dict | None) -> None:
    """A click on the map selects that project (only a new click: the map remembers the last)."""
    feature = (result or {}).get("last_active_drawing") or {}
    project_id = (feature.get("properties") or {}).get("project_id")
    if project_id and project_id != st.session_state.get(LAST_CLICK_KEY):
        st.session_state[LAST_CLICK_KEY] = project_id
        st.session_state[SELECTED_KEY] = project_id


def render() -> None:
    """Draw the page. Expected failures (no store, bad catalog...) show as st.error."""
    lang = _header()
    try:
        counties = data.load_corpus_counties()
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
        fmap = build_project_map(selected, counties=counties, focus=focus, lang=lang,
                                 status_column=status_column, basemap=basemap)  # fmt: skip
        st_folium(fmap, height=PRESENTATION_HEIGHT, use_container_width=True, render=False,
                  returned_objects=[], key=MAP_KEY)  # fmt: skip
        render_figure_export(selected, counties=counties, focus=focus, title=title, lang=lang,
                             boundary_source=data.load_boundary_source())  # fmt: skip
        return
    st.markdown(f"**{translate('summary', lang, n=len(selected), year=filters.year)}**")
    map_col, detail_col = st.columns([3, 2])
    with map_col:
        fmap = build_project_map(selected, counties=counties, lang=lang, focus=focus,
                                 status_column=status_column, basemap=basemap)  # fmt: skip
        # Only clicks come back: panning and zooming must not rerun the app.
        # render=False: streamlit-folium renders the map itself once; its extra full
        # render doubled the time to draw thousands of features.
        result = st_folium(fmap, height=MAP_HEIGHT, use_container_width=True, render=False,
                           returned_objects=["last_active_drawing"], key=MAP_KEY)  # fmt: skip
        _clicked_project(result)
        st.caption(translate("map_caption", lang, n=len(view_counties),
                             source=data.load_boundary_source()))  # fmt: skip
    render_overview(contents, selected, lang=lang, status_column=status_column)
    with detail_col:
        render_details(contents, st.session_state.get(SELECTED_KEY), lang=lang)
