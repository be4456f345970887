"""Records from excerpts (status, years, merging) and the dev-set regression floor."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

from layers import REPO_ROOT
from layers.codec import record_to_json
from layers.corpus import iter_documents
from layers.extract import records_from_bytes, records_from_text, records_to_original
from layers.model import Layer, Record, Stage
from layers.reader import normalise, read_document

DATA = REPO_ROOT / "tests" / "data"
U, C = Stage.UNDER_CONSTRUCTION, Stage.COMPLETED


def _records(text: str, *, year: int = 2021) -> dict[str, Record]:
    return {r.name: r for r in records_from_text(text, doc_id="t", doc_year=year)}


def test_task_rows_build_a_timeline_and_target_year() -> None:
    text = "有关进度要求:2021—2023年,加快开江至梁平高速项目建设。2024年,开江至梁平高速建成通车。"
    rec = _records(text)["开江至梁平高速"]
    assert rec.doc_id == "t"
    assert rec.layer is Layer.HIGHWAY
    assert rec.stage is Stage.COMPLETED
    assert rec.timeline == ((2021, U), (2023, U), (2024, C))
    assert rec.target_year == 2024
    assert rec.endpoints == ("开江", "梁平")
    assert rec.reported is False
    assert [(m.stage, m.years, m.reported) for m in rec.mentions] == [
        (U, (2021, 2023), False),
        (C, (2024,), False),
    ]


@pytest.mark.parametrize(
    ("text", "name", "status"),
    [
        ("力争开建银河桥水库", "银河桥水库", "preparatory"),
        ("开工干沟河水库", "干沟河水库", "under_construction"),
        ("规划成都至万源至安康铁路", "成都至万源至安康铁路", "proposed"),
        ("完成龙洞沟、百花溪水库扩建前期工作", "龙洞沟水库", "preparatory"),
        ("力争建成青龙嘴水库", "青龙嘴水库", "completed"),
        ("达州金垭机场建成通航", "达州金垭机场", "completed"),
        # a hedge in front holds back the generic 建设 after the name
        ("力争启动成巴铁路、平昌至仪陇高速公路建设", "平昌至仪陇高速公路", "preparatory"),
        ("全面完成寨子河等6座中型水库建设任务", "寨子河水库", "completed"),
        (
            "加快创建南江黄羊+金银花国家级现代农业产业园",
            "南江黄羊+金银花国家级现代农业产业园",
            "under_construction",
        ),
        (
            "积极争创巴州道地药材国家级现代农业产业园",
            "巴州道地药材国家级现代农业产业园",
            "proposed",
        ),
        ("推动大永高速、大安高速规划建设", "大永高速", "proposed"),
        ("大足锶盐新材料产业园通过市级认定", "大足锶盐新材料产业园", "completed"),
    ],
)
def test_status_follows_the_governing_words(text, name, status) -> None:
    assert _records(text)[name].stage is Stage(status)


def test_landmarks_are_reported_as_existing() -> None:
    rec = _records("依托柳林食品工业园,发展食品加工")["柳林食品工业园"]
    assert (rec.stage, rec.reported) == (C, True)
    assert rec.mentions[0].quote.text == "依托柳林食品工业园"


def test_each_mention_keeps_its_own_voice() -> None:
    """A review section reports; the plan section of the same document targets."""
    text = "一、2023年工作回顾 玉滩水库开工建设。二、2024年工作安排 玉滩水库建成。"
    rec = _records(text, year=2024)["玉滩水库"]
    assert [(m.stage, m.years, m.reported) for m in rec.mentions] == [
        (U, (2023,), True),
        (C, (2024,), False),
    ]
    assert (rec.stage, rec.reported) == (C, False)  # the completion is only a target


def test_abbreviations_and_respellings_merge_and_keep_every_quote() -> None:
    text = (
        "建成镇广、开梁等高速公路。\n"
        "2024年,开江至梁平高速建成通车。加快镇巴经达州至广安高速项目建设。"
    )
    records = _records(text)
    assert set(records) == {"镇巴经达州至广安高速", "开江至梁平高速"} or len(records) == 2
    kailiang = next(r for r in records.values() if r.name.startswith("开江至梁平"))
    assert "开梁高速公路" in kailiang.aliases
    assert len(kailiang.mentions) == 2
    for mention in kailiang.mentions:
        assert text[mention.quote.start : mention.quote.end] == mention.quote.text
    assert kailiang.mentions[0].quote.text == "建成镇广、开梁等高速公路"


def test_an_annual_report_dates_its_undated_tasks_to_its_year() -> None:
    annual = "2021年区政府工作报告目标任务分解方案\n64.提速龙象寺水库等项目建设。"
    assert _records(annual, year=2021)["龙象寺水库"].target_year == 2021
    plan = "巴州区国民经济和社会发展第十四个五年规划纲要\n提速龙象寺水库等项目建设。"
    assert _records(plan, year=2021)["龙象寺水库"].target_year is None


def test_a_review_section_reports_in_its_own_year() -> None:
    text = (
        "2024年大足区政府工作报告 一、2023年工作回顾 建成玉滩水库。"
        " 二、2024年工作安排 开工建设化龙水库。"
    )
    records = _records(text, year=2024)
    done, next_ = records["玉滩水库"], records["化龙水库"]
    assert (done.stage, done.reported, done.target_year) == (C, True, 2023)
    assert (next_.stage, next_.reported, next_.target_year) == (U, False, 2024)


def test_responsibility_lines_name_organisations_not_projects() -> None:
    text = (
        "加快建设达州数字经济产业园。\n责任单位:市发展改革委;有关县(区)、达州高新区、达州经开区。"
    )
    assert set(_records(text)) == {"达州数字经济产业园"}


def test_counties_come_from_the_name_and_its_endpoints(place_index) -> None:
    text = "加快建设宣汉县商贸物流园。开江至梁平高速建成通车。推进秦巴电子信息产业园建设。"
    records = {
        r.name: r
        for r in records_from_text(
            text, doc_id="t", doc_year=2021, places=place_index, region="510000"
        )
    }
    assert records["宣汉县商贸物流园"].counties == ("宣汉县",)
    assert records["开江至梁平高速"].counties == ("开江县", "梁平区")
    assert records["秦巴电子信息产业园"].counties == ()  # a region, not a county
    chongqing = records_from_text(
        "推动大安高速规划建设。", doc_id="t", doc_year=2024, places=place_index, region="500000"
    )
    assert chongqing[0].counties == ()  # 大安 here is a town, not 自贡's 大安区


def test_a_numbered_road_takes_only_the_places_written_at_its_number(place_index) -> None:
    records = {
        r.name: r
        for r in records_from_text(
            "G210线达州过境段三期工程和达州至大竹快速通道建成通车。实施南珠路(S303城区至宝兴)升级改造。",
            doc_id="t", doc_year=2024, places=place_index, region="500000",
        )
    }  # fmt: skip
    # The whole name ends with 工程: "和达州至大竹" is the next item of the list.
    assert records["G210线达州过境段三期工程"].endpoints == ()
    assert records["G210线达州过境段三期工程"].counties == ()
    # A Chongqing provincial road stays in Chongqing: 宝兴 is a town of 大足, not 雅安's 宝兴县.
    assert records["S303"].endpoints == ("城区", "宝兴")
    assert "宝兴县" not in records["S303"].counties


def test_a_longer_spelling_merges_only_when_it_adds_a_place(place_index) -> None:
    text = (
        "加快建设巴中新能源新材料产业园。推进新能源新材料产业园建设。"
        "加快秦巴电子信息产业园建设。推进电子信息产业园建设。"
    )
    names = {
        r.name
        for r in records_from_text(
            text, doc_id="t", doc_year=2021, places=place_index, region="510000"
        )
    }
    assert names == {"巴中新能源新材料产业园", "秦巴电子信息产业园", "电子信息产业园"}


def test_quotes_and_offsets_refer_to_the_original_text() -> None:
    original = "完成 G245 巴州段 改建。\n2024 年，开江至梁平高速建成通车。"
    normalised = normalise(original)
    records = records_from_text(normalised.text, doc_id="t", doc_year=2024)
    out = records_to_original(records, normalised)
    assert {r.name for r in out} == {"G245巴州段", "开江至梁平高速"}
    for record in out:
        assert record.quote in original
        for mention in record.mentions:
            for span in (mention.quote, mention.sentence):
                assert original[span.start : span.end] == span.text
    g245 = next(r for r in out if r.name == "G245巴州段")
    assert "G245 巴州段" in g245.quote
    kailiang = next(r for r in out if r.name == "开江至梁平高速")
    assert kailiang.mentions[0].sentence.text == "2024 年，开江至梁平高速建成通车"
    assert records_from_bytes(original.encode("gbk"), name="a.txt", doc_id="t",
                              doc_year=2024) == out  # fmt: skip


def test_bare_names_continue_a_list_of_the_same_sentence() -> None:
    text = "建成红鱼洞、江家口大型水库,加快高桥、兰草等项目前期工作。加快道路、桥梁等项目建设。"
    records = _records(text)
    assert set(records) == {"红鱼洞水库", "江家口水库", "高桥水库", "兰草水库"}
    assert records["兰草水库"].stage is Stage.PREPARATORY
    assert records["兰草水库"].mentions[0].quote.text == "兰草等项目前期工作"


def test_sections_of_a_line_stay_separate() -> None:
    records = _records("建成汉巴南铁路巴中至南充段。推进汉巴南铁路建设。")
    assert {"汉巴南铁路巴中至南充段", "汉巴南铁路"} <= set(records)


# Measured on the four dev documents when this floor was set (2026-11-22):
# micro F1 0.971 (P 0.971, R 0.971), status 0.90, target year 0.95, exact name 0.97;
# status 0.917 since 初步设计 counts as preparatory (2026-11-30); status 0.947 and
# exact name 0.985 since a stated stage wins over a landmark and lists share a park's
# kind (issue 15, 2026-11-30; dev2 has its own floor in test_extract_dev2.py).
# The floor sits just under, so a real regression fails and noise does not.
FLOOR = {"f1": 0.95, "status_accuracy": 0.92, "target_year_accuracy": 0.93, "exact_name_rate": 0.95}


def test_dev_set_scores_stay_above_the_floor(tmp_path, place_index) -> None:
    lines = []
    for doc in iter_documents():
        if doc.doc_id not in {"000", "001", "003", "004"}:
            continue
        text = normalise(read_document(doc.data, name=doc.entry.file).text).text
        region = doc.entry.adcode[:2] + "0000"
        for record in records_from_text(
            text, doc_id=doc.doc_id, doc_year=doc.entry.year, places=place_index, region=region
        ):
            lines.append(json.dumps(record_to_json(record), ensure_ascii=False))
    pred = tmp_path / "pred.jsonl"
    pred.write_text("\n".join(lines), encoding="utf-8")
    result = subprocess.run(
        [sys.executable, str(DATA / "eval_extract.py"), "--gold", str(DATA / "gold_dev.jsonl"),
         "--pred", str(pred), "--json"],
        capture_output=True, text=True, check=True,
    )  # fmt: skip
    scores = json.loads(result.stdout)
    assert scores["micro"]["f1"] >= FLOOR["f1"]
    for key in ("status_accuracy", "target_year_accuracy", "exact_name_rate"):
        assert scores[key] >= FLOOR[key], key
