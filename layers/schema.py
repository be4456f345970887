"""The store's declared schema: layer names, column types, and casting to them.

Every reader and writer goes through :func:`typed`, so a GeoPackage and a PostGIS
store read back identical frames, and the corrections log, the uploads table and
the layers agree on what a column holds. No I/O here.
"""

from __future__ import annotations

from dataclasses import dataclass

import geopandas as gpd
import pandas as pd
import shapely

# The columns assembly writes and the store keeps (checked against the schema below).
PROJECT_COLUMNS = (
    "project_id", "name", "category", "status", "target_year", "counties", "precision",
    "geocode_method", "doc_ids", "quote", "length_km", "aliases", "endpoints",
    "known_stage", "planned_stage", "target_stage", "overdue", "info_date", "as_of_year",
    "first_year", "latest_doc", "located_counties", "statements",
)  # fmt: skip
DOCUMENT_COLUMNS = ("doc_id", "title", "issuer", "jurisdiction", "adcode", "issued", "kind",
                    "file", "sha256", "records")  # fmt: skip
MENTION_COLUMNS = ("project_id", "doc_id", "status", "year", "years", "reported", "quote",
                   "char_start", "char_end", "sentence", "sentence_start",
                   "sentence_end")  # fmt: skip


@dataclass
class Tables:
    """Everything the store holds, before it is split into one layer per category."""

    projects: gpd.GeoDataFrame
    mentions: pd.DataFrame
    documents: pd.DataFrame
    records: pd.DataFrame | None = None
    """Every document's records (:mod:`layers.extractions`), when the build made them."""
    locations: pd.DataFrame | None = None
    """Every project's place by key (:mod:`layers.locations`), when the build made them."""


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
    "aliases": "string", "endpoints": "string", "known_stage": "string",
    "planned_stage": "string", "target_stage": "string", "overdue": "boolean",
    "info_date": "string", "as_of_year": "Int64", "first_year": "Int64",
    "latest_doc": "string", "located_counties": "string", "statements": "string",
}  # fmt: skip
MENTION_SCHEMA: dict[str, str] = {
    "project_id": "string", "doc_id": "string", "status": "string", "year": "Int64",
    "years": "string", "reported": "boolean", "quote": "string", "char_start": "Int64",
    "char_end": "Int64", "sentence": "string", "sentence_start": "Int64",
    "sentence_end": "Int64",
}  # fmt: skip
DOCUMENT_SCHEMA: dict[str, str] = {
    "doc_id": "string", "title": "string", "issuer": "string", "jurisdiction": "string",
    "adcode": "string",
    "issued": "string", "kind": "string", "file": "string", "sha256": "string",
    "records": "Int64",
}  # fmt: skip
CORRECTION_SCHEMA: dict[str, str] = {
    "correction_id": "string", "project_id": "string", "field": "string", "value": "string",
    "geometry_wkt": "string", "who": "string", "when": "string", "why": "string",
    "doc_id": "string",
}  # fmt: skip
BUILD_SCHEMA: dict[str, str] = {
    "built_at": "string", "fingerprint": "string", "documents": "Int64", "projects": "Int64",
    "corrections_applied": "Int64", "corrections_orphaned": "string",
}  # fmt: skip
# Every document's records (layers/extractions.py), one row per mention, keyed by what
# the extraction depends on; the project each record was resolved into at the last build.
RECORD_SCHEMA: dict[str, str] = {
    "record_id": "string", "key": "string", "sha256": "string", "extractor": "string",
    "doc_id": "string", "position": "Int64", "reviewed": "boolean", "record_index": "Int64",
    "name": "string",
    "layer": "string", "aliases": "string", "counties": "string", "endpoints": "string",
    "project_id": "string", "mention_index": "Int64", "stage": "string", "years": "string",
    "reported": "boolean", "quote": "string", "quote_start": "Int64", "quote_end": "Int64",
    "sentence": "string", "sentence_start": "Int64", "sentence_end": "Int64",
}  # fmt: skip
# Every project's place (layers/locations.py), keyed by all it depends on.
LOCATION_SCHEMA: dict[str, str] = {
    "key": "string", "geometry_wkb": "string", "precision": "string", "method": "string",
    "nodes": "string", "length_km": "Float64", "counties": "string",
}  # fmt: skip
TABLE_SCHEMAS = {
    "mentions": MENTION_SCHEMA,
    "documents": DOCUMENT_SCHEMA,
    "corrections": CORRECTION_SCHEMA,
    "builds": BUILD_SCHEMA,
    "records": RECORD_SCHEMA,
    "locations": LOCATION_SCHEMA,
}
# Tables a build and a publish need but a reader of the map never does: read only when
# asked for by name (store.read_tables), so the portal does not load every document's
# records (75,000 rows at 1,000 documents) to draw the map.
ON_DEMAND_TABLES = ("records", "locations")
# Documents added from the portal: the catalog row, who published it, the records
# the editor approved (JSON) and the original file, byte for byte (base64), under
# its content-hash name. Kept in the store so a shared PostGIS office needs no
# shared disk, and so a rebuild anywhere includes them.
UPLOAD_SCHEMA: dict[str, str] = {
    "doc_id": "string", "sha256": "string", "file": "string", "original_name": "string",
    "title": "string", "jurisdiction": "string", "adcode": "string", "issued": "string",
    "kind": "string", "issuer": "string", "editor": "string", "published_at": "string",
    "reason": "string",
    "records_json": "string", "content_b64": "string",
}  # fmt: skip
assert set(PROJECT_SCHEMA) == set(PROJECT_COLUMNS), "store schema and assembled columns differ"
assert tuple(MENTION_SCHEMA) == MENTION_COLUMNS and tuple(DOCUMENT_SCHEMA) == DOCUMENT_COLUMNS


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
            values = values.map(as_bool).astype("boolean")
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


def as_bool(value: object) -> bool | None:
    """A stored flag as a bool (backends and CSV spell true in several ways)."""
    if value is None or (isinstance(value, float) and pd.isna(value)) or value is pd.NA:
        return None
    if isinstance(value, str):
        return value.strip().lower() in {"true", "1", "t", "yes"}
    return bool(value)
