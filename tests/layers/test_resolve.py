"""Resolution across documents: one project per real project, sections kept apart,
ids that do not move when documents are added."""

from __future__ import annotations

from datetime import date

from layers.codec import record_from_json
from layers.model import Document as DocumentInfo
from layers.model import Record
from layers.resolve import resolve_projects

DAZHOU = DocumentInfo("A", "511700", date(2021, 12, 6))
LIANGPING = DocumentInfo("B", "500155", date(2021, 3, 12))
BAZHOU = DocumentInfo("C", "511902", date(2021, 3, 1))
BAZHONG = DocumentInfo("D", "511900", date(2021, 7, 13))
XUANHAN = DocumentInfo("E", "511722", date(2022, 2, 1))


def _record(name: str, category: str, **extra) -> Record:
    record = {"name": name, "category": category, "aliases": [], "status": "under_construction",
              "reported": False, "target_year": None, "timeline": [], "counties": [],
              "endpoints": [], "quote": name, "mentions": []}  # fmt: skip
    record.update(extra)
    return record_from_json(record)


def _names(projects) -> list[set[str]]:
    return sorted(({r.name for _, r in p.records} for p in projects), key=sorted)


def test_the_same_line_in_two_documents_is_one_project(geocoder) -> None:
    projects = resolve_projects(
        [
            (DAZHOU, [_record("达万铁路扩能改造", "railway")]),
            (LIANGPING, [_record("达万铁路扩能改造", "railway")]),
            (BAZHOU, [_record("汉巴南铁路", "railway")]),
            (BAZHONG, [_record("汉巴南铁路", "railway"),
                       _record("汉巴南铁路巴中至南充段", "railway")]),
        ],
        geocoder=geocoder,
    )  # fmt: skip
    assert _names(projects) == [{"汉巴南铁路"}, {"汉巴南铁路巴中至南充段"}, {"达万铁路扩能改造"}]
    by_name = {p.name: p for p in projects}
    assert by_name["达万铁路扩能改造"].doc_ids == ["A", "B"]
    assert by_name["汉巴南铁路"].doc_ids == ["C", "D"]
    assert by_name["汉巴南铁路巴中至南充段"].doc_ids == ["D"]  # a section stays its own


def test_spellings_and_abbreviations_of_one_line_merge(geocoder) -> None:
    projects = resolve_projects(
        [
            (DAZHOU, [_record("镇巴经达州至广安高速公路", "highway",
                              endpoints=["镇巴", "达州", "广安"])]),
            (BAZHONG, [_record("镇广高速", "highway"), _record("苍巴高速", "highway")]),
            (BAZHOU, [_record("苍溪—巴中高速公路", "highway", endpoints=["苍溪", "巴中"])]),
        ],
        geocoder=geocoder,
    )  # fmt: skip
    assert _names(projects) == [
        {"苍巴高速", "苍溪—巴中高速公路"},
        {"镇巴经达州至广安高速公路", "镇广高速"},
    ]
    zhenguang = next(p for p in projects if "镇广高速" in p.aliases)
    assert zhenguang.name == "镇巴经达州至广安高速公路"  # the spelt-out name wins


def test_different_lines_between_the_same_cities_stay_apart(geocoder) -> None:
    dazu = DocumentInfo("F", "500111", date(2024, 2, 4))
    projects = resolve_projects(
        [(dazu, [_record("成渝高速扩能改造", "highway"), _record("渝蓉高速", "highway")]),
         (DAZHOU, [_record("成都至重庆高速", "highway", endpoints=["成都", "重庆"])])],
        geocoder=geocoder,
    )  # fmt: skip
    assert _names(projects) == [{"成渝高速扩能改造", "成都至重庆高速"}, {"渝蓉高速"}]


def test_zones_merge_within_their_area_only(geocoder) -> None:
    dazu = DocumentInfo("F", "500111", date(2024, 2, 4))
    projects = resolve_projects(
        [
            (DAZHOU, [_record("达州数字经济产业园", "industrial_zone"),
                      _record("普光经开区", "industrial_zone")]),
            (XUANHAN, [_record("数字经济产业园", "industrial_zone"),
                       _record("普光经开区", "industrial_zone")]),
            (BAZHOU, [_record("数字经济产业园", "industrial_zone")]),
            (dazu, [_record("数字经济产业园", "industrial_zone")]),
        ],
        geocoder=geocoder,
    )  # fmt: skip
    doc_sets = sorted(p.doc_ids for p in projects)
    # Dazhou's park and the one its county 宣汉 names share a prefecture; Bazhou's and
    # Dazu's are other parks that happen to share the name.
    assert doc_sets == [["A", "E"], ["A", "E"], ["C"], ["F"]]


def test_ids_are_stable_when_documents_are_added_or_reordered(geocoder) -> None:
    first = [(DAZHOU, [_record("达万铁路扩能改造", "railway"), _record("土溪口水库", "reservoir")])]
    later = [(LIANGPING, [_record("达万铁路扩能改造", "railway")]),
             (BAZHOU, [_record("化成水库", "reservoir")])]  # fmt: skip
    before = {p.name: p.project_id for p in resolve_projects(first, geocoder=geocoder)}
    after = {p.name: p.project_id for p in resolve_projects(later + first, geocoder=geocoder)}
    assert all(after[name] == pid for name, pid in before.items())
    assert before["土溪口水库"].startswith("rs-") and before["达万铁路扩能改造"].startswith("rw-")
