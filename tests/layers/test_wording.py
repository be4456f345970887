"""Methods in Chinese, codes as words: every phrase the geocoder writes is known.

The phrases are found in the code that writes them (an AST walk over the calls
that build a method in layers/geocode.py, layers/vicinity.py and
layers/candidates.py), so a phrase added there without a translation fails here.
"""

from __future__ import annotations

import ast
import re
from collections.abc import Iterator
from pathlib import Path

import pandas as pd
import pytest
import shapely

from layers import REPO_ROOT
from layers.candidates import Candidate, placement_method
from layers.vicinity import SOURCE_LABELS
from layers.wording import (
    CATEGORY_WORDS_EN,
    CATEGORY_WORDS_ZH,
    KIND_WORDS_ZH,
    PRECISION_WORDS_EN,
    PRECISION_WORDS_ZH,
    STAGE_WORDS_EN,
    STAGE_WORDS_ZH,
    export_words,
    known_origins,
    method_in,
    statements_in_zh,
)

METHOD_MODULES = ("layers/geocode.py", "layers/vicinity.py", "layers/candidates.py")
_BUILDERS = {"Location", "Node", "NamedAfter", "_unit_location"}
_ASSIGNED = {("_nodes_from_parts", "text"), ("locate", "why_not"), ("_route", "through"),
             ("_route", "sources"), ("_with_stops", "how")}  # fmt: skip
_RETURNED = {"label", "placement_method"}

PHRASES = {
    " (chosen among {} readings by route shape and the document's region)",
    "; not placed nearer: {}",
    "; not placed: {}",
    "; by way of stations the text names: {}",
    "; {} node(s) at {}s: {}",
    "abbreviation",
    "abbreviation {} = {}",
    "chosen by the editor",
    "county {}",
    "county {}, named in the text",
    "county {}, where {} places {}",
    "endpoints",
    "gazetteer point of {} ({})",
    "gazetteer {} ({})",
    "named after {}",
    "named after {} ({})",
    "no place in the name, the text or the document",
    "point of {} ({}), where {} places {}",
    "point of {}, where {} places {}",
    "prefecture {}",
    "route through {}{} ({})",
    "seat of {}",
    "seat of {} (the document's own {})",
    "seat of {} ({} not in the gazetteer)",
    "section",
    "section named after {}",
    "section within {} of the route through {}, led through {} and cut to the county ({})",
    "station {} of {}",
    "station {} of {} ({})",
    "town {}",
    "{}, the document's own jurisdiction",
    "{}, which the name opens with",
    "{} ({}; a village without a point: the point of its township {}, {})",
    "{} ({}; {} point, {})",
    "{} names places in {} counties ({})",
    "{} names {} places in one county",
    "near {} ({}), {} point from {}, chosen by editor {} in the placement queue",
}
"""Every method phrase with an English word in the three modules, as written there."""

VONNG = SOURCE_LABELS["vonng-adcode"]
OSM = SOURCE_LABELS["osm-railway-stations"]
SAMPLES = {
    "route through endpoints 达州—万州 (达州: seat of 达州市; 万州: seat of 万州区)":
        "示意线路，经起讫点 达州—万州（达州：达州市驻地；万州：万州区驻地）",
    "route through abbreviation 达—万 (chosen among 2 readings by route shape and the "
    "document's region); 2 node(s) at stations: 达、万 (达: station 达州站 of 达州市 "
    "(https://wikiwand.com/zh-hk/x); 万: station 万州北站 (万州区; station point, "
    f"{OSM}) of 万州区)":
        "示意线路，经简称 达—万（按线路走向和文件所在地区，从 2 种读法中选定）；"
        "2 个节点在车站：达、万"
        "（达：达州市的车站 达州站（https://wikiwand.com/zh-hk/x）；万：万州区的车站 万州北站"
        "（万州区；车站点位，OpenStreetMap，ODbL））",
    "route through endpoints 城区—中敖—宝兴寨; not placed: 宝兴寨 (城区: seat of 大足区 (the "
    "document's own 城区); 中敖: gazetteer 中敖镇 (https://www.geonames.org/1784475))":
        "示意线路，经起讫点 城区—中敖—宝兴寨；未能定位：宝兴寨"
        "（城区：大足区驻地（文件所说的“城区”）；"
        "中敖：名录地点 中敖镇（https://www.geonames.org/1784475））",
    f"route through section 三江—梁永; 2 node(s) at towns: 三江、梁永 (三江: town 三江镇 (巴州区; "
    f"township point, {VONNG}); 梁永: seat of 巴州区 (梁永 not in the gazetteer))":
        "示意线路，经路段 三江—梁永；2 个节点在乡镇或村：三江、梁永"
        "（三江：三江镇（巴州区；乡镇点位，"
        "Vonng/adcode，CC BY 4.0，由 GCJ-02 转换）；梁永：巴州区驻地（名录中没有“梁永”））",
    "route through abbreviation 成—渝; by way of stations the text names: 大足石刻站 (成: "
    "abbreviation 成 = 成都市; 大足石刻站: seat of 大足区 (大足石刻 not in the gazetteer); "
    "渝: abbreviation 渝 = 重庆市)":
        "示意线路，经简称 成—渝；途经原文提到的车站：大足石刻站（成：简称“成”指 成都市；"
        "大足石刻站：大足区驻地（名录中没有“大足石刻”）；渝：简称“渝”指 重庆市）",
    "route through abbreviation 成—渝 (成: abbreviation 成 = 成都市; 渝: abbreviation 渝 = 重庆市)":
        "示意线路，经简称 成—渝（成：简称“成”指 成都市；渝：简称“渝”指 重庆市）",
    "section within 大足区 of the route through abbreviation 成—渝, led through 大足 and cut to "
    f"the county (成: station 成都站 (金牛区; station point, {OSM}) of 成都市; "
    "大足: seat of 大足区; 渝: abbreviation 渝 = 重庆市)":
        "大足区 境内的一段（经 大足，截取至该区县）：示意线路，经简称 成—渝"
        "（成：成都市的车站 成都站（金牛区；车站点位，OpenStreetMap，ODbL）；"
        "大足：大足区驻地；渝：简称“渝”指 重庆市）",
    f"section named after 邮亭镇 (大足区; township point, {VONNG})":
        "路段以 邮亭镇（大足区；乡镇点位，Vonng/adcode，CC BY 4.0，由 GCJ-02 转换） 命名",
    f"named after 普光镇 (宣汉县; township point, {VONNG})":
        "以 普光镇（宣汉县；乡镇点位，Vonng/adcode，CC BY 4.0，由 GCJ-02 转换） 命名",
    f"named after 玉河村委会 (大足区; a village without a point: the point of its township "
    f"珠溪镇, {VONNG})":
        "以 玉河村委会（大足区；该村无点位，取所在乡镇 珠溪镇 的点位，Vonng/adcode，CC BY 4.0，"
        "由 GCJ-02 转换） 命名",
    "named after 东榆镇 (https://www.geonames.org/7020019)":
        "以 东榆镇（https://www.geonames.org/7020019） 命名",
    "gazetteer point of 达州金垭机场 (https://github.com/mwgg/Airports/airports.json)":
        "名录中 达州金垭机场 的点位（https://github.com/mwgg/Airports/airports.json）",
    f"point of 化成镇 (巴州区; township point, {VONNG}), where http://bzhhly.com/x places 化成水库":
        "化成镇（巴州区；乡镇点位，Vonng/adcode，CC BY 4.0，由 GCJ-02 转换） 的点位：据 "
        "http://bzhhly.com/x，化成水库在此",
    "point of 化成镇 (https://www.geonames.org/1), where http://bzhhly.com/x places 化成水库":
        "化成镇（https://www.geonames.org/1） 的点位：据 http://bzhhly.com/x，化成水库在此",
    "county 平昌县, where http://sc.people.com.cn/x.html places 江家口水库":
        "区县 平昌县：据 http://sc.people.com.cn/x.html，江家口水库在该区县",
    "county 大足区, named in the text": "区县 大足区（原文提到）",
    "prefecture 达州市, the document's own jurisdiction": "地市 达州市（文件的发文行政区）",
    "county 梁平区, the document's own jurisdiction": "区县 梁平区（文件的发文行政区）",
    "county 大足区, which the name opens with": "区县 大足区（名称以它开头）",
    "prefecture 巴中市, which the name opens with": "地市 巴中市（名称以它开头）",
    "county chosen by the editor": "区县（编辑选定）",
    "prefecture chosen by the editor": "地市（编辑选定）",
    "no place in the name, the text or the document": "名称、原文和文件中都没有可定位的地点",
    "prefecture 达州市, the document's own jurisdiction; not placed nearer: 罗家坝 names places "
    "in 2 counties (通川区、大竹县)":
        "地市 达州市（文件的发文行政区）；"
        "未能更精确定位：“罗家坝”是 2 个区县的地名（通川区、大竹县）",
    "county 宣汉县, named in the text; not placed nearer: 龙泉 names 3 places in one county":
        "区县 宣汉县（原文提到）；未能更精确定位：“龙泉”在同一区县指 3 个地点",
    "near 普光镇 (宣汉县), township point from Vonng/adcode (CC BY 4.0), chosen by editor alice "
    "in the placement queue":
        "邻近 普光镇（宣汉县），乡镇点位来自 Vonng/adcode（CC BY 4.0），"
        "由编辑 alice 在待定位项目中选定",
    "point drawn on the map by editor alice in the placement queue":
        "编辑 alice 在待定位项目中于地图上画的点",
    "line drawn on the map by editor alice in the placement queue":
        "编辑 alice 在待定位项目中于地图上画的线",
    "drawn on the map by editor alice": "编辑 alice 在地图上画出",
}  # fmt: skip
"""English methods as the modules write them, and what the Chinese pages show."""

_NOT_WORDS = re.compile(
    r"(?:https?|ftp)://[^\s（）；，]+|Vonng/adcode|CC BY \d\.\d|GCJ-02|GeoNames|OpenStreetMap"
    r"|ODbL|alice"
)


def _english_left(text: str) -> list[str]:
    """English words left once links, source names and the editor's name are set aside."""
    return re.findall(r"[A-Za-z]{2,}", _NOT_WORDS.sub("", text))


def _texts(node: ast.AST) -> Iterator[str]:
    """The text (f-string as a skeleton with ``{}``) a method-building expression holds."""
    if isinstance(node, ast.JoinedStr):
        yield "".join(v.value if isinstance(v, ast.Constant) else "{}" for v in node.values)
        for value in node.values:
            if isinstance(value, ast.FormattedValue):
                yield from _texts(value.value)
    elif isinstance(node, ast.Constant):
        if isinstance(node.value, str):
            yield node.value
    elif isinstance(node, ast.Subscript):
        yield from _texts(node.value)  # row["name"]: a column, not words
    else:
        for child in ast.iter_child_nodes(node):
            yield from _texts(child)


def _method_texts(tree: ast.AST) -> Iterator[str]:
    for func in ast.walk(tree):
        if not isinstance(func, ast.FunctionDef):
            continue
        for node in ast.walk(func):
            if isinstance(node, ast.Call):
                called = node.func
                name = called.id if isinstance(called, ast.Name) else getattr(called, "attr", "")
                if name in _BUILDERS:
                    for arg in node.args[2:3]:
                        yield from _texts(arg)
                    for keyword in node.keywords:
                        if keyword.arg == "method":
                            yield from _texts(keyword.value)
                if name == "_nodes_from_parts":
                    for keyword in node.keywords:
                        if keyword.arg == "how":
                            yield from _texts(keyword.value)
            elif isinstance(node, ast.Assign | ast.AugAssign):
                targets = node.targets if isinstance(node, ast.Assign) else [node.target]
                if any(isinstance(t, ast.Name) and (func.name, t.id) in _ASSIGNED
                       for t in targets):  # fmt: skip
                    yield from _texts(node.value)
            elif isinstance(node, ast.Return) and func.name in _RETURNED and node.value:
                yield from _texts(node.value)


def written_phrases() -> set[str]:
    """Every method phrase with an English word that the three modules can write."""
    found: set[str] = set()
    for module in METHOD_MODULES:
        tree = ast.parse(Path(REPO_ROOT / module).read_text(encoding="utf-8"))
        found |= {t for t in _method_texts(tree) if re.search(r"[A-Za-z]{2}", t)}
    return found


def _pattern(phrase: str) -> re.Pattern[str]:
    return re.compile(".*?".join(re.escape(part) for part in phrase.split("{}")))


def test_every_phrase_the_geocoder_writes_is_known() -> None:
    written = written_phrases()
    assert written - PHRASES == set(), "new method phrases: translate them in layers/wording.py"
    assert PHRASES - written == set(), "phrases no longer written: drop them here"


@pytest.mark.parametrize("phrase", sorted(PHRASES))
def test_every_phrase_has_a_sample_said_in_chinese(phrase: str) -> None:
    pattern = _pattern(phrase)
    samples = [s for s in SAMPLES if pattern.search(s)]
    assert samples, phrase
    for sample in samples:
        assert _english_left(method_in("zh", sample)) == [], sample


@pytest.mark.parametrize("english", sorted(SAMPLES))
def test_methods_in_chinese(english: str) -> None:
    assert method_in("zh", english) == SAMPLES[english]
    assert method_in("en", english) == english


def test_the_placement_queue_method_is_said_in_chinese() -> None:
    for kind, source in (("township", "vonng-adcode"), ("village", "geonames:8418585"),
                         ("station", "osm-railway-stations")):  # fmt: skip
        candidate = Candidate(kind, "普光镇", "", "511722", shapely.Point(107.7, 31.5), source,
                              score=1, why="", stem="普光")  # fmt: skip
        english = placement_method(candidate, county="宣汉县", editor="alice")
        assert _english_left(method_in("zh", english)) == [], english


def test_unknown_text_passes_through_unchanged() -> None:
    for text in ("moved by hand after a site visit", "route through nowhere", "", "名称"):
        assert method_in("zh", text) == text
    # A route whose sources cannot be read is left whole, not half-translated.
    broken = "route through endpoints 达州—万州 (达州: seat of 达州市"
    assert method_in("zh", broken) == broken


def test_every_point_credit_has_chinese() -> None:
    for label, zh in known_origins().items():
        assert zh != label, label
        assert _english_left(zh) == [], zh


def test_every_corpus_method_is_said_in_chinese(corpus_tables) -> None:
    methods = set(corpus_tables.projects["geocode_method"].dropna())
    assert len(methods) > 30
    left = {m: _english_left(method_in("zh", m)) for m in methods}
    assert {m: w for m, w in left.items() if w} == {}


def test_the_words_are_the_portals() -> None:
    from portal.i18n import LABELS

    for lang, tables in (
        ("zh", (STAGE_WORDS_ZH, CATEGORY_WORDS_ZH, PRECISION_WORDS_ZH)),
        ("en", (STAGE_WORDS_EN, CATEGORY_WORDS_EN, PRECISION_WORDS_EN)),
    ):
        for words in tables:
            for code, word in words.items():
                assert LABELS[code][lang] == word, (lang, code)
    for code, zh in KIND_WORDS_ZH.items():
        assert LABELS[f"kind_{code}"]["zh"] == zh, code


def test_export_words_in_chinese_and_codes_in_english() -> None:
    frame = pd.DataFrame({
        "category": ["highway", "reservoir", None], "known_stage": ["under_construction", None,
                                                                    "completed"],
        "precision": ["route", "county", "unknown_code"], "overdue": [True, False, None],
        "kind": ["task_breakdown", "work_report", "other"],
        "geocode_method": ["county 大足区, named in the text", None, "typed by hand"],
        "statements": ["R completed 2023 2024-02-04 002|P completed - 2021-12-06 000", None, ""],
        "target_year": pd.array([2025, None, 2030], dtype="Int64"),
    })  # fmt: skip
    zh = export_words(frame, lang="zh")
    assert list(zh["category"]) == ["高速公路", "水库", None]
    assert list(zh["known_stage"]) == ["在建", None, "建成"]
    assert list(zh["precision"]) == ["示意线路", "区县", "unknown_code"]
    assert list(zh["overdue"]) == ["是", "否", None]
    assert list(zh["kind"]) == ["任务分解 / 责任分工", "政府工作报告", "其他"]
    assert list(zh["geocode_method"]) == ["区县 大足区（原文提到）", None, "typed by hand"]
    assert zh["statements"][0] == "报告 建成 2023 2024-02-04 002|计划 建成 - 2021-12-06 000"
    assert zh["target_year"].dtype == "Int64"  # numbers are not words
    assert export_words(frame, lang="en") is frame


def test_statements_keep_their_layout() -> None:
    assert statements_in_zh("P under_construction 2025 2021-12-06 000") == (
        "计划 在建 2025 2021-12-06 000"
    )
    assert statements_in_zh(None) is None
