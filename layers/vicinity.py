"""Townships, villages and stations a project is named after or passes through.

Plans name facilities after the place they are in (普光经开区 after 普光镇,
化成水库 after 化成镇) and lines after the places they link (梁平—忠县石宝寨—石柱
西沱). The derived gazetteer (:mod:`layers.localities`: township and village
points of July 2016, OpenStreetMap stations) has a point for most of those
places. This module finds the place a name means, conservatively:

* a stem counts only as a *whole* unit name (the part before 镇/乡/街道/村/社区):
  普光 for 普光镇, never 普 or 普光明; longer stems are tried first;
* only units of the counties the text ties the project to, else of the
  document's jurisdiction, are candidates: a reservoir named after a village of
  another county is not placed there;
* words that plans use as ordinary vocabulary (文化, 中心, 新城, 高新, 工业...)
  are not place names, even where some village bears them;
* a stem that names units in two counties of that scope is not a place: the
  project stays at the coarser level and the method says why;
* a township wins over a village of the same stem and county (a facility named
  after 普光 is named after the town, not 普光村).

A township's point is the centre of the place the facility is named after, never
the facility itself: callers give it precision ``near``. Everything here is pure.
"""

from __future__ import annotations

import dataclasses
import logging
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

import geopandas as gpd
import shapely

from layers.localities import TOWNSHIP, VILLAGE, Localities, StemIndex
from layers.placenames import AdminUnit, PlaceIndex, short_name

logger = logging.getLogger(__name__)

GENERIC_STEMS = frozenset(
    """
    文化 中心 新城 新区 城区 老城 高新 工业 经济 开发 产业 科技 创新 物流 商贸 国际 综合
    现代 智能 生态 农业 旅游 森林 湿地 公园 水库 园区 机场 港口 临港 临空 高速 铁路 大道
    大桥 广场 体育 医院 学校 示范 城南 城北 城东 城西 东城 西城 南城 北城 城中 江北 江南
    河东 河西 河南 河北 滨江 滨河 沿江 人民 和平 团结 胜利 解放 光明 幸福 红星 建设 民主
    新华 前进 东风 东方 长江 嘉陵 中山 城关 城郊 新村 新街 新建 新民 新农 新生 新兴
    金山 龙泉 花园 工农 红旗 先锋 复兴 振兴 发展 民族 全域 重点 一体 智慧 数字 绿色
    健康 交通 公路 码头 车站 电站 新材料 能源 电子 信息 航空 食品 白酒 金融 商业 城市
    乡村 环境 水利 国家 枢纽 一体化 片区 组团 中和 东部 西部 南部 北部 中部 东区 西区
    南区 北区 建国 友谊 群众 联合 老街 中街 正街 大街 街道 社区 居委 村委
    """.split()
)
"""Stems of real townships and villages that plans use as ordinary words, one lexicon
for the geocoder and the placement queue: what plans build or promote (文化 of
文化旅游区, 新城 of 高铁新城, 中和 of 碳中和), compass parts of a town (城南, 东区),
and the names of collective-era villages found in every county (人民, 新华, 红星).
Left out, a true township called 新华 is neither matched nor offered (an editor can
still draw its point); kept, it would be matched wherever plan prose says 新华 or
建设. Curated from how plans are written, not from any document's names."""

_SEPARATORS = frozenset("—－-、·/和与及")
# Characters that continue a place word (李家 + 梁 = 李家梁): a stem followed by one
# is part of a longer name, not the place itself. 寨 is left out: 石宝寨 is in 石宝镇.
_CONTINUATIONS = frozenset("梁坝沟湾坪山岭河溪口寺庙桥塘岩垭坡洞嘴场铺家湖岛坎岗冲堡屯营")
_SAME_STATION_DEG = 0.01  # about 1 km: two OSM points this close are one station
SOURCE_LABELS = {
    "vonng-adcode": "Vonng/adcode, CC BY 4.0, GCJ-02 converted",
    "geonames": "GeoNames, CC BY 3.0",
    "osm-railway-stations": "OpenStreetMap, ODbL",
}


@dataclass(frozen=True)
class UnitHit:
    """A township, village or station whose point a project is placed at or through."""

    name: str
    kind: str  # township, village, station
    county_adcode: str
    point: shapely.Point
    source: str
    via: str = ""  # a village without a point: the township whose point stands for it

    def label(self, places: PlaceIndex) -> str:
        """``普光镇 (宣汉县; township point, Vonng/adcode, CC BY 4.0, GCJ-02 converted)``."""
        county = places.units.get(self.county_adcode)
        where = county.name if county else self.county_adcode
        origin = SOURCE_LABELS.get(self.source.split(":")[0], self.source)
        if self.via:
            return (f"{self.name} ({where}; a village without a point: the point of its "
                    f"township {self.via}, {origin})")  # fmt: skip
        return f"{self.name} ({where}; {self.kind} point, {origin})"


@dataclass(frozen=True)
class NamedAfter:
    """What a name's place words gave: one unit, or why none could be chosen."""

    hit: UnitHit | None
    stem: str
    why: str = ""


def counties_within(unit: AdminUnit, places: PlaceIndex) -> list[str]:
    """The county-level adcodes inside ``unit`` (itself, for a county)."""
    if unit.level == "county":
        return [unit.adcode]
    if unit.level == "province":
        prefix = unit.adcode[:2]
        return [u.adcode for u in places.units.values()
                if u.level == "county" and u.adcode.startswith(prefix)]  # fmt: skip
    return [u.adcode for u in places.units.values()
            if u.level == "county" and u.parent_adcode == unit.adcode]  # fmt: skip


def _unit_names(places: PlaceIndex) -> frozenset[str]:
    """Current county, prefecture and province names and short names: 达州 is the city.

    Former names are not excluded: 双桥 (双桥区 until 2011) lives on as 双桥街道,
    and a zone named after it lies there.
    """
    return frozenset(places.full) | frozenset(places.short)


def _at_word_start(text: str, at: int) -> bool:
    """A place word starts the name or follows a separator (清江—大和, 甲、乙)."""
    return at == 0 or text[at - 1] in _SEPARATORS


def _whole(text: str, at: int, stem: str) -> bool:
    """The stem is the whole place word: 李家 is not the place of 李家梁水库."""
    after = text[at + len(stem) : at + len(stem) + 1]
    return after not in _CONTINUATIONS or not after


def _found_stems(text: str, index: StemIndex, *, skip: frozenset[str], opening: bool) -> list[str]:
    """Stems that occur in ``text`` as whole place words, longest first, then first in text.

    Each stem counts at its first position where it starts a place word and is
    the whole word; the text's substrings are looked up in the index.
    """
    found: dict[str, int] = {}
    for at in range(1 if opening else len(text)):
        if not _at_word_start(text, at):
            continue
        for end in range(at + 2, min(len(text), at + index.longest) + 1):
            stem = text[at:end]
            if stem in found or stem not in index.positions:
                continue
            if stem not in GENERIC_STEMS and stem not in skip and _whole(text, at, stem):
                found[stem] = at
    return sorted(found, key=lambda stem: (-len(stem), found[stem], stem))


def _hit(row: object, kind: str) -> UnitHit:
    """A hit from one ``itertuples`` row of a localities frame."""
    name, county, source = (str(getattr(row, c)) for c in ("name", "county_adcode", "source"))
    via = str(getattr(row, "town_name", "") or "")
    return UnitHit(name, kind, county, getattr(row, "geometry"), source, via)  # noqa: B009


def _choose(rows: gpd.GeoDataFrame, stem: str, places: PlaceIndex) -> NamedAfter:
    """One unit among those bearing ``stem``, or the reason there is none."""
    counties = sorted(set(rows["county_adcode"]))
    if len(counties) > 1:
        names = "、".join((places.units[c].name if c in places.units else c) for c in counties[:4])
        return NamedAfter(None, stem, f"{stem} names places in {len(counties)} counties ({names})")
    towns = rows[rows["kind"] == TOWNSHIP] if "kind" in rows.columns else rows.iloc[:0]
    chosen = towns if len(towns) else rows
    if len(chosen) > 1 and chosen.geometry.nunique() > 1:
        return NamedAfter(None, stem, f"{stem} names {len(chosen)} places in one county")
    row = next(chosen.itertuples())
    return NamedAfter(_hit(row, str(getattr(row, "kind", VILLAGE))), stem)


def place_named_in(
    text: str,
    *,
    counties: Sequence[str],
    localities: Localities,
    places: PlaceIndex,
    opening: bool = False,
) -> NamedAfter | None:
    """The township or village of ``counties`` that ``text`` is named after.

    Parameters
    ----------
    text
        A facility's name without its leading county (普光经开区), or a line node's
        text after its county (石宝寨).
    counties
        County adcodes the text is tied to (the named county, else the
        document's jurisdiction's counties).
    opening
        Only a stem the text opens with counts (line nodes: 石宝寨 -> 石宝镇);
        otherwise a stem may also follow a separator (清江—大和道地药材产业园).

    Returns
    -------
    NamedAfter or None
        None when no unit stem of these counties occurs in the text as a whole
        place word; a ``NamedAfter`` without ``hit`` when the longest stem is
        ambiguous. Units with a point are tried first, then villages without one
        (placed at their township's point, which the hit names in ``via``).
    """
    if not counties or len(text) < 2:
        return None
    skip = _unit_names(places)
    for placed in (True, False):
        index = localities.stems_in(counties, placed=placed)
        stems = _found_stems(text, index, skip=skip, opening=opening)
        if stems:
            return _choose(index.rows(stems[0]), stems[0], places)
    return None


def station_for(unit: AdminUnit, *, localities: Localities, places: PlaceIndex) -> UnitHit | None:
    """The railway station of a city or county node: the one named after it.

    The station named exactly after the place (达州 -> 达州站) inside the unit wins;
    else the one station named after it with a compass point (万州北). A county
    without such a station keeps its seat: a line is never pulled to a station of
    another place.
    """
    stem = short_name(unit.name)
    inside = set(counties_within(unit, places))
    for directions in (False, True):
        rows = localities.station_named(stem, directions=directions)
        rows = rows[rows["county_adcode"].isin(inside)]
        if rows.empty:
            continue
        # OSM often maps one station twice (the building and the platform): one place.
        spread = shapely.distance(rows.geometry.to_numpy(), rows.geometry.iloc[0])  # degrees
        if spread.max() > _SAME_STATION_DEG:
            return None  # 达州 and 达州南 both, or two far apart: not a choice to guess
        hit = _hit(next(rows.itertuples()), "station")
        return hit if hit.name.endswith("站") else dataclasses.replace(hit, name=hit.name + "站")
    return None


def scope_counties(
    tied: Iterable[AdminUnit], *, jurisdiction: AdminUnit | None, places: PlaceIndex
) -> list[str]:
    """The counties whose places a name may mean: the tied ones, else the jurisdiction's."""
    scope: list[str] = []
    for unit in tied:
        scope += counties_within(unit, places)
    if not scope and jurisdiction is not None:
        scope = counties_within(jurisdiction, places)
    return list(dict.fromkeys(scope))


# A station written right after a line's name: 成渝中线高铁“大足石刻站”, 西渝高铁达州南站,
# 西环线设双桥综合枢纽站.
_NAMED_STATION_RE = re.compile(
    r"(?:增设|新设|设立|设|预留)?[“\"「]?(?P<place>[\u4e00-\u9fff]{2,8}?)"
    r"(?:综合枢纽|客运|货运|物流)?站(?![房场台前])"
)


def stations_named(names: Iterable[str], texts: Iterable[str]) -> list[str]:
    """The places of the stations ``texts`` name right after one of a line's ``names``.

    A work report that writes "全面启动成渝中线高铁“大足石刻站”站房建设" says the
    line stops in 大足: the route should pass there even though its name (成渝)
    gives only its ends. Only a station written at the name counts, not every 站 of
    the sentence; 站房 and 站场 are works at a station, not its name.
    """
    found: list[str] = []
    for text in texts:
        for name in sorted(set(names), key=len, reverse=True):
            at = text.find(name)
            while at >= 0:
                hit = _NAMED_STATION_RE.match(text, at + len(name))
                if hit is not None:
                    found.append(hit.group("place"))
                at = text.find(name, at + len(name))
    return list(dict.fromkeys(found))
