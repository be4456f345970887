"""The curated gazetteer: sourced points for facilities and places, and line abbreviations.

Administrative units and their seats come from the installed reference geography
(:mod:`layers.admin`). What no package provides lives in ``geodata/gazetteer/``
as small CSV tables that people review:

``places.csv``
    A point per facility or place (airports, stations, reservoirs, towns that
    lines pass through...), each with the county it lies in and the source that
    states the coordinate. Coordinates are kept in the datum the source used
    (WGS-84, GCJ-02 for AMap, BD-09 for Baidu) and converted here, explicitly.
``facility_places.csv``
    Where a facility is, when a source says so in words but gives no coordinate
    ("土溪口水库 ... 宣汉县渡口乡"): its county and, if named, its township.
``abbreviations.csv``
    The one-character place abbreviations of line names (成 成都, 广 广安 or 广元).

Every table is validated as a whole: all problems are collected and raised
together in one :class:`~layers.errors.GazetteerError`, so a reviewer fixing the
tables sees every fault at once. A row without a source is a fault; so is a point
outside the county it claims.
"""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass, field
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from layers import GEODATA_DIR
from layers.datum import bd09_to_wgs84, gcj02_to_wgs84
from layers.errors import GazetteerError, PlaceNameError
from layers.placenames import AdminUnit, PlaceIndex

logger = logging.getLogger(__name__)

GAZETTEER_DIR = GEODATA_DIR / "gazetteer"
KINDS = frozenset(
    {
        "reservoir",
        "dam",
        "park",
        "industrial_zone",
        "airport",
        "station",
        "freight_yard",
        "port",
        "scenic",
        "town",
        "village",
        "other",
    }
)
# Kinds that are places a facility can be named after (its township, its village).
PLACE_KINDS = frozenset({"town", "village"})
DATUMS = frozenset({"WGS-84", "GCJ-02", "BD-09"})
CONFIDENCES = frozenset({"exact", "minute", "approx"})
_SOURCE_RE = re.compile(r"^(?:https?://\S+|github:\S+/\S+:\S+)$")
_PLACES_COLUMNS = (
    "name",
    "aliases",
    "kind",
    "lat",
    "lon",
    "datum",
    "county",
    "source_url",
    "source_quote",
    "confidence",
    "note",
)
_FACILITY_COLUMNS = (
    "name",
    "aliases",
    "kind",
    "county",
    "town",
    "source_url",
    "source_quote",
    "note",
)
_ABBREVIATION_COLUMNS = ("abbr", "place", "example", "note")


@dataclass(frozen=True)
class FacilityPlace:
    """Where a source says a facility is, in words: a county and maybe a township."""

    name: str
    kind: str
    county: AdminUnit
    town: str
    source_url: str


@dataclass
class Gazetteer:
    """The curated tables, validated and indexed by every spelling.

    Attributes
    ----------
    places
        One point per row, EPSG:4326 (converted from the source's datum), with
        columns name, aliases (tuple), kind, county, county_adcode, confidence,
        source_url, source_quote, datum, note.
    facility_places
        Facility name (and aliases) -> where a source puts it.
    abbreviations
        One character -> the units it may stand for, in the table's order.
    """

    places: gpd.GeoDataFrame
    facility_places: dict[str, FacilityPlace] = field(default_factory=dict)
    abbreviations: dict[str, tuple[AdminUnit, ...]] = field(default_factory=dict)
    _by_name: dict[str, list[int]] = field(default_factory=dict, repr=False)

    def __post_init__(self) -> None:
        self._preferred: dict[str, str] = {}
        for char, units in self.abbreviations.items():
            for unit in units:
                self._preferred.setdefault(unit.adcode, char)
        for i, row in enumerate(self.places.itertuples()):
            for spelling in _spellings(row.name, row.aliases, row.kind):
                self._by_name.setdefault(spelling, []).append(i)

    def abbreviation_of(self, adcode: str) -> str | None:
        """The character a line name uses for a unit (its first row: 成 for 成都, not 蓉)."""
        for char, units in self.abbreviations.items():
            if units and any(u.adcode == adcode for u in units):
                if char == self._preferred.get(adcode, char):
                    return char
        return self._preferred.get(adcode)

    def lookup(
        self, name: str, *, kinds: frozenset[str] | None = None, county: str | None = None
    ) -> gpd.GeoDataFrame:
        """Rows whose name or an alias is ``name``, optionally of some kinds / in a county."""
        rows = self.places.iloc[self._by_name.get(name, [])]
        if kinds is not None:
            rows = rows[rows["kind"].isin(kinds)]
        if county is not None:
            rows = rows[rows["county_adcode"] == county]
        return rows

    def names(self, *, kinds: frozenset[str]) -> list[str]:
        """Every spelling of rows of these kinds, longest first (for prefix matching)."""
        found = {
            spelling
            for row in self.places[self.places["kind"].isin(kinds)].itertuples()
            for spelling in _spellings(row.name, row.aliases, row.kind)
        }
        return sorted(found, key=len, reverse=True)


def _spellings(name: str, aliases: tuple[str, ...], kind: str) -> tuple[str, ...]:
    """A row's name, its aliases and, for a township, its name without 镇/乡/街道.

    Documents write 邮亭 for 邮亭镇 ("G348邮亭过境段"); a two-character stem is
    kept, a one-character one is too common to match safely.
    """
    spellings = [name, *aliases]
    if kind in PLACE_KINDS:
        for spelling in list(spellings):
            stem = re.sub(r"(?:镇|乡|街道|村|社区)$", "", spelling)
            if stem != spelling and len(stem) >= 2:
                spellings.append(stem)
    return tuple(dict.fromkeys(spellings))


def _split_aliases(value: object) -> tuple[str, ...]:
    if not isinstance(value, str) or not value.strip():
        return ()
    return tuple(a.strip() for a in value.split("|") if a.strip())


def _read_csv(path: Path, columns: tuple[str, ...], problems: list[str]) -> pd.DataFrame:
    try:
        table = pd.read_csv(path, dtype=str, keep_default_na=False, encoding="utf-8")
    except (OSError, UnicodeDecodeError, pd.errors.ParserError) as exc:
        problems.append(f"{path.name}: cannot be read ({exc}).")
        return pd.DataFrame(columns=list(columns))
    missing = [c for c in columns if c not in table.columns]
    if missing:
        problems.append(f"{path.name}: missing columns {', '.join(missing)}.")
        return pd.DataFrame(columns=list(columns))
    return table


def _county(name: str, places: PlaceIndex, where: str, problems: list[str]) -> AdminUnit | None:
    try:
        return places.resolve(name, level="county").unit
    except PlaceNameError as exc:
        problems.append(f"{where}: county {name!r} is not one county-level unit ({exc}).")
        return None


def places_from_table(
    table: pd.DataFrame, *, places: PlaceIndex, counties: gpd.GeoDataFrame, source: str
) -> tuple[gpd.GeoDataFrame, list[str]]:
    """Validate the places table and convert it to WGS-84 points.

    Returns the points and every problem found (empty when the table is sound).
    ``counties`` are the county polygons (EPSG:4326, column ``adcode``) that each
    point must fall in.
    """
    problems: list[str] = []
    rows: list[dict[str, object]] = []
    for number, row in enumerate(table.to_dict("records"), start=2):
        where = f"{source} line {number} ({row.get('name') or '?'})"
        name = (row.get("name") or "").strip()
        if not name:
            problems.append(f"{where}: the name is empty.")
        if row.get("kind") not in KINDS:
            problems.append(f"{where}: kind {row.get('kind')!r} is not one of {sorted(KINDS)}.")
        if row.get("datum") not in DATUMS:
            problems.append(f"{where}: datum {row.get('datum')!r} is not one of {sorted(DATUMS)}.")
        if row.get("confidence") not in CONFIDENCES:
            problems.append(
                f"{where}: confidence {row.get('confidence')!r} is not one of "
                f"{sorted(CONFIDENCES)}."
            )
        if not _SOURCE_RE.match(row.get("source_url") or ""):
            problems.append(f"{where}: no source URL; every coordinate must name its source.")
        if not (row.get("source_quote") or "").strip():
            problems.append(f"{where}: no source quote (the coordinate as the source states it).")
        try:
            lat, lon = float(row["lat"]), float(row["lon"])
        except (KeyError, ValueError):
            problems.append(
                f"{where}: lat/lon {row.get('lat')!r}, {row.get('lon')!r} are not numbers."
            )
            continue
        if not (-90 <= lat <= 90 and -180 <= lon <= 180):
            problems.append(f"{where}: lat/lon {lat}, {lon} are out of range.")
            continue
        county = _county(row.get("county") or "", places, where, problems)
        rows.append(
            {
                "name": name,
                "aliases": _split_aliases(row.get("aliases")),
                "kind": row.get("kind"),
                "county": county.name if county else "",
                "county_adcode": county.adcode if county else "",
                "datum": row.get("datum"),
                "confidence": row.get("confidence"),
                "source_url": row.get("source_url"),
                "source_quote": row.get("source_quote"),
                "note": row.get("note") or "",
                "src_lon": lon,
                "src_lat": lat,
                "where": where,
            }
        )
    frame = pd.DataFrame(rows)
    if frame.empty:
        empty = gpd.GeoDataFrame(
            {c: [] for c in (*_PLACES_COLUMNS, "county_adcode")}, geometry=[], crs="EPSG:4326"
        )
        return empty, problems
    lon = frame["src_lon"].to_numpy(dtype=np.float64).copy()
    lat = frame["src_lat"].to_numpy(dtype=np.float64).copy()
    for datum, convert in (("GCJ-02", gcj02_to_wgs84), ("BD-09", bd09_to_wgs84)):
        mask = (frame["datum"] == datum).to_numpy()
        if mask.any():
            lon[mask], lat[mask] = convert(lon[mask], lat[mask])
    points = gpd.GeoDataFrame(
        frame.drop(columns=["src_lon", "src_lat"]),
        geometry=shapely.points(lon, lat),
        crs="EPSG:4326",
    )
    problems += _outside_their_county(points, counties)
    return points.drop(columns=["where"]), problems


def _outside_their_county(points: gpd.GeoDataFrame, counties: gpd.GeoDataFrame) -> list[str]:
    polygons = counties.set_index("adcode").geometry
    problems = []
    for row in points.itertuples():
        polygon = polygons.get(row.county_adcode)
        if polygon is not None and not polygon.covers(row.geometry):
            problems.append(
                f"{row.where}: the point lies outside {row.county}, the county it claims."
            )
    return problems


def facility_places_from_table(
    table: pd.DataFrame, *, places: PlaceIndex, source: str
) -> tuple[dict[str, FacilityPlace], list[str]]:
    """Validate the facility-places table; index it by name and alias."""
    problems: list[str] = []
    found: dict[str, FacilityPlace] = {}
    for number, row in enumerate(table.to_dict("records"), start=2):
        where = f"{source} line {number} ({row.get('name') or '?'})"
        if not (row.get("name") or "").strip():
            problems.append(f"{where}: the name is empty.")
            continue
        if row.get("kind") not in KINDS:
            problems.append(f"{where}: kind {row.get('kind')!r} is not one of {sorted(KINDS)}.")
        if not _SOURCE_RE.match(row.get("source_url") or ""):
            problems.append(f"{where}: no source URL; every placement must name its source.")
        county = _county(row.get("county") or "", places, where, problems)
        if county is None:
            continue
        entry = FacilityPlace(
            row["name"].strip(),
            row.get("kind") or "",
            county,
            (row.get("town") or "").strip(),
            row.get("source_url") or "",
        )
        for spelling in (entry.name, *_split_aliases(row.get("aliases"))):
            found[spelling] = entry
    return found, problems


def abbreviations_from_table(
    table: pd.DataFrame, *, places: PlaceIndex, source: str
) -> tuple[dict[str, tuple[AdminUnit, ...]], list[str]]:
    """Validate the abbreviation table: one character, a place that resolves."""
    problems: list[str] = []
    found: dict[str, list[AdminUnit]] = {}
    for number, row in enumerate(table.to_dict("records"), start=2):
        where = f"{source} line {number} ({row.get('abbr') or '?'})"
        abbr = (row.get("abbr") or "").strip()
        if len(abbr) != 1:
            problems.append(f"{where}: an abbreviation is one character, not {abbr!r}.")
            continue
        try:
            unit = places.resolve(row.get("place") or "").unit
        except PlaceNameError as exc:
            problems.append(f"{where}: place {row.get('place')!r} does not resolve ({exc}).")
            continue
        found.setdefault(abbr, []).append(unit)
    return {k: tuple(v) for k, v in found.items()}, problems


def load_gazetteer(
    *, places: PlaceIndex, counties: gpd.GeoDataFrame, directory: Path = GAZETTEER_DIR
) -> Gazetteer:
    """Read and validate the three gazetteer tables.

    Raises
    ------
    GazetteerError
        Listing every problem in every table.
    """
    problems: list[str] = []
    points, found = places_from_table(
        _read_csv(directory / "places.csv", _PLACES_COLUMNS, problems),
        places=places,
        counties=counties,
        source="places.csv",
    )
    problems += found
    facilities, found = facility_places_from_table(
        _read_csv(directory / "facility_places.csv", _FACILITY_COLUMNS, problems),
        places=places,
        source="facility_places.csv",
    )
    problems += found
    abbreviations, found = abbreviations_from_table(
        _read_csv(directory / "abbreviations.csv", _ABBREVIATION_COLUMNS, problems),
        places=places,
        source="abbreviations.csv",
    )
    problems += found
    if problems:
        raise GazetteerError(
            f"The gazetteer in {directory} has {len(problems)} problem(s):", problems
        )
    logger.info(
        "gazetteer: %d points, %d facility placements, %d abbreviations",
        len(points),
        len(facilities),
        len(abbreviations),
    )
    return Gazetteer(points.reset_index(drop=True), facilities, abbreviations)
