"""The projects in a map's view, asked of the store: for stores too large to read whole.

A national store holds about a million projects. Reading them all into every
portal process takes minutes and gigabytes, and no browser draws them. Above a
size (:data:`VIEWPORT_THRESHOLD`) the portal therefore asks the store for the
view the map shows instead (:class:`ViewRequest`): the backend answers from its
spatial index (PostGIS's GiST index, the GeoPackage's R-tree) with

* the projects themselves, geometry simplified to about a pixel of the zoom,
  when no more than :data:`FEATURE_LIMIT` are in view; or
* counts on a grid of cells about :data:`CELL_PIXELS` wide, when more are, so
  the map says where the projects are and how many, and a zoom shows them.

Only the filters that do not depend on the chosen year are put to the store as
SQL (layer, name, document, place box, named by then); the stored progress
columns are as of the store's own year, so the stage, overdue and target-year
filters go to SQL only for that year. Everything else (the progress as of
another year, the exact place rule) is applied in Python to the projects
fetched, by the same code as for a small store (:func:`layers.selection.select_projects`).

This module builds the SQL and reads the answers (pure, no I/O); the backends
run it.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Literal

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from layers.schema import CATEGORIES, CRS, LAYER_NAMES, PROJECT_SCHEMA, typed_projects

VIEWPORT_THRESHOLD = 200_000
"""Stores with more projects than this are served by view (the portal's
``PORTAL_VIEWPORT_THRESHOLD`` overrides it). At 100,000 the whole store is read in
about 3 s and drawn in under 3 (docs/benchmarks.md); at a million neither holds."""
FEATURE_LIMIT = 3000
"""At most this many projects are drawn in a view; more are counted on cells."""
CELL_PIXELS = 64
"""A cell's width on screen."""
TILE_PIXELS = 256
"""Leaflet's tile size: at zoom ``z`` the world (360 degrees) is ``256 * 2**z`` pixels wide."""
AREA_PRECISIONS = ("county", "city")
"""Stand-ins for a whole county or prefecture: never simplified (the map and the place
rule recognise them by their exact outline) and never drawn as a shape anyway."""
MAX_ZOOM = 18.0

Dialect = Literal["postgis", "gpkg"]


@dataclass(frozen=True)
class ViewRequest:
    """What the map shows and which projects the filters keep, as the store can test them.

    Attributes
    ----------
    bbox
        West, south, east, north (EPSG:4326) of the view, already narrowed to the
        place filter's box when there is one.
    zoom
        Leaflet's zoom of the view (decides the simplification and the cells).
    categories
        Layers kept (empty: all).
    search
        Text the name or an alias contains ("": any).
    doc_ids
        Documents one of which must name the project (empty: any).
    named_by
        Only projects some document issued by this year names (None: all).
    stages, overdue_only, target_years
        The stage filter (``"unreported"`` for none reported), the overdue switch
        and the target-year range, on the stored progress columns: give them only
        when the view's year is the store's own.
    area_wkb
        The place filter's outline (WKB), which PostGIS tests exactly; the
        GeoPackage tests cell centres against it in Python.
    limit
        More projects than this in view are counted on cells, not fetched.
    """

    bbox: tuple[float, float, float, float]
    zoom: float
    categories: tuple[str, ...] = ()
    search: str = ""
    doc_ids: tuple[str, ...] = ()
    named_by: int | None = None
    stages: tuple[str, ...] = ()
    overdue_only: bool = False
    target_years: tuple[int, int] | None = None
    area_wkb: bytes | None = None
    limit: int = FEATURE_LIMIT

    @property
    def key(self) -> str:
        """The view this answers, as the browser compares it (rounded box and zoom)."""
        return ",".join(f"{v:.5f}" for v in (*self.bbox, self.zoom))


@dataclass(frozen=True)
class View:
    """The store's answer: projects (at most the request's limit) or cells, never both.

    ``total`` is how many projects matched in the box; ``cells`` has columns
    ``x``, ``y`` (the mean centre of its projects) and ``count``.
    """

    request: ViewRequest
    total: int
    projects: gpd.GeoDataFrame
    cells: pd.DataFrame = field(default_factory=lambda: empty_cells())

    @property
    def aggregated(self) -> bool:
        """Whether the view was too full to fetch: its projects are counted on cells."""
        return self.total > self.request.limit


@dataclass(frozen=True)
class ProjectSummary:
    """What the portal needs of a large store before any view: counts and spans."""

    count: int
    target_years: tuple[int, int] | None
    as_of_year: int | None
    categories: tuple[str, ...] = ()
    """The layers that hold projects, in the order of ``CATEGORIES``."""


def summary_from_values(
    count: object, low: object, high: object, year: object, layers: Sequence[str] = ()
) -> ProjectSummary:
    """A summary from one query's values (None or NaN where the store has none) and the
    names of the layer tables holding projects."""

    def whole(value: object) -> int | None:
        if value is None or (isinstance(value, float) and math.isnan(value)):
            return None
        return int(value)  # type: ignore[call-overload]

    low_year, high_year = whole(low), whole(high)
    span = (low_year, high_year) if low_year is not None and high_year is not None else None
    held = set(layers)
    categories = tuple(c for c in CATEGORIES if LAYER_NAMES[c] in held)
    return ProjectSummary(int(whole(count) or 0), span, whole(year), categories)


def summary_sql(tables: Sequence[str], *, qualified: Sequence[str]) -> str:
    """Count, target years and as-of year of the projects, per layer table (one query)."""
    parts = " UNION ALL ".join(
        f"SELECT '{t}' AS layer, count(*) AS n, min(target_year) AS low, "
        f"max(target_year) AS high, max(as_of_year) AS year FROM {q}"
        for t, q in zip(tables, qualified, strict=True)
    )
    return parts


def summary_from_rows(rows: Sequence[Sequence[object]]) -> ProjectSummary:
    """The summary from :func:`summary_sql`'s rows (layer, count, low, high, year)."""

    def numbers(column: int) -> list[float]:
        return [float(str(r[column])) for r in rows if r[column] is not None]

    counts = [int(float(str(r[1] or 0))) for r in rows]
    low, high, year = numbers(2), numbers(3), numbers(4)
    held = [str(r[0]) for r, n in zip(rows, counts, strict=True) if n]
    return summary_from_values(sum(counts), min(low, default=None), max(high, default=None),
                               max(year, default=None), held)  # fmt: skip


def empty_cells() -> pd.DataFrame:
    """Cells with no rows (the columns :class:`View` promises)."""
    return pd.DataFrame({"x": pd.Series(dtype=float), "y": pd.Series(dtype=float),
                         "count": pd.Series(dtype=int)})  # fmt: skip


def degrees_per_pixel(zoom: float) -> float:
    """Degrees of longitude one screen pixel spans at ``zoom`` (Web Mercator, at the equator)."""
    return 360.0 / (TILE_PIXELS * 2.0 ** min(max(zoom, 0.0), MAX_ZOOM))


def simplify_tolerance(zoom: float) -> float:
    """Simplification for display at ``zoom``: half a pixel, so the drawing does not change."""
    return degrees_per_pixel(zoom) / 2


def cell_size(zoom: float) -> float:
    """A cell's side in degrees at ``zoom`` (whole zoom levels, so a pan keeps the grid)."""
    return CELL_PIXELS * degrees_per_pixel(math.floor(zoom))


def zoom_for(bbox: Sequence[float], *, width_px: int, height_px: int) -> float:
    """The zoom at which ``bbox`` fits a map of that size (Leaflet's quarter steps)."""
    west, south, east, north = bbox
    span_x = max(east - west, 1e-6)
    span_y = max((north - south) / max(math.cos(math.radians((north + south) / 2)), 0.1), 1e-6)
    zoom = math.log2(min(360 * width_px / (TILE_PIXELS * span_x),
                         360 * height_px / (TILE_PIXELS * span_y)))  # fmt: skip
    return max(0.0, min(MAX_ZOOM, math.floor(zoom * 4) / 4))


def clipped(
    bbox: Sequence[float], within: Sequence[float] | None
) -> tuple[float, float, float, float] | None:
    """``bbox`` cut to ``within`` (None: nothing left); ``within`` None leaves it whole."""
    west, south, east, north = (float(v) for v in bbox)
    if within is not None:
        west, south = max(west, within[0]), max(south, within[1])
        east, north = min(east, within[2]), min(north, within[3])
    if west > east or south > north:
        return None
    return west, south, east, north


def padded(bbox: Sequence[float], *, share: float = 0.15) -> tuple[float, float, float, float]:
    """``bbox`` grown by ``share`` of its size on every side: a short pan needs no new query
    to have its edges drawn, and an AMap view (GCJ-02, a few hundred metres off) is covered."""
    west, south, east, north = (float(v) for v in bbox)
    dx, dy = (east - west) * share, (north - south) * share
    return (max(-180.0, west - dx), max(-90.0, south - dy), min(180.0, east + dx),
            min(90.0, north + dy))  # fmt: skip


def layer_tables(request: ViewRequest) -> list[str]:
    """The stored layers the request reads (one per kept category)."""
    kept = request.categories or CATEGORIES
    return [LAYER_NAMES[c] for c in CATEGORIES if c in kept]


def _quoted(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def attribute_filters(
    request: ViewRequest, *, dialect: Dialect
) -> tuple[list[str], dict[str, object]]:
    """The request's conditions on stored columns, as SQL with named parameters (``:name``).

    Both PostgreSQL (through SQLAlchemy) and SQLite take ``:name`` parameters; they
    differ in the substring function only. Nothing from the request is put in the
    text of the SQL: values travel as parameters.
    """
    find = "strpos" if dialect == "postgis" else "instr"
    conditions: list[str] = []
    params: dict[str, object] = {}
    if request.search:
        params["search"] = request.search
        conditions.append(f"({find}(coalesce(t.name, ''), :search) > 0 OR "
                          f"{find}(coalesce(t.aliases, ''), :search) > 0)")  # fmt: skip
    if request.doc_ids:
        tests = []
        for i, doc_id in enumerate(request.doc_ids):
            params[f"doc{i}"] = f"|{doc_id}|"
            tests.append(f"{find}('|' || coalesce(t.doc_ids, '') || '|', :doc{i}) > 0")
        conditions.append("(" + " OR ".join(tests) + ")")
    if request.named_by is not None:
        params["named_by"] = int(request.named_by)
        conditions.append("(t.first_year IS NULL OR t.first_year <= :named_by)")
    if request.stages:
        known = [s for s in request.stages if s != "unreported"]
        tests = [f"t.known_stage = :stage{i}" for i in range(len(known))]
        params.update({f"stage{i}": s for i, s in enumerate(known)})
        if "unreported" in request.stages:
            tests.append("t.known_stage IS NULL")
        conditions.append("(" + " OR ".join(tests) + ")")
    if request.overdue_only:
        conditions.append("t.overdue" if dialect == "postgis" else "t.overdue = 1")
    if request.target_years is not None:
        params["target_low"], params["target_high"] = (int(y) for y in request.target_years)
        conditions.append("t.target_year BETWEEN :target_low AND :target_high")
    return conditions, params


def box_params(request: ViewRequest) -> dict[str, object]:
    west, south, east, north = request.bbox
    return {"west": west, "south": south, "east": east, "north": north}


def layer_select(
    table: str, request: ViewRequest, *, dialect: Dialect, schema: str = "", what: str
) -> str:
    """``SELECT {what} FROM`` one layer, where the box and the attribute filters hold.

    ``what`` may use ``t`` (the layer), ``cx``/``cy`` placeholders being the
    centre of the project's box, and, in the GeoPackage, ``r`` (its R-tree). A
    GeoPackage query that needs no column of the layer (a count or the cells,
    without attribute filters) reads the R-tree alone: grouping a million
    centres took 2.8 s joined to the layer.
    """
    conditions, _ = attribute_filters(request, dialect=dialect)
    alone = dialect == "gpkg" and not conditions and "t." not in what
    if dialect == "postgis":
        source = f"{_quoted(schema)}.{_quoted(table)} t"
        box = "t.geometry && ST_MakeEnvelope(:west, :south, :east, :north, 4326)"
        if request.area_wkb is not None:
            box += " AND ST_Intersects(t.geometry, ST_GeomFromWKB(:area, 4326))"
        cx = "(ST_XMin(t.geometry) + ST_XMax(t.geometry)) / 2"
        cy = "(ST_YMin(t.geometry) + ST_YMax(t.geometry)) / 2"
    else:
        rtree = _quoted(f"rtree_{table}_geom")
        source = f"{rtree} r" if alone else f"{_quoted(table)} t JOIN {rtree} r ON r.id = t.fid"
        box = "r.maxx >= :west AND r.minx <= :east AND r.maxy >= :south AND r.miny <= :north"
        cx, cy = "(r.minx + r.maxx) / 2", "(r.miny + r.maxy) / 2"
    where = " AND ".join([box, *conditions])
    return f"SELECT {what.format(cx=cx, cy=cy)} FROM {source} WHERE {where}"


_CENTRES = "{cx} AS cx, {cy} AS cy"


def count_sql(request: ViewRequest, *, dialect: Dialect, schema: str = "") -> str:
    """How many projects match, counted up to ``limit + 1`` only (enough to choose)."""
    parts = [layer_select(t, request, dialect=dialect, schema=schema, what="1 AS one")
             for t in layer_tables(request)]  # fmt: skip
    return f"SELECT count(*) FROM ({' UNION ALL '.join(parts)} LIMIT {int(request.limit) + 1}) AS c"


def cells_sql(request: ViewRequest, *, dialect: Dialect, schema: str = "") -> str:
    """Projects per cell: the cell's column and row, their count and mean centre."""
    parts = [layer_select(t, request, dialect=dialect, schema=schema, what=_CENTRES)
             for t in layer_tables(request)]  # fmt: skip
    return (
        f"SELECT floor(cx / :cell) AS gx, floor(cy / :cell) AS gy, count(*) AS n, "
        f"avg(cx) AS x, avg(cy) AS y FROM ({' UNION ALL '.join(parts)}) AS p GROUP BY 1, 2"
    )


def centres_sql(request: ViewRequest, *, dialect: Dialect, schema: str = "") -> str:
    """Every matching project's box centre (the GeoPackage's cells with a place outline)."""
    parts = [layer_select(t, request, dialect=dialect, schema=schema, what=_CENTRES)
             for t in layer_tables(request)]  # fmt: skip
    return " UNION ALL ".join(parts)


def project_columns() -> list[str]:
    """The stored columns a view fetches: all of them (the table, details and exports read them)."""
    return list(PROJECT_SCHEMA)


def features_sql(request: ViewRequest, *, dialect: Dialect, schema: str = "") -> str:
    """The matching projects, every column; PostGIS simplifies their geometry to the zoom."""
    columns = ", ".join(f"t.{_quoted(c)}" for c in project_columns())
    if dialect == "postgis":
        stand_in = ", ".join(f"'{p}'" for p in AREA_PRECISIONS)
        geometry = (f"CASE WHEN t.precision IN ({stand_in}) THEN ST_AsBinary(t.geometry) "
                    "ELSE ST_AsBinary(ST_SimplifyPreserveTopology(t.geometry, :tolerance)) END "
                    "AS geometry_wkb")  # fmt: skip
    else:
        geometry = "t.geom AS geometry_blob"
    what = f"{columns}, {geometry}"
    parts = [layer_select(t, request, dialect=dialect, schema=schema, what=what)
             for t in layer_tables(request)]  # fmt: skip
    return " UNION ALL ".join(parts)


def view_params(request: ViewRequest) -> dict[str, object]:
    """Every parameter the view's queries name."""
    _, params = attribute_filters(request, dialect="postgis")
    params.update(box_params(request))
    params["cell"] = cell_size(request.zoom)
    params["tolerance"] = simplify_tolerance(request.zoom)
    if request.area_wkb is not None:
        params["area"] = request.area_wkb
    return params


def cells_from_rows(rows: pd.DataFrame) -> pd.DataFrame:
    """Cells from the query's rows (``n``, ``x``, ``y``), the fullest first."""
    if rows.empty:
        return empty_cells()
    cells = pd.DataFrame({"x": rows["x"].astype(float), "y": rows["y"].astype(float),
                          "count": rows["n"].astype(int)})  # fmt: skip
    return cells.sort_values("count", ascending=False, kind="stable").reset_index(drop=True)


def cells_from_centres(x: np.ndarray, y: np.ndarray, *, request: ViewRequest) -> pd.DataFrame:
    """Cells of the centres that lie in the request's place outline (all without one)."""
    if request.area_wkb is not None and len(x):
        inside = shapely.contains_xy(shapely.from_wkb(request.area_wkb), x, y)
        x, y = x[inside], y[inside]
    if not len(x):
        return empty_cells()
    size = cell_size(request.zoom)
    frame = pd.DataFrame({"gx": np.floor(x / size), "gy": np.floor(y / size), "x": x, "y": y})
    grouped = frame.groupby(["gx", "gy"], sort=False).agg(n=("x", "size"), x=("x", "mean"),
                                                         y=("y", "mean"))  # fmt: skip
    return cells_from_rows(grouped.reset_index())


def projects_from_rows(
    rows: pd.DataFrame,
    geometries: Sequence[shapely.Geometry | None] | np.ndarray,
    *,
    tolerance: float | None,
) -> gpd.GeoDataFrame:
    """Typed projects from a view's rows; ``tolerance`` simplifies what the store did not."""
    shapes = np.asarray(geometries, dtype=object)
    if tolerance is not None and len(shapes):
        stand_in = rows["precision"].astype("string").isin(AREA_PRECISIONS).to_numpy(dtype=bool)
        simple = ~stand_in & ~shapely.is_missing(shapes)
        shapes[simple] = shapely.simplify(shapes[simple], tolerance, preserve_topology=True)
    frame = gpd.GeoDataFrame(rows[project_columns()].reset_index(drop=True),
                             geometry=list(shapes), crs=CRS)  # fmt: skip
    return typed_projects(frame)


def empty_projects() -> gpd.GeoDataFrame:
    """Projects with no rows, typed as stored."""
    frame = gpd.GeoDataFrame(pd.DataFrame(columns=project_columns()), geometry=[], crs=CRS)
    return typed_projects(frame)
