"""Reference geography: coverage, CRS, seats inside their counties, provenance."""

from __future__ import annotations

import geopandas as gpd
import pandas as pd
import pytest
import shapely

from layers.admin import (
    PROVINCES,
    corpus_area,
    corpus_prefectures,
    former_names_from_rows,
    load_reference,
    read_former_names,
    seats_from_tables,
)
from layers.errors import ReferenceDataError


def test_all_six_provinces_and_their_units_are_present(reference) -> None:
    units = reference.units
    assert units.crs.to_epsg() == 4326
    assert set(units.loc[units["level"] == "province", "name"]) == set(PROVINCES)
    counties = units[units["level"] == "county"]
    assert len(counties) > 550
    assert counties["adcode"].str.fullmatch(r"\d{6}").all()
    assert units.geometry.is_valid.mean() > 0.99
    assert not units.geometry.is_empty.any()
    sichuan = units[(units["level"] == "county") & units["adcode"].str.startswith("51")]
    assert len(sichuan) == 183


@pytest.mark.parametrize(
    ("adcode", "name", "prefecture", "parent"),
    [
        ("511703", "达川区", "达州市", "511700"),
        ("511902", "巴州区", "巴中市", "511900"),
        ("500155", "梁平区", "重庆市", "500000"),
        ("500111", "大足区", "重庆市", "500000"),
        ("610702", "汉台区", "汉中市", "610700"),
    ],
)
def test_counties_know_their_prefecture(reference, adcode, name, prefecture, parent) -> None:
    row = reference.units.set_index(["adcode", "level"]).loc[(adcode, "county")]
    assert (row["name"], row["prefecture"], row["parent_adcode"]) == (name, prefecture, parent)


def test_every_seat_lies_inside_its_own_unit(reference) -> None:
    polygons = reference.units.drop_duplicates("adcode").set_index("adcode").geometry
    seats = reference.seats.set_index("adcode")
    assert set(seats.index) == set(polygons.index)
    outside = [
        f"{seats.at[code, 'name']} {code}"
        for code in seats.index
        if not polygons[code].contains(seats.geometry[code])
    ]
    assert outside == []


def test_seats_name_their_source_and_renamed_units_keep_theirs(reference) -> None:
    seats = reference.seats.set_index("adcode")
    assert seats["seat_source"].str.len().gt(10).all()
    liangping = seats.loc["500155", "seat_source"]
    assert "500228" in liangping and "梁平县" in liangping and "former name" in liangping
    assert "GCJ-02 -> WGS-84" in seats.loc["511703", "seat_source"]


def test_converted_seat_differs_from_the_raw_amap_coordinate(reference) -> None:
    """The stored seat is the WGS-84 point, not cpca's GCJ-02 one."""
    dachuan = reference.seats.set_index("adcode").geometry["511703"]
    raw = shapely.Point(107.511749, 31.196157)
    shift_m = (
        gpd.GeoSeries([dachuan, raw], crs=4326)
        .to_crs(32648)
        .iloc[0]
        .distance(gpd.GeoSeries([raw], crs=4326).to_crs(32648).iloc[0])
    )
    assert 100 < shift_m < 700


def test_seat_falls_back_to_a_labelled_polygon_point() -> None:
    units = gpd.GeoDataFrame(
        {
            "adcode": ["511722"],
            "name": ["宣汉县"],
            "level": ["county"],
            "province": ["四川省"],
            "prefecture": ["达州市"],
            "parent_adcode": ["511700"],
            "source": ["test"],
        },
        geometry=[shapely.box(107.6, 31.2, 108.2, 31.7)],
        crs=4326,
    )
    empty_table = pd.DataFrame(columns=["adcode", "name", "longitude", "latitude", "adcode6"])
    former = pd.DataFrame(
        columns=["former_name", "current_adcode", "current_name", "changed", "source"]
    )
    seats = seats_from_tables(units, empty_table, former)
    assert seats.crs.to_epsg() == 4326
    assert "representative point" in seats["seat_source"].iloc[0]
    assert units.geometry.iloc[0].contains(seats.geometry.iloc[0])


def test_corpus_area_is_the_prefectures_of_the_catalogued_jurisdictions(reference) -> None:
    area = corpus_area(reference.units, ["511700", "511902", "500111", "500155"])
    prefectures = set(area["parent_adcode"])
    assert prefectures == {"511700", "511900", "500000"}
    assert {"达川区", "宣汉县", "巴州区", "恩阳区", "梁平区", "大足区"} <= set(area["name"])
    assert (area["level"] == "county").all()
    outlines = corpus_prefectures(reference.units, area)
    assert set(outlines["name"]) == {"达州市", "巴中市", "重庆市"}


def test_former_names_table_is_complete_and_points_at_current_units(reference) -> None:
    former = read_former_names()
    assert former["source"].str.startswith("https://").all()
    current = set(reference.units["adcode"])
    assert set(former["current_adcode"]) <= current


def test_incomplete_former_name_rows_are_all_reported() -> None:
    rows = [
        {
            "former_name": "达县",
            "current_adcode": "511703",
            "current_name": "达川区",
            "changed": "2013",
            "source": "",
        },
        {
            "former_name": "开县",
            "current_adcode": "5001",
            "current_name": "开州区",
            "changed": "2016",
            "source": "x",
        },
    ]
    with pytest.raises(ReferenceDataError) as caught:
        former_names_from_rows(rows, source="t.csv")
    assert len(caught.value.problems) == 2


def test_cache_is_reused_and_rebuilt_on_request(tmp_path) -> None:
    first = load_reference(cache_dir=tmp_path)
    stamp = (tmp_path / "fingerprint.txt").read_text()
    again = load_reference(cache_dir=tmp_path)
    assert (tmp_path / "fingerprint.txt").read_text() == stamp
    assert len(again.units) == len(first.units)
    assert again.units.crs.to_epsg() == 4326 and again.seats.crs.to_epsg() == 4326
    (tmp_path / "fingerprint.txt").write_text("stale")
    rebuilt = load_reference(cache_dir=tmp_path)
    assert (tmp_path / "fingerprint.txt").read_text() == stamp
    assert rebuilt.units["adcode"].tolist() == first.units["adcode"].tolist()
