"""How plans write names, lists, stages and quotes: one made-up excerpt per pattern.

Every sentence here is invented in the style of county and provincial plans (the
places are real, the projects are not), so the rules are tested as rules of the
language, not as memories of the development sets.
"""

from __future__ import annotations

import pytest

from layers.extract import STAGE_WORD_RE, records_from_text
from layers.model import Layer, Record, Stage

P, R, U, C = Stage.PROPOSED, Stage.PREPARATORY, Stage.UNDER_CONSTRUCTION, Stage.COMPLETED


def _records(text: str, *, year: int = 2023) -> dict[str, Record]:
    return {r.name: r for r in records_from_text(text, doc_id="t", doc_year=year)}


# 1. What a name is --------------------------------------------------------------------


@pytest.mark.parametrize(
    "text",
    [
        "全省高速公路通车里程突破9000公里",
        "基本实现市市通高铁、县县通高速",
        "其中高铁运营里程达到300公里",
        "加快病险水库除险加固",
        "三大高速公路全面开工",
        "新建3公里公园绿道",
        "沿江水库周边环境整治",
        "完善中小水库管护机制",
        "全力推进重点产业园建设",
        "跨省城际公交有序运营",
        "开通了青川城际列车",
        "确保白龙水库生态环境安全",
        "融入轨道上的都市圈",
        "创建数字经济发展示范园区",
    ],
)
def test_generic_phrases_are_not_projects(text: str) -> None:
    layers = {Layer.HIGHWAY, Layer.RAILWAY, Layer.RESERVOIR, Layer.PARK, Layer.INDUSTRIAL_ZONE}
    assert [r.name for r in _records(text).values() if r.layer in layers] == []


@pytest.mark.parametrize(
    ("text", "name", "layer"),
    [
        ("启动省道305青山段建设", "省道305青山段", Layer.HIGHWAY),
        ("加快国道212白水段改建", "国道212白水段", Layer.HIGHWAY),
        ("g318城区连接线建成通车", "g318城区连接线", Layer.HIGHWAY),
        ("新开工s105青溪至白水乡村旅游公路", "s105青溪至白水乡村旅游公路", Layer.HIGHWAY),
        ("重庆轨道交通9号线二期建成通车", "重庆轨道交通9号线二期", Layer.RAILWAY),
        ("开工建设地铁3号线一期", "地铁3号线一期", Layer.RAILWAY),
        ("城轨快线江綦线建成通车", "城轨快线江綦线", Layer.RAILWAY),
        ("推进长江国家文化公园(涪陵段)建设", "长江国家文化公园(涪陵段)", Layer.PARK),
        ("创建米仓山国家公园", "米仓山国家公园", Layer.PARK),
        ("龙湾湿地公园有序推进", "龙湾湿地公园", Layer.PARK),
    ],
)
def test_numbers_places_and_line_names_make_names(text: str, name: str, layer: Layer) -> None:
    record = _records(text)[name]
    assert record.layer is layer


def test_a_head_used_for_classes_needs_a_place_of_the_reference_geography(place_index) -> None:
    text = "川陕合作(广元·汉中)示范园区加快建设,创建数字经济发展示范园区。"
    found = records_from_text(text, doc_id="t", doc_year=2023, places=place_index)
    assert [r.name for r in found] == ["川陕合作(广元·汉中)示范园区"]


def test_a_positional_stem_is_a_name_only_beside_named_siblings() -> None:
    listed = _records("形成青石产业园、沿江产业园、城东产业园三园格局")
    assert {"青石产业园", "沿江产业园", "城东产业园"} <= set(listed)
    assert "沿江水库" not in _records("加强沿江水库管护")


# 2. Name boundaries ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "name"),
    [
        ("开通了青山至白水城际铁路", "青山至白水城际铁路"),
        ("企业经襄渝铁路运出产品", "襄渝铁路"),
        ("实现绿水高速全线通车", "绿水高速"),
        ("建成了白鹤水库", "白鹤水库"),
        ("加快推进青白高速扩容", "青白高速扩容"),
        ("协同推进成绵高速扩容、绵遂高速等项目建设", "成绵高速扩容"),
        ("推进达万铁路扩能改造", "达万铁路扩能改造"),
        ("加快建设万达高速公路复线", "万达高速公路复线"),
        ("建成襄渝铁路二线", "襄渝铁路二线"),
        ("兰渝铁路支线建成", "兰渝铁路支线"),
        ("青白高速连接线开工", "青白高速连接线"),
        ("G75兰海高速青山互通达到通车条件", "G75兰海高速青山互通"),
        ("西渝高铁达州段加快建设", "西渝高铁达州段"),
        ("东湖公园下游段建成开放", "东湖公园下游段"),
        ("青岩工业园一期建成投用", "青岩工业园一期"),
    ],
)
def test_leading_verbs_go_and_sections_and_phases_stay(text: str, name: str) -> None:
    assert name in _records(text)


# 3. Lists sharing heads and qualifiers --------------------------------------------------


@pytest.mark.parametrize(
    ("text", "names"),
    [
        ("建成营达、巴广、南渝高速公路", ["营达高速公路", "巴广高速公路", "南渝高速公路"]),
        ("推进青白、白红、红黄铁路建设", ["青白铁路", "白红铁路", "红黄铁路"]),
        ("推进石门中型水库和青杠水库前期工作", ["石门水库", "青杠水库"]),
        ("加快川藏铁路、西渝高铁和成渝高速扩容", ["川藏铁路", "西渝高铁", "成渝高速扩容"]),
        ("境内有青白、白红等高速公路5条", ["青白高速公路", "白红高速公路"]),
        (
            "确保成兰铁路(成都至松潘段)、内江至大足高速公路建成通车",
            ["成兰铁路(成都至松潘段)", "内江至大足高速公路"],
        ),
        ("开工建设绵德市域铁路和攀枝花至木里等高速公路", ["绵德市域铁路", "攀枝花至木里高速公路"]),
        ("加快青岩、白沙遗址公园建设", ["青岩遗址公园", "白沙遗址公园"]),
    ],
)
def test_lists_give_one_record_per_listed_name(text: str, names: list[str]) -> None:
    found = _records(text)
    assert all(n in found or n.replace("中型", "") in found for n in names), sorted(found)
    assert len([r for r in found.values() if r.layer is not Layer.OTHER]) == len(names)


def test_examples_of_a_class_do_not_borrow_its_head() -> None:
    text = "青山公园、白沙公园及七星岭、丹霞湾等一批休闲公园建成开放"
    assert set(_records(text)) == {"青山公园", "白沙公园"}


# 4. Status and time ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "name", "stage"),
    [
        ("青石水库下闸蓄水", "青石水库", U),
        ("白沙水库大坝封顶", "白沙水库", U),
        ("青山水库建设完成", "青山水库", C),
        ("金桥经开区创建为省级开发区", "金桥经开区", C),
        ("绿水产业园获评首批省级特色园区", "绿水产业园", C),
        ("青山高新区入列国家级产业合作园区名单", "青山高新区", C),
        ("青石产业园纳入自由贸易试验区协同改革先行区", "青石产业园", C),
        ("白沙物流园跻身全省重大项目", "白沙物流园", P),
        ("争取将青龙至白马铁路纳入国家规划", "青龙至白马铁路", P),
        ("力争开工建设青杠水库", "青杠水库", R),
        ("启动省道305青山段建设", "省道305青山段", U),
        ("推进青白高速前期工作", "青白高速", R),
        ("境内有青白高速", "青白高速", C),
        ("形成青石产业园、白沙产业园两园格局", "白沙产业园", C),
        ("青石经开区面积达到20平方公里", "青石经开区", C),
        ("红岩湿地公园获批国家湿地公园", "红岩湿地公园", C),
        # 完成 governs the work the clause ends with, however far; money spent is not done
        ("完成白沙产业园标准厂房及配套基础设施建设", "白沙产业园", C),
        ("完成G245青山段光明—白马—梁山道路建设", "G245青山段", C),
        ("完成青石水库建设投资3亿元", "青石水库", U),
        # a verb that closes the item before (…公路建设和) does not govern the next one
        ("力争启动青龙铁路、白马高速公路建设和青山铁路扩能改造", "青山铁路扩能改造", R),
        ("加快青龙铁路建设和白马水库除险加固", "白马水库", U),
    ],
)
def test_milestones_designations_and_hedges(text: str, name: str, stage: Stage) -> None:
    assert _records(text)[name].stage is stage


def test_a_review_heading_without_a_number_reports_its_year() -> None:
    text = "政府工作报告\n2022年工作回顾\n青山湿地公园有序推进,白鹤水库建成。\n"
    records = _records(text, year=2023)
    for name in ("青山湿地公园", "白鹤水库"):
        assert (records[name].target_year, records[name].reported) == (2022, True), name


def test_a_five_year_review_belongs_to_the_last_year_of_the_period() -> None:
    text = "一、十三五简要回顾\n五年来,青石水库建成,白沙产业园形成规模。"
    assert _records(text, year=2021)["青石水库"].target_year == 2020


def test_a_count_of_industries_is_not_a_heading() -> None:
    text = "一、2021年工作回顾\n一、二、三产业分别增长5%、6%、7%。青岩产业园建成投运。"
    record = _records(text, year=2022)["青岩产业园"]
    assert (record.target_year, record.reported) == (2021, True)


def test_a_landmark_in_a_dated_task_list_has_no_year() -> None:
    text = "2021年区政府工作报告目标任务分解方案\n保护好青山国家森林公园,加快白沙水库建设。"
    records = _records(text, year=2021)
    assert records["白沙水库"].target_year == 2021
    assert (records["青山国家森林公园"].stage, records["青山国家森林公园"].target_year) == (C, None)


def test_a_stated_stage_wins_over_a_landmark() -> None:
    text = "依托青石物流园发展商贸。加快青石物流园二期建设。推进青石物流园扩区。"
    assert _records(text)["青石物流园"].stage is U


# 5. Quotes ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "name", "quote"),
    [
        ("青山水库建设完成,桥亭水闸开工", "青山水库", "青山水库建设完成"),
        (
            "G75兰海高速青山互通达到通车条件",
            "G75兰海高速青山互通",
            "G75兰海高速青山互通达到通车条件",
        ),
        ("青石物流园跻身全省服务业“三百工程”", "青石物流园", "青石物流园跻身全省服务业“三百工程”"),
        ("东湖公园下游段建成开放,形成亲水廊道", "东湖公园下游段", "东湖公园下游段建成开放"),
    ],
)
def test_quotes_hold_the_whole_stage_word(text: str, name: str, quote: str) -> None:
    record = _records(text)[name]
    assert record.quote == quote
    assert STAGE_WORD_RE.search(record.quote)


def test_a_wrapped_line_of_a_pdf_copy_does_not_end_the_sentence() -> None:
    """A copy out of a PDF breaks every line at the page width, mid-sentence."""
    page = (
        "去年全市地区生产总值增长百分之六,一般公共预算收支分别增长百分之七。城镇居民收入增长"
        "百分之五,农村居民收入增长百分之七。重点项目投资完成计划任务,西渝高铁、青杠水库等重大"
        "项目加快推进,其余项目按期完工。全市社会消费品零售总额增长百分之八,网络零售额增长较快。"
    )
    page = "经" * (-page.index("项目加快推进") % 30) + page  # the wrap falls after 等重大
    text = "\n".join(page[i : i + 30] for i in range(0, len(page), 30)) + "\n"
    assert "等重大\n项目" in text  # the wrap falls inside the sentence
    record = _records(text)["青杠水库"]
    assert record.quote == "青杠水库等重大\n项目加快推进"
    assert record.stage is U


# A numbered road and the stretch written right after it ------------------------------


def test_a_numbered_road_takes_the_places_written_right_after_it() -> None:
    records = _records(
        "加快S208城区至青山快速通道(S208城区至青山)前期工作，改造S402(石门至白水)段，"
        "完成G318 东区段长岭—石桥—河口道路建设，配合做好G542、S107建设。"
    )
    assert records["S208"].endpoints == ("城区", "青山")
    assert records["S402"].endpoints == ("石门", "白水")
    assert records["G318"].endpoints == ("长岭", "石桥", "河口")
    assert records["G542"].endpoints == () and records["S107"].endpoints == ()  # a list item
