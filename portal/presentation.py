"""Display controls (basemap, presentation mode) and the meeting view.

Presentation mode hides the sidebar and the controls and shows a large title
that says, in words, what the map shows ("宣汉县 · 2025 年 · 水库"), the map with
its legend and scale bar, and buttons that export the same view as a PNG or PDF
figure for slides.

The title carries text a link chose (the search words of ``?q=``) and place names
from the store, so it is shown as literal text, never as markdown: a search for
``![x](http://…)`` must not make the browser fetch an outside image, ``[点我](…)``
must not become a link, ``$\\frac$`` must not go to the LaTeX renderer and
``:red[…]`` or ``:material/…:`` must not become a Streamlit directive.
"""

from __future__ import annotations

import datetime as dt
import html
import logging
from collections.abc import Mapping

import geopandas as gpd
import streamlit as st

from portal.basemaps import OFFLINE, Basemap
from portal.figure import figure_bytes
from portal.filters import FilterOptions, Filters
from portal.i18n import translate
from portal.state import BASEMAP_KEY, DISPLAY_LOADED_KEY, PRESENT_KEY

logger = logging.getLogger(__name__)

# The look of ``st.title`` (the size a projector needs), for the escaped HTML title.
_TITLE_STYLE = "font-size:2.75rem;font-weight:700;line-height:1.2;padding:0.75rem 0 0;margin:0"

# Static CSS (no document text): hide the sidebar, its toggle and the app's toolbar.
_HIDE_CONTROLS = """<style>
[data-testid="stSidebar"], [data-testid="stSidebarCollapsedControl"],
[data-testid="stToolbar"], [data-testid="stHeader"] {display: none !important;}
</style>"""


def view_title(filters: Filters, options: FilterOptions, *, lang: str) -> str:
    """The view in words: place, year, layers, stages, overdue."""
    sep = "、" if lang == "zh" else ", "
    place = sep.join(filters.counties or filters.prefectures) or translate("all_area", lang)
    parts = [place, translate("in_year", lang, year=filters.year or options.default_year)]
    if filters.categories:
        parts.append(sep.join(translate(c, lang) for c in filters.categories))
    if filters.statuses:
        parts.append(sep.join(translate(s, lang) for s in filters.statuses))
    if filters.overdue_only:
        parts.append(translate("overdue", lang))
    if filters.search:
        parts.append(f"“{filters.search}”")
    return " · ".join(parts)


def title_html(title: str) -> str:
    """The presentation title as an HTML heading whose text is exactly ``title``.

    ``st.title`` would render ``title`` as markdown (images, links, LaTeX, colour
    and icon directives); escaped HTML has no markup language left in it, so every
    character a link or a document supplied is shown as typed.
    """
    return f'<h1 class="presentation-title" style="{_TITLE_STYLE}">{html.escape(title)}</h1>'


def display_query(basemap: str, presenting: bool) -> dict[str, str]:
    """The display state as query parameters (defaults left out)."""
    query = {"basemap": basemap} if basemap != OFFLINE else {}
    if presenting:
        query["present"] = "1"
    return query


def display_from_query(
    query: Mapping[str, object], basemaps: Mapping[str, Basemap]
) -> tuple[str, bool]:
    """Basemap and presentation switch from a link; unknown values fall back to defaults."""
    basemap = str(query.get("basemap") or OFFLINE)
    return (basemap if basemap in basemaps else OFFLINE), str(query.get("present")) == "1"


def render_display_controls(
    basemaps: dict[str, Basemap], *, lang: str, link: Mapping[str, object]
) -> tuple[Basemap, bool]:
    """Basemap choice and the presentation switch, at the foot of the sidebar.

    ``link`` is the URL's query as the page was opened; its display settings seed
    the widgets once, and the widgets' state is written back to the URL.
    """
    if not st.session_state.get(DISPLAY_LOADED_KEY):
        st.session_state[DISPLAY_LOADED_KEY] = True
        basemap, presenting = display_from_query(link, basemaps)
        st.session_state.setdefault(BASEMAP_KEY, basemap)
        st.session_state.setdefault(PRESENT_KEY, presenting)
    sidebar = st.sidebar
    sidebar.divider()
    key = sidebar.selectbox(translate("basemap", lang), list(basemaps), key=BASEMAP_KEY,
                            format_func=lambda k: translate(f"basemap_{k}", lang))  # fmt: skip
    if key != OFFLINE:
        sidebar.caption(translate("basemap_online", lang))
    presenting = sidebar.toggle(translate("presentation", lang), key=PRESENT_KEY)
    for param, value in display_query(key, presenting).items():
        st.query_params[param] = value
    return basemaps.get(key, basemaps[OFFLINE]), presenting


def _exit_presentation() -> None:
    st.session_state[PRESENT_KEY] = False


def render_presentation_header(title: str, *, lang: str) -> None:
    """Hide the controls and show the title, with a way back."""
    st.html(_HIDE_CONTROLS)
    head, back = st.columns([6, 1])
    head.html(title_html(title))
    back.button(translate("exit_presentation", lang), on_click=_exit_presentation)


@st.cache_data(show_spinner=False, max_entries=8)
def _figure(key: str, fmt: str, title: str, lang: str, sources: str,
            _selected: gpd.GeoDataFrame, _counties: gpd.GeoDataFrame,
            _focus: gpd.GeoDataFrame | None) -> bytes:  # fmt: skip
    return figure_bytes(_selected, counties=_counties, focus=_focus, title=title, lang=lang,
                        sources=sources, fmt=fmt)  # fmt: skip


def render_figure_export(
    selected: gpd.GeoDataFrame,
    *,
    counties: gpd.GeoDataFrame,
    focus: gpd.GeoDataFrame | None,
    title: str,
    lang: str,
    boundary_source: str,
) -> None:
    """Buttons that save the current view as a PNG or PDF figure."""
    docs = sorted({d for v in selected["doc_ids"].dropna() for d in str(v).split("|") if d})
    sources = translate("figure_sources", lang, docs=", ".join(docs) or "-",
                        boundaries=boundary_source, date=dt.date.today().isoformat())  # fmt: skip
    key = "|".join(selected["project_id"]) + title
    png_col, pdf_col, _ = st.columns([1, 1, 4])
    for col, fmt in ((png_col, "png"), (pdf_col, "pdf")):
        try:
            figure = _figure(key, fmt, title, lang, sources, selected, counties, focus)
        except (ValueError, RuntimeError, OSError):
            # The figure is an extra: a drawing failure must leave the map usable and
            # never put a traceback (with the server's paths) in front of a meeting.
            logger.exception("figure export (%s) failed for %r", fmt, title)
            col.caption(translate("figure_failed", lang, fmt=fmt.upper()))
            continue
        col.download_button(
            translate("export_figure", lang, fmt=fmt.upper()),
            data=figure,
            file_name=f"plan_projects.{fmt}",
            mime="image/png" if fmt == "png" else "application/pdf",
        )  # fmt: skip
