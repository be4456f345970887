"""Clauses know their years (task rows, ranges, 十四五, 今年/明年) and review sections."""

from __future__ import annotations

from layers.segment import annual_year, split_clauses, unwrap, years_in


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


def test_headings_glued_to_their_body_still_open_a_section() -> None:
    """A one-line scraped report loses the space after a heading when normalised."""
    text = (
        "各位代表:一、2023年工作回顾2023年是开局之年,A公园建成开放。"
        "二、2024年工作安排2024年是关键之年,建设B公园。三、“十四五”时期重点工作 建成C公园。"
    )
    clauses = split_clauses(text, doc_year=2024)

    def clause_of(needle: str):
        return next(c for c in clauses if needle in text[c.start : c.end])

    assert (clause_of("A公园").reported, clause_of("A公园").years) == (True, (2023,))
    assert (clause_of("B公园").reported, clause_of("B公园").years) == (False, (2024,))
    assert clause_of("C公园").years == (2025,)


def test_annual_reports_are_recognised_by_their_title() -> None:
    assert annual_year("2021年区政府工作报告目标任务分解方案的通知") == 2021
    assert annual_year("2024年重庆市大足区政府工作报告 各位代表") == 2024
    assert annual_year("《政府工作报告》对2021—2025年政府工作作出了总体部署") is None
    assert annual_year("巴州区国民经济和社会发展第十四个五年规划") is None


def test_undated_clauses_take_the_default_years() -> None:
    clauses = split_clauses("提速龙象寺水库建设。2022年,建成A水库。", default_years=(2021,))
    assert [c.years for c in clauses] == [(2021,), (2022,), (2022,)]


def test_each_clause_knows_where_its_dated_sentence_begins() -> None:
    text = (
        "有关进度要求:2021年,A水库开工。B水库加快建设。\n"
        "今年要抓好三件事。C水库建成。D水库,2022年开工。"
    )
    clauses = split_clauses(text, doc_year=2021)

    def context(needle: str) -> str:
        clause = next(c for c in clauses if needle in text[c.start : c.end])
        return text[clause.dated_start : clause.sentence_end]

    assert context("A水库") == "2021年,A水库开工。"  # the label before the year is left out
    assert context("B水库") == "2021年,A水库开工。B水库加快建设。"  # the row's year label
    assert context("C水库") == "C水库建成。"  # 今年… opens a sentence but labels no row
    assert context("2022年开工") == "D水库,2022年开工。"  # a clause naming its own year


def test_a_review_heading_alone_on_its_line_opens_a_section() -> None:
    """Copies often lose a heading's number: "2022年工作回顾" still opens the review."""
    text = "政府工作报告\n2022年工作回顾\nA公园有序推进。\n"
    clause = next(c for c in split_clauses(text, doc_year=2023) if "A公园" in text[c.start : c.end])
    assert (clause.reported, clause.years) == (True, (2022,))


def test_a_five_year_review_heading_dates_to_the_period_end() -> None:
    text = "一、十三五简要回顾\n五年来,A水库建成。"
    clause = next(c for c in split_clauses(text, doc_year=2021) if "A水库" in text[c.start : c.end])
    assert (clause.reported, clause.years) == (True, (2020,))


def test_counted_industries_are_not_a_heading() -> None:
    text = "一、2021年工作回顾\n一、二、三产业分别增长5%、6%。A园区建成。"
    clause = next(c for c in split_clauses(text, doc_year=2022) if "A园区" in text[c.start : c.end])
    assert (clause.reported, clause.years) == (True, (2021,))


def test_unwrap_joins_only_the_lines_of_a_fixed_width_copy() -> None:
    page = "各县区加快推进重点项目建设完成投资计划任务的百分之一百一十" * 6
    wrapped = "\n".join(page[i : i + 29] for i in range(0, len(page), 29))
    assert "\n" not in unwrap(wrapped)
    assert len(unwrap(wrapped)) == len(wrapped)  # offsets are kept
    table = "2021年重点项目\n责任单位:市交通局\n148.抓好A水库建设。\n149.推进B公园建设。"
    assert unwrap(table) == table
