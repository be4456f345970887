"""The map page for a store too large to read whole: the map asks the store for its view.

Above :func:`portal.data.viewport_threshold` projects (a province, a nation) the
page never reads the projects table. The sidebar's filters are the same; the
map reports what it shows after every move (:class:`portal.mapcomponent.MapReport`),
and the page asks the store for that view (:func:`layers.store.read_view`): the
projects in it, when few enough to draw, else their counts on cells. What is
under the map (the count, the table, the charts, the downloads) covers the
projects drawn, and says so. A opened project is read by its id, with its
mentions.

The map and everything under it are one fragment (``st.fragment``): a pan
reruns only them, never the sidebar or the header, which is what keeps a pan
within a second at a million projects. A layer switch on the map changes the
sidebar's filter, so it reruns the whole page.

Progress as of another year than the store's own is worked out, as on a small
store, from each drawn project's statements
(:func:`layers.selection.select_projects`); the cells' counts cannot be, and
the page says so when a stage filter is set for another year.
"""

from __future__ import annotations

import hashlib
import json
import math
from collections.abc import Sequence

import geopandas as gpd
import pandas as pd
import shapely
import streamlit as st

from layers.backend import StoreContents
from layers.selection import Area, select_projects
from layers.viewport import (
    FEATURE_LIMIT,
    ProjectSummary,
    View,
    ViewRequest,
    clipped,
    empty_projects,
    padded,
    zoom_for,
)
from portal import data
from portal.basemaps import Basemap, available_basemaps, tianditu_key
from portal.details import render_details
from portal.filters import FilterOptions, Filters, keep_in_link, render_sidebar
from portal.i18n import translate
from portal.mapcomponent import (
    MAP_HEIGHT,
    PRESENTATION_HEIGHT,
    MapReport,
    MapViewport,
    render_project_map,
)
from portal.notice import notice
from portal.overview import render_overview, summary_line
from portal.presentation import (
    render_display_controls,
    render_figure_export,
    render_presentation_header,
    view_title,
)
from portal.state import (
    CATEGORY_KEY,
    CLOSE_DETAILS_KEY,
    EXPORT_KEY,
    MAP_KEY,
    PROJECT_LOADED_KEY,
    SELECTED_KEY,
    VIEW_REPORT_KEY,
    VIEW_ZOOM_SEEN_KEY,
    ZOOM_KEY,
    ZOOM_SEQ_KEY,
    close_details,
    layers_from_map,
    request_zoom,
    select_project,
)

ASSUMED_WIDTH_PX = 1000
"""The map's width assumed for the first view, before the browser has reported its own."""
STYLED_ROWS = 500
"""Up to this many rows the table's stage cells are coloured: styling 3,000 rows takes
about half a second, which every pan would wait for."""
AREA_TOLERANCE_DEG = 0.002
"""The place filter's outline as sent to the store: lightened to about 200 m (cells only)."""


def bounds_match(sent: str, bounds: Sequence[Sequence[float]]) -> bool:
    """Whether the frame a report was made under (as the browser sent it) is ``bounds``.

    A report made before the place filter changed describes the old frame: the
    map is about to fit the new one and report again.
    """
    try:
        values = [float(v) for pair in json.loads(sent) for v in pair]
    except (TypeError, ValueError):
        return False
    wanted = [float(v) for pair in bounds for v in pair]
    return len(values) == len(wanted) and all(
        math.isclose(a, b, abs_tol=1e-9) for a, b in zip(values, wanted, strict=True)
    )


def view_box(
    report: MapReport | None, *, bounds: Sequence[Sequence[float]], height_px: int
) -> tuple[tuple[float, float, float, float], float]:
    """The box and zoom to ask for: the map's last report, else the frame it is fitted to."""
    if report is not None and bounds_match(report.bounds, bounds):
        return report.bbox, report.zoom
    (south, west), (north, east) = bounds
    box = (float(west), float(south), float(east), float(north))
    return box, zoom_for(box, width_px=ASSUMED_WIDTH_PX, height_px=height_px)


def view_request(
    box: tuple[float, float, float, float],
    zoom: float,
    *,
    filters: Filters,
    area: Area | None,
    store_year: int | None,
    limit: int = FEATURE_LIMIT,
) -> ViewRequest | None:
    """What to ask the store for this view under these filters (None: the view misses the place).

    The box is padded (a short pan needs no new query) and cut to the place's
    box; the stage, overdue and target-year filters go to the store only when
    the view's year is the store's own (its stored progress columns are of that
    year), else they are applied to the projects fetched.
    """
    within = area.outline.bounds if area is not None and not area.outline.is_empty else None
    bbox = clipped(padded(box), within)
    if bbox is None:
        return None
    own = store_year is not None and filters.year == store_year
    outline = None
    if area is not None and not area.outline.is_empty:
        outline = shapely.to_wkb(shapely.simplify(area.outline, AREA_TOLERANCE_DEG))
    return ViewRequest(
        bbox=tuple(round(v, 5) for v in bbox),  # type: ignore[arg-type]
        zoom=round(zoom, 2), categories=filters.categories, search=filters.search,
        doc_ids=filters.doc_ids, named_by=filters.year,
        stages=filters.statuses if own else (), overdue_only=filters.overdue_only and own,
        target_years=filters.target_years if own else None, area_wkb=outline,
        limit=limit,
    )  # fmt: skip


def selected_in_view(view: View | None, *, filters: Filters, area: Area | None) -> gpd.GeoDataFrame:
    """The view's projects that pass every filter, with their progress as of the chosen year."""
    projects = view.projects if view is not None and not view.aggregated else empty_projects()
    return select_projects(
        projects, area=area, year=filters.year, categories=filters.categories,
        statuses=filters.statuses, target_years=filters.target_years, doc_ids=filters.doc_ids,
        overdue_only=filters.overdue_only, name_contains=filters.search,
    )  # fmt: skip


def _keep_report(report: MapReport) -> None:
    st.session_state[VIEW_REPORT_KEY] = report


def _one_project(project_id: object) -> gpd.GeoDataFrame:
    if not project_id:
        return empty_projects()
    return data.load_projects((str(project_id),))


def _project_from_link(link: dict[str, str]) -> None:
    """``?project=<id>`` opens that project and frames it (once per session)."""
    if st.session_state.get(PROJECT_LOADED_KEY):
        return
    st.session_state[PROJECT_LOADED_KEY] = True
    wanted = str(link.get("project") or "")[:200]
    if wanted and len(_one_project(wanted)):
        select_project(wanted)
        request_zoom(st.session_state, wanted)


def _zoom_box(height_px: int) -> tuple[tuple[float, float, float, float], float] | None:
    """The box of a project someone asked to see (a link, a table row), once per request."""
    seq = int(st.session_state.get(ZOOM_SEQ_KEY, 0))
    wanted = st.session_state.get(ZOOM_KEY)
    if not wanted or st.session_state.get(VIEW_ZOOM_SEEN_KEY) == seq:
        return None
    st.session_state[VIEW_ZOOM_SEEN_KEY] = seq
    found = _one_project(wanted)
    if found.empty or found.geometry.iloc[0] is None or found.geometry.iloc[0].is_empty:
        return None
    minx, miny, maxx, maxy = (float(v) for v in found.geometry.iloc[0].bounds)
    pad = max(0.02, 0.15 * max(maxx - minx, maxy - miny))
    box = (minx - pad, miny - pad, maxx + pad, maxy + pad)
    return box, zoom_for(box, width_px=ASSUMED_WIDTH_PX, height_px=height_px)


def _contents_for(
    tables: StoreContents, projects: gpd.GeoDataFrame, *, mentions: bool
) -> StoreContents:
    """The small tables with these projects (and, when asked, their mentions)."""
    found = (
        data.load_mentions(tuple(projects["project_id"].astype(str)))
        if mentions and len(projects)
        else tables.mentions
    )
    return StoreContents(projects, found, tables.documents, tables.corrections, tables.builds)


def render_large(
    *, lang: str, counties: gpd.GeoDataFrame, store_key: str, summary: ProjectSummary
) -> None:
    """Draw the page for a large store (see the module docstring)."""
    tables = data.load_store_tables()
    options = data.filter_options(tables, counties, target_span=summary.target_years)
    link = st.query_params.to_dict()
    _project_from_link(link)
    filters = render_sidebar(options, lang=lang)
    basemap, presenting = render_display_controls(
        available_basemaps(tianditu=tianditu_key()), lang=lang, link=link
    )
    names = filters.county_names(options)
    view_counties = counties[counties["name"].isin(names)] if names else counties
    area = data.load_view_area(filters.prefectures, filters.counties, filters.prefecture_level)
    keep_in_link(lang)
    st.fragment(_render_view)(
        lang=lang, counties=counties, view_counties=view_counties if names else None,
        store_key=store_key, summary=summary, tables=tables, options=options,
        filters=filters, area=area, basemap=basemap, presenting=presenting,
    )  # fmt: skip


def _render_view(
    *,
    lang: str,
    counties: gpd.GeoDataFrame,
    view_counties: gpd.GeoDataFrame | None,
    store_key: str,
    summary: ProjectSummary,
    tables: StoreContents,
    options: FilterOptions,
    filters: Filters,
    area: Area | None,
    basemap: Basemap,
    presenting: bool,
) -> None:
    """The map and what is under it: rerun alone on every move of the map."""
    height = PRESENTATION_HEIGHT if presenting else MAP_HEIGHT
    minx, miny, maxx, maxy = (view_counties if view_counties is not None else counties).total_bounds
    bounds = [[float(miny), float(minx)], [float(maxy), float(maxx)]]
    report: MapReport | None = st.session_state.get(VIEW_REPORT_KEY)
    box, zoom = _zoom_box(height) or view_box(report, bounds=bounds, height_px=height)
    request = view_request(box, zoom, filters=filters, area=area, store_year=summary.as_of_year,
                           limit=data.view_limit())  # fmt: skip
    view = data.load_view(request) if request is not None else None
    selected = selected_in_view(view, filters=filters, area=area)
    aggregated = view is not None and view.aggregated
    cells = view.cells if view is not None else pd.DataFrame(columns=["x", "y", "count"])
    ids = "|".join(selected["project_id"].astype(str))
    view_key = hashlib.sha1(f"{request.key if request else ''}|{ids}".encode()).hexdigest()
    chosen = _chosen()
    map_args = {
        "projects": selected, "store_key": f"{store_key}#{view_key}", "counties": counties,
        "prefectures": data.load_corpus_prefectures(), "focus": view_counties, "lang": lang,
        "basemap": basemap, "status_column": "known_stage", "key": MAP_KEY,
        "zoom_to": st.session_state.get(ZOOM_KEY),
        "zoom_request": int(st.session_state.get(ZOOM_SEQ_KEY, 0)),
        "categories": filters.categories, "on_pick": select_project, "on_layers": layers_from_map,
        "viewport": MapViewport(cells, report.at if report else 0, _keep_report,
                                summary.categories, request.bbox if request else ()),
    }  # fmt: skip
    if presenting:
        title = view_title(filters, options, lang=lang, count=len(selected))
        render_presentation_header(title, lang=lang)
        render_project_map(selected, height=height, presentation=True, selected_id=chosen,
                           **map_args)  # fmt: skip
        render_figure_export(selected, counties=counties, focus=view_counties, title=title,
                             lang=lang, boundary_source=data.load_boundary_source(),
                             documents=tables.documents)  # fmt: skip
        return
    notice(translate("large_store", lang, n=f"{summary.count:,}"), kind="info")
    _render_counts(view, selected, filters=filters, summary=summary, lang=lang)
    columns = st.columns([3, 2] if chosen else [1])
    with columns[0]:
        render_project_map(selected, height=height, selected_id=chosen,
                           **map_args)  # fmt: skip
        notice(translate("map_caption", lang, n=len(view_counties if view_counties is not None
                                                    else counties),
                         source=data.load_boundary_source()), kind="caption")  # fmt: skip
    if aggregated or view is None:
        st.subheader(translate("table", lang))
        st.caption(translate("view_zoom_in", lang))
    else:
        export = bool(st.session_state.get(EXPORT_KEY))
        render_overview(_contents_for(tables, selected, mentions=export), selected, lang=lang,
                        status_column="known_stage", year=filters.year,
                        styled_rows=STYLED_ROWS)  # fmt: skip
    if list(st.session_state.get(CATEGORY_KEY) or []) != list(filters.categories):
        st.rerun(scope="app")  # a layer switch on the map: the sidebar's filter changed
    if _chosen() != chosen:
        st.rerun(scope="app")  # a table row chose another project: lay it out for it
    if chosen:
        with columns[1]:
            st.button(translate("close_details", lang), on_click=close_details,
                      key=CLOSE_DETAILS_KEY)  # fmt: skip
            one = _one_project(chosen)
            render_details(_contents_for(tables, one, mentions=True), chosen, year=filters.year,
                           lang=lang)  # fmt: skip
    keep_in_link(lang)


def _render_counts(
    view: View | None,
    selected: gpd.GeoDataFrame,
    *,
    filters: Filters,
    summary: ProjectSummary,
    lang: str,
) -> None:
    """The headline: the drawn projects' stages, or how many the cells stand for."""
    if view is not None and view.aggregated:
        notice(translate("view_cells", lang, n=f"{view.total:,}", limit=f"{view.request.limit:,}"),
               kind="caption")  # fmt: skip
        own = summary.as_of_year is not None and filters.year == summary.as_of_year
        stage_filters = filters.statuses or filters.overdue_only or filters.target_years
        if stage_filters and not own:
            notice(translate("view_cells_filters", lang, year=filters.year,
                             own=summary.as_of_year or "—"), kind="warning")  # fmt: skip
        return
    line = summary_line(selected, year=filters.year, lang=lang,
                        prefecture_wide=filters.prefecture_wide)  # fmt: skip
    st.markdown(f"**{translate('view_summary', lang, summary=line)}**")


def _chosen() -> str | None:
    """The opened project, if the store has it (a pick is user input)."""
    chosen = st.session_state.get(SELECTED_KEY)
    if not chosen or _one_project(chosen).empty:
        return None
    return str(chosen)
