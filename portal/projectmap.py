"""The project map: one toggleable layer per category, coloured by status, honest about precision.

* colour = status (as of the chosen year); a red outline marks an overdue promise;
* line style = status: solid when built, dashed while under construction, dotted
  and faint while only planned; every route is schematic and the legend says so;
* a project known only by its county or prefecture is drawn as that unit's
  dashed outline, never as a pin that would look exact; points are facilities
  or the townships they are named after;
* everything draws on a canvas (thousands of features stay fluid) and only the
  filtered features are sent to the browser.

Text from documents is escaped before it reaches the tooltip: folium inserts
tooltip values into the page as markup.
"""

from __future__ import annotations

import html
import json

import folium
import geopandas as gpd
import shapely
from branca.element import MacroElement, Template

from layers.store import CATEGORIES
from portal.assets import localise_map_assets
from portal.basemaps import OFFLINE, Basemap, add_tiles, for_basemap
from portal.i18n import translate
from portal.mapview import DISPLAY_TOLERANCE_DEG, counties_for_display

STATUS_COLORS = {
    "completed": "#2f855a",
    "under_construction": "#dd6b20",
    "preparatory": "#3182ce",
    "proposed": "#805ad5",
}
OVERDUE_COLOR = "#e53e3e"
LINE_DASH = {"completed": None, "under_construction": "10 6", "preparatory": "2 6",
             "proposed": "2 6"}  # fmt: skip
LINE_OPACITY = {"completed": 0.95, "under_construction": 0.9, "preparatory": 0.7,
                "proposed": 0.6}  # fmt: skip
AREA_PRECISIONS = frozenset({"county", "city"})
_BASE_STYLE = {"color": "#a0aec0", "weight": 0.8, "fillColor": "#f7fafc", "fillOpacity": 0.25}
_FOCUS_STYLE = {"color": "#2d3748", "weight": 2.5, "fill": False}


def features_for_display(
    selected: gpd.GeoDataFrame, *, lang: str, status_column: str = "status"
) -> gpd.GeoDataFrame:
    """The columns the browser needs, escaped, with lighter polygons; unlocated left out."""
    shown = selected[selected.geometry.notna()].copy()
    shown["shown_status"] = shown[status_column].astype(object)
    out = gpd.GeoDataFrame(
        {
            "project_id": shown["project_id"].astype(str),
            "name": shown["name"].astype(str).map(html.escape),
            "status_label": shown["shown_status"].map(lambda s: translate(s, lang)),
            "status": shown["shown_status"].astype(str),
            "category": shown["category"].astype(str),
            "precision": shown["precision"].astype(str),
            "overdue": shown["overdue"].fillna(False).astype(bool),
        },
        geometry=shown.geometry.simplify(DISPLAY_TOLERANCE_DEG, preserve_topology=True),
        crs=selected.crs,
    )
    return out


def feature_collection(frame: gpd.GeoDataFrame) -> dict:
    """The frame as a GeoJSON FeatureCollection, built in one vectorised pass.

    geopandas' ``__geo_interface__`` walks the rows in Python (and folium asks for
    it twice); with thousands of features that dominated the time to draw a map.
    """
    geometries = shapely.to_geojson(frame.geometry.to_numpy())
    properties = frame.drop(columns="geometry").to_dict("records")
    return {
        "type": "FeatureCollection",
        "features": [
            {"type": "Feature", "properties": props, "geometry": json.loads(geom)}
            for props, geom in zip(properties, geometries, strict=True)
        ],
    }


def feature_style(properties: dict) -> dict:
    """Leaflet path style for one feature (see the module docstring)."""
    status = properties.get("status", "proposed")
    color = STATUS_COLORS.get(status, "#718096")
    overdue = bool(properties.get("overdue"))
    if properties.get("precision") in AREA_PRECISIONS:
        return {"color": OVERDUE_COLOR if overdue else color, "weight": 2, "dashArray": "4 4",
                "fillColor": color, "fillOpacity": 0.06, "opacity": 0.8}  # fmt: skip
    style = {"color": color, "weight": 4, "opacity": LINE_OPACITY.get(status, 0.7),
             "dashArray": LINE_DASH.get(status), "fillColor": color, "fillOpacity": 0.85,
             "radius": 7}  # fmt: skip
    if overdue:
        style.update({"color": OVERDUE_COLOR, "weight": 5})
    if properties.get("precision") == "near":
        style["fillOpacity"] = 0.25  # a ring: the township, not the facility itself
    return style


def _legend(lang: str) -> MacroElement:
    line = {"completed": "solid", "under_construction": "dashed"}
    rows = "".join(
        f'<div><span style="display:inline-block;width:22px;height:0;border-top:4px '
        f'{line.get(s, "dotted")} {c};margin-right:6px;vertical-align:middle"></span>'
        f"{html.escape(translate(s, lang))}</div>"
        for s, c in STATUS_COLORS.items()
    )
    notes = "".join(
        f'<div style="color:#4a5568">{html.escape(translate(k, lang))}</div>'
        for k in ("legend_route", "legend_area", "legend_point")
    )
    overdue = (f'<div><span style="display:inline-block;width:22px;height:0;border-top:5px solid '
               f'{OVERDUE_COLOR};margin-right:6px;vertical-align:middle"></span>'
               f"{html.escape(translate('overdue', lang))}</div>")  # fmt: skip
    title = html.escape(translate("legend", lang))
    element = MacroElement()
    element._template = Template(  # branca's documented way to add raw HTML to a map
        "{% macro html(this, kwargs) %}"
        '<div id="map-legend" style="position:absolute;bottom:24px;left:12px;z-index:9999;'
        "background:rgba(255,255,255,0.92);padding:8px 10px;border-radius:6px;"
        'font:13px/1.5 sans-serif;box-shadow:0 1px 4px rgba(0,0,0,.3)">'
        f"<b>{title}</b>{rows}{overdue}{notes}</div>"
        "{% endmacro %}"
    )
    return element


def build_project_map(
    selected: gpd.GeoDataFrame,
    *,
    counties: gpd.GeoDataFrame,
    focus: gpd.GeoDataFrame | None = None,
    lang: str,
    status_column: str = "status",
    basemap: Basemap | None = None,
) -> folium.Map:
    """A canvas-rendered Leaflet map of the selection over offline county outlines.

    ``counties`` are the whole area's outlines (context); ``focus``, when the view
    is narrowed to some counties, is outlined heavier and framed by the map. An
    online ``basemap`` adds its tiles underneath; on AMap every feature is shifted
    into GCJ-02 first so it lines up with the tiles.
    """
    basemap = basemap or Basemap(OFFLINE)
    fmap = folium.Map(tiles=None, control_scale=True, prefer_canvas=True)
    add_tiles(fmap, basemap)
    counties = for_basemap(counties, basemap)
    focus = for_basemap(focus, basemap) if focus is not None else None
    selected = for_basemap(selected, basemap)
    base = counties_for_display(counties)
    folium.GeoJson(base[["name", "geometry"]], name=translate("county", lang),
                   style_function=lambda _f: _BASE_STYLE, interactive=False,
                   control=False).add_to(fmap)  # fmt: skip
    framed = base
    if focus is not None and len(focus):
        framed = counties_for_display(focus)
        folium.GeoJson(framed[["name", "geometry"]], style_function=lambda _f: _FOCUS_STYLE,
                       interactive=False, control=False).add_to(fmap)  # fmt: skip
    shown = features_for_display(selected, lang=lang, status_column=status_column)
    for category in CATEGORIES:
        part = shown[shown["category"] == category]
        if part.empty:
            continue
        group = folium.FeatureGroup(name=translate(category, lang), show=True)
        folium.GeoJson(
            feature_collection(part),
            style_function=lambda f: feature_style(f["properties"]),
            highlight_function=lambda _f: {"weight": 6},
            marker=folium.CircleMarker(radius=7),
            tooltip=folium.GeoJsonTooltip(
                fields=["name", "status_label"],
                aliases=[translate("name", lang), translate("status", lang)],
            ),
        ).add_to(group)
        group.add_to(fmap)
    folium.LayerControl(collapsed=False).add_to(fmap)
    _legend(lang).add_to(fmap)
    minx, miny, maxx, maxy = framed.total_bounds
    fmap.fit_bounds([[miny, minx], [maxy, maxx]])
    return localise_map_assets(fmap)
