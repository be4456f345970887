"""Cached loaders: the only place the portal reads data, each wrapped in st.cache_data."""

from __future__ import annotations

import datetime as dt

import geopandas as gpd
import streamlit as st

from layers.admin import boundary_source_label, corpus_area, corpus_prefectures, load_reference
from layers.corpus import read_catalog
from layers.geocode import Geocoder
from layers.geocode import load_geocoder as _load_geocoder
from layers.intake import jurisdiction_options
from layers.store import StoreContents, StoreLocation, latest_build, read_store
from portal.filters import FilterOptions


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


@st.cache_data(show_spinner=False)
def load_boundary_source() -> str:
    """Provenance line for the boundary layer."""
    return boundary_source_label()


def store_location() -> StoreLocation:
    """The store the portal serves (PORTAL_STORE, else build/projects.gpkg)."""
    return StoreLocation.parse(None)


def _version(location: StoreLocation) -> str:
    """Changes whenever the store does, so a rebuild reaches viewers at once.

    A GeoPackage is replaced by a rename, so its modification time (and inode) is
    enough; a shared PostGIS store is asked for the time of its newest build (one
    small query), so an editor's publish reaches every viewer on their next click.
    """
    if location.kind == "gpkg":
        if not location.path.exists():
            return "missing"
        stat = location.path.stat()
        return f"{stat.st_mtime_ns}-{stat.st_ino}"
    return latest_build(location) or "missing"


@st.cache_resource(show_spinner=False)
def load_geocoder() -> Geocoder:
    """The geocoder (reference geography and gazetteer), built once per process."""
    return _load_geocoder()


@st.cache_data(show_spinner=False)
def jurisdictions() -> dict[str, str]:
    """Counties and prefectures an uploaded document may belong to, label -> adcode."""
    return jurisdiction_options(load_geocoder().places)


@st.cache_data(show_spinner=False, max_entries=4)
def _load_store(spec: str, version: str) -> StoreContents:
    return read_store(StoreLocation.parse(spec))


def _spec(location: StoreLocation) -> str:
    if location.kind == "gpkg":
        return str(location.path)
    return f"{location.dsn}?schema={location.schema}"


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


def filter_options(
    contents: StoreContents, counties: gpd.GeoDataFrame, *, today: dt.date
) -> FilterOptions:
    """What the sidebar offers: the corpus area's counties by prefecture, the years the
    documents span, their target years, and the documents themselves."""
    by_prefecture: dict[str, list[str]] = {}
    for row in counties.sort_values(["prefecture", "adcode"]).itertuples():
        by_prefecture.setdefault(row.prefecture, []).append(row.name)
    projects = contents.projects
    firsts = projects["first_year"].dropna().astype(int)
    targets = projects["target_year"].dropna().astype(int)
    low = int(min(firsts.min() if len(firsts) else today.year, today.year - 5))
    high = int(max(targets.max() if len(targets) else today.year, today.year + 5))
    target_low = int(targets.min()) if len(targets) else low
    target_high = int(targets.max()) if len(targets) else high
    documents = {row.doc_id: row.title for row in contents.documents.itertuples()}
    return FilterOptions(by_prefecture, (low, high), (target_low, target_high), documents,
                         min(max(today.year, low), high))  # fmt: skip
