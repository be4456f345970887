"""Selection filters as pure functions over a tiny projects frame."""

from __future__ import annotations

import geopandas as gpd
import pandas as pd
import shapely

from layers.selection import (
    UNREPORTED,
    as_of,
    in_area,
    progress_frame,
    select_projects,
    view_area,
)


def _projects() -> gpd.GeoDataFrame:
    return gpd.GeoDataFrame(
        {
            "project_id": ["rw-1", "rs-1", "iz-1", "hw-1"],
            "name": ["达万铁路", "土溪口水库", "达州数字经济产业园", "G210线"],
            "aliases": ["", "", "数字经济产业园", ""],
            "category": ["railway", "reservoir", "industrial_zone", "highway"],
            "status": ["under_construction", "completed", "proposed", "completed"],
            "target_year": pd.array([2025, 2023, None, 2022], dtype="Int64"),
            "counties": ["", "宣汉县", "", ""],
            "located_counties": ["万州区", "宣汉县", "", ""],
            "precision": ["route", "county", "city", "city"],
            "doc_ids": ["000|003", "000", "000", "001"],
            "overdue": [False, False, False, True],
            "statements": [
                # a 2021 plan (start 2023, finish 2025); a 2024 review reports it under way
                "P preparatory 2021 2021-03-01 001|P under_construction 2023 2021-03-01 001|"
                "P completed 2025 2021-03-01 001|R under_construction 2023 2024-02-01 002",
                # reported built by a 2023 report
                "R completed 2022 2023-01-10 003",
                # planned only, undated, from 2022
                "P proposed - 2022-05-01 004",
                # planned for 2022 in 2021, never reported
                "P completed 2022 2021-03-01 001",
            ],
            "known_stage": [None] * 4,
            "planned_stage": [None] * 4,
            "target_stage": [None] * 4,
            "info_date": [None] * 4,
        },
        geometry=[
            shapely.LineString([(107.47, 31.21), (108.38, 30.81)]),  # 达州 -> 万州
            shapely.box(107.5, 31.3, 108.5, 31.9),
            shapely.box(106.6, 30.6, 108.4, 32.3),  # a whole prefecture
            shapely.box(106.6, 30.6, 108.4, 32.3),
        ],
        crs="EPSG:4326",
    )


def _values(column: pd.Series) -> list[object]:
    return [None if pd.isna(v) else v for v in column]


def test_progress_as_of_a_year_and_projects_not_yet_named() -> None:
    projects = _projects()
    at_2022 = progress_frame(projects, 2022)
    assert _values(at_2022["known_stage"]) == [None, None, None, None]  # plans are not progress
    assert _values(at_2022["planned_stage"]) == ["preparatory", None, None, "completed"]
    assert list(at_2022["named"]) == [True, False, True, True]
    at_2024 = progress_frame(projects, 2024)
    assert _values(at_2024["known_stage"]) == ["under_construction", "completed", None, None]
    assert list(at_2024["overdue"]) == [False, False, False, True]
    assert _values(at_2024["target_year"]) == [2025, None, None, 2022]
    assert _values(at_2024["info_date"]) == ["2024-02-01", "2023-01-10", "2022-05-01", "2021-03-01"]
    selected = select_projects(projects, year=2021)
    assert list(selected["project_id"]) == ["rw-1", "hw-1"]
    assert set(selected["as_of_year"]) == {2021}
    assert selected["status"].isna().all()  # status follows the known stage, never a plan
    assert as_of(projects, 2026)["overdue"].tolist() == [True, False, False, True]


def test_filters_combine() -> None:
    projects = _projects()
    assert list(select_projects(projects, categories=["reservoir", "railway"])["project_id"]) == [
        "rw-1", "rs-1",
    ]  # fmt: skip
    assert list(select_projects(projects, statuses=["completed"], year=2023)["project_id"]) == [
        "rs-1"
    ]
    assert list(select_projects(projects, statuses=[UNREPORTED], year=2023)["project_id"]) == [
        "rw-1", "iz-1", "hw-1",
    ]  # fmt: skip
    assert list(select_projects(projects, target_years=(2023, 2025))["project_id"]) == [
        "rw-1", "rs-1",
    ]  # fmt: skip
    assert list(select_projects(projects, doc_ids=["003"])["project_id"]) == ["rw-1"]
    assert list(select_projects(projects, overdue_only=True)["project_id"]) == ["hw-1"]
    assert list(select_projects(projects, overdue_only=True, year=2022)["project_id"]) == []
    assert list(select_projects(projects, name_contains="数字经济")["project_id"]) == ["iz-1"]
    assert len(select_projects(projects)) == 4


def test_a_kept_progress_frame_gives_the_same_answer() -> None:
    projects = _projects()
    kept = progress_frame(projects, 2024)
    subset = projects.iloc[[3, 1]]
    fresh = as_of(subset, 2024)
    reused = as_of(subset, 2024, progress=kept)
    pd.testing.assert_frame_equal(pd.DataFrame(fresh), pd.DataFrame(reused))
    stale = as_of(subset, 2022, progress=kept)  # kept for another year: worked out afresh
    assert list(stale["as_of_year"]) == [2022, 2022][: len(stale)]


# Where a project is: two counties (A, B) as boxes in prefecture 甲市, a third (C) in 乙市.
_A = shapely.box(107.0, 31.0, 107.5, 31.5)
_B = shapely.box(107.5, 31.0, 108.0, 31.5)
_C = shapely.box(108.0, 31.0, 108.5, 31.5)


def _units() -> tuple[gpd.GeoDataFrame, gpd.GeoDataFrame]:
    counties = gpd.GeoDataFrame(
        {"name": ["A县", "B县", "C县"], "prefecture": ["甲市", "甲市", "乙市"]},
        geometry=[_A, _B, _C], crs="EPSG:4326",
    )  # fmt: skip
    prefectures = gpd.GeoDataFrame(
        {"name": ["甲市", "乙市"]}, geometry=[shapely.union(_A, _B), _C], crs="EPSG:4326"
    )
    return counties, prefectures


def _placed() -> gpd.GeoDataFrame:
    rows = [  # project_id, precision, counties (text), geometry
        ("point-a", "near", "", shapely.Point(107.2, 31.2)),
        ("line-ab", "route", "", shapely.LineString([(107.2, 31.2), (107.8, 31.3)])),
        # In B, ending on A's border: touches A, is not in it.
        ("line-to-a", "route", "", shapely.LineString([(107.5, 31.2), (107.8, 31.4)])),
        # A's outline as the geocoder stores it (simplified: a little off the reference),
        # with no text: found by its geometry alone; it touches B along a whole side.
        ("county-a", "county", "", shapely.box(107.0003, 31.0, 107.5, 31.4996)),
        ("city-jia", "city", "", shapely.union(_A, _B).simplify(0.001)),
        ("city-yi", "city", "", _C),
        ("unlocated-a", "unlocated", "A县", None),
        ("point-c", "exact", "", shapely.Point(108.2, 31.2)),
    ]
    return gpd.GeoDataFrame(
        {"project_id": [r[0] for r in rows], "name": [f"{r[0]}工程" for r in rows],
         "aliases": [""] * len(rows), "precision": [r[1] for r in rows],
         "counties": pd.array([r[2] or None for r in rows], dtype="string"),
         "located_counties": pd.array([None] * len(rows), dtype="string")},
        geometry=[r[3] for r in rows], crs="EPSG:4326",
    )  # fmt: skip


def _ids(**view: object) -> list[str]:
    projects = _placed()
    area = view_area(*_units(), **view)  # type: ignore[arg-type]
    assert area is not None
    return list(projects[in_area(projects, area)]["project_id"])


def test_a_county_holds_its_points_crossing_lines_own_outline_and_named_projects() -> None:
    assert _ids(county_names=["A县"], prefecture_level=False) == [
        "point-a", "line-ab", "county-a", "unlocated-a",
    ]  # fmt: skip
    # The line ending on A's border and A's outline, touching B, are not in the other county.
    assert _ids(county_names=["B县"], prefecture_level=False) == ["line-ab", "line-to-a"]


def test_a_schematic_route_cutting_a_corner_is_not_in_that_county() -> None:
    # Both leave B for C; the first crosses C's north-west corner (about 1 km deep), the
    # second runs 20 km into C. A drawn line ("exact") is in C by the same corner.
    corner = shapely.LineString([(107.9, 31.38), (108.1, 31.58)])
    deep = shapely.LineString([(107.9, 31.2), (108.2, 31.2)])
    projects = gpd.GeoDataFrame(
        {"project_id": ["corner", "deep", "drawn"], "precision": ["route", "route", "exact"],
         "counties": pd.array([None] * 3, dtype="string"),
         "located_counties": pd.array([None] * 3, dtype="string")},
        geometry=[corner, deep, corner], crs="EPSG:4326",
    )  # fmt: skip
    area = view_area(*_units(), county_names=["C县"], prefecture_level=False)
    assert area is not None
    assert list(projects[in_area(projects, area)]["project_id"]) == ["deep", "drawn"]
    # Its text still finds it: the county a route's node stands in is named.
    projects.loc[0, "located_counties"] = "C县"
    assert list(projects[in_area(projects, area)]["project_id"]) == ["corner", "deep", "drawn"]


def test_the_switch_adds_the_projects_known_only_by_the_prefecture() -> None:
    assert _ids(county_names=["A县"]) == [
        "point-a", "line-ab", "county-a", "city-jia", "unlocated-a",
    ]  # fmt: skip
    assert "city-jia" in _ids(county_names=["B县"], prefecture_level=True)
    assert _ids(county_names=["C县"]) == ["city-yi", "point-c"]  # never the other prefecture's


def test_a_prefecture_holds_everything_placed_in_it() -> None:
    assert _ids(prefecture_names=["甲市"]) == [
        "point-a", "line-ab", "line-to-a", "county-a", "city-jia", "unlocated-a",
    ]  # fmt: skip
    assert _ids(prefecture_names=["乙市"]) == ["city-yi", "point-c"]
    # Counties, when picked, narrow a prefecture view.
    assert _ids(prefecture_names=["甲市"], county_names=["B县"], prefecture_level=False) == [
        "line-ab", "line-to-a",
    ]  # fmt: skip


def test_a_stand_in_is_its_unit_only_not_a_shape_of_the_same_size() -> None:
    projects = _placed()
    moved = shapely.affinity.translate(projects.geometry.iloc[3], xoff=0.2)  # A's size, not A
    projects.loc[3, "geometry"] = moved
    area = view_area(*_units(), county_names=["A县"], prefecture_level=False)
    assert area is not None
    assert "county-a" not in set(projects[in_area(projects, area)]["project_id"])
    seat = projects.copy()
    seat.loc[3, "geometry"] = shapely.Point(107.25, 31.25)  # a county placed at its seat
    assert "county-a" in set(seat[in_area(seat, area)]["project_id"])


def test_the_area_filter_combines_with_the_others() -> None:
    projects = _placed()
    area = view_area(*_units(), county_names=["A县"])
    assert list(select_projects(projects, area=area, name_contains="city")["project_id"]) == [
        "city-jia"
    ]
    assert view_area(*_units()) is None  # no place filter: the whole map
    assert len(select_projects(projects, area=None)) == len(projects)
