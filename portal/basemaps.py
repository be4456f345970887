"""Basemaps: offline county outlines by default; online tiles only as extras.

On an intranet with no internet a tile basemap is a grey void, so the default is
the county outlines the portal always has. Online providers come from
xyzservices where it has them (OpenStreetMap, AMap/Gaode); Tianditu needs a key
from the ``TIANDITU_KEY`` environment variable or Streamlit secrets.

AMap tiles are drawn in GCJ-02, China's obfuscated datum: on an AMap basemap our
WGS-84 features are shifted into GCJ-02 (:mod:`layers.datum`) so they line up,
and shifted nowhere else.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from typing import Any

import folium
import geopandas as gpd
import xyzservices.providers as xyz

from layers.datum import geometries_wgs84_to_gcj02

OFFLINE = "offline"
TIANDITU_ENV = "TIANDITU_KEY"
_TIANDITU = (
    "https://t{{s}}.tianditu.gov.cn/{layer}_w/wmts?SERVICE=WMTS&REQUEST=GetTile&VERSION=1.0.0"
    "&LAYER={layer}&STYLE=default&TILEMATRIXSET=w&FORMAT=tiles&TILEMATRIX={{z}}"
    "&TILEROW={{y}}&TILECOL={{x}}&tk={key}"
)
_TIANDITU_ATTRIBUTION = '&copy; <a href="https://www.tianditu.gov.cn/">天地图</a>'


@dataclass(frozen=True)
class Basemap:
    """One basemap choice: tile layers (none when offline) and the datum they are drawn in."""

    key: str
    tiles: tuple[tuple[str, str], ...] = ()  # (url template, attribution)
    subdomains: str = ""
    gcj02: bool = False


def tianditu_key() -> str:
    """The Tianditu key from the environment or Streamlit secrets ("" when none)."""
    key = os.environ.get(TIANDITU_ENV, "")
    if key:
        return key
    try:
        import streamlit as st

        return str(st.secrets.get("tianditu_key", ""))
    except Exception:  # no secrets file is the normal case, not an error
        return ""


def available_basemaps(*, tianditu: str = "") -> dict[str, Basemap]:
    """Every basemap on offer; the Tianditu ones only with a key."""
    osm = xyz.OpenStreetMap.Mapnik
    basemaps = {
        OFFLINE: Basemap(OFFLINE),
        "osm": Basemap("osm", ((osm.build_url(), osm.html_attribution),)),
        "amap": Basemap("amap", ((xyz.Gaode.Normal.build_url(),
                                  xyz.Gaode.Normal.html_attribution),), gcj02=True),
        "amap_satellite": Basemap("amap_satellite", ((xyz.Gaode.Satellite.build_url(),
                                                      xyz.Gaode.Satellite.html_attribution),),
                                  gcj02=True),
    }  # fmt: skip
    if tianditu:
        for key, (base, notes) in {"tianditu": ("vec", "cva"),
                                   "tianditu_imagery": ("img", "cia")}.items():  # fmt: skip
            basemaps[key] = Basemap(key, tuple(
                (_TIANDITU.format(layer=layer, key=tianditu), _TIANDITU_ATTRIBUTION)
                for layer in (base, notes)
            ), subdomains="01234567")  # fmt: skip
    return basemaps


def add_tiles(fmap: folium.Map, basemap: Basemap) -> None:
    """Add the basemap's tile layers under everything else (nothing when offline)."""
    for url, attribution in basemap.tiles:
        kwargs: dict[str, Any] = {"subdomains": basemap.subdomains} if basemap.subdomains else {}
        folium.TileLayer(tiles=url, attr=attribution, name=basemap.key, overlay=False,
                         control=False, max_zoom=18, **kwargs).add_to(fmap)  # fmt: skip


def for_basemap(frame: gpd.GeoDataFrame, basemap: Basemap) -> gpd.GeoDataFrame:
    """The features in the basemap's datum: shifted to GCJ-02 for AMap, else unchanged.

    The result is for display only; its CRS label stays EPSG:4326 because GCJ-02 has
    no EPSG code (it is WGS-84 with a deliberate non-linear offset).
    """
    if not basemap.gcj02 or frame.empty:
        return frame
    shifted = frame.copy()
    located = shifted.geometry.notna()
    shifted.loc[located, "geometry"] = geometries_wgs84_to_gcj02(
        shifted.geometry[located].to_numpy()
    )
    return shifted
