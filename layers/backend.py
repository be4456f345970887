"""What a store backend must do, and the values the store trades with it.

The store lives in a GeoPackage file (one laptop) or a PostGIS schema (a shared
office). :class:`Backend` names every operation the store needs of either, so
``layers/store.py`` chooses an implementation once, from the location, and no
other code asks which one it has. The values the operations trade in are here
too: :class:`StoreContents` (everything a store holds) and :class:`Changes` (rows
to delete and rows to insert, for an incremental update), with the checks and
casts both backends share, so the two cannot drift apart in what they accept.
No I/O here.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from contextlib import AbstractContextManager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Protocol

import geopandas as gpd
import pandas as pd
import pyproj

from layers.errors import StoreError
from layers.schema import (
    CATEGORIES,
    CRS,
    LAYER_NAMES,
    PROJECT_SCHEMA,
    TABLE_SCHEMAS,
    UPLOAD_SCHEMA,
    typed,
    typed_projects,
)
from layers.viewport import ProjectSummary, View, ViewRequest

PROJECTS = "projects"
"""The name :class:`Changes` uses for the projects: one table to the caller, six
layers (one per category) in the store."""

CORE_TABLES = ("mentions", "documents", "corrections", "builds")
"""The non-spatial tables every store has, each a field of :class:`StoreContents`; a
store without one is incomplete. Any further table of ``TABLE_SCHEMAS`` is optional
(a store built before it existed reads it as empty) and kept in ``others``."""

# The order a reader gets rows in, whichever backend wrote them: a database returns
# rows in no set order once some were deleted, and the newest build must come last.
_ROW_ORDER: dict[str, list[str]] = {
    "mentions": ["project_id", "doc_id", "char_start"],
    "documents": ["doc_id"],
    "builds": ["built_at"],
}


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
    others: dict[str, pd.DataFrame] = field(default_factory=dict)
    """Every further table of ``TABLE_SCHEMAS`` (beyond :data:`CORE_TABLES`), by name."""

    def layer(self, category: str) -> gpd.GeoDataFrame:
        return self.projects[self.projects["category"] == category]

    def table(self, name: str) -> pd.DataFrame:
        """Table ``name`` of ``TABLE_SCHEMAS`` (empty when these contents lack it)."""
        if name in CORE_TABLES:
            frame: pd.DataFrame = getattr(self, name)
            return frame
        return self.others.get(name, empty_table(name))


@dataclass(frozen=True)
class Changes:
    """An incremental update: rows to delete, then rows to insert, in one transaction.

    Tables are named as in the store's schema: ``"projects"`` (split by the
    ``category`` column into the six category layers; a removal applies to all
    six), every table of :data:`layers.schema.TABLE_SCHEMAS` (``mentions``,
    ``documents``, ``corrections``, ``builds``...) and ``uploads``.

    Attributes
    ----------
    removed
        Table -> (key column, key values): every row whose key column holds one
        of the values is deleted.
    added
        Table -> rows to insert. Columns are cast to the declared types; a
        column the schema does not declare is refused, one it declares but the
        frame lacks is null. Projects need their geometry, in EPSG:4326.
    """

    removed: Mapping[str, tuple[str, frozenset[str]]] = field(default_factory=dict)
    added: Mapping[str, pd.DataFrame] = field(default_factory=dict)


@dataclass(frozen=True)
class Removal:
    """One checked deletion: rows of ``table`` whose ``key`` is one of ``values``."""

    table: str
    key: str
    values: tuple[str, ...]


@dataclass(frozen=True)
class Addition:
    """One checked insertion into a stored table (a layer for projects), typed as declared."""

    table: str
    frame: pd.DataFrame
    schema: Mapping[str, str]
    spatial: bool


class Backend(Protocol):
    """The operations the store needs of a place that keeps its tables.

    Implemented by :class:`layers.geopackage.GeoPackage` and
    :class:`layers.postgis.PostGIS`. Every write either happens whole or not at
    all, and a refusal (a full disk, no permission, a damaged file, a database
    that says no) is one :class:`StoreError` ending "The store is unchanged.".
    """

    def __str__(self) -> str:
        """Where the store is, for messages (never with a password)."""
        ...

    @property
    def spec(self) -> str:
        """A string :meth:`layers.store.StoreLocation.parse` reads back as this store."""
        ...

    def local_file(self) -> Path | None:
        """The file holding the store when it is one on this machine, else None."""
        ...

    def version(self) -> str:
        """A stamp that changes whenever the store does (for caches), ``"missing"`` without one."""
        ...

    def exists(self) -> bool:
        """Whether a store has been built here."""
        ...

    def read(self) -> StoreContents:
        """Everything in the store (not the uploads), typed as declared."""
        ...

    def read_tables(self, names: Sequence[str]) -> dict[str, pd.DataFrame]:
        """The named non-spatial tables, typed as declared (one the store lacks is empty)."""
        ...

    def read_rows(
        self, name: str, *, columns: Sequence[str], where: tuple[str, frozenset[str]] | None
    ) -> pd.DataFrame:
        """Some columns of a non-spatial table, of the rows whose ``where[0]`` is one of
        ``where[1]`` (all rows when None), typed as declared; empty when the store lacks it."""
        ...

    def read_uploads(self) -> pd.DataFrame:
        """The documents published from the portal; none without a store."""
        ...

    def read_view(self, request: ViewRequest) -> View:
        """The projects in a map's view, or their counts per cell when too many
        (:mod:`layers.viewport`), through the store's spatial index."""
        ...

    def read_projects(self, project_ids: Sequence[str]) -> gpd.GeoDataFrame:
        """The stored projects of these ids, every column, typed as declared."""
        ...

    def project_summary(self) -> ProjectSummary:
        """How many projects the store holds, their target years and its as-of year."""
        ...

    def latest_build(self) -> str | None:
        """When the store was last built; None without a build."""
        ...

    def replace(self, contents: StoreContents) -> None:
        """Replace every table at once (uploads only when ``contents`` holds them)."""
        ...

    def append_corrections(self, rows: pd.DataFrame) -> None:
        """Add rows to the corrections table, all of them or none."""
        ...

    def lock(self) -> AbstractContextManager[None]:
        """Hold the store for one read-modify-write; others wait meanwhile."""
        ...

    def apply(self, changes: Changes) -> None:
        """Delete ``changes.removed``, then insert ``changes.added``, in one transaction."""
        ...


def store_tables() -> dict[str, dict[str, str]]:
    """Every table :class:`Changes` may name, with its declared columns.

    Read at call time, so a table added to ``TABLE_SCHEMAS`` is one here too.
    """
    return {PROJECTS: PROJECT_SCHEMA, **TABLE_SCHEMAS, "uploads": UPLOAD_SCHEMA}


def said(exc: BaseException) -> str:
    """What the system said, on one line, as the end of a sentence."""
    return " ".join(str(exc).split()).rstrip(".") or type(exc).__name__


def contents_from_tables(
    projects: pd.DataFrame, tables: Mapping[str, pd.DataFrame]
) -> StoreContents:
    """Store contents from the frames a backend read, typed as declared and in a stable order.

    An optional table the backend did not find reads as empty.
    """
    typed_tables = {name: ordered(name, typed(tables.get(name, empty_table(name)), schema))
                    for name, schema in TABLE_SCHEMAS.items()}  # fmt: skip
    core = {name: typed_tables.pop(name) for name in CORE_TABLES}
    return StoreContents(typed_projects(projects), **core, others=typed_tables)


def typed_columns(name: str, frame: pd.DataFrame | None, columns: Sequence[str]) -> pd.DataFrame:
    """``columns`` of table ``name`` from ``frame`` (None: no rows), typed as declared.

    Raises
    ------
    StoreError
        If the store has no such table, or it declares no such column.
    """
    schema = non_spatial_schema(name)
    unknown = [c for c in columns if c not in schema]
    if unknown:
        raise StoreError(f"The table {name!r} has no column {', '.join(map(repr, unknown))}.", [])
    wanted = {c: schema[c] for c in columns}
    if frame is None:
        frame = pd.DataFrame(columns=list(columns))
    return typed(frame[list(columns)].reset_index(drop=True), wanted)


def empty_table(name: str) -> pd.DataFrame:
    """Table ``name`` with no rows, typed as declared.

    Raises
    ------
    StoreError
        If the store has no such table.
    """
    schema = non_spatial_schema(name)
    return typed(pd.DataFrame(columns=list(schema)), schema)


def non_spatial_schema(name: str) -> dict[str, str]:
    """The declared columns of the non-spatial table ``name``.

    Raises
    ------
    StoreError
        If the store has no such table.
    """
    schema = store_tables().get(name) if name != PROJECTS else None
    if schema is None:
        known = ", ".join(sorted(set(store_tables()) - {PROJECTS}))
        raise StoreError(f"The store has no table {name!r}.", [f"Its tables are {known}."])
    return schema


def ordered(name: str, frame: pd.DataFrame) -> pd.DataFrame:
    """Table ``name`` in the order readers get it (unchanged for tables without one)."""
    order = _ROW_ORDER.get(name)
    if order is None:
        return frame
    return frame.sort_values(order, kind="stable").reset_index(drop=True)


def tables_of(contents: StoreContents) -> Iterator[tuple[str, pd.DataFrame]]:
    """The non-spatial tables to write, typed as declared (uploads only when held)."""
    for name, schema in TABLE_SCHEMAS.items():
        yield name, typed(contents.table(name), schema)
    if contents.uploads is not None:
        yield "uploads", typed(contents.uploads, UPLOAD_SCHEMA)


def layers_of(projects: gpd.GeoDataFrame) -> Iterator[tuple[str, gpd.GeoDataFrame]]:
    """Each category's layer name and its projects (every layer, empty ones too)."""
    for category, layer in LAYER_NAMES.items():
        yield layer, projects[projects["category"] == category]


def checked_changes(changes: Changes) -> tuple[list[Removal], list[Addition]]:
    """The changes as deletions and insertions per stored table, typed as declared.

    Everything is checked before a backend touches the store, so a mistake in
    the changes (an unknown table or column, a project without a category)
    changes nothing.

    Raises
    ------
    StoreError
        Listing every problem found.
    """
    tables = store_tables()
    problems: list[str] = []
    removals: list[Removal] = []
    for table, (key, values) in changes.removed.items():
        if table not in tables:
            problems.append(f"There is no table {table!r} to remove rows from.")
        elif key not in tables[table]:
            problems.append(f"Table {table!r} has no column {key!r} to remove rows by.")
        elif values:
            targets = LAYER_NAMES.values() if table == PROJECTS else [table]
            removals += [Removal(t, key, tuple(sorted(map(str, values)))) for t in targets]
    additions: list[Addition] = []
    for table, frame in changes.added.items():
        if table not in tables:
            problems.append(f"There is no table {table!r} to add rows to.")
            continue
        spatial = {"geometry"} if table == PROJECTS else set()
        extra = [str(c) for c in frame.columns if c not in tables[table] and c not in spatial]
        if extra:
            problems.append(f"Table {table!r} has no column {', '.join(map(repr, extra))}.")
        elif table == PROJECTS:
            additions += _project_additions(frame, problems)
        elif len(frame):
            additions.append(Addition(table, typed(frame, tables[table]), tables[table], False))
    if problems:
        raise StoreError("The changes do not fit the store; nothing was changed:", problems)
    return removals, additions


def _project_additions(frame: pd.DataFrame, problems: list[str]) -> list[Addition]:
    """New projects, one addition per category layer they fall in."""
    if not isinstance(frame, gpd.GeoDataFrame) or "geometry" not in frame.columns:
        problems.append("The projects to add have no geometry column.")
        return []
    if "category" not in frame.columns:
        problems.append("The projects to add have no category column.")
        return []
    if frame.crs is not None and pyproj.CRS.from_user_input(frame.crs) != pyproj.CRS(CRS):
        problems.append(f"The projects to add are in {frame.crs}, not {CRS}.")
        return []
    unknown = sorted(set(frame["category"].astype(str)) - set(CATEGORIES))
    if unknown:
        problems.append(f"The projects to add have unknown categories: {', '.join(unknown)}.")
        return []
    projects = typed_projects(frame)
    return [Addition(layer, part, PROJECT_SCHEMA, True)
            for layer, part in layers_of(projects) if len(part)]  # fmt: skip


def python_columns(frame: pd.DataFrame, columns: list[str]) -> list[list[object]]:
    """The columns as lists of plain Python values, None for a missing value.

    Database drivers bind ``str``, ``int``, ``float`` and ``bool``, not pandas'
    nullable scalars or numpy's.
    """
    return [frame[c].to_numpy(dtype=object, na_value=None).tolist() for c in columns]
