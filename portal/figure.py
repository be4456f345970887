"""Print-quality figures of the current selection, for slides and reports (PNG, PDF).

A true A4 page (:mod:`portal.figurepage`: never cropped to its drawing, which
made it 263 × 209 mm), the map drawn in the area's UTM zone so the scale bar is
true, and framed on the selection with the neighbouring counties around it.

What the page shows, and why:

* one visual language with the web map: the stage colours, line styles and
  stage order of :mod:`portal.projectmap`, in the legend in that order;
* county outlines in one neutral grey (heavier for the counties in view) with
  their names: a room orients by them, and colour stays for the projects;
* projects known only by a county or prefecture are not drawn as stacked
  outlines (blending into brown, one red/blue stripe per project): the unit
  gets one dashed outline and one badge with the count, its ring split by stage;
* project names, placed greedily without overlaps and capped in number, so a
  dense view stays readable; the legend panel says how many went unlabelled;
* a scale bar, a north arrow, the sources as issuer, title and date, and the
  credits of the township, village and station points
  (:data:`layers.localities.ATTRIBUTION`), whose licences ask for them.

Chinese text needs a CJK font (Debian ``fonts-noto-cjk``), found by name here.
Any text may carry words a link or a document chose (search words, names,
titles), so none is parsed as mathtext (``$\\frac$`` would raise) nor handed to
TeX. Everything is drawn as plain matplotlib collections: the geopandas plot
helpers redraw the whole figure per call, which took seconds.
"""

from __future__ import annotations

import io
import logging
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from functools import cache
from typing import Any

import geopandas as gpd
import matplotlib
import numpy as np
import pandas as pd
import shapely

matplotlib.use("Agg")  # no screen: render to files only

import matplotlib.pyplot as plt
from matplotlib import font_manager, patheffects
from matplotlib.axes import Axes
from matplotlib.collections import LineCollection, PatchCollection
from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from matplotlib.patches import Circle, PathPatch, Wedge
from matplotlib.path import Path as MplPath
from matplotlib.transforms import Bbox

from layers.model import Stage
from portal.figurepage import (
    GAP_MM,
    MARGIN_MM,
    MM_PER_INCH,
    Layout,
    grow_to_aspect,
    page_layout,
    selection_bounds,
    source_line,
    wrap_text,
)
from portal.i18n import translate
from portal.projectmap import AREA_PRECISIONS, LINE_DASH, OVERDUE_COLOR, STATUS_COLORS

logger = logging.getLogger(__name__)

DPI = 200
LABEL_LIMIT = 30
"""At most this many project names on a page: more stop being read and start hiding lines."""

UNREPORTED = "unreported"
LEGEND_ORDER: tuple[str, ...] = tuple(STATUS_COLORS)
"""Stages in the order of the web map's legend (completed first), for the legend and badges."""

OUTLINE_COLOR, FOCUS_COLOR, LAND_COLOR = "#a0aec0", "#2d3748", "#f7fafc"  # neutral counties
AREA_COLOR = MUTED_COLOR = "#4a5568"
TEXT_COLOR = "#1a202c"
# Text options for words from a link or a document: plain characters, no math, no TeX.
_PLAIN_TEXT: dict[str, Any] = {"parse_math": False, "usetex": False}
_HALO = [patheffects.withStroke(linewidth=2.5, foreground="white")]
# (A white edge for marks only: on text it makes outlines a PDF reader cannot search.)
_BACKING = {"boxstyle": "square,pad=0.12", "facecolor": "white", "edgecolor": "none",
            "alpha": 0.8}  # fmt: skip
"""A light box behind words drawn over lines, as the web map's project labels have."""
_TAG = {"boxstyle": "round,pad=0.25,rounding_size=0.6", "facecolor": "white",
        "edgecolor": AREA_COLOR, "linewidth": 0.6}  # fmt: skip
"""The web map's tag of a prefecture's badge ("全达州市")."""
_CJK_NAMES = ("Noto Sans CJK SC", "Noto Sans CJK JP", "Noto Sans CJK", "WenQuanYi Zen Hei",
              "Source Han Sans SC", "SimHei", "Microsoft YaHei")  # fmt: skip


@cache
def cjk_font() -> str | None:
    """The family name of an installed CJK font, registering it with matplotlib."""
    for path in font_manager.findSystemFonts():
        if "CJK" in path or "wqy" in path.lower() or "SourceHan" in path:
            try:
                font_manager.fontManager.addfont(path)
            except (OSError, RuntimeError):
                continue
    names = {f.name for f in font_manager.fontManager.ttflist}
    found = next((n for n in _CJK_NAMES if n in names), None)
    if found is None:
        logger.warning("figure: no CJK font installed; Chinese text will not render")
    return found


def _dash(status: str) -> Any:
    pattern = LINE_DASH.get(status)
    if pattern is None:
        return "solid"
    on, off = (float(v) for v in pattern.split())
    return (0, (on / 2, off / 2))


def _rank(stage: object) -> int:
    try:
        return Stage(str(stage)).rank
    except ValueError:
        return -1


def _stage(value: object) -> str:
    return value if isinstance(value, str) and value in STATUS_COLORS else UNREPORTED


def _parts(geometry: Any) -> Iterator[Any]:
    """The simple geometries (points, lines, polygons) inside ``geometry``."""
    for part in shapely.get_parts(np.asarray([geometry], dtype=object)):
        if part.geom_type == "GeometryCollection" or part.geom_type.startswith("Multi"):
            yield from _parts(part)
        elif not part.is_empty:
            yield part


def _polygon_path(polygons: Iterable[Any]) -> MplPath:
    """Polygons (holes included) as one compound path."""
    rings = [ring for polygon in polygons for ring in (polygon.exterior, *polygon.interiors)]
    paths = [MplPath(np.asarray(ring.coords)[:, :2], closed=True) for ring in rings]
    return MplPath.make_compound_path(*paths) if paths else MplPath(np.zeros((0, 2)))


def _lines_of(geometries: Iterable[Any]) -> list[np.ndarray]:
    lines: list[np.ndarray] = []
    for geometry in geometries:
        for part in _parts(geometry):
            if part.geom_type == "LineString":
                lines.append(np.asarray(part.coords)[:, :2])
            elif part.geom_type == "Polygon":
                lines += [np.asarray(r.coords)[:, :2] for r in (part.exterior, *part.interiors)]
    return lines


def _draw_base(ax: Axes, counties: gpd.GeoDataFrame, focus: gpd.GeoDataFrame | None) -> None:
    """Counties in one neutral style: a light land fill and grey edges, focus heavier."""
    polygons = [p for g in counties.geometry for p in _parts(g) if p.geom_type == "Polygon"]
    ax.add_patch(PathPatch(_polygon_path(polygons), facecolor=LAND_COLOR,
                           edgecolor=OUTLINE_COLOR, linewidth=0.5, zorder=1))  # fmt: skip
    if focus is not None and len(focus):
        ax.add_collection(LineCollection(_lines_of(focus.geometry), colors=FOCUS_COLOR,
                                         linewidths=1.2, zorder=2))  # fmt: skip


def _project_style(row: Any, status_column: str) -> tuple[str, str, float, bool]:
    """Stage, edge colour, alpha and hollowness of one project, as on the web map."""
    stage = _stage(getattr(row, status_column, None))
    overdue = bool(getattr(row, "overdue", False) is True)
    ahead = _rank(getattr(row, "target_stage", None)) > _rank(stage)
    edge = OVERDUE_COLOR if overdue else STATUS_COLORS[stage]
    return stage, edge, 0.5 if ahead and not overdue else 1.0, ahead


def _draw_projects(ax: Axes, shown: gpd.GeoDataFrame, status_column: str) -> None:
    """Located projects (not the area ones): filled polygons, lines, then points on top."""
    for row in shown.itertuples():
        stage, edge, alpha, hollow = _project_style(row, status_column)
        colour = STATUS_COLORS[stage]
        parts = list(_parts(row.geometry))
        polygons = [p for p in parts if p.geom_type == "Polygon"]
        if polygons:
            ax.add_patch(PathPatch(_polygon_path(polygons), facecolor=colour,
                                   alpha=0.35 * alpha, edgecolor=edge, linewidth=1.0,
                                   zorder=3))  # fmt: skip
        lines = [np.asarray(p.coords)[:, :2] for p in parts if p.geom_type == "LineString"]
        if lines:
            ax.add_collection(LineCollection(lines, colors=edge, linewidths=2.2, alpha=alpha,
                                             linestyles=_dash(stage), zorder=4,
                                             capstyle="round"))  # fmt: skip
        points = np.array([p.coords[0][:2] for p in parts if p.geom_type == "Point"])
        if len(points):
            ring = row.precision == "near"  # the township, not the facility itself
            face = "none" if hollow else colour
            ax.scatter(points[:, 0], points[:, 1], s=36, facecolors=face, edgecolors=edge,
                       linewidths=1.5, alpha=(0.55 if ring and not hollow else 1) * alpha,
                       zorder=5)  # fmt: skip


def unit_name(geometry: Any, counties: gpd.GeoDataFrame) -> tuple[str, bool]:
    """The county or prefecture an area-precision project's outline is, and whether it is a
    prefecture: the counties whose inner point it holds, one (a county) or many."""
    inner = counties.geometry.representative_point()
    held = counties[inner.within(geometry.buffer(1.0)).to_numpy()]
    if len(held) == 1:
        return str(held["name"].iloc[0]), False
    if len(held) and "prefecture" in held:
        return str(held["prefecture"].mode().iloc[0]), True
    return "", len(held) > 1


def _badge_spot(
    ax: Axes, visible: Any, radius: float, taken: Sequence[Bbox], *, tag_px: float = 0.0
) -> tuple[float, float, Bbox]:
    """A place for a badge inside ``visible``, clear of the names and badges already drawn.

    ``tag_px`` is the width of the tag beside it (a prefecture's name), kept clear too.
    """
    x0, y0 = visible.representative_point().coords[0]
    steps = [(0, 0)] + [(dx, dy) for k in (1, 2, 3)
                        for dx, dy in ((0, -k), (0, k), (k, 0), (-k, 0))]  # fmt: skip
    first = None
    for dx, dy in steps:
        x, y = x0 + dx * 2.4 * radius, y0 + dy * 2.4 * radius
        corners = ax.transData.transform([(x - radius, y - radius), (x + radius, y + radius)])
        corners[1][0] += tag_px
        box = Bbox(corners)
        first = first or (x, y, box)
        if visible.contains(shapely.Point(x, y)) and not any(box.overlaps(t) for t in taken):
            return x, y, box
    assert first is not None
    return first


def _draw_badges(
    ax: Axes,
    areas: gpd.GeoDataFrame,
    status_column: str,
    *,
    frame: Any,
    counties: gpd.GeoDataFrame,
    lang: str,
    taken: list[Bbox],
) -> None:
    """One dashed outline and one count badge per unit carrying area-precision projects.

    The badge's ring is split by stage, in the stage order and colours of the
    map, and its rim is red when any of them is overdue; its number is how many
    projects the unit carries. A prefecture's badge
    is captioned with its name: it would otherwise read as the county it sits in.
    Each badge's box is added to ``taken``.
    """
    if areas.empty:
        return
    keys = shapely.to_wkb(np.asarray(areas.geometry, dtype=object))
    radius = 0.018 * (frame.bounds[2] - frame.bounds[0])
    renderer = ax.get_figure().canvas.get_renderer()  # type: ignore[union-attr]
    for key in pd.unique(pd.Series(keys, dtype=object)):
        group = areas[keys == key]
        geometry = group.geometry.iloc[0]
        ax.add_collection(LineCollection(_lines_of([geometry]), colors=AREA_COLOR,
                                         linewidths=1.0, linestyles=(0, (4, 3)),
                                         zorder=2.5))  # fmt: skip
        visible = geometry.intersection(frame)
        if visible.is_empty:
            continue
        name, prefecture = unit_name(geometry, counties)
        tag = None
        if prefecture and name:
            # Tagged as on the web map ("全达州市"), beside the badge.
            tag = ax.text(0, 0, translate("map_unit_tag", lang, name=name), ha="left",
                          va="center", fontsize=7, fontweight="bold", color=TEXT_COLOR,
                          zorder=7, bbox=_TAG, **_PLAIN_TEXT)  # fmt: skip
        tag_px = tag.get_window_extent(renderer).width * 1.3 if tag is not None else 0.0
        x, y, box = _badge_spot(ax, visible, radius, taken, tag_px=tag_px)
        if tag is not None:
            tag.set_position((x + radius * 1.25, y))
        counts = pd.Series([_stage(v) for v in group[status_column]]).value_counts()
        start, wedges = 90.0, []
        for stage in LEGEND_ORDER:
            if stage in counts:
                sweep = 360.0 * counts[stage] / len(group)
                wedges.append(Wedge((x, y), radius, start - sweep, start, width=radius * 0.38,
                                    facecolor=STATUS_COLORS[stage], edgecolor="white",
                                    linewidth=0.6))  # fmt: skip
                start -= sweep
        late = "overdue" in group and bool(group["overdue"].fillna(False).astype(bool).any())
        ax.add_patch(Circle((x, y), radius, facecolor="white", zorder=6,
                            edgecolor=OVERDUE_COLOR if late else AREA_COLOR,
                            linewidth=1.6 if late else 0.8))  # fmt: skip
        ax.add_collection(PatchCollection(wedges, match_original=True, zorder=6.5))
        ax.text(x, y, str(len(group)), ha="center", va="center", fontsize=7.5,
                fontweight="bold", color=TEXT_COLOR, zorder=7, **_PLAIN_TEXT)  # fmt: skip
        taken.append(box)


def label_anchor(geometry: Any, frame: Any) -> tuple[float, float] | None:
    """Where a project's name goes: a point, or the middle of its line inside the frame."""
    visible = geometry.intersection(frame)
    if visible.is_empty:
        return None
    lines = [p for p in _parts(visible) if p.geom_type == "LineString"]
    if lines:
        longest = max(lines, key=lambda line: line.length)
        point = longest.interpolate(0.5, normalized=True)
    else:
        point = visible.representative_point()
    return float(point.x), float(point.y)


_OFFSETS = ((6, 0, "left", "center"), (-6, 0, "right", "center"), (0, 6, "center", "bottom"),
            (0, -6, "center", "top"))  # fmt: skip
"""Label positions tried around an anchor, in points: right, left, above, below."""
_CENTRED = ((0, 0, "center", "center"), (0, 12, "center", "bottom"), (0, -12, "center", "top"))
"""A place's name goes on the place, else just above or below it."""


def place_labels(
    ax: Axes,
    anchors: Sequence[tuple[str, float, float]],
    *,
    obstacles: Sequence[Bbox] = (),
    limit: int = LABEL_LIMIT,
    fontsize: float = 7.0,
    color: str = TEXT_COLOR,
    offsets: Sequence[tuple[float, float, str, str]] = _OFFSETS,
    backing: bool = True,
) -> list[Bbox]:
    """Draw names at their anchors without overlaps; return the boxes of those drawn.

    Greedy, in the given order (most important first): each name tries four
    positions around its anchor and keeps the first whose box lies inside the
    map and clear of every box already taken; a name with no such position is
    left out, and at most ``limit`` are drawn. ``backing`` puts a light box behind
    each name (project names cross lines; place names sit on the plain land).
    """
    figure = ax.get_figure()
    assert isinstance(figure, Figure)
    renderer = figure.canvas.get_renderer()  # type: ignore[attr-defined]
    inside = ax.get_window_extent(renderer)
    taken: list[Bbox] = list(obstacles)
    placed: list[Bbox] = []
    for text, x, y in anchors:
        if len(placed) >= limit:
            break
        px, py = ax.transData.transform((x, y))
        if not inside.contains(px, py):
            continue
        for dx, dy, ha, va in offsets:
            label = ax.annotate(text, (x, y), xytext=(dx, dy), textcoords="offset points",
                                ha=ha, va=va, fontsize=fontsize, color=color, zorder=8,
                                bbox=_BACKING if backing else None, annotation_clip=False,
                                **_PLAIN_TEXT)  # fmt: skip
            box = label.get_window_extent(renderer).expanded(1.06, 1.12)
            within = Bbox.intersection(box, inside)
            clear = within is not None and np.allclose(within.bounds, box.bounds)
            clear = clear and not any(box.overlaps(t) for t in taken)
            if clear:
                taken.append(box)
                placed.append(box)
                break
            label.remove()
    return placed


def _label_order(shown: gpd.GeoDataFrame, status_column: str) -> gpd.GeoDataFrame:
    """Most important names first: further stages, then lines before points, longer first."""
    kinds = shown.geometry.geom_type.str.contains("Line").map({True: 0, False: 1})
    order = pd.DataFrame({
        "rank": [-_rank(v) for v in shown[status_column]],
        "kind": kinds.to_numpy(),
        "length": -shown.geometry.length.to_numpy(),
        "name": shown["name"].astype(str).to_numpy(),
    }, index=shown.index).sort_values(["rank", "kind", "length", "name"])  # fmt: skip
    return shown.loc[order.index]


def _scale_bar(ax: Axes, *, width_m: float, obstacles: list[Bbox]) -> None:
    """A bar of a round length at the lower left, in the axes' metric units."""
    target = width_m / 5
    length = max(v for v in (1e3, 2e3, 5e3, 1e4, 2e4, 5e4, 1e5, 2e5) if v <= max(target, 1e3))
    x0, x1 = ax.get_xlim()
    y0, y1 = ax.get_ylim()
    left, bottom = x0 + (x1 - x0) * 0.03, y0 + (y1 - y0) * 0.035
    ax.plot([left, left + length], [bottom, bottom], color="black", linewidth=3,
            solid_capstyle="butt", zorder=9, path_effects=_HALO)  # fmt: skip
    label = ax.text(left + length / 2, bottom + (y1 - y0) * 0.012, f"{length / 1000:.0f} km",
                    ha="center", va="bottom", fontsize=9, zorder=9, bbox=_BACKING)  # fmt: skip
    corner = ax.transData.transform([(left, bottom), (left + length, bottom)])
    figure = ax.get_figure()
    assert isinstance(figure, Figure)
    text_box = label.get_window_extent(figure.canvas.get_renderer())  # type: ignore[attr-defined]
    obstacles.append(Bbox.union([Bbox([corner[0] - 6, corner[1] + 6]), text_box]))


def _north_arrow(ax: Axes, obstacles: list[Bbox]) -> None:
    arrow = ax.annotate("N", xy=(0.965, 0.95), xytext=(0.965, 0.86), xycoords="axes fraction",
                        ha="center", va="center", fontsize=14, fontweight="bold", zorder=9,
                        arrowprops={"facecolor": "black", "width": 4, "headwidth": 12})  # fmt: skip
    figure = ax.get_figure()
    assert isinstance(figure, Figure)
    box = arrow.get_window_extent(figure.canvas.get_renderer())  # type: ignore[attr-defined]
    top = ax.transAxes.transform((0.965, 0.95))
    obstacles.append(Bbox([[box.x0 - 8, box.y0 - 4], [box.x1 + 8, top[1] + 4]]))


def legend_handles(lang: str, *, columns: int = 200, focus: bool = True) -> list[Line2D]:
    """Legend entries: each stage in the map's order and colour, then the other marks.

    Labels are wrapped to ``columns`` (a CJK character counts two), the width of
    the panel they go in; ``focus`` adds the outline of the counties in view.
    """
    handles = [Line2D([], [], color=STATUS_COLORS[s], linewidth=2.5, linestyle=_dash(s),
                      marker="o", markersize=4.5, label=translate(s, lang))
               for s in LEGEND_ORDER]  # fmt: skip
    handles.append(Line2D([], [], color=STATUS_COLORS[UNREPORTED], marker="o", alpha=0.5,
                          markerfacecolor="none", linestyle="none",
                          label=translate("legend_target", lang)))  # fmt: skip
    handles.append(Line2D([], [], color=OVERDUE_COLOR, linewidth=2.5,
                          label=translate("overdue", lang)))  # fmt: skip
    handles.append(Line2D([], [], color=AREA_COLOR, marker="o", markersize=9,
                          markerfacecolor="white", linestyle=(0, (3, 2)), linewidth=1,
                          label=translate("figure_badge", lang)))  # fmt: skip
    if focus:
        handles.append(Line2D([], [], color=FOCUS_COLOR, linewidth=1.2,
                              label=translate("figure_counties", lang)))  # fmt: skip
    for handle in handles:
        handle.set_label("\n".join(wrap_text(str(handle.get_label()), width=columns,
                                              balanced=True)))  # fmt: skip
    return handles


def _fit_title(fig: Figure, title: str, *, width_in: float) -> None:
    """The title on one line, smaller (down to 11 pt) and then shortened if it must be."""
    renderer = fig.canvas.get_renderer()  # type: ignore[attr-defined]
    text = fig.text(0.5, 1 - (MARGIN_MM + 6) / (fig.get_figheight() * MM_PER_INCH), title,
                    ha="center", va="center", fontsize=17, fontweight="bold", color=TEXT_COLOR,
                    **_PLAIN_TEXT)  # fmt: skip
    limit = width_in * fig.dpi
    size = 17.0
    while text.get_window_extent(renderer).width > limit and size > 11:
        size -= 1
        text.set_fontsize(size)
    shown = title
    while text.get_window_extent(renderer).width > limit and len(shown) > 4:
        shown = shown[:-2]
        text.set_text(shown + "…")


@contextmanager
def _new_figure(layout: Layout, dpi: int) -> Iterator[Figure]:
    """An A4 figure that pyplot forgets afterwards, even when drawing it failed.

    The portal is a long-running server: a figure left open in pyplot's registry
    (after an exception, say) would hold its memory for the life of the process.
    """
    fig = plt.figure(figsize=(layout.page[0] / MM_PER_INCH, layout.page[1] / MM_PER_INCH),
                     dpi=dpi)  # fmt: skip
    try:
        yield fig
    finally:
        plt.close(fig)


def figure_bytes(
    selected: gpd.GeoDataFrame,
    *,
    counties: gpd.GeoDataFrame,
    focus: gpd.GeoDataFrame | None,
    title: str,
    lang: str,
    sources: str,
    fmt: str = "png",
    dpi: int = DPI,
) -> bytes:
    """Render the selection on an A4 page as PNG, PDF (or SVG) and return the file's bytes.

    Parameters
    ----------
    selected
        The view's projects (EPSG:4326): ``name``, ``precision``, ``known_stage``
        (or ``status``), optionally ``overdue`` and ``target_stage``.
    counties, focus
        The area's county outlines (context) and those of the view, if it names any.
    title, sources
        The view in words, and the sources
        (:func:`portal.figurepage.sources_text`); both plain text.
    fmt, dpi
        The file format and, for PNG, its resolution.
    """
    family = cjk_font()
    frame = focus if focus is not None and len(focus) else counties
    crs = frame.estimate_utm_crs()
    base = counties.to_crs(crs)
    focus_m = focus.to_crs(crs) if focus is not None and len(focus) else None
    bounds = selection_bounds(selected.to_crs(crs), counties=base, focus=focus_m)
    layout = page_layout((bounds[2] - bounds[0]) / max(bounds[3] - bounds[1], 1.0))
    minx, miny, maxx, maxy = grow_to_aspect(bounds, layout.map_aspect)
    box = shapely.box(minx, miny, maxx, maxy)
    tolerance = (maxx - minx) / 4000  # finer than a printed line: only lighter to draw
    status_column = "known_stage" if "known_stage" in selected else "status"
    located = selected[selected.geometry.notna() & ~selected.geometry.is_empty].to_crs(crs)
    located = located[located.intersects(box)]
    located = located.set_geometry(located.geometry.simplify(tolerance))
    areas = located[located["precision"].isin(AREA_PRECISIONS)]
    places = located[~located["precision"].isin(AREA_PRECISIONS)]
    shown_base = base[base.intersects(box)]
    shown_base = shown_base.set_geometry(shown_base.geometry.simplify(tolerance))
    # No text of this figure is math: none goes to mathtext or TeX, whatever a site
    # matplotlibrc says (each text that carries outside words says so again).
    with (
        plt.rc_context({"text.usetex": False, "text.parse_math": False}),
        plt.rc_context({"font.family": family} if family else {}),
        _new_figure(layout, dpi) as fig,
    ):
        ax = fig.add_axes(layout.fraction(layout.map))
        ax.set_xlim(minx, maxx)
        ax.set_ylim(miny, maxy)
        ax.set_aspect("equal", adjustable="box")
        ax.set_xticks([])
        ax.set_yticks([])
        for spine in ax.spines.values():
            spine.set_color(MUTED_COLOR)
            spine.set_linewidth(0.8)
        _draw_base(ax, shown_base, focus_m.set_geometry(focus_m.geometry.simplify(tolerance))
                   if focus_m is not None else None)  # fmt: skip
        taken: list[Bbox] = []
        _scale_bar(ax, width_m=maxx - minx, obstacles=taken)
        _north_arrow(ax, taken)
        # Names of places first (a room orients by them), then badges around them, then
        # the projects' names wherever they still fit.
        names = focus_m if focus_m is not None else shown_base
        county_anchors = [(str(r.name), *r.geometry.intersection(box).representative_point()
                           .coords[0]) for r in names.itertuples()
                          if not r.geometry.intersection(box).is_empty]  # fmt: skip
        taken += place_labels(ax, county_anchors, obstacles=taken, limit=40, fontsize=8.5,
                              color=MUTED_COLOR, offsets=_CENTRED, backing=False)  # fmt: skip
        _draw_badges(ax, areas, status_column, frame=box, counties=base, lang=lang, taken=taken)
        _draw_projects(ax, places, status_column)
        ordered = _label_order(places, status_column)
        anchors = [(str(row.name), *xy) for row in ordered.itertuples()
                   if (xy := label_anchor(row.geometry, box)) is not None]  # fmt: skip
        labelled = place_labels(ax, anchors, obstacles=taken)
        unlabelled = len(anchors) - len(labelled)
        _side_panels(fig, layout, lang=lang, sources=sources, unlabelled=unlabelled,
                     focus=focus_m is not None)  # fmt: skip
        _fit_title(fig, title, width_in=(layout.page[0] - 2 * MARGIN_MM) / MM_PER_INCH)
        buffer = io.BytesIO()
        fig.savefig(buffer, format=fmt, dpi=dpi)
    return buffer.getvalue()


def _side_panels(
    fig: Figure, layout: Layout, *, lang: str, sources: str, unlabelled: int, focus: bool
) -> None:
    """The legend, then the notes: unlabelled names, sources and the point credits.

    The notes take the room the legend leaves (under it on a landscape page),
    wrapped to the panel's width and set smaller if they would run off it.
    """
    legend_ax = fig.add_axes(layout.fraction(layout.legend))
    legend_ax.set_axis_off()
    em = 8 / 72 * MM_PER_INCH  # the labels' size, in mm
    columns = int(2 * (layout.legend[2] - 3.6 * em) / em)
    handles = legend_handles(lang, columns=columns, focus=focus)
    legend = legend_ax.legend(handles=handles, loc="upper left", fontsize=8,
                              title=translate("legend", lang), title_fontsize=9.5,
                              alignment="left", frameon=False, borderaxespad=0,
                              handlelength=2.6, labelspacing=0.55)  # fmt: skip
    for text in legend.get_texts():
        text.set_parse_math(False)
    left, bottom, width, height = layout.notes
    if layout.stacked:
        renderer = fig.canvas.get_renderer()  # type: ignore[attr-defined]
        legend_bottom_in = legend.get_window_extent(renderer).y0 / fig.dpi
        height = legend_bottom_in * MM_PER_INCH - GAP_MM - bottom
    notes = [translate("legend_route", lang)]
    if unlabelled > 0:
        notes.append(translate("figure_unlabelled", lang, n=unlabelled))
    words = "\n".join([*notes, "", source_line(sources)])
    size = 6.5
    while True:
        # A CJK character is about one em wide: how many fit across the panel.
        columns = int(2 * width / (size / 72 * MM_PER_INCH))
        lines = wrap_text(words, width=columns)
        needed = len(lines) * size * 1.35 / 72 * MM_PER_INCH
        if needed <= height or size <= 4.5:
            break
        size -= 0.5
    fig.text(left / layout.page[0], (bottom + height) / layout.page[1], "\n".join(lines),
             ha="left", va="top", fontsize=size, color=MUTED_COLOR, linespacing=1.35,
             **_PLAIN_TEXT)  # fmt: skip
