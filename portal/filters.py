"""The sidebar filters, and the URL query string that keeps them.

A link must reproduce a view ("宣汉县, 2025, overdue only"), so every filter is
mirrored in ``st.query_params``. The conversion both ways is pure
(:func:`filters_to_query`, :func:`filters_from_query`) and tested on its own;
the sidebar is drawn once, here, for every page. A place filter keeps every
project placed there (:func:`layers.selection.view_area`); the switch for the
projects known only by a county's prefecture is on by default, so a link says
``prefecture_level=0`` only to leave them out.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import streamlit as st

from layers.model import Stage
from layers.selection import UNREPORTED
from layers.store import CATEGORIES
from portal.i18n import translate
from portal.state import (
    CATEGORY_KEY,
    COUNTY_KEY,
    DOC_KEY,
    OVERDUE_KEY,
    PREFECTURE_KEY,
    PREFECTURE_LEVEL_KEY,
    QUERY_LOADED_KEY,
    SEARCH_KEY,
    SELECTED_KEY,
    STATUS_KEY,
    TARGET_KEY,
    YEAR_KEY,
)


@dataclass(frozen=True)
class FilterOptions:
    """What the filters can offer, from the store and the reference geography."""

    counties_by_prefecture: dict[str, list[str]]
    years: tuple[int, int]
    target_years: tuple[int, int]
    documents: dict[str, str]  # doc_id -> "issuer · date · title"
    default_year: int  # the newest document's year
    issued: dict[str, str] = field(default_factory=dict)  # doc_id -> issue date

    def as_of_date(self, year: int) -> str | None:
        """The issue date of the newest document issued by ``year`` (None: none yet)."""
        dates = [d for d in self.issued.values() if d[:4].isdigit() and int(d[:4]) <= year]
        return max(dates) if dates else None

    def documents_by(self, year: int) -> int:
        """How many documents had been issued by ``year``."""
        return sum(1 for d in self.issued.values() if d[:4].isdigit() and int(d[:4]) <= year)


@dataclass(frozen=True)
class Filters:
    """One view's filter state. Empty selections mean "all"."""

    prefectures: tuple[str, ...] = ()
    counties: tuple[str, ...] = ()
    categories: tuple[str, ...] = ()
    statuses: tuple[str, ...] = ()
    year: int | None = None
    target_years: tuple[int, int] | None = None
    doc_ids: tuple[str, ...] = ()
    overdue_only: bool = False
    search: str = ""
    prefecture_level: bool = True  # a county view also shows its prefecture's stand-ins

    @property
    def prefecture_wide(self) -> bool:
        """Whether the view takes in projects known only by its counties' prefecture."""
        return bool(self.counties) and self.prefecture_level

    def county_names(self, options: FilterOptions) -> list[str]:
        """The counties the view covers: those picked, else all of the picked prefectures."""
        if self.counties:
            return list(self.counties)
        return [c for p in self.prefectures for c in options.counties_by_prefecture.get(p, [])]


STAGE_OPTIONS = (*(s.value for s in Stage), UNREPORTED)
"""The stage filter: reported stages, and "no progress reported"."""
_LIST_PARAMS = {"prefecture": "prefectures", "county": "counties", "layer": "categories",
                "status": "statuses", "doc": "doc_ids"}  # fmt: skip


def filters_to_query(filters: Filters) -> dict[str, str]:
    """The filters as query parameters; lists are comma-separated, defaults left out."""
    query = {param: ",".join(getattr(filters, attr)) for param, attr in _LIST_PARAMS.items()
             if getattr(filters, attr)}  # fmt: skip
    if filters.year is not None:
        query["year"] = str(filters.year)
    if filters.target_years is not None:
        query["target"] = f"{filters.target_years[0]}-{filters.target_years[1]}"
    if filters.overdue_only:
        query["overdue"] = "1"
    if filters.search:
        query["q"] = filters.search
    if not filters.prefecture_level:
        query["prefecture_level"] = "0"
    return query


_OFF = frozenset({"0", "false", "no", "off"})


def _first(value: str | Sequence[str] | None) -> str:
    if value is None:
        return ""
    return value if isinstance(value, str) else (value[-1] if value else "")


def filters_from_query(
    params: Mapping[str, str | Sequence[str]], options: FilterOptions
) -> Filters:
    """Filters from a URL's parameters; anything unknown or malformed is ignored.

    A link is user input: values are kept only when they are real options.
    """
    counties = {c for cs in options.counties_by_prefecture.values() for c in cs}
    allowed = {
        "prefectures": set(options.counties_by_prefecture),
        "counties": counties,
        "categories": set(CATEGORIES),
        "statuses": set(STAGE_OPTIONS),
        "doc_ids": set(options.documents),
    }
    values: dict[str, object] = {}
    for param, attr in _LIST_PARAMS.items():
        items = [v.strip() for v in _first(params.get(param)).split(",") if v.strip()]
        values[attr] = tuple(v for v in items if v in allowed[attr])
    year = _first(params.get("year"))
    if year.isdigit() and options.years[0] <= int(year) <= options.years[1]:
        values["year"] = int(year)
    target = _first(params.get("target")).split("-")
    if len(target) == 2 and all(t.isdigit() for t in target):
        low, high = sorted(int(t) for t in target)
        values["target_years"] = (max(low, options.target_years[0]),
                                  min(high, options.target_years[1]))  # fmt: skip
    values["overdue_only"] = _first(params.get("overdue")) in {"1", "true", "yes"}
    values["search"] = _first(params.get("q"))[:50]
    values["prefecture_level"] = _first(params.get("prefecture_level")) not in _OFF
    return Filters(**values)  # type: ignore[arg-type]


def _load_query_once(options: FilterOptions) -> None:
    """Copy the URL's filters into the widgets at the start of a session."""
    if st.session_state.get(QUERY_LOADED_KEY):
        return
    st.session_state[QUERY_LOADED_KEY] = True
    initial = filters_from_query(st.query_params.to_dict(), options)
    st.session_state.setdefault(PREFECTURE_KEY, list(initial.prefectures))
    st.session_state.setdefault(COUNTY_KEY, list(initial.counties))
    st.session_state.setdefault(CATEGORY_KEY, list(initial.categories))
    st.session_state.setdefault(STATUS_KEY, list(initial.statuses))
    st.session_state.setdefault(YEAR_KEY, initial.year or options.default_year)
    st.session_state.setdefault(TARGET_KEY, initial.target_years or options.target_years)
    st.session_state.setdefault(DOC_KEY, list(initial.doc_ids))
    st.session_state.setdefault(OVERDUE_KEY, initial.overdue_only)
    st.session_state.setdefault(SEARCH_KEY, initial.search)
    st.session_state.setdefault(PREFECTURE_LEVEL_KEY, initial.prefecture_level)


def render_sidebar(options: FilterOptions, *, lang: str) -> Filters:
    """Draw the filters in the sidebar and return what they say (also into the URL)."""
    _load_query_once(options)
    sidebar = st.sidebar
    sidebar.header(translate("filters", lang))
    prefectures = sidebar.multiselect(
        translate("prefectures", lang), list(options.counties_by_prefecture), key=PREFECTURE_KEY,
        placeholder=translate("all", lang), select_all=False,
    )  # fmt: skip
    offered = [c for p in (prefectures or options.counties_by_prefecture)
               for c in options.counties_by_prefecture[p]]  # fmt: skip
    st.session_state[COUNTY_KEY] = [c for c in st.session_state.get(COUNTY_KEY, []) if c in offered]
    counties = sidebar.multiselect(translate("counties", lang), offered, key=COUNTY_KEY,
                                   placeholder=translate("all", lang),
                                   select_all=False)  # fmt: skip
    # Always drawn (greyed out without a county), so its state survives until one is picked.
    prefecture_level = sidebar.toggle(
        translate("prefecture_level", lang), key=PREFECTURE_LEVEL_KEY, disabled=not counties,
        help=translate("prefecture_level_help", lang),
    )  # fmt: skip
    categories = sidebar.multiselect(
        translate("categories", lang), list(CATEGORIES), key=CATEGORY_KEY,
        format_func=lambda c: translate(c, lang), placeholder=translate("all", lang),
        select_all=False,
    )  # fmt: skip
    statuses = sidebar.multiselect(
        translate("statuses", lang), list(STAGE_OPTIONS), key=STATUS_KEY,
        format_func=lambda s: translate(s, lang), placeholder=translate("all", lang),
        select_all=False,
    )  # fmt: skip
    year = sidebar.slider(translate("year", lang), *options.years, key=YEAR_KEY)
    as_of = options.as_of_date(int(year))
    if as_of is not None:
        sidebar.caption(translate("as_of_caption", lang, date=as_of,
                                  n=options.documents_by(int(year))))  # fmt: skip
    low, high = options.target_years
    target: Any = sidebar.slider(translate("target_years", lang), low, max(high, low + 1),
                            key=TARGET_KEY)  # fmt: skip
    doc_ids = sidebar.multiselect(
        translate("documents", lang), list(options.documents), key=DOC_KEY,
        format_func=lambda d: f"{d} {options.documents[d]}"[:70],
        placeholder=translate("all", lang), select_all=False,
    )  # fmt: skip
    overdue = sidebar.toggle(translate("overdue_only", lang), key=OVERDUE_KEY)
    search = sidebar.text_input(translate("search", lang), key=SEARCH_KEY, max_chars=50)
    filters = Filters(
        prefectures=tuple(prefectures), counties=tuple(counties), categories=tuple(categories),
        statuses=tuple(statuses), year=int(year),
        target_years=None if tuple(target) == (low, max(high, low + 1))
        else (int(target[0]), int(target[1])),
        doc_ids=tuple(doc_ids), overdue_only=bool(overdue), search=search.strip(),
        prefecture_level=bool(prefecture_level),
    )  # fmt: skip
    st.query_params.from_dict(filters_to_query(filters))
    return filters


def keep_in_link(lang: str) -> None:
    """The language and the open project stay in the address bar, so a link shares them."""
    if lang == "en":
        st.query_params["lang"] = "en"
    elif "lang" in st.query_params:
        del st.query_params["lang"]
    selected = st.session_state.get(SELECTED_KEY)
    if selected:
        st.query_params["project"] = str(selected)
    elif "project" in st.query_params:
        del st.query_params["project"]
