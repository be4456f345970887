"""What stage a mention is at: the words that govern a name, and how strong they are.

Stage comes from the nearest governing words. Words after the name that end the
clause ("…建成通车", "…前期工作", "…力争开工") apply to every name listed before
them; otherwise the verb in front of the name does ("加快建设X", "规划X"). Hedges
keep a project a stage back: "力争开工" is still preparatory, while a plain
"启动X建设" has started; "完成X…道路建设" has finished the work its clause ends
with. A verb that closes the item listed before ("A、B建设和C": 建设 is B's)
leaves C to the verb in front of the list. Milestones of works in progress (下闸蓄水, 大坝封顶,
全线贯通) are under construction; a designation reached (获批, 获评, 入列, 纳入…园区,
创建为) completes a zone, while a place in a list of projects (跻身…重大项目,
列入…规划) is still a plan. Names used as landmarks ("依托X", "以X…为发展轴",
"境内有X") are existing, completed facilities that the document reports rather
than plans; :func:`is_positional` tells them apart, so a record can let the
document's own statement of a stage win over a landmark.

:data:`STAGE_WORD_RE` matches every stage word; a quote holds one unless its
stage is the default (under construction, no stage word).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from layers.mentions import Mention as NameMention
from layers.mentions import closes_listed_item
from layers.model import Stage
from layers.segment import Clause

STATUSES: tuple[str, ...] = tuple(stage.value for stage in Stage)
"""The stage codes, least advanced first (kept for importers; prefer :class:`Stage`)."""

_P, _R, _U, _C = Stage.PROPOSED, Stage.PREPARATORY, Stage.UNDER_CONSTRUCTION, Stage.COMPLETED

# (pattern, stage), checked in order: first match wins within a window.
_AFTER_CUES: tuple[tuple[str, Stage], ...] = (
    (r"通过(?:国家级|省级|市级)?(?:认定|验收)", _C),
    # a designation reached: 获评/入列/纳入 a class of zones, a list of parks (reported)
    (r"(?:获评|入列|入选|被评为|评为|认定为|命名为|创建为|创建成为|纳入|列入)[^，,。；;]{0,30}?"
     r"(?:园区|片区|名单|试验区|示范区|示范园|开发区|基地)", _C),
    # taken into a list of projects or a programme: still a plan
    (r"(?:跻身|纳入|列入|进入)[^，,。；;]{0,20}?(?:项目|工程|规划|计划|项目库)", _P),
    (r"前期(?:工作|规划)?|可研|立项|初设|初步设计|财评|招投标|认定|招商|落户|签约", _R),
    (r"力争(?:开工|开建|启动)|争取(?:开工|启动)|开工准备", _R),
    (r"(?:达到|具备)通车条件|建成通车|建成投运|建成投用|建成开放|建设完成|建成|通车|投运|投用|竣工|完工|通航|成功创建"
     r"|创建成功|封关运营|获批|获评|入列|(?:面积|规模)达到", _C),
    (r"规划建设|规划研究", _P),
    (r"开工|开建|复工|加快建设|建设|在建|扩能改造加快|实施|下闸蓄水|下闸|大坝封顶|主体完工|全线贯通"
     r"|启动建设|有序推进|加快推进|推进", _U),
    (r"纳入|规划", _P),
)  # fmt: skip
# Positional words: a name after them is a landmark (an existing facility).
_POSITIONAL = r"依托|以|保护好|巩固|沿线|境内有|拥有"
_BEFORE_CUES: tuple[tuple[str, Stage], ...] = (
    (r"(?:力争|争取)(?:开工|开建|启动)(?:建设)?|力争实施", _R),
    (r"规划建设|规划|谋划|研究|争取纳入|推动.{0,6}纳入|积极争创|争创|争取", _P),
    (r"全面建成|基本建成|建成|建好|投用|全面完成|完成.{0,6}建设|通车|创建成功|开通了|开通|形成", _C),
    (r"加快创建|推进创建|开工建设|开工|开建|加快建设|加快推进|推进|加快|建设|新建|续建|实施|打造|提速|联通|共建|培育|完善|营运好|提档升级|提档|启动建设|启动", _U),
    (r"创建", _R),
    (_POSITIONAL, _C),
)  # fmt: skip
_AFTER_RE = [(re.compile(p), s) for p, s in _AFTER_CUES]
_BEFORE_RE = [(re.compile(p), s) for p, s in _BEFORE_CUES]
_LANDMARK_RE = re.compile(r"依托|以.{0,30}为|保护好|巩固提升|沿线|境内有|拥有")
# "以X、Y三大园区为抓手": the landmark reads from 以 to the 为 after the names.
_YI_WEI = r"以[^，,。；;：:\n]{1,60}?为"
# Every stage word the cues above recognise, one pattern each (for the longest word at a
# position); the positional words are kept as landmark stage words, 以 only as 以…为.
_STAGE_PATTERNS: tuple[re.Pattern[str], ...] = tuple(
    re.compile(p)
    for p in [
        *(p for p, _ in _AFTER_CUES),
        *(p for p, _ in _BEFORE_CUES if p != _POSITIONAL),
        r"依托|保护好|巩固提升|巩固|沿线|境内有|拥有",
        _YI_WEI,
    ]
)
# The words themselves, for widening a cue to the whole word (以…为 is found in place).
_WORD_PATTERNS = _STAGE_PATTERNS[:-1]
LONGEST_WORD = 8
_WORD_BEFORE_RE = re.compile("(?:" + "|".join(f"(?:{p.pattern})" for p in _WORD_PATTERNS) + ")$")
STAGE_WORD_RE: re.Pattern[str] = re.compile("|".join(f"(?:{p.pattern})" for p in _STAGE_PATTERNS))
"""Any stage word the extractor recognises (a quote holds one unless its stage is a default)."""

_CLAUSE_BREAK_RE = re.compile(r"[，,；;：:]")
# 完成 before a name whose clause ends in a work (完成X道路建设) finishes that work.
_DONE_RE = re.compile(r"完成")
# After-cues of the weaker stages count only this close to the name.
_NEAR = 12
_POSITIONAL_RE = re.compile(_POSITIONAL)


@dataclass(frozen=True)
class Cue:
    """The words that gave a mention its stage, and where they are."""

    stage: Stage
    start: int
    end: int
    landmark: bool = False


def _last_cue(
    text: str, start: int, end: int, cues: list[tuple[re.Pattern[str], Stage]]
) -> Cue | None:
    """The cue in ``text[start:end]`` that ends last (the earlier pattern on a tie)."""
    best: Cue | None = None
    for pattern, stage in cues:
        for m in pattern.finditer(text, start, end):
            if best is None or m.end() > best.end:
                best = Cue(stage, m.start(), m.end())
    return best


def _before_cue(text: str, front: int, name_start: int) -> Cue | None:
    """The last verb in front of a name that governs it: a verb that closes the item listed
    before, joined to this name by 和/及/与 ("力争启动A、B建设和C": 建设 is B's), is skipped."""
    end = name_start
    while True:
        cue = _last_cue(text, front, end, _BEFORE_RE)
        if cue is None or not closes_listed_item(text, cue.start, cue.end, floor=front):
            return cue
        end = cue.start


def governing_cue(text: str, clause: Clause, mention: NameMention) -> Cue | None:
    """The words that give a mention its stage (module docstring); None for the default."""
    name_end = mention.written_end
    breaks = list(_CLAUSE_BREAK_RE.finditer(text, clause.sentence_start, mention.start))
    front = breaks[-1].end() if breaks else clause.sentence_start  # the clause before the name
    before_clause = text[front : mention.start]
    landmark = _LANDMARK_RE.search(before_clause)
    if landmark and not re.search(r"建成|开工|推进|加快|建设", before_clause[-6:]):
        return Cue(_C, front + landmark.start(), front + landmark.end(), landmark=True)
    before = _before_cue(text, front, mention.start)
    done = _last_match(_DONE_RE, text, front, mention.start)
    if done and before is not None and done.start() < before.start:
        done = None  # 完成A, 加快B: the later verb governs
    for pattern, stage in _AFTER_RE:  # a coordinated list never crosses a comma
        hit = pattern.search(text, mention.end, clause.end)
        near = hit is not None and hit.start() - max(mention.end, name_end) < _NEAR
        if hit and (near or stage in {_R, _C} or (stage is _U and done)):
            if stage is _U and before is not None and before.stage in {_C, _R}:
                # 力争启动X建设, 全面完成X建设任务: the verb in front rules, with its object
                return Cue(before.stage, before.start, hit.end())
            if stage is _U and done and not text.startswith("投资", hit.end()):
                return Cue(_C, done.start(), hit.end())  # 完成X道路建设 (not 建设投资): finished
            return Cue(stage, hit.start(), hit.end())
    return before


def _last_match(pattern: re.Pattern[str], text: str, start: int, end: int) -> re.Match[str] | None:
    """The last match of ``pattern`` in ``text[start:end]``, or None."""
    matches = list(pattern.finditer(text, start, end))
    return matches[-1] if matches else None


def widen(text: str, start: int, end: int, limit: int, *, chain: bool) -> int:
    """The end of the longest stage word at ``start`` (开工 -> 开工建设), at least ``end``.

    With ``chain``, stage words that follow at once are taken too (建成 + 通航), so a
    quote never ends on the first half of a compound.
    """
    at = start
    while at < limit:
        ends = [m.end() for p in _WORD_PATTERNS if (m := p.match(text, at, limit)) is not None]
        longest = max(ends, default=at)
        if longest <= at:
            break
        end = max(end, longest)
        if not chain:
            break
        at = end
    return end


def widen_left(text: str, start: int, floor: int) -> int:
    """Take in stage words that end right at ``start`` (建成 + 投用X): no half compounds."""
    while start > floor:
        m = _WORD_BEFORE_RE.search(text, max(floor, start - LONGEST_WORD), start)
        if m is None or m.start() == start:
            break
        start = m.start()  # the leftmost, so the longest, word ending here
    return start


def is_positional(text: str, cue: Cue | None) -> bool:
    """Whether ``cue`` makes its name a landmark (依托X, 境内有X), not a stated stage."""
    return cue is not None and (
        cue.landmark or _POSITIONAL_RE.fullmatch(text, cue.start, cue.end) is not None
    )
