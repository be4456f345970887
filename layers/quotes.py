"""Quotes to cite: the shortest span that shows a name and the words that gave its stage.

A mention's ``quote`` holds the name as written (a listed item reaches the head
it shares: "大竹至垫江、城口经宣汉至重庆高速建成通车") and the whole stage word
that gave its stage (开工建设, not 开工; 建成通车, not 建成), never cut inside a word
or another name; its ``sentence`` is the whole sentence with the year that dates
it ("2025年,…建成通车"; a later sentence of a task row reaches back to the row's
year when that stays short). When no stage word governs a name, its quote holds
the nearest verb that does (:data:`GOVERNING_VERB_RE`), so a reader still sees
what the text says of it.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from layers.mentions import Mention as NameMention
from layers.segment import Clause
from layers.stages import LONGEST_WORD, Cue, widen, widen_left

# Verbs that govern a name when no stage word does ("达州高新区实现规模以上企业90家"):
# quoted with the name so a reader sees what the text says of it.
_VERB_RE = re.compile(
    r"加快推进|推进实施|全力推进|持续推进|推进|推动|支持|实施|完成|启动|打造|争取|谋划|研究|开展|编制"
    r"|构建|实现|达到|形成|培育|提升|完善|做大做强|做强|做大|壮大|引进|招引|承接|发挥|出台|开通"
    r"|畅联|联通|融入|对接|申报|创建|争创|提档升级|改造|扩建|整治|优化|升级|强化|落实|抓好|布局"
    r"|发展|新增|引育|集聚|聚集|入驻|投产|运营|开放|获评|入选|列入|纳入|取得|突破|建立|设立|组建"
    r"|服务|带动|辐射|串联|连接|衔接|拓展|延伸|配套|保障|用好|办好|管好|力争|确保|推广|探索|加强|作为"
    r"|配合做好|做好|配合|丰富|落户|入列|预留|设"
)  # fmt: skip
GOVERNING_VERB_RE: re.Pattern[str] = _VERB_RE
"""The verbs a default-stage quote holds instead of a stage word (public for checks)."""
_ADVERB_RE = re.compile(r"(?:全力|积极|大力|着力|持续|加快|进一步|重点|优先|有序)$")
_CLAUSE_BREAK_RE = re.compile(r"[，,；;：:]")
_EDGE = " \t\n，,。；;：:、！？!?"
# A task row's later sentence quotes the row's year with it only up to this length.
MAX_SENTENCE = 240


def balanced(text: str, start: int, end: int, floor: int, limit: int) -> tuple[int, int]:
    """Widen ``(start, end)`` to a closing or opening bracket it leaves open (南珠路(S303…))."""
    for opening, closing in (("(", ")"), ("（", "）"), ("“", "”")):
        piece = text[start:end]
        if piece.count(opening) > piece.count(closing):
            close = text.find(closing, end, limit)
            end = close + 1 if close >= 0 else end
        elif piece.count(closing) > piece.count(opening):
            open_ = text.rfind(opening, floor, start)
            start = open_ if open_ >= 0 else start
    return start, end


def _trim(text: str, start: int, end: int) -> tuple[int, int]:
    """``(start, end)`` without spaces or punctuation at either edge."""
    while start < end and text[start] in _EDGE:
        start += 1
    while end > start and text[end - 1] in _EDGE:
        end -= 1
    return start, end


def _outside(spans: Sequence[tuple[int, int]], start: int, end: int) -> bool:
    """Whether ``text[start:end]`` lies outside every span (the other names of a clause)."""
    return not any(a < end and start < b for a, b in spans)


def _whole_names(spans: Sequence[tuple[int, int]], start: int, end: int) -> tuple[int, int]:
    """Widen ``(start, end)`` so that it cuts no other name in two."""
    for a, b in spans:
        if a < start < b:
            start = a
        if a < end < b:
            end = b
    return start, end


def _governs(text: str, verb: re.Match[str], gap_start: int, gap_end: int) -> bool:
    """Whether a verb stands on its own rather than inside another listed name.

    Across a list comma ("产业转型升级示范园、巴中…产业园") a verb must open a word:
    after punctuation or another verb, not in the middle of a name (转型 + 升级).
    """
    if "、" not in text[gap_start:gap_end] or verb.start() == 0:
        return True
    before = text[verb.start() - 1]
    if not "\u4e00" <= before <= "\u9fff":
        return True
    return any(
        m.end() == verb.start()
        for m in _VERB_RE.finditer(text, max(0, verb.start() - LONGEST_WORD), verb.start())
    ) or bool(_ADVERB_RE.search(text, max(0, verb.start() - 2), verb.start()))


def quote_span(
    text: str,
    clause: Clause,
    mention: NameMention,
    cue: Cue | None,
    others: Sequence[tuple[int, int]] = (),
) -> tuple[int, int]:
    """The shortest span holding the name as written and the words that gave its stage.

    ``others`` are the spans of the clause's other names: a quote never ends inside
    one, and no verb inside one governs this name.
    """
    start, end = mention.start, mention.written_end
    if cue is not None:
        after = cue.start >= mention.end
        cue_end = widen(text, cue.start, cue.end, clause.end, chain=after)
        cue_start = cue.start if after else widen_left(text, cue.start, clause.sentence_start)
        if text[cue_start:cue_end] == "以" and "为" in text[end : clause.end]:
            cue_end = _trim(text, end, clause.end)[1]  # 以X、Y三大园区为抓手
        return _whole_names(others, min(start, cue_start), max(end, cue_end))
    # No stage word: the nearest verb that governs the name, in front or after it.
    breaks = list(_CLAUSE_BREAK_RE.finditer(text, clause.sentence_start, start))
    front = breaks[-1].end() if breaks else clause.sentence_start
    verbs_before = [
        m
        for m in _VERB_RE.finditer(text, front, start)
        if _outside(others, *m.span()) and _governs(text, m, m.end(), start)
    ]
    verb_after = next(
        (
            m
            for m in _VERB_RE.finditer(text, end, clause.end)
            if _outside(others, *m.span()) and _governs(text, m, end, m.start())
        ),
        None,
    )
    gap_before = start - verbs_before[-1].end() if verbs_before else None
    gap_after = verb_after.start() - end if verb_after else None
    if gap_before is not None and (gap_after is None or gap_before <= gap_after):
        return _whole_names(others, verbs_before[-1].start(), end)
    if verb_after is not None:
        return _whole_names(others, start, verb_after.end())
    return _trim(text, min(front, start), max(clause.end, end))  # the clause that names it


def sentence_span(text: str, clause: Clause) -> tuple[int, int]:
    """The whole sentence with the year that dates it, without its end punctuation."""
    start = clause.dated_start
    if clause.sentence_end - start > MAX_SENTENCE:
        start = clause.sentence_start  # a long task row: the sentence alone
    return _trim(text, start, clause.sentence_end)


def quote_holds_name(quote: str, names: list[str]) -> bool:
    """Whether a quote holds one of ``names``: whole, or as a listed item followed by the
    head it shares with the list (青石、白沙两座水库 holds 白沙水库).

    For checks and benchmarks of quotes: a citable quote must show what it names.
    """
    for name in names:
        if name in quote:
            return True
        for cut in range(2, len(name) - 1):
            at = quote.find(name[:cut])
            if at >= 0 and quote.find(name[cut:], at + cut) >= 0:
                return True
    return False
