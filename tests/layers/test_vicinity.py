"""Which township or village a name means: whole place words, the right county, no guesses."""

from __future__ import annotations

import geopandas as gpd
import pandas as pd
import pytest
import shapely

from layers.localities import Localities
from layers.vicinity import (
    counties_within,
    place_named_in,
    scope_counties,
    station_for,
    stations_named,
)

XUANHAN, DACHUAN, DAZHU = "511722", "511703", "511724"


def _frame(rows: list[tuple[str, str, str, float, float]], *, town: bool) -> gpd.GeoDataFrame:
    codes = [f"{county}{100 + i:03d}000" for i, (_, county, *_rest) in enumerate(rows)]
    data = {
        "code": codes,
        "name": [r[0] for r in rows],
        "county_adcode": [r[1] for r in rows],
        "source": ["vonng-adcode"] * len(rows),
        "datum_of_source": ["GCJ-02"] * len(rows),
    }
    if town:
        data["name_current"] = [""] * len(rows)
    else:
        data["town_code"] = [c[:9] + "000" for c in codes]
    points = [shapely.Point(r[3], r[4]) for r in rows]
    return gpd.GeoDataFrame(data, geometry=points, crs="EPSG:4326")


@pytest.fixture(scope="module")
def localities() -> Localities:
    towns = _frame(
        [
            ("普光镇", XUANHAN, "", 107.9, 31.5),
            ("李家乡", DAZHU, "", 107.2, 30.7),
            ("中和乡", DAZHU, "", 107.3, 30.8),
            ("文化镇", XUANHAN, "", 107.8, 31.4),
            ("石桥镇", XUANHAN, "", 107.7, 31.3),
            ("石桥镇", DACHUAN, "", 107.5, 31.2),
        ],
        town=True,
    )
    villages = _frame([("普光村委会", XUANHAN, "", 107.91, 31.51)], town=False)
    stations = gpd.GeoDataFrame(
        {"name": ["达州站", "达州"], "station": ["train", "train"],
         "county_adcode": ["511702", "511702"], "source": ["osm-railway-stations"] * 2},
        geometry=[shapely.Point(107.49, 31.22), shapely.Point(107.4905, 31.2203)],
        crs="EPSG:4326",
    )  # fmt: skip
    names = pd.DataFrame(
        {"code": ["511722100201"], "name": ["后溪沟村民委员会"],
         "town_code": [towns["code"].iloc[0]], "county_adcode": [XUANHAN],
         "source": ["vonng-adcode"]}
    )  # fmt: skip
    return Localities.from_frames(towns, villages, stations, names)


def _named(text: str, counties: list[str], localities, place_index, **options):
    return place_named_in(text, counties=counties, localities=localities, places=place_index,
                          **options)  # fmt: skip


def test_a_whole_stem_names_its_township_before_a_village(localities, place_index) -> None:
    found = _named("普光经开区", [XUANHAN], localities, place_index)
    assert found.hit.name == "普光镇" and found.hit.kind == "township"
    assert "township point" in found.hit.label(place_index) and "宣汉县" in found.hit.label(
        place_index
    )


@pytest.mark.parametrize(
    "text",
    [
        "李家梁水库",  # 李家 is part of a longer place word
        "碳中和智慧工业园区",  # 中和 inside an ordinary word, not where a place word starts
        "文化旅游园区",  # 文化 is vocabulary, even where a town bears the name
    ],
)
def test_a_stem_that_is_not_the_place_word_places_nothing(text, localities, place_index) -> None:
    assert _named(text, [DAZHU, XUANHAN], localities, place_index) is None


def test_only_the_counties_the_text_ties_it_to_count(localities, place_index) -> None:
    assert _named("普光经开区", [DAZHU], localities, place_index) is None


def test_a_stem_in_two_counties_stays_coarse_and_says_why(localities, place_index) -> None:
    found = _named("石桥水库", [XUANHAN, DACHUAN], localities, place_index)
    assert found.hit is None
    assert "2 counties" in found.why and "宣汉县" in found.why and "达川区" in found.why
    assert _named("石桥水库", [XUANHAN], localities, place_index).hit.county_adcode == XUANHAN


def test_a_place_after_a_separator_counts_and_the_first_wins(localities, place_index) -> None:
    found = _named("石桥—普光产业园", [XUANHAN], localities, place_index)
    assert found.hit.name == "石桥镇"
    assert (
        _named("石桥—普光", [XUANHAN], localities, place_index, opening=True).hit.name == "石桥镇"
    )
    assert _named("新石桥", [XUANHAN], localities, place_index, opening=True) is None


def test_a_village_without_a_point_stands_at_its_township(localities, place_index) -> None:
    found = _named("后溪沟水库", [XUANHAN], localities, place_index)
    assert found.hit.via == "普光镇"
    assert found.hit.point.equals(shapely.Point(107.9, 31.5))
    assert "without a point" in found.hit.label(place_index)


def test_a_city_station_is_the_one_named_after_it(localities, place_index) -> None:
    dazhou = place_index.resolve("达州市").unit
    station = station_for(dazhou, localities=localities, places=place_index)
    assert station is not None and station.name == "达州站"  # two OSM points, one station
    xuanhan = place_index.resolve("宣汉县").unit
    assert station_for(xuanhan, localities=localities, places=place_index) is None


def test_scope_is_the_tied_county_else_the_jurisdiction(place_index) -> None:
    dazhou = place_index.resolve("达州市").unit
    xuanhan = place_index.resolve("宣汉县").unit
    assert scope_counties([xuanhan], jurisdiction=dazhou, places=place_index) == [XUANHAN]
    within = scope_counties([], jurisdiction=dazhou, places=place_index)
    assert XUANHAN in within and DACHUAN in within and len(within) == 7
    assert counties_within(xuanhan, place_index) == [XUANHAN]


def test_stations_are_read_only_where_the_text_writes_them_at_the_line() -> None:
    text = "全面启动成渝中线高铁“大足石刻站”站房建设,促进重庆都市圈铁路西环线建设"
    assert stations_named(["成渝中线高铁"], [text]) == ["大足石刻"]
    assert stations_named(["西渝高铁"], ["西渝高铁达州南站开工", "西渝高铁达州南站"]) == ["达州南"]
    assert stations_named(["西环线"], ["西环线设双桥综合枢纽站、预留万古物流站"]) == ["双桥"]
    works = ["成渝中线高铁站房建设", "加快成渝中线高铁建设,达州站"]
    assert stations_named(["成渝中线高铁"], works) == []
