"""The committed township, village and station tables keep their promises.

These check the files in ``geodata/gazetteer/`` as derived by
``scripts/derive_gazetteer.py``: they load, every row has a source and lies in
the county it claims, codes are unique and current, and the counts per province
are what a full derivation gives (so a truncated re-derivation is noticed).
"""

from __future__ import annotations

import subprocess
import sys

import pandas as pd
import pyproj
import pytest
import shapely

from layers import REPO_ROOT
from layers.errors import GazetteerError
from layers.localities import CRS, GAZETTEER_DIR, TABLE_FILES, Localities, load_localities

SCRIPT = REPO_ROOT / "scripts" / "derive_gazetteer.py"
GEOD = pyproj.Geod(ellps="WGS84")
# GeoNames 1786150 Youting (邮亭镇), WGS-84, from cities1000.
YOUTING_GEONAMES = (105.73757, 29.43128)
# Floors about 10 % under the counts of the derivation of 2026-11 (per province
# prefix), so a truncated or half-failed re-derivation is noticed.
FLOORS = {
    "townships": {"42": 1000, "50": 900, "51": 4000, "52": 1100, "61": 1050, "62": 1100},
    "villages": {"42": 2700, "50": 1100, "51": 1550, "52": 1000, "61": 950, "62": 450},
    "stations": {"42": 280, "50": 260, "51": 400, "52": 50, "61": 380, "62": 38},
}


@pytest.fixture(scope="module")
def localities() -> Localities:
    return load_localities()


@pytest.fixture(scope="module")
def counties(reference) -> pd.DataFrame:
    units = reference.units
    return units[units["level"] == "county"].drop_duplicates("adcode").set_index("adcode")


@pytest.mark.parametrize("table", ["townships", "villages", "stations"])
def test_counts_per_province_reach_their_floors(localities, table) -> None:
    frame = getattr(localities, table)
    counts = frame["county_adcode"].str[:2].value_counts().sort_index()
    shown = ", ".join(f"{p} {n}" for p, n in counts.items())
    print(f"\n{table}: {len(frame)} rows; {shown}")  # noqa: T201 - shown with -s, on purpose
    assert frame.crs == CRS
    for province, floor in FLOORS[table].items():
        assert counts.get(province, 0) >= floor, (table, province)


@pytest.mark.parametrize("table", ["townships", "villages", "stations"])
def test_every_point_lies_in_the_county_it_claims(localities, counties, table) -> None:
    frame = getattr(localities, table)
    assert frame["county_adcode"].isin(counties.index).all()
    polygons = counties.geometry.reindex(frame["county_adcode"]).to_numpy()
    shapely.prepare(polygons)
    inside = shapely.contains(polygons, frame.geometry.to_numpy())
    assert inside.all(), frame.loc[~inside, ["name", "county_adcode"]].head().to_string()


@pytest.mark.parametrize("table", ["townships", "villages", "stations"])
def test_every_row_has_a_source(localities, table) -> None:
    frame = getattr(localities, table)
    assert (frame["source"].str.strip() != "").all()


def test_codes_are_unique_and_villages_sit_in_their_township(localities) -> None:
    assert localities.townships["code"].is_unique
    assert localities.villages["code"].is_unique
    villages = localities.villages
    assert (villages["town_code"] == villages["code"].str[:9] + "000").all()


def test_sources_and_datums_agree(localities) -> None:
    townships = localities.townships
    from_geonames = townships["source"].str.fullmatch(r"geonames:\d+")
    assert (townships.loc[from_geonames, "datum_of_source"] == "WGS-84").all()
    assert (townships.loc[~from_geonames, "source"] == "vonng-adcode").all()
    assert (townships.loc[~from_geonames, "datum_of_source"] == "GCJ-02").all()


def test_youting_was_converted_to_wgs84(localities) -> None:
    youting = localities.by_stem("邮亭", county_adcodes=["500111"])
    assert youting["name"].tolist() == ["邮亭镇"]
    point = youting.geometry.iloc[0]
    metres = GEOD.inv(point.x, point.y, *YOUTING_GEONAMES)[2]
    assert metres < 1000  # about 155 m; unconverted it would be about 570 m


def test_renamed_counties_carry_todays_code_and_geonames_fills_them(localities) -> None:
    codes = set(localities.townships["county_adcode"])
    assert not codes & {"500228", "500232", "511521"}  # 梁平县, 武隆县, 宜宾县 (2016 codes)
    for county in ("500155", "500156"):  # 梁平区, 武隆区: no snapshot points at all
        towns = localities.units_in([county], kinds=["township"])
        assert len(towns) >= 20
        assert towns["source"].str.startswith("geonames:").all()
    assert "明达镇" in set(localities.units_in(["500155"])["name"])


def test_tables_are_small_enough_to_commit() -> None:
    sizes = {name: (GAZETTEER_DIR / f).stat().st_size for name, f in TABLE_FILES.items()}
    assert sum(sizes.values()) < 3_000_000


def test_stations_are_named_in_chinese(localities) -> None:
    assert localities.stations["name"].str.contains(r"[\u4e00-\u9fff]").all()
    assert not localities.station_named("宣汉").empty


def test_cli_reports_a_missing_source_folder_in_one_line(tmp_path) -> None:
    args = [
        sys.executable,
        str(SCRIPT),
        "--sources",
        str(tmp_path / "absent"),
        "--out",
        str(tmp_path),
    ]
    result = subprocess.run(args, capture_output=True, text=True, cwd=REPO_ROOT)
    assert result.returncode == 1
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: "), result.stderr
    assert not list(tmp_path.glob("*.csv"))


def test_loading_an_empty_folder_names_every_missing_table(tmp_path) -> None:
    with pytest.raises(GazetteerError) as caught:
        load_localities(directory=tmp_path)
    assert len(caught.value.problems) == 4
