"""The project map: styles by status and precision, escaped text, canvas, local assets;
badges for projects known only by an area, shared lines and points, labels, layer switches."""

from __future__ import annotations

import html
import json

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from layers.localities import ATTRIBUTION
from portal.basemaps import OFFLINE, Basemap
from portal.mapcomponent import FRONTEND
from portal.mapoverlaps import label_anchors, label_candidates, line_offsets, point_spreads
from portal.mapplaces import line_ends, place_label_order, reference_places
from portal.projectmap import (
    OVERDUE_COLOR,
    STATUS_COLORS,
    build_project_map,
    categories_for_switches,
    feature_style,
    legend_html,
    prepare_projects,
    project_bounds,
    switches_for_categories,
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
    # A township ring is solid and stays visible when its plan is ahead: hollow, not faded.
    ring = feature_style({"status": None, "precision": "near", "target": True})
    line = feature_style({"status": None, "precision": "route", "target": True})
    assert ring["dashArray"] is None and ring["fillOpacity"] == 0.0
    assert ring["opacity"] > 0.8 > line["opacity"] and ring["radius"] > built["radius"]


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
    assert south < 31.2 < north and west < 107.5 < east and north - south < 0.5  # a frame, not all
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
    scripts = sorted(FRONTEND.glob("*.js"))
    assert {p.name for p in scripts} == {"canvas.js", "places.js", "map.js"}
    for name in ("canvas.js", "places.js", "map.js"):
        assert f'<script src="{name}"></script>' in page
    for text in (page, *(p.read_text(encoding="utf-8") for p in scripts)):
        assert "http:" not in text and "https:" not in text and '="//' not in text


def test_the_attribution_line_credits_the_point_data(xuanhan) -> None:
    args = build_project_map(_selection(), counties=xuanhan, lang="zh")
    credits = [html.unescape(line) for line in args["attribution"]]
    assert credits == list(ATTRIBUTION)  # every credit, offline too (no tiles to carry any)
    script = (FRONTEND / "map.js").read_text(encoding="utf-8")
    assert "attributionControl" in script and "args.attribution" in script
    assert "addAttribution(line)" in script


# Badges, shared lines and points, labels, layer switches (portal.mapplaces, portal.mapoverlaps).


def _units() -> tuple[gpd.GeoDataFrame, gpd.GeoDataFrame]:
    """Two counties side by side (宣汉县 west, 大竹县 east) and their prefecture around both."""
    counties = gpd.GeoDataFrame(
        {"adcode": ["511722", "511724"], "name": ["宣汉县", "大竹县"],
         "prefecture": ["达州市", "达州市"]},
        geometry=[shapely.box(107.0, 31.0, 108.0, 32.0), shapely.box(108.0, 31.0, 109.0, 32.0)],
        crs="EPSG:4326",
    )  # fmt: skip
    prefectures = gpd.GeoDataFrame(
        {"adcode": ["511700"], "name": ["达州市"]},
        geometry=[shapely.box(107.0, 31.0, 109.0, 32.0)],
        crs="EPSG:4326",
    )
    return counties, prefectures


def _vague() -> gpd.GeoDataFrame:
    """Projects known only by an area, a line, and two that share a point."""
    counties, prefectures = _units()
    xuanhan, dazhu = counties.geometry
    return gpd.GeoDataFrame(
        {"project_id": ["a", "b", "c", "d", "e", "f", "g"],
         "name": ["县里水库", "两县物流园", "大竹公园", "市里园区", "一条路", "点一", "点二长名字"],
         "category": ["reservoir", "industrial_zone", "park", "industrial_zone", "highway",
                      "park", "other"],
         "status": ["completed", None, None, "under_construction", None, None, "completed"],
         "precision": ["county", "county", "county", "city", "route", "near", "near"],
         "counties": ["宣汉县", "宣汉县|大竹县", "大竹县", None, None, "宣汉县", "宣汉县"],
         "overdue": pd.array([False, True, False, False, False, False, False], dtype="boolean")},
        geometry=[xuanhan, shapely.union(xuanhan, dazhu), dazhu, prefectures.geometry.iloc[0],
                  shapely.LineString([(107.2, 31.2), (108.5, 31.8)]), shapely.Point(107.5, 31.5),
                  shapely.Point(107.5, 31.5)],
        crs="EPSG:4326",
    )  # fmt: skip


def _badges(args: dict) -> dict[str, set[str]]:
    """Each badge's place name -> the ids of the projects it lists."""
    ids = json.loads(args["features"])["id"]
    return {args["places"][place][0]: {ids[i] for i in rows} for place, rows in args["units"]}


def test_projects_known_only_by_an_area_are_counted_on_one_badge_per_unit() -> None:
    counties, prefectures = _units()
    args = build_project_map(_vague(), counties=counties, prefectures=prefectures, lang="zh")
    # A project of two counties is listed on both; a prefecture's on the prefecture's badge.
    assert _badges(args) == {"宣汉县": {"a", "b"}, "大竹县": {"b", "c"}, "达州市": {"d"}}
    levels = {name: level for name, level, _x, _y in args["places"]}
    assert levels == {"宣汉县": "county", "大竹县": "county", "达州市": "city"}
    # Each badge's point lies inside its unit (the pole of inaccessibility of the box: its middle).
    points = {name: (x, y) for name, _level, x, y in args["places"]}
    assert points["宣汉县"] == (107.5, 31.5) and points["大竹县"] == (108.5, 31.5)
    # The county outlines are the map's own; only the prefecture's travels with the badges.
    assert list(json.loads(args["unit_shapes"])) == ["2"]
    # The ring colours and counts come from the stage of each row, in stage order.
    stages = {s["name"]: s for s in args["stages"]}
    assert stages["建成"]["color"] == STATUS_COLORS["completed"]
    assert stages["未报告进展"]["rank"] < stages["在建"]["rank"] < stages["建成"]["rank"]
    assert args["late"] == [1]  # 两县物流园 is overdue: its badges get a red rim


def test_an_area_outside_every_unit_gets_a_badge_of_its_own() -> None:
    counties, prefectures = _units()
    far = _vague().iloc[[0]].copy()
    far["project_id"], far["counties"] = ["z"], ["别处县"]
    far.geometry = [shapely.box(100.0, 25.0, 101.0, 26.0)]
    args = build_project_map(far, counties=counties, prefectures=prefectures, lang="zh")
    assert _badges(args) == {"别处县": {"z"}}
    assert args["places"][-1][1] == "area" and args["places"][-1][2:] == [100.5, 25.5]


def test_lines_sharing_a_stretch_are_drawn_side_by_side_and_shared_points_around_their_spot():
    lines = np.array([shapely.LineString([(0, 0), (1, 0), (2, 1)]),
                      shapely.LineString([(2, 1), (1, 0), (0, 0)]),  # the same, drawn backwards
                      shapely.LineString([(1, 0), (2, 1), (3, 3)]),  # shares (1,0)-(2,1)
                      shapely.LineString([(5, 5), (6, 6)])], dtype=object)  # fmt: skip
    offsets = line_offsets(lines)
    assert offsets[3] == 0 and len(set(offsets[:3].tolist())) == 3  # three slots, one line apart
    assert sorted(offsets[:3].tolist()) == [-6, 0, 6]
    assert line_offsets(lines[[0, 3]]).tolist() == [0, 0]
    points = np.array([shapely.Point(1, 1), shapely.Point(1, 1), shapely.Point(2, 2)], dtype=object)
    spreads = point_spreads(points)
    assert spreads[2].tolist() == [0, 0]  # alone: where it is
    assert spreads[0].tolist() != spreads[1].tolist()
    assert all(abs(dx) + abs(dy) >= 8 for dx, dy in spreads[:2].tolist())


def test_shared_points_reach_the_browser_as_shifts() -> None:
    counties, prefectures = _units()
    args = build_project_map(_vague(), counties=counties, prefectures=prefectures, lang="zh")
    ids = json.loads(args["features"])["id"]
    shifted = {ids[i]: (dx, dy) for i, _offset, dx, dy in args["shifts"]}
    assert set(shifted) == {"f", "g"} and shifted["f"] != shifted["g"]


def test_project_labels_only_in_presentation_mode_best_known_first() -> None:
    counties, prefectures = _units()
    plain = build_project_map(_vague(), counties=counties, prefectures=prefectures, lang="zh")
    assert plain["labels"] == [] and plain["presentation"] is False
    args = build_project_map(_vague(), counties=counties, prefectures=prefectures, lang="zh",
                             presentation=True)  # fmt: skip
    ids = json.loads(args["features"])["id"]
    order = [ids[i] for i, _x, _y in args["labels"]]
    # Areas have badges, not labels; a reported stage first; then the shorter name.
    assert order == ["g", "f", "e"]
    line = next(item for item in args["labels"] if ids[item[0]] == "e")
    assert line[1:] == [107.85, 31.5]  # the middle of the line
    anchors = label_anchors(np.array([shapely.Point(1, 2), shapely.box(0, 0, 1, 1)], dtype=object))
    assert anchors[0].tolist() == [1, 2] and np.isnan(anchors[1]).all()


def test_label_candidates_rank_by_reported_stage_then_name_length() -> None:
    anchors = np.array([[1.0, 1.0], [2.0, 2.0], [3.0, 3.0], [np.nan, np.nan]])
    stages = np.array(["unreported", "completed", "unreported", "completed"], dtype=object)
    names = np.array(["很长很长的名字", "长的名字也先", "短", "面"], dtype=object)
    assert [c[0] for c in label_candidates(anchors, stages, names)] == [1, 2, 0]


def test_place_labels_prefectures_first_then_larger_counties() -> None:
    counties, prefectures = _units()
    counties.loc[1, "geometry"] = shapely.box(108.0, 31.0, 110.0, 32.0)  # 大竹县 the larger
    places = reference_places(counties, prefectures, basemap=Basemap(OFFLINE))
    assert [places.names[i] for i in place_label_order(places)] == ["达州市", "大竹县", "宣汉县"]


def test_the_map_switches_are_the_layer_filter() -> None:
    offered = ["highway", "railway", "reservoir"]
    assert categories_for_switches(["highway", "railway", "reservoir"], offered) == []  # all
    assert categories_for_switches(["railway", "bogus"], offered) == ["railway"]
    assert switches_for_categories([], offered) == [True, True, True]
    assert switches_for_categories(["railway"], offered) == [False, True, False]
    counties, prefectures = _units()
    store = _vague()
    prepared = prepare_projects(store, basemap=Basemap(OFFLINE), counties=counties,
                                prefectures=prefectures)  # fmt: skip
    parks_only = store[store["category"] == "park"]
    args = build_project_map(parks_only, counties=counties, prefectures=prefectures, lang="en",
                             prepared=prepared, categories=["park"])  # fmt: skip
    # Every layer of the store is offered (so an unticked one can be ticked again) ...
    assert args["layer_codes"] == ["highway", "reservoir", "park", "industrial_zone", "other"]
    assert args["layers_on"] == [False, False, True, False, False]
    assert args["layer_counts"] == [0, 0, 2, 0, 0]


def test_the_legend_folds_to_its_title_and_names_badges_and_parallel_lines() -> None:
    legend = legend_html("zh")
    assert legend.startswith('<b class="legend-title">图例</b><div class="legend-body">')
    assert "数字圆标" in legend and "并行的线" in legend
    script = (FRONTEND / "map.js").read_text(encoding="utf-8")
    assert "localStorage" in script and "is-folded" in script


def test_a_township_point_opens_in_its_surroundings_not_a_close_up() -> None:
    projects = gpd.GeoDataFrame(
        {"project_id": ["near", "exact"], "precision": ["near", "exact"]},
        geometry=[shapely.Point(107.7, 31.4), shapely.Point(107.7, 31.4)], crs="EPSG:4326",
    )  # fmt: skip
    (south, west), (north, east) = project_bounds(projects, "near")
    assert north - south > 0.29 and east - west > 0.29  # about 30 km: township and county
    (south, west), (north, east) = project_bounds(projects, "exact")
    assert north - south < 0.1


def test_lines_leaving_the_basemap_name_their_ends_outside_it() -> None:
    counties = gpd.GeoDataFrame({"name": ["甲县"]}, geometry=[shapely.box(107, 31, 108, 32)],
                                crs="EPSG:4326")  # fmt: skip
    lines = gpd.GeoDataFrame(
        {"precision": ["route", "route", "route", "county", "route", "route"],
         "endpoints": pd.array(["成都|甲县|<b>万州</b>", "成都|甲县", "甲县|乙镇", "成都|万州",
                                None, "西安|甲县"], dtype="string")},
        geometry=[shapely.LineString([(104, 30.7), (107.5, 31.5), (108.4, 30.8)]),
                  shapely.LineString([(104.01, 30.7), (107.5, 31.5)]),
                  shapely.LineString([(107.5, 31.5), (107.6, 31.6)]),
                  shapely.box(104, 30, 105, 31),
                  shapely.LineString([(100, 30), (101, 30)]),  # no names: nothing to say
                  shapely.LineString()],  # an empty line (bad input): nothing either
        crs="EPSG:4326",
    )  # fmt: skip
    ends = line_ends(lines, counties=counties, basemap=Basemap(OFFLINE))
    # One label per name, escaped; ends inside the basemap and non-routes are not named.
    assert ends == [["成都", 104.0, 30.7], ["&lt;b&gt;万州&lt;/b&gt;", 108.4, 30.8]]
