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
    "text",
    [
        "省级园区达到8个",
        "推进41座小型水库除险加固",
        "新建2个特色主题文化公园",
        "高速公路通车里程达到700公里",
        "力争建成100亿级工业园区",
        "各县(市、区)高新区",
    ],
)
def test_generic_mentions_are_not_projects(text) -> None:
    assert _names(text) == []


def test_leading_verbs_and_dates_are_peeled_off() -> None:
    assert strip_lead("力争2025年巴州工业园") == ("巴州工业园", 7)
    assert strip_lead("配合做好汉巴南") == ("汉巴南", 4)
    assert strip_lead("加快") == ("加快", 0)  # never peel a name down to nothing
