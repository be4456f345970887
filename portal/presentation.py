"""Display controls (basemap, presentation mode) and the meeting view.

Presentation mode is for a projector (1920×1080, 1366×768): it hides the app's
chrome (its title, subtitle and language switch, the sidebar, Streamlit's
toolbar) and shows a one-line title that says, in words, what the map shows
("宣汉县 · 2025 年 · 23 个项目"), then the map filling the rest of the screen
with its legend and scale bar, and under it buttons that export the same view
as an A4 PNG or PDF figure (:mod:`portal.figure`).

Streamlit cannot know the screen's height on the server, so the map is sized by
the browser: a style sets the map component's frame to the viewport's height
less the title row (:data:`MAP_OFFSET_REM`), and the map inside fills its frame.

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
import pandas as pd
import streamlit as st

from layers.errors import PortalError
from portal import data
from portal.basemaps import OFFLINE, Basemap
from portal.figurepage import sources_text
from portal.filters import FilterOptions, Filters
from portal.i18n import translate
from portal.state import BASEMAP_KEY, DISPLAY_LOADED_KEY, LANG_KEY, MAP_KEY, PRESENT_KEY

logger = logging.getLogger(__name__)

TITLE_ROW_REM = 3.5
"""Height of the title row (the title on one line, the exit button beside it)."""
MAP_OFFSET_REM = 1.0 + TITLE_ROW_REM + 1.0 + 1.0
"""What the map leaves of the viewport's height: the page's top padding, the title row,
the gap under it and a margin at the bottom (1 rem each)."""

# The title on one line, as large as the screen's width allows (a projector's room
# reads it from the back), cut with an ellipsis rather than wrapped onto the map.
_TITLE_STYLE = (f"font-size:clamp(1.5rem,2.4vw,2.75rem);font-weight:700;margin:0;padding:0;"
                f"line-height:{TITLE_ROW_REM}rem;height:{TITLE_ROW_REM}rem;white-space:nowrap;"
                "overflow:hidden;text-overflow:ellipsis")  # fmt: skip

# The row of columns whose cell holds the language switch (the app's title and subtitle are
# beside it): that row only, never a block that merely contains it further down.
_HEADER_ROW = (
    '[data-testid="stLayoutWrapper"]:has(> [data-testid="stHorizontalBlock"] > '
    f'[data-testid="stColumn"] > [data-testid="stVerticalBlock"] > .st-key-{LANG_KEY})'
)

# Static CSS (no document text): hide the app's chrome (the header row that holds the
# language switch, the sidebar and its toggle, Streamlit's toolbar and header), tighten
# the page's padding, and size the map's frame to the viewport.
PRESENTATION_CSS = f"""<style>
[data-testid="stSidebar"], [data-testid="stSidebarCollapsedControl"],
[data-testid="stToolbar"], [data-testid="stHeader"], [data-testid="stDecoration"],
{_HEADER_ROW} {{display: none !important;}}
[data-testid="stMainBlockContainer"] {{padding: 1rem 1.5rem 1rem !important;
  max-width: none !important;}}
.st-key-{MAP_KEY} iframe {{height: calc(100vh - {MAP_OFFSET_REM}rem) !important;
  display: block;}}
</style>"""


def view_title(
    filters: Filters, options: FilterOptions, *, lang: str, count: int | None = None
) -> str:
    """The view in words: place, year, layers, stages, overdue, search, and how many projects.

    ``count`` (the projects in the view) ends the title when given: "23 个项目"
    is what a room asks first.
    """
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
    if count is not None:
        parts.append(translate("one_project", lang) if count == 1 else
                     translate("n_projects", lang, n=count))  # fmt: skip
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
    """Hide the app's chrome, size the map to the screen and show the title, with a way back.

    Call it before the map: the style must be on the page when the map's frame
    is made, or the map would first be drawn at its normal height.
    """
    st.html(PRESENTATION_CSS)
    head, back = st.columns([8, 1], vertical_alignment="center")
    head.html(title_html(title))
    back.button(translate("exit_presentation", lang), on_click=_exit_presentation,
                width="stretch")  # fmt: skip


def _store_documents() -> pd.DataFrame:
    """The store's documents table (cached by :mod:`portal.data`); none when it cannot be read."""
    try:
        return data.load_store().documents
    except PortalError:
        logger.warning("figure sources: the store's documents could not be read")
        return pd.DataFrame({"doc_id": pd.Series(dtype=str)})


@st.cache_data(show_spinner=False, max_entries=8)
def _figure(key: str, fmt: str, title: str, lang: str, sources: str,
            _selected: gpd.GeoDataFrame, _counties: gpd.GeoDataFrame,
            _focus: gpd.GeoDataFrame | None) -> bytes:  # fmt: skip
    from portal.figure import figure_bytes  # matplotlib: only when a figure is asked for

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
    documents: pd.DataFrame | None = None,
) -> None:
    """Buttons that save the current view as an A4 PNG or PDF figure.

    ``documents`` (the store's documents table) names the sources by issuer,
    title and date; without it they are read from the store (cached).
    """
    if documents is None:
        documents = _store_documents()
    sources = sources_text(selected, documents, lang=lang, boundaries=boundary_source,
                           date=dt.date.today().isoformat())  # fmt: skip
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
