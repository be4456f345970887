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
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import pandas as pd
from shapely.geometry.base import BaseGeometry

from layers import GEODATA_DIR, REPO_ROOT
from layers.assemble import Runner, tables_from_documents
from layers.codec import record_to_json, records_from_json
from layers.corpus import CatalogEntry, Document, iter_documents
from layers.corrections import Correction, corrections_frame, empty_corrections
from layers.errors import StoreError
from layers.geocode import Geocoder
from layers.intake import IntakeError, Problem, UploadedText
from layers.model import Record
from layers.schema import CORRECTION_SCHEMA, UPLOAD_SCHEMA, Tables, typed
from layers.store import (
    BuildResult,
    StoreContents,
    StoreLocation,
    add_corrections,
    read_corrections,
    read_current,
    read_uploads,
    store_lock,
    write_store,
)

logger = logging.getLogger(__name__)


def inputs_fingerprint() -> str:
    """A hash of everything a build reads from the repository: documents, tables, code."""
    digest = hashlib.sha256()
    files = [
        *sorted((GEODATA_DIR / "sources").rglob("*")),
        *sorted((GEODATA_DIR / "gazetteer").rglob("*")),
        *sorted((GEODATA_DIR / "reference").rglob("*")),
        *sorted((REPO_ROOT / "layers").glob("*.py")),
    ]
    for path in files:
        if path.is_file():
            digest.update(str(path.relative_to(REPO_ROOT)).encode("utf-8"))
            digest.update(hashlib.sha256(path.read_bytes()).digest())
    return digest.hexdigest()


def upload_doc_id(sha256: str) -> str:
    """A published document's id: stable for its bytes, distinct from catalog ids."""
    return f"u{sha256[:10]}"


def _entry(row: Mapping[str, object]) -> CatalogEntry:
    issuer = row.get("issuer")
    return CatalogEntry(str(row["doc_id"]), str(row["file"]), str(row["title"]),
                        str(row["jurisdiction"]), str(row["adcode"]), str(row["issued"]),
                        str(row["kind"]),
                        issuer if isinstance(issuer, str) else "")  # fmt: skip


def documents_from_uploads(uploads: pd.DataFrame) -> list[tuple[Document, list[Record]]]:
    """Each published document with its original bytes and approved records."""
    out = []
    for row in uploads.astype(object).to_dict("records"):
        entry = _entry(row)
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
) -> Tables:
    """Tables from the catalogued documents plus the published ones (``runner``: where
    extraction and geocoding run, this process by default)."""
    published = documents_from_uploads(uploads)
    documents: Iterable[Document] = [*iter_documents(), *(doc for doc, _ in published)]
    reviewed = {doc.doc_id: records for doc, records in published}
    return tables_from_documents(
        documents, geocoder=geocoder, on_document=on_document, reviewed=reviewed, runner=runner
    )


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
        tables = build_tables(uploads, geocoder=geocoder, on_document=on_document, runner=runner)
        return write_store(location, tables, corrections=corrections, uploads=uploads,
                           fingerprint=inputs_fingerprint())  # fmt: skip


def _known(current: StoreContents | None) -> dict[str, tuple[str, str]]:
    if current is None:
        return {}
    rows = current.documents.itertuples()
    return {str(r.sha256): (str(r.doc_id), str(r.title)) for r in rows}


def known_documents(location: StoreLocation) -> dict[str, tuple[str, str]]:
    """Content hash -> (doc_id, title) of every document in the store (to refuse duplicates).

    Catalogued and published documents alike; none before the first build.
    """
    return _known(read_current(location))


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


def _project_of_records(tables: Tables, doc_id: str, records: Sequence[Record]) -> list[str | None]:
    """The project each approved record ended up in (looked up by its first quote's offsets)."""
    mentions = tables.mentions[tables.mentions["doc_id"] == doc_id]
    by_start = {(int(s), int(e)): p for s, e, p in
                zip(mentions["char_start"], mentions["char_end"], mentions["project_id"],
                    strict=True)}  # fmt: skip
    out = []
    for record in records:
        first = record.mentions[0].quote if record.mentions else None
        out.append(None if first is None else by_start.get((first.start, first.end)))
    return out


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


def publish(location: StoreLocation, pub: Publication, *, geocoder: Geocoder) -> BuildResult:
    """Add a reviewed document to the store, merged with everything already there.

    Raises
    ------
    IntakeError
        If the same file is already in the store (checked again under the lock, so
        two editors uploading one file cannot both publish it).
    """
    when = datetime.now(UTC).isoformat(timespec="microseconds")
    with store_lock(location):
        current = read_current(location)
        known = _known(current)
        if pub.upload.sha256 in known:
            doc_id, title = known[pub.upload.sha256]
            raise IntakeError([Problem("duplicate", {"doc_id": doc_id, "title": title})])
        uploads = read_uploads(location)
        uploads = typed(pd.concat([uploads, pd.DataFrame([_upload_row(pub, when)])],
                                  ignore_index=True), UPLOAD_SCHEMA)  # fmt: skip
        tables = build_tables(uploads, geocoder=geocoder)
        projects = _project_of_records(tables, pub.entry.doc_id, pub.records)
        log = corrections_frame(_review_log(pub, projects, when))
        before = empty_corrections() if current is None else current.corrections
        corrections = typed(pd.concat([before, log], ignore_index=True), CORRECTION_SCHEMA)
        result = write_store(location, tables, corrections=corrections, uploads=uploads,
                             fingerprint=inputs_fingerprint())  # fmt: skip
    logger.info("publish: %s (%s) by %s: %d records, %d corrections", pub.entry.doc_id,
                pub.upload.stored_name, pub.editor, len(pub.records), len(log))  # fmt: skip
    return result


def withdraw(
    location: StoreLocation, doc_id: str, *, geocoder: Geocoder, editor: str
) -> BuildResult:
    """Undo a publish: the document and what it added leave the store; the log stays.

    Corrections made while reviewing it stop applying (they are kept, with who and
    why, and apply again if the document is published again).

    Raises
    ------
    IntakeError
        If ``doc_id`` was not published from the portal (catalogued documents are
        removed from ``geodata/sources/``, not here).
    """
    with store_lock(location):
        uploads = read_uploads(location)
        if doc_id not in set(uploads["doc_id"].dropna()):
            raise IntakeError([Problem("not_published", {"doc_id": doc_id})])
        uploads = uploads[uploads["doc_id"] != doc_id].reset_index(drop=True)
        tables = build_tables(uploads, geocoder=geocoder)
        result = write_store(location, tables, corrections=read_corrections(location),
                             uploads=uploads, fingerprint=inputs_fingerprint())  # fmt: skip
    logger.info("withdraw: %s by %s", doc_id, editor)
    return result


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
