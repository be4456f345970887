"""Selections of projects: the filters the portal and the exports share, as pure functions.

A planning official asks for "these counties, as of this year, these layers and
stages". Each filter is a function over the projects GeoDataFrame of the store;
:func:`select_projects` combines them. County filtering is by what the text and
the geocoder tie a project to, plus, for lines, the counties the route crosses:
a county-wide or prefecture-wide polygon is never taken as crossing every county
it covers.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

import geopandas as gpd
import numpy as np
import pandas as pd

from layers.codec import LIST_SEPARATOR, statements_from_text
from layers.model import Stage
from layers.progress import progress_as_of


def _listed(value: object) -> set[str]:
    if not isinstance(value, str) or not value:
        return set()
    return {v for v in value.split(LIST_SEPARATOR) if v}


def in_counties(
    projects: gpd.GeoDataFrame,
    counties: Iterable[str],
    *,
    county_polygons: gpd.GeoSeries | None = None,
) -> pd.Series:
    """Which projects belong to any of ``counties`` (full county names).

    A project belongs when its text or its location names the county, or when it
    is a route crossing the county's polygon (``county_polygons``, EPSG:4326).
    """
    wanted = set(counties)
    mask = pd.Series(
        [
            bool((_listed(text) | _listed(located)) & wanted)
            for text, located in zip(
                projects["counties"], projects["located_counties"], strict=True
            )
        ],
        index=projects.index,
        dtype=bool,
    )
    if county_polygons is not None and len(county_polygons):
        area = county_polygons.union_all()
        routes = projects["precision"] == "route"
        crossing = projects.geometry[routes].intersects(area)
        mask = mask | crossing.reindex(projects.index, fill_value=False)
    return mask.astype(bool)


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
    counties: Sequence[str] = (),
    county_polygons: gpd.GeoSeries | None = None,
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

    With ``year``, projects no document had named by then are left out, and the
    as-of columns (:func:`as_of`) say each one's progress that year; ``statuses``
    filters on the known (reported) stage, :data:`UNREPORTED` selecting projects
    with none, and ``overdue_only`` on the overdue flag of that year.
    """
    out = projects
    if counties:
        out = out[in_counties(out, counties, county_polygons=county_polygons)]
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
