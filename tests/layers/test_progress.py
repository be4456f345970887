"""As-of rules on hand-made histories: a plan is never an achievement."""

from __future__ import annotations

from datetime import date

import pytest

from layers.model import Document, Layer, Mention, Record, Span, Stage, Voice
from layers.progress import (
    first_year,
    newest_year,
    progress_as_of,
    statements_from_record,
    statements_from_records,
)

PLAN_2021 = Document("plan21", "511700", date(2021, 12, 6), kind="task_breakdown")
PLAN_2023 = Document("plan23", "511700", date(2023, 2, 1), kind="work_report")
REVIEW_2023 = Document("review23", "511700", date(2023, 2, 1), kind="work_report")
REPORT_2024 = Document("report24", "511700", date(2024, 2, 1), kind="work_report")


def _mention(stage: Stage, *years: int, reported: bool = False) -> Mention:
    span = Span("达州绕城高速公路西段建成通车", 0, 14)
    return Mention(stage, tuple(years), reported, span, span)


def _record(doc: Document, *mentions: Mention) -> tuple[Document, Record]:
    return doc, Record(doc.doc_id, "达州绕城高速公路西段", Layer.HIGHWAY, tuple(mentions))


def _history(*records: tuple[Document, Record]):
    return statements_from_records(records)


def test_a_plan_alone_is_never_completed() -> None:
    history = _history(_record(PLAN_2021, _mention(Stage.COMPLETED, 2025)))
    for year in range(2021, 2031):
        progress = progress_as_of(history, year)
        assert progress.known_stage is None
        assert progress.target_stage is Stage.COMPLETED and progress.target_year == 2025
    assert progress_as_of(history, 2024).planned_stage is None
    assert progress_as_of(history, 2025).planned_stage is Stage.COMPLETED
    assert progress_as_of(history, 2026).planned_stage is Stage.COMPLETED
    overdue = {year: progress_as_of(history, year).overdue for year in range(2021, 2027)}
    assert overdue == {2021: False, 2022: False, 2023: False, 2024: False, 2025: False,
                       2026: True}  # fmt: skip
    assert progress_as_of(history, 2024).ahead


def test_a_report_of_completion_is_known_from_its_document_and_never_overdue() -> None:
    history = _history(
        _record(PLAN_2021, _mention(Stage.COMPLETED, 2025)),
        _record(REPORT_2024, _mention(Stage.COMPLETED, reported=True)),
    )
    assert progress_as_of(history, 2023).known_stage is None
    for year in (2024, 2025, 2026, 2030):
        progress = progress_as_of(history, year)
        assert progress.known_stage is Stage.COMPLETED
        assert not progress.overdue
        assert not progress.ahead
    assert progress_as_of(history, 2024).info_date == date(2024, 2, 1)
    assert progress_as_of(history, 2023).info_date == date(2021, 12, 6)


def test_a_review_of_construction_is_known_from_its_year() -> None:
    history = _history(_record(REVIEW_2023, _mention(Stage.UNDER_CONSTRUCTION, 2022,
                                                     reported=True)))  # fmt: skip
    assert progress_as_of(history, 2022).known_stage is None
    assert not progress_as_of(history, 2022).named
    assert progress_as_of(history, 2023).known_stage is Stage.UNDER_CONSTRUCTION


def test_a_year_before_any_document_is_not_on_the_map() -> None:
    history = _history(_record(PLAN_2021, _mention(Stage.COMPLETED, 2025)))
    assert not progress_as_of(history, 2020).named
    assert progress_as_of(history, 2021).named
    assert first_year(history) == 2021


def test_a_year_that_had_ended_when_the_document_was_issued_is_reported() -> None:
    statements = statements_from_record(
        _record(REPORT_2024, _mention(Stage.UNDER_CONSTRUCTION, 2023),
                _mention(Stage.COMPLETED, 2024))[1],
        REPORT_2024,
    )  # fmt: skip
    voices = {(s.stage, s.year): s.voice for s in statements}
    assert voices == {(Stage.UNDER_CONSTRUCTION, 2023): Voice.REPORTED,
                      (Stage.COMPLETED, 2024): Voice.PLANNED}  # fmt: skip


def test_the_latest_plan_moves_the_target() -> None:
    history = _history(
        _record(PLAN_2021, _mention(Stage.COMPLETED, 2022)),
        _record(PLAN_2023, _mention(Stage.UNDER_CONSTRUCTION, 2023),
                _mention(Stage.COMPLETED, 2026)),
    )  # fmt: skip
    assert progress_as_of(history, 2022).target_year == 2022
    assert progress_as_of(history, 2023).overdue is False  # the 2023 plan moved it to 2026
    assert progress_as_of(history, 2023).target_year == 2026
    assert progress_as_of(history, 2023).planned_stage is Stage.UNDER_CONSTRUCTION
    assert progress_as_of(history, 2027).overdue is True


def test_a_later_plan_without_a_date_keeps_the_earlier_promise() -> None:
    history = _history(
        _record(PLAN_2021, _mention(Stage.COMPLETED, 2022)),
        _record(PLAN_2023, _mention(Stage.UNDER_CONSTRUCTION)),
    )
    progress = progress_as_of(history, 2024)
    assert progress.overdue and progress.target_year == 2022
    assert progress.planned_stage is None  # an undated goal expects nothing by a given year


def test_reported_stage_is_the_most_advanced_report() -> None:
    history = _history(
        _record(REVIEW_2023, _mention(Stage.UNDER_CONSTRUCTION, reported=True)),
        _record(REPORT_2024, _mention(Stage.PREPARATORY, reported=True)),
    )
    assert progress_as_of(history, 2024).known_stage is Stage.UNDER_CONSTRUCTION


def test_a_document_without_a_date_says_nothing_datable() -> None:
    undated = Document("x", "511700", None)
    assert statements_from_record(_record(undated, _mention(Stage.COMPLETED))[1], undated) == []


@pytest.mark.parametrize("years", [(2021, 2024), (2024, 2021)])
def test_newest_year_is_the_newest_document(years: tuple[int, int]) -> None:
    docs = [Document(str(y), None, date(y, 3, 1)) for y in years]
    assert newest_year(docs) == 2024
    assert newest_year([]) is None
