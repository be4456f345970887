"""Cached loaders: the only place the portal reads data, each wrapped in st.cache_data."""

from __future__ import annotations

import base64
import datetime as dt
import os
from typing import TYPE_CHECKING

import geopandas as gpd
import pandas as pd
import streamlit as st

from layers.admin import boundary_source_label, corpus_area, corpus_prefectures, load_reference
from layers.backend import empty_table
from layers.corpus import load_document, read_catalog
from layers.errors import CatalogError, DocumentReadError
from layers.schema import MENTION_SCHEMA
from layers.selection import Area, document_year_range, progress_frame, view_area
from layers.store import (
    StoreContents,
    StoreLocation,
    project_summary,
    read_projects,
    read_rows,
    read_store,
    read_uploads,
    read_view,
)
from layers.viewport import (
    FEATURE_LIMIT,
    VIEWPORT_THRESHOLD,
    ProjectSummary,
    View,
    ViewRequest,
    empty_projects,
)
from portal.filters import FilterOptions

if TYPE_CHECKING:  # the geocoder and the readers are imported where used: a viewer's page
    from layers.geocode import Geocoder  # needs neither until a source is opened
    from layers.localities import Localities

VIEWPORT_ENV = "PORTAL_VIEWPORT_THRESHOLD"
"""Serve stores with more projects than this by view (default
:data:`layers.viewport.VIEWPORT_THRESHOLD`); the tests set it low to try the large
store's page on a small one."""
VIEW_LIMIT_ENV = "PORTAL_VIEW_FEATURES"


@st.cache_data(show_spinner=False)
def load_corpus_counties() -> gpd.GeoDataFrame:
    """County polygons of the prefectures the catalogued documents belong to."""
    reference = load_reference()
    adcodes = [entry.adcode for entry in read_catalog()]
    return corpus_area(reference.units, adcodes)


@st.cache_data(show_spinner=False)
def load_corpus_prefectures() -> gpd.GeoDataFrame:
    """Prefecture polygons around the corpus counties."""
    return corpus_prefectures(load_reference().units, load_corpus_counties())


@st.cache_resource(show_spinner=False, max_entries=32)
def load_view_area(
    prefectures: tuple[str, ...], counties: tuple[str, ...], prefecture_level: bool
) -> Area | None:
    """The area the sidebar's place filters cover (None: the whole map), once per choice.

    Shared and never copied (``st.cache_resource``): joining and shrinking a
    prefecture's outline takes about 0.1 s, and only the place filters change it.
    """
    return view_area(load_corpus_counties(), load_corpus_prefectures(),
                     prefecture_names=prefectures, county_names=counties,
                     prefecture_level=prefecture_level)  # fmt: skip


@st.cache_data(show_spinner=False)
def load_boundary_source() -> str:
    """Provenance line for the boundary layer."""
    return boundary_source_label()


def store_location() -> StoreLocation:
    """The store the portal serves (PORTAL_STORE, else build/projects.gpkg)."""
    return StoreLocation.parse(None)


def _version(location: StoreLocation) -> str:
    """Changes whenever the store does, so a rebuild reaches viewers at once.

    The backend says how: a GeoPackage by its modification time and inode (a
    rebuild renames a new file over it, a change edits it in place), a shared
    PostGIS store by the time of its newest build (one small query), so an
    editor's publish reaches every viewer on their next click.
    """
    return location.backend().version()


@st.cache_resource(show_spinner=False, max_entries=8)
def _progress(store_key: str, year: int, _projects: gpd.GeoDataFrame) -> pd.DataFrame:
    return progress_frame(_projects, year)


def progress_for(store_key: str, year: int, projects: gpd.GeoDataFrame) -> pd.DataFrame:
    """Every project's progress as of ``year``, once per store version and year.

    Shared by every session and never copied (``st.cache_resource``): at 100,000
    projects with distinct histories it takes seconds, and only the year slider
    changes it; county, layer or name filters reuse it.
    """
    return _progress(store_key, year, projects)


@st.cache_resource(show_spinner=False)
def load_geocoder() -> Geocoder:
    """The geocoder (reference geography and gazetteer), built once per process."""
    from layers.geocode import load_geocoder as build

    return build()


@st.cache_resource(show_spinner=False)
def load_localities() -> Localities:
    """Townships, villages and stations (``geodata/gazetteer``), read once per process."""
    from layers.localities import load_localities as read

    return read()


@st.cache_data(show_spinner=False)
def jurisdictions() -> dict[str, str]:
    """Counties and prefectures an uploaded document may belong to, label -> adcode."""
    from layers.intake import jurisdiction_options

    return jurisdiction_options(load_geocoder().places)


@st.cache_data(show_spinner=False, max_entries=4)
def _load_store(spec: str, version: str) -> StoreContents:
    return read_store(StoreLocation.parse(spec))


def _spec(location: StoreLocation) -> str:
    return location.spec


def store_key() -> str:
    """The store and its version in one string, to cache work done per store under.

    Take it before :func:`load_store`: should the store change in between, the
    work is redone on the next rerun instead of being kept under the new version.
    """
    location = store_location()
    return f"{_spec(location)}@{_version(location)}"


def load_store() -> StoreContents:
    """The store's contents (cached per store version).

    Raises
    ------
    StoreError
        If there is no store yet or it is incomplete.
    """
    location = store_location()
    return _load_store(_spec(location), _version(location))


@st.cache_data(show_spinner=False, max_entries=4)
def _summary(spec: str, version: str) -> ProjectSummary:
    return project_summary(StoreLocation.parse(spec))


def store_summary() -> ProjectSummary:
    """How many projects the store holds, their target years, its year (one query, cached
    per store version): read before the store, to choose how to serve it.

    Raises
    ------
    StoreError
        If there is no store yet or it cannot be read.
    """
    location = store_location()
    return _summary(_spec(location), _version(location))


def _count_from_env(name: str, default: int, *, least: int) -> int:
    """A whole number set in the environment (at least ``least``), else ``default``."""
    value = os.environ.get(name, "").strip()
    return max(least, int(value)) if value.isdigit() else default


def view_limit() -> int:
    """At most this many projects drawn in a large store's view (``PORTAL_VIEW_FEATURES``,
    default :data:`layers.viewport.FEATURE_LIMIT`): what the browsers in use draw fluidly."""
    return _count_from_env(VIEW_LIMIT_ENV, FEATURE_LIMIT, least=1)


def viewport_threshold() -> int:
    """Above how many projects the store is served by view (``PORTAL_VIEWPORT_THRESHOLD``)."""
    return _count_from_env(VIEWPORT_ENV, VIEWPORT_THRESHOLD, least=0)


@st.cache_data(show_spinner=False, max_entries=4)
def _store_tables(spec: str, version: str) -> StoreContents:
    # Only called for a store that holds projects: no "not built yet" case here.
    tables = StoreLocation.parse(spec).backend().read_tables(["documents", "corrections",
                                                               "builds"])  # fmt: skip
    return StoreContents(empty_projects(), empty_table("mentions"), tables["documents"],
                         tables["corrections"], tables["builds"])  # fmt: skip


def load_store_tables() -> StoreContents:
    """A large store's small tables (documents, corrections, builds), no projects or mentions.

    Raises
    ------
    StoreError
        If the store cannot be read.
    """
    location = store_location()
    return _store_tables(_spec(location), _version(location))


@st.cache_data(show_spinner=False, max_entries=24)
def _view(spec: str, version: str, request: ViewRequest) -> View:
    return read_view(StoreLocation.parse(spec), request)


def load_view(request: ViewRequest) -> View:
    """The projects in a view of a large store, or its cells (cached per store version):
    every visitor's first map asks the same, and a pan back asks again.

    Raises
    ------
    StoreError
        If the store cannot be read.
    """
    location = store_location()
    return _view(_spec(location), _version(location), request)


@st.cache_data(show_spinner=False, max_entries=16)
def _projects(spec: str, version: str, ids: tuple[str, ...]) -> gpd.GeoDataFrame:
    return read_projects(StoreLocation.parse(spec), ids)


def load_projects(ids: tuple[str, ...]) -> gpd.GeoDataFrame:
    """Some of a large store's projects by id (a link's, the one opened)."""
    location = store_location()
    return _projects(_spec(location), _version(location), tuple(sorted(set(ids))))


@st.cache_data(show_spinner=False, max_entries=8)
def _mentions(spec: str, version: str, ids: tuple[str, ...]) -> pd.DataFrame:
    return read_rows(StoreLocation.parse(spec), "mentions", columns=list(MENTION_SCHEMA),
                     where=("project_id", frozenset(ids)))  # fmt: skip


def load_mentions(ids: tuple[str, ...]) -> pd.DataFrame:
    """The mentions of some of a large store's projects (the one opened, a view's export)."""
    location = store_location()
    return _mentions(_spec(location), _version(location), tuple(sorted(set(ids))))


def filter_options(
    contents: StoreContents,
    counties: gpd.GeoDataFrame,
    *,
    target_span: tuple[int, int] | None = None,
) -> FilterOptions:
    """What the sidebar offers: the corpus area's counties by prefecture, the years, the
    target years, and the documents themselves.

    The year slider runs from the first document's year to the later of the
    newest document's year and the furthest target (so a promise can be seen
    falling due), and starts at the newest document's year: never at today's
    date, which the documents may not have reached. ``target_span`` gives the target
    years of a store whose projects were not read (a large one).
    """
    by_prefecture: dict[str, list[str]] = {}
    for row in counties.sort_values(["prefecture", "adcode"]).itertuples():
        by_prefecture.setdefault(row.prefecture, []).append(row.name)
    projects = contents.projects
    targets = projects["target_year"].dropna().astype(int)
    if target_span is not None:
        targets = pd.Series(target_span, dtype=int)
    span = document_year_range(contents.documents)
    first, newest = span if span is not None else (dt.date.today().year,) * 2
    high = max(newest, int(targets.max()) if len(targets) else newest) + 1
    target_low = int(targets.min()) if len(targets) else first
    target_high = int(targets.max()) if len(targets) else high
    documents = {row.doc_id: document_label(row) for row in contents.documents.itertuples()}
    issued = {
        str(d): str(i) for d, i in zip(contents.documents["doc_id"], contents.documents["issued"],
                                       strict=True)
    }  # fmt: skip
    return FilterOptions(by_prefecture, (first, high), (target_low, target_high), documents,
                         newest, issued)  # fmt: skip


def document_label(row: object) -> str:
    """A document as a reporter cites it: "达州市人民政府办公室 · 2021-12-06 · 目标任务分解方案"."""
    issuer = getattr(row, "issuer", None)
    parts = [
        str(issuer) if isinstance(issuer, str) and issuer else "",
        str(getattr(row, "issued", "") or ""),
        str(getattr(row, "title", "") or ""),
    ]
    return " · ".join(p for p in parts if p)


@st.cache_data(show_spinner=False, max_entries=16)
def _source_text(spec: str, version: str, doc_id: str) -> str | None:
    from layers.reader import read_document

    location = StoreLocation.parse(spec)
    try:
        document = load_document(doc_id)
        return read_document(document.data, name=document.entry.file).text
    except CatalogError:
        pass  # not a catalogued document: perhaps one published in the portal
    uploads = read_uploads(location)
    rows = uploads[uploads["doc_id"] == doc_id]
    if rows.empty:
        return None
    row = rows.iloc[0]
    return read_document(base64.b64decode(str(row["content_b64"])), name=str(row["file"])).text


def load_source_text(doc_id: str) -> str | None:
    """A stored document's text, as the offsets of its quotes count it (None: not found).

    Catalogued documents are read from ``geodata/sources``; documents published
    in the portal from the store's uploads table. Reading imports the document
    readers, so it happens only when someone opens a source.
    """
    location = store_location()
    try:
        return _source_text(_spec(location), _version(location), doc_id)
    except DocumentReadError:
        return None
