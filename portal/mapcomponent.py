"""The project map as a small Streamlit component: Leaflet in an iframe, fed compact data.

streamlit-folium rebuilt and re-rendered a whole folium page on every rerun
(seconds at 10,000 features, minutes of browser time at 100,000). This
component is a static page (``portal/frontend/project_map``, no build step)
that loads Leaflet from the portal's own ``/app/static`` copy, never a CDN,
and draws what :func:`portal.projectmap.build_project_map` describes. Only a
click on a project comes back to Python, so panning and zooming never rerun
the app; a rerun that brings the same data redraws nothing.

The per-store preparation (escaped names, light geometry, GCJ-02 shift for
AMap) is cached here per store version and datum, shared by every session
and never copied (``st.cache_resource``): copying a 100,000-feature table on
each rerun would cost more than the map itself.
"""

from __future__ import annotations

from pathlib import Path

import geopandas as gpd
import streamlit as st
import streamlit.components.v1 as components

from portal.basemaps import OFFLINE, Basemap, for_basemap
from portal.projectmap import (
    PreparedProjects,
    build_project_map,
    outlines_text,
    prepare_projects,
)

FRONTEND = Path(__file__).parent / "frontend" / "project_map"
COMPONENT_NAME = "project_map"
DRAWN_PROJECTS_JS = """() => {
  const map = window.projectMap;
  let ids = [];
  if (map) map.eachLayer(layer => { if (layer.drawnProjects) ids = layer.drawnProjects(); });
  return new Set(ids).size;
}"""
"""Run in the map's frame: how many distinct projects the canvas renderer (map.js) put on
the canvas in its last redraw. The benchmark and the browser tests count with it, since
there is no Leaflet layer or SVG path per project to count."""
"""Also how the browser tests and the benchmark find the map's iframe (its URL)."""

_component = components.declare_component(COMPONENT_NAME, path=str(FRONTEND))
_LAST_CLICK = "{key}_last_click"
_BINARY_ARGS = ("geometries", "features")


def _datum(gcj02: bool) -> Basemap:
    """A basemap standing for its datum: all that the cached work below depends on."""
    return Basemap("amap" if gcj02 else OFFLINE, gcj02=gcj02)


@st.cache_resource(show_spinner=False, max_entries=4)
def _prepared(store_key: str, gcj02: bool, _projects: gpd.GeoDataFrame) -> PreparedProjects:
    """The store's projects ready to draw, once per store version and datum."""
    return prepare_projects(_projects, basemap=_datum(gcj02))


@st.cache_resource(show_spinner=False, max_entries=8)
def _outlines(adcodes: tuple[str, ...], gcj02: bool, _counties: gpd.GeoDataFrame) -> str:
    """The context outlines as text, once per set of counties and datum."""
    return outlines_text(for_basemap(_counties, _datum(gcj02)))


def render_project_map(
    selected: gpd.GeoDataFrame,
    *,
    projects: gpd.GeoDataFrame,
    store_key: str,
    counties: gpd.GeoDataFrame,
    focus: gpd.GeoDataFrame | None,
    lang: str,
    status_column: str,
    basemap: Basemap,
    height: int,
    key: str,
    zoom_to: str | None = None,
    selected_id: str | None = None,
) -> str | None:
    """Draw the map of ``selected`` and return the project_id of a new click on it, else None.

    ``projects`` are all of the store's projects (``store_key`` names their
    version): their drawing is prepared once and each rerun sends only the
    selection. A click is new once: the component keeps returning its last
    value on later reruns, which must not reopen a project the user has since
    left for another one. ``zoom_to`` frames one project (once); ``selected_id``
    is outlined above the others.
    """
    prepared = _prepared(store_key, basemap.gcj02, projects)
    outlines = _outlines(tuple(counties["adcode"].astype(str)), basemap.gcj02, counties)
    args = build_project_map(selected, counties=counties, focus=focus, lang=lang,
                             status_column=status_column, basemap=basemap, prepared=prepared,
                             outlines=outlines, zoom_to=zoom_to,
                             selected_id=selected_id)  # fmt: skip
    # The two large texts go as bytes: Streamlit then sends them as they are, not
    # as strings inside its JSON, where every quote is escaped and read twice.
    binary = {name: str(args.pop(name)).encode() for name in _BINARY_ARGS}
    value = _component(**args, **binary, height=height, key=key, default=None)  # type: ignore[call-overload]
    if not isinstance(value, dict) or not value.get("project_id"):
        return None
    click = f"{value['project_id']}@{value.get('at')}"
    last = _LAST_CLICK.format(key=key)
    if st.session_state.get(last) == click:
        return None
    st.session_state[last] = click
    return str(value["project_id"])
