"""The layer store: both backends identical, safe writes, corrections that survive rebuilds."""

from __future__ import annotations

import errno
import logging
import resource
import signal
import sqlite3
import subprocess
import sys

import geopandas as gpd
import pandas as pd
import pyogrio
import pytest
import shapely

from layers import geopackage, postgis, store
from layers.backend import ordered
from layers.errors import StoreError
from layers.schema import MENTION_SCHEMA, TABLE_SCHEMAS, Tables, typed
from layers.selection import as_of
from layers.store import (
    LAYER_NAMES,
    Changes,
    Correction,
    StoreContents,
    StoreLocation,
    add_corrections,
    apply_changes,
    read_corrections,
    read_rows,
    read_store,
    read_tables,
    typed_projects,
    write_store,
)

DAWAN = "达万铁路扩能改造"


def _comparable(contents) -> dict[str, pd.DataFrame]:
    """Store contents without the build timestamp, geometry as WKB (exact comparison)."""
    projects = pd.DataFrame(contents.projects.drop(columns="geometry"))
    projects["wkb"] = [None if g is None else shapely.to_wkb(g, hex=True, output_dimension=2)
                       for g in contents.projects.geometry]  # fmt: skip
    return {
        "projects": projects,
        "mentions": contents.mentions,
        "documents": contents.documents,
        "corrections": contents.corrections,
    }


def _assert_same(a, b) -> None:
    for name, frame in _comparable(a).items():
        pd.testing.assert_frame_equal(frame, _comparable(b)[name], obj=name)


def _project_id(contents, name: str) -> str:
    return contents.projects.set_index("name").loc[name, "project_id"]


def test_a_geopackage_holds_one_layer_per_category_in_wgs84(tmp_path, corpus_tables) -> None:
    import pyogrio

    location = StoreLocation.parse(tmp_path / "p.gpkg")
    write_store(location, corpus_tables)
    layers = dict(pyogrio.list_layers(location.path))
    tables = {"mentions", "documents", "corrections", "builds", "uploads", *TABLE_SCHEMAS}
    assert set(LAYER_NAMES.values()) | tables == set(layers)
    for layer in LAYER_NAMES.values():
        info = pyogrio.read_info(location.path, layer=layer)
        assert info["crs"] == "EPSG:4326"
        assert {"project_id", "name", "precision", "geocode_method", "length_km"} <= set(
            info["fields"]
        )
    contents = read_store(location)
    assert len(contents.projects) == len(corpus_tables.projects)
    assert contents.projects.set_index("name").loc[DAWAN, "doc_ids"] == "000|003"
    assert contents.layer("railway")["length_km"].notna().any()


def test_rebuilding_gives_identical_content(tmp_path, corpus_tables) -> None:
    location = StoreLocation.parse(tmp_path / "p.gpkg")
    write_store(location, corpus_tables)
    first = read_store(location)
    write_store(location, corpus_tables)
    _assert_same(first, read_store(location))
    assert list(first.projects["project_id"]) == sorted(first.projects["project_id"])


@pytest.mark.parametrize(
    ("failure", "free", "reason"),
    [
        pytest.param(pyogrio.errors.DataSourceError("Failed to commit transaction"), 20_000,
                     "the disk holding {folder} is full", id="commit-fails-on-a-full-disk"),
        pytest.param(pyogrio.errors.DataSourceError("Failed to commit transaction"), 10**10,
                     "the file system refused the write", id="commit-fails-with-room-left"),
        pytest.param(OSError(errno.ENOSPC, "No space left on device"), None,
                     "the disk holding {folder} is full", id="ENOSPC"),
        pytest.param(OSError(errno.EDQUOT, "Disk quota exceeded"), 10**10,
                     "the disk quota for {folder} is used up", id="EDQUOT"),
        pytest.param(pyogrio.errors.FeatureError("failed to execute insert : database or disk "
                                                 "is full"), 10**10,
                     "the disk holding {folder} is full", id="sqlite-full"),
        pytest.param(PermissionError(errno.EACCES, "Permission denied"), 10**10,
                     "there is no permission to write in {folder}", id="EACCES"),
    ],
)  # fmt: skip
def test_a_failed_write_is_one_message_and_leaves_the_old_store(
    tmp_path, corpus_tables, monkeypatch, failure, free, reason
):
    path = tmp_path / "p.gpkg"
    location = StoreLocation.parse(path)
    write_store(location, corpus_tables)
    before = path.read_bytes()
    calls = {"n": 0}
    real = geopackage._write_layer

    def failing(*args, **kwargs):
        calls["n"] += 1
        if calls["n"] == 4:  # three layers already in the temporary file
            raise failure
        return real(*args, **kwargs)

    monkeypatch.setattr(geopackage, "_write_layer", failing)
    monkeypatch.setattr(geopackage, "_free_bytes", lambda folder: free)
    with pytest.raises(StoreError) as caught:
        write_store(location, corpus_tables)
    expected = reason.format(folder=tmp_path)
    assert caught.value.summary == (
        f"Could not write the store at {path}: {expected}. The store is unchanged."
    )
    assert caught.value.problems[0] == f"The system reported: {str(failure).rstrip('.')}."
    assert path.read_bytes() == before  # byte-identical
    assert [p.name for p in tmp_path.iterdir()] == ["p.gpkg"]  # no temporary file left


def test_a_real_write_failure_is_one_message_and_leaves_the_old_store(
    tmp_path, corpus_tables
) -> None:
    """GDAL itself fails (the file may not grow past 64 kB), not a stand-in for it."""
    path = tmp_path / "p.gpkg"
    location = StoreLocation.parse(path)
    write_store(location, corpus_tables)
    before = path.read_bytes()
    soft, hard = resource.getrlimit(resource.RLIMIT_FSIZE)
    handler = signal.signal(signal.SIGXFSZ, signal.SIG_IGN)  # fail the write, not the process
    resource.setrlimit(resource.RLIMIT_FSIZE, (64 * 1024, hard))
    try:
        with pytest.raises(StoreError, match=r"^Could not write the store at .*unchanged\."):
            write_store(location, corpus_tables)
    finally:
        resource.setrlimit(resource.RLIMIT_FSIZE, (soft, hard))
        signal.signal(signal.SIGXFSZ, handler)
    assert path.read_bytes() == before
    assert [p.name for p in tmp_path.iterdir()] == ["p.gpkg"]


def _dead_pid() -> int:
    child = subprocess.Popen([sys.executable, "-c", "pass"])
    child.wait()  # exited and reaped: the pid names no process now
    return child.pid


def test_temporary_files_of_killed_builds_go_on_the_next_write(
    tmp_path, corpus_tables, caplog
) -> None:
    path = tmp_path / "p.gpkg"
    dead = _dead_pid()
    live = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(120)"])
    try:
        leftovers = [f".p.{dead}.tmp.gpkg", f".p.{dead}.tmp.gpkg-journal"]
        kept = [f".p.{live.pid}.tmp.gpkg",  # a writer still at work
                f".other.{dead}.tmp.gpkg",  # another store's
                ".p.notapid.tmp.gpkg"]  # fmt: skip
        for name in [*leftovers, *kept]:
            (tmp_path / name).write_bytes(b"partial")
        with caplog.at_level(logging.WARNING, logger="layers.store"):
            write_store(StoreLocation.parse(path), corpus_tables)
        assert sorted(p.name for p in tmp_path.iterdir()) == sorted(["p.gpkg", *kept])
        assert "removed 2 temporary file(s) left by killed builds" in caplog.text
    finally:
        live.kill()
        live.wait()


def test_a_folder_where_the_store_should_be_is_one_message(tmp_path, corpus_tables) -> None:
    path = tmp_path / "p.gpkg"
    path.mkdir()
    location = StoreLocation.parse(path)
    message = f"Cannot read the store at {path}: it is a folder, not a GeoPackage file."
    with pytest.raises(StoreError) as caught:
        read_store(location)
    assert caught.value.summary == message
    with pytest.raises(StoreError, match="it is a folder, not a GeoPackage file"):
        write_store(location, corpus_tables)
    with pytest.raises(StoreError, match="it is a folder, not a GeoPackage file"):
        write_store(location, corpus_tables, uploads=store.read_uploads(
            StoreLocation.parse(tmp_path / "none.gpkg")))  # fmt: skip
    assert list(path.iterdir()) == []


def test_a_file_that_is_no_geopackage_is_one_message(tmp_path) -> None:
    path = tmp_path / "p.gpkg"
    path.write_text("not a store", encoding="utf-8")
    with pytest.raises(StoreError) as caught:
        read_store(StoreLocation.parse(path))
    assert caught.value.summary == (
        f"Cannot read the store at {path}: it is not a GeoPackage file, or it is damaged."
    )


def test_a_store_without_read_permission_is_one_message(tmp_path, monkeypatch) -> None:
    """Simulated: the tests run as root, whom no file mode keeps out."""
    path = tmp_path / "p.gpkg"
    path.write_bytes(b"")

    def refused(*args, **kwargs):
        raise pyogrio.errors.DataSourceError(f"{path}: Permission denied")

    monkeypatch.setattr(pyogrio, "list_layers", refused)
    with pytest.raises(StoreError) as caught:
        read_store(StoreLocation.parse(path))
    assert caught.value.summary == (
        f"Cannot read the store at {path}: there is no permission to read it."
    )


def test_a_store_whose_folder_cannot_be_made_is_one_message(tmp_path, corpus_tables) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("", encoding="utf-8")
    location = StoreLocation.parse(blocker / "p.gpkg")
    with pytest.raises(StoreError, match=r"^Could not lock the store at .*is a file, not a folder"):
        with store.store_lock(location):
            pass
    with pytest.raises(
        StoreError, match=r"^Could not write the store at .*is a file, not a folder"
    ):
        write_store(location, corpus_tables, uploads=store.read_uploads(location))


def test_a_malformed_schema_is_refused(tmp_path) -> None:
    with pytest.raises(StoreError, match=r"schema 'bad-name;drop' in the store DSN is not a plain"):
        StoreLocation.parse("postgresql://u:p@db/portal?schema=bad-name;drop")


def test_corrections_apply_and_survive_a_rebuild(tmp_path, corpus_tables) -> None:
    location = StoreLocation.parse(tmp_path / "p.gpkg")
    write_store(location, corpus_tables)
    pid = _project_id(read_store(location), DAWAN)
    add_corrections(location, [
        Correction(pid, "status", "completed", who="王工", why="2025年通车, 见新闻"),
        Correction(pid, "geometry", None, who="王工", why="traced on the map",
                   geometry_wkt="LINESTRING (107.47 31.21, 108.38 30.81)"),
        Correction(pid, "precision", "exact", who="王工", why="traced on the map"),
    ])  # fmt: skip
    result = write_store(location, corpus_tables, corrections=read_corrections(location))
    assert (result.applied, result.orphans) == (3, [])
    projects = read_store(location).projects
    row = projects.set_index("project_id").loc[pid]
    assert row["precision"] == "exact"
    assert row.geometry.equals(shapely.from_wkt("LINESTRING (107.47 31.21, 108.38 30.81)"))
    # The editor's word is a report known from the day it was given, never back-dated:
    # as of the newest document's year the stage stays as the documents left it.
    when = int(read_corrections(location)["when"].iloc[0][:4])
    assert "correction:" in row["statements"]
    assert pd.isna(row["status"]) or row["status"] != "completed"
    assert as_of(projects[projects["project_id"] == pid], when)["known_stage"].iloc[0] == (
        "completed"
    )
    # A second rebuild from the store's own corrections gives the same answer.
    write_store(location, corpus_tables, corrections=read_corrections(location))
    again = read_store(location).projects
    assert as_of(again[again["project_id"] == pid], when)["status"].iloc[0] == "completed"


def test_an_orphaned_correction_is_reported_and_kept(tmp_path, corpus_tables) -> None:
    location = StoreLocation.parse(tmp_path / "p.gpkg")
    write_store(location, corpus_tables)
    add_corrections(location, [Correction("rw-0000000000", "name", "旧线", who="李", why="test")])
    result = write_store(location, corpus_tables, corrections=read_corrections(location))
    assert len(result.orphans) == 1 and "rw-0000000000" in result.orphans[0]
    contents = read_store(location)
    assert list(contents.corrections["project_id"]) == ["rw-0000000000"]  # not dropped
    assert "rw-0000000000" in contents.builds["corrections_orphaned"].iloc[-1]


def test_malformed_corrections_are_refused_together(tmp_path, corpus_tables) -> None:
    location = StoreLocation.parse(tmp_path / "p.gpkg")
    write_store(location, corpus_tables)
    with pytest.raises(StoreError) as caught:
        add_corrections(location, [
            Correction("x", "project_id", "y", who="a", why="b"),
            Correction("x", "status", "finished", who="a", why="b"),
            Correction("x", "target_year", "soon", who="", why=""),
            Correction("x", "geometry", None, who="a", why="b", geometry_wkt="POINT (1"),
        ])  # fmt: skip
    assert len(caught.value.problems) == 5
    assert read_corrections(location).empty  # nothing written


def test_store_locations(monkeypatch, tmp_path) -> None:
    monkeypatch.delenv("PORTAL_STORE", raising=False)
    assert StoreLocation.parse(None).path == store.DEFAULT_STORE
    monkeypatch.setenv("PORTAL_STORE", "postgresql://u:secret@db/portal")
    location = StoreLocation.parse(None)
    assert location.kind == "postgis" and "secret" not in str(location)
    assert StoreLocation.parse(tmp_path / "x.gpkg").kind == "gpkg"
    with pytest.raises(StoreError, match="No store"):
        read_store(StoreLocation.parse(tmp_path / "missing.gpkg"))


@pytest.mark.postgis
def test_postgis_holds_what_the_geopackage_holds(tmp_path, corpus_tables, postgis_dsn) -> None:
    from sqlalchemy import create_engine, text

    gpkg = StoreLocation.parse(tmp_path / "p.gpkg")
    postgis = StoreLocation.parse(postgis_dsn)
    write_store(gpkg, corpus_tables)
    write_store(postgis, corpus_tables)
    _assert_same(read_store(gpkg), read_store(postgis))
    engine = create_engine(postgis.dsn.replace("postgresql://", "postgresql+psycopg://", 1))
    with engine.connect() as conn:
        indexes = conn.execute(text(
            "SELECT tablename FROM pg_indexes WHERE indexdef ILIKE '%USING gist%'"
            " AND schemaname = :schema"
        ), {"schema": postgis.schema}).scalars().all()  # fmt: skip
        srids = conn.execute(text(
            "SELECT DISTINCT srid FROM geometry_columns WHERE f_table_schema = :schema"
        ), {"schema": postgis.schema}).scalars().all()  # fmt: skip
    engine.dispose()
    assert set(LAYER_NAMES.values()) <= set(indexes)
    assert srids == [4326]


def _failing_after_the_layers(failure: Exception):
    """A stand-in for the COPY that raises once the six layers are copied (mid-transaction)."""
    real = postgis.copy_rows
    calls = {"n": 0}

    def copy_rows(*args, **kwargs):
        calls["n"] += 1
        if calls["n"] > len(LAYER_NAMES):
            raise failure
        return real(*args, **kwargs)

    return copy_rows


@pytest.mark.postgis
def test_postgis_build_is_one_transaction(corpus_tables, postgis_dsn, monkeypatch) -> None:
    location = StoreLocation.parse(postgis_dsn)
    write_store(location, corpus_tables)
    before = read_store(location)

    monkeypatch.setattr(postgis, "copy_rows", _failing_after_the_layers(
        OSError("connection lost (simulated)")))  # fmt: skip
    with pytest.raises(OSError, match="simulated"):
        write_store(location, corpus_tables)
    monkeypatch.undo()
    _assert_same(before, read_store(location))


@pytest.mark.postgis
def test_postgis_refusing_the_write_is_one_message(corpus_tables, postgis_dsn) -> None:
    """A real refusal: ``mentions`` is a view, which the rebuild cannot replace."""
    from sqlalchemy import create_engine, text

    location = StoreLocation.parse(postgis_dsn)
    write_store(location, corpus_tables)
    schema = location.schema
    engine = create_engine(location.dsn.replace("postgresql://", "postgresql+psycopg://", 1))
    with engine.begin() as conn:
        conn.execute(text(f'ALTER TABLE "{schema}".mentions RENAME TO mentions_kept'))
        conn.execute(text(f'CREATE VIEW "{schema}".mentions AS '
                          f'SELECT * FROM "{schema}".mentions_kept'))  # fmt: skip
    engine.dispose()
    before = read_store(location)
    with pytest.raises(StoreError) as caught:
        write_store(location, corpus_tables)
    assert caught.value.summary == (
        f"Could not write the store at {location} (schema {schema}): the database refused "
        "the write. The store is unchanged."
    )
    assert '"mentions" is not a table' in caught.value.problems[0]
    _assert_same(before, read_store(location))


@pytest.mark.postgis
def test_postgis_disk_full_is_one_message(corpus_tables, postgis_dsn, monkeypatch) -> None:
    import psycopg

    location = StoreLocation.parse(postgis_dsn)
    write_store(location, corpus_tables)
    before = read_store(location)

    full = psycopg.errors.DiskFull('could not extend file "base/1/2": No space left on device')
    monkeypatch.setattr(postgis, "copy_rows", _failing_after_the_layers(full))
    with pytest.raises(StoreError, match=r"the database server's disk is full\. The store is "):
        write_store(location, corpus_tables)
    monkeypatch.undo()
    _assert_same(before, read_store(location))


@pytest.mark.postgis
def test_postgis_corrections_survive_a_rebuild(corpus_tables, postgis_dsn) -> None:
    location = StoreLocation.parse(postgis_dsn)
    write_store(location, corpus_tables)
    pid = _project_id(read_store(location), DAWAN)
    add_corrections(location, [Correction(pid, "target_year", "2027", who="王", why="新方案")])
    write_store(location, corpus_tables, corrections=read_corrections(location))
    assert read_store(location).projects.set_index("project_id").loc[pid, "target_year"] == 2027


# --------------------------------------------------------------------------- apply_changes


def _small_tables() -> Tables:
    """Three projects in two layers, their mentions and two documents (no pipeline)."""
    projects = gpd.GeoDataFrame({
        "project_id": ["hw-1", "hw-2", "rs-1"], "name": ["达万高速", "城宣高速", "土溪口水库"],
        "category": ["highway", "highway", "reservoir"], "status": ["planned", None, "underway"],
        "target_year": [2027, None, 2025], "doc_ids": ["d1", "d1|d2", "d2"],
        "length_km": [81.5, None, None], "overdue": [False, None, True],
    }, geometry=[shapely.LineString([(107.4, 31.2), (108.3, 30.8)]), shapely.Point(107.7, 31.4),
                 shapely.box(107.9, 31.5, 108.0, 31.6)], crs="EPSG:4326")  # fmt: skip
    mentions = pd.DataFrame({
        "project_id": ["hw-1", "hw-2", "hw-2", "rs-1"], "doc_id": ["d1", "d1", "d2", "d2"],
        "status": ["planned", None, "planned", "underway"], "char_start": [3, 10, 4, 0],
        "quote": ["建设达万高速", "城宣高速", "推进城宣高速", "土溪口水库"],
        "reported": [True, None, False, True],
    })  # fmt: skip
    documents = pd.DataFrame({"doc_id": ["d1", "d2"], "title": ["规划", "报告"], "records": [2, 2]})
    return Tables(projects, mentions, documents)


def _new_park() -> tuple[gpd.GeoDataFrame, pd.DataFrame]:
    """A project far from the others (so a bounding box finds it alone), and its mention."""
    area = shapely.MultiPolygon([shapely.box(120.0, 40.0, 120.5, 40.5)])
    park = gpd.GeoDataFrame({"project_id": ["pk-9"], "name": ["江心岛公园"], "category": ["park"],
                             "target_year": [2030], "overdue": [False], "doc_ids": ["d2"]},
                            geometry=[area], crs="EPSG:4326")  # fmt: skip
    mention = pd.DataFrame({"project_id": ["pk-9"], "doc_id": ["d2"], "char_start": [12],
                            "quote": ["新建江心岛公园"], "reported": [True]})  # fmt: skip
    return park, mention


def _store_location(backend: str, tmp_path, request) -> StoreLocation:
    if backend == "gpkg":
        return StoreLocation.parse(tmp_path / "p.gpkg")
    return StoreLocation.parse(request.getfixturevalue("postgis_dsn"))


BACKENDS = ["gpkg", pytest.param("postgis", marks=pytest.mark.postgis)]


@pytest.mark.parametrize("backend", BACKENDS)
def test_applied_changes_read_back_as_a_build_of_them_would(backend, tmp_path, request) -> None:
    location = _store_location(backend, tmp_path, request)
    write_store(location, _small_tables())
    before = read_store(location)
    park, mention = _new_park()
    gone = frozenset({"rs-1"})
    apply_changes(location, Changes(
        removed={"projects": ("project_id", gone), "mentions": ("project_id", gone)},
        added={"projects": park, "mentions": mention},
    ))  # fmt: skip
    after = read_store(location)
    kept = before.projects[before.projects["project_id"] != "rs-1"]
    expected = StoreContents(
        typed_projects(pd.concat([kept, park], ignore_index=True)),
        ordered("mentions", typed(pd.concat(
            [before.mentions[before.mentions["project_id"] != "rs-1"], mention]), MENTION_SCHEMA)),
        before.documents, before.corrections,
    )  # fmt: skip
    _assert_same(expected, after)
    assert after.projects.set_index("project_id").loc["pk-9"].geometry.equals(park.geometry[0])
    assert after.layer("reservoir").empty and len(after.layer("park")) == 1
    assert len(after.builds) == 1  # untouched


@pytest.mark.parametrize("backend", BACKENDS)
def test_changes_that_fail_midway_leave_the_store_unchanged(backend, tmp_path, request) -> None:
    """The projects are deleted and inserted, then the mentions table refuses its rows
    (it lost a column): everything is rolled back."""
    location = _store_location(backend, tmp_path, request)
    write_store(location, _small_tables())
    if backend == "gpkg":
        with sqlite3.connect(location.file) as conn:
            conn.execute('ALTER TABLE mentions DROP COLUMN "quote"')
    else:
        from sqlalchemy import create_engine, text

        engine = create_engine(location.dsn.replace("postgresql://", "postgresql+psycopg://", 1))
        with engine.begin() as conn:
            conn.execute(text(f'ALTER TABLE "{location.schema}".mentions DROP COLUMN quote'))
        engine.dispose()
    before = read_store(location)
    park, mention = _new_park()
    gone = frozenset({"rs-1"})
    with pytest.raises(StoreError) as caught:
        apply_changes(location, Changes(removed={"projects": ("project_id", gone)},
                                        added={"projects": park, "mentions": mention}))  # fmt: skip
    assert caught.value.summary.startswith(f"Could not apply the changes at {location}")
    assert caught.value.summary.endswith("The store is unchanged.")
    assert "quote" in caught.value.problems[0]
    _assert_same(before, read_store(location))


def test_changes_that_do_not_fit_the_schema_are_refused_whole(tmp_path) -> None:
    location = StoreLocation.parse(tmp_path / "p.gpkg")
    write_store(location, _small_tables())
    before = location.file.read_bytes()
    park, mention = _new_park()
    with pytest.raises(StoreError) as caught:
        apply_changes(location, Changes(
            removed={"projects": ("project_id", frozenset({"hw-1"})), "roads": ("id", frozenset())},
            added={"projects": park.assign(category="canal"), "mentions": mention.assign(page=1),
                   "documents": pd.DataFrame({"doc_id": ["d3"]})},
        ))  # fmt: skip
    assert caught.value.problems == (
        "There is no table 'roads' to remove rows from.",
        "The projects to add have unknown categories: canal.",
        "Table 'mentions' has no column 'page'.",
    )
    assert location.file.read_bytes() == before
    with pytest.raises(StoreError, match="No store at"):
        apply_changes(StoreLocation.parse(tmp_path / "none.gpkg"), Changes())
    assert not (tmp_path / "none.gpkg").exists()


def test_each_location_has_one_backend_and_a_spec_that_names_it_again(tmp_path) -> None:
    gpkg = StoreLocation.parse(tmp_path / "p.gpkg")
    assert isinstance(gpkg.backend(), geopackage.GeoPackage)
    assert gpkg.backend().local_file() == tmp_path / "p.gpkg"
    assert gpkg.backend().version() == "missing"
    write_store(gpkg, _small_tables())
    stamp = gpkg.backend().version()
    add_corrections(gpkg, [Correction("hw-1", "status", "completed", who="王", why="通车")])
    assert gpkg.backend().version() != stamp  # changed in place: a new modification time
    shared = StoreLocation.parse("postgresql://u:secret@db/portal?sslmode=require&schema=office")
    assert isinstance(shared.backend(), postgis.PostGIS) and shared.backend().local_file() is None
    for location in (gpkg, shared):
        assert StoreLocation.parse(location.spec) == location
    assert str(shared) == "postgresql://u:***@db/portal?sslmode=require"


def test_read_tables_reads_only_the_tables_named(tmp_path) -> None:
    location = StoreLocation.parse(tmp_path / "p.gpkg")
    assert read_tables(location, ["documents"]) is None  # nothing built yet
    write_store(location, _small_tables())
    tables = read_tables(location, ["documents", "uploads"])
    assert list(tables) == ["documents", "uploads"]
    assert list(tables["documents"]["doc_id"]) == ["d1", "d2"] and tables["uploads"].empty
    with pytest.raises(StoreError, match="no table 'highways'"):
        read_tables(location, ["highways"])


@pytest.mark.parametrize("backend", BACKENDS)
def test_read_rows_reads_some_columns_of_the_rows_asked_for(backend, tmp_path, request) -> None:
    location = _store_location(backend, tmp_path, request)
    write_store(location, _small_tables())
    rows = read_rows(location, "mentions", columns=["project_id", "char_start"],
                     where=("project_id", frozenset({"hw-2", "o'neil"})))  # fmt: skip
    assert list(rows.columns) == ["project_id", "char_start"]
    assert (
        sorted(rows["char_start"].tolist()) == [4, 10] and str(rows["char_start"].dtype) == "Int64"
    )
    assert len(read_rows(location, "mentions", columns=["doc_id"])) == 4  # no filter: every row
    none = read_rows(location, "mentions", columns=["doc_id"], where=("doc_id", frozenset()))
    assert none.empty and list(none.columns) == ["doc_id"]
    absent = read_rows(location, "records", columns=["doc_id", "position"])  # not built: empty
    assert absent.empty and str(absent["position"].dtype) == "Int64"
    with pytest.raises(StoreError, match="no column 'nonsense'"):
        read_rows(location, "mentions", columns=["nonsense"])
