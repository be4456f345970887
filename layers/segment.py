"""Split a plan document into clauses that know their year and whether they report.

Plan documents carry time in their structure more than in their sentences:

* a task-breakdown row lists stages by year ("有关进度要求:2021年,A。B。2022年,C。"),
  so a year opening a sentence holds for the following sentences of the row;
* a range ("2021—2023年") puts the clause in every year of the range's ends;
* "到2025年", "十四五期间/末" (= 2025), "今年" and "明年" (relative to the
  document's year) date the rest of their sentence;
* a review section ("2023年工作回顾", "“十三五”时期主要成就", "过去一年") reports
  achievements, while the rest of the document sets targets.

Headings can sit inside a line (a work report scraped onto one line), so section
changes are found by their numbering ("一、", "第一节") wherever they occur. The
functions are pure: text in, :class:`Clause` records with offsets out.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

_CN_DIGITS = "一二三四五六七八九十"
_HEADING_RE = re.compile(
    rf"(?:^|(?<=[\s。！？；]))(?:第[{_CN_DIGITS}]+[章节篇]|[{_CN_DIGITS}]{{1,3}}、)"
    r"(?P<title>[^。！？；，\n]{2,40}?)(?=\s|$|\n|[。！？；])"
)
_REVIEW_RE = re.compile(r"回顾|主要成就|取得的成就|成绩|过去一年|过去五年|发展成就|工作总结")
_SENTENCE_END = "。！？；!?;\n"
_CLAUSE_END = "，,：:"
_LABEL_RE = re.compile(r"^[^，,。；]{1,12}?[:：]")  # "有关进度要求:" before a task row's year
_LEAD_YEAR_RE = re.compile(r"^(?:到|至|在)?\s*(?:19|20)\d{2}|^十四五|^今年|^明年")

_YEAR = r"(?:19|20)\d{2}"
_RANGE_RE = re.compile(rf"({_YEAR})\s*年?\s*[—\-－~～至到]+\s*({_YEAR})\s*年")
_YEAR_RE = re.compile(rf"(?<![\d.])({_YEAR})\s*年(?!\d)")
_FIVE_YEAR_RE = re.compile(r"十四五(?:”)?(?:期间|末|时期|规划期)")
_THIS_YEAR = "今年"
_NEXT_YEAR = "明年"


@dataclass(frozen=True)
class Clause:
    """A clause with its sentence, its year context and its section's voice.

    Attributes
    ----------
    start, end
        Offsets of the clause in the text it was cut from.
    sentence_start, sentence_end
        Offsets of the whole sentence (status words may sit in a later clause).
    years
        Years the clause is dated to (empty when undated).
    reported
        True inside a review section: the clause states achievements.
    """

    start: int
    end: int
    sentence_start: int
    sentence_end: int
    years: tuple[int, ...]
    reported: bool


def years_in(text: str, *, doc_year: int | None) -> tuple[int, ...]:
    """Every year a piece of text names, in order: ranges give both ends.

    "2021—2023年" gives (2021, 2023); "十四五期间" gives 2025; "今年"/"明年" need the
    document's year and are ignored without it. Years inside larger numbers
    ("12023年") are not years.
    """
    found: list[tuple[int, int]] = []
    covered: list[tuple[int, int]] = []
    for m in _RANGE_RE.finditer(text):
        found += [(m.start(), int(m.group(1))), (m.start() + 1, int(m.group(2)))]
        covered.append(m.span())
    for m in _YEAR_RE.finditer(text):
        if not any(a <= m.start() < b for a, b in covered):
            found.append((m.start(), int(m.group(1))))
    for m in _FIVE_YEAR_RE.finditer(text):
        found.append((m.start(), 2025))
    if doc_year is not None:
        for word, offset in ((_THIS_YEAR, 0), (_NEXT_YEAR, 1)):
            for m in re.finditer(word, text):
                found.append((m.start(), doc_year + offset))
    years: list[int] = []
    for _, year in sorted(found):
        if year not in years:
            years.append(year)
    return tuple(years)


def _sections(text: str) -> list[tuple[int, bool]]:
    """Positions where a section starts and whether it is a review section."""
    marks = []
    for m in _HEADING_RE.finditer(text):
        marks.append((m.start(), bool(_REVIEW_RE.search(m.group("title")))))
    return marks


def _spans(text: str, start: int, end: int, stops: str) -> list[tuple[int, int]]:
    spans = []
    cursor = start
    for i in range(start, end):
        if text[i] in stops:
            if i + 1 > cursor:
                spans.append((cursor, i + 1))
            cursor = i + 1
    if cursor < end:
        spans.append((cursor, end))
    return spans


def split_clauses(text: str, *, doc_year: int | None = None) -> list[Clause]:
    """Cut the text into dated clauses.

    Year context flows like this: a year named in a clause dates that clause and
    the rest of its sentence; a year opening a sentence also dates the following
    sentences of the same line (a task row's stage), until another year or the
    end of the line.
    """
    sections = _sections(text)
    clauses: list[Clause] = []
    section_index = -1
    line_start = 0
    for line_end in [*(m.start() for m in re.finditer("\n", text)), len(text)]:
        row_years: tuple[int, ...] = ()
        for s_start, s_end in _spans(text, line_start, line_end, _SENTENCE_END):
            while section_index + 1 < len(sections) and sections[section_index + 1][0] <= s_start:
                section_index += 1
            reported = section_index >= 0 and sections[section_index][1]
            sentence = text[s_start:s_end]
            lead = _LABEL_RE.sub("", sentence.lstrip(" 　"))[:14]
            lead_years = years_in(lead, doc_year=doc_year) if _LEAD_YEAR_RE.match(lead) else ()
            if lead_years:
                row_years = lead_years
            sentence_years = row_years
            for c_start, c_end in _spans(text, s_start, s_end, _CLAUSE_END):
                named = years_in(text[c_start:c_end], doc_year=doc_year)
                if named:
                    sentence_years = named
                clauses.append(Clause(c_start, c_end, s_start, s_end, sentence_years, reported))
        line_start = line_end + 1
    return clauses
