"""Derivation of the locality tables (:mod:`layers.localities`) from three public data sets.

The sources (``../shared/geodata-sources/``, see its README) are large, mixed in
datum and out of date in places; the committed tables must be small, WGS-84,
current in their county codes and provably inside the county each row claims:

* ``vonng-adcode`` (July 2016, GCJ-02): every township and village with a centre
  point for most townships and a few villages. Points are converted with
  :mod:`layers.datum`; 2016 county codes that have since changed (梁平县 500228 ->
  梁平区 500155) are mapped through the former-names table.
* GeoNames ``cities1000`` (WGS-84): fills townships that have no point (all of
  梁平 and 武隆), when a GeoNames row's Chinese name is the township's and the
  point lies inside the township's county.
* OSM railway stations (WGS-84): kept when inside a county of the reference.

The readers are the I/O edge; the functions that combine tables are pure and
tested on small inline frames. Every stage logs how many rows it kept and dropped.
"""

from __future__ import annotations

import csv
import gzip
import logging
import re
from dataclasses import dataclass
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from numpy.typing import NDArray

from layers.datum import gcj02_to_wgs84
from layers.errors import GazetteerError
from layers.localities import (
    CRS,
    SOURCE_ADCODE,
    SOURCE_GEONAMES,
    SOURCE_STATIONS,
    STATION_COLUMNS,
    TABLE_FILES,
    TOWNSHIP_COLUMNS,
    VILLAGE_COLUMNS,
    VILLAGE_NAME_COLUMNS,
    stems_of,
)

logger = logging.getLogger(__name__)

ADCODE_DIR = "vonng-adcode"
GEONAMES_FILE = Path("geonames-cities1000-cn") / "cities1000_CN.txt"
STATIONS_ZIP = Path("osm-railway-stations") / "Railway-station_oData.zip"
ADCODE_COLUMNS: tuple[str, ...] = (
    "code", "parent", "name", "level", "rank", "adcode", "post_code", "area_code", "ur_code",
    "municipality", "virtual", "dummy", "longitude", "latitude", "center", "province", "city",
    "county", "town", "village",
)  # fmt: skip
_GEONAMES_USED = {0: "geonameid", 3: "alternatenames", 4: "lat", 5: "lon"}
_HAN_RE = re.compile(r"^[\u4e00-\u9fff]+$")
_HAS_HAN = r"[\u4e00-\u9fff]"
_VILLAGE_RE = r"(?:村|社区|村委会|居委会|村民委员会|居民委员会)$"
_DECIMALS = 6


@dataclass(frozen=True)
class DerivedTables:
    """The three tables as they will be written (plain frames, lon/lat in WGS-84)."""

    townships: pd.DataFrame
    villages: pd.DataFrame
    stations: pd.DataFrame
    village_names: pd.DataFrame | None = None


def read_adcode_rows(directory: Path, *, province_prefixes: set[str]) -> pd.DataFrame:
    """Read the per-county CSV files of the provinces wanted, as text columns."""
    files = sorted(p for p in directory.glob("*.csv") if p.stem[:2] in province_prefixes)
    if not files:
        raise GazetteerError(
            f"No vonng-adcode files in {directory}.", ["expected one CSV per unit, e.g. 510000.csv"]
        )
    frames = [
        pd.read_csv(p, header=None, names=list(ADCODE_COLUMNS), dtype=str, keep_default_na=False)
        for p in files
    ]
    rows = pd.concat(frames, ignore_index=True)
    logger.info("vonng-adcode: %d rows from %d files", len(rows), len(files))
    return rows


def read_geonames(path: Path) -> pd.DataFrame:
    """GeoNames rows with their Chinese names: geonameid, names (tuple), lon, lat."""
    raw = pd.read_csv(
        path,
        sep="\t",
        header=None,
        usecols=list(_GEONAMES_USED),
        dtype=str,
        keep_default_na=False,
        quoting=csv.QUOTE_NONE,  # names may contain quote characters
    ).rename(columns=_GEONAMES_USED)
    names = [tuple(n for n in alt.split(",") if _HAN_RE.match(n)) for alt in raw["alternatenames"]]
    table = pd.DataFrame(
        {
            "geonameid": raw["geonameid"],
            "names": names,
            "lon": raw["lon"].astype(float),
            "lat": raw["lat"].astype(float),
        }
    )
    table = table[table["names"].map(len) > 0].reset_index(drop=True)
    logger.info("geonames: %d rows, %d with a Chinese name", len(raw), len(table))
    return table


def read_stations(path: Path) -> gpd.GeoDataFrame:
    """The zipped OSM station shapefile, in EPSG:4326 (it says WGS-84 in its .prj)."""
    stations = gpd.read_file(f"zip://{path.resolve()}")
    if stations.crs is None:
        raise GazetteerError(f"{path.name} has no CRS.", ["expected a WGS-84 .prj"])
    stations = stations.to_crs(CRS)
    logger.info("osm stations: %d points read", len(stations))
    return stations


def county_code_map(
    counties_2016: pd.DataFrame, counties: pd.DataFrame, former: pd.DataFrame
) -> dict[str, str]:
    """Map every 2016 county code to today's county code, or leave it out.

    ``counties_2016`` has the snapshot's county rows (adcode, name); ``counties``
    today's reference counties (adcode, name); ``former`` the former-names table.
    A code still in use maps to itself; a renamed county (梁平县 500228) maps
    through its former name, looked up within its province; a prefecture's
    "市辖区" placeholder maps to the prefecture when the prefecture is itself a
    county-level unit (嘉峪关 620201 -> 620200). Codes of other provinces map to
    nothing and their rows are left out.
    """
    current = set(counties["adcode"])
    renamed = {
        (row.former_name, row.current_adcode[:2]): row.current_adcode
        for row in former.itertuples()
        if row.current_adcode in current
    }
    mapping: dict[str, str] = {}
    for row in counties_2016.itertuples():
        code = str(row.adcode)
        prefecture = code[:4] + "00"
        if code in current:
            mapping[code] = code
        elif (row.name, code[:2]) in renamed:
            mapping[code] = renamed[(row.name, code[:2])]
        elif code.endswith("01") and prefecture in current:
            mapping[code] = prefecture
    return mapping


def _wgs84_points(rows: pd.DataFrame) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
    """Convert the snapshot's GCJ-02 longitude/latitude columns; empty stays NaN."""
    lon = pd.to_numeric(rows["longitude"], errors="coerce").to_numpy(dtype=float)
    lat = pd.to_numeric(rows["latitude"], errors="coerce").to_numpy(dtype=float)
    wlon, wlat = gcj02_to_wgs84(lon, lat)
    return np.where(np.isnan(lon), np.nan, wlon), np.where(np.isnan(lat), np.nan, wlat)


def townships_from_rows(rows: pd.DataFrame, county_map: dict[str, str]) -> pd.DataFrame:
    """Township rows of the snapshot, in today's counties, points in WGS-84 (NaN: none)."""
    towns = rows[(rows["level"] == "town") & rows["adcode"].isin(list(county_map))]
    lon, lat = _wgs84_points(towns)
    table = pd.DataFrame(
        {
            "code": towns["code"].to_numpy(),
            "name": towns["name"].to_numpy(),
            "name_current": "",
            "county_adcode": towns["adcode"].map(county_map).to_numpy(),
            "lon": lon,
            "lat": lat,
            "source": SOURCE_ADCODE,
            "datum_of_source": "GCJ-02",
        }
    )
    remapped = int((towns["adcode"].map(county_map) != towns["adcode"]).sum())
    logger.info(
        "townships: %d in the six provinces, %d with a point, %d moved to today's county code",
        len(table),
        int(table["lon"].notna().sum()),
        remapped,
    )
    return table[list(TOWNSHIP_COLUMNS)]


def villages_from_rows(rows: pd.DataFrame, county_map: dict[str, str]) -> pd.DataFrame:
    """Villages and communities (村/社区) of the snapshot that have a point, in WGS-84."""
    villages = rows[(rows["level"] == "village") & rows["adcode"].isin(list(county_map))]
    located = villages[villages["longitude"] != ""]
    kept = located[located["name"].str.contains(_VILLAGE_RE, regex=True)]
    lon, lat = _wgs84_points(kept)
    table = pd.DataFrame(
        {
            "code": kept["code"].to_numpy(),
            "name": kept["name"].to_numpy(),
            "town_code": kept["parent"].to_numpy(),
            "county_adcode": kept["adcode"].map(county_map).to_numpy(),
            "lon": lon,
            "lat": lat,
            "source": SOURCE_ADCODE,
            "datum_of_source": "GCJ-02",
        }
    )
    logger.info(
        "villages: %d in the six provinces, %d with a point, %d of them not 村/社区 (left out)",
        len(villages),
        len(located),
        len(located) - len(kept),
    )
    return table[list(VILLAGE_COLUMNS)]


def village_names_from_rows(
    rows: pd.DataFrame, county_map: dict[str, str], townships: pd.DataFrame
) -> pd.DataFrame:
    """Villages (村/社区) with no point of their own, whose township has one.

    About 92 % of villages have no point, yet plans name reservoirs and parks
    after them (后溪沟水库 after 后溪沟村). Such a facility can be placed no more
    exactly than the village's township, whose point the geocoder then uses and
    names; a village whose township has no point is useless here and left out.
    """
    villages = rows[(rows["level"] == "village") & rows["adcode"].isin(list(county_map))]
    unplaced = villages[villages["longitude"] == ""]
    kept = unplaced[
        unplaced["name"].str.contains(_VILLAGE_RE, regex=True)
        & unplaced["parent"].isin(set(townships["code"]))
    ]
    table = pd.DataFrame(
        {
            "code": kept["code"].to_numpy(),
            "name": kept["name"].to_numpy(),
            "town_code": kept["parent"].to_numpy(),
            "county_adcode": kept["adcode"].map(county_map).to_numpy(),
            "source": SOURCE_ADCODE,
        }
    )
    logger.info(
        "village names: %d villages without a point, %d kept (村/社区 of a township with one)",
        len(unplaced),
        len(table),
    )
    return table[list(VILLAGE_NAME_COLUMNS)]


def _polygons(counties: gpd.GeoDataFrame, codes: pd.Series) -> NDArray[np.object_]:
    """The county polygon for each code (None where the code is not a county)."""
    by_code = counties.drop_duplicates("adcode").set_index("adcode").geometry
    return np.asarray(by_code.reindex(codes.to_numpy()).to_numpy(), dtype=object)


def inside_claimed_county(frame: pd.DataFrame, counties: gpd.GeoDataFrame) -> NDArray[np.bool_]:
    """Whether each row's lon/lat lies in the polygon of its ``county_adcode``."""
    polygons = _polygons(counties, frame["county_adcode"])
    points = shapely.points(frame["lon"].to_numpy(float), frame["lat"].to_numpy(float))
    known = np.array([p is not None for p in polygons], dtype=bool)
    inside = np.zeros(len(frame), dtype=bool)
    if known.any():
        shapely.prepare(polygons[known])
        inside[known] = shapely.contains(polygons[known], points[known])
    return inside


def outside_claimed_county(
    frame: pd.DataFrame, counties: gpd.GeoDataFrame, *, table: str
) -> NDArray[np.bool_]:
    """Rows with a point outside the county they claim, logged with a per-county tally.

    No tolerance is applied. The reference polygons keep ~1,300 vertices per
    county, and of the 2016 points only 5 of ~18,000 fall outside by less than
    500 m (centres of border units); the other outliers lie kilometres inside a
    neighbour because the unit moved there after 2016 (宜宾县's towns went to
    翠屏区 in 2018, 水城县's to 钟山区 in 2020), where no buffer would be right.
    """
    located = np.asarray(frame["lon"].notna() & frame["lat"].notna(), dtype=bool)
    inside = np.zeros(len(frame), dtype=bool)
    inside[located] = inside_claimed_county(frame[located], counties)
    outside = located & ~inside
    if outside.any():
        tally = frame.loc[outside, "county_adcode"].value_counts()
        logger.warning(
            "%s: %d points outside their claimed county (%s)",
            table,
            int(outside.sum()),
            ", ".join(f"{code} {n}" for code, n in tally.items()),
        )
    return outside


def drop_outside(frame: pd.DataFrame, counties: gpd.GeoDataFrame, *, table: str) -> pd.DataFrame:
    """Keep only the rows inside the county they claim (or without a point at all)."""
    outside = outside_claimed_county(frame, counties, table=table)
    return frame[~outside].reset_index(drop=True)


def clear_outside(frame: pd.DataFrame, counties: gpd.GeoDataFrame, *, table: str) -> pd.DataFrame:
    """Forget the points that lie outside their claimed county, keeping the rows.

    Used for townships before the GeoNames fill: a bad snapshot point is no
    worse than a missing one, and GeoNames may know the place.
    """
    outside = outside_claimed_county(frame, counties, table=table)
    cleared = frame.copy()
    cleared.loc[outside, ["lon", "lat"]] = np.nan
    return cleared


def fill_from_geonames(
    townships: pd.DataFrame, geonames: pd.DataFrame, counties: gpd.GeoDataFrame
) -> pd.DataFrame:
    """Give townships without a point the GeoNames point of the same name in their county.

    A GeoNames row matches when one of its Chinese names is the township's name,
    or its stem with 镇 or 乡 (the 2016 乡 may be a 镇 in GeoNames or the other way
    round), and its point lies inside the township's county. A township with
    several such rows, or a GeoNames row claimed by several townships, is left
    without a point: we never guess between two places.
    """
    missing = townships[townships["lon"].isna()]
    stems = stems_of(missing["name"])
    keys = pd.concat(
        [
            pd.DataFrame({"row": missing.index, "key": missing["name"]}),
            pd.DataFrame({"row": missing.index, "key": stems + "镇"}),
            pd.DataFrame({"row": missing.index, "key": stems + "乡"}),
        ]
    ).drop_duplicates()
    names = geonames.explode("names").rename(columns={"names": "key"})
    pairs = keys.merge(names, on="key").drop_duplicates(["row", "geonameid"])
    pairs["county_adcode"] = townships.loc[pairs["row"], "county_adcode"].to_numpy()
    pairs = pairs[inside_claimed_county(pairs, counties)]
    unique_town = pairs.groupby("row")["geonameid"].transform("nunique") == 1
    unique_place = pairs.groupby("geonameid")["row"].transform("nunique") == 1
    chosen = pairs[unique_town & unique_place].set_index("row")
    filled = townships.copy()
    filled.loc[chosen.index, "lon"] = chosen["lon"]
    filled.loc[chosen.index, "lat"] = chosen["lat"]
    filled.loc[chosen.index, "source"] = SOURCE_GEONAMES + ":" + chosen["geonameid"]
    filled.loc[chosen.index, "datum_of_source"] = "WGS-84"
    by_county = filled.loc[chosen.index, "county_adcode"].value_counts()
    logger.info(
        "townships: %d of %d without a point filled from GeoNames, %d ambiguous left out (%s)",
        len(chosen),
        len(missing),
        pairs.loc[~(unique_town & unique_place), "row"].nunique(),
        ", ".join(f"{code} {n}" for code, n in by_county.items()),
    )
    return filled


def stations_in_counties(stations: gpd.GeoDataFrame, counties: gpd.GeoDataFrame) -> pd.DataFrame:
    """Stations with a Chinese name inside a reference county, with that county's code.

    A point on a shared border (the polygons overlap by a few metres) goes to the
    lowest county code, so the table is the same on every run.
    """
    named = stations[stations["name"].fillna("").str.contains(_HAS_HAN, regex=True)]
    joined = gpd.sjoin(
        named[["name", "station", "geometry"]],
        counties.drop_duplicates("adcode")[["adcode", "geometry"]],
        how="inner",
        predicate="within",
    )
    joined = joined.sort_values("adcode")
    joined = joined[~joined.index.duplicated(keep="first")]
    table = pd.DataFrame(
        {
            "name": joined["name"].to_numpy(),
            "station": joined["station"].fillna("").to_numpy(),
            "county_adcode": joined["adcode"].to_numpy(),
            "lon": joined.geometry.x.to_numpy(),
            "lat": joined.geometry.y.to_numpy(),
            "source": SOURCE_STATIONS,
        }
    ).drop_duplicates()
    logger.info(
        "stations: %d read, %d without a Chinese name dropped, %d inside the six provinces kept",
        len(stations),
        len(stations) - len(named),
        len(table),
    )
    return table[list(STATION_COLUMNS)]


def derive_tables(
    sources: Path, *, counties: gpd.GeoDataFrame, former: pd.DataFrame
) -> DerivedTables:
    """Run every stage over the source folder and return the tables to write.

    ``counties`` are today's reference county polygons (EPSG:4326) of the six
    provinces; ``former`` the former-names table of :mod:`layers.admin`.
    """
    prefixes = {str(code)[:2] for code in counties["adcode"]}
    rows = read_adcode_rows(sources / ADCODE_DIR, province_prefixes=prefixes)
    county_rows = rows[rows["level"] == "county"]
    county_map = county_code_map(county_rows, counties, former)
    logger.info(
        "counties: %d in the snapshot, %d mapped to today's %d reference counties",
        len(county_rows),
        len(county_map),
        counties["adcode"].nunique(),
    )
    townships = townships_from_rows(rows, county_map)
    townships = clear_outside(townships, counties, table="townships")
    townships = fill_from_geonames(townships, read_geonames(sources / GEONAMES_FILE), counties)
    without = townships["lon"].isna()
    logger.info("townships: %d still without a point, left out of the table", int(without.sum()))
    townships = townships[~without]
    villages = drop_outside(villages_from_rows(rows, county_map), counties, table="villages")
    stations = stations_in_counties(read_stations(sources / STATIONS_ZIP), counties)
    names = village_names_from_rows(rows, county_map, townships)
    return DerivedTables(townships=townships, villages=villages, stations=stations,
                         village_names=names)  # fmt: skip


def write_tables(tables: DerivedTables, out: Path) -> dict[str, Path]:
    """Write the tables as sorted UTF-8 CSV, coordinates to 6 decimals (about 0.1 m).

    Sorting and fixed rounding make a re-derivation from the same sources
    byte-identical, so a diff of the committed tables shows only real changes.
    """
    out.mkdir(parents=True, exist_ok=True)
    frames = {
        "townships": tables.townships.sort_values("code"),
        "villages": tables.villages.sort_values("code"),
        "stations": tables.stations.sort_values(["county_adcode", "name", "station", "lon", "lat"]),
    }
    written: dict[str, Path] = {}
    for name, frame in frames.items():
        path = out / TABLE_FILES[name]
        frame = frame.assign(lon=frame["lon"].round(_DECIMALS), lat=frame["lat"].round(_DECIMALS))
        frame.to_csv(
            path, index=False, encoding="utf-8", float_format=f"%.{_DECIMALS}f", lineterminator="\n"
        )
        logger.info(
            "%s: %d rows written to %s (%d bytes)", name, len(frame), path, path.stat().st_size
        )
        written[name] = path
    if tables.village_names is not None:
        # 140,000 rows: gzip keeps the committed file near 1 MB; mtime 0 keeps it byte-stable.
        path = out / TABLE_FILES["village_names"]
        text = tables.village_names.sort_values("code").to_csv(index=False, lineterminator="\n")
        with gzip.GzipFile(path, "wb", mtime=0) as packed:
            packed.write(text.encode("utf-8"))
        logger.info("village_names: %d rows written to %s (%d bytes)",
                    len(tables.village_names), path, path.stat().st_size)  # fmt: skip
        written["village_names"] = path
    return written
