"""The project map: styles by status and precision, escaped text, canvas, local assets."""

from __future__ import annotations

import geopandas as gpd
import pandas as pd
import shapely

from portal.projectmap import (
    OVERDUE_COLOR,
    STATUS_COLORS,
    build_project_map,
    feature_style,
    features_for_display,
)

EVIL = "<img src=x onerror=alert(1)>"


def _selection() -> gpd.GeoDataFrame:
    return gpd.GeoDataFrame(
        {
            "project_id": ["rw-1", "rs-1", "iz-1", "ot-1"],
            "name": ["达万铁路", EVIL, "达州高新区", "无处可放"],
            "category": ["railway", "reservoir", "industrial_zone", "other"],
            "status": ["under_construction", "completed", "proposed", "proposed"],
            "precision": ["route", "county", "near", "unlocated"],
            "overdue": pd.array([False, True, False, False], dtype="boolean"),
        },
        geometry=[shapely.LineString([(107.47, 31.21), (108.38, 30.81)]),
                  shapely.box(107.5, 31.3, 108.5, 31.9), shapely.Point(107.5, 31.2), None],
        crs="EPSG:4326",
    )  # fmt: skip


def test_document_text_is_escaped_and_unlocated_projects_are_not_drawn() -> None:
    shown = features_for_display(_selection(), lang="zh")
    assert EVIL not in set(shown["name"])
    assert "&lt;img src=x onerror=alert(1)&gt;" in set(shown["name"])
    assert "ot-1" not in set(shown["project_id"])
    assert set(shown["status_label"]) == {"在建", "建成", "规划"}


def test_styles_say_status_precision_and_overdue() -> None:
    built = feature_style({"status": "completed", "precision": "route"})
    building = feature_style({"status": "under_construction", "precision": "route"})
    planned = feature_style({"status": "proposed", "precision": "route"})
    area = feature_style({"status": "completed", "precision": "county"})
    late = feature_style({"status": "under_construction", "precision": "route", "overdue": True})
    assert built["color"] == STATUS_COLORS["completed"] and built["dashArray"] is None
    assert building["dashArray"] and planned["dashArray"] and planned["opacity"] < built["opacity"]
    assert area["dashArray"] and area["fillOpacity"] < 0.1  # an outline, not a pin
    assert late["color"] == OVERDUE_COLOR


def test_the_map_is_canvas_rendered_with_one_layer_per_category(xuanhan) -> None:
    fmap = build_project_map(_selection(), counties=xuanhan, lang="en")
    page = fmap.get_root().render()
    assert '"preferCanvas": true' in page
    for name in ("Railways", "Reservoirs", "Industrial zones"):
        assert name in page
    assert "Other facilities" not in page  # nothing drawable in that layer
    assert EVIL not in page
    assert "cdn.jsdelivr" not in page and "cdnjs" not in page
    assert "map-legend" in page
