"""The table and charts under the map speak the map's visual language (colours, order, words)."""

from __future__ import annotations

import re

import geopandas as gpd
import pandas as pd
import pytest
import shapely
import streamlit as st

from portal import overview
from portal.i18n import translate
from portal.overview import (
    STAGE_ORDER,
    pick_row,
    stage_badges,
    stage_chart,
    stage_counts,
    summary_line,
    table_frame,
    table_order,
)
from portal.projectmap import STATUS_COLORS
from portal.state import SELECTED_KEY, SOURCE_KEY, TABLE_KEY, ZOOM_KEY


def _selection() -> gpd.GeoDataFrame:
    return gpd.GeoDataFrame(
        {"project_id": ["a", "b", "c", "d"], "name": ["乙水库", "甲铁路", "丙公路", "丁园区"],
         "category": ["reservoir", "railway", "highway", "industrial_zone"],
         "status": ["completed", "proposed", None, "under_construction"],
         "known_stage": ["completed", None, None, "under_construction"],
         "planned_stage": [None, "completed", None, None],
         "target_year": pd.array([2025, None, 2027, None], dtype="Int64"),
         "overdue": pd.array([False, True, False, None], dtype="boolean"),
         "counties": ["宣汉县", "达川区|宣汉县", None, "通川区"],
         "precision": ["exact", "route", "county", "near"],
         "info_date": ["2021-12-06", None, "2024-02-04", "2021-03"]},
        geometry=[shapely.Point(107.7, 31.4), shapely.LineString([(107.5, 31.2), (108, 31)]),
                  shapely.box(107.4, 31.1, 108.6, 32.0), shapely.Point(107.5, 31.2)],
        crs="EPSG:4326",
    )  # fmt: skip


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_chart_colours_are_the_maps_stage_colours_in_the_legends_order(lang) -> None:
    counts = stage_counts(_selection(), by="category", status_column="known_stage")
    spec = stage_chart(counts, by="category", lang=lang, horizontal=True).to_dict()
    scale = spec["encoding"]["color"]["scale"]
    # Every stage, in the map legend's order, with its map colour: 建成 is the same green
    # in every view, whichever stages the view happens to hold.
    assert STAGE_ORDER == tuple(STATUS_COLORS)
    assert scale["domain"] == [translate(s, lang) for s in STATUS_COLORS]
    assert scale["range"] == list(STATUS_COLORS.values())
    assert spec["encoding"]["order"]["field"] == "stage_rank"  # stacked in that order too
    rows = pd.DataFrame(next(iter(spec["datasets"].values())))
    assert (rows["stage_rank"] == rows["stage"].map(STAGE_ORDER.index)).all()


def test_the_same_stage_keeps_its_colour_in_a_view_with_only_that_stage() -> None:
    only = _selection().iloc[[0]]
    for by in ("category", "target_year"):
        counts = stage_counts(only, by=by, status_column="known_stage")
        spec = stage_chart(counts, by=by, lang="zh", horizontal=by == "category").to_dict()
        scale = spec["encoding"]["color"]["scale"]
        colour = dict(zip(scale["domain"], scale["range"], strict=True))
        assert colour["建成"] == STATUS_COLORS["completed"]


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_chart_titles_and_tooltips_are_words_not_field_codes(lang) -> None:
    counts = stage_counts(_selection(), by="target_year", status_column="known_stage")
    spec = stage_chart(counts, by="target_year", lang=lang, horizontal=False).to_dict()
    titles = [t["title"] for t in spec["encoding"]["tooltip"]]
    assert titles == [translate("target_year", lang), translate("known_stage", lang),
                      translate("chart_projects", lang)]  # fmt: skip
    assert spec["encoding"]["x"]["title"] == translate("target_year", lang)
    assert spec["encoding"]["color"]["title"] == translate("known_stage", lang)
    legend = spec["encoding"]["color"]["legend"]
    assert legend["orient"] == "bottom" and legend["columns"] <= 2  # no overlap in English
    rows = pd.DataFrame(next(iter(spec["datasets"].values())))
    assert set(rows["by_label"]) == {"2025", "2027"}  # whole years, missing ones left out
    assert "None" not in set(rows["by_label"])


def test_layers_are_charted_in_the_maps_layer_order_with_their_names() -> None:
    counts = stage_counts(_selection(), by="category", status_column="known_stage")
    layers = ("highway", "railway", "reservoir", "industrial_zone")
    spec = stage_chart(counts, by="category", lang="en", horizontal=True, order=layers).to_dict()
    assert spec["encoding"]["y"]["sort"] == ["Highways", "Railways", "Reservoirs",
                                             "Industrial zones"]  # fmt: skip
    rows = pd.DataFrame(next(iter(spec["datasets"].values())))
    assert "reservoir" not in set(rows["by_label"])  # translated, never the code


def test_the_table_lists_projects_in_stage_order_with_dashes_for_missing_years() -> None:
    selected = _selection()
    ordered = selected.loc[table_order(selected, status_column="known_stage")]
    assert list(ordered["project_id"]) == ["a", "d", "c", "b"]  # 建成, 在建, then unreported
    table = table_frame(ordered, lang="zh", status_column="known_stage")
    assert list(table["已报告阶段"]) == ["建成", "在建", "未报告进展", "未报告进展"]
    assert list(table["目标年份"]) == ["2025", "—", "2027", "—"]  # never "None" nor 2025.0
    assert list(table["最新文件日期"]) == ["2021-12-06", "2021-03", "2024-02-04", "—"]
    assert "None" not in table.astype(str).to_numpy()


def test_the_stage_column_wears_the_maps_colours_in_both_languages() -> None:
    selected = _selection()
    for lang in ("zh", "en"):
        table = table_frame(selected, lang=lang, status_column="known_stage")
        styles = stage_badges(table, lang=lang)
        styles._compute()
        column = list(table.columns).index(translate("known_stage", lang))
        css = {row: dict(styles.ctx[(row, column)]) for row in range(len(table))}
        assert css[0]["background-color"] == STATUS_COLORS["completed"]
        assert css[3]["background-color"] == STATUS_COLORS["under_construction"]
        assert css[1]["background-color"] == STATUS_COLORS["unreported"]
        planned = list(table.columns).index(translate("planned_stage", lang))
        assert not styles.ctx.get((1, planned))  # a plan never colours a project


def test_a_picked_row_opens_frames_and_outlines_its_project(monkeypatch) -> None:
    state: dict[str, object] = {TABLE_KEY: {"selection": {"rows": [2], "columns": []}},
                                SOURCE_KEY: ("000", 1, 2, 0, 3)}  # fmt: skip
    monkeypatch.setattr(st, "session_state", state)
    pick_row(("a", "d", "c", "b"))
    assert state[SELECTED_KEY] == "c"  # details
    assert state[ZOOM_KEY] == "c"  # the map frames it once, as a ?project= link does
    assert SOURCE_KEY not in state  # the old project's source view closes
    # Clearing the selection (or a stale row) leaves the open project alone.
    state[TABLE_KEY] = {"selection": {"rows": [], "columns": []}}
    state[SELECTED_KEY] = "d"  # picked on the map since
    pick_row(("a", "d", "c", "b"))
    state[TABLE_KEY] = {"selection": {"rows": [9], "columns": []}}
    pick_row(("a", "d", "c", "b"))
    assert state[SELECTED_KEY] == "d"


def test_the_table_callback_names_the_rows_in_the_order_shown() -> None:
    callback = overview._row_callback(["a", "d"])
    assert callback.args == (("a", "d"),)  # type: ignore[attr-defined]


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_the_headline_parts_add_up_to_the_whole(lang) -> None:
    selected = _selection()
    selected.loc[2, "known_stage"] = "preparatory"  # a reported 前期, once left uncounted
    line = summary_line(selected, year=2024, lang=lang)
    numbers = [int(n) for n in re.findall(r"\d+", line.replace("2024", ""))]
    total, parts = numbers[0], numbers[1:6]  # completed .. proposed, then unreported
    assert total == 4 and sum(parts) == total and parts[2] == 1


def test_a_county_headline_says_what_only_its_prefecture_is_known_for() -> None:
    selected = _selection()
    selected.loc[1, "precision"] = "city"  # overdue, and known only by the prefecture
    plain = summary_line(selected, year=2024, lang="zh")
    wide = summary_line(selected, year=2024, lang="zh", prefecture_wide=True)
    assert wide == plain + "。其中 1 个只知所在地市（含逾期 1 个）"
    english = summary_line(selected, year=2024, lang="en", prefecture_wide=True)
    assert english.endswith("Of these, known only by the prefecture: 1 (1 overdue)")
    selected.loc[1, "precision"] = "route"
    assert summary_line(selected, year=2024, lang="zh", prefecture_wide=True) == plain
