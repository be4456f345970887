"""Cached loaders: the only place the portal reads data, each wrapped in st.cache_data."""

from __future__ import annotations

import geopandas as gpd
import streamlit as st

from layers.admin import boundary_source_label, corpus_area, corpus_prefectures, load_reference
from layers.corpus import read_catalog


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
