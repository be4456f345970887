"""Projects -> the tables the store holds: one row per project, one per mention, one per document.

Pure functions: projects (from :mod:`layers.resolve`) and a geocoder in, plain
GeoDataFrames/DataFrames out, in the fixed schema of DESIGN.md. Lists become
"|"-joined text, because every format the store exports (GeoPackage, CSV,
Shapefile, KML) holds text but not lists, and no place name contains "|".
"""

from __future__ import annotations

import hashlib
import logging
from collections import Counter
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date

import geopandas as gpd
import pandas as pd

from layers.corpus import CatalogEntry, Document
from layers.extract import records_from_bytes
from layers.geocode import Geocoder, Location
from layers.progress import completion_target, is_overdue, latest_target_year, stage_summary
from layers.resolve import DocumentInfo, Project, resolve_projects

logger = logging.getLogger(__name__)

LIST_SEPARATOR = "|"
PROJECT_COLUMNS = (
    "project_id", "name", "category", "status", "target_year", "counties", "precision",
    "geocode_method", "doc_ids", "quote", "length_km", "aliases", "endpoints", "reported",
    "completion_year", "overdue", "first_year", "latest_doc", "located_counties", "stages",
)  # fmt: skip
DOCUMENT_COLUMNS = ("doc_id", "title", "jurisdiction", "adcode", "issued", "kind", "file",
                    "sha256", "records")  # fmt: skip
MENTION_COLUMNS = ("project_id", "doc_id", "status", "year", "years", "reported", "quote",
                   "char_start", "char_end")  # fmt: skip


def document_info(entry: CatalogEntry) -> DocumentInfo:
    """The catalog row as resolution sees it."""
    return DocumentInfo(entry.doc_id, entry.adcode, entry.issued_date, entry.title)


def _join(values: Iterable[object]) -> str:
    return LIST_SEPARATOR.join(str(v) for v in values if v not in (None, ""))


def locate_project(project: Project, geocoder: Geocoder) -> Location:
    """Geocode a project from its latest record, its other spellings and its document."""
    doc, _ = project.latest
    return geocoder.locate(
        name=project.name,
        category=project.category,
        aliases=project.aliases,
        counties=project.counties,
        endpoints=project.endpoints,
        jurisdiction=doc.jurisdiction,
    )


def project_status(project: Project) -> str:
    """The latest document's stage, unless an earlier one reports completion as achieved."""
    if any(r.get("reported") and r["status"] == "completed" for _, r in project.records):
        return "completed"
    return project.latest[1]["status"]


def project_frame(
    projects: Sequence[Project], *, geocoder: Geocoder, as_of: date
) -> gpd.GeoDataFrame:
    """One row per project with its geometry (EPSG:4326) and the fixed columns."""
    rows, geometries = [], []
    for project in projects:
        location = locate_project(project, geocoder)
        doc, record = project.latest
        years = [y for d, r in project.records for y in ([d.year] if d.year else [])]
        rows.append({
            "project_id": project.project_id,
            "name": project.name,
            "category": project.category,
            "status": project_status(project),
            "target_year": latest_target_year(project),
            "counties": _join(dict.fromkeys([*project.counties, *location.counties])),
            "precision": location.precision,
            "geocode_method": location.method,
            "doc_ids": _join(project.doc_ids),
            "quote": project.quote,
            "length_km": round(location.length_km, 1) if location.length_km else None,
            "aliases": _join(project.aliases),
            "endpoints": _join(location.nodes or project.endpoints),
            "reported": bool(record.get("reported")),
            "completion_year": completion_target(project),
            "overdue": is_overdue(project, as_of=as_of),
            "first_year": min(years) if years else None,
            "latest_doc": doc.doc_id,
            "located_counties": _join(location.counties),
            "stages": stage_summary(project),
        })  # fmt: skip
        geometries.append(location.geometry)
    frame = gpd.GeoDataFrame(
        pd.DataFrame(rows, columns=list(PROJECT_COLUMNS)), geometry=geometries, crs="EPSG:4326"
    )
    frame["target_year"] = frame["target_year"].astype("Int64")
    frame["completion_year"] = frame["completion_year"].astype("Int64")
    frame["first_year"] = frame["first_year"].astype("Int64")
    counts = Counter(frame["precision"])
    logger.info("geocode: %d projects; %s", len(frame), dict(sorted(counts.items())))
    return frame


def mention_frame(projects: Sequence[Project]) -> pd.DataFrame:
    """One row per mention: which document says what about which project, and where."""
    rows = [
        {
            "project_id": project.project_id, "doc_id": m.doc_id, "status": m.status,
            "year": m.year, "years": _join(m.years), "reported": m.reported, "quote": m.quote,
            "char_start": m.char_start, "char_end": m.char_end,
        }
        for project in projects
        for m in project.mentions
    ]  # fmt: skip
    frame = pd.DataFrame(rows, columns=list(MENTION_COLUMNS))
    frame["year"] = frame["year"].astype("Int64")
    return frame


@dataclass
class Tables:
    """Everything the store holds, before it is split into one layer per category."""

    projects: gpd.GeoDataFrame
    mentions: pd.DataFrame
    documents: pd.DataFrame


def tables_from_documents(
    documents: Iterable[Document],
    *,
    geocoder: Geocoder,
    as_of: date,
    on_document: Callable[[Document], None] | None = None,
    reviewed: Mapping[str, list[dict]] | None = None,
) -> Tables:
    """Extract every document, resolve across documents, geocode every project.

    Documents are read one at a time; only their records are kept. ``on_document``
    is called after each one (a progress bar at the command line). ``reviewed``
    holds, by document id, records an editor approved in the portal: those are
    used as they are, never re-extracted, so a later extractor cannot undo a review.
    """
    reviewed = reviewed or {}
    extracted: list[tuple[DocumentInfo, list[dict]]] = []
    rows = []
    for document in documents:
        entry = document.entry
        if entry.doc_id in reviewed:
            records = reviewed[entry.doc_id]
        else:
            records = records_from_bytes(
                document.data, name=entry.file, doc_id=entry.doc_id, doc_year=entry.year,
                places=geocoder.places, region=entry.adcode[:2] + "0000",
            )  # fmt: skip
        extracted.append((document_info(entry), records))
        rows.append({
            "doc_id": entry.doc_id, "title": entry.title, "jurisdiction": entry.jurisdiction,
            "adcode": entry.adcode, "issued": entry.issued, "kind": entry.kind, "file": entry.file,
            "sha256": hashlib.sha256(document.data).hexdigest(), "records": len(records),
        })  # fmt: skip
        if on_document is not None:
            on_document(document)
    logger.info("extract: %d documents, %d records", len(rows), sum(r["records"] for r in rows))
    projects = resolve_projects(extracted, geocoder=geocoder)
    return Tables(
        project_frame(projects, geocoder=geocoder, as_of=as_of),
        mention_frame(projects),
        pd.DataFrame(rows, columns=list(DOCUMENT_COLUMNS)),
    )
