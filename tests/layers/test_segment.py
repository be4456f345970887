"""Clauses know their years (task rows, ranges, 十四五, 今年/明年) and review sections."""

from __future__ import annotations

from layers.segment import split_clauses, years_in


def _years_of(text: str, needle: str, *, doc_year: int | None = 2021) -> tuple[int, ...]:
    for clause in split_clauses(text, doc_year=doc_year):
        if needle in text[clause.start : clause.end]:
            return clause.years
    raise AssertionError(f"{needle!r} not in any clause")


def test_year_opening_a_task_row_dates_the_following_sentences() -> None:
    row = "有关进度要求:2021年,A水库开工。B水库加快建设。2022年,C水库建成。\n下一行D水库。"
    assert _years_of(row, "A水库") == (2021,)
    assert _years_of(row, "B水库") == (2021,)
    assert _years_of(row, "C水库") == (2022,)
    assert _years_of(row, "D水库") == ()


def test_ranges_give_both_ends_and_five_year_plan_means_2025() -> None:
    assert years_in("2021—2023年,开展前期工作", doc_year=None) == (2021, 2023)
    assert years_in("十四五期间建成", doc_year=None) == (2025,)
    assert years_in("到2025年建成", doc_year=None) == (2025,)
    assert years_in("经济总量突破12023年", doc_year=None) == ()


def test_relative_years_follow_the_document_year() -> None:
    text = "完成长垫梁—万—恩施货运铁路立项,力争明年开工。"
    assert _years_of(text, "力争明年开工", doc_year=2021) == (2022,)
    assert years_in("今年建成", doc_year=2024) == (2024,)
    assert years_in("今年建成", doc_year=None) == ()


def test_review_sections_report_and_later_sections_plan() -> None:
    text = "一、2023年工作回顾 A公园建成开放。二、2024年工作安排 建设B公园。"
    clauses = split_clauses(text, doc_year=2024)
    by_text = {text[c.start : c.end]: c.reported for c in clauses}
    assert any(v for k, v in by_text.items() if "A公园" in k)
    assert not any(v for k, v in by_text.items() if "B公园" in k)
