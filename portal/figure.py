"""Print-quality figures of the current selection, for slides and reports (PNG, PDF).

The figure is drawn with geopandas and matplotlib in a metric projection (the UTM
zone of the area), so the scale bar is true: county outlines, the projects styled
as on the map, a legend, a title saying what is shown, a scale bar, a north arrow
and the data sources, always ending with the credits of the township, village
and station points (:data:`layers.localities.ATTRIBUTION`), whose licences ask
for them wherever the points are shown. Chinese text needs a CJK font: the
set-up installs Noto Sans CJK (Debian ``fonts-noto-cjk``), found by name here.

The title and the source line carry text a link or a document chose (the search
words, document ids), so they are drawn as plain text: never parsed as mathtext
(``$\\frac$`` would raise, ``$…$`` would be typeset) nor handed to TeX.
"""

from __future__ import annotations

import io
import logging
from collections.abc import Iterator
from contextlib import contextmanager
from functools import cache
from typing import Any

import geopandas as gpd
import matplotlib

matplotlib.use("Agg")  # no screen: render to files only

import matplotlib.pyplot as plt
from matplotlib import font_manager
from matplotlib.axes import Axes
from matplotlib.figure import Figure
from matplotlib.lines import Line2D

from layers.localities import ATTRIBUTION
from portal.i18n import translate
from portal.projectmap import AREA_PRECISIONS, LINE_DASH, OVERDUE_COLOR, STATUS_COLORS

logger = logging.getLogger(__name__)

A4_LANDSCAPE_IN = (11.69, 8.27)
DPI = 200
# Text options for words from a link or a document: plain characters, no math, no TeX.
_PLAIN_TEXT: dict[str, Any] = {"parse_math": False, "usetex": False}
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


_RANK = {"proposed": 0, "preparatory": 1, "under_construction": 2, "completed": 3}


def _dash(status: str) -> Any:
    pattern = LINE_DASH.get(status)
    if pattern is None:
        return "solid"
    on, off = (float(v) for v in pattern.split())
    return (0, (on / 2, off / 2))


def _scale_bar(ax, *, width_m: float) -> None:
    """A bar of a round length at the lower left, in the axes' metric units."""
    target = width_m / 5
    length = max(v for v in (1e3, 2e3, 5e3, 1e4, 2e4, 5e4, 1e5, 2e5) if v <= max(target, 1e3))
    x0, x1 = ax.get_xlim()
    y0, y1 = ax.get_ylim()
    left, bottom = x0 + (x1 - x0) * 0.04, y0 + (y1 - y0) * 0.05
    ax.plot([left, left + length], [bottom, bottom], color="black", linewidth=3,
            solid_capstyle="butt")  # fmt: skip
    ax.text(left + length / 2, bottom + (y1 - y0) * 0.012, f"{length / 1000:.0f} km",
            ha="center", va="bottom", fontsize=9)  # fmt: skip


def _north_arrow(ax) -> None:
    ax.annotate("N", xy=(0.96, 0.94), xytext=(0.96, 0.84), xycoords="axes fraction",
                ha="center", va="center", fontsize=14, fontweight="bold",
                arrowprops={"facecolor": "black", "width": 4, "headwidth": 12})  # fmt: skip


@contextmanager
def _new_figure() -> Iterator[tuple[Figure, Axes]]:
    """An A4 figure that pyplot forgets afterwards, even when drawing it failed.

    The portal is a long-running server: a figure left open in pyplot's registry
    (after an exception, say) would hold its memory for the life of the process.
    """
    fig, ax = plt.subplots(figsize=A4_LANDSCAPE_IN, dpi=DPI)
    try:
        yield fig, ax
    finally:
        plt.close(fig)


def source_line(sources: str) -> str:
    """The figure's foot: the caller's sources, then the point-data credits on their own line."""
    credits = "; ".join(ATTRIBUTION)
    return f"{sources}\n{credits}" if sources else credits


def figure_bytes(
    selected: gpd.GeoDataFrame,
    *,
    counties: gpd.GeoDataFrame,
    focus: gpd.GeoDataFrame | None,
    title: str,
    lang: str,
    sources: str,
    fmt: str = "png",
) -> bytes:
    """Render the selection as a PNG or PDF (A4 landscape) and return the file's bytes."""
    family = cjk_font()
    frame = focus if focus is not None and len(focus) else counties
    crs = frame.estimate_utm_crs()
    base = counties.to_crs(crs)
    # No text of this figure is math: none goes to mathtext or TeX, whatever a site
    # matplotlibrc says (the title and sources say so again, as they carry outside words).
    with (
        plt.rc_context({"text.usetex": False, "text.parse_math": False}),
        plt.rc_context({"font.family": family} if family else {}),
        _new_figure() as (fig, ax),
    ):
        base.boundary.plot(ax=ax, color="#a0aec0", linewidth=0.5)
        if focus is not None and len(focus):
            focus.to_crs(crs).boundary.plot(ax=ax, color="#2d3748", linewidth=1.5)
        shown = selected[selected.geometry.notna()].to_crs(crs)
        # Colour = the stage documents reported by the view's year (never a plan);
        # a plan ahead of it draws hollow and faded, as on the map.
        status_column = "known_stage" if "known_stage" in shown else "status"
        for row in shown.itertuples():
            status = getattr(row, status_column)
            status = status if isinstance(status, str) and status else "unreported"
            color = STATUS_COLORS.get(status, STATUS_COLORS["unreported"])
            overdue = bool(row.overdue) if row.overdue is not None else False
            target = getattr(row, "target_stage", None)
            ahead = isinstance(target, str) and _RANK.get(target, -1) > _RANK.get(status, -1)
            alpha = 0.45 if ahead and not overdue else 1.0
            edge = OVERDUE_COLOR if overdue else color
            one = gpd.GeoSeries([row.geometry], crs=crs)
            if row.precision in AREA_PRECISIONS:
                one.boundary.plot(ax=ax, color=edge, linewidth=1.2, linestyle=(0, (3, 3)),
                                  alpha=alpha)  # fmt: skip
            elif row.geometry.geom_type.endswith("Point"):
                one.plot(ax=ax, color="none" if ahead else color, edgecolor=edge, markersize=40,
                         linewidth=1.5, zorder=5, alpha=alpha)  # fmt: skip
            else:
                one.plot(ax=ax, color=edge, linewidth=2.2, linestyle=_dash(status), zorder=4,
                         alpha=alpha)  # fmt: skip
        minx, miny, maxx, maxy = frame.to_crs(crs).total_bounds
        pad = 0.04 * max(maxx - minx, maxy - miny)
        ax.set_xlim(minx - pad, maxx + pad)
        ax.set_ylim(miny - pad, maxy + pad)
        ax.set_aspect("equal")
        ax.set_axis_off()
        handles = [Line2D([], [], color=c, linewidth=2.5, linestyle=_dash(s),
                          label=translate(s, lang)) for s, c in STATUS_COLORS.items()]  # fmt: skip
        handles.append(Line2D([], [], color=STATUS_COLORS["unreported"], marker="o",
                              markerfacecolor="none", linestyle="none", alpha=0.45,
                              label=translate("legend_target", lang)))  # fmt: skip
        handles.append(Line2D([], [], color=OVERDUE_COLOR, linewidth=2.5,
                              label=translate("overdue", lang)))  # fmt: skip
        handles.append(Line2D([], [], color="#4a5568", linewidth=1.2, linestyle=(0, (3, 3)),
                              label=translate("legend_area", lang)))  # fmt: skip
        ax.legend(handles=handles, loc="lower right", fontsize=9, frameon=True,
                  title=translate("legend", lang))  # fmt: skip
        _scale_bar(ax, width_m=maxx - minx)
        _north_arrow(ax)
        fig.suptitle(title, fontsize=18, fontweight="bold", **_PLAIN_TEXT)
        fig.text(0.01, 0.01, source_line(sources), fontsize=7, color="#4a5568", ha="left",
                 va="bottom", **_PLAIN_TEXT)  # fmt: skip
        buffer = io.BytesIO()
        fig.savefig(buffer, format=fmt, bbox_inches="tight")
    return buffer.getvalue()
