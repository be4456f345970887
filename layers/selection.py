"""Selections of projects: the filters the portal and the exports share, as pure functions.

A planning official asks for "these counties, as of this year, these layers and
stages". Each filter is a function over the projects GeoDataFrame of the store;
:func:`select_projects` combines them.

Where a project is (:func:`view_area`, :func:`in_area`) is decided by its text
and by its geometry against the reference prefecture and county polygons:

* its text (``counties``, ``located_counties``) names a county of the view, or
  for a prefecture view the prefecture itself: a project with no geometry
  (``unlocated``) is still found by its words;
* a stand-in outline (precision ``county`` or ``city``: the unit's polygon, or
  its seat) belongs only to the unit it stands for, never to the neighbours it
  touches nor to the counties a prefecture covers. The unit is recognised by
  its extent and area (within about 1 km and 2 %), which survive the ~100 m
  simplification the geocoder applies, where exact equality would not, and
  cost two array comparisons per unit, where an overlay of county polygons
  costs seconds at 10,000 projects. A county view takes its prefecture's
  stand-ins too when asked (``prefecture_level``: "known only by the
  prefecture" is not "nowhere in this county");
* any other point belongs where the area's polygon covers it;
* any other line or outline belongs where it enters the area's interior: it must
  meet the area shrunk by :data:`EDGE_TOLERANCE_M` (measured in the area's UTM
  zone). A line ending on a border, running along it, or grazing it by a
  few metres is not in the county next door. A schematic ``route`` (straight
  lines between named nodes) must reach :data:`ROUTE_REACH_M` into the area: the
  real line may run kilometres to either side, so a route that only cuts a
  county's corner (成达万高铁's 达州站—万州北 leg across 宣汉县's edge) is not
  evidence that the line crosses it; the counties its text or its nodes name still
  find it. The shrinking is done once per area, on a handful of polygons, so the
  per-project test is one vectorised GEOS predicate.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from numpy.typing import NDArray

from layers.codec import LIST_SEPARATOR, statements_from_text
from layers.model import Stage
from layers.progress import progress_as_of

CRS = "EPSG:4326"
EDGE_TOLERANCE_M = 100.0
"""How far a line or outline must reach into an area to be in it: more than float
noise, datum round-trips (~1 m) and the map's 50 m simplification, and nothing
against a county tens of kilometres across."""
ROUTE_REACH_M = 3000.0
"""How far a schematic route must reach into an area to be in it: further than a
straight line between nodes can be trusted to follow the real one near a border."""
STAND_IN_PRECISIONS = ("county", "city")
"""Precisions whose geometry stands for an administrative unit, not the project."""
SAME_UNIT_EXTENT_DEG = 0.01
"""Two outlines are the same unit when every side of their extents agrees within this
(about 1 km) and their areas within :data:`SAME_UNIT_AREA`."""
SAME_UNIT_AREA = 0.02
_POINT_TYPES = (shapely.GeometryType.POINT, shapely.GeometryType.MULTIPOINT)


def _listed(value: object) -> set[str]:
    if not isinstance(value, str) or not value:
        return set()
    return {v for v in value.split(LIST_SEPARATOR) if v}


def _names_any(texts: pd.Series, wanted: frozenset[str]) -> NDArray[np.bool_]:
    """Whether each list text names any of ``wanted``; worked out once per distinct text."""
    codes, uniques = pd.factorize(texts.astype("string").fillna(""))
    hits = np.array([bool(_listed(u) & wanted) for u in uniques] + [False], dtype=bool)
    return np.asarray(hits[codes], dtype=bool)


@dataclass(frozen=True, eq=False)
class Area:
    """Where a view is narrowed to, prepared once (:func:`view_area`) for :func:`in_area`.

    Attributes
    ----------
    names
        Unit names the text rule accepts: the view's counties, and for a prefecture
        view the prefecture itself.
    outline
        The area's polygon (EPSG:4326, prepared): the points it covers are in the view.
    interior
        ``outline`` shrunk by :data:`EDGE_TOLERANCE_M`: lines and outlines must meet it.
    route_interior
        ``outline`` shrunk by :data:`ROUTE_REACH_M`: schematic routes must meet it.
    counties
        County polygons whose county-precision stand-ins are in the view.
    prefectures
        Prefecture polygons whose city-precision stand-ins are in the view.
    """

    names: frozenset[str]
    outline: shapely.Geometry
    interior: shapely.Geometry
    route_interior: shapely.Geometry
    counties: gpd.GeoSeries
    prefectures: gpd.GeoSeries


def _in_wgs84(frame: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    if frame.crs is None:
        raise ValueError("reference polygons need a CRS (EPSG:4326 expected)")
    return frame if frame.crs.to_epsg() == 4326 else frame.to_crs(CRS)


def _shrunk(outline: shapely.Geometry, metres: float = EDGE_TOLERANCE_M) -> shapely.Geometry:
    """``outline`` moved ``metres`` inwards, measured in its UTM zone (itself if that
    leaves nothing: a sliver of a unit is still a unit)."""
    series = gpd.GeoSeries([outline], crs=CRS)
    inner = series.to_crs(series.estimate_utm_crs()).buffer(-metres).to_crs(CRS)
    shrunk = inner.iloc[0]
    return outline if shrunk is None or shrunk.is_empty else shrunk


def view_area(
    counties: gpd.GeoDataFrame,
    prefectures: gpd.GeoDataFrame,
    *,
    prefecture_names: Sequence[str] = (),
    county_names: Sequence[str] = (),
    prefecture_level: bool = True,
) -> Area | None:
    """The area a view of some counties, else some prefectures, covers (None: no such filter).

    Parameters
    ----------
    counties
        Reference county polygons with ``name`` and ``prefecture`` columns.
    prefectures
        Reference prefecture polygons with a ``name`` column.
    prefecture_names, county_names
        The view's picks; counties, when any, narrow the view further than
        prefectures (the sidebar offers counties of the picked prefectures).
    prefecture_level
        Whether a county view also holds the projects known only by the county's
        prefecture (city precision): they may well be in it, and a reader looking
        for 普光经开区 in 宣汉县 should see it, flagged by its dashed outline.
    """
    counties, prefectures = _in_wgs84(counties), _in_wgs84(prefectures)
    if county_names:
        picked = counties[counties["name"].isin(county_names)]
        names = frozenset(picked["name"])
        outline = picked.geometry.union_all()
        parents = set(picked["prefecture"]) if prefecture_level else set()
        units = prefectures[prefectures["name"].isin(parents)]
    elif prefecture_names:
        units = prefectures[prefectures["name"].isin(prefecture_names)]
        picked = counties[counties["prefecture"].isin(prefecture_names)]
        names = frozenset(picked["name"]) | frozenset(units["name"])
        # The prefecture's own outline, else (not in the reference) its counties'.
        outline = (units if len(units) else picked).geometry.union_all()
    else:
        return None
    if outline is None or outline.is_empty:
        outline = shapely.Polygon()
        interior = route_interior = outline
    else:
        interior, route_interior = _shrunk(outline), _shrunk(outline, ROUTE_REACH_M)
        for shape in (outline, interior, route_interior):
            shapely.prepare(shape)
    return Area(names=names, outline=outline, interior=interior, route_interior=route_interior,
                counties=picked.geometry.reset_index(drop=True),
                prefectures=units.geometry.reset_index(drop=True))  # fmt: skip


def _is_one_of(geometries: NDArray[np.object_], units: gpd.GeoSeries) -> NDArray[np.bool_]:
    """Which stand-ins are one of ``units``: the unit's outline (same extent and area) or a
    point in it (its seat)."""
    found = np.zeros(len(geometries), dtype=bool)
    if not len(geometries) or units.empty:
        return found
    points = np.isin(shapely.get_type_id(geometries), _POINT_TYPES)
    bounds = shapely.bounds(geometries)
    areas = shapely.area(geometries)
    unit_shapes = np.asarray(units.array, dtype=object)
    for unit, unit_bounds, unit_area in zip(
        unit_shapes, shapely.bounds(unit_shapes), shapely.area(unit_shapes), strict=True
    ):
        same = np.abs(bounds - unit_bounds).max(axis=1) <= SAME_UNIT_EXTENT_DEG
        same &= np.abs(areas - unit_area) <= SAME_UNIT_AREA * unit_area
        found |= same & ~points
        if points.any():
            found[points] |= shapely.intersects(unit, geometries[points])
    return found


def in_area(projects: gpd.GeoDataFrame, area: Area) -> pd.Series:
    """Which projects are in ``area``, by their text or their geometry (module docstring).

    Vectorised: a few GEOS calls over arrays and a comparison of extents per unit,
    whatever the number of projects.
    """
    mask = _names_any(projects["counties"], area.names)
    mask |= _names_any(projects["located_counties"], area.names)
    geometries = np.asarray(projects.geometry.array, dtype=object)
    present = ~shapely.is_missing(geometries) & ~shapely.is_empty(geometries)
    points = np.isin(shapely.get_type_id(geometries), _POINT_TYPES)
    precision = projects["precision"].astype("string").fillna("").to_numpy(dtype=object)
    stand_in = np.isin(precision, STAND_IN_PRECISIONS)
    route = precision == "route"
    placed = np.zeros(len(projects), dtype=bool)
    for rows, shape in ((present & ~stand_in & points, area.outline),
                        (present & ~stand_in & ~points & ~route, area.interior),
                        (present & route & ~points, area.route_interior)):  # fmt: skip
        if rows.any():
            placed[rows] = shapely.intersects(shape, geometries[rows])
    for level, units in (("county", area.counties), ("city", area.prefectures)):
        rows = present & (precision == level)
        if rows.any():
            placed[rows] = _is_one_of(geometries[rows], units)
    return pd.Series(mask | placed, index=projects.index, dtype=bool)


# The stage filter's value for projects with no reported progress (named only in plans).
UNREPORTED = "unreported"
_PROGRESS_COLUMNS = ("known_stage", "planned_stage", "target_stage", "target_year", "overdue",
                     "info_date")  # fmt: skip


def progress_frame(projects: pd.DataFrame, year: int) -> pd.DataFrame:
    """Every project's progress as of ``year`` (:func:`layers.progress.progress_as_of`).

    Columns: ``known_stage``, ``planned_stage``, ``target_stage``, ``target_year``,
    ``overdue``, ``info_date``, ``as_of_year``, ``named`` (False: no document had
    named it by then). Worked out once per distinct statement history: projects
    share few, and a call per project took half a second at 100,000 projects, on
    every filter change of the portal.
    """
    texts = projects["statements"].astype("string").fillna("")
    codes, uniques = pd.factorize(texts)
    found = [progress_as_of(statements_from_text(text), year) for text in uniques]
    values: dict[str, list[object]] = {
        "known_stage": [_value(p.known_stage) for p in found],
        "planned_stage": [_value(p.planned_stage) for p in found],
        "target_stage": [_value(p.target_stage) for p in found],
        "target_year": [p.target_year for p in found],
        "overdue": [p.overdue for p in found],
        "info_date": [p.info_date.isoformat() if p.info_date else None for p in found],
        "named": [p.named for p in found],
    }
    if not len(uniques):  # pd.factorize of nothing: codes index nothing
        codes = np.zeros(0, dtype=int)
    out = pd.DataFrame(index=projects.index)
    for column, column_values in values.items():
        array = np.array([*column_values, None], dtype=object)  # -1 (missing) -> None
        out[column] = array[codes]
    for column in ("known_stage", "planned_stage", "target_stage", "info_date"):
        out[column] = out[column].astype("string")  # the store's type: null is pd.NA
    out["target_year"] = pd.array(out["target_year"].tolist(), dtype="Int64")
    out["overdue"] = out["overdue"].fillna(False).astype(bool)
    out["named"] = out["named"].fillna(False).astype(bool)
    out["as_of_year"] = pd.array([year] * len(out), dtype="Int64")
    return out


def _value(stage: Stage | None) -> str | None:
    return None if stage is None else stage.value


def as_of(
    projects: gpd.GeoDataFrame, year: int, *, progress: pd.DataFrame | None = None
) -> gpd.GeoDataFrame:
    """The projects named by documents issued by ``year``, with their progress that year.

    The as-of columns replace the stored ones (computed for the newest
    document's year), and ``status`` becomes the known stage: every view and
    export that reads ``status`` shows what was reported, never a target.
    ``progress`` is :func:`progress_frame` of a frame holding these projects
    (by index) for ``year``, when the caller keeps one (the portal, per store
    and year): worked out afresh it costs about 27 µs a project.
    """
    if progress is None or progress.empty or progress["as_of_year"].iloc[0] != year:
        progress = progress_frame(projects, year)
    else:
        progress = progress.reindex(projects.index)
    out = projects.copy()
    for column in (*_PROGRESS_COLUMNS, "as_of_year"):
        out[column] = progress[column]
    out["status"] = progress["known_stage"]
    return out[progress["named"].to_numpy()]


def select_projects(
    projects: gpd.GeoDataFrame,
    *,
    area: Area | None = None,
    year: int | None = None,
    categories: Sequence[str] = (),
    statuses: Sequence[str] = (),
    target_years: tuple[int, int] | None = None,
    doc_ids: Sequence[str] = (),
    overdue_only: bool = False,
    name_contains: str = "",
    progress: pd.DataFrame | None = None,
) -> gpd.GeoDataFrame:
    """The projects passing every given filter (an empty filter passes all).

    ``area`` (:func:`view_area`) keeps the projects placed in it or naming it.
    With ``year``, projects no document had named by then are left out, and the
    as-of columns (:func:`as_of`) say each one's progress that year; ``statuses``
    filters on the known (reported) stage, :data:`UNREPORTED` selecting projects
    with none, and ``overdue_only`` on the overdue flag of that year.
    """
    out = projects
    if area is not None:
        out = out[in_area(out, area).to_numpy()]
    if categories:
        out = out[out["category"].isin(categories)]
    if year is not None:
        out = as_of(out, year, progress=progress)
    if statuses:
        known = out["known_stage"].astype(object).where(out["known_stage"].notna(), UNREPORTED)
        out = out[known.isin(statuses).to_numpy()]
    if target_years is not None:
        low, high = target_years
        years = pd.to_numeric(out["target_year"], errors="coerce")
        out = out[(years >= low) & (years <= high)]
    if doc_ids:
        wanted = set(doc_ids)
        out = out[[bool(_listed(v) & wanted) for v in out["doc_ids"]]]
    if overdue_only:
        out = out[out["overdue"].fillna(False).astype(bool)]
    if name_contains:
        needle = name_contains.strip()
        out = out[
            out["name"].str.contains(needle, regex=False, na=False)
            | out["aliases"].str.contains(needle, regex=False, na=False)
        ]
    return out


def newest_document_year(documents: pd.DataFrame) -> int | None:
    """The year of the newest stored document: the default "as of" year.

    The slider, the stored progress columns and exports without ``--year`` all
    start there, never at today's date, so nothing is said of a year the
    documents have not reached.
    """
    years = pd.to_numeric(documents["issued"].astype("string").str[:4], errors="coerce")
    return None if years.dropna().empty else int(years.max())


def document_year_range(documents: pd.DataFrame) -> tuple[int, int] | None:
    """The first and last year documents were issued (the slider's range)."""
    years = pd.to_numeric(documents["issued"].astype("string").str[:4], errors="coerce")
    years = years.dropna()
    return None if years.empty else (int(years.min()), int(years.max()))
