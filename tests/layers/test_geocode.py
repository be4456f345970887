"""Each geocoder rule on small cases: exact, near, route (endpoints, sections,
abbreviations), county, city, unlocated; lengths against a hand computation."""

from __future__ import annotations

import math

import geopandas as gpd
import pytest
import shapely

from layers.gazetteer import Gazetteer
from layers.geocode import Geocoder, line_length_km

DAZHOU, BAZHONG, BAZHOU, DAZU = "511700", "511900", "511902", "500111"


def _haversine_km(a: shapely.Point, b: shapely.Point) -> float:
    r = 6371.0088
    p1, p2 = math.radians(a.y), math.radians(b.y)
    dp, dl = p2 - p1, math.radians(b.x - a.x)
    h = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 2 * r * math.asin(math.sqrt(h))


def test_a_facility_in_the_gazetteer_is_exact(geocoder) -> None:
    loc = geocoder.locate(name="达州金垭机场", category="other", jurisdiction=DAZHOU)
    assert loc.precision == "exact"
    assert loc.counties == ("达川区",)
    assert geocoder.county_of(loc.geometry).name == "达川区"
    assert "github.com/mwgg/Airports" in loc.method


def test_a_facility_named_after_a_township_is_near_it(geocoder) -> None:
    loc = geocoder.locate(name="南江东榆工业园", category="industrial_zone", jurisdiction=BAZHONG)
    assert loc.precision == "near"
    assert "东榆镇" in loc.method and "geonames.org" in loc.method
    assert geocoder.county_of(loc.geometry).name == "南江县"


def test_a_source_that_names_the_township_places_it_at_that_point(geocoder) -> None:
    # 土溪口水库 is not a township's name; a cited page puts it in 宣汉县渡口乡, whose
    # point the derived township table has: near that point, both sources named.
    loc = geocoder.locate(name="土溪口水库", category="reservoir", jurisdiction=DAZHOU)
    assert loc.precision == "near"
    assert loc.counties == ("宣汉县",)
    assert geocoder.county_of(loc.geometry).name == "宣汉县"
    assert "渡口土家族乡" in loc.method and "yybnet.net" in loc.method and "Vonng" in loc.method


def test_a_source_that_names_only_the_county_places_it_there(geocoder) -> None:
    loc = geocoder.locate(name="江家口水库", category="reservoir", jurisdiction=BAZHONG)
    assert loc.precision == "county"
    assert loc.counties == ("平昌县",)
    assert loc.geometry.geom_type in {"Polygon", "MultiPolygon"}  # the county, not a pin
    assert "sc.people.com.cn" in loc.method


def test_a_street_a_source_names_is_not_a_village_that_shares_its_stem(geocoder) -> None:
    # A cited page puts 赤牛城 in 梁平区双桂街道; the derived tables have no point for that
    # street, and the village 双桂村 of 金带镇 shares its stem: the county stands, with
    # the source named, rather than another township's point.
    loc = geocoder.locate(name="赤牛城宋元（蒙）文化遗址公园", category="park",
                          jurisdiction="500155")  # fmt: skip
    assert loc.precision == "county"
    assert loc.counties == ("梁平区",)
    assert "ichov.com" in loc.method and "双桂村" not in loc.method


def test_a_township_a_source_names_in_a_prefecture_document_is_near_it(geocoder) -> None:
    # 罗家坝 names villages in two counties of 达州市, so the name alone places it at the
    # prefecture; a county government page puts the site in 宣汉县普光镇.
    loc = geocoder.locate(name="罗家坝遗址公园", category="park", jurisdiction=DAZHOU)
    assert loc.precision == "near"
    assert loc.counties == ("宣汉县",)
    assert geocoder.county_of(loc.geometry).name == "宣汉县"
    assert "普光镇" in loc.method and "xuanhan.gov.cn" in loc.method


def test_a_zone_named_after_a_town_of_the_jurisdiction_is_near_it(geocoder) -> None:
    loc = geocoder.locate(name="普光经开区", category="industrial_zone", jurisdiction=DAZHOU)
    assert loc.precision == "near"
    assert loc.counties == ("宣汉县",)
    assert geocoder.county_of(loc.geometry).name == "宣汉县"
    assert "普光镇" in loc.method and "CC BY 4.0" in loc.method


def test_a_village_of_another_county_does_not_place_a_reservoir(geocoder) -> None:
    # 龙洞沟 is a village of three Nanchong counties, none of them 巴州区.
    loc = geocoder.locate(name="龙洞沟水库", category="reservoir", counties=["巴州区"],
                          jurisdiction=BAZHONG)  # fmt: skip
    assert loc.precision == "county" and loc.counties == ("巴州区",)


def test_a_village_without_a_point_places_at_its_township_and_says_so(geocoder) -> None:
    loc = geocoder.locate(name="后溪沟水库", category="reservoir", counties=["巴州区"],
                          jurisdiction=BAZHONG)  # fmt: skip
    assert loc.precision == "near"
    assert geocoder.county_of(loc.geometry).name == "巴州区"
    assert "后溪沟村" in loc.method and "without a point" in loc.method and "平梁镇" in loc.method


def test_a_line_passes_the_towns_its_places_name(geocoder) -> None:
    loc = geocoder.locate(name="梁平至石柱高速公路", category="highway",
                          endpoints=["梁平", "忠县石宝寨", "石柱西沱"],
                          jurisdiction="500155")  # fmt: skip
    assert loc.precision == "route"
    assert loc.nodes == ("梁平", "石宝镇", "西沱镇")
    coords = list(loc.geometry.coords)
    for town, county in (("石宝", "忠县"), ("西沱", "石柱土家族自治县")):
        (point,) = geocoder.localities.by_stem(
            town, kinds=["township"], county_adcodes=[_adcode(geocoder, county)]
        ).geometry
        assert min(point.distance(shapely.Point(c)) for c in coords) < 0.02  # about 2 km


def test_a_railway_between_two_cities_passes_their_stations(geocoder) -> None:
    loc = geocoder.locate(name="达州至万州铁路", category="railway", endpoints=["达州", "万州"],
                          jurisdiction=DAZHOU)  # fmt: skip
    assert loc.precision == "route"
    assert "2 node(s) at stations" in loc.method
    assert "达州站" in loc.method and "万州北站" in loc.method and "OpenStreetMap" in loc.method
    start, end = (shapely.Point(c) for c in (loc.geometry.coords[0], loc.geometry.coords[-1]))
    (wanzhou,) = geocoder.localities.station_named("万州北").geometry
    assert end.distance(wanzhou) < 1e-9
    seat = geocoder.seats.set_index("adcode").geometry[DAZHOU]
    assert start.distance(seat) > 0.005  # the station, not the city's seat


def test_a_numbered_road_stays_at_its_county_unless_a_place_is_named(geocoder) -> None:
    plain = geocoder.locate(name="S303", category="highway", counties=["大足区"],
                            jurisdiction="500111")  # fmt: skip
    assert plain.precision == "county"
    section = geocoder.locate(name="G348邮亭过境段", category="highway", counties=["大足区"],
                              jurisdiction="500111")  # fmt: skip
    assert section.precision == "near" and "邮亭镇" in section.method


def _adcode(geocoder, name: str) -> str:
    return geocoder.places.resolve(name).unit.adcode


def test_a_line_with_endpoints_is_a_route_with_its_length(geocoder) -> None:
    loc = geocoder.locate(
        name="开江至梁平高速", category="highway", endpoints=["开江", "梁平"], jurisdiction=DAZHOU
    )
    assert loc.precision == "route"
    assert loc.nodes == ("开江", "梁平")
    assert set(loc.counties) == {"开江县", "梁平区"}
    a, b = (shapely.Point(c) for c in loc.geometry.coords)
    assert loc.length_km == pytest.approx(_haversine_km(a, b), rel=0.02)


@pytest.mark.parametrize(
    ("name", "jurisdiction", "expected"),
    [
        ("镇广高速公路", DAZHOU, ["镇巴县", "广安市"]),
        ("镇广高速", BAZHONG, ["镇巴县", "广安市"]),  # 广元 is nearer 巴中, but the line is not
        ("广巴达铁路扩能改造", BAZHONG, ["广元市", "巴中市", "达州市"]),
        ("大垫高速", DAZHOU, ["大竹县", "垫江县"]),
        ("成达万高铁", DAZHOU, ["成都市", "达州市", "万州区"]),
    ],
)
def test_abbreviations_are_read_and_ambiguities_settled(
    geocoder, name, jurisdiction, expected
) -> None:
    loc = geocoder.locate(name=name, category="railway", jurisdiction=jurisdiction)
    assert loc.precision == "route"
    for unit in expected:
        assert unit in loc.method
    assert loc.method.index(expected[0]) < loc.method.index(expected[-1])
    if name.startswith(("镇广", "广巴达", "大垫")):
        assert "chosen among" in loc.method  # the choice is recorded


def test_a_named_section_is_routed_between_its_own_ends(geocoder) -> None:
    whole = geocoder.locate(name="汉巴南铁路", category="railway", jurisdiction=BAZHOU)
    part = geocoder.locate(name="汉巴南铁路巴中至南充段", category="railway", jurisdiction=BAZHOU)
    assert part.nodes == ("巴中", "南充")
    assert part.length_km < whole.length_km


def test_a_section_named_by_one_county_is_the_line_cut_to_it(geocoder) -> None:
    whole = geocoder.locate(name="成渝中线高铁", category="railway", jurisdiction=DAZU)
    loc = geocoder.locate(name="成渝中线高铁(大足段)", category="railway", jurisdiction=DAZU)
    assert (loc.precision, loc.counties) == ("route", ("大足区",))
    assert loc.nodes == ("成都", "大足", "重庆")  # led through the county it names
    county = geocoder._polygons[geocoder.places.resolve("大足区").unit.adcode]
    assert county.buffer(1e-6).covers(loc.geometry)  # never outside the county
    assert loc.geometry.distance(geocoder._seat(geocoder.places.resolve("大足区").unit)) < 1e-9
    assert 10 < loc.length_km < whole.length_km / 3
    assert "cut to the county" in loc.method
    # A line whose name gives no nodes keeps the county the section names.
    ring = geocoder.locate(name="重庆都市圈铁路西环线(大足段)", category="railway",
                           jurisdiction=DAZU)  # fmt: skip
    assert (ring.precision, ring.counties) == ("county", ("大足区",))


def test_a_railway_passes_the_station_its_text_names(geocoder) -> None:
    whole = geocoder.locate(name="成渝中线高铁", category="railway", jurisdiction=DAZU)
    dazu = geocoder._polygons[geocoder.places.resolve("大足区").unit.adcode]
    assert not whole.geometry.intersects(dazu)  # 成都 to 重庆 straight misses 大足
    loc = geocoder.locate(name="成渝中线高铁", category="railway", stations=["大足石刻"],
                          jurisdiction=DAZU)  # fmt: skip
    assert loc.precision == "route" and loc.nodes == ("成都", "大足石刻站", "重庆")
    assert loc.geometry.intersects(dazu) and "大足区" in loc.counties
    assert "by way of stations the text names: 大足石刻站" in loc.method
    # A stop the line already visits, or one that would double the line, changes nothing.
    # So does a former county (双桥, now in 大足区: not at 大足's seat).
    same = geocoder.locate(name="成渝中线高铁", category="railway",
                           stations=["成都东", "喀什", "双桥"], jurisdiction=DAZU)  # fmt: skip
    assert same.nodes == whole.nodes and same.method == whole.method


def test_lines_leaving_the_corpus_area_still_draw(geocoder) -> None:
    loc = geocoder.locate(
        name="成都至万源至安康铁路", category="railway",
        endpoints=["成都", "万源", "安康"], jurisdiction=DAZHOU,
    )  # fmt: skip
    assert loc.precision == "route" and loc.nodes == ("成都", "万源", "安康")
    assert loc.geometry.coords[-1][1] > 32.5  # 安康, in Shaanxi


def test_mixed_abbreviation_and_name_endpoints(geocoder) -> None:
    loc = geocoder.locate(
        name="长垫梁—万—恩施货运铁路", category="railway",
        endpoints=["长垫梁", "万", "恩施"], jurisdiction="500155",
    )  # fmt: skip
    assert loc.precision == "route"
    assert len(loc.nodes) == 5
    assert "长寿区" in loc.method and "恩施" in loc.method


def test_fallbacks_county_city_and_unlocated(geocoder) -> None:
    county = geocoder.locate(name="数字经济产业园", category="industrial_zone", jurisdiction=BAZHOU)
    city = geocoder.locate(name="数字经济产业园", category="industrial_zone", jurisdiction=DAZHOU)
    named = geocoder.locate(
        name="商贸物流园", category="industrial_zone", counties=["宣汉县"], jurisdiction=DAZHOU
    )
    nowhere = geocoder.locate(name="数字经济产业园", category="industrial_zone", jurisdiction=None)
    assert (county.precision, county.counties) == ("county", ("巴州区",))
    assert city.precision == "city" and city.geometry.geom_type in {"Polygon", "MultiPolygon"}
    assert (named.precision, named.counties) == ("county", ("宣汉县",))
    assert (nowhere.precision, nowhere.geometry) == ("unlocated", None)


def test_near_uses_the_township_of_the_right_county(reference, place_index) -> None:
    """Two townships share a name; the facility's county decides which one."""
    towns = gpd.GeoDataFrame(
        {
            "name": ["三江镇", "三江镇"], "aliases": [(), ()], "kind": ["town", "town"],
            "county": ["巴州区", "旺苍县"], "county_adcode": ["511902", "510821"],
            "datum": ["WGS-84"] * 2, "confidence": ["minute"] * 2,
            "source_url": ["https://example.org/1", "https://example.org/2"],
            "source_quote": ["x", "x"], "note": ["", ""],
        },
        geometry=[shapely.Point(106.95, 31.95), shapely.Point(106.3, 32.2)],
        crs="EPSG:4326",
    )  # fmt: skip
    geocoder = Geocoder(place_index, reference.units, reference.seats, Gazetteer(towns))
    loc = geocoder.locate(name="巴州区三江工业园", category="industrial_zone", jurisdiction=BAZHOU)
    assert loc.precision == "near"
    assert "example.org/1" in loc.method


def test_length_is_measured_in_a_projected_crs() -> None:
    line = shapely.LineString([(107.0, 31.0), (108.0, 31.0), (108.0, 32.0)])
    expected = _haversine_km(shapely.Point(107, 31), shapely.Point(108, 31)) + _haversine_km(
        shapely.Point(108, 31), shapely.Point(108, 32)
    )
    assert line_length_km(line) == pytest.approx(expected, rel=0.01)


def test_a_numbered_road_with_its_stretch_runs_from_the_seat_to_the_town(geocoder) -> None:
    # "S106城区至中敖" in 大足's own report: 城区 is 大足's seat, 中敖 its town.
    loc = geocoder.locate(name="S106", category="highway", endpoints=["城区", "中敖"],
                          counties=["大足区"], jurisdiction="500111")  # fmt: skip
    assert loc.precision == "route"
    assert loc.nodes == ("大足区", "中敖镇")
    assert "the document's own 城区" in loc.method
    start = shapely.Point(loc.geometry.coords[0])
    assert start.distance(geocoder.seats.set_index("adcode").geometry["500111"]) < 1e-9


def test_a_stretch_with_one_place_found_is_no_route_and_no_error(geocoder) -> None:
    loc = geocoder.locate(name="S303", category="highway", endpoints=["中敖", "不存在的地方"],
                          counties=["大足区"], jurisdiction="500111")  # fmt: skip
    assert loc.precision == "county" and loc.counties == ("大足区",)
