"""Name resolution: current, short, former and qualified names; ambiguity reported."""

from __future__ import annotations

import pytest

from layers.errors import AmbiguousPlaceError, UnknownPlaceError
from layers.placenames import short_name


@pytest.mark.parametrize(
    ("query", "adcode", "via"),
    [
        ("达川区", "511703", "full"),
        ("达县", "511703", "former"),
        ("梁平区", "500155", "full"),
        ("梁平县", "500155", "former"),
        ("开县", "500154", "former"),
        ("巴州区", "511902", "full"),
        ("巴中市巴州区", "511902", "qualified"),
        ("重庆市梁平区", "500155", "qualified"),
        ("宣汉", "511722", "short"),
        ("万州", "500101", "short"),
        ("达州", "511700", "short"),
        ("重庆", "500000", "short"),
        ("大足", "500111", "short"),
        ("双桥区", "500111", "former"),
        ("宜宾", "511500", "short"),  # not 叙州区, though that was 宜宾县
    ],
)
def test_names_resolve_to_todays_unit(place_index, query, adcode, via) -> None:
    match = place_index.resolve(query)
    assert (match.unit.adcode, match.via) == (adcode, via)


def test_former_name_says_what_changed(place_index) -> None:
    assert place_index.resolve("梁平县").note == "梁平县 became 梁平区 in 2016"


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("广安", {"511600", "511602"}),
        ("市中区", {"511002", "511102"}),
        ("恩施", {"422800", "422801"}),
    ],
)
def test_ambiguous_names_are_reported_not_guessed(place_index, query, expected) -> None:
    with pytest.raises(AmbiguousPlaceError) as caught:
        place_index.resolve(query)
    assert {m.unit.adcode for m in caught.value.candidates} == expected
    assert "narrow it" in str(caught.value)


def test_ambiguity_narrows_by_level_or_region(place_index) -> None:
    assert place_index.resolve("广安", level="county").unit.name == "广安区"
    assert place_index.resolve("广安", level="prefecture").unit.name == "广安市"
    assert place_index.resolve("市中区", within="511000").unit.adcode == "511002"


def test_region_restriction_never_invents_a_match(place_index) -> None:
    with pytest.raises(UnknownPlaceError, match="within 500000"):
        place_index.resolve("宣汉", within="500000")


def test_unknown_names_are_reported(place_index) -> None:
    with pytest.raises(UnknownPlaceError, match="No administrative unit"):
        place_index.resolve("土溪口")


@pytest.mark.parametrize(
    ("name", "stem"),
    [
        ("宣汉县", "宣汉"),
        ("万州区", "万州"),
        ("巴中市", "巴中"),
        ("石柱土家族自治县", "石柱"),
        ("积石山保安族东乡族撒拉族自治县", "积石山"),
        ("阿坝藏族羌族自治州", "阿坝"),
        ("高县", "高县"),  # one-character stems are not used alone
        ("四川省", "四川"),
    ],
)
def test_short_names(name, stem) -> None:
    assert short_name(name) == stem
