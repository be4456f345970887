"""The records every stage passes: enums and frozen dataclasses, nothing else.

Extraction produces :class:`Record` objects (one named project as one document
states it, with every :class:`Mention`); resolution groups them into projects;
:mod:`layers.progress` turns each mention into :class:`StageStatement` objects
and combines them as of a year. Dicts and "|"-joined text exist only where the
store and the command lines meet the outside world (:mod:`layers.codec`).

This module is a leaf: it imports only the standard library, holds no I/O and no
pandas, so any stage (and a light store reader) can use it for nothing.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from enum import StrEnum


class Layer(StrEnum):
    """The map layer (the annotation guide's ``category``)."""

    HIGHWAY = "highway"
    RAILWAY = "railway"
    RESERVOIR = "reservoir"
    PARK = "park"
    INDUSTRIAL_ZONE = "industrial_zone"
    OTHER = "other"


class Stage(StrEnum):
    """How far a project has come, least advanced first (the guide's ``status``)."""

    PROPOSED = "proposed"
    PREPARATORY = "preparatory"
    UNDER_CONSTRUCTION = "under_construction"
    COMPLETED = "completed"

    @property
    def rank(self) -> int:
        """Position in the order proposed < preparatory < under construction < completed."""
        return _STAGE_ORDER.index(self)


_STAGE_ORDER: tuple[Stage, ...] = tuple(Stage)


class Precision(StrEnum):
    """How exactly a geometry places a project (DESIGN.md, fixed), finest first."""

    EXACT = "exact"
    NEAR = "near"
    ROUTE = "route"
    COUNTY = "county"
    CITY = "city"
    UNLOCATED = "unlocated"


class Voice(StrEnum):
    """Whether a statement says a stage was reached or sets it as a target."""

    REPORTED = "reported"
    PLANNED = "planned"


LINE_LAYERS: frozenset[Layer] = frozenset({Layer.HIGHWAY, Layer.RAILWAY})


def most_advanced(stages: list[Stage] | tuple[Stage, ...]) -> Stage | None:
    """The furthest stage of several, or None for none."""
    return max(stages, key=lambda s: s.rank) if stages else None


@dataclass(frozen=True)
class Span:
    """A piece of a document's original text: exactly ``text == original[start:end]``."""

    text: str
    start: int
    end: int


@dataclass(frozen=True)
class Mention:
    """One place where a document speaks of a project, and what it says there.

    Attributes
    ----------
    stage
        The stage the words around the name give.
    years
        The years the statement is dated to (empty when undated).
    reported
        True when the document says the stage was reached (a review section,
        past tense, a landmark), False when it sets it as a target.
    quote
        The shortest span that holds the name and its stage word.
    sentence
        The whole sentence, with the year that opens it.
    """

    stage: Stage
    years: tuple[int, ...]
    reported: bool
    quote: Span
    sentence: Span

    @property
    def year(self) -> int | None:
        """The last year the mention names (the one a range ends on)."""
        return self.years[-1] if self.years else None


@dataclass(frozen=True)
class Record:
    """One named project as one document states it (the annotation guide's unit).

    The guide's ``status``, ``reported``, ``timeline``, ``target_year`` and
    ``quote`` are derived from the mentions, so an editor's correction of a
    mention changes all of them at once.
    """

    doc_id: str
    name: str
    layer: Layer
    mentions: tuple[Mention, ...]
    aliases: tuple[str, ...] = ()
    counties: tuple[str, ...] = ()
    endpoints: tuple[str, ...] = ()

    @property
    def stage(self) -> Stage:
        """The most advanced stage the document gives, as a target or as an achievement."""
        best = most_advanced([m.stage for m in self.mentions])
        return best if best is not None else Stage.PROPOSED

    @property
    def reported(self) -> bool:
        """Whether that most advanced stage is stated as already reached."""
        stage = self.stage  # once: a property evaluated per mention made this quadratic
        best = [m for m in self.mentions if m.stage == stage]
        return bool(best) and all(m.reported for m in best)

    @property
    def timeline(self) -> tuple[tuple[int, Stage], ...]:
        """The most advanced stage per dated year, in year order."""
        by_year: dict[int, Stage] = {}
        for mention in self.mentions:
            for year in mention.years:
                old = by_year.get(year)
                if old is None or mention.stage.rank > old.rank:
                    by_year[year] = mention.stage
        return tuple((year, by_year[year]) for year in sorted(by_year))

    @property
    def target_year(self) -> int | None:
        """The completion year, else the latest dated year, else None (the guide's rule)."""
        timeline = self.timeline
        done = [year for year, stage in timeline if stage is Stage.COMPLETED]
        if done:
            return min(done)
        return timeline[-1][0] if timeline else None

    @property
    def quote(self) -> str:
        """The shortest quote of the most advanced stage."""
        stage = self.stage
        best = [m for m in self.mentions if m.stage == stage] or list(self.mentions)
        return min(best, key=lambda m: len(m.quote.text)).quote.text if best else ""


@dataclass(frozen=True)
class Document:
    """What the pipeline and the reader need to know about one document.

    Attributes
    ----------
    doc_id, title, issuer, kind
        Identity and provenance a reporter cites ("达州市人民政府办公室 · 2021-12-06").
    jurisdiction
        The issuing unit's adcode (the fallback location of its projects).
    issued
        First day of the issue period; ``issued_text`` keeps the catalog's
        precision ("2021-03" stays a month).
    """

    doc_id: str
    jurisdiction: str | None
    issued: dt.date | None
    title: str = ""
    issuer: str = ""
    kind: str = ""
    issued_text: str = ""

    @property
    def year(self) -> int | None:
        """The year the document was issued (what "documents issued by Y" compares)."""
        return self.issued.year if self.issued else None


@dataclass(frozen=True)
class StageStatement:
    """One dated claim about a project's stage, from one document.

    A *reported* statement says the stage was reached; it is known from the day
    its document was issued. A *planned* statement sets a target for ``year``
    (None when the document gives no year); it never makes the stage known.
    """

    stage: Stage
    voice: Voice
    year: int | None
    issued: dt.date
    doc_id: str

    @property
    def issued_year(self) -> int:
        """The year the statement became public."""
        return self.issued.year


@dataclass(frozen=True)
class Progress:
    """A project's stage as of one year, as :func:`layers.progress.progress_as_of` finds it.

    Attributes
    ----------
    year
        The year asked about (the slider).
    known_stage
        The most advanced stage reported by documents issued by the end of
        ``year``; None means "no progress reported".
    planned_stage
        What the latest plan issued by ``year`` expects by ``year``; None when it
        expects nothing yet.
    target_stage, target_year
        That plan's furthest target and its year ("目标 2025 建成").
    overdue
        A planned completion year before ``year`` with no completion reported
        by documents issued by ``year``.
    info_date
        The issue date of the latest document (issued by ``year``) that speaks of it.
    named
        Whether any document issued by ``year`` names the project at all (a
        project nobody had named yet is not on the map).
    """

    year: int
    known_stage: Stage | None
    planned_stage: Stage | None
    target_stage: Stage | None
    target_year: int | None
    overdue: bool
    info_date: dt.date | None
    named: bool

    @property
    def ahead(self) -> bool:
        """The plan's target is further than what has been reported (drawn as a target)."""
        if self.target_stage is None:
            return False
        return self.known_stage is None or self.target_stage.rank > self.known_stage.rank
