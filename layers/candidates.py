"""Where a coarsely placed project might be: townships, villages and stations its words name.

Most projects of the plan documents end at ``county`` or ``city`` precision: the
geocoder found the county (or only the prefecture) and nothing finer. Often the
words say more: "普光经开区" is named after 普光镇 in 宣汉县, "土溪口水库" after a
village by the river. The placement queue (``portal/placement.py``) lists those
projects, most-mentioned first, and offers an editor the places whose names
appear in the project's name or in what the documents say of it, so one click
puts the project near its township instead of on a whole county.

The offers are suggestions for a person, never applied on their own: a township
stem such as 新华 or 工业 is also an everyday word, and a quote may name the
place where a project's *neighbour* stands. Hence the ranking (the project's own
name before a quote, a quote before the sentence around it; townships before
villages; longer stems first) and the small lexicon of generic stems left out.

Pure functions over the store's frames, :class:`layers.localities.Localities`
and :class:`layers.placenames.PlaceIndex`; no I/O.
"""

from __future__ import annotations

import re
from collections.abc import Collection, Iterable, Iterator
from dataclasses import dataclass

import geopandas as gpd
import pandas as pd
import shapely

from layers.codec import split_list
from layers.errors import PlaceNameError
from layers.localities import TOWNSHIP, VILLAGE, Localities
from layers.placenames import AdminUnit, PlaceIndex, short_name
from layers.vicinity import GENERIC_STEMS

STATION = "station"
COARSE: tuple[str, ...] = ("county", "city")
"""Precisions the queue holds: the project is known only to its county or prefecture."""

NAME, QUOTE, SENTENCE = "name", "quote", "sentence"
"""Where a stem was found: the project's name (or an alias), a quote, the quote's sentence."""

_WHERE_WEIGHT = {NAME: 300, QUOTE: 200, SENTENCE: 100}
_KIND_WEIGHT = {STATION: 40, TOWNSHIP: 30, VILLAGE: 10}
_MIN_STEM_LEN = 2

_STATION_WORDS = ("火车站", "高铁站", "货运站", "铁路", "高铁", "动车", "货场", "轨道")
"""Words that make a project a railway's: a bus station (客运站) is not one."""


@dataclass(frozen=True)
class Candidate:
    """A place an editor may put a project on, with why it was offered.

    Attributes
    ----------
    kind
        ``township``, ``village`` or ``station``.
    name, code
        The unit's official name and 12-digit statistical code (empty for a
        station, whose OSM record carries none).
    county_adcode
        The current county it lies in.
    point
        Its point in EPSG:4326 (a township's or village's centre: ``near``).
    source
        The table's ``source`` column (``vonng-adcode``, ``geonames:…``,
        ``osm-railway-stations``): who vouches for the point.
    score
        Higher is better; see :func:`candidates_for` for the order it encodes.
    why
        In words, for the correction log: which stem was found where.
    stem, found_in
        The stem matched and where (``name``, ``quote`` or ``sentence``).
    """

    kind: str
    name: str
    code: str
    county_adcode: str
    point: shapely.Point
    source: str
    score: int
    why: str
    stem: str = ""
    found_in: str = NAME


def mention_counts(mentions: pd.DataFrame) -> pd.DataFrame:
    """Per project: how many mentions and how many documents speak of it."""
    grouped = mentions.groupby("project_id", sort=False)
    return pd.DataFrame(
        {"mentions": grouped.size(), "documents": grouped["doc_id"].nunique()}
    ).rename_axis("project_id")


def effective_precision(projects: pd.DataFrame, corrections: pd.DataFrame | None) -> pd.Series:
    """Each project's precision once the recorded corrections are applied.

    A placement made in the queue is recorded at once but reaches the projects'
    columns only at the next build; until then the latest project-level
    ``precision`` correction is what the project's precision will be, so the
    queue drops a project the moment an editor placed it.
    """
    precision = projects.set_index("project_id")["precision"].astype("string")
    if corrections is None or not len(corrections):
        return precision
    own = corrections[(corrections["field"] == "precision") & corrections["doc_id"].isna()]
    latest = own.sort_values(["when", "correction_id"]).groupby("project_id")["value"].last()
    latest = latest[latest.index.isin(precision.index)]
    precision.loc[latest.index] = latest.astype("string")
    return precision


def queue_from_store(
    projects: pd.DataFrame, mentions: pd.DataFrame, *, corrections: pd.DataFrame | None = None
) -> pd.DataFrame:
    """Projects still at ``county`` or ``city`` precision, most-mentioned first.

    The most-mentioned come first because they are the ones readers look for
    and the ones whose many quotes are most likely to name a township. Ties go
    by name, so the order is stable between runs.

    Returns
    -------
    DataFrame
        ``project_id, name, category, precision, counties, mentions, documents``;
        a fresh 0..n-1 index.
    """
    precision = effective_precision(projects, corrections)
    coarse = precision[precision.isin(COARSE)].index
    queue = pd.DataFrame(
        projects.loc[
            projects["project_id"].isin(coarse),
            ["project_id", "name", "category", "precision", "counties"],
        ]
    )
    counts = mention_counts(mentions)
    queue = queue.join(counts, on="project_id")
    queue[["mentions", "documents"]] = queue[["mentions", "documents"]].fillna(0).astype(int)
    queue = queue.sort_values(["mentions", "name", "project_id"], ascending=[False, True, True])
    return queue.reset_index(drop=True)


def _counties_under(adcode: str, places: PlaceIndex) -> list[str]:
    """The counties of a prefecture (or a province-level city such as 重庆市)."""
    return sorted(
        u.adcode for u in places.units.values() if u.parent_adcode == adcode and u.level == "county"
    )


def _prefecture_of(unit: AdminUnit) -> str | None:
    """The unit itself when it holds counties, else its parent."""
    return unit.adcode if unit.level in {"prefecture", "province"} else unit.parent_adcode


def _resolve_county(name: str, places: PlaceIndex, within: Collection[str]) -> str | None:
    """A county name as an adcode, narrowed by the documents' regions when ambiguous."""
    for region in (None, *within):
        try:
            return places.resolve(name, within=region, level="county").unit.adcode
        except PlaceNameError:
            continue
    return None


def document_regions(
    project_id: str, mentions: pd.DataFrame, documents: pd.DataFrame | None
) -> tuple[str, ...]:
    """Adcodes of the jurisdictions of the documents that mention the project."""
    if documents is None or not len(documents):
        return ()
    doc_ids = set(mentions.loc[mentions["project_id"] == project_id, "doc_id"].dropna())
    codes = documents.loc[documents["doc_id"].isin(doc_ids), "adcode"].dropna()
    return tuple(dict.fromkeys(str(c) for c in codes))


def county_scope(
    project: pd.Series, *, places: PlaceIndex, regions: Collection[str] = ()
) -> tuple[str, ...]:
    """The counties (current adcodes) a project's candidates must lie in.

    The counties the project names or was located in; for a project known only
    to its prefecture (``city``), every county of that prefecture: the one its
    name opens with (达州高新区 -> 达州市), else those of the documents' regions.
    A candidate outside this scope is never offered, however well its name fits:
    石宝镇 exists in more than one county.
    """
    named = [*split_list(project.get("counties")), *split_list(project.get("located_counties"))]
    prefectures = []
    for code in regions:
        unit = places.units.get(code)
        prefix = _prefecture_of(unit) if unit is not None else None
        if prefix:
            prefectures.append(prefix)
    counties = [c for n in dict.fromkeys(named) if (c := _resolve_county(n, places, prefectures))]
    if counties and project.get("precision") != "city":
        return tuple(dict.fromkeys(counties))
    opening = places.leading_unit(str(project.get("name") or ""))
    holders: list[str] = []
    if opening is not None and opening.unit.level in {"prefecture", "province"}:
        holders.append(opening.unit.adcode)
    elif opening is not None and opening.unit.level == "county":
        counties.append(opening.unit.adcode)
    for code in regions:
        unit = places.units.get(code)
        if unit is None:
            continue
        if unit.level == "county":
            counties.append(unit.adcode)
        else:
            holders.append(unit.adcode)
    for holder in dict.fromkeys(holders):
        counties.extend(_counties_under(holder, places))
    return tuple(dict.fromkeys(counties))


def _admin_names(places: PlaceIndex) -> frozenset[str]:
    """Every spelling of a county, prefecture or province (full, short and former)."""
    return frozenset(places.full) | frozenset(places.short) | frozenset(places.former)


def _mask_admin_names(text: str, scope: Iterable[AdminUnit]) -> str:
    """The text with the scope's own unit names blanked out.

    "梁平区" must not offer a village called 平区, nor "宣汉县城" one called 汉县:
    a stem found inside the name of the county itself is no evidence at all.
    """
    names: set[str] = set()
    for unit in scope:
        names.update({unit.name, short_name(unit.name)})
    for name in sorted(names, key=len, reverse=True):
        if len(name) >= _MIN_STEM_LEN:
            text = text.replace(name, "\u3000" * len(name))
    return text


def _texts(project: pd.Series, mentions: pd.DataFrame) -> list[tuple[str, str]]:
    """(where, text) pairs: the name and aliases, then quotes, then their sentences."""
    own = mentions[mentions["project_id"] == project["project_id"]]
    names = [str(project.get("name") or ""), *split_list(project.get("aliases"))]
    out = [(NAME, n) for n in names if n]
    out += [(QUOTE, str(q)) for q in own["quote"].dropna()]
    if "sentence" in own.columns:
        out += [(SENTENCE, str(s)) for s in own["sentence"].dropna()]
    return out


def is_station_like(project: pd.Series) -> bool:
    """Railways and anything named as a station or hub: stations are offered for these."""
    name = str(project.get("name") or "")
    return project.get("category") == "railway" or any(w in name for w in _STATION_WORDS)


def _found(needle: str, texts: list[tuple[str, str]]) -> tuple[str, str] | None:
    """The first text ``needle`` occurs in, best place first (where, text), or None."""
    for where, text in texts:
        if needle in text:
            return where, text
    return None


def _snippet(text: str, stem: str, width: int = 12) -> str:
    at = text.find(stem)
    start, end = max(0, at - width), min(len(text), at + len(stem) + width)
    return ("…" if start else "") + text[start:end] + ("…" if end < len(text) else "")


def _why(stem: str, where: str, text: str) -> str:
    if where == NAME:
        return f"{stem} is in the project's name {text}"
    return f"{stem} is in a {where} of a document: {_snippet(text, stem)}"


def _unit_candidates(
    units: gpd.GeoDataFrame, texts: list[tuple[str, str]], excluded: frozenset[str]
) -> Iterator[Candidate]:
    for row in units.itertuples():
        stem = str(row.stem)
        if len(stem) < _MIN_STEM_LEN or stem in excluded:
            continue
        hit = _found(stem, texts)
        if hit is None:
            continue
        where, text = hit
        score = _WHERE_WEIGHT[where] + _KIND_WEIGHT[str(row.kind)] + len(stem)
        yield Candidate(str(row.kind), str(row.name), str(row.code), str(row.county_adcode),
                        row.geometry, str(row.source), score, _why(stem, where, text), stem,
                        where)  # fmt: skip


def _station_candidates(
    stations: gpd.GeoDataFrame,
    texts: list[tuple[str, str]],
    masked: list[tuple[str, str]],
    *,
    generic: frozenset[str],
    admin: frozenset[str],
) -> Iterator[Candidate]:
    """Stations named as such (宣汉站, in the texts as written), or by a stem that is no
    county's name (普光, in the masked texts): 宣汉 alone is the county, not its station."""
    for row in stations.itertuples():
        stem = str(row.stem)
        if len(stem) < _MIN_STEM_LEN or stem in generic:
            continue
        hit = _found(stem + "站", texts)
        if hit is None and stem not in admin:
            hit = _found(stem, masked)
        if hit is None:
            continue
        where, text = hit
        score = _WHERE_WEIGHT[where] + _KIND_WEIGHT[STATION] + len(stem)
        yield Candidate(STATION, str(row.name), "", str(row.county_adcode), row.geometry,
                        str(row.source), score, _why(stem, where, text), stem,
                        where)  # fmt: skip


def candidates_for(
    project: pd.Series,
    mentions: pd.DataFrame,
    *,
    localities: Localities,
    places: PlaceIndex,
    documents: pd.DataFrame | None = None,
    generic: frozenset[str] = GENERIC_STEMS,
) -> list[Candidate]:
    """Townships, villages (and for railways, stations) a project's words name, best first.

    Parameters
    ----------
    project
        One row of the store's projects (``project_id``, ``name``, ``aliases``,
        ``category``, ``precision``, ``counties``, ``located_counties``).
    mentions
        The store's mentions (every project's; this project's are picked out).
    documents
        The store's documents: their jurisdictions narrow ambiguous county names
        and give the prefecture of a project known only to it.
    generic
        Stems never offered (:data:`GENERIC_STEMS`).

    Returns
    -------
    list of Candidate
        Units of the project's counties (:func:`county_scope`) whose stem of at
        least two characters occurs in the project's name or aliases, a quote or
        a quote's sentence, after the scope's own county and prefecture names
        are blanked out. Stems that spell any county, prefecture or province
        (万州 in "达州至万州") are left out, and so are ``generic`` ones. Ordered
        by where the stem was found (name, quote, sentence), then kind (station
        for a railway, township, village), then stem length, then name; one
        entry per unit.
    """
    regions = document_regions(str(project["project_id"]), mentions, documents)
    scope = county_scope(project, places=places, regions=regions)
    if not scope:
        return []
    scope_units = [places.units[c] for c in scope if c in places.units]
    around = {u.parent_adcode for u in scope_units if u.parent_adcode}
    scope_units += [places.units[c] for c in around if c in places.units]
    texts = _texts(project, mentions)
    masked = [(where, _mask_admin_names(text, scope_units)) for where, text in texts]
    admin = _admin_names(places)
    found = list(_unit_candidates(localities.units_in(scope), masked, generic | admin))
    if is_station_like(project):
        stations = [localities.stations_of(c) for c in scope]
        frame = gpd.GeoDataFrame(pd.concat(stations), crs=localities.stations.crs)
        found += _station_candidates(frame, texts, masked, generic=generic, admin=admin)
    best: dict[tuple[str, str, str], Candidate] = {}
    for candidate in found:
        key = (candidate.kind, candidate.code or candidate.name, candidate.county_adcode)
        if key not in best or candidate.score > best[key].score:
            best[key] = candidate
    return sorted(best.values(), key=lambda c: (-c.score, c.name, c.code))


_SOURCE_CREDITS = (
    (re.compile(r"^vonng-adcode$"), "Vonng/adcode (CC BY 4.0)"),
    (re.compile(r"^geonames(?::\d+)?$"), "GeoNames (CC BY 3.0)"),
    (re.compile(r"^osm-railway-stations$"), "OpenStreetMap (ODbL)"),
)


def source_credit(source: str) -> str:
    """Who vouches for a candidate's point, as a credit line (the raw source if unknown)."""
    for pattern, credit in _SOURCE_CREDITS:
        if pattern.match(source):
            return credit
    return source


def placement_method(candidate: Candidate, *, county: str, editor: str) -> str:
    """The ``geocode_method`` of a project placed on a candidate, for readers and the log.

    For example: "near 普光镇 (宣汉县), township point from Vonng/adcode (CC BY 4.0),
    chosen by editor alice in the placement queue".
    """
    return (
        f"near {candidate.name} ({county}), {candidate.kind} point from "
        f"{source_credit(candidate.source)}, chosen by editor {editor} in the placement queue"
    )
