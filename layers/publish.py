"""Publishing: rebuild the store with the documents editors added, safely, one editor at a time.

The store is always a build of every catalogued document in ``geodata/sources/``
plus every document published from the portal (kept in the store's ``uploads``
table with its original bytes and the records the editor approved), with the
corrections log applied on top. Publishing and withdrawing a document are
therefore rebuilds with one upload more or less, done under :func:`store_lock`
and written in one transaction (PostGIS) or one atomic file replace
(GeoPackage): a failure leaves the store exactly as it was, and two editors
publishing at once both land, one after the other, with no lost update.
"""

from __future__ import annotations

import base64
import hashlib
import json
import logging
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import pandas as pd
from shapely.geometry.base import BaseGeometry

from layers import GEODATA_DIR, REPO_ROOT
from layers.assemble import Runner, extract_document, stored_extractions, tables_from_documents
from layers.codec import record_to_json, records_from_json
from layers.corpus import CatalogEntry, Document, entry_from_row, iter_documents
from layers.corrections import Correction, corrections_frame, empty_corrections
from layers.errors import StoreError
from layers.extractions import (
    REVIEWED,
    StoredExtraction,
    extractions_from_frame,
    without_projects,
)
from layers.geocode import Geocoder, Location
from layers.increment import (
    SUMMARY_COLUMNS,
    Step,
    StoreState,
    pipeline_part,
    publish_step,
    refusal,
    withdraw_step,
)
from layers.intake import IntakeError, Problem, UploadedText
from layers.locations import locations_from_frame
from layers.model import Record
from layers.resolve import resolve_projects
from layers.schema import CORRECTION_SCHEMA, RECORD_SCHEMA, UPLOAD_SCHEMA, Tables, typed
from layers.store import (
    BuildResult,
    StoreLocation,
    add_corrections,
    apply_changes,
    read_corrections,
    read_current,
    read_rows,
    read_tables,
    read_uploads,
    store_lock,
    write_store,
)

logger = logging.getLogger(__name__)


def _files_digest(files: Iterable[Path]) -> str:
    digest = hashlib.sha256()
    for path in files:
        if path.is_file():
            digest.update(str(path.relative_to(REPO_ROOT)).encode("utf-8"))
            digest.update(hashlib.sha256(path.read_bytes()).digest())
    return digest.hexdigest()


def inputs_fingerprint() -> str:
    """A hash of everything a build reads from the repository: code, tables, documents.

    Two parts joined by "+": the pipeline (the code, the gazetteer and the
    reference tables), then the catalogued documents. A publish adds to a store
    one document at a time only while the first part is unchanged
    (:func:`layers.increment.refusal`); a change to the catalog alone is picked
    up by the next build.
    """
    pipeline = _files_digest([
        *sorted((GEODATA_DIR / "gazetteer").rglob("*")),
        *sorted((GEODATA_DIR / "reference").rglob("*")),
        *sorted((REPO_ROOT / "layers").glob("*.py")),
    ])  # fmt: skip
    sources = _files_digest(sorted((GEODATA_DIR / "sources").rglob("*")))
    return f"{pipeline[:32]}+{sources[:32]}"


def upload_doc_id(sha256: str) -> str:
    """A published document's id: stable for its bytes, distinct from catalog ids."""
    return f"u{sha256[:10]}"


def documents_from_uploads(uploads: pd.DataFrame) -> list[tuple[Document, list[Record]]]:
    """Each published document with its original bytes and approved records."""
    out = []
    for row in uploads.astype(object).to_dict("records"):
        entry = entry_from_row(row)
        data = base64.b64decode(str(row["content_b64"]))
        records = records_from_json(json.loads(str(row["records_json"])))
        out.append((Document(entry, Path(entry.file), data), records))
    return out


def build_tables(
    uploads: pd.DataFrame,
    *,
    geocoder: Geocoder,
    on_document: Callable[[Document], None] | None = None,
    runner: Runner | None = None,
    stored: Mapping[str, StoredExtraction] | None = None,
    located: Mapping[str, Location] | None = None,
) -> Tables:
    """Tables from the catalogued documents plus the published ones, in publishing order.

    ``runner`` says where extraction and geocoding run (this process by default);
    ``stored`` holds the extractions the store keeps, by key (not extracted again),
    ``located`` the places it keeps, by key (not geocoded again).
    """
    uploads = uploads.sort_values("published_at", kind="stable")
    published = documents_from_uploads(uploads)
    documents: Iterable[Document] = [*iter_documents(), *(doc for doc, _ in published)]
    reviewed = {doc.doc_id: records for doc, records in published}
    return tables_from_documents(
        documents,
        geocoder=geocoder,
        on_document=on_document,
        reviewed=reviewed,
        runner=runner,
        stored=stored,
    )


def kept_work(
    location: StoreLocation,
) -> tuple[dict[str, StoredExtraction], dict[str, Location]]:
    """The extractions and places the store keeps, by key (none before the first build).

    Records' projects are kept only when the store was built by the same code and
    reference data (the pipeline part of the fingerprint); otherwise the records
    are resolved again. Places are keyed by the pipeline themselves.
    """
    tables = read_tables(location, ("records", "locations", "builds"))
    if tables is None:
        return {}, {}
    builds = tables["builds"]
    built_by = str(builds["fingerprint"].iloc[-1]) if len(builds) else ""
    same = pipeline_part(built_by) == pipeline_part(inputs_fingerprint())
    extractions = extractions_from_frame(tables["records"])
    stored = {e.key: e if same else without_projects(e) for e in extractions}
    return stored, locations_from_frame(tables["locations"])


def rebuild_store(
    location: StoreLocation,
    *,
    geocoder: Geocoder,
    on_document: Callable[[Document], None] | None = None,
    runner: Runner | None = None,
) -> BuildResult:
    """Rebuild the store from the repository's documents and the published ones."""
    with store_lock(location):
        uploads = read_uploads(location)
        corrections = read_corrections(location)
        stored, located = kept_work(location)
        tables = build_tables(uploads, geocoder=geocoder, on_document=on_document, runner=runner,
                              stored=stored, located=located)  # fmt: skip
        return write_store(location, tables, corrections=corrections, uploads=uploads,
                           fingerprint=inputs_fingerprint())  # fmt: skip


def _known(documents: pd.DataFrame) -> dict[str, tuple[str, str]]:
    rows = documents.itertuples()
    return {str(r.sha256): (str(r.doc_id), str(r.title)) for r in rows}


def known_documents(location: StoreLocation) -> dict[str, tuple[str, str]]:
    """Content hash -> (doc_id, title) of every document in the store (to refuse duplicates).

    Catalogued and published documents alike; none before the first build.
    """
    tables = read_tables(location, ("documents",))
    return {} if tables is None else _known(tables["documents"])


@dataclass(frozen=True)
class Placement:
    """Where an editor put a record: a geometry, how precise it is, and how it was chosen."""

    record: int
    geometry: BaseGeometry
    precision: str
    method: str


@dataclass(frozen=True)
class Publication:
    """A document ready to publish: the upload, its catalog row and the approved records."""

    upload: UploadedText
    entry: CatalogEntry
    records: list[Record]
    indices: list[int]
    """Where each approved record stood in the extractor's list (placements refer to it)."""
    record_corrections: list[Correction]
    placements: list[Placement]
    editor: str
    reason: str


def _upload_row(pub: Publication, when: str) -> dict[str, object]:
    entry = pub.entry
    return {
        "doc_id": entry.doc_id, "sha256": pub.upload.sha256, "file": pub.upload.stored_name,
        "original_name": pub.upload.original_name, "title": entry.title,
        "jurisdiction": entry.jurisdiction, "adcode": entry.adcode, "issued": entry.issued,
        "kind": entry.kind, "issuer": entry.issuer, "editor": pub.editor,
        "published_at": when, "reason": pub.reason,
        "records_json": json.dumps([record_to_json(r) for r in pub.records], ensure_ascii=False),
        "content_b64": base64.b64encode(pub.upload.data).decode("ascii"),
    }  # fmt: skip


def _review_log(pub: Publication, projects: list[str | None], when: str) -> list[Correction]:
    """The review's corrections with their real project ids, plus one per placement."""
    position = {index: k for k, index in enumerate(pub.indices)}
    log = []
    for c in pub.record_corrections:
        index = int(c.project_id.lstrip("#"))
        pid = projects[position[index]] if index in position else None
        log.append(Correction(pid or f"{pub.entry.doc_id}#{index}", c.field, c.value, c.who,
                              c.why, when=when, doc_id=pub.entry.doc_id))  # fmt: skip
    for place in pub.placements:
        pid = projects[position[place.record]] if place.record in position else None
        if pid is None:
            continue
        for name, value in (("precision", place.precision), ("geocode_method", place.method)):
            log.append(Correction(pid, name, value, pub.editor, pub.reason, when=when,
                                  doc_id=pub.entry.doc_id))  # fmt: skip
        log.append(Correction(pid, "geometry", None, pub.editor, pub.reason,
                              geometry_wkt=place.geometry.wkt, when=when,
                              doc_id=pub.entry.doc_id))  # fmt: skip
    return log


@dataclass(frozen=True)
class Outcome:
    """What a publish or a withdrawal did to the store."""

    doc_id: str
    incremental: bool
    """True when only the changed projects were written; False after a whole rebuild."""
    projects_written: int
    corrections_applied: int
    orphans: list[str]


def _state(location: StoreLocation) -> StoreState | None:
    """The store's small tables and where its records went; None before the first build."""
    tables = read_tables(location, ("documents", "corrections", "builds"))
    if tables is None:
        return None
    summary = read_rows(location, "records", columns=SUMMARY_COLUMNS)

    def load(projects: frozenset[str]) -> list[StoredExtraction]:
        rows = read_rows(location, "records", columns=list(RECORD_SCHEMA),
                         where=("project_id", projects))  # fmt: skip
        return extractions_from_frame(rows)

    return StoreState(tables["documents"], summary, tables["corrections"], tables["builds"], load)


def _usable(state: StoreState | None) -> StoreState | None:
    """``state`` if a step can be taken on it, else None (with the reason logged)."""
    if state is None:
        return None
    why = refusal(state, fingerprint=inputs_fingerprint())
    if why is not None:
        logger.info("publish: rebuilding the whole store: %s", why)
        return None
    return state


def _rebuild(
    location: StoreLocation, uploads: pd.DataFrame, corrections: pd.DataFrame, *,
    geocoder: Geocoder, doc_id: str,
) -> Outcome:  # fmt: skip
    stored, located = kept_work(location)
    tables = build_tables(uploads, geocoder=geocoder, stored=stored, located=located)
    result = write_store(location, tables, corrections=corrections, uploads=uploads,
                         fingerprint=inputs_fingerprint())  # fmt: skip
    return Outcome(doc_id, False, len(result.contents.projects), result.applied, result.orphans)


def _stepped(location: StoreLocation, step: Step, doc_id: str) -> Outcome:
    apply_changes(location, step.changes)
    return Outcome(doc_id, True, step.projects_written, step.applied, step.orphans)


def publish(location: StoreLocation, pub: Publication, *, geocoder: Geocoder) -> Outcome:
    """Add a reviewed document to the store, merged with everything already there.

    The document's records are resolved on their own (a record's project depends on
    the record alone), and only the projects they belong to are rebuilt and
    written, in one transaction; the whole store is rebuilt instead when that
    could differ from a full build (:mod:`layers.increment`).

    Raises
    ------
    IntakeError
        If the same file is already in the store (checked again under the lock, so
        two editors uploading one file cannot both publish it).
    """
    when = datetime.now(UTC).isoformat(timespec="microseconds")
    doc_id = pub.entry.doc_id
    with store_lock(location):
        state = _state(location)
        known = {} if state is None else _known(state.documents)
        if pub.upload.sha256 in known:
            other, title = known[pub.upload.sha256]
            raise IntakeError([Problem("duplicate", {"doc_id": other, "title": title})])
        document = Document(pub.entry, Path(pub.entry.file), pub.upload.data)
        extracted = extract_document(document, places=geocoder.places, reviewed=pub.records)
        projects = resolve_projects([(extracted.document, extracted.records)], geocoder=geocoder)
        project_ids = list(stored_extractions([extracted], projects)[0].project_ids)
        log = corrections_frame(_review_log(pub, project_ids, when))
        upload = typed(pd.DataFrame([_upload_row(pub, when)]), UPLOAD_SCHEMA)
        usable = _usable(state)
        step = None if usable is None else publish_step(
            usable, extracted, geocoder=geocoder, log=log, upload=upload,
            fingerprint=usable.fingerprint,
        )  # fmt: skip
        if step is not None:
            outcome = _stepped(location, step, doc_id)
        else:
            uploads = typed(pd.concat([read_uploads(location), upload], ignore_index=True),
                            UPLOAD_SCHEMA)  # fmt: skip
            before = empty_corrections() if state is None else state.corrections
            corrections = typed(pd.concat([before, log], ignore_index=True), CORRECTION_SCHEMA)
            outcome = _rebuild(location, uploads, corrections, geocoder=geocoder, doc_id=doc_id)
    logger.info("publish: %s (%s) by %s: %d records, %d corrections, %d projects written (%s)",
                doc_id, pub.upload.stored_name, pub.editor, len(pub.records), len(log),
                outcome.projects_written,
                "incremental" if outcome.incremental else "rebuild")  # fmt: skip
    return outcome


def withdraw(location: StoreLocation, doc_id: str, *, geocoder: Geocoder, editor: str) -> Outcome:
    """Undo a publish: the document and what it added leave the store; the log stays.

    Corrections made while reviewing it stop applying (they are kept, with who and
    why, and apply again if the document is published again). Like a publish,
    only the projects the document's records belong to are rewritten when that
    gives what a full build would.

    Raises
    ------
    IntakeError
        If ``doc_id`` was not published from the portal (catalogued documents are
        removed from ``geodata/sources/``, not here).
    """
    with store_lock(location):
        state = _state(location)
        usable = _usable(state)
        published: set[str] = set()
        if usable is not None:  # the reviewed documents with records, from the summary
            records = usable.records
            published = set(records.loc[records["extractor"] == REVIEWED, "doc_id"].dropna())
        if doc_id not in published:  # one without records is only in the uploads table
            published = set(read_uploads(location)["doc_id"].dropna())
        if doc_id not in published:
            raise IntakeError([Problem("not_published", {"doc_id": doc_id})])
        step = None if usable is None else withdraw_step(
            usable, doc_id, geocoder=geocoder, fingerprint=usable.fingerprint
        )  # fmt: skip
        if step is not None:
            outcome = _stepped(location, step, doc_id)
        else:
            uploads = read_uploads(location)
            uploads = uploads[uploads["doc_id"] != doc_id].reset_index(drop=True)
            corrections = empty_corrections() if state is None else state.corrections
            outcome = _rebuild(location, uploads, corrections, geocoder=geocoder, doc_id=doc_id)
    logger.info("withdraw: %s by %s (%s)", doc_id, editor,
                "incremental" if outcome.incremental else "rebuild")  # fmt: skip
    return outcome


def record_placement(
    location: StoreLocation,
    project_id: str,
    *,
    geometry: BaseGeometry,
    precision: str,
    method: str,
    editor: str,
    reason: str,
) -> pd.DataFrame:
    """Record where an editor put a built project: its geometry, precision and method.

    Three project corrections with one timestamp, appended under the store lock:
    a rebuild that has read the corrections but not yet replaced the store would
    otherwise write the old log back over them. No rebuild is run; the store's
    corrections hold the placement at once and every later build (the command
    line's, a publish, a withdrawal) applies it.

    Returns
    -------
    DataFrame
        The corrections' log rows, as recorded.

    Raises
    ------
    StoreError
        If the store has no such project (a rebuild since the page was drawn may
        have dropped it), or a correction is malformed; nothing is written then.
    """
    when = datetime.now(UTC).isoformat(timespec="microseconds")
    corrections = [
        Correction(project_id, "geometry", None, editor, reason, geometry_wkt=geometry.wkt,
                   when=when),
        Correction(project_id, "precision", precision, editor, reason, when=when),
        Correction(project_id, "geocode_method", method, editor, reason, when=when),
    ]  # fmt: skip
    with store_lock(location):
        current = read_current(location)
        if current is None or project_id not in set(current.projects["project_id"]):
            raise StoreError(f"There is no project {project_id} in the store at {location}.",
                             ["Reload the page: the store was rebuilt."])  # fmt: skip
        rows = add_corrections(location, corrections)
    logger.info("placement: %s -> %s by %s", project_id, precision, editor)
    return rows


def published_documents(location: StoreLocation) -> pd.DataFrame:
    """The portal's published documents, newest first, without their file contents."""
    uploads = read_uploads(location).drop(columns=["content_b64", "records_json"])
    return uploads.sort_values("published_at", ascending=False).reset_index(drop=True)
