"""Locality tables: derivation stages on inline fixtures, stems, loading and its validation."""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pandas as pd
import pyproj
import pytest
import shapely

from layers.derivation import (
    ADCODE_COLUMNS,
    DerivedTables,
    clear_outside,
    county_code_map,
    drop_outside,
    fill_from_geonames,
    stations_in_counties,
    townships_from_rows,
    villages_from_rows,
    write_tables,
)
from layers.errors import GazetteerError
from layers.localities import (
    ATTRIBUTION,
    CRS,
    TOWNSHIP_COLUMNS,
    load_localities,
    station_stem,
    stem_of,
    stems_of,
)

GEOD = pyproj.Geod(ellps="WGS84")
# 大足 邮亭镇 as vonng-adcode gives it (GCJ-02) and as GeoNames 1786150 does (WGS-84).
YOUTING_GCJ = (105.741038, 29.427099)
YOUTING_GEONAMES = (105.73757, 29.43128)


def _metres(a: tuple[float, float], b: tuple[float, float]) -> float:
    return float(GEOD.inv(a[0], a[1], b[0], b[1])[2])


def _adcode_row(code: str, name: str, level: str, county: str, lon: str = "", lat: str = ""):
    row = dict.fromkeys(ADCODE_COLUMNS, "")
    parent = {"town": county + "000000", "village": code[:9] + "000"}.get(level, "")
    row.update(code=code, parent=parent, name=name, level=level, adcode=county)
    row.update(longitude=lon, latitude=lat)
    return row


def _square(adcode: str, lon: float, lat: float, size: float = 0.2) -> dict[str, object]:
    return {"adcode": adcode, "geometry": shapely.box(lon, lat, lon + size, lat + size)}


@pytest.fixture()
def counties() -> gpd.GeoDataFrame:
    """Three made-up counties: 大足 around 邮亭镇, 梁平 beside it, 武隆 further east."""
    rows = [
        _square("500111", 105.6, 29.3),
        _square("500155", 105.8, 29.3),
        _square("500156", 106.0, 29.3),
    ]
    frame = gpd.GeoDataFrame(rows, geometry="geometry", crs=CRS)
    frame["name"] = ["大足区", "梁平区", "武隆区"]
    return frame


def test_county_codes_are_mapped_to_todays_units(counties) -> None:
    snapshot = pd.DataFrame(
        {
            "adcode": ["500111", "500228", "500201", "430102", "500232"],
            "name": ["大足区", "梁平县", "市辖区", "芙蓉区", "武隆县"],
        }
    )
    former = pd.DataFrame(
        {
            "former_name": ["梁平县", "武隆县"],
            "current_adcode": ["500155", "500156"],
            "current_name": ["梁平区", "武隆区"],
            "changed": ["2016", "2016"],
            "source": ["w", "w"],
        }
    )
    mapping = county_code_map(snapshot, counties, former)
    # 500201 is a 市辖区 placeholder whose prefecture 500200 is no county here.
    assert mapping == {"500111": "500111", "500228": "500155", "500232": "500156"}


def test_placeholder_district_maps_to_a_county_level_prefecture() -> None:
    counties = gpd.GeoDataFrame([_square("620200", 98.0, 39.7)], geometry="geometry", crs=CRS)
    snapshot = pd.DataFrame({"adcode": ["620201"], "name": ["市辖区"]})
    no_former = pd.DataFrame(columns=["former_name", "current_adcode"])
    assert county_code_map(snapshot, counties, no_former) == {"620201": "620200"}


def test_townships_are_converted_from_gcj02_and_moved_to_todays_county() -> None:
    rows = pd.DataFrame(
        [
            _adcode_row("500111116000", "邮亭镇", "town", "500111", *map(str, YOUTING_GCJ)),
            _adcode_row("500228111000", "明达镇", "town", "500228"),
            _adcode_row("430102001000", "某街道", "town", "430102", "113.0", "28.2"),
        ]
    )
    table = townships_from_rows(rows, {"500111": "500111", "500228": "500155"})
    assert list(table.columns) == list(TOWNSHIP_COLUMNS)
    assert table["code"].tolist() == ["500111116000", "500228111000"]  # 430102 not mapped
    youting = table.iloc[0]
    point = (youting["lon"], youting["lat"])
    assert 300 < _metres(point, YOUTING_GCJ) < 700  # the GCJ-02 shift was undone
    assert _metres(point, YOUTING_GEONAMES) < 300  # and now agrees with GeoNames
    assert youting["datum_of_source"] == "GCJ-02"
    assert youting["source"] == "vonng-adcode"
    mingda = table.iloc[1]
    assert mingda["county_adcode"] == "500155"
    assert np.isnan(mingda["lon"])


def test_villages_keep_only_located_villages_and_communities() -> None:
    rows = pd.DataFrame(
        [
            _adcode_row("500111116200", "烈火村委会", "village", "500111", "105.74", "29.43"),
            _adcode_row("500111116001", "长河社区居委会", "village", "500111", "105.75", "29.42"),
            _adcode_row("500111116201", "红林村委会", "village", "500111"),
            _adcode_row("500111116300", "某林场", "village", "500111", "105.76", "29.41"),
        ]
    )
    table = villages_from_rows(rows, {"500111": "500111"})
    assert table["name"].tolist() == ["烈火村委会", "长河社区居委会"]
    assert table["town_code"].tolist() == ["500111116000", "500111116000"]


def _geonames(*rows: tuple[str, tuple[str, ...], float, float]) -> pd.DataFrame:
    return pd.DataFrame(rows, columns=["geonameid", "names", "lon", "lat"])


def test_geonames_fills_townships_without_a_point_inside_their_county(counties) -> None:
    townships = pd.DataFrame(
        {
            "code": ["500228111000", "500228112000", "500228113000", "500232100000"],
            "name": ["明达镇", "仁贤乡", "和林镇", "巷口镇"],
            "name_current": "",
            "county_adcode": ["500155", "500155", "500155", "500156"],
            "lon": np.nan,
            "lat": np.nan,
            "source": "vonng-adcode",
            "datum_of_source": "GCJ-02",
        }
    )
    geonames = _geonames(
        ("1", ("明达", "明达镇"), 105.85, 29.40),  # same name, inside 梁平
        ("2", ("仁贤", "仁贤镇"), 105.90, 29.40),  # 仁贤乡 became a 镇: stem + 镇 matches
        ("3", ("和林镇",), 105.70, 29.40),  # same name but inside 大足: not used
        ("4", ("巷口镇",), 106.05, 29.40),
        ("5", ("巷口",), 106.10, 29.45),  # the bare stem is no match
    )
    filled = fill_from_geonames(townships, geonames, counties).set_index("name")
    assert filled.loc["明达镇", "source"] == "geonames:1"
    assert filled.loc["明达镇", "datum_of_source"] == "WGS-84"
    assert (filled.loc["明达镇", "lon"], filled.loc["明达镇", "lat"]) == (105.85, 29.40)
    assert filled.loc["仁贤乡", "source"] == "geonames:2"
    assert np.isnan(filled.loc["和林镇", "lon"])
    assert filled.loc["巷口镇", "source"] == "geonames:4"
    geonames.at[4, "names"] = ("巷口镇",)  # two rows named 巷口镇 in 武隆: ambiguous
    again = fill_from_geonames(townships, geonames, counties).set_index("name")
    assert np.isnan(again.loc["巷口镇", "lon"])


def test_points_outside_their_claimed_county_are_dropped_or_cleared(counties) -> None:
    frame = pd.DataFrame(
        {
            "code": ["a", "b", "c"],
            "county_adcode": ["500111", "500111", "500155"],
            "lon": [105.7, 105.9, np.nan],  # b lies in 梁平, not 大足
            "lat": [29.4, 29.4, np.nan],
        }
    )
    assert drop_outside(frame, counties, table="t")["code"].tolist() == ["a", "c"]
    cleared = clear_outside(frame, counties, table="t")
    assert cleared["code"].tolist() == ["a", "b", "c"]
    assert cleared["lon"].isna().tolist() == [False, True, True]


def test_stations_get_the_county_that_contains_them(counties) -> None:
    stations = gpd.GeoDataFrame(
        {"name": ["大足南", None, "Dazu", "远方"], "station": ["train"] * 4},
        geometry=gpd.points_from_xy([105.7, 105.7, 105.7, 110.0], [29.4] * 4),
        crs=CRS,
    )
    table = stations_in_counties(stations, counties)
    assert table[["name", "county_adcode"]].values.tolist() == [["大足南", "500111"]]
    assert table["source"].tolist() == ["osm-railway-stations"]


@pytest.mark.parametrize(
    ("name", "stem"),
    [
        ("普光镇", "普光"),
        ("石宝镇", "石宝"),
        ("渡口乡", "渡口"),
        ("南岸街道办事处", "南岸"),
        ("一元街办事处", "一元"),
        ("沙溪土家族乡", "沙溪"),
        ("南开苗族彝族乡", "南开"),
        ("新街村民委员会", "新街"),
        ("张泉村村委会", "张泉"),
        ("新村村委会", "新村"),  # 新 alone is no place name
        ("长河社区居委会", "长河"),
        ("大南社区服务中心", "大南"),
        ("五一村", "五一"),
        ("高镇", "高镇"),
        ("达州高新区", "达州高新区"),
    ],
)
def test_stem_of(name: str, stem: str) -> None:
    assert stem_of(name) == stem
    assert stems_of(pd.Series([name])).tolist() == [stem]


def test_station_stem() -> None:
    assert [station_stem(n) for n in ("达州站", "达州", "达州南站", "站")] == [
        "达州",
        "达州",
        "达州南",
        "站",
    ]


def _tables() -> DerivedTables:
    townships = pd.DataFrame(
        {
            "code": ["500111116000", "500155111000"],
            "name": ["邮亭镇", "明达镇"],
            "name_current": ["", ""],
            "county_adcode": ["500111", "500155"],
            "lon": [105.7374101234, 105.85],
            "lat": [29.429882, 29.40],
            "source": ["vonng-adcode", "geonames:1"],
            "datum_of_source": ["GCJ-02", "WGS-84"],
        }
    )
    villages = pd.DataFrame(
        {
            "code": ["500111116200"],
            "name": ["烈火村委会"],
            "town_code": ["500111116000"],
            "county_adcode": ["500111"],
            "lon": [105.74],
            "lat": [29.43],
            "source": ["vonng-adcode"],
            "datum_of_source": ["GCJ-02"],
        }
    )
    stations = pd.DataFrame(
        {
            "name": ["达州站", "达州南", "达州东路"],
            "station": ["train", "train", "subway"],
            "county_adcode": ["511702", "511703", "511702"],
            "lon": [107.49, 107.47, 107.50],
            "lat": [31.22, 31.09, 31.21],
            "source": ["osm-railway-stations"] * 3,
        }
    )
    village_names = pd.DataFrame(
        {
            "code": ["500111116201"],
            "name": ["玉河村委会"],
            "town_code": ["500111116000"],
            "county_adcode": ["500111"],
            "source": ["vonng-adcode"],
        }
    )
    return DerivedTables(townships=townships, villages=villages, stations=stations,
                         village_names=village_names)  # fmt: skip


def test_written_tables_load_with_their_lookups(tmp_path) -> None:
    write_tables(_tables(), tmp_path)
    text = (tmp_path / "townships.csv").read_text(encoding="utf-8")
    assert "105.737410," in text  # rounded to 6 decimals
    localities = load_localities(directory=tmp_path)
    assert localities.townships.crs == CRS
    assert localities.townships.geometry.iloc[0].x == pytest.approx(105.73741)
    assert localities.townships["code"].tolist() == ["500111116000", "500155111000"]
    assert localities.by_stem("邮亭")["code"].tolist() == ["500111116000"]
    assert localities.by_stem("邮亭镇", county_adcodes=["500155"]).empty
    assert localities.by_stem("烈火")["kind"].tolist() == ["village"]
    assert localities.by_stem("烈火", kinds=["township"]).empty
    assert len(localities.units_in(["500111"])) == 2
    assert localities.units_in(["500111"], kinds=["village"])["name"].tolist() == ["烈火村委会"]
    assert localities.station_named("达州")["name"].tolist() == ["达州站"]
    assert localities.station_named("达州市", directions=True)["name"].tolist() == [
        "达州站",
        "达州南",
    ]
    assert sorted(localities.stations_of("511702")["name"]) == ["达州东路", "达州站"]
    # A village without a point carries its township's point and name.
    (unplaced,) = localities.unplaced_in(["500111"]).itertuples()
    assert (unplaced.stem, unplaced.town_name) == ("玉河", "邮亭镇")
    assert unplaced.geometry.equals(localities.townships.geometry.iloc[0])
    assert localities.unplaced_in(["500155"]).empty
    # By stem, for matching a name's substrings: the same rows, indexed once per county set.
    index = localities.stems_in(["500111"], placed=True)
    assert index is localities.stems_in(["500111"], placed=True)
    assert index.longest == max(len(stem) for stem in localities.units_in(["500111"])["stem"])
    assert index.rows("邮亭")["code"].tolist() == ["500111116000"]
    assert localities.stems_in(["500111"], placed=False).rows("玉河")["town_name"].tolist() == [
        "邮亭镇"
    ]
    assert not localities.stems_in(["500155"], placed=False).positions


def test_every_problem_is_reported_at_once(tmp_path) -> None:
    write_tables(_tables(), tmp_path)
    townships = pd.read_csv(tmp_path / "townships.csv", dtype=str, keep_default_na=False)
    townships.loc[0, "source"] = ""
    townships.loc[1, "lat"] = "95"
    townships.loc[1, "code"] = townships.loc[0, "code"]
    townships.to_csv(tmp_path / "townships.csv", index=False)
    stations = pd.read_csv(tmp_path / "stations.csv", dtype=str, keep_default_na=False)
    stations.drop(columns="station").to_csv(tmp_path / "stations.csv", index=False)
    (tmp_path / "villages.csv").unlink()
    with pytest.raises(GazetteerError) as caught:
        load_localities(directory=tmp_path)
    problems = "\n".join(caught.value.problems)
    assert "no source (lines 2)" in problems
    assert "lat not a number" in problems
    assert "code repeated" in problems
    assert "stations.csv: missing columns station" in problems
    assert "villages.csv: file is missing" in problems


def test_attribution_names_every_source() -> None:
    text = " ".join(ATTRIBUTION)
    assert "Vonng/adcode" in text and "CC BY 4.0" in text
    assert "GeoNames" in text
    assert "OpenStreetMap" in text and "ODbL" in text
