"""The project map: styles by status and precision, escaped text, canvas, local assets."""

from __future__ import annotations

import html
import json

import geopandas as gpd
import pandas as pd
import shapely

from layers.localities import ATTRIBUTION
from portal.mapcomponent import FRONTEND
from portal.projectmap import (
    OVERDUE_COLOR,
    STATUS_COLORS,
    build_project_map,
    feature_style,
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


def _rows(args: dict) -> list[dict]:
    """The features the browser will draw, one dict each, resolved through the shared tables."""
    columns = json.loads(args["features"])
    geometries = json.loads(args["geometries"])
    return [
        {"id": pid, "name": name, "geometry": geometries[geom], "style": args["styles"][style],
         "status": args["status_labels"][status], "layer": args["layers"][layer]}
        for pid, name, geom, style, status, layer in zip(
            columns["id"], columns["name"], columns["geom"], columns["style"],
            columns["status"], columns["layer"], strict=True)
    ]  # fmt: skip


def test_document_text_is_escaped_and_unlocated_projects_are_not_drawn(xuanhan) -> None:
    rows = _rows(build_project_map(_selection(), counties=xuanhan, lang="zh"))
    names = {r["name"] for r in rows}
    assert EVIL not in names
    assert "&lt;img src=x onerror=alert(1)&gt;" in names
    assert "ot-1" not in {r["id"] for r in rows}
    assert {r["status"] for r in rows} == {"在建", "建成", "规划"}


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


def test_each_feature_gets_the_style_of_its_status_precision_and_overdue(xuanhan) -> None:
    rows = {r["id"]: r for r in _rows(build_project_map(_selection(), counties=xuanhan,
                                                        lang="en"))}  # fmt: skip
    expected = {"rw-1": {"status": "under_construction", "precision": "route"},
                "rs-1": {"status": "completed", "precision": "county", "overdue": True},
                "iz-1": {"status": "proposed", "precision": "near"}}  # fmt: skip
    for project_id, properties in expected.items():
        assert rows[project_id]["style"] == feature_style(properties)
    assert rows["rs-1"]["geometry"]["type"] == "Polygon"
    assert rows["iz-1"]["geometry"] == [107.5, 31.2]  # a point travels as its bare pair


def test_colour_is_the_reported_stage_and_a_plan_ahead_draws_as_a_target(xuanhan) -> None:
    selection = _selection()
    selection["known_stage"] = pd.array([None, "completed", "under_construction", None],
                                        dtype="string")  # fmt: skip
    selection["target_stage"] = pd.array(["completed", "completed", "completed", None],
                                         dtype="string")  # fmt: skip
    selection["target_year"] = pd.array([2025, 2023, None, None], dtype="Int64")
    rows = {
        r["id"]: r
        for r in _rows(
            build_project_map(selection, counties=xuanhan, lang="zh", status_column="known_stage")
        )
    }
    # Only planned: grey, hollow and faded, and the tooltip says what was promised.
    assert rows["rw-1"]["status"] == "未报告进展 · 目标 2025 建成"
    assert rows["rw-1"]["style"]["color"] == STATUS_COLORS["unreported"]
    assert rows["rw-1"]["style"]["opacity"] < 0.5
    # Reported built: solid, no target.
    assert rows["rs-1"]["status"] == "建成"
    # Reported under way with an undated completion goal.
    assert rows["iz-1"]["status"] == "在建 · 目标 建成（未定年份）"
    assert rows["iz-1"]["style"]["fillOpacity"] == 0.0
    assert rows["iz-1"]["style"]["color"] == STATUS_COLORS["under_construction"]


def test_a_link_frames_its_project_and_the_chosen_one_is_outlined(xuanhan) -> None:
    args = build_project_map(_selection(), counties=xuanhan, lang="zh", zoom_to="iz-1",
                             selected_id="iz-1")  # fmt: skip
    (south, west), (north, east) = args["zoom"]
    assert south < 31.2 < north and west < 107.5 < east and north - south < 0.2
    assert json.loads(args["selected"]) == [[107.5, 31.2]]
    plain = build_project_map(_selection(), counties=xuanhan, lang="zh")
    assert plain["zoom"] is None and plain["selected"] == ""


def test_a_shared_county_outline_is_sent_once(xuanhan) -> None:
    twice = pd.concat([_selection().iloc[[1]], _selection().iloc[[1]]], ignore_index=True)
    twice["project_id"] = ["rs-1", "rs-2"]
    twice["status"] = ["completed", "proposed"]
    args = build_project_map(twice, counties=xuanhan, lang="zh")
    assert len(json.loads(args["geometries"])) == 1
    rows = _rows(args)
    assert [r["id"] for r in rows] == ["rs-1", "rs-2"]
    assert rows[0]["style"]["color"] == OVERDUE_COLOR  # both overdue: a red outline each
    assert {r["status"] for r in rows} == {"建成", "规划"}


def test_one_layer_per_category_offline_with_a_legend(xuanhan) -> None:
    args = build_project_map(_selection(), counties=xuanhan, lang="en")
    assert args["layers"] == ["Railways", "Reservoirs", "Industrial zones"]  # no "Other"
    assert args["tiles"] == [] and args["base"].startswith("[{")
    page = json.dumps(args, ensure_ascii=False)
    assert EVIL not in page
    assert "Legend" in args["legend"] and "Overdue" in args["legend"]
    assert args["bounds"] == [[31.1, 107.4], [32.0, 108.6]]


def test_the_browser_side_draws_on_a_canvas_from_local_files_only() -> None:
    script = (FRONTEND / "map.js").read_text(encoding="utf-8")
    page = (FRONTEND / "index.html").read_text(encoding="utf-8")
    assert "preferCanvas: true" in script
    assert 'src="../../app/static/leaflet/leaflet.js"' in page
    for text in (script, page):
        assert "http:" not in text and "https:" not in text and '="//' not in text


def test_the_attribution_line_credits_the_point_data(xuanhan) -> None:
    args = build_project_map(_selection(), counties=xuanhan, lang="zh")
    credits = [html.unescape(line) for line in args["attribution"]]
    assert credits == list(ATTRIBUTION)  # every credit, offline too (no tiles to carry any)
    script = (FRONTEND / "map.js").read_text(encoding="utf-8")
    assert "attributionControl" in script and "args.attribution" in script
    assert "addAttribution(line)" in script
