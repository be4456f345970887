"""The layer store: a GeoPackage file on one laptop, PostGIS for a shared office.

Both backends hold the same schema (DESIGN.md, fixed): one layer per category
(``highways``, ``railways``, ``reservoirs``, ``parks``, ``industrial_zones``,
``other``) in EPSG:4326, and the non-spatial tables ``mentions``, ``documents``,
``corrections`` and ``builds``. Reading casts every column to the declared type,
so the two backends read back identical frames.

Writes never leave a half-built store behind: a GeoPackage is written to a
temporary file beside the old one and moved over it in one rename; a PostGIS
build runs in one transaction. Corrections that people made are kept in the
store itself and re-applied on top of every build; a correction whose project
disappeared is reported, never silently dropped.
"""

from __future__ import annotations

import contextlib
import fcntl
import logging
import os
import re
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from functools import cache
from pathlib import Path
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

import geopandas as gpd
import pandas as pd
import pyogrio

from layers import BUILD_DIR
from layers.assemble import Tables
from layers.corrections import (
    Correction,
    applied_count,
    apply_corrections,
    corrections_frame,
    empty_corrections,
    validate_corrections,
)
from layers.errors import StoreError
from layers.schema import (
    BUILD_SCHEMA,
    CATEGORIES,
    CORRECTION_SCHEMA,
    CRS,
    DOCUMENT_SCHEMA,
    LAYER_NAMES,
    MENTION_SCHEMA,
    PROJECT_SCHEMA,
    TABLE_SCHEMAS,
    UPLOAD_SCHEMA,
    plain_dtypes,
    typed,
    typed_projects,
)

__all__ = [  # the store's public face; schema and corrections names re-exported for callers
    "CATEGORIES",
    "LAYER_NAMES",
    "PROJECT_SCHEMA",
    "BuildResult",
    "Correction",
    "StoreContents",
    "StoreLocation",
    "add_corrections",
    "latest_build",
    "plain_dtypes",
    "read_corrections",
    "read_store",
    "read_uploads",
    "store_fingerprint_matches",
    "store_lock",
    "typed_projects",
    "write_store",
]  # fmt: skip

logger = logging.getLogger(__name__)

STORE_ENV = "PORTAL_STORE"
DEFAULT_STORE = BUILD_DIR / "projects.gpkg"


# --------------------------------------------------------------------------- locations


@dataclass(frozen=True)
class StoreLocation:
    """Where the store lives: a GeoPackage path or a PostGIS DSN."""

    kind: str  # "gpkg" or "postgis"
    path: Path | None = None
    dsn: str | None = None
    schema: str = "public"

    @classmethod
    def parse(cls, spec: str | os.PathLike[str] | None = None) -> StoreLocation:
        """``spec``, else the PORTAL_STORE environment variable, else build/projects.gpkg.

        A ``postgresql://`` (or ``postgres://``) DSN selects PostGIS; anything else
        is a GeoPackage path.
        """
        value = str(spec) if spec else os.environ.get(STORE_ENV, "")
        if not value:
            return cls("gpkg", path=DEFAULT_STORE)
        if re.match(r"^postgres(?:ql)?(?:\+\w+)?://", value):
            parts = urlsplit(value)
            query = parse_qsl(parts.query)
            schema = next((v for k, v in query if k == "schema"), "public")
            if not re.fullmatch(r"[A-Za-z_][A-Za-z0-9_]*", schema):
                raise StoreError(f"Schema {schema!r} in the DSN is not a plain SQL name.", [])
            rest = urlencode([(k, v) for k, v in query if k != "schema"])
            return cls("postgis", dsn=urlunsplit(parts._replace(query=rest)), schema=schema)
        return cls("gpkg", path=Path(value))

    def __str__(self) -> str:
        if self.kind == "gpkg":
            return str(self.path)
        parts = urlsplit(self.dsn or "")
        netloc = parts.netloc
        if parts.password:
            netloc = netloc.replace(f":{parts.password}@", ":***@")
        return urlunsplit(parts._replace(netloc=netloc))

    @property
    def file(self) -> Path:
        """The GeoPackage's path (a programming error to ask a PostGIS location)."""
        if self.path is None:
            raise StoreError(f"{self} is not a GeoPackage.", [])
        return self.path

    def exists(self) -> bool:
        if self.kind == "gpkg":
            return self.path is not None and self.path.exists()
        with _engine(self).connect() as conn:
            return _pg_has_table(conn, "builds", self.schema)


@dataclass
class StoreContents:
    """Everything a store holds, typed as declared."""

    projects: gpd.GeoDataFrame
    mentions: pd.DataFrame
    documents: pd.DataFrame
    corrections: pd.DataFrame
    builds: pd.DataFrame = field(default_factory=pd.DataFrame)
    uploads: pd.DataFrame | None = None
    """Documents added in the portal (with their files); only read when asked for."""

    def layer(self, category: str) -> gpd.GeoDataFrame:
        return self.projects[self.projects["category"] == category]


def _write_gpkg_layer(frame: pd.DataFrame, path: Path, layer: str, *, spatial: bool) -> None:
    if spatial:
        pyogrio.write_dataframe(plain_dtypes(frame), path, layer=layer, driver="GPKG",
                                geometry_type="Unknown", spatial_index=True)  # fmt: skip
    else:
        pyogrio.write_dataframe(plain_dtypes(frame), path, layer=layer, driver="GPKG")


def _write_gpkg(contents: StoreContents, path: Path) -> None:
    """Write every table to a temporary file, then move it over ``path`` at once."""
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.stem}.{os.getpid()}.tmp.gpkg")
    tmp.unlink(missing_ok=True)
    try:
        for category, layer in LAYER_NAMES.items():
            _write_gpkg_layer(contents.layer(category), tmp, layer, spatial=True)
        for name, frame in _tables(contents):
            _write_gpkg_layer(frame, tmp, name, spatial=False)
        os.replace(tmp, path)
        _sync_directory(path.parent)
    finally:
        tmp.unlink(missing_ok=True)


def _read_gpkg(path: Path) -> StoreContents:
    if not path.exists():
        raise StoreError(f"No store at {path}.", ["Run `python scripts/build_layers.py` first."])
    present = {name for name, _ in pyogrio.list_layers(path)}
    missing = [n for n in (*LAYER_NAMES.values(), *TABLE_SCHEMAS) if n not in present]
    if missing:
        raise StoreError(f"The store at {path} is incomplete:", [f"no layer {n}" for n in missing])
    layers = [pyogrio.read_dataframe(path, layer=layer) for layer in LAYER_NAMES.values()]
    projects = gpd.GeoDataFrame(pd.concat(layers, ignore_index=True), geometry="geometry", crs=CRS)
    tables = {name: pyogrio.read_dataframe(path, layer=name, read_geometry=False)
              for name in TABLE_SCHEMAS}  # fmt: skip
    return _contents(projects, tables)


def _sync_directory(folder: Path) -> None:
    """Make the rename durable (a power cut must not bring back the old store)."""
    with contextlib.suppress(OSError):
        fd = os.open(folder, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)


def _read_gpkg_uploads(path: Path) -> pd.DataFrame:
    if not path.exists() or "uploads" not in {n for n, _ in pyogrio.list_layers(path)}:
        return typed(pd.DataFrame(columns=list(UPLOAD_SCHEMA)), UPLOAD_SCHEMA)
    return typed(pyogrio.read_dataframe(path, layer="uploads", read_geometry=False),
                 UPLOAD_SCHEMA)  # fmt: skip


def _add_gpkg_corrections(path: Path, rows: pd.DataFrame) -> None:
    pyogrio.write_dataframe(
        plain_dtypes(rows), path, layer="corrections", driver="GPKG", append=True
    )


# --------------------------------------------------------------------------- PostGIS


def _engine(location: StoreLocation):
    return _engine_for(location.dsn or "")


@cache
def _engine_for(dsn: str):
    """One engine (and connection pool) per server, shared by every read and write."""
    from sqlalchemy import create_engine

    return create_engine(re.sub(r"^postgres(?:ql)?://", "postgresql+psycopg://", dsn), future=True)


def _pg_has_table(conn, name: str, schema: str) -> bool:
    from sqlalchemy import inspect

    return inspect(conn).has_table(name, schema=schema)


def _write_postgis(contents: StoreContents, location: StoreLocation) -> None:
    """Replace every table in one transaction: a failure leaves the old store as it was."""
    from sqlalchemy import text

    schema = location.schema
    with _engine(location).begin() as conn:
        conn.execute(text("CREATE EXTENSION IF NOT EXISTS postgis"))
        conn.execute(text(f'CREATE SCHEMA IF NOT EXISTS "{schema}"'))
        for category, layer in LAYER_NAMES.items():
            frame = plain_dtypes(contents.layer(category))
            gpd.GeoDataFrame(frame, geometry="geometry", crs=CRS).to_postgis(
                layer, conn, schema=schema, if_exists="replace", index=False
            )
            conn.execute(text(f'CREATE INDEX IF NOT EXISTS "{layer}_geom_gist" '
                              f'ON "{schema}"."{layer}" USING GIST (geometry)'))  # fmt: skip
        for name, frame in _tables(contents):
            plain_dtypes(frame).to_sql(name, conn, schema=schema, if_exists="replace", index=False)


def _read_postgis(location: StoreLocation) -> StoreContents:
    from sqlalchemy import text

    schema = location.schema
    with _engine(location).connect() as conn:
        missing = [n for n in (*LAYER_NAMES.values(), *TABLE_SCHEMAS)
                   if not _pg_has_table(conn, n, schema)]  # fmt: skip
        if missing:
            raise StoreError(f"The store at {location} is incomplete:",
                             [f"no table {n}" for n in missing])  # fmt: skip
        layers = [gpd.read_postgis(text(f'SELECT * FROM "{schema}"."{layer}"'), conn,
                                   geom_col="geometry")
                  for layer in LAYER_NAMES.values()]  # fmt: skip
        tables = {name: pd.read_sql(text(f'SELECT * FROM "{schema}"."{name}"'), conn)
                  for name in TABLE_SCHEMAS}  # fmt: skip
    frames = [layer for layer in layers if len(layer)]
    projects = gpd.GeoDataFrame(
        pd.concat(frames, ignore_index=True) if frames else layers[0], geometry="geometry", crs=CRS
    )
    return _contents(projects, tables)


def _read_postgis_uploads(location: StoreLocation) -> pd.DataFrame:
    from sqlalchemy import text

    with _engine(location).connect() as conn:
        if not _pg_has_table(conn, "uploads", location.schema):
            return typed(pd.DataFrame(columns=list(UPLOAD_SCHEMA)), UPLOAD_SCHEMA)
        frame = pd.read_sql(text(f'SELECT * FROM "{location.schema}"."uploads"'), conn)
    return typed(frame, UPLOAD_SCHEMA)


def _add_postgis_corrections(location: StoreLocation, rows: pd.DataFrame) -> None:
    with _engine(location).begin() as conn:
        plain_dtypes(rows).to_sql(
            "corrections", conn, schema=location.schema, if_exists="append", index=False
        )


# --------------------------------------------------------------------------- public


def _tables(contents: StoreContents) -> Iterator[tuple[str, pd.DataFrame]]:
    yield "mentions", typed(contents.mentions, MENTION_SCHEMA)
    yield "documents", typed(contents.documents, DOCUMENT_SCHEMA)
    yield "corrections", typed(contents.corrections, CORRECTION_SCHEMA)
    yield "builds", typed(contents.builds, BUILD_SCHEMA)
    if contents.uploads is not None:
        yield "uploads", typed(contents.uploads, UPLOAD_SCHEMA)


def _contents(projects: pd.DataFrame, tables: dict[str, pd.DataFrame]) -> StoreContents:
    mentions = typed(tables["mentions"], MENTION_SCHEMA).sort_values(
        ["project_id", "doc_id", "char_start"], kind="stable"
    )
    return StoreContents(
        typed_projects(projects),
        mentions.reset_index(drop=True),
        typed(tables["documents"], DOCUMENT_SCHEMA).sort_values("doc_id").reset_index(drop=True),
        typed(tables["corrections"], CORRECTION_SCHEMA),
        typed(tables["builds"], BUILD_SCHEMA),
    )


def read_store(location: StoreLocation) -> StoreContents:
    """Everything in the store, typed as declared.

    Raises
    ------
    StoreError
        If there is no store there, or it lacks a layer or table.
    """
    return _read_postgis(location) if location.kind == "postgis" else _read_gpkg(location.file)


def read_current(location: StoreLocation) -> StoreContents | None:
    """The store's contents, or None when nothing has been built there yet.

    Raises
    ------
    StoreError
        If the server cannot be reached, or the store is incomplete.
    """
    try:
        exists = location.exists()
    except Exception as exc:  # a server that cannot be reached (any driver error) is reported
        raise StoreError(f"Cannot reach the store at {location}:", [str(exc)]) from exc
    return read_store(location) if exists else None


def read_corrections(location: StoreLocation) -> pd.DataFrame:
    """The corrections kept in a store; none when there is no store yet."""
    current = read_current(location)
    return empty_corrections() if current is None else current.corrections


def read_uploads(location: StoreLocation) -> pd.DataFrame:
    """The documents published from the portal, with their files; none without a store."""
    if location.kind == "postgis":
        with _reported(location):
            return _read_postgis_uploads(location)
    return _read_gpkg_uploads(location.file)


@contextlib.contextmanager
def _reported(location: StoreLocation) -> Iterator[None]:
    """A server that cannot be reached becomes one clear StoreError, not a traceback."""
    from sqlalchemy.exc import OperationalError

    try:
        yield
    except OperationalError as exc:
        raise StoreError(f"Cannot reach the store at {location}:", [str(exc.orig)]) from exc


@contextlib.contextmanager
def store_lock(location: StoreLocation) -> Iterator[None]:
    """Hold the store for one read-modify-write (a publish, a rebuild).

    Two editors publishing at once must both land: the second waits until the
    first has replaced the store, then reads the store with the first's document
    in it. A GeoPackage is locked with a lock file beside it (``flock``), a
    PostGIS store with an advisory lock named after its schema.
    """
    if location.kind == "gpkg":
        location.file.parent.mkdir(parents=True, exist_ok=True)
        lock_path = location.file.with_name(location.file.name + ".lock")
        with open(lock_path, "a+b") as handle:
            fcntl.flock(handle, fcntl.LOCK_EX)
            try:
                yield
            finally:
                fcntl.flock(handle, fcntl.LOCK_UN)
        return
    from sqlalchemy import text

    key = f"plan-portal-store:{location.schema}"
    with _reported(location), _engine(location).connect() as conn:
        conn.execute(text("SELECT pg_advisory_lock(hashtext(:key))"), {"key": key})
        conn.commit()
        try:
            yield
        finally:
            conn.execute(text("SELECT pg_advisory_unlock(hashtext(:key))"), {"key": key})
            conn.commit()


def add_corrections(location: StoreLocation, corrections: Sequence[Correction]) -> pd.DataFrame:
    """Record corrections in the store (they apply from the next build on).

    Raises
    ------
    StoreError
        If a correction is malformed; nothing is written then.
    """
    rows = corrections_frame(list(corrections))
    problems = validate_corrections(rows)
    if problems:
        raise StoreError("Some corrections cannot be recorded:", problems)
    if location.kind == "postgis":
        _add_postgis_corrections(location, rows)
    else:
        _add_gpkg_corrections(location.file, rows)
    return rows


@dataclass
class BuildResult:
    """What a build wrote, for the command line's summary."""

    contents: StoreContents
    applied: int
    orphans: list[str]


def write_store(
    location: StoreLocation,
    tables: Tables,
    *,
    corrections: pd.DataFrame | None = None,
    uploads: pd.DataFrame | None = None,
    fingerprint: str = "",
) -> BuildResult:
    """Apply ``corrections`` to a fresh build and replace the store with the result.

    The corrections table is written back whole, orphans included, so nothing a
    person did is lost; the orphans are listed in the result and in ``builds``.
    ``uploads`` (documents published in the portal) default to the ones the store
    already holds, so a rebuild never drops an editor's work.
    """
    corrections = (
        empty_corrections() if corrections is None else typed(corrections, CORRECTION_SCHEMA)
    )
    uploads = read_uploads(location) if uploads is None else typed(uploads, UPLOAD_SCHEMA)
    doc_ids = frozenset(tables.documents["doc_id"].astype(str))
    projects, orphans = apply_corrections(
        typed_projects(tables.projects), corrections, doc_ids=doc_ids
    )
    applied = applied_count(corrections, orphans, doc_ids)
    builds = pd.DataFrame([{
        "built_at": datetime.now(UTC).isoformat(timespec="microseconds"),
        "fingerprint": fingerprint, "documents": len(tables.documents),
        "projects": len(projects), "corrections_applied": applied,
        "corrections_orphaned": "\n".join(orphans),
    }])  # fmt: skip
    mentions = typed(tables.mentions, MENTION_SCHEMA).sort_values(
        ["project_id", "doc_id", "char_start"], kind="stable"
    )
    documents = typed(tables.documents, DOCUMENT_SCHEMA).sort_values("doc_id")
    contents = StoreContents(projects, mentions.reset_index(drop=True),
                             documents.reset_index(drop=True), corrections, builds,
                             uploads)  # fmt: skip
    if location.kind == "postgis":
        _write_postgis(contents, location)
    else:
        _write_gpkg(contents, location.file)
    logger.info("store %s: %d projects, %d corrections applied, %d orphaned",
                location, len(projects), applied, len(orphans))  # fmt: skip
    return BuildResult(contents, applied, orphans)


def latest_build(location: StoreLocation) -> str | None:
    """When the store was last built (a cheap version stamp for caches); None without one."""
    if location.kind == "gpkg":
        if not location.path or not location.path.exists():
            return None
        frame = pyogrio.read_dataframe(location.path, layer="builds", read_geometry=False)
        return str(frame["built_at"].iloc[-1]) if len(frame) else None
    from sqlalchemy import text

    with _reported(location), _engine(location).connect() as conn:
        if not _pg_has_table(conn, "builds", location.schema):
            return None
        value = conn.execute(text(f'SELECT max(built_at) FROM "{location.schema}"."builds"'))
        return value.scalar()


def store_fingerprint_matches(location: StoreLocation, fingerprint: str) -> bool:
    """Whether the newest build in the store was made from exactly these inputs."""
    with contextlib.suppress(StoreError, OSError, pyogrio.errors.DataSourceError):
        if location.exists():
            builds = read_store(location).builds
            return bool(len(builds)) and builds["fingerprint"].iloc[-1] == fingerprint
    return False
