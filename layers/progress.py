"""Progress: what the documents say about a project's stage, year by year.

Every document's record contributes its dated stages ("2023年开工", "2025年建成");
an undated record counts from its document's year. From those: the stage a
project had reached by any year (for the map's year slider), its latest target
year, and whether a completion it was promised has become overdue.
"""

from __future__ import annotations

from datetime import date

from layers.extract import STATUSES
from layers.resolve import DocumentInfo, Project

_RANK = {s: i for i, s in enumerate(STATUSES)}


def _stages(project: Project) -> list[tuple[int, str, bool, DocumentInfo]]:
    """(year, status, reported, document) for every dated stage; undated records
    count from their document's year."""
    stages = []
    for doc, record in project.records:
        timeline = record.get("timeline") or []
        if timeline:
            for entry in timeline:
                stages.append(
                    (int(entry["year"]), entry["status"], bool(record.get("reported")), doc)
                )
        elif doc.year is not None:
            stages.append((doc.year, record["status"], bool(record.get("reported")), doc))
    return stages


def stage_summary(project: Project) -> str:
    """The most advanced stage per year, as text: "2021:preparatory|2024:completed".

    With the first year a document named the project, this is all
    :func:`status_from_stages` needs, so a reader of the store can ask for any
    year without the documents.
    """
    best: dict[int, str] = {}
    for year, status, _, _ in _stages(project):
        if year not in best or _RANK[status] > _RANK[best[year]]:
            best[year] = status
    return "|".join(f"{year}:{best[year]}" for year in sorted(best))


def status_from_stages(stages: str, first_year: int | None, year: int) -> str | None:
    """:func:`status_as_of` computed from :func:`stage_summary` text and the first year."""
    reached = [
        status
        for part in (stages or "").split("|")
        if part
        for stage_year, status in [part.split(":", 1)]
        if int(stage_year) <= year
    ]
    if reached:
        return max(reached, key=_RANK.__getitem__)
    return "proposed" if first_year is not None and first_year <= year else None


def status_as_of(project: Project, year: int) -> str | None:
    """The most advanced stage any document gives the project for ``year`` or before.

    A project that a document issued by then names, but only with later stages,
    is ``proposed`` as of that year (it was in a plan); a project no document had
    named yet is None (not on the map for that year).
    """
    reached = [s for y, s, _, _ in _stages(project) if y <= year]
    if reached:
        return max(reached, key=_RANK.__getitem__)
    known = any(doc.year is not None and doc.year <= year for doc, _ in project.records)
    return "proposed" if known else None


def latest_target_year(project: Project) -> int | None:
    """The target year of the most recent document that gives one."""
    for _, record in reversed(project._by_date()):
        if record.get("target_year") is not None:
            return int(record["target_year"])
    return None


def completion_target(project: Project) -> int | None:
    """The year the most recent document that plans a completion plans it for."""
    for _, record in reversed(project._by_date()):
        done = [int(t["year"]) for t in record.get("timeline") or [] if t["status"] == "completed"]
        if done:
            return min(done)
    return None


def is_overdue(project: Project, *, as_of: date) -> bool:
    """A completion target year has passed and no document reports the project complete.

    "Reports complete" means a record stating completion as achieved (a review
    section, past tense) or any completion stated by a document issued after the
    target year.
    """
    target = completion_target(project)
    if target is None or target >= as_of.year:
        return False
    for doc, record in project.records:
        if record["status"] != "completed":
            continue
        if record.get("reported") or (doc.year is not None and doc.year > target):
            return False
    return True
