"""The county map: escaped names, simplified geometry, fitted bounds, local assets."""

from __future__ import annotations

import geopandas as gpd
import pytest
import shapely

from portal.mapview import build_county_map, counties_for_display


@pytest.fixture
def counties() -> gpd.GeoDataFrame:
    return gpd.GeoDataFrame(
        {
            "adcode": ["511722", "511723"],
            "name": ["宣汉县", "<script>alert(1)</script>县"],
            "prefecture": ["达州市", "达州市"],
        },
        geometry=[shapely.box(107.6, 31.2, 108.2, 31.7), shapely.box(107.7, 30.9, 108.1, 31.2)],
        crs="EPSG:4326",
    )


def test_names_are_escaped_before_reaching_the_page(counties) -> None:
    shown = counties_for_display(counties)
    assert shown["name"].iloc[1] == "&lt;script&gt;alert(1)&lt;/script&gt;县"
    page = build_county_map(counties, lang="zh").get_root().render()
    assert "<script>alert(1)</script>" not in page
    assert "宣汉县" in page or "\\u5ba3\\u6c49\\u53bf" in page


def test_map_fits_the_counties_and_has_no_tiles(counties) -> None:
    page = build_county_map(counties, lang="en").get_root().render()
    assert "fitBounds" in page and "[30.9, 107.6]" in page
    assert "tileLayer" not in page
    assert '"County"' in page  # the English tooltip alias


def test_prefecture_outlines_are_drawn_without_interaction(counties) -> None:
    prefecture = counties.dissolve().assign(name="达州市", adcode="511700", prefecture="")
    page = build_county_map(counties, lang="zh", prefectures=prefecture).get_root().render()
    assert '"interactive": false' in page


def test_a_layer_without_wgs84_is_refused(counties) -> None:
    with pytest.raises(ValueError, match="EPSG:4326"):
        counties_for_display(counties.to_crs(32648))
