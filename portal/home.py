"""The portal's page: filters in the sidebar, the project map with its details, the table below."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from layers.errors import PortalError, StoreError
from layers.selection import select_projects
from portal import data
from portal.assets import ensure_static_assets
from portal.basemaps import available_basemaps, tianditu_key
from portal.details import render_details
from portal.filters import keep_in_link, render_sidebar
from portal.i18n import translate
from portal.mapcomponent import MAP_HEIGHT, PRESENTATION_HEIGHT, render_project_map
from portal.mapview import build_county_map
from portal.notice import notice
from portal.overview import render_overview, summary_line
from portal.presentation import (
    render_display_controls,
    render_figure_export,
    render_presentation_header,
    view_title,
)
from portal.state import (
    CLOSE_DETAILS_KEY,
    LANG_KEY,
    MAP_KEY,
    PROJECT_LOADED_KEY,
    SELECTED_KEY,
    ZOOM_KEY,
    ZOOM_SEQ_KEY,
    close_details,
    layers_from_map,
    request_zoom,
    select_project,
)
from portal.viewport import render_large
from portal.wording import streamlit_words_css


def current_language() -> str:
    """``en`` when the English switch is on, else ``zh``."""
    return "en" if st.session_state.get(LANG_KEY, False) else "zh"


def _header() -> str:
    lang = current_language()  # a link's ``lang=en`` was read by portal.app
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
    st.html(streamlit_words_css(lang=lang))  # no "Press Enter to apply" in English
    try:
        counties = data.load_corpus_counties()
        store_key = data.store_key()  # before the store: see its docstring
        summary = data.store_summary()
        if summary.count > data.viewport_threshold():  # too large to read whole
            render_large(lang=lang, counties=counties, store_key=store_key, summary=summary)
            return
        contents = data.load_store()
    except StoreError as exc:
        notice(str(exc), head=translate("no_store", lang))
        from streamlit_folium import st_folium  # only here: a store's map is our own component

        st_folium(build_county_map(counties, lang=lang), height=MAP_HEIGHT,
                  use_container_width=True, returned_objects=[], key=MAP_KEY)  # fmt: skip
        return
    except PortalError as exc:
        notice(str(exc))
        return
    options = data.filter_options(contents, counties)
    link = st.query_params.to_dict()  # as opened: the filters rewrite the URL below
    _project_from_link(link, contents.projects)
    filters = render_sidebar(options, lang=lang)
    basemap, presenting = render_display_controls(
        available_basemaps(tianditu=tianditu_key()), lang=lang, link=link
    )
    names = filters.county_names(options)
    view_counties = counties[counties["name"].isin(names)] if names else counties
    # Every view of the page (map, counts, table, charts, downloads, figure) reads
    # ``selected``: the place rule is applied once, here.
    area = data.load_view_area(filters.prefectures, filters.counties, filters.prefecture_level)
    selected = select_projects(
        contents.projects, area=area, year=filters.year, categories=filters.categories,
        statuses=filters.statuses, target_years=filters.target_years, doc_ids=filters.doc_ids,
        overdue_only=filters.overdue_only, name_contains=filters.search,
        progress=data.progress_for(store_key, filters.year, contents.projects)
        if filters.year is not None else None,
    )  # fmt: skip
    keep_in_link(lang)
    status_column = "known_stage"
    focus = view_counties if names else None
    zoom = st.session_state.get(ZOOM_KEY)
    map_args = {
        "projects": contents.projects, "store_key": store_key, "counties": counties,
        "prefectures": data.load_corpus_prefectures(), "focus": focus, "lang": lang,
        "basemap": basemap, "status_column": status_column, "key": MAP_KEY, "zoom_to": zoom,
        "zoom_request": int(st.session_state.get(ZOOM_SEQ_KEY, 0)),
        "categories": filters.categories, "on_pick": select_project, "on_layers": layers_from_map,
    }  # fmt: skip
    if presenting:
        title = view_title(filters, options, lang=lang, count=len(selected))
        render_presentation_header(title, lang=lang)
        render_project_map(selected, height=PRESENTATION_HEIGHT, presentation=True,
                           selected_id=_chosen(contents.projects), **map_args)  # fmt: skip
        render_figure_export(selected, counties=counties, focus=focus, title=title, lang=lang,
                             boundary_source=data.load_boundary_source(),
                             documents=contents.documents)  # fmt: skip
        return
    # Counts, the slider's year and fixed words only: no document or link text reaches markdown.
    wide = filters.prefecture_wide
    st.markdown(f"**{summary_line(selected, year=filters.year, lang=lang, prefecture_wide=wide)}**")
    chosen = _chosen(contents.projects)
    # The map takes the whole width until a project is chosen; then the details open
    # beside it. The map stays the first column either way, so its frame is kept (and
    # with it the view the user panned to) when the details open or close.
    columns = st.columns([3, 2] if chosen else [1])
    with columns[0]:
        render_project_map(selected, height=MAP_HEIGHT, selected_id=chosen, **map_args)
        if not chosen:
            st.caption(translate("details_hint", lang))
        notice(translate("map_caption", lang, n=len(view_counties),
                         source=data.load_boundary_source()), kind="caption")  # fmt: skip
    render_overview(contents, selected, lang=lang, status_column=status_column,
                    year=filters.year)  # fmt: skip
    if _chosen(contents.projects) != chosen:
        st.rerun()  # a table row chose another project: lay the page out for it
    if chosen:
        with columns[1]:
            st.button(translate("close_details", lang), on_click=close_details,
                      key=CLOSE_DETAILS_KEY)  # fmt: skip
            render_details(contents, chosen, year=filters.year, lang=lang)


def _chosen(projects: pd.DataFrame) -> str | None:
    """The project whose details are open, if it is one of the store's (a pick is user input)."""
    chosen = st.session_state.get(SELECTED_KEY)
    if not chosen or not projects["project_id"].astype(str).eq(str(chosen)).any():
        return None
    return str(chosen)


def _project_from_link(link: dict[str, str], projects: pd.DataFrame) -> None:
    """``?project=<id>`` opens that project's details and frames it (once per session)."""
    if st.session_state.get(PROJECT_LOADED_KEY):
        return
    st.session_state[PROJECT_LOADED_KEY] = True
    wanted = str(link.get("project") or "")
    if wanted and wanted in set(projects["project_id"].astype(str)):
        select_project(wanted)
        request_zoom(st.session_state, wanted)
