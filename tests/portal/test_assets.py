"""Leaflet comes from the portal's own server; remote assets are refused."""

from __future__ import annotations

import folium
import pytest
import xstatic.pkg.leaflet as xleaflet

from layers.errors import OfflineAssetError
from portal.assets import LEAFLET_CSS_URL, LEAFLET_JS_URL, ensure_static_assets, localise_map_assets


def test_leaflet_is_copied_from_the_installed_package(tmp_path) -> None:
    target = ensure_static_assets(tmp_path)
    js = (target / "leaflet.js").read_bytes()
    assert js == (tmp_path / "leaflet" / "leaflet.js").read_bytes()
    assert b"Leaflet" in js[:400] and xleaflet.VERSION.encode() in js[:400]
    assert (target / "leaflet.css").stat().st_size > 5_000
    assert (target / "images" / "marker-icon.png").is_file()


def test_stale_copy_is_refreshed(tmp_path) -> None:
    target = ensure_static_assets(tmp_path)
    (target / "leaflet.js").write_text("tampered")
    ensure_static_assets(tmp_path)
    assert (target / "leaflet.js").read_text(encoding="utf-8") != "tampered"


def test_rendered_map_names_no_outside_url() -> None:
    fmap = localise_map_assets(folium.Map(tiles=None))
    page = fmap.get_root().render()
    assert LEAFLET_JS_URL in page and LEAFLET_CSS_URL in page
    for host in (
        "cdn.jsdelivr",
        "cdnjs",
        "unpkg",
        "code.jquery",
        "bootstrapcdn",
        "http://",
        "https://",
    ):
        assert host not in page


def test_a_remote_plugin_asset_is_refused() -> None:
    fmap = folium.Map(tiles=None)
    marker = folium.Marker([31.2, 107.5], icon=folium.Icon()).add_to(fmap)
    marker.default_js = [("plugin", "https://cdn.example.org/plugin.js")]
    with pytest.raises(OfflineAssetError, match=r"cdn\.example\.org"):
        localise_map_assets(fmap)
