"""Selection filters as pure functions over a tiny projects frame."""

from __future__ import annotations

import geopandas as gpd
import pandas as pd
import shapely

from layers.selection import in_counties, select_projects, statuses_as_of


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
            "stages": ["2021:preparatory|2023:under_construction", "2023:completed", "", ""],
            "first_year": pd.array([2021, 2021, 2022, 2021], dtype="Int64"),
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


def test_status_as_of_a_year_and_projects_not_yet_named() -> None:
    projects = _projects()
    assert list(statuses_as_of(projects, 2022)) == ["preparatory", "proposed", "proposed",
                                                     "proposed"]  # fmt: skip
    assert list(statuses_as_of(projects, 2021)) == ["preparatory", "proposed", None, "proposed"]
    selected = select_projects(projects, year=2021)
    assert list(selected["project_id"]) == ["rw-1", "rs-1", "hw-1"]
    assert set(selected["as_of_year"]) == {2021}


def test_filters_combine() -> None:
    projects = _projects()
    assert list(select_projects(projects, categories=["reservoir", "railway"])["project_id"]) == [
        "rw-1", "rs-1",
    ]  # fmt: skip
    assert list(select_projects(projects, statuses=["completed"], year=2023)["project_id"]) == [
        "rs-1"
    ]
    assert list(select_projects(projects, target_years=(2023, 2025))["project_id"]) == [
        "rw-1", "rs-1",
    ]  # fmt: skip
    assert list(select_projects(projects, doc_ids=["003"])["project_id"]) == ["rw-1"]
    assert list(select_projects(projects, overdue_only=True)["project_id"]) == ["hw-1"]
    assert list(select_projects(projects, name_contains="数字经济")["project_id"]) == ["iz-1"]
    assert len(select_projects(projects)) == 4
