"""The map's places: county and prefecture names, and one badge per unit for its vague projects.

A project known only by its county (precision ``county``) or prefecture (``city``)
has the unit's polygon as its geometry. Drawn as that polygon, 150 of them stacked
on a dozen outlines: the translucent fills blended into a brown that hid every
stage colour, and the mouse found only the top one (inside 宣汉县 every click
returned the same airport). Here each project is instead counted on the *unit*
that carries it, and the map draws one badge per unit (the count, ringed by
stage) that lists its projects on a click. A project named for two counties
(宣汉县|大竹县) is listed under both: each county's badge answers "what is
known about this county", and neither hides the other.

The same reference layers name the map: prefecture names at low zoom and county
names from a middle zoom, each at a representative point inside its polygon (the
pole of inaccessibility of its largest part, so a crescent-shaped county is not
labelled outside itself). Names travel HTML-escaped, like all text to the browser.

Lines run beyond the basemap (成达万高铁 to 成都, 西达渝高铁 to 西安): where a
route ends outside the basemap's counties, its end is named (:func:`line_ends`),
so five railways do not meet at an unnamed spot on a blank ground.

Everything here is pure (no Streamlit) and done once per store or process:
:func:`reference_places` per datum, :func:`match_units` per store.
"""

from __future__ import annotations

import html
from collections.abc import Sequence
from dataclasses import dataclass

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from shapely.ops import polylabel

from portal.basemaps import Basemap, for_basemap

COUNTY, CITY, AREA = "county", "city", "area"
"""Place levels: a county, a prefecture, or an area that is neither (its own outline)."""
_PRECISION_LEVEL = {"county": COUNTY, "city": CITY}
COVERED_SHARE = 0.5
"""A unit carries a project when at least this share of the unit lies inside the project's
area: a project of 宣汉县|大竹县 covers both counties, and merely touching a neighbour
along a shared border (a few slivers after simplification) does not count."""
ANCHOR_TOLERANCE_DEG = 0.002
"""Precision of the label point (about 200 m): far finer than a label's width."""


@dataclass(frozen=True)
class Places:
    """Counties, prefectures and other areas the map names or badges; place ``i`` is row ``i``.

    The counties come first, in the order of the county outlines given to the map
    (so place ``i < n_counties`` is outline ``i`` of the map's base outlines and
    need not travel twice), then the prefectures, then any area a project stands
    for that is neither (it carries its own outline).
    """

    names: tuple[str, ...]  # HTML-escaped; "" for an unnamed area
    levels: tuple[str, ...]  # COUNTY, CITY or AREA
    anchors: tuple[tuple[float, float], ...]  # (lon, lat) in the basemap's datum
    areas: tuple[float, ...]  # square degrees: the larger a county, the earlier its label
    shapes: tuple[shapely.Geometry | None, ...]  # outlines beyond the counties' (None: base)
    n_counties: int

    def __len__(self) -> int:
        return len(self.names)

    def extended(self, others: Sequence[tuple[str, shapely.Geometry]]) -> Places:
        """These places and unnamed areas (``(name, geometry)``) after them."""
        if not others:
            return self
        return Places(
            names=self.names + tuple(html.escape(n) for n, _ in others),
            levels=self.levels + (AREA,) * len(others),
            anchors=self.anchors + tuple(_xy(anchor_point(g)) for _, g in others),
            areas=self.areas + tuple(float(g.area) for _, g in others),
            shapes=self.shapes + tuple(g for _, g in others),
            n_counties=self.n_counties,
        )


def anchor_point(geometry: shapely.Geometry) -> shapely.Point:
    """A point well inside ``geometry``: the pole of inaccessibility of its largest part.

    A centroid can fall outside a concave county, and ``representative_point`` hugs
    an edge; the pole is where a label or badge sits most clearly inside.
    """
    parts = [p for p in shapely.get_parts(geometry) if p.geom_type == "Polygon" and p.area > 0]
    if not parts:
        return geometry.representative_point()
    largest = max(parts, key=lambda p: p.area)
    return polylabel(largest, tolerance=ANCHOR_TOLERANCE_DEG)


def _xy(point: shapely.Point) -> tuple[float, float]:
    return round(float(point.x), 5), round(float(point.y), 5)


def reference_places(
    counties: gpd.GeoDataFrame, prefectures: gpd.GeoDataFrame | None, *, basemap: Basemap
) -> Places:
    """The counties and prefectures as places, in the basemap's datum (shifted for AMap)."""
    frames = [counties] + ([prefectures] if prefectures is not None and len(prefectures) else [])
    names: list[str] = []
    levels: list[str] = []
    anchors: list[tuple[float, float]] = []
    areas: list[float] = []
    shapes: list[shapely.Geometry | None] = []
    for level, frame in zip((COUNTY, CITY), frames, strict=False):
        shown = for_basemap(frame[["name", "geometry"]], basemap)
        for name, geometry in zip(shown["name"], shown.geometry, strict=True):
            names.append(html.escape(str(name)))
            levels.append(level)
            anchors.append(_xy(anchor_point(geometry)))
            areas.append(float(geometry.area))
            shapes.append(None if level == COUNTY else geometry)
    return Places(tuple(names), tuple(levels), tuple(anchors), tuple(areas), tuple(shapes),
                  n_counties=len(counties))  # fmt: skip


def match_units(
    geometries: np.ndarray,
    precisions: np.ndarray,
    labels: np.ndarray,
    *,
    places: Places,
    unit_geometries: Sequence[shapely.Geometry],
) -> tuple[list[tuple[int, ...]], Places]:
    """The units that carry each project known only by an area, and the places extended.

    ``geometries`` and ``precisions`` are the located projects' (same datum as
    ``unit_geometries``, which are the geometries of ``places`` in order). A
    ``county`` project is carried by the counties its area covers, a ``city``
    project by the prefectures; an area that covers no known unit (outside the
    reference layers) becomes a place of its own, named by ``labels`` (the
    project's ``counties`` text, or ""). Other projects are carried by none.
    Distinct areas are matched once: a county's forty projects share one outline.
    """
    units: list[tuple[int, ...]] = [()] * len(geometries)
    area_rows = np.flatnonzero(np.isin(precisions, list(_PRECISION_LEVEL)))
    if not len(area_rows):
        return units, places
    tree = shapely.STRtree(list(unit_geometries))
    unit_areas = np.array([g.area for g in unit_geometries])
    level_of = np.array(places.levels[: len(unit_geometries)], dtype=object)
    seen: dict[tuple[bytes, str], tuple[int, ...]] = {}
    extra: list[tuple[str, shapely.Geometry]] = []
    for row in area_rows.tolist():
        geometry, level = geometries[row], _PRECISION_LEVEL[str(precisions[row])]
        key = (shapely.to_wkb(geometry), level)
        if key not in seen:
            found = _covered_units(geometry, level, tree=tree, areas=unit_areas, levels=level_of)
            if not found:
                found = (len(places) + len(extra),)
                extra.append((str(labels[row] or "").replace("|", "、"), geometry))
            seen[key] = found
        units[row] = seen[key]
    return units, places.extended(extra)


def _covered_units(
    geometry: shapely.Geometry, level: str, *, tree: shapely.STRtree, areas: np.ndarray,
    levels: np.ndarray,
) -> tuple[int, ...]:  # fmt: skip
    """Units of ``level`` lying mostly inside ``geometry``."""
    if geometry is None or geometry.is_empty:
        return ()
    candidates = [int(i) for i in tree.query(geometry) if levels[i] == level]
    if not candidates:
        return ()
    geoms = tree.geometries.take(candidates)
    shared = shapely.area(shapely.intersection(geoms, geometry))
    return tuple(i for i, s in zip(candidates, shared, strict=True)
                 if areas[i] > 0 and s >= COVERED_SHARE * areas[i])  # fmt: skip


def badge_units(units: Sequence[tuple[int, ...]], rows: np.ndarray) -> list[tuple[int, list[int]]]:
    """The badges to draw: each place carrying any of the drawn projects, with their positions.

    ``units`` is per prepared project (:func:`match_units`); ``rows`` maps each
    drawn feature (by position) to its prepared project. Returns
    ``[(place, [feature positions])]`` ordered by place.
    """
    carried: dict[int, list[int]] = {}
    for position, row in enumerate(rows.tolist()):
        for place in units[row]:
            carried.setdefault(place, []).append(position)
    return sorted(carried.items())


def place_label_order(places: Places) -> list[int]:
    """Places in the order their names claim room: prefectures, then counties, larger first.

    The map places labels greedily in this order and skips one whose box would
    overlap a label (or badge) already placed, so a large county keeps its name
    where a small urban district would crowd it. Unnamed areas carry no label.
    """
    rank = {CITY: 0, COUNTY: 1}
    named = [i for i, n in enumerate(places.names) if n and places.levels[i] in rank]
    return sorted(named, key=lambda i: (rank[places.levels[i]], -places.areas[i], i))


def line_ends(
    selected: gpd.GeoDataFrame, *, counties: gpd.GeoDataFrame, basemap: Basemap
) -> list[list[object]]:
    """``[name, x, y]`` of each route end outside ``counties`` (already in the basemap's
    datum, as the map draws them), one per name, HTML-escaped.

    A route's geometry runs through its nodes in order and its ``endpoints`` column
    names them (成都|大足石刻站|重庆), so the first and last vertex take the first
    and last name. Ends inside the basemap are left to the county and prefecture
    labels there.
    """
    if selected.empty or "endpoints" not in selected:
        return []
    geometries = np.asarray(selected.geometry.array, dtype=object)
    present = ~shapely.is_missing(geometries) & ~shapely.is_empty(geometries)
    route = selected["precision"].astype("string").eq("route").fillna(False)
    routes = selected[route.to_numpy(dtype=bool) & present]
    if routes.empty:
        return []
    routes = for_basemap(routes, basemap)
    area = counties.geometry.union_all()
    shapely.prepare(area)
    ends: dict[str, list[object]] = {}
    for geometry, endpoints in zip(routes.geometry, routes["endpoints"], strict=True):
        names = [] if pd.isna(endpoints) else [n for n in str(endpoints).split("|") if n]
        lines = [g for g in getattr(geometry, "geoms", [geometry]) if not g.is_empty]
        if len(names) < 2 or not lines or {g.geom_type for g in lines} != {"LineString"}:
            continue  # no names, or not a line as a route is drawn: nothing to name
        for name, (x, y) in ((names[0], lines[0].coords[0]), (names[-1], lines[-1].coords[-1])):
            if name not in ends and not area.covers(shapely.Point(x, y)):
                ends[name] = [html.escape(name), round(float(x), 5), round(float(y), 5)]
    return list(ends.values())
