"""Plan text -> typed project records (:class:`layers.model.Record`), per the annotation guide.

The pipeline is: clauses with their years (:mod:`layers.segment`) -> named
mentions (:mod:`layers.mentions`) -> a stage for each mention from the words
that govern it -> one record per project, merging repeated mentions (every
dated stage is one :class:`layers.model.Mention`, with its quote and sentence).

Stage comes from the nearest governing words. Words after the name that end the
clause ("…建成通车", "…前期工作", "…力争开工") apply to every name listed before
them; otherwise the verb in front of the name does ("加快建设X", "规划X"). Hedges
keep a project a stage back: "力争开工" is still preparatory. Names used as
landmarks ("依托X", "以X…为发展轴", "巩固…成果") are existing, completed
facilities that the document reports rather than plans.

Quotes are there to be cited. A mention's ``quote`` is the shortest span that
holds the name as written (a listed item reaches the head it shares:
"大竹至垫江、城口经宣汉至重庆高速建成通车") and the stage word that gave its stage,
never cut inside a word; its ``sentence`` is the whole sentence with the year
that dates it ("2025年,…建成通车"; a later sentence of a task row reaches back to
the row's year when that stays short). :data:`STAGE_WORD_RE` matches every
stage word. The landmark words (依托, 保护好, 巩固, 沿线, 以…为) count as stage
words: they are what makes a name an existing, completed facility. When no
stage word governs a name its stage is the default (under construction) and its
quote holds the nearest governing verb instead.

Extraction runs on normalised text (:func:`layers.reader.normalise`); the
records leave through :func:`records_to_original`, which maps every span back
to the document's own text.
"""

from __future__ import annotations

import bisect
import dataclasses
import functools
import logging
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

from layers.mentions import HEADS, anchor_positions, find_elliptical, find_mentions
from layers.mentions import Mention as NameMention
from layers.model import LINE_LAYERS, Layer, Mention, Record, Span, Stage
from layers.placenames import PlaceIndex
from layers.reader import NormalisedText, normalise, read_document
from layers.segment import Clause, annual_year, split_clauses

logger = logging.getLogger(__name__)

STATUSES: tuple[str, ...] = tuple(stage.value for stage in Stage)
"""The stage codes, least advanced first (kept for importers; prefer :class:`Stage`)."""

_P, _R, _U, _C = Stage.PROPOSED, Stage.PREPARATORY, Stage.UNDER_CONSTRUCTION, Stage.COMPLETED

# (pattern, stage), checked in order: first match wins within a window.
_AFTER_CUES: tuple[tuple[str, Stage], ...] = (
    (r"通过(?:国家级|省级|市级)?(?:认定|验收)", _C),
    (r"前期(?:工作|规划)?|可研|立项|初设|初步设计|财评|招投标|认定|招商", _R),
    (r"力争(?:开工|开建|启动)|争取开工|启动建设|开工准备", _R),
    (r"建成通车|建成投运|建成投用|建成|通车|投运|投用|竣工|完工|通航|成功创建|创建成功|封关运营|获批", _C),
    (r"规划建设|规划研究", _P),
    (r"开工|开建|复工|加快建设|建设|在建|扩能改造加快|实施|下闸蓄水|下闸", _U),
    (r"纳入|规划", _P),
)  # fmt: skip
# Positional words: a name after them is a landmark (an existing facility).
_POSITIONAL = r"依托|以|保护好|巩固|沿线"
_BEFORE_CUES: tuple[tuple[str, Stage], ...] = (
    (r"力争(?:开工|开建|启动)|争取开工|启动|力争实施", _R),
    (r"规划建设|规划|谋划|研究|争取纳入|推动.{0,6}纳入|积极争创|争创|争取", _P),
    (r"全面建成|基本建成|建成|建好|投用|全面完成|完成.{0,6}建设|通车|创建成功", _C),
    (r"加快创建|推进创建|开工建设|开工|开建|加快建设|加快推进|推进|加快|建设|新建|续建|实施|打造|提速|联通|共建|培育|完善|营运好|提档升级|提档", _U),
    (r"创建", _R),
    (_POSITIONAL, _C),
)  # fmt: skip
_AFTER_RE = [(re.compile(p), s) for p, s in _AFTER_CUES]
_BEFORE_RE = [(re.compile(p), s) for p, s in _BEFORE_CUES]
_LANDMARK_RE = re.compile(r"依托|以.{0,30}为|保护好|巩固提升|沿线")
# "以X、Y三大园区为抓手": the landmark reads from 以 to the 为 after the names.
_YI_WEI = r"以[^，,。；;：:\n]{1,60}?为"
# Every stage word the cues above recognise, one pattern each (for the longest word at a
# position); the positional words are kept as landmark stage words, 以 only as 以…为.
_STAGE_PATTERNS: tuple[re.Pattern[str], ...] = tuple(
    re.compile(p)
    for p in [
        *(p for p, _ in _AFTER_CUES),
        *(p for p, _ in _BEFORE_CUES if p != _POSITIONAL),
        r"依托|保护好|巩固提升|巩固|沿线",
        _YI_WEI,
    ]
)
# The words themselves, for widening a cue to the whole word (以…为 is found in place).
_WORD_PATTERNS = _STAGE_PATTERNS[:-1]
_LONGEST_WORD = 8
_WORD_BEFORE_RE = re.compile("(?:" + "|".join(f"(?:{p.pattern})" for p in _WORD_PATTERNS) + ")$")
STAGE_WORD_RE: re.Pattern[str] = re.compile("|".join(f"(?:{p.pattern})" for p in _STAGE_PATTERNS))
"""Any stage word the extractor recognises (a quote holds one unless its stage is a default)."""

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
_ENDPOINT_SPLIT_RE = re.compile(r"经|至|接|—|－")
_HEAD_SUFFIX_RE = re.compile(
    r"(?:高速公路|高速铁路|高速通道|高速|货运铁路|城际铁路|铁路|高铁|城际|公路|轨道交通)$"
)
_ZONE_HEAD_END_RE = re.compile("(?:" + "|".join(HEADS["industrial_zone"]) + ")$")
# Lines naming who is responsible for a task: organisations, not projects.
_RESPONSIBLE_RE = re.compile(r"\s*(?:责任单位|牵头单位|配合单位|责任部门)[:：]")
_CLAUSE_BREAK_RE = re.compile(r"[，,；;：:]")
_EDGE = " \t\n，,。；;：:、！？!?"
# A task row's later sentence quotes the row's year with it only up to this length.
MAX_SENTENCE = 240
# After-cues of the weaker stages count only this close to the name.
_NEAR = 12


@dataclass(frozen=True)
class _Cue:
    """The words that gave a mention its stage, and where they are."""

    stage: Stage
    start: int
    end: int
    landmark: bool = False


def _last_cue(
    text: str, start: int, end: int, cues: list[tuple[re.Pattern[str], Stage]]
) -> _Cue | None:
    """The cue in ``text[start:end]`` that ends last (the earlier pattern on a tie)."""
    best: _Cue | None = None
    for pattern, stage in cues:
        for m in pattern.finditer(text, start, end):
            if best is None or m.end() > best.end:
                best = _Cue(stage, m.start(), m.end())
    return best


def _governing_cue(text: str, clause: Clause, mention: NameMention) -> _Cue | None:
    """The words that give a mention its stage (module docstring); None for the default."""
    name_end = mention.written_end
    breaks = list(_CLAUSE_BREAK_RE.finditer(text, clause.sentence_start, mention.start))
    front = breaks[-1].end() if breaks else clause.sentence_start  # the clause before the name
    before_clause = text[front : mention.start]
    landmark = _LANDMARK_RE.search(before_clause)
    if landmark and not re.search(r"建成|开工|推进|加快|建设", before_clause[-6:]):
        return _Cue(_C, front + landmark.start(), front + landmark.end(), landmark=True)
    before = _last_cue(text, front, mention.start, _BEFORE_RE)
    for pattern, stage in _AFTER_RE:  # a coordinated list never crosses a comma
        hit = pattern.search(text, mention.end, clause.end)
        if hit and (hit.start() - max(mention.end, name_end) < _NEAR or stage in {_R, _C}):
            if stage is _U and before is not None and before.stage in {_C, _R}:
                # 力争启动X建设, 全面完成X建设任务: the verb in front rules, with its object
                return _Cue(before.stage, before.start, hit.end())
            return _Cue(stage, hit.start(), hit.end())
    return before


def _widen(text: str, start: int, end: int, limit: int, *, chain: bool) -> int:
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


def _widen_left(text: str, start: int, floor: int) -> int:
    """Take in stage words that end right at ``start`` (建成 + 投用X): no half compounds."""
    while start > floor:
        m = _WORD_BEFORE_RE.search(text, max(floor, start - _LONGEST_WORD), start)
        if m is None or m.start() == start:
            break
        start = m.start()  # the leftmost, so the longest, word ending here
    return start


def _balanced(text: str, start: int, end: int, floor: int, limit: int) -> tuple[int, int]:
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
        for m in _VERB_RE.finditer(text, max(0, verb.start() - _LONGEST_WORD), verb.start())
    ) or bool(_ADVERB_RE.search(text, max(0, verb.start() - 2), verb.start()))


def _quote_span(
    text: str,
    clause: Clause,
    mention: NameMention,
    cue: _Cue | None,
    others: Sequence[tuple[int, int]] = (),
) -> tuple[int, int]:
    """The shortest span holding the name as written and the words that gave its stage.

    ``others`` are the spans of the clause's other names: a quote never ends inside
    one, and no verb inside one governs this name.
    """
    start, end = mention.start, mention.written_end
    if cue is not None:
        after = cue.start >= mention.end
        cue_end = _widen(text, cue.start, cue.end, clause.end, chain=after)
        cue_start = cue.start if after else _widen_left(text, cue.start, clause.sentence_start)
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


def _sentence_span(text: str, clause: Clause) -> tuple[int, int]:
    """The whole sentence with the year that dates it, without its end punctuation."""
    start = clause.dated_start
    if clause.sentence_end - start > MAX_SENTENCE:
        start = clause.sentence_start  # a long task row: the sentence alone
    return _trim(text, start, clause.sentence_end)


@dataclass
class _Draft:
    """A record while the document is read: mentions and spellings still being added."""

    doc_id: str
    name: str
    layer: Layer
    mentions: list[Mention] = field(default_factory=list)
    aliases: list[str] = field(default_factory=list)
    counties: list[str] = field(default_factory=list)
    endpoints: list[str] = field(default_factory=list)

    def freeze(self) -> Record:
        """The finished record: its mentions in reading order, each spelling once."""
        return Record(
            doc_id=self.doc_id,
            name=self.name,
            layer=self.layer,
            mentions=tuple(sorted(self.mentions, key=lambda m: (m.quote.start, m.quote.end))),
            aliases=tuple(dict.fromkeys(a for a in self.aliases if a != self.name)),
            counties=tuple(self.counties),
            endpoints=tuple(self.endpoints),
        )


@functools.lru_cache(maxsize=65536)
def name_key(name: str) -> str:
    """Spelling-insensitive key: 达州绕城西段高速公路 = 达州绕城高速公路西段.

    Brackets, quotes, 项目/工程, 园区/园, a 市 after a place and the expressway
    words are dropped, so respellings of one name compare equal.
    """
    key = re.sub(r"[（()）“”\s]", "", name)
    key = re.sub(r"项目$|工程$", "", key)
    key = re.sub(r"园区$", "园", key)
    key = re.sub(r"(?<=[\u4e00-\u9fff]{2})市(?!$)", "", key)  # 达州市过境段 = 达州过境段
    return re.sub(r"高速公路|高速铁路|高速|公路", "", key)


def _endpoints(name: str, layer: Layer) -> list[str]:
    """The places a line connects, as written: 城口经宣汉至重庆高速 -> 城口, 宣汉, 重庆."""
    if layer not in LINE_LAYERS:
        return []
    stem = _HEAD_SUFFIX_RE.sub("", re.sub(r"(?:扩能改造)?(?:项目|工程)?$", "", name))
    if not re.search(r"至|经|—|接", stem) or stem.endswith("段"):
        return []
    parts = [p for p in _ENDPOINT_SPLIT_RE.split(stem) if p]
    if parts:
        parts[-1] = re.sub(r"(?:直达|方向|货运|城际|南北走向|东西走向)$", "", parts[-1])
    # A dash-joined part may be one abbreviation character (长垫梁—万—恩施: 万 = 万州).
    shortest = 1 if "—" in stem else 2
    return parts if len(parts) >= 2 and all(shortest <= len(p) <= 6 for p in parts) else []


def _counties(record: _Draft, places: PlaceIndex, region: str | None) -> list[str]:
    """County-level units the name ties the project to: its endpoints and its opening.

    Only what the name says counts (宣汉县商贸物流园 -> 宣汉县, 开江至梁平 -> 开江县,
    梁平区); prefectures and provinces are not counties, and an ambiguous place is
    left out rather than guessed. A name that merely opens with the short name of a
    county in another province (大安高速 in a Chongqing report) is not tied to it:
    only the endpoints of a line reach across the border.
    """
    found: list[str] = []
    openings = record.endpoints or [record.name]
    for opening in openings:
        match = places.leading_unit(opening, within=region)
        if match is None or match.unit.level != "county" or match.unit.name in found:
            continue
        outside = bool(region) and not match.unit.adcode.startswith((region or "")[:2])
        if match.via == "short" and outside and not record.endpoints:
            continue  # 大安高速 in a Chongqing report: 大安 is a town, not 自贡's 大安区
        found.append(match.unit.name)
    return found


def _abbreviations(name: str, endpoints: list[str]) -> set[str]:
    """Short forms of a line named by its endpoints: 镇巴经达州至广安 -> 镇达广, 镇广."""
    names = [p[:2] for p in endpoints]
    after = name[name.rfind(endpoints[-1]) + len(endpoints[-1]) :]
    extra = _HEAD_SUFFIX_RE.sub("", re.sub(r"(?:扩能改造)?(?:项目|工程)?$", "", after))
    extra = endpoints[-1][2:] + extra  # 达州至万州直达 -> 达万直达
    initials = "".join(n[0] for n in names)
    ends = names[0][0] + names[-1][0]
    return {initials, ends, initials + extra, ends + extra}


def _is_section(name: str) -> bool:
    return bool(re.search(r"段$|期(?:工程|项目)?[）)]?$", name))


def _mention(
    text: str, clause: Clause, found: NameMention, others: Sequence[tuple[int, int]] = ()
) -> Mention:
    """One typed mention: its stage, years, voice, quote and sentence (normalised offsets)."""
    cue = _governing_cue(text, clause, found)
    stage = cue.stage if cue is not None else _U
    landmark = stage is _C and bool(
        _LANDMARK_RE.search(text[clause.sentence_start : found.start][-20:])
    )
    q_start, q_end = _quote_span(text, clause, found, cue, others)
    q_start, q_end = _balanced(text, q_start, q_end, clause.sentence_start, clause.sentence_end)
    s_start, s_end = _sentence_span(text, clause)
    s_start, s_end = min(s_start, q_start), max(s_end, q_end)  # never a quote outside it
    return Mention(
        stage=stage,
        years=clause.years,
        reported=clause.reported or landmark,
        quote=Span(text[q_start:q_end], q_start, q_end),
        sentence=Span(text[s_start:s_end], s_start, s_end),
    )


def records_from_text(
    text: str,
    *,
    doc_id: str,
    doc_year: int | None,
    places: PlaceIndex | None = None,
    region: str | None = None,
) -> list[Record]:
    """Extract one record per named project from normalised document text.

    Parameters
    ----------
    text
        Normalised document text (:func:`layers.reader.normalise`); every span of
        the records points into it (:func:`records_to_original` maps them back).
    doc_id, doc_year
        The document's id, and its year for "今年/明年".
    places
        The place index; with it, records get their ``counties`` and repeated
        mentions are merged only when the longer name adds a place (巴中新能源新材料
        产业园 = 新能源新材料产业园, but 秦巴电子信息产业园 is not 电子信息产业园).
    region
        Adcode of the document's province or prefecture, used only to settle an
        ambiguous place name.
    """
    drafts: dict[tuple[Layer, str], _Draft] = {}
    n_mentions = 0
    annual = annual_year(text)
    default_years = (annual,) if annual is not None else ()
    sentence_start = -1
    last_listed: NameMention | None = None
    anchors = anchor_positions(text)
    responsible = False
    for clause in split_clauses(text, doc_year=doc_year, default_years=default_years):
        if clause.sentence_start != sentence_start:
            sentence_start, last_listed = clause.sentence_start, None
            line_start = text.rfind("\n", 0, clause.sentence_start) + 1
            responsible = bool(_RESPONSIBLE_RE.match(text, line_start, clause.sentence_end))
        if responsible:
            continue
        first_anchor = bisect.bisect_left(anchors, clause.start)
        has_anchor = first_anchor < len(anchors) and anchors[first_anchor] < clause.end
        found = find_mentions(text, clause.start, clause.end) if has_anchor else []
        if not found and last_listed is not None:
            found = find_elliptical(text, clause.start, clause.end, after=last_listed)
        last_listed = next((m for m in reversed(found) if m.listed), last_listed)
        spans = [(m.start, m.end) for m in found]
        for name in found:
            n_mentions += 1
            layer = Layer(name.category)
            key = (layer, name_key(name.name))
            draft = drafts.get(key)
            if draft is None:
                draft = _Draft(doc_id, name.name, layer, endpoints=_endpoints(name.name, layer))
                drafts[key] = draft
            elif name.name not in draft.aliases and name.name != draft.name:
                draft.aliases.append(name.name)
            others = [span for span in spans if span != (name.start, name.end)]
            draft.mentions.append(_mention(text, clause, name, others))
    merged = _merge_abbreviations(list(drafts.values()), places=places, region=region)
    if places is not None:
        for draft in merged:
            draft.counties = _counties(draft, places, region)
    logger.info("extract %s: %d mentions -> %d records", doc_id, n_mentions, len(merged))
    return [draft.freeze() for draft in merged]


def _merge_abbreviations(
    drafts: list[_Draft], *, places: PlaceIndex | None, region: str | None
) -> list[_Draft]:
    """Fold 开梁高速 into 开江至梁平高速 (a name that is its endpoints' initials) and
    数字经济产业园 into 达州高新区数字经济产业园 (the same name with a place in front)."""
    by_abbrev: dict[tuple[Layer, str], _Draft] = {}
    for draft in drafts:
        if len(draft.endpoints) >= 2:
            for abbrev in _abbreviations(draft.name, draft.endpoints):
                by_abbrev.setdefault((draft.layer, abbrev), draft)
    kept: list[_Draft] = []
    for draft in drafts:
        target = by_abbrev.get((draft.layer, name_key(draft.name)))
        if target is None or target is draft or draft.endpoints:
            target = _containing(draft, kept, places=places, region=region)
        if target is not None and target is not draft:
            target.aliases.append(draft.name)
            target.mentions.extend(draft.mentions)
        else:
            kept.append(draft)
    return kept


def _containing(
    draft: _Draft, others: list[_Draft], *, places: PlaceIndex | None, region: str | None
) -> _Draft | None:
    """An earlier record of the same project spelt longer or shorter (数字经济产业园 /
    达州高新区数字经济产业园); sections and phases of a line are never folded.

    The longer spelling may only add a place or a zone in front: 秦巴电子信息产业园
    is a different park from 电子信息产业园, 巴中新能源新材料产业园 is the same one.
    """
    key = name_key(draft.name)
    if len(key) < 4 or _is_section(draft.name):
        return None
    for other in others:
        other_key = name_key(other.name)
        if other.layer != draft.layer or _is_section(other.name) or len(other_key) < 4:
            continue
        if key.startswith(other_key):
            return other
        if key.endswith(other_key) or other_key.endswith(key):
            longer, shorter = (key, other_key) if len(key) > len(other_key) else (other_key, key)
            if _is_place_prefix(longer[: len(longer) - len(shorter)], places, region):
                return other
    return None


def _is_place_prefix(prefix: str, places: PlaceIndex | None, region: str | None) -> bool:
    """Whether ``prefix`` is only a place or zone put in front of a name (巴中, 达州高新区)."""
    if _ZONE_HEAD_END_RE.search(prefix) or re.fullmatch(r".{2,6}[省市县区]", prefix):
        return True
    if places is None:
        return False
    match = places.leading_unit(prefix, within=region)
    return match is not None and match.query == prefix


def _to_original(span: Span, normalised: NormalisedText) -> Span:
    start, end = normalised.original_span(span.start, span.end)
    return Span(normalised.original[start:end], start, end)


def records_to_original(records: Iterable[Record], normalised: NormalisedText) -> list[Record]:
    """The records with every quote and sentence taken from the original text.

    Extraction runs on normalised text (simplified characters, half-width digits,
    no stray spaces); a planner checking a quote searches the file they have, so
    each mention's ``quote`` and ``sentence`` become exact spans of
    ``normalised.original`` (``span.text == original[span.start:span.end]``).
    """
    return [
        dataclasses.replace(
            record,
            mentions=tuple(
                dataclasses.replace(
                    mention,
                    quote=_to_original(mention.quote, normalised),
                    sentence=_to_original(mention.sentence, normalised),
                )
                for mention in record.mentions
            ),
        )
        for record in records
    ]


def records_from_bytes(
    data: bytes,
    *,
    name: str,
    doc_id: str,
    doc_year: int | None,
    places: PlaceIndex | None = None,
    region: str | None = None,
) -> list[Record]:
    """A document's bytes -> its records, quoting the original text.

    The whole path the command line takes (decode, normalise, extract, map quotes
    back), for callers that hold a document in memory.

    Raises
    ------
    DocumentReadError
        If the bytes are not a readable document.
    """
    normalised = normalise(read_document(data, name=name).text)
    records = records_from_text(
        normalised.text, doc_id=doc_id, doc_year=doc_year, places=places, region=region
    )
    return records_to_original(records, normalised)


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
