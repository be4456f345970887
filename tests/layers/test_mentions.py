"""Mention detection from short excerpts: heads, clean boundaries, lists, generics."""

from __future__ import annotations

import pytest

from layers.mentions import find_mentions, strip_lead


def _names(text: str) -> list[tuple[str, str]]:
    return [(m.name, m.category) for m in find_mentions(text)]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("建成土溪口、固军两座大型水库", [("土溪口水库", "reservoir"), ("固军水库", "reservoir")]),
        (
            "完成龙洞沟、百花溪、何成溪水库扩建前期工作",
            [("龙洞沟水库", "reservoir"), ("百花溪水库", "reservoir"), ("何成溪水库", "reservoir")],
        ),
        (
            "大竹至垫江、城口经宣汉至重庆高速力争开工",
            [("大竹至垫江高速", "highway"), ("城口经宣汉至重庆高速", "highway")],
        ),
        (
            "加快建设达州高新区数字经济产业园、新材料产业园",
            [("达州高新区数字经济产业园", "industrial_zone"), ("新材料产业园", "industrial_zone")],
        ),
        ("建成汉巴南铁路巴中至南充段", [("汉巴南铁路巴中至南充段", "railway")]),
        ("达州绕城高速公路西段建成通车", [("达州绕城高速公路西段", "highway")]),
        ("规划建设S521、G245", [("S521", "highway"), ("G245", "highway")]),
        ("加快推进成达万高铁建设", [("成达万高铁", "railway")]),
        ("建成城市运动公园(三期)", [("城市运动公园(三期)", "park")]),
        (
            "加快推进清江—大和、三江等道地药材现代农业产业园建设",
            [
                ("清江—大和道地药材现代农业产业园", "industrial_zone"),
                ("三江道地药材现代农业产业园", "industrial_zone"),
            ],
        ),
    ],
)
def test_named_projects_are_found_with_clean_names(text, expected) -> None:
    assert _names(text) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        # a list whose earlier items are company projects, not parks of the last head
        (
            "加快唯特高电池正极材料、玖源碳酸二甲脂、兆纪光电二期、数字经济产业园等项目",
            ["数字经济产业园"],
        ),
        # a named project before 等 + a count: the count is a summary, not a name
        ("推进大柏树水库等41座小型水库除险加固", ["大柏树水库"]),
        ("新材料产业园、循环经济产业园等特色产业园区", ["新材料产业园", "循环经济产业园"]),
        # listed items that are reservoirs already keep their own names
        (
            "加快联通后溪沟二库、后溪沟一库、黑石腔、群英、津桥湖7座水库",
            ["后溪沟二库", "后溪沟一库", "黑石腔水库", "群英水库", "津桥湖水库"],
        ),
        # a phase and a conjunction end the previous thing
        ("加快易腾一、二期和秦巴电子信息产业园项目入驻", ["秦巴电子信息产业园"]),
        # a chain of zones joined by dashes (the road between them is not a zone)
        (
            "推进经开区—新能源新材料产业园—巴州工业园产业大道建设",
            ["新能源新材料产业园", "巴州工业园"],
        ),
        # a shared level and kind is kept in every listed name
        (
            "巩固提升恩阳优质粮油+猪、通江食用菌、平昌茶叶+猪省级现代农业产业园区创建成果",
            [
                "恩阳优质粮油+猪省级现代农业产业园区",
                "通江食用菌省级现代农业产业园区",
                "平昌茶叶+猪省级现代农业产业园区",
            ],
        ),
        # dash-joined endpoints share the head like 至-joined ones
        (
            "配合做好苍溪—巴中、陕西镇巴—巴中—广安高速公路建设",
            ["苍溪—巴中高速公路", "陕西镇巴—巴中—广安高速公路"],
        ),
        # a list opened after 及 that follows a line with its own head
        (
            "加快巴中至安康铁路及通江经宣汉至开州、南江经苍溪至盐亭高速公路规划研究",
            ["巴中至安康铁路", "通江经宣汉至开州高速公路", "南江经苍溪至盐亭高速公路"],
        ),
        ("创建国家高新技术产业开发区", ["国家高新技术产业开发区"]),
        ("全力争取达万铁路扩能改造纳入规划", ["达万铁路扩能改造"]),
        # long descriptive phrases before 、 are not names sharing the head
        ("以北部天然林生态安全屏障、巴河流域生态绿带、化成水库生态绿核为支撑", ["化成水库"]),
        (
            "推进都梁大道二期、赤牛城环线、赤牛城宋元(蒙)文化遗址公园建设",
            ["赤牛城宋元(蒙)文化遗址公园"],
        ),
        # sections and branches written after the head belong to the name
        ("成渝中线高铁(大足段)建设顺利", ["成渝中线高铁(大足段)"]),
        ("重庆都市圈铁路西环线设双桥综合枢纽站", ["重庆都市圈铁路西环线"]),
        # a rank awarded after a verb is not a second project
        ("大足高新区获批国家级绿色工业园区", ["大足高新区"]),
        # a name opened inside quotation marks starts after them
        (
            "电商产业园获评全国十佳“大足石刻数字文化创意产业园”",
            ["电商产业园", "大足石刻数字文化创意产业园"],
        ),
    ],
)
def test_list_boundaries(text, expected) -> None:
    assert [name for name, _ in _names(text)] == expected


@pytest.mark.parametrize(
    "text",
    [
        "省级园区达到8个",
        "推进41座小型水库除险加固",
        "新建2个特色主题文化公园",
        "高速公路通车里程达到700公里",
        "力争建成100亿级工业园区",
        "各县(市、区)高新区",
        "全面融入国家八纵八横高铁路网",
        "启动编制《达州市城市公园体系规划》",
        "力争创建国家现代农业产业园1个",
        "探索与天府新区等地合作共建产业园区",
        "完成孵化器升级和高新区升级",
        "以培育壮大优势产业为目标、建强产业园区为重点",
        "拉开“6+2+4”中型水库建设格局",
        "打造一批规模化、标准化的中药材种植示范园区",
        "重庆红岩重汽博物馆被授予市级国防教育基地",
        "牵头组建成渝“双圈”静脉产业园区发展联盟",
        "修编玉龙山国家森林公园总体规划",
        "严控工业园区风貌",
        "发挥市级化工园区优势",
        "全力创建“绿水青山就是金山银山”实践创新基地",
        "实现“田园就是公园”",
        "建设铁路货场",
        "打造精品景区",
        "创建国家5A级旅游景区",
        "盘活农村闲置宅基地",
        "优先实现 5G 网络在产业园区深度覆盖",
    ],
)
def test_generic_mentions_are_not_projects(text) -> None:
    assert _names(text) == []


def test_leading_verbs_and_dates_are_peeled_off() -> None:
    assert strip_lead("力争2025年巴州工业园") == ("巴州工业园", 7)
    assert strip_lead("配合做好汉巴南") == ("汉巴南", 4)
    assert strip_lead("加快") == ("加快", 0)  # never peel a name down to nothing


def test_listed_items_know_where_their_shared_head_ends() -> None:
    text = "加快青石至白沙、红岩经绿水至金桥高速公路建设"
    first, second = find_mentions(text)
    assert (first.name, text[first.start : first.end]) == ("青石至白沙高速公路", "青石至白沙")
    assert text[first.start : first.written_end] == "青石至白沙、红岩经绿水至金桥高速公路"
    assert second.head_end is None and second.written_end == second.end
    assert text[second.start : second.written_end] == "红岩经绿水至金桥高速公路"
