"""Editing a GeoPackage in place: blobs GDAL reads, an R-tree that stays right."""

from __future__ import annotations

import sqlite3

import geopandas as gpd
import pandas as pd
import pyogrio
import pytest
import shapely

from layers import gpkgsqlite
from layers.schema import Tables
from layers.store import Changes, StoreLocation, apply_changes, read_store, write_store

GEOMETRIES = [
    shapely.Point(107.5, 31.2),
    shapely.LineString([(107.4, 31.2), (108.3, 30.8)]),
    shapely.MultiPolygon([shapely.box(107.9, 31.5, 108.0, 31.6),
                          shapely.box(108.1, 31.5, 108.2, 31.7)]),
    shapely.Point(107.1, 30.9, 410.0),
    shapely.LineString(),
]  # fmt: skip


def _layer(path, geometries) -> None:
    """A GDAL-written layer with an R-tree, as the store writes its layers."""
    frame = gpd.GeoDataFrame({"name": [f"g{i}" for i in range(len(geometries))]},
                             geometry=geometries, crs="EPSG:4326")  # fmt: skip
    pyogrio.write_dataframe(frame, path, layer="highways", driver="GPKG",
                            geometry_type="Unknown", spatial_index=True)  # fmt: skip


def test_blobs_written_here_read_back_through_gdal(tmp_path) -> None:
    path = tmp_path / "g.gpkg"
    _layer(path, [shapely.Point(0, 0)])
    blobs = gpkgsqlite.blobs_from_geometries([*GEOMETRIES, None], srs_id=4326)
    with sqlite3.connect(path) as conn:  # plain sqlite3 lacks ST_*: drop the R-tree's triggers
        for (name,) in conn.execute("SELECT name FROM sqlite_master WHERE type = 'trigger' "
                                    "AND name LIKE 'rtree_%'").fetchall():  # fmt: skip
            conn.execute(f'DROP TRIGGER "{name}"')
        conn.execute("DELETE FROM highways")
        conn.executemany("INSERT INTO highways (name, geom) VALUES (?, ?)",
                         [(f"n{i}", b) for i, b in enumerate(blobs)])  # fmt: skip
    back = pyogrio.read_dataframe(path, layer="highways")
    assert [g.wkt if g is not None else None for g in back.geometry] == [
        *(g.wkt for g in GEOMETRIES), None]  # fmt: skip
    assert gpkgsqlite.geometry_from_blob(blobs[2]).equals(GEOMETRIES[2])


def test_the_rtree_functions_read_gdal_blobs_with_and_without_an_envelope(tmp_path) -> None:
    """GDAL stores a point without an envelope: its bounds come from the WKB."""
    path = tmp_path / "g.gpkg"
    _layer(path, GEOMETRIES)
    conn = gpkgsqlite.connect(path)
    rows = conn.execute("SELECT ST_IsEmpty(geom), ST_MinX(geom), ST_MaxX(geom), ST_MinY(geom), "
                        "ST_MaxY(geom) FROM highways ORDER BY fid").fetchall()  # fmt: skip
    conn.close()
    expected = [(0, *(g.bounds[i] for i in (0, 2, 1, 3))) for g in GEOMETRIES[:-1]]
    assert rows == [*expected, (1, None, None, None, None)]


def test_the_rtree_functions_refuse_what_is_no_geopackage_blob(tmp_path) -> None:
    path = tmp_path / "g.gpkg"
    _layer(path, [shapely.Point(0, 0)])
    conn = gpkgsqlite.connect(path)
    with pytest.raises(sqlite3.OperationalError, match="user-defined function raised"):
        conn.execute("INSERT INTO highways (name, geom) VALUES ('x', X'0101000000')")
    conn.close()


def _tables() -> Tables:
    projects = gpd.GeoDataFrame({"project_id": ["hw-1", "rs-1"], "name": ["达万高速", "土溪口水库"],
                                 "category": ["highway", "reservoir"]},
                                geometry=GEOMETRIES[1:3], crs="EPSG:4326")  # fmt: skip
    mentions = pd.DataFrame({"project_id": ["hw-1", "rs-1"], "doc_id": ["d1", "d1"]})
    return Tables(projects, mentions, pd.DataFrame({"doc_id": ["d1"]}))


def test_the_rtree_finds_features_added_and_not_those_removed(tmp_path) -> None:
    location = StoreLocation.parse(tmp_path / "p.gpkg")
    write_store(location, _tables())
    path = location.file
    far = shapely.MultiPolygon([shapely.box(120.0, 40.0, 120.5, 40.5)])
    park = gpd.GeoDataFrame({"project_id": ["pk-9"], "name": ["江心岛公园"], "category": ["park"]},
                            geometry=[far], crs="EPSG:4326")  # fmt: skip
    with sqlite3.connect(path) as conn:
        changed_before = dict(conn.execute("SELECT table_name, last_change FROM gpkg_contents"))
    apply_changes(location, Changes(removed={"projects": ("project_id", frozenset({"rs-1"}))},
                                    added={"projects": park}))  # fmt: skip
    found = pyogrio.read_dataframe(path, layer="parks", bbox=(119.0, 39.0, 121.0, 41.0))
    assert list(found["project_id"]) == ["pk-9"]
    assert pyogrio.read_dataframe(path, layer="parks", bbox=(100, 20, 110, 35)).empty
    assert pyogrio.read_dataframe(path, layer="reservoirs", bbox=(107, 31, 109, 32)).empty
    assert len(pyogrio.read_dataframe(path, layer="highways", bbox=(107, 30, 109, 32))) == 1
    with sqlite3.connect(path) as conn:
        assert conn.execute("SELECT count(*) FROM rtree_reservoirs_geom").fetchone() == (0,)
        counts = dict(conn.execute("SELECT table_name, feature_count FROM gpkg_ogr_contents"))
        extent = conn.execute("SELECT min_x, min_y, max_x, max_y, last_change FROM gpkg_contents "
                              "WHERE table_name = 'parks'").fetchone()  # fmt: skip
    assert (counts["parks"], counts["reservoirs"], counts["highways"]) == (1, 0, 1)
    assert extent[:4] == (120.0, 40.0, 120.5, 40.5)
    assert extent[4] > changed_before["parks"]
    assert pyogrio.read_info(path, layer="parks")["total_bounds"] == (120.0, 40.0, 120.5, 40.5)
    assert list(read_store(location).projects["project_id"]) == ["hw-1", "pk-9"]
