"""Under the map: the project table, counts by layer and stage, target years, downloads.

One visual language with the map: the charts colour each stage with the map's
colour (:data:`portal.projectmap.STATUS_COLORS`) and list the stages in the
order of the map's legend, whatever the language and whichever stages the view
holds (建成 is the same green in every chart and in the figure); the table's
stage column wears the same colour, and its rows come in that order. Charts are
Altair specs built here (not ``st.bar_chart``, whose colours follow the
alphabetical order of the labels), with translated titles and tooltips.

A row picked in the table opens its project's details and frames and outlines
it on the map: the table's selection callback sets the page's selected and
zoom-to projects before the page reruns, so the map drawn above the table
already shows it.
"""

from __future__ import annotations

import hashlib
import tempfile
from collections.abc import Callable, Sequence
from functools import partial
from pathlib import Path
from typing import Any

import altair as alt
import geopandas as gpd
import pandas as pd
import streamlit as st

from layers.export import FORMATS, SUFFIXES, export_selection
from layers.selection import UNREPORTED
from layers.store import CATEGORIES, StoreContents
from portal.i18n import translate
from portal.projectmap import STATUS_COLORS
from portal.state import EXPORT_KEY, SELECTED_KEY, SOURCE_KEY, TABLE_KEY, request_zoom

TABLE_COLUMNS = ("name", "category", "known_stage", "planned_stage", "target_year",
                 "counties", "precision")  # fmt: skip
STAGE_ORDER: tuple[str, ...] = tuple(STATUS_COLORS)
"""Chart, legend and table order: the order of the map's legend (completed first)."""
STYLED_ROWS = 5000
"""Up to this many rows the table's stage cells are coloured (a pandas Styler costs about
0.05 s and 60 kB per thousand rows); a larger table shows the stage words alone."""
MISSING = "—"
"""A missing year or date in the table (never Python's "None")."""
_STAGE = "stage"
_COUNT = "count"


def _translated(codes: pd.Series, lang: str) -> pd.Series:
    """Codes to labels, looked up once per distinct code (100,000 rows, a handful of codes)."""
    text = codes.astype(str)
    return text.map({code: translate(code, lang) for code in text.unique()})


def _stages(values: pd.Series) -> pd.Series:
    """Stage codes with "no progress reported" spelt out (it is a value, not a gap)."""
    return values.astype(object).where(values.notna(), UNREPORTED)


def _text_or_dash(values: pd.Series) -> pd.Series:
    """Years and dates as text, "—" where there is none (whole years, never "2025.0")."""

    def one(value: object) -> str:
        if value is None or value is pd.NA or (isinstance(value, float) and value != value):
            return MISSING
        if isinstance(value, float) and value.is_integer():
            return str(int(value))
        return str(value) or MISSING

    return values.astype(object).map(one)


def table_order(selected: pd.DataFrame, *, status_column: str) -> pd.Index:
    """The table's rows: by stage in the legend's order, then layer, then name."""
    stage = _stages(selected[status_column]).map({s: i for i, s in enumerate(STAGE_ORDER)})
    layer = selected["category"].map({c: i for i, c in enumerate(CATEGORIES)})
    keys = pd.DataFrame({"stage": stage.fillna(len(STAGE_ORDER)).to_numpy(),
                         "layer": layer.fillna(len(CATEGORIES)).to_numpy(),
                         "name": selected["name"].astype(str).to_numpy()},
                        index=selected.index)  # fmt: skip
    return keys.sort_values(["stage", "layer", "name"], kind="stable").index


def table_frame(selected: gpd.GeoDataFrame, *, lang: str, status_column: str) -> pd.DataFrame:
    """The table under the map: translated codes, one row per project, in ``selected``'s order.

    The stage columns are those of the year the view is for: what documents had
    reported by then, and what the latest plan expected. A missing year or
    date reads "—".
    """
    planned = selected["planned_stage"] if "planned_stage" in selected else selected["status"]
    info = (
        selected["info_date"] if "info_date" in selected else pd.Series(None, index=selected.index)
    )
    return pd.DataFrame({
        translate("name", lang): selected["name"].astype(str),
        translate("category", lang): _translated(selected["category"], lang),
        translate("known_stage", lang): _translated(_stages(selected[status_column]), lang),
        translate("planned_stage", lang): _translated(planned.fillna("proposed"), lang)
        .where(planned.notna().to_numpy(), MISSING),
        translate("target_year", lang): _text_or_dash(selected["target_year"]),
        translate("overdue", lang): selected["overdue"].fillna(False).astype(bool),
        translate("counties", lang): selected["counties"].fillna("").str.replace("|", "、"),
        translate("precision", lang): _translated(selected["precision"], lang),
        translate("info_date", lang): _text_or_dash(info),
    }).reset_index(drop=True)  # fmt: skip


def stage_badges(table: pd.DataFrame, *, lang: str) -> Any:
    """The table with its reported-stage cells coloured as on the map (a pandas Styler).

    Only the reported stage is coloured: on the map a plan never colours a
    project, and the planned column must not suggest otherwise. The colour is
    looked up by the translated word, so it holds in either language.
    """
    colours = {translate(s, lang): c for s, c in STATUS_COLORS.items()}

    def badge(word: object) -> str:
        colour = colours.get(str(word))
        return f"background-color:{colour};color:white;font-weight:600" if colour else ""

    return table.style.map(badge, subset=[translate("known_stage", lang)])


def stage_counts(selected: pd.DataFrame, *, by: str, status_column: str) -> pd.DataFrame:
    """Projects per value of ``by`` and reported stage, long: ``by``, stage, count."""
    rows = selected[selected[by].notna()]
    values = rows[by].astype(int) if by == "target_year" else rows[by].astype(str)
    counts = pd.crosstab(values, _stages(rows[status_column]).to_numpy())
    long = counts.stack().rename(_COUNT).reset_index()
    long.columns = [by, _STAGE, _COUNT]
    return long[long[_COUNT] > 0].reset_index(drop=True)


def stage_chart(
    counts: pd.DataFrame, *, by: str, lang: str, horizontal: bool, order: Sequence[str] = ()
) -> alt.Chart:
    """Stacked bars of ``counts`` (:func:`stage_counts`) in the map's stage colours and order.

    The colour scale's domain is every stage in the legend's order, so each
    stage keeps its colour whether or not the view has projects at that stage;
    the stack follows the same order. ``order`` sorts the ``by`` axis (the
    layers' order); titles and tooltips are translated, never field codes.
    """
    labels = {s: translate(s, lang) for s in STAGE_ORDER}
    data = counts.assign(
        stage_label=counts[_STAGE].map(labels).fillna(counts[_STAGE].astype(str)),
        stage_rank=counts[_STAGE].map({s: i for i, s in enumerate(STAGE_ORDER)}),
        by_label=counts[by].astype(str).map(lambda v: translate(v, lang) if by == "category"
                                            else v),
    )  # fmt: skip
    by_title, count_title = translate(by, lang), translate("chart_projects", lang)
    stage_title = translate("known_stage", lang)
    sort = [translate(c, lang) for c in order] if order else "ascending"
    category = alt.X if not horizontal else alt.Y
    value = alt.Y if not horizontal else alt.X
    colour = alt.Color(
        "stage_label:N", title=stage_title,
        scale=alt.Scale(domain=list(labels.values()), range=[STATUS_COLORS[s] for s in labels]),
        legend=alt.Legend(orient="bottom", direction="horizontal", columns=2, labelLimit=0,
                          symbolType="square", columnPadding=16),
    )  # fmt: skip
    return (
        alt.Chart(data)
        .mark_bar()
        .encode(
            category("by_label:N", title=by_title, sort=sort, axis=alt.Axis(labelAngle=0)),
            value(f"{_COUNT}:Q", title=count_title, stack="zero"),
            colour,
            order=alt.Order("stage_rank:Q", sort="ascending"),
            tooltip=[alt.Tooltip("by_label:N", title=by_title),
                     alt.Tooltip("stage_label:N", title=stage_title),
                     alt.Tooltip(f"{_COUNT}:Q", title=count_title)],
        )
        .properties(height=alt.Step(30) if horizontal else 360)
    )  # fmt: skip


def pick_row(ids: Sequence[str]) -> None:
    """The table's selection callback: open the row's project and frame it on the map.

    Streamlit runs it before the page reruns, so the map drawn above the table
    in that rerun outlines the project (``SELECTED_KEY``) and zooms to it once
    (``ZOOM_KEY``), as a ``?project=`` link does. Clearing the selection leaves
    the details open: the user may have picked on the map since.
    """
    event = st.session_state.get(TABLE_KEY)
    try:
        rows = list(event["selection"]["rows"])  # type: ignore[index]
    except (TypeError, KeyError):
        return
    if not rows or not 0 <= int(rows[0]) < len(ids):
        return
    chosen = str(ids[int(rows[0])])
    st.session_state[SELECTED_KEY] = chosen
    request_zoom(st.session_state, chosen)
    st.session_state.pop(SOURCE_KEY, None)


def _row_callback(ids: Sequence[str]) -> Callable[[], None]:
    return partial(pick_row, tuple(ids))


@st.cache_data(show_spinner=False, max_entries=8)
def _export_bytes(ids_key: str, fmt: str, headers: str, year: int | None, _selected,
                  _contents) -> bytes:  # fmt: skip
    with tempfile.TemporaryDirectory(prefix="portal_export_") as tmp:
        out = Path(tmp) / f"selection{SUFFIXES[fmt]}"
        export_selection(_selected, _contents.mentions, _contents.documents, fmt=fmt, out=out,
                         headers=headers, year=year)  # fmt: skip
        return out.read_bytes()


def render_overview(
    contents: StoreContents,
    selected: gpd.GeoDataFrame,
    *,
    lang: str,
    status_column: str,
    year: int | None = None,
    styled_rows: int = STYLED_ROWS,
) -> None:
    """Draw the table, the two charts and the download control (the stage cells coloured
    up to ``styled_rows`` rows)."""
    st.subheader(translate("table", lang))
    ordered = selected.loc[table_order(selected, status_column=status_column)]
    table = table_frame(ordered, lang=lang, status_column=status_column)
    st.dataframe(
        stage_badges(table, lang=lang) if len(table) <= styled_rows else table,
        hide_index=True, width="stretch", selection_mode="single-row", key=TABLE_KEY,
        on_select=_row_callback(ordered["project_id"].astype(str).tolist()),
    )  # fmt: skip
    left, right = st.columns(2)
    with left:
        st.caption(translate("by_layer_status", lang))
        if len(selected):
            counts = stage_counts(selected, by="category", status_column=status_column)
            st.altair_chart(stage_chart(counts, by="category", lang=lang, horizontal=True,
                                        order=CATEGORIES), width="stretch")  # fmt: skip
    with right:
        st.caption(translate("by_target_year", lang))
        if selected["target_year"].notna().any():
            counts = stage_counts(selected, by="target_year", status_column=status_column)
            st.altair_chart(stage_chart(counts, by="target_year", lang=lang, horizontal=False),
                            width="stretch")  # fmt: skip
    st.caption(translate("downloads", lang))
    fmt_col, head_col, button_col = st.columns([3, 2, 2])
    fmt = fmt_col.selectbox(translate("format", lang), FORMATS, label_visibility="collapsed",
                            format_func=lambda f: translate(f"fmt_{f}", lang))  # fmt: skip
    headers = "zh" if head_col.toggle(translate("zh_headers", lang), value=lang == "zh") else "en"
    ids_key = hashlib.sha1("|".join(selected["project_id"]).encode()).hexdigest()
    request = f"{ids_key}:{fmt}:{headers}:{year}"
    # The file is made only when asked for: exporting thousands of features on every
    # rerun would slow down every filter change.
    if st.session_state.get(EXPORT_KEY) != request:
        if button_col.button(translate("prepare_download", lang, fmt=fmt),
                             width="stretch"):  # fmt: skip
            st.session_state[EXPORT_KEY] = request
            st.rerun()
        return
    data = _export_bytes(ids_key, fmt, headers, year, selected, contents)
    button_col.download_button(f"⬇ {fmt}", data=data, file_name=f"projects{SUFFIXES[fmt]}",
                               width="stretch")  # fmt: skip


def summary_line(
    selected: pd.DataFrame, *, year: int | None, lang: str, prefecture_wide: bool = False
) -> str:
    """The headline count, from the same as-of columns as the map and the table: every
    reported stage is counted, so the parts add up to the whole a reporter would quote.

    With ``prefecture_wide`` (a county view that takes in the projects known only by
    its prefecture) it says how many of them, and of the overdue, those are: an
    official must not read a prefecture's overdue project as the county's own.
    """
    known = selected["known_stage"] if "known_stage" in selected else selected["status"]
    overdue = (selected["overdue"].fillna(False).astype(bool) if len(selected)
               else pd.Series([], dtype=bool))  # fmt: skip
    line = translate(
        "summary", lang, n=len(selected), year=year, done=int((known == "completed").sum()),
        building=int((known == "under_construction").sum()),
        preparing=int((known == "preparatory").sum()), proposed=int((known == "proposed").sum()),
        none=int(known.isna().sum()), late=int(overdue.sum()),
    )  # fmt: skip
    if prefecture_wide and "precision" in selected and len(selected):
        wide = (selected["precision"] == "city").to_numpy(dtype=bool)
        if wide.any():
            line += translate("summary_prefecture_wide", lang, n=int(wide.sum()),
                              late=int(overdue.to_numpy(dtype=bool)[wide].sum()))  # fmt: skip
    return line
