"""The layer store: a GeoPackage file on one laptop, PostGIS for a shared office.

Both backends hold the same schema (DESIGN.md, fixed): one layer per category
(``highways``, ``railways``, ``reservoirs``, ``parks``, ``industrial_zones``,
``other``) in EPSG:4326, and the non-spatial tables ``mentions``, ``documents``,
``corrections`` and ``builds``. Reading casts every column to the declared type,
so the two backends read back identical frames.

Writes never leave a half-built store behind: a GeoPackage is written to a
temporary file beside the old one and moved over it in one rename; a PostGIS
build runs in one transaction. A write that fails (a full disk, a folder that
cannot be written, a database that refuses) becomes one :class:`StoreError`
saying what happened and that the store is unchanged, and its temporary file is
removed; temporary files that killed builds left behind are removed by the next
write. Corrections that people made are kept in the store itself and re-applied
on top of every build; a correction whose project disappeared is reported, never
silently dropped.
"""

from __future__ import annotations

import contextlib
import errno
import fcntl
import logging
import os
import re
import sqlite3
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
    Tables,
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

# What writing or reading a GeoPackage raises when the disk, the folder or the file
# fails us (GDAL errors come through pyogrio; sqlite3 and OSError from Python itself).
_GPKG_ERRORS: tuple[type[Exception], ...] = (
    pyogrio.errors.DataSourceError,
    pyogrio.errors.DataLayerError,
    OSError,
    sqlite3.Error,
)
# GDAL rarely says "disk full" plainly (a full disk may surface as "Failed to commit
# transaction" or "no such table"), so a failure with less than this free is read as one.
_LOW_SPACE_BYTES = 1 << 20
_DISK_FULL_TEXT = re.compile(r"disk is full|no space left|not enough space", re.IGNORECASE)
_QUOTA_TEXT = re.compile(r"quota", re.IGNORECASE)
_NO_PERMISSION_TEXT = re.compile(r"permission denied|readonly database|read-only", re.IGNORECASE)
_TEMP_SIDE_FILES = ("", "-journal", "-wal", "-shm")  # SQLite's companions of a database file


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
                raise StoreError(
                    f"The schema {schema!r} in the store DSN is not a plain SQL name "
                    "(letters, digits and _, not starting with a digit).",
                    [],
                )
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


def _temp_path(path: Path, pid: int) -> Path:
    """Where process ``pid`` writes the next version of the store at ``path``."""
    return path.with_name(f".{path.stem}.{pid}.tmp.gpkg")


def _remove_quietly(path: Path) -> None:
    """Remove a temporary file and its SQLite companions; a failure here must not hide
    the error being reported."""
    for suffix in _TEMP_SIDE_FILES:
        with contextlib.suppress(OSError):
            path.with_name(path.name + suffix).unlink(missing_ok=True)


def _pid_alive(pid: int) -> bool:
    """Whether process ``pid`` may still be running; unsure counts as running."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except (OSError, OverflowError):  # another user's process, or not a pid at all
        return True
    return True


def _remove_dead_temp_files(path: Path) -> int:
    """Remove the temporary files of writers of ``path`` that are no longer running.

    A build that is killed (Ctrl-C twice, an OOM kill, a power cut) leaves its
    ``.<stem>.<pid>.tmp.gpkg`` behind, and nothing else ever removes it. Only a
    file whose process is gone is removed: a live writer's file is its work in
    progress. Returns how many files were removed (and logs it).
    """
    pattern = re.compile(rf"\.{re.escape(path.stem)}\.([0-9]+)\.tmp\.gpkg(?:-journal|-wal|-shm)?")
    try:
        names = sorted(os.listdir(path.parent))
    except OSError:
        return 0
    removed: list[str] = []
    for name in names:
        match = pattern.fullmatch(name)
        if not match or int(match.group(1)) == os.getpid() or _pid_alive(int(match.group(1))):
            continue
        try:
            (path.parent / name).unlink()
        except FileNotFoundError:
            continue  # another writer removed it first
        except OSError as exc:
            logger.warning("store %s: cannot remove leftover temporary file %s: %s",
                           path, name, exc)  # fmt: skip
            continue
        removed.append(name)
    if removed:
        logger.warning("store %s: removed %d temporary file(s) left by killed builds: %s",
                       path, len(removed), ", ".join(removed))  # fmt: skip
    return len(removed)


def _said(exc: BaseException) -> str:
    """What the system said, on one line, as the end of a sentence."""
    return " ".join(str(exc).split()).rstrip(".") or type(exc).__name__


def _free_bytes(folder: Path) -> int | None:
    """Space left to ordinary users on the disk holding ``folder`` (None if unknown)."""
    try:
        stats = os.statvfs(folder)
    except OSError:
        return None
    return stats.f_bavail * stats.f_frsize


def _is_dir(path: Path) -> bool:
    try:
        return path.is_dir()
    except OSError:
        return False


def _write_reason(path: Path, exc: BaseException, free: int | None) -> str:
    """What went wrong writing ``path``, in words a person can act on."""
    code = exc.errno if isinstance(exc, OSError) else None
    text = str(exc)
    folder = path.parent
    by_code = {
        errno.EDQUOT: f"the disk quota for {folder} is used up",
        errno.ENOSPC: f"the disk holding {folder} is full",
        errno.EROFS: f"{folder} is on a read-only disk",
        errno.EACCES: f"there is no permission to write in {folder}",
        errno.EPERM: f"there is no permission to write in {folder}",
        errno.ENOTDIR: f"{folder} (or a folder above it) is a file, not a folder",
        errno.EEXIST: f"{folder} (or a folder above it) is a file, not a folder",
    }
    if code in by_code:
        return by_code[code]
    if _QUOTA_TEXT.search(text):
        return by_code[errno.EDQUOT]
    if _DISK_FULL_TEXT.search(text) or (free is not None and free < _LOW_SPACE_BYTES):
        return by_code[errno.ENOSPC]
    if _NO_PERMISSION_TEXT.search(text):
        return by_code[errno.EACCES]
    if _is_dir(path):
        return f"{path} is a folder, not a GeoPackage file"
    return "the file system refused the write"


def _gpkg_write_error(
    path: Path, exc: BaseException, *, free: int | None, what: str = "write the store"
) -> StoreError:
    """The StoreError for a failed GeoPackage write (``free`` measured at the failure)."""
    details = [f"The system reported: {_said(exc)}."]
    if free is not None:
        details.append(f"{free / 1e6:.1f} MB is free on the disk holding {path.parent}.")
    return StoreError(
        f"Could not {what} at {path}: {_write_reason(path, exc, free)}. The store is unchanged.",
        details,
    )


def _write_gpkg(contents: StoreContents, path: Path) -> None:
    """Write every table to a temporary file, then move it over ``path`` at once.

    Raises
    ------
    StoreError
        If the folder or the disk refuses the write; the old store is left as it
        was and the temporary file is removed.
    """
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise _gpkg_write_error(path, exc, free=_free_bytes(path.parent)) from exc
    if _is_dir(path):  # found before the write, not after minutes of it
        raise StoreError(
            f"Could not write the store at {path}: it is a folder, not a GeoPackage file.",
            ["Give --store (or PORTAL_STORE) the path of a .gpkg file."],
        )
    _remove_dead_temp_files(path)
    tmp = _temp_path(path, os.getpid())
    _remove_quietly(tmp)
    try:
        for category, layer in LAYER_NAMES.items():
            _write_gpkg_layer(contents.layer(category), tmp, layer, spatial=True)
        for name, frame in _tables(contents):
            _write_gpkg_layer(frame, tmp, name, spatial=False)
        os.replace(tmp, path)
    except _GPKG_ERRORS as exc:  # free space is measured while the temporary file holds it
        raise _gpkg_write_error(path, exc, free=_free_bytes(path.parent)) from exc
    finally:
        _remove_quietly(tmp)
    _sync_directory(path.parent)


def _read_reason(path: Path, exc: BaseException) -> str:
    if _is_dir(path):
        return "it is a folder, not a GeoPackage file"
    code = exc.errno if isinstance(exc, OSError) else None
    if code in (errno.EACCES, errno.EPERM) or _NO_PERMISSION_TEXT.search(str(exc)):
        return "there is no permission to read it"
    return "it is not a GeoPackage file, or it is damaged"


@contextlib.contextmanager
def _gpkg_read_errors(path: Path) -> Iterator[None]:
    """A store that cannot be read (a folder, no permission, not a GeoPackage) becomes
    one StoreError naming it, not a GDAL traceback."""
    try:
        yield
    except _GPKG_ERRORS as exc:
        if _is_dir(path):
            details = ["Give --store (or PORTAL_STORE) the path of a .gpkg file."]
        else:
            details = [f"The system reported: {_said(exc)}."]
        raise StoreError(
            f"Cannot read the store at {path}: {_read_reason(path, exc)}.", details
        ) from exc


def _read_gpkg(path: Path) -> StoreContents:
    with _gpkg_read_errors(path):
        if not path.exists():
            raise StoreError(f"No store at {path}.",
                             ["Run `python scripts/build_layers.py` first."])  # fmt: skip
        present = {name for name, _ in pyogrio.list_layers(path)}
        missing = [n for n in (*LAYER_NAMES.values(), *TABLE_SCHEMAS) if n not in present]
        if missing:
            raise StoreError(f"The store at {path} is incomplete:",
                             [f"no layer {n}" for n in missing])  # fmt: skip
        layers = [pyogrio.read_dataframe(path, layer=layer) for layer in LAYER_NAMES.values()]
        tables = {name: pyogrio.read_dataframe(path, layer=name, read_geometry=False)
                  for name in TABLE_SCHEMAS}  # fmt: skip
    projects = gpd.GeoDataFrame(pd.concat(layers, ignore_index=True), geometry="geometry", crs=CRS)
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
    with _gpkg_read_errors(path):
        if not path.exists() or "uploads" not in {n for n, _ in pyogrio.list_layers(path)}:
            return typed(pd.DataFrame(columns=list(UPLOAD_SCHEMA)), UPLOAD_SCHEMA)
        frame = pyogrio.read_dataframe(path, layer="uploads", read_geometry=False)
    return typed(frame, UPLOAD_SCHEMA)


def _add_gpkg_corrections(path: Path, rows: pd.DataFrame) -> None:
    """Append the rows in one GDAL transaction: a failure records none of them."""
    try:
        pyogrio.write_dataframe(
            plain_dtypes(rows), path, layer="corrections", driver="GPKG", append=True
        )
    except _GPKG_ERRORS as exc:
        free = _free_bytes(path.parent)
        raise _gpkg_write_error(path, exc, free=free, what="record the corrections") from exc


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


def _database_error(location: StoreLocation, exc: Exception, what: str) -> StoreError:
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
    where = str(location)
    if location.schema != "public":
        where += f" (schema {location.schema})"
    return StoreError(
        f"Could not {what} at {where}: {reason}. The store is unchanged.",
        [f"The database reported: {_said(orig)}."],
    )


@contextlib.contextmanager
def _database_write(location: StoreLocation, what: str) -> Iterator[None]:
    """A write the database refuses becomes one StoreError (the transaction rolled back)."""
    import psycopg
    from sqlalchemy.exc import DBAPIError

    try:
        yield
    except (DBAPIError, psycopg.Error) as exc:
        raise _database_error(location, exc, what) from exc


def _write_postgis(contents: StoreContents, location: StoreLocation) -> None:
    """Replace every table in one transaction: a failure leaves the old store as it was.

    Raises
    ------
    StoreError
        If the server refuses (disk full, no permission, connection lost).
    """
    with _database_write(location, "write the store"):
        _write_postgis_tables(contents, location)


def _write_postgis_tables(contents: StoreContents, location: StoreLocation) -> None:
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
    with _database_write(location, "record the corrections"), _engine(location).begin() as conn:
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
        If there is no store there, it cannot be read (a folder, no permission,
        not a GeoPackage), or it lacks a layer or table.
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
        lock_path = location.file.with_name(location.file.name + ".lock")
        try:
            location.file.parent.mkdir(parents=True, exist_ok=True)
            handle = open(lock_path, "a+b")  # closed by the with below
        except OSError as exc:
            free = _free_bytes(location.file.parent)
            raise _gpkg_write_error(location.file, exc, free=free, what="lock the store") from exc
        with handle:
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

    Raises
    ------
    StoreError
        If the store cannot be read or written (a full disk, a folder that cannot
        be written, a database that refuses); the old store is then unchanged.
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
        with _gpkg_read_errors(location.file):
            if not location.file.exists():
                return None
            frame = pyogrio.read_dataframe(location.file, layer="builds", read_geometry=False)
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
