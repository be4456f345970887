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

from layers.assemble import LIST_SEPARATOR
from layers.progress import status_from_stages


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


def statuses_as_of(projects: pd.DataFrame, year: int) -> pd.Series:
    """Each project's stage as of ``year`` (None: no document had named it yet).

    Worked out once per distinct (stages, first year): projects share a few such
    histories, and a call per project took half a second at 100,000 projects, on
    every filter change of the portal.
    """
    stages = projects["stages"].astype("string").fillna("")
    firsts = pd.to_numeric(projects["first_year"], errors="coerce").astype("Int64")
    codes, _ = pd.factorize(stages + "#" + firsts.astype("string").fillna(""))
    _, first_rows = np.unique(codes, return_index=True)
    values = np.array(
        [
            status_from_stages(stage, None if pd.isna(first) else int(first), year)
            for stage, first in zip(stages.iloc[first_rows], firsts.iloc[first_rows], strict=True)
        ],
        dtype=object,
    )
    return pd.Series(values[codes], index=projects.index, dtype="object")


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
) -> gpd.GeoDataFrame:
    """The projects passing every given filter (an empty filter passes all).

    With ``year``, projects no document had named by then are left out, and the
    columns ``as_of_year`` and ``status_as_of`` say each one's stage that year;
    ``statuses`` then filters on that stage rather than the latest one.
    """
    out = projects
    if counties:
        out = out[in_counties(out, counties, county_polygons=county_polygons)]
    if categories:
        out = out[out["category"].isin(categories)]
    status_column = "status"
    if year is not None:
        out = out.assign(as_of_year=year, status_as_of=statuses_as_of(out, year))
        out = out[out["status_as_of"].notna()]
        status_column = "status_as_of"
    if statuses:
        out = out[out[status_column].isin(statuses)]
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
