"""Codes and generated sentences in words: what the Chinese pages and exports say.

Two kinds of English reach a reader who chose Chinese, and neither can be looked
up in :mod:`portal.i18n` (``layers`` never imports the portal, and an export made
by ``scripts/export_layers.py`` has no portal at all):

* **codes** in exported tables: ``under_construction``, ``highway``, ``route``,
  ``task_breakdown``, True/False. A spreadsheet with Chinese headers is read by
  people, so its values are Chinese words too (:func:`export_words`); the words
  are the portal's own (a test holds them equal to :data:`portal.i18n.LABELS`),
  so a table and the map never name a stage two ways.
* **methods**: ``geocode_method`` is written in English by :mod:`layers.geocode`,
  :mod:`layers.vicinity` and :mod:`layers.candidates` ("route through endpoints
  达州—万州 (达州: seat of 达州市; …)"), because it is also the build's audit
  trail. :func:`method_in` says the same in Chinese by recognising the phrases
  those modules write, piece by piece, and keeps names, sources and links as
  they are. A phrase it does not know (an editor's own words, a phrase added
  later) passes through unchanged rather than being half-translated; a test
  lists every phrase the geocoder can write, so a new one is noticed.

Everything here is pure: strings and frames in, strings and frames out.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping

import pandas as pd

from layers.vicinity import SOURCE_LABELS

STAGE_WORDS_ZH: Mapping[str, str] = {
    "proposed": "规划",
    "preparatory": "前期",
    "under_construction": "在建",
    "completed": "建成",
}
CATEGORY_WORDS_ZH: Mapping[str, str] = {
    "highway": "高速公路",
    "railway": "铁路",
    "reservoir": "水库",
    "park": "公园",
    "industrial_zone": "产业园区",
    "other": "其他设施",
}
PRECISION_WORDS_ZH: Mapping[str, str] = {
    "exact": "精确",
    "near": "邻近（所在乡镇）",
    "route": "示意线路",
    "county": "区县",
    "city": "地市",
    "unlocated": "未定位",
}
KIND_WORDS_ZH: Mapping[str, str] = {
    "five_year_plan": "五年规划",
    "work_report": "政府工作报告",
    "task_breakdown": "任务分解 / 责任分工",
    "decision": "决定",
    "plan": "专项规划 / 方案",
    "other": "其他",
}
"""The portal's words for each code (``portal.i18n`` keys of the same name, and
``kind_<code>`` for document kinds); tests/layers/test_wording.py keeps them equal."""
STAGE_WORDS_EN: Mapping[str, str] = {
    "proposed": "Proposed",
    "preparatory": "Preparatory",
    "under_construction": "Under construction",
    "completed": "Completed",
}
CATEGORY_WORDS_EN: Mapping[str, str] = {
    "highway": "Highways",
    "railway": "Railways",
    "reservoir": "Reservoirs",
    "park": "Parks",
    "industrial_zone": "Industrial zones",
    "other": "Other facilities",
}
PRECISION_WORDS_EN: Mapping[str, str] = {
    "exact": "Exact",
    "near": "Near (township)",
    "route": "Schematic route",
    "county": "County",
    "city": "Prefecture",
    "unlocated": "Unlocated",
}
"""The same words in English, for texts written in English (a KML description);
tables with English headers keep the codes."""

YES_NO_ZH = ("是", "否")
VOICE_WORDS_ZH = {"R": "报告", "P": "计划"}
"""The voice letters of a ``statements`` entry ("R completed 2023 2024-02-04 002")."""

_CODE_COLUMNS: Mapping[str, Mapping[str, str]] = {
    "category": CATEGORY_WORDS_ZH,
    "status": STAGE_WORDS_ZH,
    "known_stage": STAGE_WORDS_ZH,
    "planned_stage": STAGE_WORDS_ZH,
    "target_stage": STAGE_WORDS_ZH,
    "precision": PRECISION_WORDS_ZH,
    "kind": KIND_WORDS_ZH,
}
_FLAG_COLUMNS = ("overdue", "reported")


# ------------------------------------------------------------------------ exports


def _missing(value: object) -> bool:
    return value is None or (not isinstance(value, str) and bool(pd.isna(value)))


def statements_in_zh(text: object) -> object:
    """A ``statements`` cell with Chinese voice and stage words, its layout kept.

    "R completed 2023 2024-02-04 002|P completed 2025 …" becomes "报告 建成 2023
    2024-02-04 002|计划 建成 2025 …": still one statement per ``|``, fields in the
    same order, so whoever parsed the English form can parse this one.
    """
    if _missing(text):
        return None
    if not isinstance(text, str):
        return text
    out = []
    for part in text.split("|"):
        fields = part.split(" ", 2)
        if len(fields) == 3:
            fields[0] = VOICE_WORDS_ZH.get(fields[0], fields[0])
            fields[1] = STAGE_WORDS_ZH.get(fields[1], fields[1])
        out.append(" ".join(fields))
    return "|".join(out)


def _flag_zh(value: object) -> object:
    if _missing(value):
        return None
    return YES_NO_ZH[0] if bool(value) else YES_NO_ZH[1]


def export_words(frame: pd.DataFrame, *, lang: str) -> pd.DataFrame:
    """``frame`` with its codes as words of ``lang``, for a table people read.

    Chinese (``lang="zh"``): stage, layer, precision and document-kind codes
    become the portal's Chinese words, True/False become 是/否, methods and
    statements are said in Chinese. English keeps the codes: a table with
    English headers is what scripts and databases read, and DESIGN.md fixes
    those values. Missing values stay missing; an unknown code stays as it is.
    """
    if lang != "zh":
        return frame
    out = frame.copy()
    for column, words in _CODE_COLUMNS.items():
        if column in out.columns:
            cells = out[column].astype(object)
            out[column] = pd.Series([None if _missing(v) else words.get(str(v), v) for v in cells],
                                    index=out.index, dtype=object)  # fmt: skip
    for column in _FLAG_COLUMNS:
        if column in out.columns:
            out[column] = pd.Series([_flag_zh(v) for v in out[column].astype(object)],
                                    index=out.index, dtype=object)  # fmt: skip
    if "geocode_method" in out.columns:
        out["geocode_method"] = pd.Series(
            [None if _missing(v) else method_in("zh", str(v)) for v in out["geocode_method"]],
            index=out.index, dtype=object,
        )  # fmt: skip
    if "statements" in out.columns:
        out["statements"] = pd.Series([statements_in_zh(v) for v in out["statements"]],
                                      index=out.index, dtype=object)  # fmt: skip
    return out


# ------------------------------------------------------------------------ methods

_LEVEL_ZH = {"county": "区县", "prefecture": "地市"}
_KIND_ZH = {"township": "乡镇", "village": "村/社区", "station": "车站"}
_ROUTE_HOW_ZH = {"endpoints": "起讫点", "section": "路段", "abbreviation": "简称"}
_THROUGH_ZH = {"station": "车站", "town": "乡镇或村"}
_ORIGIN_ZH = {
    "Vonng/adcode, CC BY 4.0, GCJ-02 converted": "Vonng/adcode，CC BY 4.0，由 GCJ-02 转换",
    "GeoNames, CC BY 3.0": "GeoNames，CC BY 3.0",
    "OpenStreetMap, ODbL": "OpenStreetMap，ODbL",
}
"""Each credit of :data:`layers.vicinity.SOURCE_LABELS` in Chinese (a test checks all)."""
_SUFFIX_NEARER = "; not placed nearer: "

_Rule = tuple[re.Pattern[str], Callable[[re.Match[str]], str]]


def _origin(text: str) -> str:
    return _ORIGIN_ZH.get(text, text)


def _credit(text: str) -> str:
    """ "Vonng/adcode (CC BY 4.0)" -> "Vonng/adcode（CC BY 4.0）": names stay, brackets go wide."""
    return re.sub(r" \(([^()]*)\)$", r"（\1）", text)


_LABEL_RULES: tuple[_Rule, ...] = (
    (re.compile(r"(.+?) \((.+?); a village without a point: the point of its township "
                r"(.+?), (.+)\)"),
     lambda m: f"{m[1]}（{m[2]}；该村无点位，取所在乡镇 {m[3]} 的点位，{_origin(m[4])}）"),
    (re.compile(r"(.+?) \((.+?); (township|village|station) point, (.+)\)"),
     lambda m: f"{m[1]}（{m[2]}；{_KIND_ZH[m[3]]}点位，{_origin(m[4])}）"),
    (re.compile(r"(.+?) \(((?:https?|ftp)://\S+)\)"), lambda m: f"{m[1]}（{m[2]}）"),
)  # fmt: skip
"""A place as :meth:`layers.vicinity.UnitHit.label` or a gazetteer row names it."""


def _label(text: str) -> str:
    return _apply(_LABEL_RULES, text)


_NODE_RULES: tuple[_Rule, ...] = (
    (re.compile(r"seat of (.+?) \(the document's own (.+)\)"),
     lambda m: f"{m[1]}驻地（文件所说的“{m[2]}”）"),
    (re.compile(r"seat of (.+?) \((.+) not in the gazetteer\)"),
     lambda m: f"{m[1]}驻地（名录中没有“{m[2]}”）"),
    (re.compile(r"seat of (\S+)"), lambda m: f"{m[1]}驻地"),
    (re.compile(r"gazetteer (\S+) \((\S+)\)"), lambda m: f"名录地点 {m[1]}（{m[2]}）"),
    (re.compile(r"town (.+)"), lambda m: _label(m[1])),
    (re.compile(r"station (\S+) of (\S+) \((\S+)\)"), lambda m: f"{m[2]}的车站 {m[1]}（{m[3]}）"),
    (re.compile(r"station (.+) of (\S+)"), lambda m: f"{m[2]}的车站 {_label(m[1])}"),
    (re.compile(r"abbreviation (.) = (\S+)"), lambda m: f"简称“{m[1]}”指 {m[2]}"),
)  # fmt: skip
"""How one node of a route was placed (:meth:`layers.geocode.Geocoder.node`)."""


def _node(text: str) -> str:
    label, sep, how = text.partition(": ")
    return f"{label}：{_apply(_NODE_RULES, how)}" if sep else _apply(_NODE_RULES, text)


_ROUTE_BODY = re.compile(
    r"(?P<how>section|endpoints|abbreviation) (?P<parts>.+?)"
    r"(?: \(chosen among (?P<readings>\d+) readings by route shape and the document's region\))?"
    r"(?:; not placed: (?P<unplaced>[^;]+))?"
    r"(?:; by way of stations the text names: (?P<stops>[^;]+))?"
    r"(?P<through>(?:; \d+ node\(s\) at (?:station|town)s: [^;]+)*)"
)
_THROUGH = re.compile(r"; (\d+) node\(s\) at (station|town)s: ([^;]+)")


def _route(match: re.Match[str]) -> str:
    """ "route through <how> <parts>… (<label>: <how>; …)" in Chinese, or unchanged."""
    return _route_zh(match[1]) or match[0]


def _route_zh(route: str) -> str | None:
    """What follows "route through" ("<how> <parts>… (<sources>)") in Chinese, or None
    when it cannot be read whole."""
    body, sources = _split_trailing_group(route)
    found = _ROUTE_BODY.fullmatch(body)
    if found is None or sources is None:
        return None
    text = f"示意线路，经{_ROUTE_HOW_ZH[found['how']]} {found['parts']}"
    if found["readings"]:
        text += f"（按线路走向和文件所在地区，从 {found['readings']} 种读法中选定）"
    if found["unplaced"]:
        text += f"；未能定位：{found['unplaced']}"
    if found["stops"]:
        text += f"；途经原文提到的车站：{found['stops']}"
    for count, kind, names in _THROUGH.findall(found["through"] or ""):
        text += f"；{count} 个节点在{_THROUGH_ZH[kind]}：{names}"
    return f"{text}（{'；'.join(_node(s) for s in _split_top(sources, '; '))}）"


_WHY_RULES: tuple[_Rule, ...] = (
    (re.compile(r"(\S+) names places in (\d+) counties \((.+)\)"),
     lambda m: f"“{m[1]}”是 {m[2]} 个区县的地名（{m[3]}）"),
    (re.compile(r"(\S+) names (\d+) places in one county"),
     lambda m: f"“{m[1]}”在同一区县指 {m[2]} 个地点"),
)  # fmt: skip
"""Why a facility stayed at its county (:func:`layers.vicinity._choose`)."""


def _section_within(match: re.Match[str]) -> str:
    """ "section within <county> of the route through <how>, led through <node> and cut to
    the county (<sources>)" in Chinese; the route part is said as :func:`_route` says it."""
    route = _route_zh(f"{match[2]} ({match[4]})")
    if route is None:
        return match[0]
    return f"{match[1]} 境内的一段（经 {match[3]}，截取至该区县）：{route}"


_METHOD_RULES: tuple[_Rule, ...] = (
    (re.compile(r"section within (\S+) of the route through (.+?), led through (.+?) and cut "
                r"to the county \((.+)\)"), _section_within),
    (re.compile(r"route through (.+)"), _route),
    (re.compile(r"section named after (.+)"), lambda m: f"路段以 {_label(m[1])} 命名"),
    (re.compile(r"named after (.+)"), lambda m: f"以 {_label(m[1])} 命名"),
    (re.compile(r"gazetteer point of (.+?) \((\S+)\)"),
     lambda m: f"名录中 {m[1]} 的点位（{m[2]}）"),
    (re.compile(r"point of (.+), where (\S+) places (.+)"),
     lambda m: f"{_label(m[1])} 的点位：据 {m[2]}，{m[3]}在此"),
    (re.compile(r"county (.+?), where (\S+) places (.+)"),
     lambda m: f"区县 {m[1]}：据 {m[2]}，{m[3]}在该区县"),
    (re.compile(r"(county|prefecture) (.+?), named in the text"),
     lambda m: f"{_LEVEL_ZH[m[1]]} {m[2]}（原文提到）"),
    (re.compile(r"(county|prefecture) (.+?), which the name opens with"),
     lambda m: f"{_LEVEL_ZH[m[1]]} {m[2]}（名称以它开头）"),
    (re.compile(r"(county|prefecture) (.+?), the document's own jurisdiction"),
     lambda m: f"{_LEVEL_ZH[m[1]]} {m[2]}（文件的发文行政区）"),
    (re.compile(r"(county|prefecture) chosen by the editor"),
     lambda m: f"{_LEVEL_ZH[m[1]]}（编辑选定）"),
    (re.compile(r"no place in the name, the text or the document"),
     lambda m: "名称、原文和文件中都没有可定位的地点"),
    (re.compile(r"near (.+?) \((.+?)\), (township|village|station) point from (.+), "
                r"chosen by editor (.+) in the placement queue"),
     lambda m: f"邻近 {m[1]}（{m[2]}），{_KIND_ZH[m[3]]}点位来自 {_credit(m[4])}，"
               f"由编辑 {m[5]} 在待定位项目中选定"),
    (re.compile(r"(point|line) drawn on the map by editor (.+) in the placement queue"),
     lambda m: f"编辑 {m[2]} 在待定位项目中于地图上画的{'点' if m[1] == 'point' else '线'}"),
    (re.compile(r"drawn on the map by editor (.+)"), lambda m: f"编辑 {m[1]} 在地图上画出"),
)  # fmt: skip
"""Every whole method :mod:`layers.geocode`, :mod:`layers.candidates` and the editors'
pages write, first match wins (so "section named after" before "named after")."""


def _apply(rules: tuple[_Rule, ...], text: str) -> str:
    """The first rule that matches all of ``text``, applied; ``text`` itself if none does."""
    for pattern, render in rules:
        match = pattern.fullmatch(text)
        if match is not None:
            return render(match)
    return text


def _split_top(text: str, separator: str) -> list[str]:
    """``text`` split at ``separator`` outside brackets (a source may hold "; ")."""
    parts, depth, start, at = [], 0, 0, 0
    while at < len(text):
        char = text[at]
        depth += (char == "(") - (char == ")")
        if depth == 0 and text.startswith(separator, at):
            parts.append(text[start:at])
            at += len(separator)
            start = at
            continue
        at += 1
    parts.append(text[start:])
    return parts


def _split_trailing_group(text: str) -> tuple[str, str | None]:
    """ "body (group)" -> ("body", "group"), the group's brackets balanced; else (text, None)."""
    if not text.endswith(")"):
        return text, None
    depth = 0
    for at in range(len(text) - 1, -1, -1):
        depth += (text[at] == ")") - (text[at] == "(")
        if depth == 0:
            if at == 0 or text[at - 1] != " ":
                return text, None
            return text[: at - 1], text[at + 1 : -1]
    return text, None


def method_in(lang: str, text: str) -> str:
    """How a project was placed (its ``geocode_method``), in ``lang``.

    English returns ``text`` as it is: the method is written in English. For
    Chinese each known phrase is said in Chinese and the names, sources and
    links inside it are kept; text no rule knows (an editor's correction in
    their own words) is returned unchanged, never half-translated.

    Examples
    --------
    >>> method_in("zh", "route through endpoints 达州—万州 (达州: seat of 达州市)")
    '示意线路，经起讫点 达州—万州（达州：达州市驻地）'
    >>> method_in("zh", "county 大足区, named in the text")
    '区县 大足区（原文提到）'
    """
    if lang != "zh" or not text:
        return text
    head, sep, why = text.partition(_SUFFIX_NEARER)
    said = _apply(_METHOD_RULES, head)
    if not sep:
        return said
    return f"{said}；未能更精确定位：{_apply(_WHY_RULES, why)}"


def known_origins() -> dict[str, str]:
    """Each credit :mod:`layers.vicinity` writes into a label, with its Chinese (for tests)."""
    return {label: _origin(label) for label in SOURCE_LABELS.values()}
