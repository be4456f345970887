"""Projects -> the tables the store holds: one row per project, one per mention, one per document.

Pure functions: projects (from :mod:`layers.resolve`) and a geocoder in, plain
GeoDataFrames/DataFrames out, in the fixed schema of DESIGN.md. This is the
store's edge: typed records become "|"-joined text here (:mod:`layers.codec`),
because every format the store exports (GeoPackage, CSV, Shapefile, KML) holds
text but not lists.

Each project carries its stage statements as text (``statements``), so a
reader can compute progress as of any year without the documents, and the
as-of columns (``known_stage``, ``planned_stage``, ``target_year``,
``overdue``, ``info_date``) for the year of the newest document. ``status``
is the known (reported) stage of that year: never a plan.
"""

from __future__ import annotations

import hashlib
import logging
from collections import Counter
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import Protocol

import geopandas as gpd
import pandas as pd

from layers.codec import join_list, statements_to_text
from layers.corpus import CatalogEntry, Document
from layers.extract import records_from_bytes
from layers.extractions import (
    REVIEWED,
    StoredExtraction,
    extraction_key,
    extractor_version,
    record_frame,
    records_for,
)
from layers.geocode import Geocoder, Location
from layers.locations import locate_with_cache, location_frame
from layers.model import Document as DocumentRef
from layers.model import Record
from layers.placenames import PlaceIndex
from layers.progress import (
    first_year,
    newest_year,
    progress_as_of,
    statements_from_record,
    statements_from_records,
)
from layers.resolve import Project, resolve_projects
from layers.schema import DOCUMENT_COLUMNS, MENTION_COLUMNS, PROJECT_COLUMNS, Tables

logger = logging.getLogger(__name__)

LIST_SEPARATOR = "|"
# The as-of columns (DESIGN.md, fixed): what exports and the portal show for a year.
AS_OF_COLUMNS = ("known_stage", "planned_stage", "target_year", "overdue", "info_date")


def document_info(entry: CatalogEntry) -> DocumentRef:
    """The catalog row as the pipeline sees it."""
    return DocumentRef(
        doc_id=entry.doc_id, jurisdiction=entry.adcode, issued=entry.issued_date,
        title=entry.title, issuer=entry.issuer_name, kind=entry.kind, issued_text=entry.issued,
    )  # fmt: skip


def _join(values: Iterable[object]) -> str:
    return join_list(values)


def locate_project(project: Project, geocoder: Geocoder) -> Location:
    """Geocode a project from its latest record, its other spellings and its document."""
    doc, _ = project.latest
    return geocoder.locate(
        name=project.name,
        category=project.category,
        aliases=project.aliases,
        counties=project.counties,
        endpoints=project.endpoints,
        stations=project.stations,
        jurisdiction=doc.jurisdiction,
    )


def _value(stage: object) -> str | None:
    return None if stage is None else str(getattr(stage, "value", stage))


def project_frame(
    projects: Sequence[Project],
    *,
    geocoder: Geocoder,
    year: int | None = None,
    locations: Sequence[Location] | None = None,
) -> gpd.GeoDataFrame:
    """One row per project with its geometry (EPSG:4326) and the fixed columns.

    ``year`` is the as-of year of the stored progress columns; by default the
    year of the newest document any project cites. ``locations`` are the
    projects' places when they were found elsewhere (a cache, a cluster's
    workers), in the order of ``projects``; by default each is geocoded here.
    """
    if locations is not None and len(locations) != len(projects):
        raise ValueError(f"{len(locations)} locations for {len(projects)} projects")
    if year is None:
        year = newest_year(doc for p in projects for doc, _ in p.records) or 0
    rows, geometries = [], []
    for k, project in enumerate(projects):
        location = locate_project(project, geocoder) if locations is None else locations[k]
        doc, _ = project.latest
        statements = statements_from_records(project.records)
        progress = progress_as_of(statements, year)
        rows.append({
            "project_id": project.project_id,
            "name": project.name,
            "category": project.category,
            "status": _value(progress.known_stage),
            "target_year": progress.target_year,
            "counties": _join(dict.fromkeys([*project.counties, *location.counties])),
            "precision": location.precision,
            "geocode_method": location.method,
            "doc_ids": _join(project.doc_ids),
            "quote": project.latest[1].quote,
            "length_km": round(location.length_km, 1) if location.length_km else None,
            "aliases": _join(project.aliases),
            "endpoints": _join(location.nodes or project.endpoints),
            "known_stage": _value(progress.known_stage),
            "planned_stage": _value(progress.planned_stage),
            "target_stage": _value(progress.target_stage),
            "overdue": progress.overdue,
            "info_date": progress.info_date.isoformat() if progress.info_date else None,
            "as_of_year": year,
            "first_year": first_year(statements),
            "latest_doc": doc.doc_id,
            "located_counties": _join(location.counties),
            "statements": statements_to_text(statements),
        })  # fmt: skip
        geometries.append(location.geometry)
    frame = gpd.GeoDataFrame(
        pd.DataFrame(rows, columns=list(PROJECT_COLUMNS)), geometry=geometries, crs="EPSG:4326"
    )
    for column in ("target_year", "first_year", "as_of_year"):
        frame[column] = frame[column].astype("Int64")
    counts = Counter(frame["precision"])
    logger.info("geocode: %d projects; %s", len(frame), dict(sorted(counts.items())))
    return frame


def _mention_reported(document: DocumentRef, record: Record, index: int) -> bool:
    """Whether every statement one mention makes is a report (not a target)."""
    single = Record(record.doc_id, record.name, record.layer, (record.mentions[index],))
    statements = statements_from_record(single, document)
    return bool(statements) and all(s.voice.value == "reported" for s in statements)


def mention_frame(projects: Sequence[Project]) -> pd.DataFrame:
    """One row per mention: which document says what about which project, and where.

    ``reported`` says whether the mention reports its stage as reached (True)
    or sets it as a target (False), by the rules of :mod:`layers.progress`.
    """
    rows = [
        {
            "project_id": project.project_id, "doc_id": doc.doc_id, "status": m.stage.value,
            "year": m.year, "years": _join(m.years),
            "reported": _mention_reported(doc, record, i), "quote": m.quote.text,
            "char_start": m.quote.start, "char_end": m.quote.end, "sentence": m.sentence.text,
            "sentence_start": m.sentence.start, "sentence_end": m.sentence.end,
        }
        for project in projects
        for doc, record in project.by_date()
        for i, m in enumerate(record.mentions)
    ]  # fmt: skip
    frame = pd.DataFrame(rows, columns=list(MENTION_COLUMNS))
    for column in ("year", "char_start", "char_end", "sentence_start", "sentence_end"):
        frame[column] = frame[column].astype("Int64")
    return frame


@dataclass(frozen=True)
class Extracted:
    """One document's extraction: the catalog row, its records and its content hash.

    The unit of work of a build: documents are extracted independently (in this
    process, or as one task each on a cluster), and only these are kept.
    """

    entry: CatalogEntry
    records: tuple[Record, ...]
    sha256: str
    key: str = ""
    """What the extraction depends on (:func:`layers.extractions.extraction_key`)."""
    extractor: str = ""
    """The extractor's version, or ``reviewed`` for an editor's approved records."""
    project_ids: tuple[str | None, ...] = ()
    """The projects an earlier build with the same code resolved the records into."""

    @property
    def document(self) -> DocumentRef:
        return document_info(self.entry)


def key_of(document: Document, *, reviewed: bool = False) -> tuple[str, str, str]:
    """A document's content hash, extractor version and extraction key."""
    entry = document.entry
    sha256 = hashlib.sha256(document.data).hexdigest()
    version = REVIEWED if reviewed else extractor_version()
    key = extraction_key(sha256=sha256, file=entry.file, year=entry.year, adcode=entry.adcode,
                         version=version)  # fmt: skip
    return sha256, version, key


def extract_document(
    document: Document, *, places: PlaceIndex, reviewed: Sequence[Record] | None = None
) -> Extracted:
    """Extract one document (or take the records an editor approved for it)."""
    entry = document.entry
    sha256, version, key = key_of(document, reviewed=reviewed is not None)
    if reviewed is not None:
        records: Sequence[Record] = reviewed
    else:
        records = records_from_bytes(
            document.data, name=entry.file, doc_id=entry.doc_id, doc_year=entry.year,
            places=places, region=entry.adcode[:2] + "0000",
        )  # fmt: skip
    return Extracted(entry, tuple(records), sha256, key, version)


def document_frame(extracted: Sequence[Extracted]) -> pd.DataFrame:
    """One row per document: its catalog row, content hash and how many records it gave."""
    rows = [
        {
            "doc_id": e.entry.doc_id, "title": e.entry.title, "issuer": e.entry.issuer_name,
            "jurisdiction": e.entry.jurisdiction, "adcode": e.entry.adcode,
            "issued": e.entry.issued, "kind": e.entry.kind, "file": e.entry.file,
            "sha256": e.sha256, "records": len(e.records),
        }
        for e in extracted
    ]  # fmt: skip
    return pd.DataFrame(rows, columns=list(DOCUMENT_COLUMNS))


def resolve_extracted(extracted: Sequence[Extracted], *, geocoder: Geocoder) -> list[Project]:
    """Resolve every document's records into projects (across documents, one process)."""
    known = {(e.entry.doc_id, i): pid for e in extracted
             for i, pid in enumerate(e.project_ids) if pid}  # fmt: skip
    return resolve_projects([(e.document, e.records) for e in extracted], geocoder=geocoder,
                            known=known)  # fmt: skip


def tables_from_projects(
    extracted: Sequence[Extracted],
    projects: Sequence[Project],
    *,
    geocoder: Geocoder,
    locations: Sequence[Location] | None = None,
) -> Tables:
    """The store's tables from resolved projects (and their places, if known).

    Besides the three tables every reader uses, the records table keeps each
    document's records with the project each was resolved into, so the next
    build reuses them and a publish finds the projects it changes.
    """
    year = newest_year(e.document for e in extracted)
    return Tables(
        project_frame(projects, geocoder=geocoder, year=year, locations=locations),
        mention_frame(projects),
        document_frame(extracted),
        record_frame(stored_extractions(extracted, projects)),
    )


def stored_extractions(
    extracted: Sequence[Extracted], projects: Sequence[Project]
) -> list[StoredExtraction]:
    """Every document's extraction as the records table keeps it, in build order."""
    project_of = {id(record): p.project_id for p in projects for _, record in p.records}
    return [
        StoredExtraction(e.key, e.sha256, e.extractor, e.entry.doc_id, e.records,
                         tuple(project_of.get(id(r)) for r in e.records), position)
        for position, e in enumerate(extracted)
    ]  # fmt: skip


class Runner(Protocol):
    """Where a build's per-document and per-project work runs.

    :class:`LocalRunner` runs it in this process; :mod:`layers.cluster` runs each
    document and each batch of projects as a Dask task. Resolution, which needs
    every document's records at once, always runs in the calling process.
    """

    def extract(
        self,
        documents: Iterable[Document],
        *,
        reviewed: Mapping[str, Sequence[Record]],
        on_document: Callable[[Document], None] | None = None,
    ) -> list[Extracted]:
        """Every document's extraction, in the order of ``documents``."""
        ...

    def locate(self, projects: Sequence[Project]) -> list[Location]:
        """Every project's place, in the order of ``projects``."""
        ...


@dataclass(frozen=True)
class LocalRunner:
    """Run a build in this process, one document at a time (the default)."""

    geocoder: Geocoder

    def extract(
        self,
        documents: Iterable[Document],
        *,
        reviewed: Mapping[str, Sequence[Record]],
        on_document: Callable[[Document], None] | None = None,
    ) -> list[Extracted]:
        extracted = []
        for document in documents:
            own = reviewed.get(document.entry.doc_id)
            extracted.append(extract_document(document, places=self.geocoder.places, reviewed=own))
            if on_document is not None:
                on_document(document)
        return extracted

    def locate(self, projects: Sequence[Project]) -> list[Location]:
        return [locate_project(project, self.geocoder) for project in projects]


def tables_from_documents(
    documents: Iterable[Document],
    *,
    geocoder: Geocoder,
    on_document: Callable[[Document], None] | None = None,
    reviewed: Mapping[str, Sequence[Record]] | None = None,
    runner: Runner | None = None,
    stored: Mapping[str, StoredExtraction] | None = None,
    located: Mapping[str, Location] | None = None,
    version: str = "",
) -> Tables:
    """Extract every document, resolve across documents, geocode every project.

    Documents are read one at a time; only their records are kept. ``on_document``
    is called after each one (a progress bar at the command line). ``reviewed``
    holds, by document id, records an editor approved in the portal: those are
    used as they are, never re-extracted, so a later extractor cannot undo a review.
    ``runner`` says where extraction and geocoding run (this process by default);
    the tables are the same wherever they run. ``stored`` holds the extractions
    the store already keeps, by extraction key: a document whose key is there is
    not extracted again, and its records' stored projects (when given: only a
    build with the same code may give them) are not resolved again. ``located``
    holds stored places by :func:`layers.locations.location_key` for the
    pipeline ``version``: a project whose key is there is not geocoded again
    (and without a ``version`` nothing is looked up or kept).
    """
    runner = runner or LocalRunner(geocoder)
    reviewed = reviewed or {}
    stored = stored or {}
    slots: list[Extracted | None] = []

    def pending() -> Iterator[Document]:
        for document in documents:
            entry = document.entry
            sha256, version, key = key_of(document, reviewed=entry.doc_id in reviewed)
            hit = stored.get(key) if entry.doc_id not in reviewed else None
            if hit is None:
                slots.append(None)
                yield document
                continue
            records = records_for(entry.doc_id, hit.records)
            slots.append(Extracted(entry, records, sha256, key, version, hit.project_ids))
            if on_document is not None:
                on_document(document)

    fresh = iter(runner.extract(pending(), reviewed=reviewed, on_document=on_document))
    extracted = [slot if slot is not None else next(fresh) for slot in slots]
    n_records = sum(len(e.records) for e in extracted)
    reused = sum(slot is not None for slot in slots)
    logger.info("extract: %d documents (%d kept from the store), %d records",
                len(extracted), reused, n_records)  # fmt: skip
    projects = resolve_extracted(extracted, geocoder=geocoder)
    if not version:
        return tables_from_projects(extracted, projects, geocoder=geocoder,
                                    locations=runner.locate(projects))  # fmt: skip
    places, keys, kept = locate_with_cache(projects, stored=located or {}, version=version,
                                           locate=runner.locate)  # fmt: skip
    logger.info("geocode: %d projects (%d places kept from the store)", len(projects), kept)
    tables = tables_from_projects(extracted, projects, geocoder=geocoder, locations=places)
    tables.locations = location_frame(keys, places)
    return tables
