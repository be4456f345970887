"""The layer store: a GeoPackage file on one laptop, PostGIS for a shared office.

Both backends hold the same schema (DESIGN.md, fixed): one layer per category
(``highways``, ``railways``, ``reservoirs``, ``parks``, ``industrial_zones``,
``other``) in EPSG:4326, and the non-spatial tables ``mentions``, ``documents``,
``corrections``, ``builds`` and ``uploads``. Reading casts every column to the
declared type, so the two backends read back identical frames.

This module is the store's public face; the backends behind it
(:mod:`layers.geopackage`, :mod:`layers.postgis`) implement one interface,
:class:`layers.backend.Backend`, and :meth:`StoreLocation.backend` chooses one
once, from the location. Writes never leave a half-built store behind: a full
build replaces the store at once (a rename, or one transaction), and
:func:`apply_changes` deletes and inserts rows in one transaction. A write that
fails (a full disk, a folder that cannot be written, a database that refuses)
becomes one :class:`StoreError` saying what happened and that the store is
unchanged. Corrections that people made are kept in the store itself and
re-applied on top of every build; a correction whose project disappeared is
reported, never silently dropped.
"""

from __future__ import annotations

import contextlib
import logging
import os
import re
from collections.abc import Sequence
from contextlib import AbstractContextManager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

import geopandas as gpd
import pandas as pd
import pyogrio

from layers import BUILD_DIR
from layers.backend import CORE_TABLES, Backend, Changes, StoreContents, empty_table, ordered
from layers.corrections import (
    Correction,
    applied_count,
    apply_corrections,
    corrections_frame,
    empty_corrections,
    validate_corrections,
)
from layers.errors import StoreError
from layers.geopackage import GeoPackage
from layers.postgis import PostGIS
from layers.schema import (
    CATEGORIES,
    CORRECTION_SCHEMA,
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
from layers.viewport import ProjectSummary, View, ViewRequest

__all__ = [  # the store's public face; schema and corrections names re-exported for callers
    "CATEGORIES",
    "LAYER_NAMES",
    "PROJECT_SCHEMA",
    "Backend",
    "BuildResult",
    "Changes",
    "Correction",
    "StoreContents",
    "StoreLocation",
    "add_corrections",
    "apply_changes",
    "backend_for",
    "latest_build",
    "plain_dtypes",
    "project_summary",
    "read_corrections",
    "read_projects",
    "read_rows",
    "read_store",
    "read_tables",
    "read_uploads",
    "read_view",
    "store_fingerprint_matches",
    "store_lock",
    "typed_projects",
    "write_store",
]  # fmt: skip

logger = logging.getLogger(__name__)

STORE_ENV = "PORTAL_STORE"
DEFAULT_STORE = BUILD_DIR / "projects.gpkg"


@dataclass(frozen=True)
class StoreLocation:
    """Where the store lives: a GeoPackage path or a PostGIS DSN.

    ``kind`` ("gpkg" or "postgis") is for display and tests; code that acts on
    the store asks :meth:`backend`, never ``kind``.
    """

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

    def backend(self) -> Backend:
        """The backend that keeps the store here (cheap: nothing is opened yet)."""
        return backend_for(self)

    def __str__(self) -> str:
        return str(self.backend())

    @property
    def spec(self) -> str:
        """A string :meth:`parse` reads back as this location (a cache key)."""
        return self.backend().spec

    @property
    def file(self) -> Path:
        """The GeoPackage's path (a programming error to ask a PostGIS location)."""
        if self.path is None:
            raise StoreError(f"{self} is not a GeoPackage.", [])
        return self.path

    def exists(self) -> bool:
        return self.backend().exists()


def backend_for(location: StoreLocation) -> Backend:
    """The one place a location's kind is looked at: it chooses the backend."""
    if location.kind == "postgis":
        return PostGIS(location.dsn or "", schema=location.schema)
    if location.path is None:
        raise StoreError("A GeoPackage store needs the path of its file.", [])
    return GeoPackage(location.path)


def read_store(location: StoreLocation) -> StoreContents:
    """Everything in the store, typed as declared.

    Raises
    ------
    StoreError
        If there is no store there, it cannot be read (a folder, no permission,
        not a GeoPackage), or it lacks a layer or table.
    """
    return location.backend().read()


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


def read_tables(location: StoreLocation, names: Sequence[str]) -> dict[str, pd.DataFrame] | None:
    """Only the named non-spatial tables, typed as declared; None before the first build.

    Much cheaper than :func:`read_store` when a step needs a few small tables. A
    table the store lacks (built before the table existed) is empty.

    Raises
    ------
    StoreError
        If a name is no table of the store's schema, or the store cannot be read.
    """
    try:
        exists = location.exists()
    except Exception as exc:  # a server that cannot be reached (any driver error) is reported
        raise StoreError(f"Cannot reach the store at {location}:", [str(exc)]) from exc
    return location.backend().read_tables(names) if exists else None


def read_rows(
    location: StoreLocation,
    name: str,
    *,
    columns: Sequence[str],
    where: tuple[str, frozenset[str]] | None = None,
) -> pd.DataFrame:
    """Some columns of table ``name``, of the rows whose ``where`` column holds one of its
    values (all rows when None), typed as declared; empty when the store lacks it.

    A publish into a store of a thousand documents needs every record's project
    but the words of only a hundred records: reading just those, filtered by the
    file or the server, is what keeps it within seconds.

    Raises
    ------
    StoreError
        If the store has no such table or column, or cannot be read.
    """
    return location.backend().read_rows(name, columns=columns, where=where)


def read_view(location: StoreLocation, request: ViewRequest) -> View:
    """The projects in a map's view, or their counts per cell when more than the
    request's limit (:mod:`layers.viewport`): how the portal serves a store too large
    to read whole.

    Raises
    ------
    StoreError
        If the store cannot be read.
    """
    return location.backend().read_view(request)


def read_projects(location: StoreLocation, project_ids: Sequence[str]) -> gpd.GeoDataFrame:
    """The stored projects of these ids (every column): one project opened in a large store.

    Raises
    ------
    StoreError
        If the store cannot be read.
    """
    return location.backend().read_projects(project_ids)


def project_summary(location: StoreLocation) -> ProjectSummary:
    """How many projects the store holds, their target years and its as-of year (one query).

    Raises
    ------
    StoreError
        If the store cannot be read.
    """
    return location.backend().project_summary()


def read_uploads(location: StoreLocation) -> pd.DataFrame:
    """The documents published from the portal, with their files; none without a store."""
    return location.backend().read_uploads()


def store_lock(location: StoreLocation) -> AbstractContextManager[None]:
    """Hold the store for one read-modify-write (a publish, a rebuild).

    Two editors publishing at once must both land: the second waits until the
    first has replaced the store, then reads the store with the first's document
    in it. A GeoPackage is locked with a lock file beside it (``flock``), a
    PostGIS store with an advisory lock named after its schema.
    """
    return location.backend().lock()


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
    location.backend().append_corrections(rows)
    return rows


def apply_changes(location: StoreLocation, changes: Changes) -> None:
    """Delete ``changes.removed``, then insert ``changes.added``, in one transaction.

    The incremental counterpart of :func:`write_store`: a publish that touches a
    hundred rows of a store of a hundred thousand need not rewrite the rest.
    Nothing is applied on top (corrections, sorting): the rows go in as given,
    cast to the declared types. Run it under :func:`store_lock` when the changes
    were worked out from what the store held, so no other writer comes between.

    Raises
    ------
    StoreError
        If the changes do not fit the schema (nothing is written), there is no
        store, it lacks a table they name, or the file or server refuses; the
        store is then unchanged.
    """
    location.backend().apply(changes)
    logger.info("store %s: changed %s", location, ", ".join(
        [f"-{table}" for table in changes.removed] + [f"+{len(f)} {t}" for t, f in
                                                       changes.added.items()]))  # fmt: skip


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
    mentions = ordered("mentions", typed(tables.mentions, MENTION_SCHEMA))
    documents = ordered("documents", typed(tables.documents, DOCUMENT_SCHEMA))
    others = {name: typed(_table_of(tables, name), schema)  # any table beyond the core four
              for name, schema in TABLE_SCHEMAS.items() if name not in CORE_TABLES}  # fmt: skip
    contents = StoreContents(projects, mentions, documents, corrections, builds, uploads,
                             others)  # fmt: skip
    location.backend().replace(contents)
    logger.info("store %s: %d projects, %d corrections applied, %d orphaned",
                location, len(projects), applied, len(orphans))  # fmt: skip
    return BuildResult(contents, applied, orphans)


def _table_of(tables: Tables, name: str) -> pd.DataFrame:
    """Table ``name`` of a build (``Tables.<name>``), empty when the build made none."""
    frame = getattr(tables, name, None)
    return empty_table(name) if frame is None else frame


def latest_build(location: StoreLocation) -> str | None:
    """When the store was last built (a cheap version stamp for caches); None without one."""
    return location.backend().latest_build()


def store_fingerprint_matches(location: StoreLocation, fingerprint: str) -> bool:
    """Whether the newest build in the store was made from exactly these inputs."""
    with contextlib.suppress(StoreError, OSError, pyogrio.errors.DataSourceError):
        if location.exists():
            builds = read_store(location).builds
            return bool(len(builds)) and builds["fingerprint"].iloc[-1] == fingerprint
    return False
