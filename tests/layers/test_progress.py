"""Progress on a hand-made history: status as of each year, target years, overdue."""

from __future__ import annotations

from datetime import date

from layers.progress import (
    completion_target,
    is_overdue,
    latest_target_year,
    stage_summary,
    status_as_of,
    status_from_stages,
)
from layers.resolve import DocumentInfo, Project

PLAN_2021 = DocumentInfo("plan", "511700", date(2021, 3, 1))
REPORT_2023 = DocumentInfo("report23", "511700", date(2023, 2, 1))
REPORT_2026 = DocumentInfo("report26", "511700", date(2026, 2, 1))


def _record(status: str, timeline: list[tuple[int, str]], *, reported: bool = False) -> dict:
    done = [y for y, s in timeline if s == "completed"]
    target = min(done) if done else (timeline[-1][0] if timeline else None)
    return {"name": "土溪口水库", "category": "reservoir", "status": status,
            "reported": reported,
            "timeline": [{"year": y, "status": s} for y, s in timeline], "target_year": target,
            "aliases": [], "counties": [], "endpoints": [], "quote": "",
            "mentions": []}  # fmt: skip


def _project(*records: tuple[DocumentInfo, dict]) -> Project:
    return Project("rs-test", "reservoir", "reservoir|511700|土溪口水库", list(records))


PLANNED = (PLAN_2021, _record("completed", [(2021, "preparatory"), (2022, "under_construction"),
                                            (2024, "completed")]))  # fmt: skip


def test_status_as_of_each_year_follows_the_dated_stages() -> None:
    project = _project(PLANNED)
    assert status_as_of(project, 2020) is None  # no document had named it yet
    assert status_as_of(project, 2021) == "preparatory"
    assert status_as_of(project, 2023) == "under_construction"
    assert status_as_of(project, 2024) == "completed"


def test_a_named_project_with_only_later_stages_is_proposed() -> None:
    project = _project((PLAN_2021, _record("under_construction", [(2023, "under_construction")])))
    assert status_as_of(project, 2022) == "proposed"


def test_a_passed_completion_target_with_no_report_is_overdue() -> None:
    project = _project(PLANNED)
    assert completion_target(project) == 2024
    assert not is_overdue(project, as_of=date(2024, 6, 1))  # the year is not over
    assert is_overdue(project, as_of=date(2025, 1, 2))


def test_a_later_report_of_completion_clears_overdue() -> None:
    reported = (REPORT_2026, _record("completed", [(2025, "completed")], reported=True))
    assert not is_overdue(_project(PLANNED, reported), as_of=date(2026, 11, 22))


def test_a_later_plan_that_moves_the_target_moves_it() -> None:
    moved = (REPORT_2023, _record("under_construction", [(2023, "under_construction"),
                                                         (2027, "completed")]))  # fmt: skip
    project = _project(PLANNED, moved)
    assert completion_target(project) == 2027
    assert latest_target_year(project) == 2027
    assert not is_overdue(project, as_of=date(2026, 11, 22))
    assert is_overdue(project, as_of=date(2028, 1, 1))


def test_the_stage_summary_answers_like_the_project() -> None:
    moved = (REPORT_2023, _record("under_construction", [(2023, "under_construction"),
                                                         (2027, "completed")]))  # fmt: skip
    project = _project(PLANNED, moved)
    summary = stage_summary(project)
    assert summary == (
        "2021:preparatory|2022:under_construction|2023:under_construction|2024:completed"
        "|2027:completed"
    )
    for year in range(2019, 2029):
        assert status_from_stages(summary, 2021, year) == status_as_of(project, year), year
