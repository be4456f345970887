"""Plan text -> project records in the annotation format (shared/spec/ANNOTATION.md).

The pipeline is: clauses with their years (:mod:`layers.segment`) -> named
mentions (:mod:`layers.mentions`) -> a status for each mention from the words
that govern it -> one record per project, merging repeated mentions (every dated
stage goes to ``timeline``; every quote is kept with its offsets).

Status comes from the nearest governing words. Words after the name that end the
clause ("…建成通车", "…前期工作", "…力争开工") apply to every name listed before
them; otherwise the verb in front of the name does ("加快建设X", "规划X"). Hedges
keep a project a stage back: "力争开工" is still preparatory. Names used as
landmarks ("依托X", "以X…为发展轴", "巩固…成果") are existing, completed
facilities that the document reports rather than plans.
"""

from __future__ import annotations

import bisect
import functools
import logging
import re
from collections.abc import Iterable
from dataclasses import dataclass, field

from layers.mentions import HEADS, Mention, anchor_positions, find_elliptical, find_mentions
from layers.placenames import PlaceIndex
from layers.reader import NormalisedText, normalise, read_document
from layers.segment import Clause, annual_year, split_clauses

logger = logging.getLogger(__name__)

STATUSES = ("proposed", "preparatory", "under_construction", "completed")
_RANK = {s: i for i, s in enumerate(STATUSES)}

# (pattern, status), checked in order: first match wins within a window.
_AFTER_CUES: tuple[tuple[str, str], ...] = (
    (r"通过(?:国家级|省级|市级)?(?:认定|验收)", "completed"),
    (r"前期(?:工作|规划)?|可研|立项|初设|财评|招投标|认定|招商", "preparatory"),
    (r"力争(?:开工|开建|启动)|争取开工|启动建设|开工准备", "preparatory"),
    (r"建成通车|建成投运|建成投用|建成|通车|投运|投用|竣工|完工|通航|成功创建|创建成功|封关运营|获批", "completed"),
    (r"规划建设|规划研究", "proposed"),
    (r"开工|开建|复工|加快建设|建设|在建|扩能改造加快|实施", "under_construction"),
    (r"纳入|规划", "proposed"),
)  # fmt: skip
_BEFORE_CUES: tuple[tuple[str, str], ...] = (
    (r"力争(?:开工|开建|启动)|争取开工|启动|力争实施", "preparatory"),
    (r"规划建设|规划|谋划|研究|争取纳入|推动.{0,6}纳入|积极争创|争创|争取", "proposed"),
    (r"全面建成|基本建成|建成|建好|投用|全面完成|完成.{0,6}建设|通车|创建成功", "completed"),
    (r"加快创建|推进创建|开工建设|开工|开建|加快建设|加快推进|推进|加快|建设|新建|续建|实施|打造|提速|联通|共建|培育|完善|营运好", "under_construction"),
    (r"创建", "preparatory"),
    (r"依托|以|保护好|巩固|沿线", "completed"),
)  # fmt: skip
_AFTER_RE = [(re.compile(p), s) for p, s in _AFTER_CUES]
_BEFORE_RE = [(re.compile(p), s) for p, s in _BEFORE_CUES]
_LANDMARK_RE = re.compile(r"依托|以.{0,30}为|保护好|巩固提升|沿线")
_ENDPOINT_SPLIT_RE = re.compile(r"经|至|接|—|－")
_HEAD_SUFFIX_RE = re.compile(
    r"(?:高速公路|高速铁路|高速通道|高速|货运铁路|城际铁路|铁路|高铁|城际|公路|轨道交通)$"
)
_LINE_CATEGORIES = frozenset({"highway", "railway"})
_ZONE_HEAD_END_RE = re.compile("(?:" + "|".join(HEADS["industrial_zone"]) + ")$")
# Lines naming who is responsible for a task: organisations, not projects.
_RESPONSIBLE_RE = re.compile(r"\s*(?:责任单位|牵头单位|配合单位|责任部门)[:：]")


@dataclass
class Stage:
    """One mention's contribution: a status, the years it is dated to, its quote."""

    status: str
    years: tuple[int, ...]
    reported: bool
    quote: str
    start: int
    end: int


@dataclass
class ProjectRecord:
    """A project as it appears in one document (the annotation guide's unit)."""

    doc: str
    name: str
    category: str
    stages: list[Stage] = field(default_factory=list)
    aliases: list[str] = field(default_factory=list)
    counties: list[str] = field(default_factory=list)
    endpoints: list[str] = field(default_factory=list)

    @property
    def status(self) -> str:
        return max((s.status for s in self.stages), key=_RANK.__getitem__)

    @property
    def reported(self) -> bool:
        best = [s for s in self.stages if s.status == self.status]
        return all(s.reported for s in best)

    @property
    def timeline(self) -> list[dict[str, object]]:
        by_year: dict[int, str] = {}
        for stage in self.stages:
            for year in stage.years:
                old = by_year.get(year)
                if old is None or _RANK[stage.status] > _RANK[old]:
                    by_year[year] = stage.status
        return [{"year": y, "status": by_year[y]} for y in sorted(by_year)]

    @property
    def target_year(self) -> int | None:
        timeline = self.timeline
        done = [t["year"] for t in timeline if t["status"] == "completed"]
        if done:
            return int(min(done))
        return int(timeline[-1]["year"]) if timeline else None

    @property
    def quote(self) -> str:
        best = [s for s in self.stages if s.status == self.status]
        return min(best, key=lambda s: len(s.quote)).quote

    def to_json(self) -> dict[str, object]:
        """The record in the annotation format, plus every quote with its offsets."""
        return {
            "doc": self.doc,
            "name": self.name,
            "aliases": [a for a in self.aliases if a != self.name],
            "category": self.category,
            "status": self.status,
            "reported": self.reported,
            "target_year": self.target_year,
            "timeline": self.timeline,
            "counties": self.counties,
            "endpoints": self.endpoints,
            "quote": self.quote,
            "mentions": [
                {
                    "quote": s.quote,
                    "start": s.start,
                    "end": s.end,
                    "status": s.status,
                    "years": list(s.years),
                }
                for s in self.stages
            ],
        }


def _first_cue(text: str, cues: list[tuple[re.Pattern[str], str]], *, last: bool) -> str | None:
    best: tuple[int, str] | None = None
    for pattern, status in cues:
        for m in pattern.finditer(text):
            pos = m.end() if last else -m.start()
            if best is None or pos > best[0]:
                best = (pos, status)
            if not last:
                break
    return best[1] if best else None


def mention_status(text: str, clause: Clause, mention: Mention) -> str:
    """The stage a clause gives a mention (see the module docstring for the rules)."""
    after = text[mention.end : clause.end]  # a coordinated list never crosses a comma
    before = text[clause.sentence_start : mention.start]
    before_clause = re.split(r"[，,；;：:]", before)[-1]
    if _LANDMARK_RE.search(before_clause) and not re.search(
        r"建成|开工|推进|加快|建设", before_clause[-6:]
    ):
        return "completed"
    before_status = _first_cue(before_clause, _BEFORE_RE, last=True)
    for pattern, status in _AFTER_RE:
        hit = pattern.search(after)
        if hit and (hit.start() < 12 or status in {"preparatory", "completed"}):
            if status == "under_construction" and before_status in {"completed", "preparatory"}:
                return before_status  # 力争启动X建设, 全面完成X建设任务: the verb in front rules
            return status
    return before_status or "under_construction"


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


def _endpoints(name: str, category: str) -> list[str]:
    """The places a line connects, as written: 城口经宣汉至重庆高速 -> 城口, 宣汉, 重庆."""
    if category not in _LINE_CATEGORIES:
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


def _counties(record: ProjectRecord, places: PlaceIndex, region: str | None) -> list[str]:
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
        outside = bool(region) and not match.unit.adcode.startswith(region[:2])
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


def records_from_text(
    text: str,
    *,
    doc_id: str,
    doc_year: int | None,
    places: PlaceIndex | None = None,
    region: str | None = None,
) -> list[ProjectRecord]:
    """Extract one record per named project from normalised document text.

    Parameters
    ----------
    text
        Normalised document text (:func:`layers.reader.normalise`).
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
    records: dict[tuple[str, str], ProjectRecord] = {}
    n_mentions = 0
    annual = annual_year(text)
    default_years = (annual,) if annual is not None else ()
    sentence_start, last_listed = -1, None
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
        mentions = find_mentions(text, clause.start, clause.end) if has_anchor else []
        if not mentions and last_listed is not None:
            mentions = find_elliptical(text, clause.start, clause.end, after=last_listed)
        last_listed = next((m for m in reversed(mentions) if m.listed), last_listed)
        for mention in mentions:
            n_mentions += 1
            status = mention_status(text, clause, mention)
            landmark = status == "completed" and bool(
                _LANDMARK_RE.search(text[clause.sentence_start : mention.start][-20:])
            )
            q_start = clause.start if mention.start - clause.start < 40 else mention.start
            q_end = min(clause.end, max(mention.end, q_start) + 12)
            raw = text[q_start:q_end]
            quote = raw.strip(" ，,。；;、")
            q_start += len(raw) - len(raw.lstrip(" ，,。；;、"))
            q_end = q_start + len(quote)
            stage = Stage(status, clause.years, clause.reported or landmark, quote, q_start, q_end)
            key = (mention.category, name_key(mention.name))
            record = records.get(key)
            if record is None:
                record = ProjectRecord(doc=doc_id, name=mention.name, category=mention.category)
                record.endpoints = _endpoints(mention.name, mention.category)
                records[key] = record
            elif mention.name not in record.aliases and mention.name != record.name:
                record.aliases.append(mention.name)
            record.stages.append(stage)
    merged = merge_abbreviations(list(records.values()), places=places, region=region)
    if places is not None:
        for record in merged:
            record.counties = _counties(record, places, region)
    logger.info("extract %s: %d mentions -> %d records", doc_id, n_mentions, len(merged))
    return merged


def merge_abbreviations(
    records: Iterable[ProjectRecord],
    *,
    places: PlaceIndex | None = None,
    region: str | None = None,
) -> list[ProjectRecord]:
    """Fold 开梁高速 into 开江至梁平高速 (a name that is its endpoints' initials) and
    数字经济产业园 into 达州高新区数字经济产业园 (the same name with a place in front)."""
    records = list(records)
    by_abbrev: dict[tuple[str, str], ProjectRecord] = {}
    for record in records:
        if len(record.endpoints) >= 2:
            for abbrev in _abbreviations(record.name, record.endpoints):
                by_abbrev.setdefault((record.category, abbrev), record)
    kept: list[ProjectRecord] = []
    for record in records:
        stem = name_key(record.name)
        target = by_abbrev.get((record.category, stem))
        if target is None or target is record or record.endpoints:
            target = _containing(record, kept, places=places, region=region)
        if target is not None and target is not record:
            target.aliases.append(record.name)
            target.stages.extend(record.stages)
        else:
            kept.append(record)
    return kept


def _containing(
    record: ProjectRecord,
    others: list[ProjectRecord],
    *,
    places: PlaceIndex | None,
    region: str | None,
) -> ProjectRecord | None:
    """An earlier record of the same project spelt longer or shorter (数字经济产业园 /
    达州高新区数字经济产业园); sections and phases of a line are never folded.

    The longer spelling may only add a place or a zone in front: 秦巴电子信息产业园
    is a different park from 电子信息产业园, 巴中新能源新材料产业园 is the same one.
    """
    key = name_key(record.name)
    if len(key) < 4 or _is_section(record.name):
        return None
    for other in others:
        other_key = name_key(other.name)
        if other.category != record.category or _is_section(other.name) or len(other_key) < 4:
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


def records_to_original(
    records: Iterable[ProjectRecord], normalised: NormalisedText
) -> list[dict[str, object]]:
    """The records as JSON objects whose quotes and offsets refer to the original text.

    Extraction runs on normalised text (simplified characters, half-width digits,
    no stray spaces); a planner checking a quote searches the file they have, so
    every ``quote`` and mention ``start``/``end`` is mapped back to it.
    """
    out: list[dict[str, object]] = []
    for record in records:
        data = record.to_json()
        mentions = []
        for mention in data["mentions"]:  # type: ignore[union-attr]
            start, end = normalised.original_span(mention["start"], mention["end"])
            mentions.append(
                {**mention, "quote": normalised.original[start:end], "start": start, "end": end}
            )
        best = min(
            (m for m in mentions if m["status"] == data["status"]), key=lambda m: len(m["quote"])
        )
        data["quote"] = best["quote"]
        data["mentions"] = mentions
        out.append(data)
    return out


def records_from_bytes(
    data: bytes,
    *,
    name: str,
    doc_id: str,
    doc_year: int | None,
    places: PlaceIndex | None = None,
    region: str | None = None,
) -> list[dict[str, object]]:
    """A document's bytes -> its records as JSON objects quoting the original text.

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
