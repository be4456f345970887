"""Tiny inline geography for the portal's map and figure tests."""

from __future__ import annotations

import geopandas as gpd
import pytest
import shapely


@pytest.fixture
def xuanhan() -> gpd.GeoDataFrame:
    """One county as a box (EPSG:4326): enough to frame a map or a figure."""
    return gpd.GeoDataFrame(
        {"adcode": ["511722"], "name": ["宣汉县"], "prefecture": ["达州市"]},
        geometry=[shapely.box(107.4, 31.1, 108.6, 32.0)],
        crs="EPSG:4326",
    )
