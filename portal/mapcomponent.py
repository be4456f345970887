"""The project map as a small Streamlit component: Leaflet in an iframe, fed compact data.

streamlit-folium rebuilt and re-rendered a whole folium page on every rerun
(seconds at 10,000 features, minutes of browser time at 100,000). This
component is a static page (``portal/frontend/project_map``, no build step)
that loads Leaflet from the portal's own ``/app/static`` copy, never a CDN,
and draws what :func:`portal.projectmap.build_project_map` describes. Only a
pick (a click on a project, or on a name in a badge's or a crowded spot's list)
and a layer switch come back to Python, so panning and zooming never rerun the
app; a rerun that brings the same data redraws nothing. Both come back through
the component's ``on_change`` callback, which runs *before* the page script:
the layer filter is set before the sidebar draws it (the map's switches and
the filter are one state), and the chosen project is known before the page
lays out its columns (the details open beside the map without an empty column).

The per-store preparation (escaped names, light geometry, GCJ-02 shift for
AMap) is cached here per store version and datum, shared by every session
and never copied (``st.cache_resource``): copying a 100,000-feature table on
each rerun would cost more than the map itself.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from functools import partial
from pathlib import Path
from typing import Any

import geopandas as gpd
import pandas as pd
import streamlit as st
import streamlit.components.v1 as components

from portal.basemaps import OFFLINE, Basemap, for_basemap
from portal.mapplaces import Places, reference_places
from portal.projectmap import (
    PreparedProjects,
    build_project_map,
    categories_for_switches,
    outlines_text,
    prepare_projects,
)

FRONTEND = Path(__file__).parent / "frontend" / "project_map"
COMPONENT_NAME = "project_map"
MAP_HEIGHT = 640
"""The project map's height in pixels on the page."""
PRESENTATION_HEIGHT = 820
"""Its height in presentation mode (a projector, a meeting room)."""
DRAWN_PROJECTS_JS = """() => {
  const map = window.projectMap;
  let ids = [];
  if (map) map.eachLayer(layer => {
    if (layer.drawnProjects) ids = ids.concat(layer.drawnProjects());
  });
  return new Set(ids).size;
}"""
"""Run in the map's frame: how many distinct projects the map shows in its view after its
last redraw: put on the canvas (points, lines), or counted on a unit's badge placed in the
view (projects known only by a county or prefecture). The benchmark and the browser tests
count with it, since there is no Leaflet layer or SVG path per project to count."""
"""Also how the browser tests and the benchmark find the map's iframe (its URL)."""

_component = components.declare_component(COMPONENT_NAME, path=str(FRONTEND))
_BINARY_ARGS = ("geometries", "features", "base", "unit_shapes")


def _datum(gcj02: bool) -> Basemap:
    """A basemap standing for its datum: all that the cached work below depends on."""
    return Basemap("amap" if gcj02 else OFFLINE, gcj02=gcj02)


@st.cache_resource(show_spinner=False, max_entries=4)
def _prepared(
    store_key: str, gcj02: bool, adcodes: tuple[str, ...], _projects: gpd.GeoDataFrame,
    _counties: gpd.GeoDataFrame, _prefectures: gpd.GeoDataFrame | None,
) -> PreparedProjects:  # fmt: skip
    """The store's projects ready to draw, once per store version, datum and set of units."""
    return prepare_projects(_projects, basemap=_datum(gcj02), counties=_counties,
                            prefectures=_prefectures,
                            places=_places(adcodes, gcj02, _counties, _prefectures))  # fmt: skip


@st.cache_resource(show_spinner=False, max_entries=4)
def _places(
    adcodes: tuple[str, ...], gcj02: bool, _counties: gpd.GeoDataFrame,
    _prefectures: gpd.GeoDataFrame | None,
) -> Places:  # fmt: skip
    """The counties and prefectures as places, once per set of units and datum."""
    return reference_places(_counties, _prefectures, basemap=_datum(gcj02))


@st.cache_resource(show_spinner=False, max_entries=8)
def _outlines(adcodes: tuple[str, ...], gcj02: bool, _counties: gpd.GeoDataFrame) -> str:
    """The context outlines as text, once per set of counties and datum."""
    return outlines_text(for_basemap(_counties, _datum(gcj02)))


@dataclass(frozen=True)
class MapViewport:
    """A large store's view as the map draws it (:mod:`layers.viewport`).

    ``cells`` are the view's counts (empty when its projects are drawn);
    ``view_at`` is the time of the map's report it answers; ``on_view`` receives
    the map's next report; ``layers`` are the store's layers (the switches);
    ``box`` is what the store was asked for (the map covers moves within it).
    """

    cells: pd.DataFrame
    view_at: int
    on_view: Callable[[MapReport], None]
    layers: tuple[str, ...] = ()
    box: tuple[float, ...] = ()


@dataclass(frozen=True)
class MapReport:
    """What the map showed after a move: its box (west, south, east, north), zoom, the
    frame it was fitted to (``bounds``, as sent) and when (ms, the browser's clock)."""

    bbox: tuple[float, float, float, float]
    zoom: float
    bounds: str
    at: int


def report_from_value(value: object) -> MapReport | None:
    """The map's report from the component's value, if it is a well-formed one.

    The value comes from the browser: anything but four finite coordinates in
    range, a zoom from 0 to 24 and a whole time is ignored.
    """
    if not isinstance(value, dict):
        return None
    view, zoom, at = value.get("view"), value.get("zoom"), value.get("at")
    try:
        box = tuple(float(v) for v in view)  # type: ignore[union-attr]
        zoom_value, at_value = float(zoom), int(at)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return None
    if len(box) != 4 or not all(math.isfinite(v) for v in (*box, zoom_value)):
        return None
    west, south, east, north = box
    if not (-360 <= west <= east <= 360 and -90 <= south <= north <= 90 and 0 <= zoom_value <= 24):
        return None
    return MapReport((west, south, east, north), zoom_value, str(value.get("bounds") or ""),
                     at_value)  # fmt: skip


def _on_change(
    key: str,
    on_pick: Callable[[str], None] | None,
    on_layers: Callable[[list[str]], None] | None,
    offered: Sequence[str],
    on_view: Callable[[MapReport], None] | None = None,
) -> None:
    """Route what the map sent (a pick, the ticked layers, its view) to the page's callbacks.

    The value is user input from the browser: a pick is any string (the page
    looks it up), layers are kept only when the map offered them, a view only
    when well formed (:func:`report_from_value`).
    """
    value: Any = st.session_state.get(key)
    if not isinstance(value, dict):
        return
    if value.get("project_id") and on_pick is not None:
        on_pick(str(value["project_id"]))
    elif isinstance(value.get("layers"), list) and on_layers is not None:
        ticked = [str(c) for c in value["layers"]]
        on_layers(categories_for_switches(ticked, offered))
    elif "view" in value and on_view is not None:
        report = report_from_value(value)
        if report is not None:
            on_view(report)


def render_project_map(
    selected: gpd.GeoDataFrame,
    *,
    projects: gpd.GeoDataFrame,
    store_key: str,
    counties: gpd.GeoDataFrame,
    prefectures: gpd.GeoDataFrame | None = None,
    focus: gpd.GeoDataFrame | None,
    lang: str,
    status_column: str,
    basemap: Basemap,
    height: int,
    key: str,
    zoom_to: str | None = None,
    zoom_request: int = 0,
    selected_id: str | None = None,
    categories: Sequence[str] = (),
    presentation: bool = False,
    on_pick: Callable[[str], None] | None = None,
    on_layers: Callable[[list[str]], None] | None = None,
    viewport: MapViewport | None = None,
) -> None:
    """Draw the map of ``selected``; a pick calls ``on_pick``, a layer switch ``on_layers``.

    ``projects`` are all of the store's projects (``store_key`` names their
    version): their drawing is prepared once and each rerun sends only the
    selection. ``counties`` and ``prefectures`` name the map and carry the
    badges of projects known only by them. ``zoom_to`` frames one project,
    once per ``zoom_request`` (a counter: a request survives quick reruns and is
    not repeated by later ones); ``selected_id`` is outlined above the others. ``categories`` is the
    layer filter the map's switches show; a switch calls ``on_layers`` with the
    filter's new value (:func:`portal.projectmap.categories_for_switches`).
    ``presentation`` labels the projects and sets the type larger. The
    callbacks run before the next rerun of the page (see the module docstring).
    With ``viewport`` (a large store) ``projects`` are the view's, ``store_key``
    names the view, and the map reports each move to ``viewport.on_view``.
    """
    adcodes = tuple(counties["adcode"].astype(str))
    prepared = _prepared(store_key, basemap.gcj02, adcodes, projects, counties, prefectures)
    outlines = _outlines(adcodes, basemap.gcj02, counties)
    args = build_project_map(selected, counties=counties, prefectures=prefectures, focus=focus,
                             lang=lang, status_column=status_column, basemap=basemap,
                             prepared=prepared, outlines=outlines, zoom_to=zoom_to,
                             selected_id=selected_id, categories=categories,
                             presentation=presentation,
                             cells=viewport.cells if viewport else None,
                             view_at=viewport.view_at if viewport else 0,
                             layers=viewport.layers if viewport else (),
                             view_box=viewport.box if viewport else ())  # fmt: skip
    # The two large texts go as bytes: Streamlit then sends them as they are, not
    # as strings inside its JSON, where every quote is escaped and read twice.
    args["zoom_request"] = zoom_request
    binary = {name: str(args.pop(name)).encode() for name in _BINARY_ARGS}
    offered = [str(c) for c in args["layer_codes"]]  # type: ignore[attr-defined]
    callback = partial(_on_change, key, on_pick, on_layers, offered,
                       viewport.on_view if viewport else None)  # fmt: skip
    _component(**args, **binary, height=height, key=key, default=None,
               on_change=callback)  # type: ignore[call-overload]  # fmt: skip
