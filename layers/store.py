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
import hashlib
import json
import logging
import os
import re
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

import geopandas as gpd
import pandas as pd
import pyogrio
import shapely
from shapely import wkt

from layers import BUILD_DIR
from layers.assemble import DOCUMENT_COLUMNS, MENTION_COLUMNS, PROJECT_COLUMNS, Tables
from layers.errors import StoreError
from layers.extract import STATUSES
from layers.geocode import PRECISIONS

logger = logging.getLogger(__name__)

STORE_ENV = "PORTAL_STORE"
DEFAULT_STORE = BUILD_DIR / "projects.gpkg"
LAYER_NAMES = {
    "highway": "highways",
    "railway": "railways",
    "reservoir": "reservoirs",
    "park": "parks",
    "industrial_zone": "industrial_zones",
    "other": "other",
}
CATEGORIES = tuple(LAYER_NAMES)
CRS = "EPSG:4326"

# Declared column types: what every reader gets, whichever backend wrote it.
PROJECT_SCHEMA: dict[str, str] = {
    "project_id": "string", "name": "string", "category": "string", "status": "string",
    "target_year": "Int64", "counties": "string", "precision": "string",
    "geocode_method": "string", "doc_ids": "string", "quote": "string", "length_km": "Float64",
    "aliases": "string", "endpoints": "string", "reported": "boolean",
    "completion_year": "Int64", "overdue": "boolean", "first_year": "Int64",
    "latest_doc": "string", "located_counties": "string", "stages": "string",
}  # fmt: skip
MENTION_SCHEMA: dict[str, str] = {
    "project_id": "string", "doc_id": "string", "status": "string", "year": "Int64",
    "years": "string", "reported": "boolean", "quote": "string", "char_start": "Int64",
    "char_end": "Int64",
}  # fmt: skip
DOCUMENT_SCHEMA: dict[str, str] = {
    "doc_id": "string", "title": "string", "jurisdiction": "string", "adcode": "string",
    "issued": "string", "kind": "string", "file": "string", "sha256": "string",
    "records": "Int64",
}  # fmt: skip
CORRECTION_SCHEMA: dict[str, str] = {
    "correction_id": "string", "project_id": "string", "field": "string", "value": "string",
    "geometry_wkt": "string", "who": "string", "when": "string", "why": "string",
}  # fmt: skip
BUILD_SCHEMA: dict[str, str] = {
    "built_at": "string", "fingerprint": "string", "documents": "Int64", "projects": "Int64",
    "corrections_applied": "Int64", "corrections_orphaned": "string",
}  # fmt: skip
TABLE_SCHEMAS = {
    "mentions": MENTION_SCHEMA,
    "documents": DOCUMENT_SCHEMA,
    "corrections": CORRECTION_SCHEMA,
    "builds": BUILD_SCHEMA,
}
# Fields a correction may change; "geometry" takes WKT in EPSG:4326.
CORRECTABLE = frozenset(PROJECT_SCHEMA) - {"project_id", "doc_ids", "stages"} | {"geometry"}
_STATUSES = frozenset(STATUSES)
_PRECISIONS = frozenset(PRECISIONS)
assert set(PROJECT_SCHEMA) == set(PROJECT_COLUMNS), "store schema and assembled columns differ"
assert tuple(MENTION_SCHEMA) == MENTION_COLUMNS and tuple(DOCUMENT_SCHEMA) == DOCUMENT_COLUMNS


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

    def layer(self, category: str) -> gpd.GeoDataFrame:
        return self.projects[self.projects["category"] == category]


# --------------------------------------------------------------------------- typing


def typed(frame: pd.DataFrame, schema: dict[str, str]) -> pd.DataFrame:
    """The frame with exactly the schema's columns, in order, cast to the declared types."""
    out = frame.copy()
    for column, dtype in schema.items():
        if column not in out.columns:
            out[column] = pd.NA
        values = out[column]
        if dtype == "string":  # "" and null are one thing: no value (backends differ on it)
            values = values.astype(object).where(values.notna() & (values != ""), None)
            values = values.astype("string")
        elif dtype in {"Int64", "Float64"}:
            values = pd.to_numeric(values, errors="coerce").astype(dtype)
        elif dtype == "boolean":
            values = values.map(_as_bool).astype("boolean")
        out[column] = values
    keep = list(schema) + (["geometry"] if isinstance(out, gpd.GeoDataFrame) else [])
    return out[keep]


def typed_projects(frame: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    """Projects in the declared schema, EPSG:4326, sorted by id (a stable order).

    Areas are always MultiPolygons, so every backend stores the same type.
    """
    geometry = frame.geometry if isinstance(frame, gpd.GeoDataFrame) else None
    if geometry is not None:  # one polygon type: GeoPackage would promote some, not others
        geometry = geometry.map(
            lambda g: shapely.MultiPolygon([g]) if g is not None and g.geom_type == "Polygon" else g
        )
    out = gpd.GeoDataFrame(typed(pd.DataFrame(frame.drop(columns="geometry", errors="ignore")),
                                 PROJECT_SCHEMA), geometry=geometry, crs=CRS)  # fmt: skip
    return out.sort_values("project_id", kind="stable").reset_index(drop=True)


def plain_dtypes(frame: pd.DataFrame) -> pd.DataFrame:
    """Plain numpy dtypes for the writers (nullable pandas types are not universal)."""
    out = frame.copy()
    for column in out.columns:
        if column == "geometry":
            continue
        dtype = str(out[column].dtype)
        if dtype == "string":
            out[column] = out[column].astype(object).where(out[column].notna(), None)
        elif dtype in {"Int64", "Float64"}:
            out[column] = out[column].astype("float64")
        elif dtype == "boolean":  # a real boolean column when it can be, else 1.0/0.0/null
            values = out[column]
            out[column] = values.astype(bool) if values.notna().all() else values.astype("float64")
    return out


def _as_declared(value: object, dtype: str) -> object:
    """A correction's text value as the column's declared type."""
    if value is None or value is pd.NA or value == "":
        return None
    if dtype == "Int64":
        return int(str(value))
    if dtype == "Float64":
        return float(str(value))
    if dtype == "boolean":
        return _as_bool(value)
    return str(value)


def _as_bool(value: object) -> bool | None:
    if value is None or (isinstance(value, float) and pd.isna(value)) or value is pd.NA:
        return None
    if isinstance(value, str):
        return value.strip().lower() in {"true", "1", "t", "yes"}
    return bool(value)


def empty_corrections() -> pd.DataFrame:
    return typed(pd.DataFrame(columns=list(CORRECTION_SCHEMA)), CORRECTION_SCHEMA)


# --------------------------------------------------------------------------- corrections


@dataclass(frozen=True)
class Correction:
    """One change a person made to one project, and why."""

    project_id: str
    field: str
    value: str | None
    who: str
    why: str
    geometry_wkt: str | None = None
    when: str = ""

    def row(self) -> dict[str, object]:
        when = self.when or datetime.now(UTC).isoformat(timespec="seconds")
        key = json.dumps([self.project_id, self.field, self.value, self.geometry_wkt, when])
        return {
            "correction_id": hashlib.sha1(key.encode("utf-8")).hexdigest()[:12],
            "project_id": self.project_id, "field": self.field, "value": self.value,
            "geometry_wkt": self.geometry_wkt, "who": self.who, "when": when, "why": self.why,
        }  # fmt: skip


def validate_corrections(corrections: pd.DataFrame) -> list[str]:
    """Every problem with a corrections table (fields, values, geometry, attribution)."""
    problems = []
    for row in corrections.astype(object).where(corrections.notna(), None).itertuples():
        where = f"correction {row.correction_id} ({row.project_id} {row.field})"
        if row.field not in CORRECTABLE:
            problems.append(f"{where}: {row.field!r} cannot be corrected.")
        if not (row.who or "").strip() or not (row.why or "").strip():
            problems.append(f"{where}: says neither who made it nor why.")
        if row.field == "geometry":
            try:
                wkt.loads(row.geometry_wkt or "")
            except shapely.errors.GEOSException:
                problems.append(f"{where}: geometry {row.geometry_wkt!r} is not WKT.")
        elif row.field == "status" and row.value not in _STATUSES:
            problems.append(f"{where}: status {row.value!r} is not one of {sorted(_STATUSES)}.")
        elif row.field == "precision" and row.value not in _PRECISIONS:
            problems.append(f"{where}: precision {row.value!r} is not a precision code.")
        elif row.field == "category" and row.value not in LAYER_NAMES:
            problems.append(f"{where}: category {row.value!r} is not a layer.")
        elif PROJECT_SCHEMA.get(row.field) == "Int64" and row.value not in (None, ""):
            if not re.fullmatch(r"\d{4}", str(row.value)):
                problems.append(f"{where}: {row.value!r} is not a year.")
    return problems


def apply_corrections(
    projects: gpd.GeoDataFrame, corrections: pd.DataFrame
) -> tuple[gpd.GeoDataFrame, list[str]]:
    """Projects with every correction applied in time order, and the orphaned ones.

    Returns
    -------
    projects, orphans
        ``orphans`` lists, in words, each correction whose project no longer exists.

    Raises
    ------
    StoreError
        If a correction is malformed (see :func:`validate_corrections`).
    """
    problems = validate_corrections(corrections)
    if problems:
        raise StoreError("Some corrections cannot be applied:", problems)
    out = projects.copy()
    index = {pid: i for i, pid in zip(out.index, out["project_id"], strict=True)}
    orphans = []
    for row in corrections.sort_values(["when", "correction_id"]).itertuples():
        i = index.get(row.project_id)
        if i is None:
            orphans.append(
                f"correction {row.correction_id} by {row.who} ({row.when}): project "
                f"{row.project_id} is no longer in the build; its {row.field} = "
                f"{row.value or row.geometry_wkt!r} was not applied."
            )
            continue
        if row.field == "geometry":
            out.loc[i, "geometry"] = wkt.loads(row.geometry_wkt)
        else:
            out[row.field] = out[row.field].astype(object)
            out.loc[i, row.field] = _as_declared(row.value, PROJECT_SCHEMA[row.field])
    return typed_projects(out), orphans


# --------------------------------------------------------------------------- GeoPackage


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


def _add_gpkg_corrections(path: Path, rows: pd.DataFrame) -> None:
    pyogrio.write_dataframe(
        plain_dtypes(rows), path, layer="corrections", driver="GPKG", append=True
    )


# --------------------------------------------------------------------------- PostGIS


def _engine(location: StoreLocation):
    from sqlalchemy import create_engine

    dsn = re.sub(r"^postgres(?:ql)?://", "postgresql+psycopg://", location.dsn or "")
    return create_engine(dsn, future=True)


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
    return _read_postgis(location) if location.kind == "postgis" else _read_gpkg(location.path)


def read_corrections(location: StoreLocation) -> pd.DataFrame:
    """The corrections kept in a store; none when there is no store yet."""
    try:
        exists = location.exists()
    except Exception as exc:  # a server that cannot be reached (any driver error) is reported
        raise StoreError(f"Cannot reach the store at {location}:", [str(exc)]) from exc
    if not exists:
        return empty_corrections()
    return read_store(location).corrections


def add_corrections(location: StoreLocation, corrections: Sequence[Correction]) -> pd.DataFrame:
    """Record corrections in the store (they apply from the next build on).

    Raises
    ------
    StoreError
        If a correction is malformed; nothing is written then.
    """
    rows = typed(pd.DataFrame([c.row() for c in corrections]), CORRECTION_SCHEMA)
    problems = validate_corrections(rows)
    if problems:
        raise StoreError("Some corrections cannot be recorded:", problems)
    if location.kind == "postgis":
        _add_postgis_corrections(location, rows)
    else:
        _add_gpkg_corrections(location.path, rows)
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
    fingerprint: str = "",
) -> BuildResult:
    """Apply ``corrections`` to a fresh build and replace the store with the result.

    The corrections table is written back whole, orphans included, so nothing a
    person did is lost; the orphans are listed in the result and in ``builds``.
    """
    corrections = (
        empty_corrections() if corrections is None else typed(corrections, CORRECTION_SCHEMA)
    )
    projects, orphans = apply_corrections(typed_projects(tables.projects), corrections)
    builds = pd.DataFrame([{
        "built_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "fingerprint": fingerprint, "documents": len(tables.documents),
        "projects": len(projects), "corrections_applied": len(corrections) - len(orphans),
        "corrections_orphaned": "\n".join(orphans),
    }])  # fmt: skip
    mentions = typed(tables.mentions, MENTION_SCHEMA).sort_values(
        ["project_id", "doc_id", "char_start"], kind="stable"
    )
    documents = typed(tables.documents, DOCUMENT_SCHEMA).sort_values("doc_id")
    contents = StoreContents(projects, mentions.reset_index(drop=True),
                             documents.reset_index(drop=True), corrections, builds)  # fmt: skip
    if location.kind == "postgis":
        _write_postgis(contents, location)
    else:
        _write_gpkg(contents, location.path)
    logger.info("store %s: %d projects, %d corrections applied, %d orphaned",
                location, len(projects), len(corrections) - len(orphans), len(orphans))  # fmt: skip
    return BuildResult(contents, len(corrections) - len(orphans), orphans)


def store_fingerprint_matches(location: StoreLocation, fingerprint: str) -> bool:
    """Whether the newest build in the store was made from exactly these inputs."""
    with contextlib.suppress(StoreError, OSError, pyogrio.errors.DataSourceError):
        if location.exists():
            builds = read_store(location).builds
            return bool(len(builds)) and builds["fingerprint"].iloc[-1] == fingerprint
    return False
