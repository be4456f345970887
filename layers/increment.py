"""One publish or withdrawal as a change to the store, found without rebuilding it.

Resolution gives each record its project from the record alone (the project's
identity is what it is, :mod:`layers.resolve`), so adding or removing one
document changes only the projects its records belong to. This module works
out those projects from the records the store keeps (:mod:`layers.extractions`),
rebuilds their rows exactly as a full build would (same record order, same
as-of year, the corrections that concern them applied), and returns the rows to
delete and insert: a :class:`layers.store.Changes` the store applies in one
transaction. Nothing is extracted again and only the changed projects are geocoded.

A step is refused (None), and the caller rebuilds the store instead, when its
result could differ from a full build: the store was built by other code or
reference data, it lacks the records of a document, or the step moves the
store's as-of year (the newest document's year, which every project's stored
progress columns are computed for).
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import UTC, datetime

import pandas as pd

from layers.assemble import (
    Extracted,
    document_frame,
    document_info,
    locate_project,
    mention_frame,
    project_frame,
    stored_extractions,
)
from layers.corpus import entry_from_row
from layers.corrections import applied_count, apply_corrections
from layers.extractions import StoredExtraction, record_frame
from layers.geocode import Geocoder
from layers.locations import location_frame, location_key
from layers.model import Document as DocumentRef
from layers.progress import newest_year
from layers.resolve import Project, resolve_projects
from layers.schema import BUILD_SCHEMA, CORRECTION_SCHEMA, DOCUMENT_SCHEMA, typed
from layers.store import Changes

logger = logging.getLogger(__name__)


SUMMARY_COLUMNS = ("doc_id", "position", "record_index", "project_id", "extractor")
"""The records table's columns a step reads for every record (the words only for some)."""


@dataclass(frozen=True)
class StoreState:
    """What a step reads from the store: the small tables and where every record went.

    ``records`` holds :data:`SUMMARY_COLUMNS` of every row of the records table;
    ``load`` reads the whole records of the given projects (a step needs the
    words of only the records of the projects it rewrites).
    """

    documents: pd.DataFrame
    records: pd.DataFrame
    corrections: pd.DataFrame
    builds: pd.DataFrame
    load: Callable[[frozenset[str]], list[StoredExtraction]]

    @property
    def fingerprint(self) -> str:
        return str(self.builds["fingerprint"].iloc[-1]) if len(self.builds) else ""


@dataclass(frozen=True)
class Step:
    """A step's changes, and what the command line and the logs say about it."""

    changes: Changes
    projects_written: int
    projects_removed: int
    applied: int
    orphans: list[str]


def pipeline_part(fingerprint: str) -> str:
    """The part of a build fingerprint that names the code and reference data."""
    return fingerprint.split("+", 1)[0]


def refusal(state: StoreState, *, fingerprint: str) -> str | None:
    """Why a step cannot be taken on this store (None: it can)."""
    if pipeline_part(state.fingerprint) != pipeline_part(fingerprint):
        return "the store was built by other code or reference data"
    counts = state.records.groupby("doc_id")["record_index"].nunique().to_dict()
    for doc_id, n in zip(state.documents["doc_id"], state.documents["records"], strict=True):
        if counts.get(str(doc_id), 0) != int(n):
            return f"the store does not keep the records of {doc_id}"
    return None


def document_refs(documents: pd.DataFrame) -> dict[str, DocumentRef]:
    """Each stored document as the pipeline sees it (from the documents table)."""
    rows = typed(documents, DOCUMENT_SCHEMA).astype(object).to_dict("records")
    return {str(row["doc_id"]): document_info(entry_from_row(row)) for row in rows}


def projects_from_extractions(
    extractions: Iterable[StoredExtraction],
    documents: Mapping[str, DocumentRef],
    *,
    only: set[str],
) -> list[Project]:
    """The projects ``only`` with every stored record, in the order a build gives them."""
    projects: dict[str, Project] = {}
    for extraction in sorted(extractions, key=lambda e: e.position):
        doc = documents[extraction.doc_id]
        for record, pid in zip(extraction.records, extraction.project_ids, strict=True):
            if pid is None or pid not in only:
                continue
            project = projects.setdefault(pid, Project(pid, record.layer.value, ""))
            project.records.append((doc, record))
    return sorted(projects.values(), key=lambda p: p.project_id)


def _builds_row(documents: int, projects: int, applied: int, orphans: list[str],
                fingerprint: str) -> pd.DataFrame:  # fmt: skip
    row = {
        "built_at": datetime.now(UTC).isoformat(timespec="microseconds"),
        "fingerprint": fingerprint, "documents": documents, "projects": projects,
        "corrections_applied": applied, "corrections_orphaned": "\n".join(orphans),
    }  # fmt: skip
    return typed(pd.DataFrame([row]), BUILD_SCHEMA)


def _step(
    state: StoreState,
    *,
    extractions: Sequence[StoredExtraction],
    documents: pd.DataFrame,
    touched: set[str],
    all_ids: set[str],
    corrections: pd.DataFrame,
    geocoder: Geocoder,
    fingerprint: str,
    removed: Mapping[str, tuple[str, frozenset[str]]],
    added: Mapping[str, pd.DataFrame],
) -> Step | None:
    refs = document_refs(documents)
    year = newest_year(refs.values())
    if year != newest_year(document_refs(state.documents).values()):
        logger.info("increment: the as-of year moves to %s; a rebuild is needed", year)
        return None
    projects = projects_from_extractions(extractions, refs, only=touched)
    places = [locate_project(p, geocoder) for p in projects]
    keys = [location_key(p, version=pipeline_part(fingerprint)) for p in projects]
    frame = project_frame(projects, geocoder=geocoder, year=year, locations=places)
    doc_ids = frozenset(refs)
    concerned = [pid in touched or pid not in all_ids  # a loop: isin() of 40,000 ids costs 0.5 s
                 for pid in corrections["project_id"].astype(object)]  # fmt: skip
    mask = pd.Series(concerned, index=corrections.index, dtype=bool)
    rows, orphans = apply_corrections(frame, corrections[mask], doc_ids=doc_ids)
    applied = applied_count(corrections, orphans, doc_ids)
    ids = frozenset(touched)
    old_builds = frozenset(str(b) for b in state.builds["built_at"].dropna())
    changes = Changes(
        removed={"projects": ("project_id", ids), "mentions": ("project_id", ids),
                 "builds": ("built_at", old_builds), "locations": ("key", frozenset(keys)),
                 **removed},
        added={"projects": rows, "mentions": mention_frame(projects),
               "builds": _builds_row(len(refs), len(all_ids), applied, orphans, fingerprint),
               "locations": location_frame(keys, places), **added},
    )  # fmt: skip
    gone = len(touched - {p.project_id for p in projects})
    logger.info("increment: %d projects rewritten, %d removed, %d corrections applied",
                len(projects), gone, applied)  # fmt: skip
    return Step(changes, len(projects), gone, applied, orphans)


def publish_step(
    state: StoreState,
    extracted: Extracted,
    *,
    geocoder: Geocoder,
    log: pd.DataFrame,
    upload: pd.DataFrame,
    fingerprint: str,
) -> Step | None:
    """Add one reviewed document: its records, its projects' new rows, its upload and log.

    ``log`` is the review's corrections (already given their project ids),
    ``upload`` the uploads table's new row.
    """
    positions = state.records["position"].dropna()
    position = int(positions.max()) + 1 if len(positions) else 0
    projects = resolve_projects([(extracted.document, extracted.records)], geocoder=geocoder)
    new = replace(stored_extractions([extracted], projects)[0], position=position)
    touched = {pid for pid in new.project_ids if pid is not None}
    all_ids = set(state.records["project_id"].dropna()) | touched
    documents = pd.concat([state.documents, document_frame([extracted])], ignore_index=True)
    corrections = typed(pd.concat([state.corrections, log], ignore_index=True), CORRECTION_SCHEMA)
    return _step(
        state, extractions=[*state.load(frozenset(touched)), new], documents=documents,
        touched=touched, all_ids=all_ids, corrections=corrections, geocoder=geocoder,
        fingerprint=fingerprint, removed={},
        added={"documents": document_frame([extracted]), "records": record_frame([new]),
               "uploads": upload, "corrections": log},
    )  # fmt: skip


def withdraw_step(
    state: StoreState, doc_id: str, *, geocoder: Geocoder, fingerprint: str
) -> Step | None:
    """Remove one published document: its records, upload and row; its projects rewritten."""
    own = state.records["doc_id"] == doc_id
    touched = set(state.records.loc[own, "project_id"].dropna())
    all_ids = set(state.records.loc[~own, "project_id"].dropna())
    extractions = [e for e in state.load(frozenset(touched)) if e.doc_id != doc_id]
    documents = state.documents[state.documents["doc_id"] != doc_id].reset_index(drop=True)
    key = frozenset({doc_id})
    return _step(
        state, extractions=extractions, documents=documents, touched=touched, all_ids=all_ids,
        corrections=state.corrections, geocoder=geocoder, fingerprint=fingerprint,
        removed={"documents": ("doc_id", key), "records": ("doc_id", key),
                 "uploads": ("doc_id", key)},
        added={},
    )  # fmt: skip
