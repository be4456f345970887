"""A GeoPackage edited in place with Python's own sqlite3, in one transaction.

GDAL writes a GeoPackage whole, and rewriting a 600 MB store to change a hundred
rows takes seconds; SQLite can delete and insert those rows in milliseconds, its
journal making the edit atomic (a reader sees the old rows or the new ones, a
failure or a power cut leaves the old ones). Two things GDAL does for itself
must then be done here:

* Geometries are stored as GeoPackage blobs (the spec's "GeoPackageBinary"):
  ``GP``, a version byte, a flags byte (byte order, which envelope follows,
  whether the geometry is empty), the ``srs_id``, the envelope, then standard
  WKB. :func:`blobs_from_geometries` writes them the way GDAL reads them.
* Each spatial layer's R-tree is kept by triggers that call ``ST_IsEmpty`` and
  ``ST_MinX``/``ST_MaxX``/``ST_MinY``/``ST_MaxY``, functions GDAL registers on its
  own connections and plain sqlite3 lacks: :func:`connect` registers them, read
  from the blob header (its envelope, else the WKB).

``gpkg_contents`` gets the change time and a grown extent, as GDAL would give it;
the feature counts in ``gpkg_ogr_contents`` are kept by GDAL's own triggers.
"""

from __future__ import annotations

import contextlib
import sqlite3
import struct
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path
from urllib.parse import quote

import numpy as np
import shapely

from layers.backend import Addition, Changes, Removal, checked_changes, python_columns
from layers.errors import StoreError

_MAGIC = b"GP"
_EMPTY_FLAG = 0b0001_0000
_ENVELOPE_XY = 0b0000_0010  # envelope indicator 1 (minx, maxx, miny, maxy), in bits 1-3
_LITTLE_ENDIAN = 0b0000_0001
_ENVELOPE_DOUBLES = {0: 0, 1: 4, 2: 6, 3: 6, 4: 8}  # by envelope indicator
_BUSY_TIMEOUT_S = 30.0  # a reader holding the file makes the commit wait, not fail
_NOW = "strftime('%Y-%m-%dT%H:%M:%fZ', 'now')"  # GDAL's format for gpkg_contents.last_change


def blobs_from_geometries(
    geometries: Sequence[shapely.Geometry | None] | np.ndarray, *, srs_id: int
) -> list[bytes | None]:
    """GeoPackage blobs of ``geometries`` (None stays None): header with envelope, then WKB.

    Every non-empty geometry carries its envelope (GDAL leaves it out for points,
    which the spec allows either way), so the R-tree functions never parse WKB for
    rows written here.
    """
    values = np.asarray(geometries, dtype=object)
    present = np.array([g is not None for g in values], dtype=bool)
    out: list[bytes | None] = [None] * len(values)
    if not present.any():
        return out
    shapes = values[present]
    wkbs = shapely.to_wkb(shapes, flavor="iso", byte_order=1)
    empty = shapely.is_empty(shapes)
    bounds = shapely.bounds(shapes)
    for index, wkb, is_empty, (minx, miny, maxx, maxy) in zip(
        np.flatnonzero(present), wkbs, empty, bounds, strict=True
    ):
        if is_empty:
            header = struct.pack("<2sBBi", _MAGIC, 0, _LITTLE_ENDIAN | _EMPTY_FLAG, srs_id)
        else:
            header = struct.pack("<2sBBi4d", _MAGIC, 0, _LITTLE_ENDIAN | _ENVELOPE_XY, srs_id,
                                 minx, maxx, miny, maxy)  # fmt: skip
        out[index] = header + bytes(wkb)
    return out


def geometry_from_blob(blob: bytes) -> shapely.Geometry:
    """The geometry in a GeoPackage blob (the inverse of :func:`blobs_from_geometries`)."""
    _, _, offset = _header(blob)
    return shapely.from_wkb(bytes(blob[offset:]))


def _header(blob: bytes) -> tuple[bool, tuple[float, float, float, float] | None, int]:
    """(empty, envelope as minx/maxx/miny/maxy or None, where the WKB starts).

    Raises
    ------
    ValueError
        If the value is not a GeoPackage blob (a trigger then fails the change).
    """
    if len(blob) < 8 or blob[:2] != _MAGIC:
        raise ValueError("not a GeoPackage geometry blob")
    flags = blob[3]
    order = "<" if flags & _LITTLE_ENDIAN else ">"
    doubles = _ENVELOPE_DOUBLES.get((flags >> 1) & 0b111)
    if doubles is None:
        raise ValueError("a GeoPackage geometry blob with an invalid envelope indicator")
    envelope = None
    if doubles:
        minx, maxx, miny, maxy = struct.unpack_from(f"{order}4d", blob, 8)
        envelope = (minx, maxx, miny, maxy)
    return bool(flags & _EMPTY_FLAG), envelope, 8 + 8 * doubles


def _envelope(blob: bytes | None) -> tuple[float, float, float, float] | None:
    """minx, maxx, miny, maxy of a blob: from its header, else from its WKB."""
    if blob is None:
        return None
    empty, envelope, offset = _header(blob)
    if empty:
        return None
    if envelope is None:
        geometry = shapely.from_wkb(bytes(blob[offset:]))
        if geometry.is_empty:
            return None
        minx, miny, maxx, maxy = geometry.bounds
        envelope = (minx, maxx, miny, maxy)
    return envelope


def _st_is_empty(blob: bytes | None) -> int | None:
    if blob is None:
        return None
    empty, _, offset = _header(blob)
    return int(empty or shapely.from_wkb(bytes(blob[offset:])).is_empty)


def geometries_from_blobs(blobs: Sequence[bytes | None]) -> np.ndarray:
    """Shapely geometries of GeoPackage blobs (None stays None; an empty one is None too)."""
    out = np.full(len(blobs), None, dtype=object)
    wkb: list[bytes] = []
    rows: list[int] = []
    for i, blob in enumerate(blobs):
        if blob is None:
            continue
        empty, _, offset = _header(bytes(blob))
        if not empty:
            wkb.append(bytes(blob)[offset:])
            rows.append(i)
    if rows:
        out[np.asarray(rows)] = shapely.from_wkb(wkb)
    return out


def connect_to_read(path: Path) -> sqlite3.Connection:
    """A read-only sqlite3 connection to an existing GeoPackage (queries by the R-tree)."""
    return sqlite3.connect(f"file:{quote(str(path))}?mode=ro", uri=True,
                           timeout=_BUSY_TIMEOUT_S)  # fmt: skip


def _bound(position: int) -> Callable[[bytes | None], float | None]:
    """The SQL function for one bound of the envelope (0 minx, 1 maxx, 2 miny, 3 maxy)."""

    def bound(blob: bytes | None) -> float | None:
        envelope = _envelope(blob)
        return None if envelope is None else envelope[position]

    return bound


def connect(path: Path) -> sqlite3.Connection:
    """An sqlite3 connection to an existing GeoPackage, with the R-tree triggers' functions.

    Opened read-write but never created (a missing file is an error, not a new
    empty database), in autocommit mode so :func:`transaction` says where the
    one transaction begins and ends.
    """
    conn = sqlite3.connect(f"file:{quote(str(path))}?mode=rw", uri=True,
                           timeout=_BUSY_TIMEOUT_S, isolation_level=None)  # fmt: skip
    conn.create_function("ST_IsEmpty", 1, _st_is_empty, deterministic=True)
    for position, name in enumerate(("ST_MinX", "ST_MaxX", "ST_MinY", "ST_MaxY")):
        conn.create_function(name, 1, _bound(position), deterministic=True)
    return conn


@contextlib.contextmanager
def transaction(conn: sqlite3.Connection) -> Iterator[sqlite3.Connection]:
    """One write transaction: committed when the block ends, rolled back if it raises.

    ``BEGIN IMMEDIATE`` takes the write lock at once, so a second writer waits
    here rather than failing half-way through.
    """
    conn.execute("BEGIN IMMEDIATE")
    try:
        yield conn
    except BaseException:
        conn.rollback()
        raise
    conn.commit()


def apply_to_file(path: Path, changes: Changes, *, what: str = "apply the changes") -> None:
    """Delete ``changes.removed``, then insert ``changes.added``, in one transaction.

    Raises
    ------
    StoreError
        If the changes do not fit the schema or the store lacks a table they name.
    sqlite3.Error, OSError
        If the file refuses the change (the caller words it); nothing is changed.
    """
    removals, additions = checked_changes(changes)
    with contextlib.closing(connect(path)) as conn, transaction(conn):
        tables = {name for (name,) in conn.execute(
            "SELECT name FROM sqlite_master WHERE type = 'table'")}  # fmt: skip
        named = {r.table for r in removals} | {a.table for a in additions}
        missing = sorted(named - tables)
        if missing:
            raise StoreError(
                f"Could not {what} at {path}: it has no "
                f"{', '.join(missing)}. The store is unchanged.",
                ["Rebuild the store (`python scripts/build_layers.py`)."],
            )
        geometry_columns = {str(t).lower(): (str(c), int(s)) for t, c, s in conn.execute(
            "SELECT table_name, column_name, srs_id FROM gpkg_geometry_columns")}  # fmt: skip
        if removals:
            conn.execute("CREATE TEMP TABLE IF NOT EXISTS removed_keys (value TEXT PRIMARY KEY)")
        for removal in removals:
            _delete(conn, removal)
        for addition in additions:
            _insert(conn, addition, geometry_columns.get(addition.table.lower()))
        for table in sorted(named):
            conn.execute(f"UPDATE gpkg_contents SET last_change = {_NOW} "
                         "WHERE lower(table_name) = lower(?)", (table,))  # fmt: skip
        for addition in additions:
            if addition.spatial:
                _grow_extent(conn, addition)


def _delete(conn: sqlite3.Connection, removal: Removal) -> None:
    """Delete the rows whose key is one of the values (through a key table, not a
    parameter list, so thousands of keys are as good as one)."""
    conn.execute("DELETE FROM temp.removed_keys")
    conn.executemany("INSERT OR IGNORE INTO temp.removed_keys VALUES (?)",
                     [(v,) for v in removal.values])  # fmt: skip
    conn.execute(f"DELETE FROM {_quoted(removal.table)} WHERE {_quoted(removal.key)} "
                 "IN (SELECT value FROM temp.removed_keys)")  # fmt: skip


def _insert(conn: sqlite3.Connection, addition: Addition, geometry: tuple[str, int] | None) -> None:
    """Insert the rows; a spatial layer's geometry goes in as GeoPackage blobs."""
    columns = list(addition.schema)
    values = python_columns(addition.frame, columns)
    names = [_quoted(c) for c in columns]
    if addition.spatial:
        if geometry is None:
            raise StoreError(f"The layer {addition.table} has no geometry column.", [])
        column, srs_id = geometry
        names.append(_quoted(column))
        blobs: list[object] = [*blobs_from_geometries(addition.frame.geometry.array, srs_id=srs_id)]
        values.append(blobs)
    marks = ", ".join("?" * len(names))
    conn.executemany(
        f"INSERT INTO {_quoted(addition.table)} ({', '.join(names)}) VALUES ({marks})",
        zip(*values, strict=True),
    )


def _grow_extent(conn: sqlite3.Connection, addition: Addition) -> None:
    """Grow the layer's extent in gpkg_contents to cover the rows added (as GDAL does;
    removing rows never shrinks it)."""
    geometries = addition.frame.geometry
    geometries = geometries[geometries.notna() & ~geometries.is_empty]
    if geometries.empty:
        return
    minx, miny, maxx, maxy = (float(v) for v in geometries.total_bounds)
    conn.execute(
        "UPDATE gpkg_contents SET min_x = min(coalesce(min_x, :minx), :minx), "
        "min_y = min(coalesce(min_y, :miny), :miny), max_x = max(coalesce(max_x, :maxx), :maxx), "
        "max_y = max(coalesce(max_y, :maxy), :maxy) WHERE lower(table_name) = lower(:table)",
        {"minx": minx, "miny": miny, "maxx": maxx, "maxy": maxy, "table": addition.table},
    )


def _quoted(name: str) -> str:
    """An SQL identifier, quoted (table and column names come from the schema)."""
    return '"' + name.replace('"', '""') + '"'
