"""Basemaps, the view title, and the exported figure."""

from __future__ import annotations

import html
import io
import json
import re

import geopandas as gpd
import matplotlib
import pandas as pd
import shapely
from PIL import Image
from pyproj import Geod
from streamlit.testing.v1 import AppTest

from layers.localities import ATTRIBUTION
from portal import presentation
from portal.basemaps import OFFLINE, available_basemaps, for_basemap
from portal.figure import cjk_font, figure_bytes
from portal.filters import FilterOptions, Filters
from portal.presentation import display_from_query, display_query, title_html, view_title
from portal.projectmap import build_project_map

OPTIONS = FilterOptions({"达州市": ["宣汉县"]}, (2016, 2031), (2021, 2027), {}, 2026)


def _selection() -> gpd.GeoDataFrame:
    return gpd.GeoDataFrame(
        {"project_id": ["rw-1", "rs-1"], "name": ["达万铁路", "土溪口水库"],
         "category": ["railway", "reservoir"], "status": ["under_construction", "completed"],
         "status_as_of": ["under_construction", "completed"], "precision": ["route", "county"],
         "overdue": pd.array([False, True], dtype="boolean"), "doc_ids": ["000|003", "000"]},
        geometry=[shapely.LineString([(107.47, 31.21), (108.38, 30.81)]),
                  shapely.box(107.6, 31.3, 108.4, 31.9)],
        crs="EPSG:4326",
    )  # fmt: skip


def test_offline_is_the_default_and_tianditu_needs_a_key() -> None:
    without = available_basemaps()
    assert next(iter(without)) == OFFLINE and without[OFFLINE].tiles == ()
    assert "tianditu" not in without
    with_key = available_basemaps(tianditu="abc123")
    assert all("tk=abc123" in url for url, _ in with_key["tianditu"].tiles)
    assert len(with_key["tianditu_imagery"].tiles) == 2  # imagery and its labels


def test_features_shift_to_gcj02_only_on_amap(xuanhan) -> None:
    basemaps = available_basemaps()
    original = _selection()
    assert for_basemap(original, basemaps["osm"]) is original
    shifted = for_basemap(original, basemaps["amap"])
    a, b = original.geometry.iloc[0].coords[0], shifted.geometry.iloc[0].coords[0]
    metres = Geod(ellps="WGS84").inv(a[0], a[1], b[0], b[1])[2]
    assert 100 < metres < 700  # the GCJ-02 offset here
    args = build_project_map(original, counties=xuanhan, lang="zh", basemap=basemaps["amap"])
    assert "autonavi.com" in args["tiles"][0]["url"]
    drawn = json.loads(args["geometries"])
    assert drawn[0]["coordinates"][0] == [round(c, 5) for c in b]  # the shifted line is sent


def test_the_view_title_says_what_is_shown() -> None:
    view = Filters(counties=("宣汉县",), categories=("reservoir",), year=2025, overdue_only=True)
    assert view_title(view, OPTIONS, lang="zh") == "宣汉县 · 2025 年 · 水库 · 逾期未报完成"
    assert view_title(Filters(), OPTIONS, lang="en") == "Whole area · as of 2026"


def test_the_figure_is_print_quality_with_a_cjk_font(xuanhan) -> None:
    assert cjk_font() is not None, "install fonts-noto-cjk"
    png = figure_bytes(_selection(), counties=xuanhan, focus=xuanhan,
                       title="宣汉县 · 2025 年", lang="zh", sources="资料来源：测试")  # fmt: skip
    image = Image.open(io.BytesIO(png))
    assert image.format == "PNG" and image.width > 1500 and image.height > 1000
    colours = image.convert("RGB").getcolors(maxcolors=1_000_000)
    assert colours is not None and len(colours) > 50  # not a blank page
    pdf = figure_bytes(_selection(), counties=xuanhan, focus=None, title="宣汉县",
                       lang="zh", sources="x", fmt="pdf")  # fmt: skip
    assert pdf.startswith(b"%PDF") and len(pdf) > 10_000


def test_the_figure_credits_the_point_data_under_its_sources(xuanhan) -> None:
    # SVG with text kept as text (not glyph outlines): the words drawn can be read back.
    with matplotlib.rc_context({"svg.fonttype": "none"}):
        svg = figure_bytes(_selection(), counties=xuanhan, focus=None, title="宣汉县",
                           lang="zh", sources="资料来源：测试", fmt="svg")  # fmt: skip
    texts = re.findall(r"<text[^>]*>(.*?)</text>", svg.decode("utf-8"), flags=re.S)
    drawn = html.unescape(" ".join(texts))
    assert "资料来源：测试" in drawn
    for credit in ATTRIBUTION:
        assert credit in drawn, credit


def test_the_display_settings_survive_a_link() -> None:
    basemaps = available_basemaps()
    assert display_query("offline", False) == {}
    assert display_query("osm", True) == {"basemap": "osm", "present": "1"}
    assert display_from_query({"basemap": "osm", "present": "1"}, basemaps) == ("osm", True)
    # A key the portal does not have (Tianditu without a key, or junk) falls back.
    assert display_from_query({"basemap": "tianditu"}, basemaps) == (OFFLINE, False)


# Search words a link can carry (``?q=``, at most 50 characters): markdown, HTML, LaTeX
# and Streamlit's colour and icon directives. Each must be shown exactly as typed.
HOSTILE_SEARCHES = [
    "![x](http://127.0.0.1:9/x.png)",
    "[点我](http://127.0.0.1:9/)",
    "$\\frac$",
    "<img src=x onerror=alert(1)>",
    ":red[红色] :material/home: :smile:",
    "**粗体** `代码` # 标题",
]


def test_a_hostile_search_is_titled_as_literal_text() -> None:
    for search in HOSTILE_SEARCHES:
        title = view_title(Filters(counties=("宣汉县",), year=2025, search=search), OPTIONS,
                           lang="zh")  # fmt: skip
        assert title == f"宣汉县 · 2025 年 · “{search}”"  # the words, unchanged
        markup = title_html(title)
        # One heading and nothing else: no image, link, script or style from the search.
        tags = re.findall(r"</?([a-zA-Z][\w-]*)", markup)
        assert tags == ["h1", "h1"] and "presentation-title" in markup
        inner = markup.removeprefix(re.match(r"<h1[^>]*>", markup)[0]).removesuffix("</h1>")
        assert html.unescape(inner) == title  # the browser shows exactly the title
        assert "<" not in inner and ">" not in inner


def test_a_math_title_draws_as_text_in_the_figure(xuanhan) -> None:
    for search in HOSTILE_SEARCHES:
        title = view_title(Filters(search=search), OPTIONS, lang="zh")
        png = figure_bytes(_selection(), counties=xuanhan, focus=None, title=title, lang="zh",
                           sources="资料来源：$\\frac$ $x^2$")  # fmt: skip
        assert png.startswith(b"\x89PNG")


def _figure_export_that_fails() -> None:
    """An AppTest script: the figure export when drawing the figure raises."""
    import geopandas as gpd
    import shapely

    from portal import presentation

    def boom(*args: object, **kwargs: object) -> bytes:
        raise ValueError("/srv/portal/secret/path.py: bad mathtext")

    county = gpd.GeoDataFrame({"name": ["宣汉县"]}, crs="EPSG:4326",
                              geometry=[shapely.box(107.4, 31.1, 108.6, 32.0)])  # fmt: skip
    selected = gpd.GeoDataFrame({"project_id": ["rs-1"], "doc_ids": ["000"]},
                                geometry=[shapely.Point(107.5, 31.2)], crs="EPSG:4326")  # fmt: skip
    real = presentation.figure_bytes
    presentation.figure_bytes = boom  # AppTest runs in this process: put it back below
    try:
        presentation.render_figure_export(selected, counties=county, focus=None,
                                          title="“$\\frac$” failing", lang="zh",
                                          boundary_source="test")  # fmt: skip
    finally:
        presentation.figure_bytes = real


def test_a_figure_that_cannot_be_drawn_shows_a_note_never_a_traceback() -> None:
    app = AppTest.from_function(_figure_export_that_fails, default_timeout=60).run()
    assert not app.exception
    assert [c.value for c in app.caption] == ["无法生成图片（PNG）", "无法生成图片（PDF）"]
    assert not app.get("download_button")
    assert presentation.figure_bytes is figure_bytes  # the real one is back
