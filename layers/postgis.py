"""The PostGIS backend: the store in one schema of a shared PostgreSQL server.

Rows go in through ``COPY ... FROM STDIN`` (psycopg 3), geometries as EWKB with
SRID 4326: a 1,000-document store (43,000 projects, 76,000 mentions) is written
in seconds, where row-by-row inserts through GeoPandas took over a minute. A
full build copies every table into a staging table and then swaps them all in
(drop the old table, rename the new one, rename its spatial index): all of it one
transaction, so readers see the old store or the new one, and they wait only for
the swap, not for the copy. Incremental changes delete and copy in one
transaction too. A write the server refuses (a full disk, no permission, a lost
connection) becomes one :class:`StoreError` by its SQLSTATE, and is rolled back.
"""

from __future__ import annotations

import contextlib
import re
from collections.abc import Iterator, Mapping, Sequence
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING, Any, cast
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from layers.backend import (
    CORE_TABLES,
    Changes,
    StoreContents,
    checked_changes,
    contents_from_tables,
    empty_table,
    layers_of,
    non_spatial_schema,
    ordered,
    python_columns,
    said,
    store_tables,
    tables_of,
    typed_columns,
)
from layers.errors import StoreError
from layers.schema import (
    CRS,
    LAYER_NAMES,
    ON_DEMAND_TABLES,
    PROJECT_SCHEMA,
    TABLE_SCHEMAS,
    typed,
    typed_projects,
)
from layers.viewport import (
    ProjectSummary,
    View,
    ViewRequest,
    cells_from_rows,
    cells_sql,
    count_sql,
    empty_projects,
    features_sql,
    projects_from_rows,
    summary_from_rows,
    summary_from_values,
    summary_sql,
    view_params,
)

if TYPE_CHECKING:
    from psycopg import Cursor
    from psycopg.adapt import Dumper
    from sqlalchemy.engine import Connection, Engine

SRID = 4326
# The SQL type of each declared type: what GeoPandas' writer used to create, so a
# store reads back the same frames whichever version wrote it.
_SQL_TYPES = {
    "string": "text",
    "Int64": "double precision",
    "Float64": "double precision",
    "boolean": "boolean",
}
_STAGING = "{}__staging"  # where a full build copies a table before swapping it in
_TEXT = (25, "text")  # the type OID and name of text, for a column the table lacks
_EWKB_SRID_FLAG = 0x2000_0000
_SRID_BYTES = SRID.to_bytes(4, "little")


class PostGIS:
    """The store in schema ``schema`` of the server at ``dsn`` (see
    :class:`layers.backend.Backend`)."""

    def __init__(self, dsn: str, *, schema: str = "public") -> None:
        self.dsn = dsn
        self.schema = schema

    def __str__(self) -> str:
        parts = urlsplit(self.dsn)
        netloc = parts.netloc
        if parts.password:
            netloc = netloc.replace(f":{parts.password}@", ":***@")
        return urlunsplit(parts._replace(netloc=netloc))

    def __repr__(self) -> str:
        return f"PostGIS({str(self)!r}, schema={self.schema!r})"

    @property
    def spec(self) -> str:
        parts = urlsplit(self.dsn)
        query = [*parse_qsl(parts.query), ("schema", self.schema)]
        return urlunsplit(parts._replace(query=urlencode(query)))

    def local_file(self) -> Path | None:
        return None

    def version(self) -> str:
        """The time of the newest build (one small query), so an editor's publish
        reaches every viewer of a shared store on their next click."""
        return self.latest_build() or "missing"

    def exists(self) -> bool:
        with _engine_for(self.dsn).connect() as conn:
            return _has_table(conn, "builds", self.schema)

    def read(self) -> StoreContents:
        from sqlalchemy import text

        schema = self.schema
        with self._reported(), _engine_for(self.dsn).connect() as conn:
            present = {n for n in (*LAYER_NAMES.values(), *TABLE_SCHEMAS)
                       if _has_table(conn, n, schema)}  # fmt: skip
            missing = [n for n in (*LAYER_NAMES.values(), *CORE_TABLES) if n not in present]
            if missing:
                raise StoreError(f"The store at {self} is incomplete:",
                                 [f"no table {n}" for n in missing])  # fmt: skip
            layers = [gpd.read_postgis(text(f"SELECT * FROM {self._table(layer)}"), conn,
                                       geom_col="geometry")
                      for layer in LAYER_NAMES.values()]  # fmt: skip
            tables = {name: pd.read_sql(text(f"SELECT * FROM {self._table(name)}"), conn)
                      for name in TABLE_SCHEMAS
                      if name in present and name not in ON_DEMAND_TABLES}  # fmt: skip
        frames = [layer for layer in layers if len(layer)]
        projects = gpd.GeoDataFrame(pd.concat(frames, ignore_index=True) if frames else layers[0],
                                    geometry="geometry", crs=CRS)  # fmt: skip
        return contents_from_tables(projects, tables)

    def read_rows(
        self, name: str, *, columns: Sequence[str], where: tuple[str, frozenset[str]] | None
    ) -> pd.DataFrame:
        """Some columns of the rows wanted, filtered by the server (``= ANY`` of an array)."""
        from sqlalchemy import text

        typed_columns(name, None, columns)  # an unknown table or column is refused first
        select = ", ".join(_name(c) for c in columns)
        query = f"SELECT {select} FROM {self._table(name)}"
        params: dict[str, object] = {}
        if where is not None:
            column, values = where
            if not values:
                return typed_columns(name, None, columns)
            typed_columns(name, None, [column])
            query += f" WHERE {_name(column)} = ANY(:values)"
            params["values"] = sorted(str(v) for v in values)
        with self._reported(), _engine_for(self.dsn).connect() as conn:
            if not _has_table(conn, name, self.schema):
                return typed_columns(name, None, columns)
            frame = pd.read_sql(text(query), conn, params=params)
        return typed_columns(name, frame, columns)

    def read_view(self, request: ViewRequest) -> View:
        """The projects in a view, or their counts per cell (:mod:`layers.viewport`).

        First counts the matches up to the limit (cheap, through the GiST index),
        then either fetches them, simplified by the server, or groups them by cell.
        """
        from sqlalchemy import text

        params = view_params(request)
        schema = self.schema
        with self._reported(), _engine_for(self.dsn).connect() as conn:
            # A view's queries are short: compiling them (JIT) costs more than it saves,
            # and grouping a million centres by cell wants a hash table, not a disk sort.
            conn.execute(text("SET LOCAL jit = off"))
            conn.execute(text("SET LOCAL work_mem = '64MB'"))
            found = conn.execute(text(count_sql(request, dialect="postgis", schema=schema)),
                                 params).scalar()  # fmt: skip
            if int(found or 0) > request.limit:
                rows = pd.read_sql(text(cells_sql(request, dialect="postgis", schema=schema)),
                                   conn, params=params)  # fmt: skip
                cells = cells_from_rows(rows)
                return View(request, int(cells["count"].sum()), empty_projects(), cells)
            rows = pd.read_sql(text(features_sql(request, dialect="postgis", schema=schema)),
                               conn, params=params)  # fmt: skip
        wkb = rows.pop("geometry_wkb")
        geometries = shapely.from_wkb([bytes(g) if g is not None else None for g in wkb])
        return View(request, len(rows), projects_from_rows(rows, geometries, tolerance=None))

    def read_projects(self, project_ids: Sequence[str]) -> gpd.GeoDataFrame:
        """The stored projects of these ids, every column (a project opened from a large store)."""
        from sqlalchemy import text

        if not project_ids:
            return empty_projects()
        parts = [f"SELECT * FROM {self._table(layer)} WHERE project_id = ANY(:ids)"
                 for layer in LAYER_NAMES.values()]  # fmt: skip
        with self._reported(), _engine_for(self.dsn).connect() as conn:
            frame = gpd.read_postgis(
                text(" UNION ALL ".join(parts)),
                conn,
                geom_col="geometry",
                params={"ids": sorted({str(i) for i in project_ids})},
            )
        return typed_projects(gpd.GeoDataFrame(frame, geometry="geometry", crs=CRS))

    def project_summary(self) -> ProjectSummary:
        """How many projects, their target years and the store's year: one small query."""
        from sqlalchemy import text

        with self._reported(), _engine_for(self.dsn).connect() as conn:
            present = [layer for layer in LAYER_NAMES.values()
                       if _has_table(conn, layer, self.schema)]  # fmt: skip
            if not present:  # not a store (yet): reading it says what is missing
                return summary_from_values(0, None, None, None)
            query = summary_sql(present, qualified=[self._table(t) for t in present])
            rows = conn.execute(text(query)).all()
        return summary_from_rows([tuple(r) for r in rows])

    def read_tables(self, names: Sequence[str]) -> dict[str, pd.DataFrame]:
        """The named non-spatial tables, typed (one the schema lacks is empty)."""
        from sqlalchemy import text

        schemas = {name: non_spatial_schema(name) for name in names}
        with self._reported(), _engine_for(self.dsn).connect() as conn:
            frames = {name: pd.read_sql(text(f"SELECT * FROM {self._table(name)}"), conn)
                      for name in names if _has_table(conn, name, self.schema)}  # fmt: skip
        return {name: ordered(name, typed(frames[name], schema)) if name in frames
                else empty_table(name) for name, schema in schemas.items()}  # fmt: skip

    def read_uploads(self) -> pd.DataFrame:
        return self.read_tables(["uploads"])["uploads"]

    def latest_build(self) -> str | None:
        from sqlalchemy import text

        with self._reported(), _engine_for(self.dsn).connect() as conn:
            if not _has_table(conn, "builds", self.schema):
                return None
            value = conn.execute(text(f'SELECT max(built_at) FROM "{self.schema}"."builds"'))
            found = value.scalar()
        return None if found is None else str(found)

    def replace(self, contents: StoreContents) -> None:
        """Copy every table into staging tables, then swap them in, in one transaction.

        Raises
        ------
        StoreError
            If the server refuses (disk full, no permission, a table that is a
            view); nothing is changed then.
        """
        tables = [(layer, frame, PROJECT_SCHEMA, True) for layer, frame in layers_of(
            contents.projects)]  # fmt: skip
        schemas = store_tables()
        tables += [(name, frame, schemas[name], False) for name, frame in tables_of(contents)]
        with self._write("write the store") as cursor:
            cursor.execute("CREATE EXTENSION IF NOT EXISTS postgis")
            cursor.execute(f"CREATE SCHEMA IF NOT EXISTS {_name(self.schema)}")
            for name, frame, declared, spatial in tables:
                self._stage(cursor, name, frame, declared, spatial=spatial)
            for name, _, _, spatial in tables:
                self._swap_in(cursor, name, spatial=spatial)

    def _stage(self, cursor: Cursor[Any], name: str, frame: pd.DataFrame,
               declared: Mapping[str, str], *, spatial: bool) -> None:  # fmt: skip
        """Create the staging table of ``name`` and copy ``frame`` into it."""
        staging = _STAGING.format(name)
        columns = [f"{_name(c)} {_SQL_TYPES[dtype]}" for c, dtype in declared.items()]
        if spatial:
            columns.append(f"geometry geometry(Geometry, {SRID})")
        cursor.execute(f"DROP TABLE IF EXISTS {self._table(staging)}")
        cursor.execute(f"CREATE TABLE {self._table(staging)} ({', '.join(columns)})")
        if spatial:  # areas are kilobytes of coordinates, which compress poorly and slowly
            cursor.execute(f"ALTER TABLE {self._table(staging)} "
                           "ALTER COLUMN geometry SET STORAGE EXTERNAL")  # fmt: skip
        copy_rows(cursor, self._table(staging), frame, declared, spatial=spatial)
        if spatial:
            cursor.execute(f"CREATE INDEX {_name(staging + '_geom_gist')} "
                           f"ON {self._table(staging)} USING GIST (geometry)")  # fmt: skip

    def _swap_in(self, cursor: Cursor[Any], name: str, *, spatial: bool) -> None:
        staging = _STAGING.format(name)
        cursor.execute(f"DROP TABLE IF EXISTS {self._table(name)}")
        cursor.execute(f"ALTER TABLE {self._table(staging)} RENAME TO {_name(name)}")
        if spatial:
            cursor.execute(f"ALTER INDEX {self._table(staging + '_geom_gist')} "
                           f"RENAME TO {_name(name + '_geom_gist')}")  # fmt: skip

    def append_corrections(self, rows: pd.DataFrame) -> None:
        self._change(Changes(added={"corrections": rows}), what="record the corrections")

    def apply(self, changes: Changes) -> None:
        """Delete, then copy in, in one transaction.

        Raises
        ------
        StoreError
            If the changes do not fit the schema, the store lacks a table they
            name, or the server refuses; nothing is changed then.
        """
        self._change(changes, what="apply the changes")

    def _change(self, changes: Changes, *, what: str) -> None:
        removals, additions = checked_changes(changes)
        with self._write(what) as cursor:
            cursor.execute("SELECT table_name FROM information_schema.tables "
                           "WHERE table_schema = %s", [self.schema])  # fmt: skip
            present = {str(table) for (table,) in cursor.fetchall()}
            named = {r.table for r in removals} | {a.table for a in additions}
            missing = sorted(named - present)
            if missing:
                raise StoreError(
                    f"Could not {what} at {self._where()}: it has no {', '.join(missing)}. "
                    "The store is unchanged.",
                    ["Rebuild the store (`python scripts/build_layers.py`)."],
                )
            for removal in removals:
                cursor.execute(f"DELETE FROM {self._table(removal.table)} "
                               f"WHERE {_name(removal.key)}::text = ANY(%s)",
                               [list(removal.values)])  # fmt: skip
            for addition in additions:
                copy_rows(cursor, self._table(addition.table), addition.frame, addition.schema,
                          spatial=addition.spatial)  # fmt: skip

    @contextlib.contextmanager
    def lock(self) -> Iterator[None]:
        """An advisory lock named after the schema, held until the block ends."""
        from sqlalchemy import text

        key = f"plan-portal-store:{self.schema}"
        with self._reported(), _engine_for(self.dsn).connect() as conn:
            conn.execute(text("SELECT pg_advisory_lock(hashtext(:key))"), {"key": key})
            conn.commit()
            try:
                yield
            finally:
                conn.execute(text("SELECT pg_advisory_unlock(hashtext(:key))"), {"key": key})
                conn.commit()

    @contextlib.contextmanager
    def _write(self, what: str) -> Iterator[Cursor[Any]]:
        """A psycopg cursor in one transaction, committed when the block ends.

        A refusal rolls everything back and becomes one StoreError.
        """
        import psycopg
        from sqlalchemy.exc import DBAPIError

        try:
            with _engine_for(self.dsn).begin() as conn:
                driver = cast("psycopg.Connection[Any]", conn.connection.driver_connection)
                with driver.cursor() as cursor:
                    yield cursor
        except (DBAPIError, psycopg.Error) as exc:
            raise _database_error(self._where(), exc, what) from exc

    @contextlib.contextmanager
    def _reported(self) -> Iterator[None]:
        """A server that cannot be reached becomes one clear StoreError, not a traceback."""
        from sqlalchemy.exc import OperationalError

        try:
            yield
        except OperationalError as exc:
            raise StoreError(f"Cannot reach the store at {self}:", [str(exc.orig)]) from exc

    def _table(self, name: str) -> str:
        return f"{_name(self.schema)}.{_name(name)}"

    def _where(self) -> str:
        return str(self) if self.schema == "public" else f"{self} (schema {self.schema})"


def copy_rows(
    cursor: Cursor[Any],
    table: str,
    frame: pd.DataFrame,
    declared: Mapping[str, str],
    *,
    spatial: bool,
) -> None:
    """COPY the frame's declared columns (and its geometry) into ``table``, in binary.

    Each value is made what its column holds (the column types are read from
    the table: a store written by an older version may keep a flag as a
    number); geometries go in as EWKB with SRID 4326. Binary COPY sends the
    geometries' bytes as they are, half the size of their hex text, and the
    server does not parse them from text.
    """
    types = _column_types(cursor, table)
    columns = list(declared)
    plain = python_columns(frame, columns)
    values = [_as_sql(column, types.get(name, _TEXT)[1])
              for name, column in zip(columns, plain, strict=True)]  # fmt: skip
    oids = [types.get(name, _TEXT)[0] for name in columns]
    names = [_name(c) for c in columns]
    if spatial:
        oid = types.get("geometry", _TEXT)[0]
        cursor.adapters.register_dumper(None, _geometry_dumper(oid))
        names.append("geometry")
        oids.append(oid)
        geometries: list[object] = [*ewkb(frame.geometry.array)]
        values.append(geometries)
    statement = f"COPY {table} ({', '.join(names)}) FROM STDIN (FORMAT BINARY)"
    with cursor.copy(statement) as copy:
        copy.set_types(oids)
        for row in zip(*values, strict=True):
            copy.write_row(row)


def ewkb(geometries: Sequence[shapely.Geometry | None] | np.ndarray) -> list[bytes | None]:
    """EWKB with SRID 4326 (little-endian), None for no geometry.

    The SRID goes into the WKB GEOS writes (a flag in the type word, then the
    SRID): cheaper than giving every geometry an SRID first, which copies it.
    """
    wkbs = shapely.to_wkb(np.asarray(geometries, dtype=object), flavor="extended", byte_order=1)
    out: list[bytes | None] = []
    for wkb in wkbs:
        if wkb is None:
            out.append(None)
            continue
        kind = int.from_bytes(wkb[1:5], "little") | _EWKB_SRID_FLAG
        out.append(b"\x01" + kind.to_bytes(4, "little") + _SRID_BYTES + wkb[5:])
    return out


def _as_sql(values: list[object], type_name: str) -> list[object]:
    """Python values as a column of PostgreSQL type ``type_name`` takes them."""
    if type_name in {"float8", "float4", "numeric"}:
        return [None if v is None else float(v) for v in values]  # type: ignore[arg-type]
    if type_name in {"int8", "int4", "int2"}:
        return [None if v is None else int(v) for v in values]  # type: ignore[call-overload]
    if type_name == "bool":
        return [None if v is None else bool(v) for v in values]
    return values


def _column_types(cursor: Cursor[Any], table: str) -> dict[str, tuple[int, str]]:
    """Column -> (type OID, type name) of ``table`` (a quoted, schema-qualified name)."""
    cursor.execute(
        "SELECT a.attname, a.atttypid, t.typname FROM pg_attribute a "
        "JOIN pg_type t ON t.oid = a.atttypid "
        "WHERE a.attrelid = %s::regclass AND a.attnum > 0 AND NOT a.attisdropped",
        [table],
    )
    return {str(name): (int(oid), str(type_name)) for name, oid, type_name in cursor.fetchall()}


@cache
def _geometry_dumper(oid: int) -> type[Dumper]:
    """A binary dumper that sends EWKB bytes as they are, as PostGIS type ``oid``
    (PostGIS gets its OID when it is installed, so it is looked up, not known)."""
    from psycopg.adapt import Dumper
    from psycopg.pq import Format

    class GeometryDumper(Dumper):
        format = Format.BINARY

        def dump(self, obj: Any) -> bytes:
            return bytes(obj)

    GeometryDumper.oid = oid
    return GeometryDumper


def _name(identifier: str) -> str:
    """A quoted SQL identifier (names come from the schema and a checked DSN)."""
    return '"' + identifier.replace('"', '""') + '"'


@cache
def _engine_for(dsn: str) -> Engine:
    """One engine (and connection pool) per server, shared by every read and write."""
    from sqlalchemy import create_engine

    return create_engine(re.sub(r"^postgres(?:ql)?://", "postgresql+psycopg://", dsn), future=True)


def _has_table(conn: Connection, name: str, schema: str) -> bool:
    from sqlalchemy import inspect

    return inspect(conn).has_table(name, schema=schema)


def _database_error(where: str, exc: Exception, what: str) -> StoreError:
    """The StoreError for a write the database refused, by its SQLSTATE class."""
    from sqlalchemy.exc import DBAPIError, OperationalError

    orig = exc.orig if isinstance(exc, DBAPIError) and exc.orig is not None else exc
    state = str(getattr(orig, "sqlstate", None) or "")
    if state == "53100":
        reason = "the database server's disk is full"
    elif state.startswith("53"):
        reason = "the database server ran out of resources (memory, disk or connections)"
    elif state == "42501":
        reason = "the database refused: this login has no permission to write there"
    elif state == "25006":
        reason = "the database refused: it is read-only"
    elif state.startswith("08") or (not state and isinstance(exc, OperationalError)):
        reason = "the connection to the database failed"
    else:
        reason = "the database refused the write"
    return StoreError(
        f"Could not {what} at {where}: {reason}. The store is unchanged.",
        [f"The database reported: {said(orig)}."],
    )
