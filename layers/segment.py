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

import bisect
import functools
import re
from dataclasses import dataclass

_CN_DIGITS = "一二三四五六七八九十"
# A numbered heading. Normalisation drops the space between a heading and its body
# in a report scraped onto one line ("一、2023年工作回顾2023年是…"), so the title runs
# to the first punctuation and only its opening is trusted.
_HEADING_RE = re.compile(
    rf"(?:^|(?<=[\s。！？；：:]))(?:第[{_CN_DIGITS}]+[章节篇]|[{_CN_DIGITS}]{{1,3}}、(?![{_CN_DIGITS}]{{1,3}}、))"
    r"(?P<title>[^。！？；，,：:\n]{2,40})"
)
# A heading with no number, alone on its line ("2022年工作回顾" in a report whose copy
# lost the "一、"): only a short title that says what kind of section it opens.
_BARE_HEADING_RE = re.compile(
    r"(?m)^[ \t　]*(?P<title>(?:(?:19|20)\d{2}\s*年|“?十[三四五]五”?(?:时期|期间)?"
    r"|过去一年|过去五年|五年来)[^。！？；，,：:\n]{0,12}?"
    r"(?:回顾|安排|总结|成就|重点工作|主要任务))[ \t　]*$"
)
_TITLE_YEAR_RE = re.compile(r"^(?:(?:19|20)\d{2}\s*年|“?十[三四]五”?(?:时期|期间|末)?)")
_REVIEW_RE = re.compile(r"回顾|主要成就|取得的成就|成绩|过去一年|过去五年|发展成就|工作总结")
_SENTENCE_END = "。！？；!?;\n"
_CLAUSE_END = "，,：:"
_LABEL_RE = re.compile(r"^[^，,。；]{1,12}?[:：]")  # "有关进度要求:" before a task row's year
_LEAD_YEAR_RE = re.compile(r"^(?:到|至|在)?\s*(?:19|20)\d{2}|^十四五|^今年|^明年")
# A task row's stage label: a year (or a range) and a comma, "2021年," / "2021—2023年,".
_ROW_LABEL_RE = re.compile(
    r"^(?:到|至|在)?\s*(?:19|20)\d{2}\s*年?(?:\s*[—\-－~～至到]+\s*(?:19|20)\d{2}\s*年)?"
    r"(?:底|前|内)?\s*[，,：:]"
)

_YEAR = r"(?:19|20)\d{2}"
_RANGE_RE = re.compile(rf"({_YEAR})\s*年?\s*[—\-－~～至到]+\s*({_YEAR})\s*年")
_YEAR_RE = re.compile(rf"(?<![\d.])({_YEAR})\s*年(?!\d)")
_FIVE_YEAR_RE = re.compile(r"十四五(?:”)?(?:期间|末|时期|规划期)")
# A heading's "十三五" / "十四五" stands for the period's last year (一、十三五简要回顾).
_PERIOD_END = {"十三五": 2020, "十四五": 2025}
_ANNUAL_RE = re.compile(rf"({_YEAR})\s*年度?[^。，,\n《》]{{0,15}}?政府工作报告")
_ANY_TIME_RE = re.compile(r"年|十四五|今年|明年")
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
    context_start
        Where the text that states the clause's sentence with its date begins:
        the sentence's start, or its opening year when a label comes first
        ("有关进度要求:2021年,…" begins at 2021年), or, when the years come from a
        year label opening an earlier sentence of the same task row ("2021年,A。B。":
        B's year), that label. None means ``sentence_start``.
    """

    start: int
    end: int
    sentence_start: int
    sentence_end: int
    years: tuple[int, ...]
    reported: bool
    context_start: int | None = None

    @property
    def dated_start(self) -> int:
        """:attr:`context_start`, or the sentence's start when there is none."""
        return self.sentence_start if self.context_start is None else self.context_start


def years_in(text: str, *, doc_year: int | None) -> tuple[int, ...]:
    """Every year a piece of text names, in order: ranges give both ends.

    "2021—2023年" gives (2021, 2023); "十四五期间" gives 2025; "今年"/"明年" need the
    document's year and are ignored without it. Years inside larger numbers
    ("12023年") are not years.
    """
    if not _ANY_TIME_RE.search(text):
        return ()
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


def annual_year(text: str) -> int | None:
    """The year of an annual document (a work report or its task breakdown), else None.

    Its tasks are that year's tasks even when a sentence names no year
    ("2021年区政府工作报告目标任务分解方案": every undated task is for 2021), while a
    five-year plan's undated tasks have no year. Only the opening is read: that is
    where the title is.
    """
    m = _ANNUAL_RE.search(text[:400])
    return int(m.group(1)) if m else None


def _sections(text: str, *, doc_year: int | None) -> list[tuple[int, bool, tuple[int, ...]]]:
    """Where each section starts, whether it reviews, and the years its title names."""
    marks = []
    headings = [*_HEADING_RE.finditer(text), *_BARE_HEADING_RE.finditer(text)]
    for m in sorted(headings, key=lambda h: h.start()):
        title = m.group("title")
        dated = _TITLE_YEAR_RE.match(title)  # "2023年工作回顾", "“十四五”时期重点工作"
        years = years_in(dated.group(0), doc_year=doc_year) if dated else ()
        if dated and not years:
            years = tuple(y for k, y in _PERIOD_END.items() if k in dated.group(0))
        marks.append((m.start(), bool(_REVIEW_RE.search(title[:16])), years))
    return marks


@functools.cache
def _stops_re(stops: str) -> re.Pattern[str]:
    return re.compile("[" + re.escape(stops) + "]")


def _spans(text: str, start: int, end: int, stops: str) -> list[tuple[int, int]]:
    """Pieces of ``text[start:end]``, each ending just after one of ``stops``."""
    spans = []
    cursor = start
    for m in _stops_re(stops).finditer(text, start, end):
        spans.append((cursor, m.end()))
        cursor = m.end()
    if cursor < end:
        spans.append((cursor, end))
    return spans


def _cut_at(spans: list[tuple[int, int]], cuts: list[int]) -> list[tuple[int, int]]:
    """Split spans where a section starts (a heading inside a one-line report)."""
    out: list[tuple[int, int]] = []
    for start, end in spans:
        inner = cuts[bisect.bisect_right(cuts, start) : bisect.bisect_left(cuts, end)]
        for a, b in zip([start, *inner], [*inner, end], strict=True):
            out.append((a, b))
    return out


_END_OF_LINE_MARKS = "。！？；;:：!?"
_CONTINUES_RE = re.compile(r"[\u4e00-\u9fff0-9A-Za-z“（(]")
# A numbered item opens a line of its own ("148.抓好…", "(三)…"), wrapped copy or not.
_ITEM_RE = re.compile(r"\d{1,3}[.、．]|[（(][一二三四五六七八九十\d]{1,3}[）)]")


def unwrap(text: str) -> str:
    """``text`` with the line breaks of a fixed-width copy turned into spaces.

    A plan copied out of a PDF breaks its lines at the page width, in the middle of
    sentences ("…等重大\n项目加快推进"). Such a copy shows itself by most of its
    long lines having one length (give or take a fifth); a break after a line of that
    length that ends without a sentence mark, before text that goes on, is a wrap,
    not the end of a sentence. Offsets are kept: one character for one.
    """
    if text.count("\n") < 4:
        return text
    lines = text.split("\n")
    lengths = [len(line.strip()) for line in lines]
    long_lines = sorted(n for n in lengths if n >= 24)
    if len(long_lines) < 4:
        return text
    width = long_lines[len(long_lines) // 2]  # the median long line: the page width
    slack = max(4, width // 5)  # normalising drops spaces and merges marks: widths drift
    if sum(abs(n - width) <= slack for n in long_lines) < max(4, len(long_lines) // 2):
        return text
    chars = list(text)
    offset = 0
    for line, length, following in zip(lines, lengths, lines[1:], strict=False):
        offset += len(line)
        tail = line.rstrip()
        if (
            abs(length - width) <= slack
            and tail[-1:] not in _END_OF_LINE_MARKS
            and _CONTINUES_RE.match(following.lstrip())
            and not _HEADING_RE.match(following.lstrip())
            and not _ITEM_RE.match(following.lstrip())
        ):
            chars[offset] = " "
        offset += 1
    return "".join(chars)


def split_clauses(
    text: str, *, doc_year: int | None = None, default_years: tuple[int, ...] = ()
) -> list[Clause]:
    """Cut the text into dated clauses.

    Year context flows like this: a year named in a clause dates that clause and
    the rest of its sentence; a year opening a sentence also dates the following
    sentences of the same line (a task row's stage), until another year, a new
    section or the end of the line. Otherwise a clause takes the years its
    section's title names ("2023年工作回顾"), else ``default_years`` (the year of
    an annual document, see :func:`annual_year`). The line breaks of a
    fixed-width copy do not end sentences (:func:`unwrap`).
    """
    text = unwrap(text)
    sections = _sections(text, doc_year=doc_year)
    cuts = [m[0] for m in sections]
    # Where time is written at all: most clauses name no year, and are not sliced to check.
    times = [m.start() for m in _ANY_TIME_RE.finditer(text)]
    clauses: list[Clause] = []
    section_index = -1
    line_start = 0
    for line_end in [*(m.start() for m in re.finditer("\n", text)), len(text)]:
        row_years: tuple[int, ...] = ()
        row_from: int | None = None  # where the task row's current stage label is written
        for s_start, s_end in _cut_at(_spans(text, line_start, line_end, _SENTENCE_END), cuts):
            while section_index + 1 < len(sections) and sections[section_index + 1][0] <= s_start:
                section_index += 1
                row_years = ()  # a new section ends the task row's year
            reported = section_index >= 0 and sections[section_index][1]
            section_years = sections[section_index][2] if section_index >= 0 else ()
            sentence = text[s_start:s_end]
            stripped = sentence.lstrip(" 　")
            label = _LABEL_RE.match(stripped)
            lead_from = s_start + len(sentence) - len(stripped) + (label.end() if label else 0)
            lead = text[lead_from:s_end][:14]
            lead_years = years_in(lead, doc_year=doc_year) if _LEAD_YEAR_RE.match(lead) else ()
            own_start = s_start
            if lead_years:
                row_years, own_start = lead_years, lead_from
                # Only a stage label ("2021年,") heads the row's later sentences; a
                # sentence that merely opens with a year ("今年要抓好…") does not.
                row_from = lead_from if _ROW_LABEL_RE.match(lead) else None
            sentence_years = row_years or section_years or default_years
            context = row_from if row_years and row_from is not None else own_start
            for c_start, c_end in _spans(text, s_start, s_end, _CLAUSE_END):
                at = bisect.bisect_left(times, c_start)
                timed = at < len(times) and times[at] < c_end
                named = years_in(text[c_start:c_end], doc_year=doc_year) if timed else ()
                if named:
                    sentence_years, context = named, own_start
                clauses.append(
                    Clause(c_start, c_end, s_start, s_end, sentence_years, reported, context)
                )
        line_start = line_end + 1
    return clauses
