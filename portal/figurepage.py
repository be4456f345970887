"""The A4 page of the exported figure: its orientation, layout and frame, and its words.

:mod:`portal.figure` draws; this module decides where on the page things go and
what the text says. The page is true A4, turned to the selection's shape
(:func:`page_layout`), and the map's frame is grown to the map panel's shape
(:func:`grow_to_aspect`) so no part of the panel is left blank. The sources name
each document by issuer, title and date (:func:`sources_text`), and long lines
are wrapped here (:func:`wrap_text`): matplotlib wraps only at spaces, which
Chinese does not have.
"""

from __future__ import annotations

import math
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass

import geopandas as gpd
import pandas as pd

from layers.localities import ATTRIBUTION
from portal.i18n import translate

MM_PER_INCH = 25.4
A4_MM = (297.0, 210.0)
MAX_SOURCE_DOCUMENTS = 8
"""Documents listed by name in the sources; more are counted."""


@dataclass(frozen=True)
class Layout:
    """Where things go on the page, in millimetres from the lower left.

    Each rectangle is ``(left, bottom, width, height)``. ``legend`` is the panel
    beside (landscape) or under (portrait) the map; ``notes`` (what went
    unlabelled, the sources, the credits) follow the legend: under it in a
    landscape column, beside it in a portrait band.
    """

    page: tuple[float, float]
    map: tuple[float, float, float, float]
    legend: tuple[float, float, float, float]
    notes: tuple[float, float, float, float]
    stacked: bool
    """Notes under the legend (their top follows the legend's height), else beside it."""

    @property
    def map_aspect(self) -> float:
        """Width over height of the map panel."""
        return self.map[2] / self.map[3]

    def fraction(
        self, rect: tuple[float, float, float, float]
    ) -> tuple[float, float, float, float]:
        """``rect`` in figure fractions, as ``Figure.add_axes`` takes it."""
        w, h = self.page
        return (rect[0] / w, rect[1] / h, rect[2] / w, rect[3] / h)


MARGIN_MM, TITLE_BAND_MM, GAP_MM = 8.0, 16.0, 6.0
_SIDE = 62.0  # the landscape page's legend column
_BAND = 56.0  # the portrait page's legend band
_MAP_TOP = A4_MM[1] - MARGIN_MM - TITLE_BAND_MM
LANDSCAPE = Layout(
    page=A4_MM,
    map=(MARGIN_MM, MARGIN_MM, A4_MM[0] - 2 * MARGIN_MM - _SIDE - GAP_MM, _MAP_TOP - MARGIN_MM),
    legend=(A4_MM[0] - MARGIN_MM - _SIDE, MARGIN_MM, _SIDE, _MAP_TOP - MARGIN_MM),
    notes=(A4_MM[0] - MARGIN_MM - _SIDE, MARGIN_MM, _SIDE, _MAP_TOP - MARGIN_MM),
    stacked=True,
)
PORTRAIT = Layout(
    page=(A4_MM[1], A4_MM[0]),
    map=(MARGIN_MM, MARGIN_MM + _BAND + GAP_MM, A4_MM[1] - 2 * MARGIN_MM,
         A4_MM[0] - 2 * MARGIN_MM - TITLE_BAND_MM - _BAND - GAP_MM),
    legend=(MARGIN_MM, MARGIN_MM, 80.0, _BAND),
    notes=(MARGIN_MM + 80.0 + GAP_MM, MARGIN_MM, A4_MM[1] - 2 * MARGIN_MM - 80.0 - GAP_MM, _BAND),
    stacked=False,
)  # fmt: skip


def page_layout(extent_aspect: float) -> Layout:
    """Landscape or portrait A4, whichever map panel is nearer the extent's shape."""
    ratio = max(extent_aspect, 1e-6)
    return min((LANDSCAPE, PORTRAIT), key=lambda lay: abs(math.log(ratio / lay.map_aspect)))


def grow_to_aspect(
    bounds: Sequence[float], aspect: float, *, pad: float = 0.03
) -> tuple[float, float, float, float]:
    """``bounds`` padded and grown about its centre to width/height ``aspect``.

    The map panel has a fixed shape; a frame of another shape would leave part
    of it blank (40 % of the page for 达州). Grown, the same part of the page
    shows the neighbouring counties instead.
    """
    minx, miny, maxx, maxy = bounds
    width = max(maxx - minx, 1.0)
    height = max(maxy - miny, 1.0)
    width, height = width * (1 + 2 * pad), height * (1 + 2 * pad)
    if width / height < aspect:
        width = height * aspect
    else:
        height = width / aspect
    cx, cy = (minx + maxx) / 2, (miny + maxy) / 2
    return cx - width / 2, cy - height / 2, cx + width / 2, cy + height / 2


def selection_bounds(
    selected: gpd.GeoDataFrame, *, counties: gpd.GeoDataFrame, focus: gpd.GeoDataFrame | None
) -> tuple[float, float, float, float]:
    """The part of the world the figure is about, in the frames' CRS.

    The counties in view when the view names some; else what the selection
    draws, kept within the area's counties (a route to a far city must not
    shrink the area to a corner); the whole area when nothing is drawn.
    """
    if focus is not None and len(focus):
        return tuple(float(v) for v in focus.total_bounds)  # type: ignore[return-value]
    area = tuple(float(v) for v in counties.total_bounds)
    drawn = selected.geometry[selected.geometry.notna() & ~selected.geometry.is_empty]
    if drawn.empty:
        return area  # type: ignore[return-value]
    minx, miny, maxx, maxy = drawn.to_crs(counties.crs).total_bounds
    box = (max(minx, area[0]), max(miny, area[1]), min(maxx, area[2]), min(maxy, area[3]))
    return box if box[0] < box[2] and box[1] < box[3] else area  # type: ignore[return-value]


def _width(char: str) -> int:
    return 2 if unicodedata.east_asian_width(char) in "WF" else 1


def _breakable(char: str) -> bool:
    """Whether a line may end after ``char``: a space, or any CJK character or punctuation."""
    return char == " " or _width(char) == 2


def wrap_text(text: str, *, width: int, balanced: bool = False) -> list[str]:
    """Lines of at most ``width`` columns (a CJK character is two).

    Matplotlib wraps only at spaces, and Chinese has none: a line may end after
    any CJK character; a Latin word or a date ("2021-12-06") is kept whole
    unless it is longer than a third of the line. ``balanced`` evens the lines
    out (no lone character on the last one), for short labels.
    """
    lines = _wrap(text, width)
    if balanced and len(lines) > 1:
        total = sum(_width(c) for c in text)
        for narrower in range(-(-total // len(lines)), width):
            trial = _wrap(text, narrower)
            if len(trial) == len(lines):
                return trial
    return lines


def _wrap(text: str, width: int) -> list[str]:
    lines: list[str] = []
    for paragraph in text.split("\n"):
        line, used = "", 0
        for char in paragraph:
            if used + _width(char) > width and line:
                cut = max(i for i, c in enumerate(line) if _breakable(c) or i == 0)
                if _breakable(char) or len(line) - cut > width // 3 or cut == 0:
                    cut = len(line) - 1  # break here
                lines.append(line[: cut + 1].rstrip())
                line = line[cut + 1 :].lstrip()
                used = sum(_width(c) for c in line)
            if char == " " and not line:
                continue  # no line starts with the space it was broken at
            line += char
            used += _width(char)
        lines.append(line)
    return lines


def _cell(value: object) -> str:
    if value is None or (isinstance(value, float) and math.isnan(value)) or value is pd.NA:
        return ""
    return str(value).strip()


def document_line(document: pd.Series, *, lang: str) -> str:
    """One document as a reporter cites it: issuer, title, date."""
    issuer, title, issued = (_cell(document.get(k)) for k in ("issuer", "title", "issued"))
    return translate("figure_document", lang, issuer=issuer or "—", title=title or "—",
                     date=issued or "—")  # fmt: skip


def sources_text(
    selected: pd.DataFrame,
    documents: pd.DataFrame,
    *,
    lang: str,
    boundaries: str,
    date: str,
) -> str:
    """The figure's sources: each document the selection cites, then boundaries and date.

    Documents are named by issuer, title and date (newest first), never by the
    store's ids ("规划文件 000, 001" told a reader nothing); past
    :data:`MAX_SOURCE_DOCUMENTS` the rest are counted.
    """
    ids = sorted({d for v in selected["doc_ids"].dropna() for d in str(v).split("|") if d})
    known = documents.set_index(documents["doc_id"].astype(str)) if len(documents) else None
    rows = [known.loc[i] for i in ids if known is not None and i in known.index]
    rows.sort(key=lambda r: _cell(r.get("issued")), reverse=True)
    lines = [translate("figure_sources_head", lang)]
    lines += [f"· {document_line(r, lang=lang)}" for r in rows[:MAX_SOURCE_DOCUMENTS]]
    missing = [i for i in ids if known is None or i not in known.index]
    lines += [f"· {translate('figure_document_id', lang, doc_id=i)}" for i in missing]
    if len(rows) > MAX_SOURCE_DOCUMENTS:
        lines.append(translate("figure_more_documents", lang, n=len(rows)))
    lines.append(translate("figure_boundaries", lang, boundaries=boundaries, date=date))
    return "\n".join(lines)


def source_line(sources: str) -> str:
    """The figure's foot: the caller's sources, then the point-data credits on their own line."""
    credits = "; ".join(ATTRIBUTION)
    return f"{sources}\n{credits}" if sources else credits
