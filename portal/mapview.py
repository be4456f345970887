"""Build the Folium map: offline county outlines as the basemap.

No tile layer is added by default: on an intranet without internet a tile
basemap is a grey void, while county outlines are what a planning official
orients by. Names are HTML-escaped before they reach the tooltip, because folium
inserts tooltip values into the page as markup.
"""

from __future__ import annotations

import html

import folium
import geopandas as gpd

from portal.assets import localise_map_assets
from portal.i18n import translate

DISPLAY_TOLERANCE_DEG = 0.0005
"""Simplification for display only (about 50 m): keeps the page light, never stored."""

COUNTY_STYLE = {"color": "#4a5568", "weight": 1.2, "fillColor": "#edf2f7", "fillOpacity": 0.35}
COUNTY_HIGHLIGHT = {"weight": 2.5, "color": "#2b6cb0", "fillOpacity": 0.5}
PREFECTURE_STYLE = {"color": "#1a202c", "weight": 2.6, "fill": False}


def counties_for_display(counties: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    """Escape names and lighten geometry for the browser."""
    if counties.crs is None or counties.crs.to_epsg() != 4326:
        raise ValueError("county layer must be in EPSG:4326 before display")
    shown = counties[["adcode", "name", "prefecture", "geometry"]].copy()
    for column in ("name", "prefecture"):
        shown[column] = shown[column].fillna("").map(html.escape)
    shown["geometry"] = shown.geometry.simplify(DISPLAY_TOLERANCE_DEG, preserve_topology=True)
    return shown


def build_county_map(
    counties: gpd.GeoDataFrame, *, lang: str, prefectures: gpd.GeoDataFrame | None = None
) -> folium.Map:
    """A Leaflet map of the given counties, fitted to them, with local assets only.

    Prefecture outlines, when given, are drawn heavier on top (not interactive) so
    the eye finds 达州 or 巴中 before the county.
    """
    fmap = folium.Map(tiles=None, control_scale=True, zoom_control=True)
    shown = counties_for_display(counties)
    folium.GeoJson(
        shown,
        name=translate("county", lang),
        style_function=lambda _feature: COUNTY_STYLE,
        highlight_function=lambda _feature: COUNTY_HIGHLIGHT,
        tooltip=folium.GeoJsonTooltip(
            fields=["name", "prefecture", "adcode"],
            aliases=[translate(k, lang) for k in ("county", "prefecture", "adcode")],
        ),
    ).add_to(fmap)
    if prefectures is not None and len(prefectures):
        outlines = counties_for_display(prefectures)
        folium.GeoJson(
            outlines[["name", "geometry"]],
            name=translate("prefecture", lang),
            style_function=lambda _feature: PREFECTURE_STYLE,
            interactive=False,
        ).add_to(fmap)
    minx, miny, maxx, maxy = shown.total_bounds
    fmap.fit_bounds([[miny, minx], [maxy, maxx]])
    return localise_map_assets(fmap)
