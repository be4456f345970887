"""The store's edge: typed records to plain JSON and text, and back.

Everything between extraction and the screen passes :mod:`layers.model`
objects. Only two kinds of outside world need plain values: the annotation
format (``scripts/extract_projects.py`` prints it, the uploads table keeps an
editor's approved records in it) and the store's text columns (every export
format holds text but not lists). Each has exactly one encoder and one decoder
here, and the pairs round-trip (tested).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from layers.model import Layer, Mention, Record, Span, Stage, StageStatement, Voice

LIST_SEPARATOR = "|"


def join_list(values: Iterable[object]) -> str:
    """Values as one "|"-joined text (no place name or id contains "|")."""
    return LIST_SEPARATOR.join(str(v) for v in values if v not in (None, ""))


def split_list(text: object) -> list[str]:
    """The inverse of :func:`join_list`; null or empty gives []."""
    if not isinstance(text, str) or not text:
        return []
    return [part for part in text.split(LIST_SEPARATOR) if part]


def record_to_json(record: Record) -> dict[str, Any]:
    """A record in the annotation format (ANNOTATION.md), plus every mention with offsets."""
    return {
        "doc": record.doc_id,
        "name": record.name,
        "aliases": [a for a in record.aliases if a != record.name],
        "category": record.layer.value,
        "status": record.stage.value,
        "reported": record.reported,
        "target_year": record.target_year,
        "timeline": [{"year": y, "status": s.value} for y, s in record.timeline],
        "counties": list(record.counties),
        "endpoints": list(record.endpoints),
        "quote": record.quote,
        "mentions": [
            {
                "quote": m.quote.text,
                "start": m.quote.start,
                "end": m.quote.end,
                "status": m.stage.value,
                "years": list(m.years),
                "reported": m.reported,
                "sentence": m.sentence.text,
                "sentence_start": m.sentence.start,
                "sentence_end": m.sentence.end,
            }
            for m in record.mentions
        ],
    }


def _mention_from_json(data: Mapping[str, Any], *, record_reported: bool, best: str) -> Mention:
    stage = Stage(data["status"])
    quote = Span(str(data["quote"]), int(data["start"]), int(data["end"]))
    if "sentence" in data:
        sentence = Span(
            str(data["sentence"]), int(data["sentence_start"]), int(data["sentence_end"])
        )
    else:  # records approved before sentences were kept: the quote is its own sentence
        sentence = quote
    if "reported" in data:
        reported = bool(data["reported"])
    else:  # older records kept one flag for the record's best stage only
        reported = record_reported and stage.value == best
    return Mention(stage, tuple(int(y) for y in data.get("years") or ()), reported, quote, sentence)


def record_from_json(data: Mapping[str, Any]) -> Record:
    """The inverse of :func:`record_to_json` (also reads records stored by older versions).

    A record without mentions (hand-written, in the bare annotation format)
    gets one mention per timeline entry, or one undated mention, quoting its
    ``quote`` with unknown offsets (-1).
    """
    mentions_data = list(data.get("mentions") or [])
    best = str(data.get("status") or Stage.PROPOSED.value)
    reported = bool(data.get("reported"))
    if mentions_data:
        mentions = tuple(
            _mention_from_json(m, record_reported=reported, best=best) for m in mentions_data
        )
    else:
        quote = Span(str(data.get("quote") or data["name"]), -1, -1)
        entries = list(data.get("timeline") or []) or [{"year": None, "status": best}]
        mentions = tuple(
            Mention(
                Stage(e["status"]),
                (int(e["year"]),) if e.get("year") is not None else (),
                reported and e["status"] == best,
                quote,
                quote,
            )
            for e in entries
        )
    return Record(
        doc_id=str(data.get("doc") or ""),
        name=str(data["name"]),
        layer=Layer(data["category"]),
        mentions=mentions,
        aliases=tuple(str(a) for a in data.get("aliases") or ()),
        counties=tuple(str(c) for c in data.get("counties") or ()),
        endpoints=tuple(str(e) for e in data.get("endpoints") or ()),
    )


def records_from_json(items: Sequence[Mapping[str, Any]]) -> list[Record]:
    """Several records from JSON objects."""
    return [record_from_json(item) for item in items]


# Statements are kept per project as text so a reader of the store can compute the
# stage as of any year without the documents: "R completed 2023 2024-02-04 002",
# "|"-joined. Doc ids never hold spaces or "|" (catalog ids and upload ids).
_VOICE_CODES = {Voice.REPORTED: "R", Voice.PLANNED: "P"}
_CODE_VOICES = {code: voice for voice, code in _VOICE_CODES.items()}


def statements_to_text(statements: Iterable[StageStatement]) -> str:
    """Statements as one text column, in a stable order."""
    parts = sorted(
        f"{_VOICE_CODES[s.voice]} {s.stage.value} {s.year if s.year is not None else '-'} "
        f"{s.issued.isoformat()} {s.doc_id}"
        for s in statements
    )
    return LIST_SEPARATOR.join(dict.fromkeys(parts))


_STAGES = {stage.value: stage for stage in Stage}


def statements_from_text(text: object) -> tuple[StageStatement, ...]:
    """The inverse of :func:`statements_to_text` (null or empty gives none).

    Plain dictionary look-ups rather than enum calls: the portal decodes every
    project's statements when the year changes.
    """
    out = []
    for part in split_list(text):
        voice, stage, year, issued, doc_id = part.split(" ", 4)
        out.append(
            StageStatement(
                _STAGES[stage],
                _CODE_VOICES[voice],
                None if year == "-" else int(year),
                dt.date.fromisoformat(issued),
                doc_id,
            )
        )
    return tuple(out)
