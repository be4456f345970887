"""What a name is: the generic lexicon, the proper part, and the reasons ``--explain`` gives."""

from __future__ import annotations

import pytest

from layers.mentions import find_mentions
from layers.names import Candidate, contains_place, proper_part, rejection, strip_lead


@pytest.mark.parametrize(
    ("stem", "why"),
    [
        ("全省", "generic"),
        ("病险", "generic"),
        ("市市通", "generic"),
        ("其中", "generic"),
        ("中小", "generic"),
        ("跨省", "generic"),
        ("三大", "generic"),
        ("全市重点", "generic"),
        ("3公里", "number with a unit"),
        ("41座小型", "count"),
        ("100亿级", "size"),
        ("国家级绿色", "rank"),
        ("有序地", "descriptive"),
        ("一批休闲", "descriptive"),
    ],
)
def test_stems_without_a_proper_part_are_rejected_with_a_reason(stem: str, why: str) -> None:
    reason = rejection(stem)
    assert reason is not None and why in reason


@pytest.mark.parametrize(
    "stem", ["土溪口", "龙湾湿地", "渝遂", "大竹至垫江", "城东", "汽摩装备特色"]
)
def test_stems_with_a_proper_part_are_kept(stem: str) -> None:
    assert rejection(stem) is None


def test_the_proper_part_is_named(place_index) -> None:
    assert proper_part("G245巴州", places=place_index).startswith("road number G245")
    assert proper_part("国道350大英", places=place_index).startswith("road number 国道350")
    assert proper_part("大竹至垫江", places=place_index) == "endpoints"
    assert proper_part("宣汉县商贸", places=place_index).startswith("place 宣汉")
    assert proper_part("渝遂") == "short stem or line abbreviation"
    assert contains_place("川陕合作(广元·汉中)", place_index)
    assert not contains_place("数字经济发展", place_index)


@pytest.mark.parametrize(
    ("written", "name"),
    [
        ("开通了青白城际", "青白城际"),
        ("企业经襄渝铁路", "襄渝铁路"),
        ("全省首个青山物流园", "青山物流园"),
        ("境内有渝遂", "渝遂"),
        ("新开工白沙水库", "白沙水库"),
    ],
)
def test_subjects_verbs_and_particles_are_peeled_off(written: str, name: str) -> None:
    assert strip_lead(written)[0] == name


def test_every_candidate_is_explained() -> None:
    text = "加快病险水库除险加固,建成白沙水库,开通了青川城际列车。"
    explain: list[Candidate] = []
    found = find_mentions(text, explain=explain)
    assert [m.name for m in found] == ["白沙水库"]
    decisions = {(c.text, c.kept) for c in explain}
    assert ("白沙水库", True) in decisions
    dropped = {c.text: c.reason for c in explain if not c.kept}
    assert any("generic" in reason for reason in dropped.values())  # 病险水库
    assert any("列车" in reason for reason in dropped.values())  # a train service
