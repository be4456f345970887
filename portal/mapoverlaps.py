"""Projects that share a place on the map: side by side, never one over another; and their labels.

Schematic routes run through the same named nodes, so 成达万高铁 and 达万铁路扩能改造
share the stretch 达州站→万州北站 exactly, and two projects named after one township
share its point. Drawn on top of each other, a dashed orange line over a solid green
one reads as a style the legend lacks, and only the top project answers the mouse.
So lines that share any segment are drawn a few pixels apart (each keeps its own
stage style along its whole length), and points at one spot are set around it; the
offsets are in screen pixels, so they hold at every zoom. A click on such a spot
still lists every project there (the browser side).

Project labels (presentation mode) need one anchor per project and an order in
which they claim room: :func:`label_candidates`.

Pure functions, done once per store (the offsets) or per view (the label order).
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import shapely

LINE_SPACING_PX = 6
"""Distance between parallel lines on a shared stretch: a 4 px line and a 2 px gap."""
POINT_SPREAD_PX = 8
"""Distance from the shared spot to each of the points set around it (their radius is 7)."""
_GRID = 1e5  # coordinates compare at about a metre (the display rounding)
STAGE_RANK = {"completed": 4, "under_construction": 3, "preparatory": 2, "proposed": 1}
"""Label priority: a reported stage first, the most advanced first; no report last."""
MAX_LABEL_CANDIDATES = 2000
"""Anchors sent with a view; the browser shows at most a few dozen of them at a time."""


def _kind(geometries: np.ndarray) -> np.ndarray:
    return shapely.get_type_id(geometries)


def line_offsets(geometries: np.ndarray) -> np.ndarray:
    """Per geometry, how many pixels to the side its line is drawn (0: not shared, not a line).

    Two lines share a stretch when they have a segment with the same two ends
    (rounded to about a metre). Lines that share are given different slots
    greedily, each the smallest slot its partners do not use, and the slots of
    a group are centred on the true line: two lines go 3 px either side, three
    go left, centre and right.
    """
    offsets = np.zeros(len(geometries), dtype=np.int64)
    lines = np.flatnonzero(np.isin(_kind(geometries), (1, 5)))  # LineString, MultiLineString
    if len(lines) < 2:
        return offsets
    parts, owner = shapely.get_parts(geometries[lines], return_index=True)
    coords, part = shapely.get_coordinates(parts, return_index=True)
    grid = np.round(coords * _GRID).astype(np.int64)
    same = part[:-1] == part[1:]
    a, b = grid[:-1][same], grid[1:][same]
    flip = (a[:, 0] > b[:, 0]) | ((a[:, 0] == b[:, 0]) & (a[:, 1] > b[:, 1]))
    first = np.where(flip[:, None], b, a)
    second = np.where(flip[:, None], a, b)
    segments = pd.DataFrame({"x1": first[:, 0], "y1": first[:, 1], "x2": second[:, 0],
                             "y2": second[:, 1], "line": owner[part[:-1][same]]})  # fmt: skip
    segments = segments.drop_duplicates()
    shared = segments[segments.duplicated(["x1", "y1", "x2", "y2"], keep=False)]
    if shared.empty:
        return offsets
    partners: dict[int, set[int]] = {}
    for _, group in shared.groupby(["x1", "y1", "x2", "y2"])["line"]:
        members = set(group.tolist())
        for member in members:
            partners.setdefault(member, set()).update(members - {member})
    slots: dict[int, int] = {}
    for line in sorted(partners):
        taken = {slots[p] for p in partners[line] if p in slots}
        slots[line] = next(s for s in range(len(taken) + 1) if s not in taken)
    for line, slot in slots.items():
        width = max(slots[p] for p in (partners[line] | {line})) + 1
        offsets[lines[line]] = (2 * slot - (width - 1)) * LINE_SPACING_PX // 2
    return offsets


def point_spreads(geometries: np.ndarray) -> np.ndarray:
    """Per geometry, the pixel shift ``(dx, dy)`` that sets shared points around their spot.

    Points at the same spot (to about a metre) are set on a small circle around
    it, the first above; a point alone stays where it is.
    """
    shifts = np.zeros((len(geometries), 2), dtype=np.int64)
    points = np.flatnonzero(_kind(geometries) == 0)
    if len(points) < 2:
        return shifts
    xy = np.round(shapely.get_coordinates(geometries[points]) * _GRID).astype(np.int64)
    frame = pd.DataFrame({"x": xy[:, 0], "y": xy[:, 1], "row": points})
    for _, group in frame[frame.duplicated(["x", "y"], keep=False)].groupby(["x", "y"]):
        n = len(group)
        angles = np.pi / 2 + 2 * np.pi * np.arange(n) / n
        radius = POINT_SPREAD_PX if n == 2 else POINT_SPREAD_PX + n
        shifts[group["row"].to_numpy(), 0] = np.round(radius * np.cos(angles))
        shifts[group["row"].to_numpy(), 1] = -np.round(radius * np.sin(angles))  # screen y down
    return shifts


def label_anchors(geometries: np.ndarray) -> np.ndarray:
    """Where each project's label is anchored, ``(lon, lat)``; NaN for areas (they have badges).

    A point is labelled at itself, a line at the middle of its longest part.
    """
    anchors = np.full((len(geometries), 2), np.nan)
    kinds = _kind(geometries)
    points = np.flatnonzero(kinds == 0)
    if len(points):
        anchors[points] = shapely.get_coordinates(geometries[points])
    lines = np.flatnonzero(np.isin(kinds, (1, 5)))
    if len(lines):
        longest = [max(shapely.get_parts(g), key=lambda p: p.length) for g in geometries[lines]]
        middle = shapely.line_interpolate_point(np.array(longest, dtype=object), 0.5,
                                                normalized=True)  # fmt: skip
        anchors[lines] = shapely.get_coordinates(middle)
    multipoints = np.flatnonzero(kinds == 4)
    for row in multipoints.tolist():
        first = shapely.get_parts(geometries[row])
        if len(first):
            anchors[row] = shapely.get_coordinates(first[0])[0]
    return np.round(anchors, 5)


def label_candidates(
    anchors: np.ndarray, stages: np.ndarray, names: np.ndarray
) -> list[list[float]]:
    """The drawn projects' labels in the order they claim room: ``[[position, lon, lat], …]``.

    ``anchors``, ``stages`` (codes, or None) and ``names`` are per drawn feature
    (by position). A reported stage comes first, the most advanced first, then
    shorter names (they fit where long ones collide); areas (NaN anchors) have
    no label. The browser places them greedily, skipping any that would overlap
    one already placed, and shows a few dozen per view at most.
    """
    keep = np.flatnonzero(~np.isnan(anchors[:, 0]))
    if not len(keep):
        return []
    rank = np.array([-STAGE_RANK.get(str(s), 0) for s in stages[keep]])
    length = np.array([len(str(n)) for n in names[keep]])
    order = keep[np.lexsort((keep, length, rank))][:MAX_LABEL_CANDIDATES]
    return [[int(i), float(anchors[i, 0]), float(anchors[i, 1])] for i in order.tolist()]
