"""Progress as of a year: what documents had *reported*, and what plans *expected*.

A plan is a promise, not an achievement. Every mention of a project becomes one
:class:`~layers.model.StageStatement` per year it names, of one of two kinds:

* **reported**: the document says the stage was reached (a review section,
  past tense, 已建成, a landmark the text builds on) or names a year that had
  already ended when it was issued ("2023年开工" in a 2024 report). Such a
  statement is known from the day its document was issued;
* **planned**: the document sets a target ("2025年建成通车", "力争2024年开工",
  十四五期间). A target never makes a stage known, however long ago its year passed.

:func:`progress_as_of` combines them for one year ``Y`` (the portal's slider,
``export_layers.py --year``): the most advanced stage reported by documents
issued by the end of ``Y``; what the latest plan issued by ``Y`` expects by
``Y``; whether a planned completion year before ``Y`` went unreported; and the
date of the newest document that speaks of the project. Every view (map,
details, table, charts, counts, exports) uses this one function.

Pure: no pandas, no I/O, only :mod:`layers.model` records.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence

from layers.model import Document, Progress, Record, Stage, StageStatement, Voice, most_advanced


def statements_from_record(record: Record, document: Document) -> list[StageStatement]:
    """Every stage statement one document's record makes, one per mention and year.

    A mention is *reported* when the extractor found it stated as reached, or
    when it names a year that ended before the document was issued. An undated
    mention stays undated (``year`` None): a report of it is known from its
    document's date; a plan of it sets no deadline.

    Parameters
    ----------
    record
        The record, as extraction (or an editor's review) left it.
    document
        Its document; without an issue date nothing can be dated, so nothing is
        returned (the catalog guarantees a date for every stored document).
    """
    if document.issued is None:
        return []
    out: list[StageStatement] = []
    for mention in record.mentions:
        for year in mention.years or (None,):
            past = year is not None and year < document.issued.year
            voice = Voice.REPORTED if mention.reported or past else Voice.PLANNED
            out.append(StageStatement(mention.stage, voice, year, document.issued, document.doc_id))
    return out


def statements_from_records(
    records: Iterable[tuple[Document, Record]],
) -> tuple[StageStatement, ...]:
    """All statements of a project's records, without repeats, in a stable order."""
    seen = dict.fromkeys(
        statement
        for document, record in records
        for statement in statements_from_record(record, document)
    )
    return tuple(sorted(seen, key=_statement_order))


def _statement_order(s: StageStatement) -> tuple[dt.date, str, int, int, str]:
    return (s.issued, s.doc_id, s.year if s.year is not None else -1, s.stage.rank, s.voice.value)


def _plans(statements: Sequence[StageStatement]) -> list[list[StageStatement]]:
    """Planned statements grouped by document, oldest document first."""
    by_doc: dict[tuple[dt.date, str], list[StageStatement]] = {}
    for s in statements:
        if s.voice is Voice.PLANNED:
            by_doc.setdefault((s.issued, s.doc_id), []).append(s)
    return [by_doc[key] for key in sorted(by_doc)]


def _completion_year(plan: Sequence[StageStatement]) -> int | None:
    done = [s.year for s in plan if s.stage is Stage.COMPLETED and s.year is not None]
    return min(done) if done else None


def progress_as_of(statements: Sequence[StageStatement], year: int) -> Progress:
    """A project's progress as of the end of ``year`` (see the module docstring).

    The target is the completion year of the latest plan that sets one (a later
    plan that moves the date moves the target; one that only says "加快建设"
    does not cancel an earlier promise), else the latest year the latest plan
    names. A plan statement with no year ("建成X等高速公路" heading a task
    breakdown for 2021—2025) is a goal for the plan's whole period: it counts
    towards the target stage but expects nothing by any particular year.

    Parameters
    ----------
    statements
        Every statement any document makes about the project.
    year
        The year asked about; only documents issued by its end count.
    """
    public = [s for s in statements if s.issued_year <= year]
    known = most_advanced([s.stage for s in public if s.voice is Voice.REPORTED])
    plans = _plans(public)
    latest = plans[-1] if plans else []
    expected = most_advanced([s.stage for s in latest if s.year is not None and s.year <= year])
    completion = next((c for c in map(_completion_year, reversed(plans)) if c is not None), None)
    if completion is not None:
        target_stage: Stage | None = Stage.COMPLETED
        target_year: int | None = completion
    else:
        target_stage = most_advanced([s.stage for s in latest])
        target_year = max((s.year for s in latest if s.year is not None), default=None)
    overdue = completion is not None and completion < year and known is not Stage.COMPLETED
    return Progress(
        year=year,
        known_stage=known,
        planned_stage=expected,
        target_stage=target_stage,
        target_year=target_year,
        overdue=overdue,
        info_date=max((s.issued for s in public), default=None),
        named=bool(public),
    )


def newest_year(documents: Iterable[Document]) -> int | None:
    """The year of the newest document: the default "as of" year everywhere.

    The year slider starts there, and exports without ``--year`` use it, so the
    portal never speaks of a year its documents have not reached.
    """
    return max((d.year for d in documents if d.year is not None), default=None)


def first_year(statements: Sequence[StageStatement]) -> int | None:
    """The year the first document naming the project was issued."""
    return min((s.issued_year for s in statements), default=None)
