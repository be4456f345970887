"""Filter state <-> URL query string, as pure functions."""

from __future__ import annotations

from portal.filters import FilterOptions, Filters, filters_from_query, filters_to_query

OPTIONS = FilterOptions(
    counties_by_prefecture={"达州市": ["通川区", "宣汉县"], "巴中市": ["巴州区"]},
    years=(2016, 2031),
    target_years=(2021, 2027),
    documents={"000": "达州", "001": "巴州"},
    default_year=2026,
)


def test_a_view_survives_the_round_trip() -> None:
    view = Filters(prefectures=("达州市",), counties=("宣汉县",), categories=("reservoir", "park"),
                   statuses=("completed",), year=2025, target_years=(2022, 2025),
                   doc_ids=("000",), overdue_only=True, search="土溪口")  # fmt: skip
    query = filters_to_query(view)
    assert query == {"prefecture": "达州市", "county": "宣汉县", "layer": "reservoir,park",
                     "status": "completed", "doc": "000", "year": "2025",
                     "target": "2022-2025", "overdue": "1", "q": "土溪口"}  # fmt: skip
    assert filters_from_query(query, OPTIONS) == view


def test_defaults_leave_the_query_empty() -> None:
    assert filters_to_query(Filters()) == {}
    assert filters_from_query({}, OPTIONS) == Filters()


def test_a_crafted_link_keeps_only_real_options() -> None:
    query = {"county": "宣汉县,<script>,不存在县", "layer": "reservoir,castles", "year": "1850",
             "target": "2019-2030", "status": "done", "doc": "999", "q": "x" * 500}  # fmt: skip
    view = filters_from_query(query, OPTIONS)
    assert view.counties == ("宣汉县",)
    assert view.categories == ("reservoir",)
    assert view.year is None and view.statuses == () and view.doc_ids == ()
    assert view.target_years == (2021, 2027)  # clipped to what exists
    assert len(view.search) == 50


def test_a_prefecture_alone_means_all_its_counties() -> None:
    assert Filters(prefectures=("达州市",)).county_names(OPTIONS) == ["通川区", "宣汉县"]
    assert Filters(prefectures=("达州市",), counties=("宣汉县",)).county_names(OPTIONS) == [
        "宣汉县"
    ]
    assert Filters().county_names(OPTIONS) == []


def test_the_prefecture_level_switch_is_on_unless_a_link_turns_it_off() -> None:
    assert Filters().prefecture_level is True
    assert filters_from_query({"county": "宣汉县"}, OPTIONS).prefecture_level is True
    off = Filters(counties=("宣汉县",), prefecture_level=False)
    assert filters_to_query(off) == {"county": "宣汉县", "prefecture_level": "0"}
    assert filters_from_query(filters_to_query(off), OPTIONS) == off
    assert filters_from_query({"prefecture_level": "yes"}, OPTIONS).prefecture_level is True
