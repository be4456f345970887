"""The projects in a view, asked of the store (layers/viewport.py), on both backends."""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
import shapely

from layers.schema import DOCUMENT_COLUMNS, MENTION_COLUMNS, PROJECT_SCHEMA, Tables
from layers.store import (
    StoreLocation,
    project_summary,
    read_projects,
    read_view,
    typed_projects,
    write_store,
)
from layers.viewport import (
    ViewRequest,
    attribute_filters,
    cell_size,
    clipped,
    degrees_per_pixel,
    padded,
    zoom_for,
)

BOX = (107.0, 31.0, 107.4, 31.3)
COUNTY = shapely.box(107.25, 31.15, 107.35, 31.25)  # a stand-in outline


def _projects() -> gpd.GeoDataFrame:
    """36 points on a grid, 4 lines, a county stand-in: varied layers, stages, years, documents."""
    rng = np.random.default_rng(3)
    geometry: list[shapely.Geometry] = []
    rows = []
    for i in range(36):
        x, y = 107.02 + 0.05 * (i % 6), 31.02 + 0.04 * (i // 6)
        geometry.append(shapely.Point(x, y))
        rows.append({"category": ("reservoir", "park", "industrial_zone")[i % 3],
                     "precision": "near"})  # fmt: skip
    for i in range(4):
        x = 107.05 + 0.07 * i
        coords = [(x + 0.002 * j, 31.05 + 0.01 * j + 0.0003 * (j % 2)) for j in range(20)]
        geometry.append(shapely.LineString(coords))
        rows.append({"category": ("highway", "railway")[i % 2], "precision": "route"})
    geometry.append(COUNTY)
    rows.append({"category": "industrial_zone", "precision": "county"})
    frame = pd.DataFrame(rows)
    n = len(frame)
    frame["project_id"] = [f"p{i:02d}" for i in range(n)]
    frame["name"] = [f"测试项目{i}号" for i in range(n)]
    frame.loc[7, "name"] = "土溪口水库"
    frame["aliases"] = None
    frame.loc[11, "aliases"] = "土溪口备用"
    frame["known_stage"] = rng.choice(["completed", "under_construction", None], n)
    frame["status"] = frame["known_stage"]
    frame["overdue"] = [i % 5 == 0 for i in range(n)]
    frame["target_year"] = [2021 + i % 8 for i in range(n)]
    frame["first_year"] = [2021 if i % 4 else 2024 for i in range(n)]
    frame["as_of_year"] = 2024
    frame["doc_ids"] = ["d1|d2" if i % 3 == 0 else "d2" for i in range(n)]
    frame["counties"] = "宣汉县"
    for column in PROJECT_SCHEMA:
        if column not in frame:
            frame[column] = None
    return typed_projects(gpd.GeoDataFrame(frame, geometry=geometry, crs="EPSG:4326"))


PROJECTS = _projects()


@pytest.fixture(params=["gpkg", "postgis"])
def store(request, tmp_path) -> StoreLocation:
    """A small store on each backend (PostGIS from PORTAL_TEST_DSN)."""
    if request.param == "gpkg":
        location = StoreLocation.parse(tmp_path / "view.gpkg")
    else:
        location = StoreLocation.parse(request.getfixturevalue("postgis_dsn"))
    documents = pd.DataFrame({c: [None, None] for c in DOCUMENT_COLUMNS})
    documents["doc_id"] = ["d1", "d2"]
    write_store(location, Tables(PROJECTS, pd.DataFrame(columns=list(MENTION_COLUMNS)), documents))
    return location


def _in_box(frame: gpd.GeoDataFrame, bbox) -> set[str]:
    box = shapely.box(*bbox)
    return set(frame.loc[frame.geometry.envelope.intersects(box), "project_id"])


def test_zoom_cells_and_boxes_follow_the_screen() -> None:
    # Zoom 0 is one 256-pixel tile for 360 degrees; a cell is 64 pixels of a whole zoom.
    assert degrees_per_pixel(0) == pytest.approx(360 / 256)
    assert cell_size(7.75) == pytest.approx(64 * 360 / (256 * 2**7))
    zoom = zoom_for((107.0, 31.0, 108.0, 32.0), width_px=1000, height_px=640)
    assert 8 <= zoom <= 10 and zoom * 4 == int(zoom * 4)  # Leaflet's quarter steps
    assert padded((0, 0, 10, 10)) == pytest.approx((-1.5, -1.5, 11.5, 11.5))
    assert clipped((0, 0, 10, 10), (5, 5, 20, 20)) == (5, 5, 10, 10)
    assert clipped((0, 0, 1, 1), (5, 5, 6, 6)) is None


def test_filter_values_travel_as_parameters_never_as_sql() -> None:
    hostile = "'); DROP TABLE highways; --"
    request = ViewRequest(bbox=BOX, zoom=10, search=hostile, doc_ids=(hostile,),
                          stages=("completed", "unreported"))  # fmt: skip
    for dialect in ("postgis", "gpkg"):
        conditions, params = attribute_filters(request, dialect=dialect)  # type: ignore[arg-type]
        assert all("DROP" not in c for c in conditions)
        assert params["search"] == hostile and params["doc0"] == f"|{hostile}|"
        assert any("known_stage IS NULL" in c for c in conditions)


def test_a_view_fetches_exactly_the_projects_in_its_box(store) -> None:
    bbox = (107.0, 31.0, 107.16, 31.12)
    view = read_view(store, ViewRequest(bbox=bbox, zoom=12))
    assert not view.aggregated and view.cells.empty
    assert set(view.projects["project_id"]) == _in_box(PROJECTS, bbox)
    assert view.total == len(view.projects) > 5
    assert view.projects.crs.to_epsg() == 4326
    assert view.projects["target_year"].dtype == "Int64"  # typed as stored


def test_geometry_is_simplified_to_the_zoom_but_a_stand_in_never(store) -> None:
    far = read_view(store, ViewRequest(bbox=BOX, zoom=6)).projects.set_index("project_id")
    near = read_view(store, ViewRequest(bbox=BOX, zoom=17)).projects.set_index("project_id")
    line = PROJECTS.loc[PROJECTS["precision"] == "route", "project_id"].iloc[0]
    assert len(far.loc[line, "geometry"].coords) < len(near.loc[line, "geometry"].coords) == 20
    stand_in = PROJECTS.loc[PROJECTS["precision"] == "county", "project_id"].iloc[0]
    assert far.loc[stand_in, "geometry"].equals(COUNTY)  # the map recognises it by its outline


def test_too_many_projects_are_counted_on_cells(store) -> None:
    view = read_view(store, ViewRequest(bbox=BOX, zoom=9, limit=10))
    assert view.aggregated and view.projects.empty
    assert view.total == int(view.cells["count"].sum()) == len(_in_box(PROJECTS, BOX))
    assert view.cells["x"].between(BOX[0] - 0.1, BOX[2] + 0.1).all()
    assert list(view.cells["count"]) == sorted(view.cells["count"], reverse=True)


def test_filters_the_store_can_test_are_applied_there(store) -> None:
    def ids(**options) -> set[str]:
        return set(read_view(store, ViewRequest(bbox=BOX, zoom=12, **options)).projects[
            "project_id"])  # fmt: skip

    every = PROJECTS.set_index("project_id")
    assert ids(categories=("highway",)) == set(every.index[every["category"] == "highway"])
    assert ids(search="土溪口") == {"p07", "p11"}  # in the name, or in an alias
    assert ids(doc_ids=("d1",)) == set(every.index[every["doc_ids"] == "d1|d2"])
    assert ids(named_by=2023) == set(every.index[every["first_year"] <= 2023])
    unreported = ids(stages=("unreported",))
    assert unreported == set(every.index[every["known_stage"].isna()]) and unreported
    assert ids(overdue_only=True) == set(every.index[every["overdue"].fillna(False)])
    years = every["target_year"].astype(int)
    assert ids(target_years=(2022, 2023)) == set(every.index[years.between(2022, 2023)])
    assert ids(search="'); DROP TABLE highways; --") == set()
    assert ids() == set(every.index)  # the hostile search dropped nothing


def test_cells_count_only_what_meets_the_place(store) -> None:
    place = shapely.box(107.0, 31.0, 107.13, 31.3)
    request = ViewRequest(bbox=BOX, zoom=9, limit=1, area_wkb=shapely.to_wkb(place))
    view = read_view(store, request)
    points = PROJECTS[PROJECTS.geometry.geom_type == "Point"]
    inside = int(points.geometry.within(place).sum())
    assert view.aggregated
    # Points by where they are; PostGIS tests lines exactly, the GeoPackage by their centre.
    assert inside <= view.total <= inside + 4


def test_summary_and_projects_by_id(store) -> None:
    summary = project_summary(store)
    assert summary.count == len(PROJECTS)
    assert summary.target_years == (2021, 2028) and summary.as_of_year == 2024
    assert summary.categories == ("highway", "railway", "reservoir", "park", "industrial_zone")
    found = read_projects(store, ["p07", "p40", "nope"])
    assert set(found["project_id"]) == {"p07", "p40"}
    assert found.set_index("project_id").loc["p40", "geometry"].equals(COUNTY)


def test_a_missing_store_summarises_as_empty(tmp_path) -> None:
    assert project_summary(StoreLocation.parse(tmp_path / "none.gpkg")).count == 0
