"""Plan text -> typed project records (:class:`layers.model.Record`), per the annotation guide.

The pipeline is: clauses with their years (:mod:`layers.segment`) -> named
mentions (:mod:`layers.mentions`) -> a stage for each mention from the words
that govern it -> one record per project, merging repeated mentions (every
dated stage is one :class:`layers.model.Mention`, with its quote and sentence).

What a name is lives in :mod:`layers.names`, where names are found in
:mod:`layers.mentions`, which words give a stage in :mod:`layers.stages` and
what a quote holds in :mod:`layers.quotes`; this module puts them together and
merges the mentions of one project into one record. A name used only as a
landmark (依托X) is an existing facility, unless the document states a stage of
its own for the project, which then wins.

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
from layers.model import LINE_LAYERS, Layer, Mention, Record, Span
from layers.names import Candidate
from layers.placenames import PlaceIndex
from layers.quotes import GOVERNING_VERB_RE, balanced, quote_holds_name, quote_span, sentence_span
from layers.reader import NormalisedText, normalise, read_document
from layers.segment import Clause, annual_year, split_clauses
from layers.stages import _C, _U, STAGE_WORD_RE, STATUSES, governing_cue, is_positional
from layers.stages import _LANDMARK_RE as LANDMARK_RE

__all__ = [
    "GOVERNING_VERB_RE", "STAGE_WORD_RE", "STATUSES", "name_key", "quote_holds_name",
    "records_from_bytes", "records_from_text", "records_to_original",
]  # fmt: skip

logger = logging.getLogger(__name__)
_ENDPOINT_SPLIT_RE = re.compile(r"经|至|接|—|－")
# A numbered road followed at once by the places it runs between, bare or in brackets:
# "S106城区至中敖", "S303(上峡至万家)", "G245巴州段光辉许家岭—三江—梁永道路".
_NUMBERED_ROAD_RE = re.compile(r"^[GS]\d{2,4}")
_BARE_ROAD_RE = re.compile(r"[GS]\d{2,4}线?")
_PROVINCIAL_ROAD_RE = re.compile(r"^S\d{2,4}")
_ROAD_PLACES_RE = re.compile(
    r"\s*[（(]?\s*(?:[\u4e00-\u9fff]{1,6}段)?"  # the section's own name first: 巴州段
    r"((?:[\u4e00-\u9fff]{2,8}?(?:至|经|—|－))+[\u4e00-\u9fff]{2,8}?)"
    r"(?:道路|公路|快速通道|通道|段|线|[)）、，,。；;\s]|$)"
)
_HEAD_SUFFIX_RE = re.compile(
    r"(?:高速公路|高速铁路|高速通道|高速|货运铁路|城际铁路|铁路|高铁|城际|公路|轨道交通)$"
)
_ZONE_HEAD_END_RE = re.compile("(?:" + "|".join(HEADS["industrial_zone"]) + ")$")
# Lines naming who is responsible for a task: organisations, not projects.
_RESPONSIBLE_RE = re.compile(r"\s*(?:责任单位|牵头单位|配合单位|责任部门)[:：]")


@dataclass
class _Draft:
    """A record while the document is read: mentions and spellings still being added."""

    doc_id: str
    name: str
    layer: Layer
    mentions: list[Mention] = field(default_factory=list)
    landmarks: list[Mention] = field(default_factory=list)
    aliases: list[str] = field(default_factory=list)
    counties: list[str] = field(default_factory=list)
    endpoints: list[str] = field(default_factory=list)

    def freeze(self) -> Record:
        """The finished record: its mentions in reading order, each spelling once.

        A name used only as a landmark (依托X) is an existing facility; once the
        document states a stage of its own for the project (加快X建设), that
        statement is the record and the landmark mentions are left out.
        """
        mentions = self.mentions or self.landmarks
        return Record(
            doc_id=self.doc_id,
            name=self.name,
            layer=self.layer,
            mentions=tuple(sorted(mentions, key=lambda m: (m.quote.start, m.quote.end))),
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


def _road_endpoints(text: str, name: str, end: int) -> list[str]:
    """The places written right after a numbered road's name: S106城区至中敖 -> 城区, 中敖.

    A plan often names a provincial or national road by its number and then, in
    the same breath, the stretch it means. Only text that follows the number at
    once (after a space or an opening bracket) counts, so the next item of a list
    ("G245 、 S222") is never taken for the road's places; and only a name that is
    the bare number or ends with its section (G245巴州段) takes them, since a whole
    name (G210线达州过境段三期工程) is followed by the next item, not its places.
    """
    if not _NUMBERED_ROAD_RE.match(name):
        return []
    if not _BARE_ROAD_RE.fullmatch(name) and not name.endswith("段"):
        return []
    found = _ROAD_PLACES_RE.match(text, end)
    if found is None:
        return []
    parts = [p for p in _ENDPOINT_SPLIT_RE.split(found.group(1)) if p]
    return parts if len(parts) >= 2 else []


def _counties(record: _Draft, places: PlaceIndex, region: str | None) -> list[str]:
    """County-level units the name ties the project to: its endpoints and its opening.

    Only what the name says counts (宣汉县商贸物流园 -> 宣汉县, 开江至梁平 -> 开江县,
    梁平区); prefectures and provinces are not counties, and an ambiguous place is
    left out rather than guessed. A name that merely opens with the short name of a
    county in another province (大安高速 in a Chongqing report) is not tied to it:
    only the endpoints of a line reach across the border, and never those of a
    provincial road (S303城区至宝兴 in a Chongqing report: 宝兴 is a town of 大足).
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
        if outside and _PROVINCIAL_ROAD_RE.match(record.name):
            continue
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
) -> tuple[Mention, bool]:
    """One typed mention: its stage, years, voice, quote and sentence (normalised offsets),
    and whether the name stood as a landmark (依托X, 境内有X: an existing facility, so no
    year: the year of the sentence dates the plan around it, not the facility)."""
    cue = governing_cue(text, clause, found)
    stage = cue.stage if cue is not None else _U
    landmark = stage is _C and bool(
        LANDMARK_RE.search(text[clause.sentence_start : found.start][-20:])
    )
    positional = is_positional(text, cue)
    q_start, q_end = quote_span(text, clause, found, cue, others)
    q_start, q_end = balanced(text, q_start, q_end, clause.sentence_start, clause.sentence_end)
    s_start, s_end = sentence_span(text, clause)
    s_start, s_end = min(s_start, q_start), max(s_end, q_end)  # never a quote outside it
    mention = Mention(
        stage=stage,
        years=() if positional else clause.years,  # a landmark has no dated stage
        reported=clause.reported or landmark,
        quote=Span(text[q_start:q_end], q_start, q_end),
        sentence=Span(text[s_start:s_end], s_start, s_end),
    )
    return mention, positional


def records_from_text(
    text: str,
    *,
    doc_id: str,
    doc_year: int | None,
    places: PlaceIndex | None = None,
    region: str | None = None,
    explain: list[Candidate] | None = None,
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
    explain
        When given, every candidate name is appended to it, kept or dropped, with
        the reason (:class:`layers.names.Candidate`; the command line's ``--explain``).
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
        first_anchor = bisect.bisect_left(anchors, clause.start)
        has_anchor = first_anchor < len(anchors) and anchors[first_anchor] < clause.end
        if responsible:
            if explain is not None and has_anchor:
                explain.append(
                    Candidate(text[clause.start : clause.end], "", clause.start, clause.end,
                              False, "a line naming who is responsible")
                )  # fmt: skip
            continue
        found = (
            find_mentions(text, clause.start, clause.end, explain=explain, places=places)
            if has_anchor
            else []
        )
        if not found and last_listed is not None:
            found = find_elliptical(text, clause.start, clause.end, after=last_listed)
            if explain is not None:
                explain += [
                    Candidate(m.name, m.category, m.start, m.end, True,
                              "a bare name continuing a list of the sentence (等项目)")
                    for m in found
                ]  # fmt: skip
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
            if not draft.endpoints and layer is Layer.HIGHWAY:
                draft.endpoints = _road_endpoints(text, name.name, name.end)
            others = [span for span in spans if span != (name.start, name.end)]
            mention, positional = _mention(text, clause, name, others)
            (draft.landmarks if positional else draft.mentions).append(mention)
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
            target.landmarks.extend(draft.landmarks)
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
