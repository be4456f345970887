"""The PostGIS backend: tables copied in with their declared types, changes that fit old stores."""

from __future__ import annotations

import geopandas as gpd
import pandas as pd
import pytest
import shapely

from layers.postgis import ewkb
from layers.schema import LAYER_NAMES, Tables
from layers.store import Changes, StoreLocation, apply_changes, read_store, write_store


def _tables() -> Tables:
    projects = gpd.GeoDataFrame({"project_id": ["hw-1", "rs-1"], "name": ["达万高速", "土溪口水库"],
                                 "category": ["highway", "reservoir"], "overdue": [True, None],
                                 "target_year": [2027, None]},
                                geometry=[shapely.LineString([(107.4, 31.2), (108.3, 30.8)]),
                                          shapely.Point(107.9, 31.5)], crs="EPSG:4326")  # fmt: skip
    mentions = pd.DataFrame({"project_id": ["hw-1", "rs-1"], "doc_id": ["d1", "d1"],
                             "char_start": [0, 12]})  # fmt: skip
    return Tables(projects, mentions, pd.DataFrame({"doc_id": ["d1"]}))


def _park() -> gpd.GeoDataFrame:
    far = shapely.MultiPolygon([shapely.box(120.0, 40.0, 120.5, 40.5)])
    return gpd.GeoDataFrame({"project_id": ["pk-9"], "name": ["江心岛公园"], "category": ["park"],
                             "overdue": [True], "target_year": [2030]},
                            geometry=[far], crs="EPSG:4326")  # fmt: skip


def _query(location: StoreLocation, sql: str) -> list[tuple]:
    from sqlalchemy import create_engine, text

    engine = create_engine(location.dsn.replace("postgresql://", "postgresql+psycopg://", 1))
    with engine.begin() as conn:
        result = conn.execute(text(sql), {"schema": location.schema})
        rows = [tuple(r) for r in result] if result.returns_rows else []
    engine.dispose()
    return rows


def test_geometries_go_to_the_server_as_ewkb_with_their_srid() -> None:
    shapes = [shapely.Point(107.5, 31.2, 410.0), None, shapely.box(107.9, 31.5, 108.0, 31.6),
              shapely.LineString()]  # fmt: skip
    back = [None if b is None else shapely.from_wkb(b) for b in ewkb(shapes)]
    assert [None if g is None else shapely.get_srid(g) for g in back] == [4326, None, 4326, 4326]
    assert [None if g is None else g.wkt for g in back] == [
        None if g is None else g.wkt for g in shapes]  # fmt: skip


@pytest.mark.postgis
def test_a_build_is_copied_into_the_declared_column_types(postgis_dsn) -> None:
    location = StoreLocation.parse(postgis_dsn)
    write_store(location, _tables())
    write_store(location, _tables())  # the second build swaps its tables in for the first's
    types = dict(
        _query(
            location,
            "SELECT column_name, data_type FROM information_schema.columns "
            "WHERE table_schema = :schema AND table_name = 'highways'",
        )
    )
    assert (types["name"], types["target_year"], types["overdue"]) == (
        "text", "double precision", "boolean")  # fmt: skip
    tables = {t for (t,) in _query(location, "SELECT table_name FROM information_schema.tables "
                                             "WHERE table_schema = :schema")}  # fmt: skip
    assert not {t for t in tables if "staging" in t}
    assert _query(location, "SELECT DISTINCT type, srid FROM geometry_columns "
                            "WHERE f_table_schema = :schema") == [("GEOMETRY", 4326)]  # fmt: skip
    indexes = _query(location, "SELECT indexname FROM pg_indexes WHERE schemaname = :schema")
    assert {f"{layer}_geom_gist" for layer in LAYER_NAMES.values()} == {i for (i,) in indexes}
    assert read_store(location).projects.set_index("project_id").loc["hw-1", "overdue"]


@pytest.mark.postgis
def test_the_spatial_index_finds_features_added_and_not_those_removed(postgis_dsn) -> None:
    location = StoreLocation.parse(postgis_dsn)
    write_store(location, _tables())
    apply_changes(location, Changes(removed={"projects": ("project_id", frozenset({"rs-1"}))},
                                    added={"projects": _park()}))  # fmt: skip
    schema = location.schema
    box = "ST_MakeEnvelope(119, 39, 121, 41, 4326)"
    assert _query(location, f'SELECT project_id FROM "{schema}".parks WHERE geometry && {box}') == [
        ("pk-9",)]  # fmt: skip
    assert _query(location, f'SELECT count(*) FROM "{schema}".reservoirs') == [(0,)]


@pytest.mark.postgis
def test_changes_fit_a_store_an_older_version_wrote(postgis_dsn) -> None:
    """GeoPandas made a flag column with a missing value a number; a change writes it as one."""
    location = StoreLocation.parse(postgis_dsn)
    write_store(location, _tables())
    _query(location, f'ALTER TABLE "{location.schema}".parks ALTER COLUMN overdue '
                     "TYPE double precision USING overdue::int")  # fmt: skip
    apply_changes(location, Changes(added={"projects": _park()}))
    park = read_store(location).projects.set_index("project_id").loc["pk-9"]
    assert park["overdue"] and park["target_year"] == 2030
    assert park.geometry.equals(_park().geometry[0])
