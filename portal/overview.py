"""Under the map: the project table, counts by layer and status, target years, downloads."""

from __future__ import annotations

import hashlib
import tempfile
from pathlib import Path

import geopandas as gpd
import pandas as pd
import streamlit as st

from layers.export import FORMATS, SUFFIXES, export_selection
from layers.model import Stage
from layers.selection import UNREPORTED
from layers.store import CATEGORIES, StoreContents
from portal.i18n import translate
from portal.state import EXPORT_KEY, SELECTED_KEY, SOURCE_KEY, TABLE_KEY

TABLE_COLUMNS = ("name", "category", "known_stage", "planned_stage", "target_year",
                 "counties", "precision")  # fmt: skip
STAGE_ORDER = (UNREPORTED, *(s.value for s in Stage))
"""Chart and table order: no progress reported first, then proposed … completed."""


def _translated(codes: pd.Series, lang: str) -> pd.Series:
    """Codes to labels, looked up once per distinct code (100,000 rows, a handful of codes)."""
    text = codes.astype(str)
    return text.map({code: translate(code, lang) for code in text.unique()})


def _stages(values: pd.Series) -> pd.Series:
    """Stage codes with "no progress reported" spelt out (it is a value, not a gap)."""
    return values.astype(object).where(values.notna(), UNREPORTED)


def table_frame(selected: gpd.GeoDataFrame, *, lang: str, status_column: str) -> pd.DataFrame:
    """The table under the map: translated codes, one row per project, sortable.

    The stage columns are those of the year the view is for: what documents had
    reported by then, and what the latest plan expected.
    """
    planned = selected["planned_stage"] if "planned_stage" in selected else selected["status"]
    return pd.DataFrame({
        translate("name", lang): selected["name"].astype(str),
        translate("category", lang): _translated(selected["category"], lang),
        translate("known_stage", lang): _translated(_stages(selected[status_column]), lang),
        translate("planned_stage", lang): _translated(planned.fillna("proposed"), lang)
        .where(planned.notna().to_numpy(), "—"),
        translate("target_year", lang): selected["target_year"],
        translate("overdue", lang): selected["overdue"].fillna(False).astype(bool),
        translate("counties", lang): selected["counties"].fillna("").str.replace("|", "、"),
        translate("precision", lang): _translated(selected["precision"], lang),
        translate("info_date", lang): selected["info_date"] if "info_date" in selected
        else None,
    }).reset_index(drop=True)  # fmt: skip


def counts_by_layer_and_status(selected: pd.DataFrame, *, lang: str, status_column: str):
    """Projects per layer (rows) and reported stage (columns), in the fixed orders."""
    table = pd.crosstab(selected["category"], _stages(selected[status_column]))
    table = table.reindex(
        index=[c for c in CATEGORIES if c in table.index],
        columns=[s for s in STAGE_ORDER if s in table.columns],
        fill_value=0,
    )
    table.index = [translate(c, lang) for c in table.index]
    table.columns = [translate(s, lang) for s in table.columns]
    return table


def target_years_by_status(selected: pd.DataFrame, *, lang: str, status_column: str):
    """Projects per target year (rows) and reported stage (columns)."""
    dated = selected[selected["target_year"].notna()]
    table = pd.crosstab(dated["target_year"].astype(int), _stages(dated[status_column]))
    table = table.reindex(columns=[s for s in STAGE_ORDER if s in table.columns], fill_value=0)
    table.index = table.index.astype(str)
    table.columns = [translate(s, lang) for s in table.columns]
    return table


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
) -> None:
    """Draw the table, the two charts and the download control."""
    st.subheader(translate("table", lang))
    event = st.dataframe(
        table_frame(selected, lang=lang, status_column=status_column), hide_index=True,
        width="stretch", on_select="rerun", selection_mode="single-row", key=TABLE_KEY,
    )  # fmt: skip
    rows = event.selection.rows if event and event.selection else []
    if rows:
        chosen = str(selected.iloc[rows[0]]["project_id"])
        if st.session_state.get(SELECTED_KEY) != chosen:
            st.session_state[SELECTED_KEY] = chosen
            st.session_state.pop(SOURCE_KEY, None)
    left, right = st.columns(2)
    with left:
        st.caption(translate("by_layer_status", lang))
        if len(selected):
            st.bar_chart(
                counts_by_layer_and_status(selected, lang=lang, status_column=status_column)
            )
    with right:
        st.caption(translate("by_target_year", lang))
        if selected["target_year"].notna().any():
            st.bar_chart(target_years_by_status(selected, lang=lang, status_column=status_column))
    st.caption(translate("downloads", lang))
    fmt_col, head_col, button_col = st.columns([2, 1, 2])
    fmt = fmt_col.selectbox(translate("format", lang), FORMATS, label_visibility="collapsed")
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
