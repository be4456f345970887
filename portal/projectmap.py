"""The project map: one switchable layer per category, coloured by stage, honest about precision.

* colour = the stage documents *reported* by the chosen year (grey: none yet);
  a plan never colours a project. A plan whose target is ahead of that stage
  draws the project hollow and faded, its tooltip saying "目标 2025 建成";
  a red outline marks a completion target passed with no completion reported;
* line style = reported stage: solid when built, dashed while under
  construction, dotted while only prepared or proposed; every route is
  schematic and the legend says so. Lines sharing a stretch are drawn side by
  side and points sharing a spot around it (:mod:`portal.mapoverlaps`);
* a project known only by its county or prefecture is never drawn as a fill or
  a pin that would look exact: it is counted on one badge per unit (the count,
  ringed by stage), which lists its projects on a click (:mod:`portal.mapplaces`);
  points are facilities or the townships they are named after;
* county and prefecture names label the offline basemap by zoom, and in
  presentation mode the drawn projects are labelled too, without collisions;
* everything draws on a canvas (thousands of features stay fluid) and only the
  filtered features are sent to the browser;
* the layer switches on the map *are* the sidebar's layer filter: the map
  offers every layer of the store, ticked as the filter says, and a switch
  sends the new set back to Python (:func:`categories_for_switches`);
* the attribution line credits the township, village and station points that
  place ``near`` projects and route nodes (:func:`attribution_lines`), offline
  as much as over tiles.

This module decides what is drawn and how; the browser side
(``portal/frontend/project_map``, wrapped by :mod:`portal.mapcomponent`) only
draws it. Building a folium map per rerun cost seconds at 10,000 features (its
template and a Python style call per feature), so the map is sent as compact
data instead: the work that depends only on the store (escaping names, lighter
geometry, the GCJ-02 shift, which units carry which project, shared stretches)
is done once per store in :func:`prepare_projects`.

Text from documents is HTML-escaped here, before it leaves Python: the browser
inserts the tooltip's values into the page as markup.
"""

from __future__ import annotations

import functools
import hashlib
import html
import json
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from layers.localities import ATTRIBUTION
from layers.model import Stage
from layers.store import CATEGORIES
from portal.basemaps import OFFLINE, Basemap, for_basemap
from portal.i18n import ENGLISH_ONE, translate
from portal.mapoverlaps import label_anchors, label_candidates, line_offsets, point_spreads
from portal.mapplaces import (
    Places,
    badge_units,
    line_ends,
    match_units,
    place_label_order,
    reference_places,
)
from portal.mapview import DISPLAY_TOLERANCE_DEG

STATUS_COLORS = {
    "completed": "#2f855a",
    "under_construction": "#dd6b20",
    "preparatory": "#3182ce",
    "proposed": "#805ad5",
    "unreported": "#718096",
}
UNREPORTED = "unreported"
SELECTED_STYLE = {"color": "#d69e2e", "weight": 9, "opacity": 0.45, "fill": False, "radius": 12}
OVERDUE_COLOR = "#e53e3e"
LINE_DASH = {"completed": None, "under_construction": "10 6", "preparatory": "2 6",
             "proposed": "2 6", "unreported": "2 6"}  # fmt: skip
LINE_OPACITY = {"completed": 0.95, "under_construction": 0.9, "preparatory": 0.7,
                "proposed": 0.6, "unreported": 0.6}  # fmt: skip
TARGET_OPACITY = 0.45
"""Lines and outlines whose plan is ahead of the reported stage are drawn faded."""
NEAR_TARGET_OPACITY = 0.9
"""A township ring whose plan is ahead is hollow but not faded: a faded ring disappears."""
AREA_PRECISIONS = frozenset({"county", "city"})
BASE_STYLE = {"color": "#a0aec0", "weight": 0.8, "fillColor": "#f7fafc", "fillOpacity": 0.25}
FOCUS_STYLE = {"color": "#2d3748", "weight": 2.5, "fill": False}
UNIT_STYLE = {"color": "#1a202c", "weight": 2, "opacity": 0.85, "dashArray": "6 4", "fill": False}
"""A unit whose badge is open or whose project is chosen: a thin neutral outline, no fill."""
UNIT_OUTLINE_TOLERANCE_DEG = 0.002
"""Prefecture outlines are sent only as that thin highlight: lightened to about 200 m."""
STAGE_ORDER = (UNREPORTED, *(s.value for s in Stage))
"""Stages from none reported to completed: the order of the badges' counts (and the charts')."""
COORDINATE_DECIMALS = 5
"""Coordinates sent to the browser are rounded to about a metre: display only, never stored."""

# Style classes of a precision: an area outline, a township ring, or a drawn place.
_AREA, _NEAR, _PLACE = 0, 1, 2
_CLASS_PRECISION = ("county", "near", "route")  # one precision standing for each class


def feature_style(properties: dict[str, Any]) -> dict[str, Any]:
    """Leaflet path style for one feature (see the module docstring)."""
    status = properties.get("status") or UNREPORTED
    color = STATUS_COLORS.get(status, STATUS_COLORS[UNREPORTED])
    overdue = bool(properties.get("overdue"))
    target = bool(properties.get("target"))
    if properties.get("precision") in AREA_PRECISIONS:
        return {"color": OVERDUE_COLOR if overdue else color, "weight": 2, "dashArray": "4 4",
                "fillColor": color, "fillOpacity": 0.0 if target else 0.06,
                "opacity": TARGET_OPACITY if target and not overdue else 0.8}  # fmt: skip
    style = {"color": color, "weight": 4, "opacity": LINE_OPACITY.get(status, 0.7),
             "dashArray": LINE_DASH.get(status), "fillColor": color, "fillOpacity": 0.85,
             "radius": 7}  # fmt: skip
    near = properties.get("precision") == "near"
    if near:  # a ring: the township, not the facility itself; solid, as a dotted
        # ring of 7 px in faded grey was lost on the grey basemap (its colour gives the stage)
        style.update({"fillOpacity": 0.25, "dashArray": None, "radius": 8})
    if target:  # hollow and faded: promised further than reported (a ring only hollow)
        style.update({"fillOpacity": 0.0, "weight": 3,
                      "opacity": NEAR_TARGET_OPACITY if near else TARGET_OPACITY})  # fmt: skip
    if overdue:
        style.update({"color": OVERDUE_COLOR, "weight": 5, "opacity": 0.95})
    return style


def geojson_texts(geometries: gpd.GeoSeries | np.ndarray) -> np.ndarray:
    """Each geometry as GeoJSON text, lighter for display (simplified, rounded).

    A point is written as its bare ``[x, y]`` pair, which the browser reads as a
    point: most projects of a large store are points, and the full GeoJSON
    object took half again the bytes and an object each to read. One vectorised
    pass through GEOS: walking features in Python dominated the time to draw a
    map of thousands of projects.
    """
    values = np.asarray(geometries, dtype=object)
    light = shapely.simplify(values, DISPLAY_TOLERANCE_DEG, preserve_topology=True)
    rounded = shapely.transform(light, lambda xy: np.round(xy, COORDINATE_DECIMALS))
    texts = shapely.to_geojson(rounded)
    points = shapely.get_type_id(rounded) == 0
    points &= ~shapely.is_empty(rounded)
    if points.any():
        xy = shapely.get_coordinates(rounded[points])
        texts[points] = [f"[{x!r},{y!r}]" for x, y in xy.tolist()]
    return np.asarray(texts, dtype=object)


def outlines_text(frame: gpd.GeoDataFrame | None) -> str:
    """Unit outlines (counties, prefectures) as one JSON array of geometries ("" for none)."""
    if frame is None or frame.empty:
        return ""
    if frame.crs is None or frame.crs.to_epsg() != 4326:
        raise ValueError("outlines must be in EPSG:4326 before display")
    return "[" + ",".join(geojson_texts(frame.geometry)) + "]"


@dataclass(frozen=True)
class PreparedProjects:
    """The located projects of a store, ready to draw: made once per store and datum.

    Row ``i`` is one project; ``shape[i]`` indexes ``shapes``, the distinct
    geometries as GeoJSON text (projects sharing a county outline share one).
    Ids and names are kept as JSON literals (names HTML-escaped first): joining
    them is several times faster than encoding them again on every rerun.
    ``units[i]`` are the places (of ``places``) whose badge carries project
    ``i`` (empty unless it is known only by an area); ``offset``, ``spread``
    and ``anchor`` are its line's sideways shift, its point's shift (pixels)
    and its label's point (see :mod:`portal.mapoverlaps`).
    """

    row: pd.Index  # project_id -> row
    id_literals: np.ndarray  # str, JSON
    name_literals: np.ndarray  # str, JSON of the HTML-escaped name
    categories: np.ndarray
    precisions: np.ndarray
    shape: np.ndarray  # int
    shapes: np.ndarray  # str
    units: tuple[tuple[int, ...], ...] = ()
    places: Places | None = None
    offset: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=np.int64))
    spread: np.ndarray = field(default_factory=lambda: np.zeros((0, 2), dtype=np.int64))
    anchor: np.ndarray = field(default_factory=lambda: np.zeros((0, 2)))
    layers: tuple[str, ...] = ()  # the store's categories, in the order of CATEGORIES
    place_outlines: tuple[str, ...] = ()  # per place: its lightened outline ("": a county's)


def _literals(texts: pd.Series) -> np.ndarray:
    return np.array([json.dumps(t, ensure_ascii=False) for t in texts], dtype=object)


def prepare_projects(
    projects: gpd.GeoDataFrame,
    *,
    basemap: Basemap,
    counties: gpd.GeoDataFrame | None = None,
    prefectures: gpd.GeoDataFrame | None = None,
    places: Places | None = None,
) -> PreparedProjects:
    """Escape, lighten, shift and deduplicate the located projects (unlocated ones are left out).

    On an AMap basemap every geometry is shifted into GCJ-02 first so it lines up
    with the tiles (:func:`portal.basemaps.for_basemap`). ``counties`` (the map's
    base outlines, in their order) and ``prefectures`` are the units a project
    known only by an area is counted on (:func:`portal.mapplaces.match_units`);
    ``places`` are their :func:`portal.mapplaces.reference_places` when the caller
    keeps them (a large store prepares each view anew, the units stay the same).
    """
    located = for_basemap(projects[projects.geometry.notna()], basemap)
    texts = geojson_texts(located.geometry)
    shape, shapes = pd.factorize(pd.Series(texts, dtype=object))
    geometries = np.asarray(located.geometry, dtype=object)
    precisions = located["precision"].astype(str).to_numpy(dtype=object)
    unit_frames = None
    if counties is None:
        places = None
    else:
        places = places or reference_places(counties, prefectures, basemap=basemap)
        unit_frames = [for_basemap(f, basemap) for f in (counties, prefectures) if f is not None]
    units: list[tuple[int, ...]] = [()] * len(located)
    if places is not None and unit_frames is not None:
        named = located.get("counties", pd.Series("", index=located.index))
        units, places = match_units(
            geometries, precisions, named.astype(object).fillna("").to_numpy(), places=places,
            unit_geometries=[g for f in unit_frames for g in f.geometry],
        )  # fmt: skip
    categories = located["category"].astype(str).to_numpy(dtype=object)
    present = set(pd.unique(categories))
    return PreparedProjects(
        place_outlines=_place_outlines(places),
        row=pd.Index(located["project_id"].astype(str)),
        id_literals=_literals(located["project_id"].astype(str)),
        name_literals=_literals(located["name"].astype(str).map(html.escape)),
        categories=categories,
        precisions=precisions,
        shape=np.asarray(shape, dtype=np.int64),
        shapes=np.asarray(shapes, dtype=object),
        units=tuple(units),
        places=places,
        offset=line_offsets(geometries),
        spread=point_spreads(geometries),
        anchor=label_anchors(geometries),
        layers=tuple(c for c in CATEGORIES if c in present),
    )


@functools.lru_cache(maxsize=8)
def _place_outlines(places: Places | None) -> tuple[str, ...]:
    """The outlines of places beyond the counties, as GeoJSON text, lightened further: they
    are only ever drawn as a thin highlight (a county's is among the map's base outlines)."""
    if places is None:
        return ()
    shapes = np.array([g if g is not None else shapely.Point() for g in places.shapes],
                      dtype=object)  # fmt: skip
    texts = geojson_texts(shapely.simplify(shapes, UNIT_OUTLINE_TOLERANCE_DEG))
    return tuple("" if g is None else str(t) for g, t in zip(places.shapes, texts, strict=True))


def categories_for_switches(ticked: Sequence[str], offered: Sequence[str]) -> list[str]:
    """The sidebar's layer filter once the map's switches say ``ticked`` of ``offered``.

    Every offered layer ticked is the filter's "all" (an empty selection), so the
    link stays short and a layer added to the store later is not left out; codes
    the map does not offer are ignored (the message comes from the browser).
    """
    chosen = [c for c in offered if c in set(ticked)]
    return [] if len(chosen) == len(offered) else chosen


def switches_for_categories(categories: Sequence[str], offered: Sequence[str]) -> list[bool]:
    """Which of the map's ``offered`` layer switches are ticked for the filter ``categories``."""
    return [not categories or c in set(categories) for c in offered]


def attribution_lines() -> list[str]:
    """The map's credits for its point data, as Leaflet attributions (HTML-escaped).

    Leaflet inserts attributions as markup; the credits are plain text, so they
    are escaped here like every other text that leaves Python.
    """
    return [html.escape(line) for line in ATTRIBUTION]


def _swatch(style: str) -> str:
    base = "display:inline-block;vertical-align:middle;margin-right:6px"
    return f'<span style="{base};{style}"></span>'


_BADGE_ICON = (
    '<svg width="22" height="22" viewBox="0 0 34 34" '
    'style="vertical-align:middle;margin-right:6px">'
    '<circle cx="17" cy="17" r="15" fill="#fff"/><circle cx="17" cy="17" r="12.5" fill="none" '
    f'stroke="{STATUS_COLORS[UNREPORTED]}" stroke-width="5"/><text x="17" y="22" '
    'text-anchor="middle" font-size="14" font-weight="700" fill="#1a202c">3</text></svg>'
)


def legend_html(lang: str) -> str:
    """The legend's markup: a title (the browser makes it fold the rest away) and the body.

    The body: colours and line styles by reported stage, target, overdue, the
    badges of projects known only by an area, parallel lines, and the notes.
    """
    line = {"completed": "solid", "under_construction": "dashed"}
    head = (f'<div class="legend-note legend-wide">'
            f'{html.escape(translate("legend_colour", lang))}</div>')  # fmt: skip

    def row(swatch: str, key: str, *, wide: bool = False) -> str:
        span = ' class="legend-wide"' if wide else ""
        return f"<div{span}>{swatch}{html.escape(translate(key, lang))}</div>"

    stages = "".join(
        row(_swatch(f"width:22px;height:0;border-top:4px {line.get(s, 'dotted')} {c}"), s)
        for s, c in STATUS_COLORS.items()
    )
    target = row(_swatch(f"width:12px;height:12px;border-radius:50%;border:3px solid "
                         f"{STATUS_COLORS[UNREPORTED]};opacity:{TARGET_OPACITY};"
                         "margin-left:2px;margin-right:11px"), "legend_target",
                 wide=True)  # fmt: skip
    overdue = row(_swatch(f"width:22px;height:0;border-top:5px solid {OVERDUE_COLOR}"), "overdue")
    badge = row(_BADGE_ICON, "legend_badge", wide=True)
    parallel = row(_swatch("width:22px;height:5px;border-top:3px solid #4a5568;"
                           "border-bottom:3px dashed #4a5568"), "legend_parallel",
                   wide=True)  # fmt: skip
    notes = (f'<div class="legend-note legend-wide">{html.escape(translate("legend_route", lang))}'
             f' · {html.escape(translate("legend_point", lang))}</div>')  # fmt: skip
    body = f"{head}{stages}{overdue}{target}{badge}{parallel}{notes}"
    return (f'<b class="legend-title">{html.escape(translate("legend", lang))}</b>'
            f'<div class="legend-body">{body}</div>')  # fmt: skip


def _style_classes(precisions: np.ndarray) -> np.ndarray:
    area = np.isin(precisions, list(AREA_PRECISIONS))
    return np.where(area, _AREA, np.where(precisions == "near", _NEAR, _PLACE))


def _stage_labels(selected: pd.DataFrame, status_column: str, *, lang: str) -> np.ndarray:
    """Each project's tooltip stage: the reported stage, and the plan's target when ahead."""
    known = selected[status_column].astype(object).where(selected[status_column].notna(), None)
    if "target_stage" not in selected:
        return np.array([translate(k or UNREPORTED, lang) for k in known], dtype=object)
    keys = pd.Series(list(zip(known, selected["target_stage"].astype(object).where(
        selected["target_stage"].notna(), None), selected["target_year"].astype(object).where(
        selected["target_year"].notna(), None), _ahead(selected, status_column), strict=True)),
        index=selected.index, dtype=object)  # fmt: skip
    labels = {}
    for key in pd.unique(keys):
        stage, target, year, ahead = key
        text = translate(stage or UNREPORTED, lang)
        if ahead and target:
            goal = (translate("target_text", lang, year=int(year), stage=translate(target, lang))
                    if year is not None else
                    translate("target_undated", lang, stage=translate(target, lang)))  # fmt: skip
            text = f"{text} · {goal}"
        labels[key] = text
    return np.array([labels[k] for k in keys], dtype=object)


_RANK = {"proposed": 0, "preparatory": 1, "under_construction": 2, "completed": 3}


def _ahead(selected: pd.DataFrame, status_column: str) -> np.ndarray:
    """Whether each project's planned target is further than its reported stage."""
    if "target_stage" not in selected:
        return np.zeros(len(selected), dtype=bool)
    return np.asarray(_ranks(selected["target_stage"]) > _ranks(selected[status_column]),
                      dtype=bool)  # fmt: skip


def _ranks(stages: pd.Series) -> np.ndarray:
    """Each stage's rank (-1: none), looked up once per distinct stage, not once per row."""
    codes, uniques = pd.factorize(stages)
    table = np.array([_RANK.get(str(u), -1) for u in uniques] + [-1])
    return np.asarray(table[codes])  # code -1 (missing) picks the trailing -1


def _feature_rows(
    selected: gpd.GeoDataFrame,
    prepared: PreparedProjects,
    *,
    lang: str,
    status_column: str,
    offered: Sequence[str] = (),
) -> dict[str, Any]:
    """The visible projects as columns of small integers into shared tables.

    Besides the drawing, the browser gets per feature its reported stage (for
    the badges' rings and counts), and sparsely the overdue ones, the sideways
    shifts of shared lines and points, and the badges: ``[place, [features]]``.
    """
    row = prepared.row.get_indexer(selected["project_id"].astype(str))
    keep = row >= 0  # unlocated projects have no row: they are listed, not drawn
    stages = selected[status_column].astype(object).where(selected[status_column].notna(),
                                                           UNREPORTED).to_numpy()[keep]  # fmt: skip
    labels = _stage_labels(selected, status_column, lang=lang)[keep]
    overdue = selected["overdue"].fillna(False).astype(bool).to_numpy()[keep]
    ahead = _ahead(selected, status_column)[keep]
    names = selected["name"].astype(str).to_numpy(dtype=object)[keep]
    row = row[keep]
    present = set(pd.unique(prepared.categories[row]))
    layers = list(offered) or list(prepared.layers) or [c for c in CATEGORIES if c in present]
    layer = pd.Index(layers).get_indexer(prepared.categories[row])
    on_map = layer >= 0
    row, layer, stages, names = row[on_map], layer[on_map], stages[on_map], names[on_map]
    labels, overdue, ahead = labels[on_map], overdue[on_map], ahead[on_map]
    stage, stage_names = pd.factorize(pd.Series(stages, dtype=object).astype(str))
    label, label_names = pd.factorize(pd.Series(labels, dtype=object).astype(str))
    classes = _style_classes(prepared.precisions[row])
    combined = ((stage * 3 + classes) * 2 + overdue) * 2 + ahead
    combos, style = np.unique(combined, return_inverse=True)
    styles = [
        feature_style({"status": stage_names[c // 12], "precision": _CLASS_PRECISION[c // 4 % 3],
                       "overdue": bool(c // 2 % 2), "target": bool(c % 2)})
        for c in combos.tolist()
    ]  # fmt: skip
    used, geom = np.unique(prepared.shape[row], return_inverse=True)
    numbers = {"geom": geom, "style": style, "status": label, "layer": layer, "stage": stage}
    columns = {"id": "[" + ",".join(prepared.id_literals[row]) + "]",
               "name": "[" + ",".join(prepared.name_literals[row]) + "]",
               **{key: json.dumps(values.tolist()) for key, values in numbers.items()}}  # fmt: skip
    offset = prepared.offset[row] if len(prepared.offset) else np.zeros(len(row), dtype=np.int64)
    spread = prepared.spread[row] if len(prepared.spread) else np.zeros((len(row), 2), dtype=int)
    shifted = np.flatnonzero((offset != 0) | (spread != 0).any(axis=1))
    anchors = prepared.anchor[row] if len(prepared.anchor) else np.full((len(row), 2), np.nan)
    stage_table = [{"name": html.escape(translate(s, lang)),
                    "color": STATUS_COLORS.get(s, STATUS_COLORS[UNREPORTED]),
                    "rank": STAGE_ORDER.index(s) if s in STAGE_ORDER else 0}
                   for s in stage_names]  # fmt: skip
    shifts = [[int(i), int(offset[i]), int(spread[i, 0]), int(spread[i, 1])]
              for i in shifted.tolist()]  # fmt: skip
    units = badge_units(prepared.units, row) if prepared.units else []
    return {
        "geometries": "[" + ",".join(prepared.shapes[used]) + "]",
        "features": "{" + ",".join(f'"{key}":{text}' for key, text in columns.items()) + "}",
        "styles": styles,
        "status_labels": [html.escape(s) for s in label_names],
        "stages": stage_table,
        "layers": [html.escape(translate(c, lang)) for c in layers],
        "layer_codes": layers,
        "layer_counts": np.bincount(layer, minlength=len(layers)).tolist(),
        "late": np.flatnonzero(overdue).tolist(),
        "shifts": shifts,
        "units": [[place, positions] for place, positions in units],
        "_labels": (anchors, np.asarray(stage_names, dtype=object)[stage], names),
    }


NEAR_FRAME_PAD_DEG = 0.15
"""A township point opens in a frame about 30 km across: its township, the places
around and a county border in sight, not a blank close-up that would look exact."""


def project_bounds(projects: gpd.GeoDataFrame, project_id: str) -> list[list[float]] | None:
    """The frame a ``?project=`` link opens on: the project's box, padded ("" if unlocated)."""
    row = projects[projects["project_id"] == project_id]
    if row.empty or row.geometry.iloc[0] is None or row.geometry.iloc[0].is_empty:
        return None
    minx, miny, maxx, maxy = row.geometry.iloc[0].bounds
    near = "precision" in row and row["precision"].iloc[0] == "near"
    pad = max(NEAR_FRAME_PAD_DEG if near else 0.02, 0.15 * max(maxx - minx, maxy - miny))
    return [[miny - pad, minx - pad], [maxy + pad, maxx + pad]]


def _place_args(prepared: PreparedProjects, units: list[list[Any]]) -> dict[str, object]:
    """The places (names and label points), their label order, and the outlines of used units.

    A county's outline is already among the map's base outlines (place ``i`` is
    outline ``i``); a prefecture's or another area's travels only while a badge
    on it is drawn, lightened further (it is only ever a thin highlight).
    """
    places = prepared.places
    if places is None:
        return {"places": [], "place_order": [], "unit_shapes": "{}"}
    used = [u for u, _ in units if u < len(prepared.place_outlines) and prepared.place_outlines[u]]
    texts = [prepared.place_outlines[u] for u in used]
    rows = zip(places.names, places.levels, places.anchors, strict=True)
    outlines = ",".join(f'"{u}":{t}' for u, t in zip(used, texts, strict=True))
    return {
        "places": [[name, level, x, y] for name, level, (x, y) in rows],
        "place_order": place_label_order(places),
        "unit_shapes": "{" + outlines + "}",
    }


def map_texts(lang: str) -> dict[str, str]:
    """The browser side's own words (HTML-escaped; ``{n}`` and ``{name}`` filled in there,
    ``<key>_one`` the English singular)."""
    keys = ("map_here", "map_unit_county", "map_unit_city", "map_unit_area", "map_unit_tag",
            "map_pick_hint", "map_list_hint", "map_total", "map_layers_hint",
            "map_cell_tip")  # fmt: skip
    texts = {k: html.escape(translate(k, lang, n="{n}", name="{name}")) for k in keys}
    # The singular, where the language has one ("1 project here"); NS.count picks it.
    for key in (k for k in keys if lang == "en" and k in ENGLISH_ONE):
        texts[f"{key}_one"] = html.escape(ENGLISH_ONE[key].format(name="{name}"))
    return texts


def build_project_map(
    selected: gpd.GeoDataFrame,
    *,
    counties: gpd.GeoDataFrame,
    prefectures: gpd.GeoDataFrame | None = None,
    focus: gpd.GeoDataFrame | None = None,
    lang: str,
    status_column: str = "status",
    basemap: Basemap | None = None,
    prepared: PreparedProjects | None = None,
    outlines: str | None = None,
    zoom_to: str | None = None,
    selected_id: str | None = None,
    categories: Sequence[str] = (),
    presentation: bool = False,
    cells: pd.DataFrame | None = None,
    view_at: int = 0,
    view_box: Sequence[float] = (),
    layers: Sequence[str] = (),
) -> dict[str, object]:
    """What the map component draws (its arguments): the selection over offline outlines.

    ``counties`` are the whole area's outlines (context, and with ``prefectures``
    the units that badges count on and labels name); ``focus``, when the view is
    narrowed to some counties, is outlined heavier and framed by the map. An
    online ``basemap`` adds its tiles underneath; on AMap everything is shifted
    into GCJ-02 first so it lines up with the tiles. ``prepared`` (the store's
    projects, see :func:`prepare_projects`) and ``outlines`` (``counties`` as
    :func:`outlines_text`) save redoing per-store work on every rerun; without
    them they are made from ``selected`` and ``counties``. ``categories`` is the
    sidebar's layer filter (empty: all), which ticks the map's layer switches;
    ``presentation`` labels the drawn projects and sets everything larger.
    ``cells`` (a large store's view, :class:`layers.viewport.View`) makes the map
    report its view after each move and draws the cells' counts; ``view_at`` echoes
    the time of the view this answers, ``view_box`` the box the store was asked for
    (a move within it, at the same zoom, is not reported); ``layers`` are the switches
    to offer (a large store's layers, whether or not the view holds them; default: the
    store's).
    """
    basemap = basemap or Basemap(OFFLINE)
    if prepared is None:
        prepared = prepare_projects(selected, basemap=basemap, counties=counties,
                                    prefectures=prefectures)  # fmt: skip
    counties = for_basemap(counties, basemap)
    focus = for_basemap(focus, basemap) if focus is not None and len(focus) else None
    minx, miny, maxx, maxy = (focus if focus is not None else counties).total_bounds
    bounds = [[float(miny), float(minx)], [float(maxy), float(maxx)]]
    zoom = None
    if zoom_to is not None:
        shifted = for_basemap(selected[selected["project_id"] == zoom_to], basemap)
        zoom = project_bounds(shifted, zoom_to)
    args = _feature_rows(selected, prepared, lang=lang, status_column=status_column,
                         offered=layers)  # fmt: skip
    anchors, stages, names = args.pop("_labels")
    args["labels"] = label_candidates(anchors, stages, names) if presentation else []
    args.update(_place_args(prepared, args["units"]))
    args["ends"] = line_ends(selected, counties=counties, basemap=basemap)
    args["layers_on"] = switches_for_categories(categories, args["layer_codes"])
    chosen = selected[selected["project_id"] == selected_id] if selected_id else selected.iloc[:0]
    chosen = chosen[chosen.geometry.notna()]
    digest = hashlib.sha1(str(args["geometries"]).encode())
    digest.update(str(args["features"]).encode())
    digest.update(json.dumps([args[k] for k in ("styles", "status_labels", "layers", "stages",
                                                "late", "shifts", "units")]).encode())  # fmt: skip
    args["data_key"] = digest.hexdigest()  # the browser redraws only when this changes
    area = bool(len(chosen)) and str(chosen["precision"].iloc[0]) in AREA_PRECISIONS
    base = outlines if outlines is not None else outlines_text(counties)
    args.update(
        fields=[html.escape(translate("name", lang)), html.escape(translate("known_stage", lang))],
        base=base,
        base_key=hashlib.sha1(base.encode()).hexdigest(),  # the browser reads base only anew
        base_style=BASE_STYLE,
        focus=outlines_text(focus),
        focus_style=FOCUS_STYLE,
        bounds=bounds,
        zoom=zoom,
        selected=outlines_text(for_basemap(chosen, basemap)) if len(chosen) else "",
        selected_style=UNIT_STYLE if area else SELECTED_STYLE,
        selected_id=str(selected_id) if len(chosen) else "",
        unit_style=UNIT_STYLE,
        overdue_color=OVERDUE_COLOR,
        tiles=[{"url": url, "attribution": attribution, "subdomains": basemap.subdomains}
               for url, attribution in basemap.tiles],
        legend=legend_html(lang),
        attribution=attribution_lines(),
        texts=map_texts(lang),
        presentation=bool(presentation),
    )  # fmt: skip
    if cells is not None:
        args.update(viewport=True, cells=cell_markers(cells, basemap), view_at=int(view_at),
                    view_box=[float(v) for v in view_box])  # fmt: skip
        if len(cells):  # the cells do not count by layer: no count beside the switches
            args["layer_counts"] = [None] * len(args["layer_codes"])
    return args


def cell_markers(cells: pd.DataFrame, basemap: Basemap) -> list[list[float]]:
    """Cells as ``[x, y, count]`` for the browser, shifted into GCJ-02 over AMap tiles."""
    if cells.empty:
        return []
    points = gpd.GeoDataFrame(geometry=gpd.points_from_xy(cells["x"], cells["y"]), crs="EPSG:4326")
    shifted = for_basemap(points, basemap).geometry
    return [[round(float(p.x), COORDINATE_DECIMALS), round(float(p.y), COORDINATE_DECIMALS), int(n)]
            for p, n in zip(shifted, cells["count"], strict=True)]  # fmt: skip
