"""Townships, villages and railway stations: points of the places facilities are named after.

Plan documents place most reservoirs, parks and zones only in words: "宣汉县普光镇",
"石宝镇污水处理厂", "达州站". A county polygon is a poor answer when the township is
known, so the portal carries three derived tables in ``geodata/gazetteer/``:

``townships.csv``
    Every township-level unit (乡/镇/街道) of the six provinces of
    :data:`layers.admin.PROVINCES` that has a point: its 12-digit statistical code,
    its 2016 name, the county it belongs to *today* and its centre in WGS-84.
``villages.csv``
    Villages and urban communities (村/社区) that have a point.
``stations.csv``
    OpenStreetMap railway stations inside those provinces, with the county that
    contains each.

The tables are derived from public data sets by ``scripts/derive_gazetteer.py``
(:mod:`layers.derivation`); this module loads and validates them and answers the
look-ups the geocoder needs (by county, by name stem, stations of a place). A
township centre is a point of the place a facility is named after, never the
facility's own: a geocoder using it must say ``near``, not ``exact``.

Loading reads three small CSV files and caches nothing on disk; it is a pure
function of the committed tables.
"""

from __future__ import annotations

import functools
import importlib.util
import logging
import re
import time
from collections.abc import Collection, Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
from numpy.typing import NDArray

from layers import GEODATA_DIR
from layers.errors import GazetteerError
from layers.placenames import short_name

logger = logging.getLogger(__name__)

CRS = "EPSG:4326"
GAZETTEER_DIR = GEODATA_DIR / "gazetteer"

TOWNSHIP = "township"
VILLAGE = "village"
KINDS: tuple[str, ...] = (TOWNSHIP, VILLAGE)
TRAIN_TAGS: tuple[str, ...] = ("train",)
"""OSM ``station`` tags of main-line stations (the others are subway, tram, monorail)."""

DATUMS = frozenset({"GCJ-02", "WGS-84"})
SOURCE_ADCODE = "vonng-adcode"
SOURCE_GEONAMES = "geonames"
SOURCE_STATIONS = "osm-railway-stations"

TOWNSHIP_COLUMNS: tuple[str, ...] = (
    "code",
    "name",
    "name_current",
    "county_adcode",
    "lon",
    "lat",
    "source",
    "datum_of_source",
)
VILLAGE_COLUMNS: tuple[str, ...] = (
    "code",
    "name",
    "town_code",
    "county_adcode",
    "lon",
    "lat",
    "source",
    "datum_of_source",
)
STATION_COLUMNS: tuple[str, ...] = ("name", "station", "county_adcode", "lon", "lat", "source")
VILLAGE_NAME_COLUMNS: tuple[str, ...] = ("code", "name", "town_code", "county_adcode", "source")
TABLE_FILES: dict[str, str] = {
    "townships": "townships.csv",
    "villages": "villages.csv",
    "stations": "stations.csv",
    "village_names": "village_names.csv.gz",
}

ATTRIBUTION: tuple[str, ...] = (
    "乡镇/村点位 © Vonng/adcode (CC BY 4.0)",
    "GeoNames (CC BY 3.0)",
    "© OpenStreetMap contributors (ODbL)",
)
"""Short credit lines for every view or export that shows points from these tables."""

# A unit's name is its stem, then what it is (镇, 村, 社区...), then sometimes the
# body that runs it (村委会, 居委会, 办事处...). Both are stripped, longest first
# (街道办事处 before 办事处), so the first suffix that fits is the whole suffix.
_BODY_SUFFIXES = (
    "街道办事处",
    "村民委员会",
    "居民委员会",
    "街办事处",
    "服务中心",
    "办事处",
    "村委会",
    "居委会",
)
_UNIT_SUFFIXES = ("街道", "社区", "镇", "乡", "村")
_STATION_SUFFIXES = ("火车站", "站")
_DIRECTIONS = ("东", "西", "南", "北")
_MIN_STEM_LEN = 2  # a one-character stem (高镇 -> 高) is too common a character to match


@functools.cache
def _ethnic_re() -> re.Pattern[str]:
    """Pattern of the qualifier of a 民族乡/镇: 沙溪土家族乡 -> 沙溪.

    The nationalities come from cpca's list of the 56, so a stem is cut at a
    whole nationality name, never inside a place name.
    """
    # Found without importing cpca (which loads its whole address index: 0.3 s).
    spec = importlib.util.find_spec("cpca")
    if spec is None or not spec.submodule_search_locations:
        raise GazetteerError("cpca is not installed", ["pip install cpca"])
    package = Path(next(iter(spec.submodule_search_locations)))
    text = (package / "resources" / "56_nations.csv").read_text(encoding="utf-8")
    nations = [n.strip() for n in text.split() if n.strip()]
    ethnic = "|".join(sorted(map(re.escape, nations), key=len, reverse=True))
    return re.compile(rf"(?:(?:{ethnic})+|民族)[乡镇]$")


def _strip_suffix(name: str, suffixes: tuple[str, ...]) -> str:
    for suffix in suffixes:
        if name.endswith(suffix) and len(name) - len(suffix) >= _MIN_STEM_LEN:
            return name[: -len(suffix)]
    return name


def stem_of(name: str) -> str:
    """The name a document may use alone: 普光镇 -> 普光, 新街村民委员会 -> 新街.

    Strips the body that runs the unit (村委会, 居委会, 办事处 ...), then the unit's
    kind (镇, 乡, 街道, 村, 社区, and the nationalities of a 民族乡). A suffix whose
    removal would leave a single character stays (新村村委会 -> 新村, not 新),
    because a lone character is not a usable place name.
    """
    stem = _strip_suffix(name, _BODY_SUFFIXES)
    if "族" in stem:
        ethnic = _ethnic_re().search(stem)
        if ethnic is not None and ethnic.start() >= _MIN_STEM_LEN:
            return stem[: ethnic.start()]
    return _strip_suffix(stem, _UNIT_SUFFIXES)


def stems_of(names: pd.Series) -> pd.Series:
    """:func:`stem_of` over a column (plain suffix tests: ~20,000 names in ~20 ms)."""
    return names.astype(str).map(stem_of)


def station_stem(name: str) -> str:
    """The place a station is named after: 达州站 -> 达州, 达州 -> 达州."""
    for suffix in _STATION_SUFFIXES:
        if name.endswith(suffix) and len(name) > len(suffix):
            return name[: -len(suffix)]
    return name


def _positions(keys: pd.Series) -> dict[str, NDArray[np.intp]]:
    """Key -> row positions, from one stable sort (a groupby took 0.1 s on arrow strings)."""
    codes, uniques = pd.factorize(keys)
    order = np.argsort(codes, kind="stable").astype(np.intp)
    groups = np.split(order, np.flatnonzero(np.diff(codes[order])) + 1)
    return dict(zip((str(u) for u in uniques), groups, strict=True)) if len(keys) else {}


_STEM_INDEXES = 512
"""int: stem indexes kept per :class:`Localities` (one per set of counties asked about)."""


@dataclass(frozen=True)
class StemIndex:
    """The units of some counties by stem, for matching a name by its substrings.

    A facility's name is a dozen characters; a county has thousands of village
    stems. Looking the name's substrings up here costs about a hundred set
    look-ups, where searching the name for every stem cost thousands of ``find``
    calls over an arrow column (most of a geocoding task's time).

    Attributes
    ----------
    frame
        The units (:meth:`Localities.units_in` or :meth:`Localities.unplaced_in`).
    positions
        Stem -> row positions in ``frame``, ascending (the frame's own order).
    longest
        Length of the longest stem.
    """

    frame: gpd.GeoDataFrame
    positions: Mapping[str, NDArray[np.intp]]
    longest: int

    def rows(self, stem: str) -> gpd.GeoDataFrame:
        """The units bearing ``stem``, in the frame's order."""
        return self.frame.iloc[self.positions[stem]]


@dataclass(frozen=True)
class Localities:
    """The three derived tables, validated, with the look-ups a geocoder needs.

    Attributes
    ----------
    townships, villages
        EPSG:4326 points; columns as in the CSV files (lon/lat become the
        geometry) plus ``kind`` (``township``/``village``) and ``stem``.
    stations
        EPSG:4326 points with ``name``, ``station`` (OSM tag), ``county_adcode``,
        ``source`` and ``stem`` (达州站 -> 达州).
    units
        Townships and villages in one frame (columns shared by both, ``town_code``
        empty for townships); the frame :meth:`units_in` and :meth:`by_stem` answer
        from.
    village_names
        Villages without a point of their own (about 92 % of them), each carrying
        its township's point and name (``town_name``) plus ``stem``: a facility
        named after one is placed no more exactly than that township. Empty when
        the table is not given.
    """

    townships: gpd.GeoDataFrame
    villages: gpd.GeoDataFrame
    stations: gpd.GeoDataFrame
    units: gpd.GeoDataFrame = field(repr=False)
    _unit_stems: Mapping[str, NDArray[np.intp]] = field(repr=False)
    _station_stems: Mapping[str, NDArray[np.intp]] = field(repr=False)
    _station_counties: Mapping[str, NDArray[np.intp]] = field(repr=False)
    village_names: gpd.GeoDataFrame = field(repr=False, default_factory=gpd.GeoDataFrame)
    _unplaced_by_county: dict[str, gpd.GeoDataFrame] = field(
        repr=False, default_factory=dict, compare=False
    )
    _stem_indexes: dict[tuple[tuple[str, ...], bool], StemIndex] = field(
        repr=False, default_factory=dict, compare=False
    )

    @classmethod
    def from_frames(
        cls,
        townships: gpd.GeoDataFrame,
        villages: gpd.GeoDataFrame,
        stations: gpd.GeoDataFrame,
        village_names: pd.DataFrame | None = None,
    ) -> Localities:
        """Index validated tables; the stems are computed here, once."""
        townships = townships.assign(kind=TOWNSHIP, stem=stems_of(townships["name"]))
        villages = villages.assign(kind=VILLAGE, stem=stems_of(villages["name"]))
        stations = stations.assign(stem=stations["name"].map(station_stem))
        units = gpd.GeoDataFrame(
            pd.concat([townships, villages], ignore_index=True), geometry="geometry", crs=CRS
        )
        units["town_code"] = units["town_code"].fillna("")
        units["name_current"] = units["name_current"].fillna("")
        return cls(
            townships=townships,
            villages=villages,
            stations=stations,
            units=units,
            _unit_stems=_positions(units["stem"]),
            _station_stems=_positions(stations["stem"]),
            _station_counties=_positions(stations["county_adcode"]),
            village_names=_at_townships(village_names, townships),
        )

    def unplaced_in(self, county_adcodes: Iterable[str]) -> gpd.GeoDataFrame:
        """Villages without a point of their own in these counties (at their township's point)."""
        names = self.village_names
        if names.empty:
            return names
        # Stems of 130,000 names take 0.5 s: computed per county, when first asked for.
        parts = []
        for county in dict.fromkeys(county_adcodes):
            if county not in self._unplaced_by_county:
                rows = names[names["county_adcode"] == county]
                self._unplaced_by_county[county] = rows.assign(stem=stems_of(rows["name"]))
            parts.append(self._unplaced_by_county[county])
        if not parts:
            return names.iloc[:0].assign(stem=pd.Series(dtype=str))
        return gpd.GeoDataFrame(pd.concat(parts), geometry="geometry", crs=CRS)

    def stems_in(self, county_adcodes: Iterable[str], *, placed: bool) -> StemIndex:
        """The units of these counties by stem: with a point (``placed``), or without.

        Kept per set of counties (a build asks about the same few thousand sets
        again and again), at most :data:`_STEM_INDEXES` of them.
        """
        key = (tuple(county_adcodes), placed)
        index = self._stem_indexes.get(key)
        if index is None:
            frame = self.units_in(key[0]) if placed else self.unplaced_in(key[0])
            positions = _positions(frame["stem"]) if len(frame) else {}
            index = StemIndex(frame, positions, max(map(len, positions), default=0))
            if len(self._stem_indexes) >= _STEM_INDEXES:
                self._stem_indexes.clear()
            self._stem_indexes[key] = index
        return index

    def units_in(
        self, county_adcodes: Iterable[str], *, kinds: Collection[str] = KINDS
    ) -> gpd.GeoDataFrame:
        """Townships and/or villages of the given (current, 6-digit) counties."""
        units = self.units
        mask = units["county_adcode"].isin(list(county_adcodes)) & units["kind"].isin(list(kinds))
        return units[mask]

    def by_stem(
        self,
        stem: str,
        *,
        kinds: Collection[str] = KINDS,
        county_adcodes: Iterable[str] | None = None,
    ) -> gpd.GeoDataFrame:
        """Units whose stem is ``stem`` (普光 -> 普光镇), optionally within counties.

        ``stem`` may also be a full name (普光镇). It is looked up both as given and
        stemmed, since a stem may itself end like a unit (大石村镇 -> 大石村). A stem
        names several units across a province (石宝镇 exists in more than one
        county), so callers narrow by the county the document speaks of.
        """
        empty = np.empty(0, dtype=np.intp)
        keys = dict.fromkeys((stem, stem_of(stem)))
        positions = np.unique(np.concatenate([self._unit_stems.get(k, empty) for k in keys]))
        rows = self.units.iloc[positions]
        rows = rows[rows["kind"].isin(list(kinds))]
        if county_adcodes is not None:
            rows = rows[rows["county_adcode"].isin(list(county_adcodes))]
        return rows

    def stations_of(self, county_adcode: str) -> gpd.GeoDataFrame:
        """Every station (all OSM tags) inside one current county."""
        positions = self._station_counties.get(county_adcode, np.empty(0, dtype=np.intp))
        return self.stations.iloc[positions]

    def station_named(
        self,
        place_stem: str,
        *,
        tags: Collection[str] | None = TRAIN_TAGS,
        directions: bool = False,
    ) -> gpd.GeoDataFrame:
        """Stations named after a place: 达州 -> 达州站 (or an OSM row spelt 达州).

        ``place_stem`` may also be a full name or a station's (宣汉县, 达州站): its
        station and county suffixes are stripped first.

        By default only the place itself; ``directions=True`` adds the stations
        named after it with a compass point (达州南, 万州北), which are often the
        only ones a high-speed line stops at. ``tags=None`` keeps subway, tram and
        monorail stops too; the default keeps main-line stations, which is what a
        railway named by its places passes through.
        """
        stem = short_name(station_stem(place_stem))
        keys = [stem, *(stem + d for d in _DIRECTIONS)] if directions else [stem]
        empty = np.empty(0, dtype=np.intp)
        positions = np.concatenate([self._station_stems.get(k, empty) for k in keys])
        rows = self.stations.iloc[np.sort(positions)]
        return rows if tags is None else rows[rows["station"].isin(list(tags))]


def _at_townships(names: pd.DataFrame | None, townships: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    """Village names joined to their township's point and name; rows without one are dropped."""
    if names is None or names.empty:
        return gpd.GeoDataFrame({c: [] for c in (*VILLAGE_NAME_COLUMNS, "town_name")},
                                geometry=[], crs=CRS)  # fmt: skip
    towns = townships.set_index("code")
    kept = names[names["town_code"].isin(towns.index)]
    joined = kept.assign(town_name=towns["name"].reindex(kept["town_code"]).to_numpy())
    points = towns.geometry.reindex(kept["town_code"]).to_numpy()
    return gpd.GeoDataFrame(joined.reset_index(drop=True), geometry=points, crs=CRS)


def _read_table(path: Path, columns: tuple[str, ...], problems: list[str]) -> pd.DataFrame:
    """Read one CSV as text columns (codes keep their leading digits), noting what is wrong."""
    if not path.is_file():
        problems.append(f"{path.name}: file is missing (run scripts/derive_gazetteer.py)")
        return pd.DataFrame({c: pd.Series(dtype=str) for c in columns})
    frame = pd.read_csv(path, dtype=str, keep_default_na=False, encoding="utf-8", engine="pyarrow")
    missing = [c for c in columns if c not in frame.columns]
    if missing:
        problems.append(f"{path.name}: missing columns {', '.join(missing)}")
        return pd.DataFrame({c: pd.Series(dtype=str) for c in columns})
    return frame[list(columns)]


def _rows(flags: pd.Series, limit: int = 5) -> str:
    """The first few CSV line numbers where ``flags`` is true (header is line 1)."""
    lines = [str(i + 2) for i in np.flatnonzero(flags.to_numpy())[:limit]]
    more = int(flags.sum()) - len(lines)
    return ", ".join(lines) + (f" and {more} more" if more > 0 else "")


def _points(
    frame: pd.DataFrame, name: str, *, key: str | None, problems: list[str]
) -> gpd.GeoDataFrame:
    """Check one table's rules and turn lon/lat into EPSG:4326 points."""
    lon = pd.to_numeric(frame["lon"], errors="coerce")
    lat = pd.to_numeric(frame["lat"], errors="coerce")
    checks = {
        "no source": frame["source"].str.strip() == "",
        "lon not a number in [-180, 180]": ~lon.between(-180, 180),
        "lat not a number in [-90, 90]": ~lat.between(-90, 90),
        "county_adcode not six digits": ~frame["county_adcode"].str.fullmatch(r"\d{6}"),
    }
    if "datum_of_source" in frame.columns:
        checks["datum_of_source not GCJ-02 or WGS-84"] = ~frame["datum_of_source"].isin(DATUMS)
    if key is not None:
        checks[f"{key} not twelve digits"] = ~frame[key].str.fullmatch(r"\d{12}")
        checks[f"{key} repeated"] = frame[key].duplicated(keep=False)
    for what, flags in checks.items():
        if flags.any():
            problems.append(f"{name}: {int(flags.sum())} rows with {what} (lines {_rows(flags)})")
    data = frame.drop(columns=["lon", "lat"])
    return gpd.GeoDataFrame(data, geometry=gpd.points_from_xy(lon, lat), crs=CRS)


def _check_village_names(names: pd.DataFrame, towns: set[str], problems: list[str]) -> None:
    """The village-name table's rules: a source, well-formed unique codes, a known township."""
    where = TABLE_FILES["village_names"]
    checks = {
        "no source": names["source"].str.strip() == "",
        "code not twelve digits": ~names["code"].str.fullmatch(r"\d{12}"),
        "code repeated": names["code"].duplicated(keep=False),
        "a township not in townships.csv": ~names["town_code"].isin(towns),
    }
    for what, flags in checks.items():
        if flags.any():
            problems.append(f"{where}: {int(flags.sum())} rows with {what} (lines {_rows(flags)})")


def load_localities(*, directory: Path = GAZETTEER_DIR) -> Localities:
    """Read and validate the township, village and station tables.

    Every table is checked whole (columns present, a source on every row,
    coordinates in range, codes well-formed and unique) and all problems are
    raised together, so whoever regenerates the tables sees every fault at once.

    Raises
    ------
    GazetteerError
        Listing every problem in every table.
    """
    started = time.perf_counter()
    problems: list[str] = []
    tables = {
        "townships": _read_table(directory / TABLE_FILES["townships"], TOWNSHIP_COLUMNS, problems),
        "villages": _read_table(directory / TABLE_FILES["villages"], VILLAGE_COLUMNS, problems),
        "stations": _read_table(directory / TABLE_FILES["stations"], STATION_COLUMNS, problems),
    }
    keys = {"townships": "code", "villages": "code", "stations": None}
    frames = {
        name: _points(frame, TABLE_FILES[name], key=keys[name], problems=problems)
        for name, frame in tables.items()
    }
    names = _read_table(directory / TABLE_FILES["village_names"], VILLAGE_NAME_COLUMNS, problems)
    _check_village_names(names, set(tables["townships"]["code"]), problems)
    if problems:
        raise GazetteerError(f"The locality tables in {directory} break their rules.", problems)
    localities = Localities.from_frames(frames["townships"], frames["villages"], frames["stations"],
                                        names)  # fmt: skip
    logger.info(
        "localities: %d townships, %d villages, %d stations loaded in %.2f s",
        len(localities.townships),
        len(localities.villages),
        len(localities.stations),
        time.perf_counter() - started,
    )
    return localities
