"""The curated gazetteer: every row sourced and inside its county; errors listed together."""

from __future__ import annotations

import pandas as pd
import pytest
from pyproj import Geod

from layers.errors import GazetteerError
from layers.gazetteer import (
    GAZETTEER_DIR,
    abbreviations_from_table,
    load_gazetteer,
    places_from_table,
)

GEOD = Geod(ellps="WGS84")
HEADER = ["name", "aliases", "kind", "lat", "lon", "datum", "county", "source_url",
          "source_quote", "confidence", "note"]  # fmt: skip


def _table(*rows: list[str]) -> pd.DataFrame:
    return pd.DataFrame([dict(zip(HEADER, r, strict=True)) for r in rows], dtype=str)


@pytest.fixture(scope="module")
def counties(reference):
    return reference.units[reference.units["level"] == "county"]


def test_every_curated_point_has_a_source_and_lies_in_its_county(
    gazetteer, place_index, counties
) -> None:
    table = pd.read_csv(GAZETTEER_DIR / "places.csv", dtype=str, keep_default_na=False)
    points, problems = places_from_table(
        table, places=place_index, counties=counties, source="places.csv"
    )
    assert problems == []
    assert len(points) == len(table) >= 10
    assert points.crs.to_epsg() == 4326
    assert points["source_url"].str.match(r"^https?://").all()
    polygons = counties.set_index("adcode").geometry
    for row in points.itertuples():
        assert polygons[row.county_adcode].covers(row.geometry), row.name


def test_problems_are_collected_and_reported_together(place_index, counties) -> None:
    table = _table(
        ["无源水库", "", "reservoir", "31.2", "107.5", "WGS-84", "达川区", "", "x", "exact", ""],
        ["错县机场", "", "airport", "31.047", "107.435", "WGS-84", "宣汉县",
         "https://example.org/a", "31.047,107.435", "exact", ""],
        ["怪点", "", "castle", "abc", "107.4", "WGS-84", "达川区", "https://example.org/b", "x",
         "exact", ""],
        ["坐标系", "", "town", "31.2", "107.5", "CGCS2000", "无此县", "https://example.org/c",
         "x", "sure", ""],
    )  # fmt: skip
    _, problems = places_from_table(table, places=place_index, counties=counties, source="t.csv")
    text = "\n".join(problems)
    assert "line 2 (无源水库): no source URL" in text
    assert "line 3 (错县机场): the point lies outside 宣汉县" in text
    assert "line 4 (怪点): kind 'castle'" in text and "line 4 (怪点): lat/lon" in text
    assert "line 5 (坐标系): datum 'CGCS2000'" in text and "county '无此县'" in text
    assert "confidence 'sure'" in text


def test_load_raises_once_with_every_problem(tmp_path, place_index, counties) -> None:
    for name in ("places.csv", "facility_places.csv", "abbreviations.csv"):
        (tmp_path / name).write_bytes((GAZETTEER_DIR / name).read_bytes())
    with (tmp_path / "abbreviations.csv").open("a", encoding="utf-8") as out:
        out.write("成都,成都市,,two characters\n渝,不存在市,,\n")
    with pytest.raises(GazetteerError) as caught:
        load_gazetteer(places=place_index, counties=counties, directory=tmp_path)
    assert len(caught.value.problems) == 2


def test_gcj02_and_bd09_coordinates_are_converted_to_wgs84(place_index, counties) -> None:
    # The same true point written in three datums must land on (almost) one spot.
    from layers.datum import wgs84_to_gcj02

    lon, lat = 107.4525, 31.198611
    glon, glat = (float(v) for v in wgs84_to_gcj02(lon, lat))
    table = _table(
        ["甲", "", "station", str(lat), str(lon), "WGS-84", "通川区", "https://e.org/1", "x",
         "exact", ""],
        ["乙", "", "station", str(glat), str(glon), "GCJ-02", "通川区", "https://e.org/2", "x",
         "exact", ""],
    )  # fmt: skip
    points, problems = places_from_table(table, places=place_index, counties=counties, source="t")
    assert problems == []
    a, b = points.geometry
    assert GEOD.inv(a.x, a.y, b.x, b.y)[2] < 0.01
    assert GEOD.inv(glon, glat, lon, lat)[2] > 100  # the raw GCJ-02 value is visibly off


def test_abbreviations_resolve_and_keep_every_reading(gazetteer, place_index) -> None:
    assert [u.name for u in gazetteer.abbreviations["广"]] == ["广安市", "广元市"]
    assert [u.name for u in gazetteer.abbreviations["大"]] == ["大竹县", "大足区"]
    assert gazetteer.abbreviation_of(gazetteer.abbreviations["蓉"][0].adcode) == "成"
    table = pd.DataFrame([{"abbr": "巴中", "place": "巴中市", "example": "", "note": ""}])
    _, problems = abbreviations_from_table(table, places=place_index, source="a.csv")
    assert "one character" in problems[0]


def test_townships_are_found_by_their_short_names(gazetteer) -> None:
    rows = gazetteer.lookup("邮亭")
    assert list(rows["name"]) == ["邮亭镇"]
    assert rows.iloc[0]["county"] == "大足区"
