"""The project map: one toggleable layer per category, coloured by status, honest about precision.

* colour = the stage documents *reported* by the chosen year (grey: none yet);
  a plan never colours a project. A plan whose target is ahead of that stage
  draws the project hollow and faded, its tooltip saying "目标 2025 建成";
  a red outline marks a completion target passed with no completion reported;
* line style = reported stage: solid when built, dashed while under
  construction, dotted while only prepared or proposed; every route is
  schematic and the legend says so;
* a project known only by its county or prefecture is drawn as that unit's
  dashed outline, never as a pin that would look exact; points are facilities
  or the townships they are named after;
* everything draws on a canvas (thousands of features stay fluid) and only the
  filtered features are sent to the browser;
* the attribution line credits the township, village and station points that
  place ``near`` projects and route nodes (:func:`attribution_lines`), offline
  as much as over tiles.

This module decides what is drawn and how; the browser side
(``portal/frontend/project_map``, wrapped by :mod:`portal.mapcomponent`) only
draws it. Building a folium map per rerun cost seconds at 10,000 features (its
template and a Python style call per feature), so the map is sent as compact
data instead: the work that depends only on the store (escaping names, lighter
geometry, the GCJ-02 shift) is done once per store in :func:`prepare_projects`,
and a county outline shared by many county-precision projects travels once.

Text from documents is HTML-escaped here, before it leaves Python: the browser
inserts the tooltip's values into the page as markup.
"""

from __future__ import annotations

import hashlib
import html
import json
from dataclasses import dataclass
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from layers.localities import ATTRIBUTION
from layers.store import CATEGORIES
from portal.basemaps import OFFLINE, Basemap, for_basemap
from portal.i18n import translate
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
AREA_PRECISIONS = frozenset({"county", "city"})
BASE_STYLE = {"color": "#a0aec0", "weight": 0.8, "fillColor": "#f7fafc", "fillOpacity": 0.25}
FOCUS_STYLE = {"color": "#2d3748", "weight": 2.5, "fill": False}
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
    if properties.get("precision") == "near":
        style["fillOpacity"] = 0.25  # a ring: the township, not the facility itself
    if target:  # hollow and faded: promised further than reported
        style.update({"fillOpacity": 0.0, "opacity": TARGET_OPACITY, "weight": 3})
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
    """

    row: pd.Index  # project_id -> row
    id_literals: np.ndarray  # str, JSON
    name_literals: np.ndarray  # str, JSON of the HTML-escaped name
    categories: np.ndarray
    precisions: np.ndarray
    shape: np.ndarray  # int
    shapes: np.ndarray  # str


def _literals(texts: pd.Series) -> np.ndarray:
    return np.array([json.dumps(t, ensure_ascii=False) for t in texts], dtype=object)


def prepare_projects(projects: gpd.GeoDataFrame, *, basemap: Basemap) -> PreparedProjects:
    """Escape, lighten, shift and deduplicate the located projects (unlocated ones are left out).

    On an AMap basemap every geometry is shifted into GCJ-02 first so it lines up
    with the tiles (:func:`portal.basemaps.for_basemap`).
    """
    located = for_basemap(projects[projects.geometry.notna()], basemap)
    texts = geojson_texts(located.geometry)
    shape, shapes = pd.factorize(pd.Series(texts, dtype=object))
    return PreparedProjects(
        row=pd.Index(located["project_id"].astype(str)),
        id_literals=_literals(located["project_id"].astype(str)),
        name_literals=_literals(located["name"].astype(str).map(html.escape)),
        categories=located["category"].astype(str).to_numpy(dtype=object),
        precisions=located["precision"].astype(str).to_numpy(dtype=object),
        shape=np.asarray(shape, dtype=np.int64),
        shapes=np.asarray(shapes, dtype=object),
    )


def attribution_lines() -> list[str]:
    """The map's credits for its point data, as Leaflet attributions (HTML-escaped).

    Leaflet inserts attributions as markup; the credits are plain text, so they
    are escaped here like every other text that leaves Python.
    """
    return [html.escape(line) for line in ATTRIBUTION]


def legend_html(lang: str) -> str:
    """The legend's markup: colours and line styles by reported stage, target, overdue, notes."""
    line = {"completed": "solid", "under_construction": "dashed"}
    head = (f'<div style="color:#4a5568">{html.escape(translate("legend_colour", lang))}'
            "</div>")  # fmt: skip
    rows = head + "".join(
        f'<div><span style="display:inline-block;width:22px;height:0;border-top:4px '
        f'{line.get(s, "dotted")} {c};margin-right:6px;vertical-align:middle"></span>'
        f"{html.escape(translate(s, lang))}</div>"
        for s, c in STATUS_COLORS.items()
    )
    notes = "".join(
        f'<div style="color:#4a5568">{html.escape(translate(k, lang))}</div>'
        for k in ("legend_route", "legend_area", "legend_point")
    )
    target = (f'<div><span style="display:inline-block;width:12px;height:12px;border-radius:50%;'
              f'border:3px solid {STATUS_COLORS[UNREPORTED]};opacity:{TARGET_OPACITY};'
              f'margin:0 11px 0 2px;vertical-align:middle"></span>'
              f"{html.escape(translate('legend_target', lang))}</div>")  # fmt: skip
    overdue = (f'<div><span style="display:inline-block;width:22px;height:0;border-top:5px solid '
               f'{OVERDUE_COLOR};margin-right:6px;vertical-align:middle"></span>'
               f"{html.escape(translate('overdue', lang))}</div>")  # fmt: skip
    return f"<b>{html.escape(translate('legend', lang))}</b>{rows}{target}{overdue}{notes}"


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
    known = selected[status_column].map(_RANK).fillna(-1).to_numpy()
    target = selected["target_stage"].map(_RANK).fillna(-1).to_numpy()
    return np.asarray(target > known, dtype=bool)


def _feature_rows(
    selected: gpd.GeoDataFrame, prepared: PreparedProjects, *, lang: str, status_column: str
) -> dict[str, object]:
    """The visible projects as columns of small integers into shared tables."""
    row = prepared.row.get_indexer(selected["project_id"].astype(str))
    keep = row >= 0  # unlocated projects have no row: they are listed, not drawn
    stages = selected[status_column].astype(object).where(selected[status_column].notna(),
                                                           UNREPORTED).to_numpy()[keep]  # fmt: skip
    labels = _stage_labels(selected, status_column, lang=lang)[keep]
    overdue = selected["overdue"].fillna(False).astype(bool).to_numpy()[keep]
    ahead = _ahead(selected, status_column)[keep]
    row = row[keep]
    present = set(pd.unique(prepared.categories[row]))
    layers = [c for c in CATEGORIES if c in present]
    layer = pd.Index(layers).get_indexer(prepared.categories[row])
    on_map = layer >= 0
    row, layer, stages = row[on_map], layer[on_map], stages[on_map]
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
    numbers = {"geom": geom, "style": style, "status": label, "layer": layer}
    columns = {"id": "[" + ",".join(prepared.id_literals[row]) + "]",
               "name": "[" + ",".join(prepared.name_literals[row]) + "]",
               **{key: json.dumps(values.tolist()) for key, values in numbers.items()}}  # fmt: skip
    return {
        "geometries": "[" + ",".join(prepared.shapes[used]) + "]",
        "features": "{" + ",".join(f'"{key}":{text}' for key, text in columns.items()) + "}",
        "styles": styles,
        "status_labels": [html.escape(s) for s in label_names],
        "layers": [html.escape(translate(c, lang)) for c in layers],
    }


def project_bounds(projects: gpd.GeoDataFrame, project_id: str) -> list[list[float]] | None:
    """The frame a ``?project=`` link opens on: the project's box, padded ("" if unlocated)."""
    row = projects[projects["project_id"] == project_id]
    if row.empty or row.geometry.iloc[0] is None or row.geometry.iloc[0].is_empty:
        return None
    minx, miny, maxx, maxy = row.geometry.iloc[0].bounds
    pad = max(0.02, 0.15 * max(maxx - minx, maxy - miny))
    return [[miny - pad, minx - pad], [maxy + pad, maxx + pad]]


def build_project_map(
    selected: gpd.GeoDataFrame,
    *,
    counties: gpd.GeoDataFrame,
    focus: gpd.GeoDataFrame | None = None,
    lang: str,
    status_column: str = "status",
    basemap: Basemap | None = None,
    prepared: PreparedProjects | None = None,
    outlines: str | None = None,
    zoom_to: str | None = None,
    selected_id: str | None = None,
) -> dict[str, object]:
    """What the map component draws (its arguments): the selection over offline outlines.

    ``counties`` are the whole area's outlines (context); ``focus``, when the view
    is narrowed to some counties, is outlined heavier and framed by the map. An
    online ``basemap`` adds its tiles underneath; on AMap everything is shifted
    into GCJ-02 first so it lines up with the tiles. ``prepared`` (the store's
    projects, see :func:`prepare_projects`) and ``outlines`` (``counties`` as
    :func:`outlines_text`) save redoing per-store work on every rerun; without
    them they are made from ``selected`` and ``counties``.
    """
    basemap = basemap or Basemap(OFFLINE)
    if prepared is None:
        prepared = prepare_projects(selected, basemap=basemap)
    counties = for_basemap(counties, basemap)
    focus = for_basemap(focus, basemap) if focus is not None and len(focus) else None
    minx, miny, maxx, maxy = (focus if focus is not None else counties).total_bounds
    bounds = [[float(miny), float(minx)], [float(maxy), float(maxx)]]
    zoom = None
    if zoom_to is not None:
        shifted = for_basemap(selected[selected["project_id"] == zoom_to], basemap)
        zoom = project_bounds(shifted, zoom_to)
    args = _feature_rows(selected, prepared, lang=lang, status_column=status_column)
    chosen = selected[selected["project_id"] == selected_id] if selected_id else selected.iloc[:0]
    chosen = chosen[chosen.geometry.notna()]
    digest = hashlib.sha1(str(args["geometries"]).encode())
    digest.update(str(args["features"]).encode())
    digest.update(json.dumps([args["styles"], args["status_labels"], args["layers"]]).encode())
    args["data_key"] = digest.hexdigest()  # the browser redraws only when this changes
    args.update(
        fields=[html.escape(translate("name", lang)), html.escape(translate("known_stage", lang))],
        base=outlines if outlines is not None else outlines_text(counties),
        base_style=BASE_STYLE,
        focus=outlines_text(focus),
        focus_style=FOCUS_STYLE,
        bounds=bounds,
        zoom=zoom,
        selected=outlines_text(for_basemap(chosen, basemap)) if len(chosen) else "",
        selected_style=SELECTED_STYLE,
        tiles=[{"url": url, "attribution": attribution, "subdomains": basemap.subdomains}
               for url, attribution in basemap.tiles],
        legend=legend_html(lang),
        attribution=attribution_lines(),
    )  # fmt: skip
    return args
