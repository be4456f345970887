"""Selection filters as pure functions over a tiny projects frame."""

from __future__ import annotations

import geopandas as gpd
import pandas as pd
import shapely

from layers.selection import UNREPORTED, as_of, in_counties, progress_frame, select_projects


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


def test_counties_by_text_location_and_routes_crossing() -> None:
    projects = _projects()
    dachuan = gpd.GeoSeries([shapely.box(107.3, 30.9, 107.7, 31.3)], crs="EPSG:4326")
    mask = in_counties(projects, ["达川区"], county_polygons=dachuan)
    # The railway crosses 达川区; the prefecture-wide polygons cover it but are not
    # "in" it, and the reservoir is named in 宣汉县.
    assert list(projects[mask]["project_id"]) == ["rw-1"]
    assert list(projects[in_counties(projects, ["宣汉县"])]["project_id"]) == ["rs-1"]


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
