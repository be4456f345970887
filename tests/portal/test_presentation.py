"""Basemaps, the view title, and the exported figure."""

from __future__ import annotations

import html
import io
import json
import re

import geopandas as gpd
import matplotlib
import pandas as pd
import pypdf
import pytest
import shapely
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from PIL import Image
from pyproj import Geod
from streamlit.testing.v1 import AppTest

from layers.localities import ATTRIBUTION
from portal import figure as figure_module
from portal.basemaps import OFFLINE, available_basemaps, for_basemap
from portal.figure import DPI, LABEL_LIMIT, cjk_font, figure_bytes, legend_handles, place_labels
from portal.figurepage import (
    LANDSCAPE,
    PORTRAIT,
    grow_to_aspect,
    page_layout,
    sources_text,
    wrap_text,
)
from portal.filters import FilterOptions, Filters
from portal.i18n import translate
from portal.presentation import (
    MAP_OFFSET_REM,
    PRESENTATION_CSS,
    display_from_query,
    display_query,
    title_html,
    view_title,
)
from portal.projectmap import STATUS_COLORS, build_project_map
from portal.state import LANG_KEY, MAP_KEY

A4_POINTS = (841.89, 595.28)  # 297 x 210 mm
DOCUMENTS = pd.DataFrame({
    "doc_id": ["000", "003"], "issuer": ["达州市人民政府办公室", "重庆市梁平区人民政府办公室"],
    "title": ["重点目标任务责任分工方案", "2021年区政府工作报告目标任务分解方案"],
    "issued": ["2021-12-06", "2021-03-12"],
})  # fmt: skip

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


def test_the_view_title_counts_the_projects() -> None:
    view = Filters(counties=("宣汉县",), year=2025)
    assert view_title(view, OPTIONS, lang="zh", count=23) == "宣汉县 · 2025 年 · 23 个项目"
    assert view_title(view, OPTIONS, lang="en", count=1) == "宣汉县 · as of 2025 · 1 project"
    assert view_title(view, OPTIONS, lang="en", count=0) == "宣汉县 · as of 2025 · 0 projects"


def test_presentation_hides_the_apps_chrome_and_sizes_the_map_to_the_screen() -> None:
    css = PRESENTATION_CSS
    for hidden in ("stSidebar", "stToolbar", "stHeader", f".st-key-{LANG_KEY}"):
        assert hidden in css  # the header row holding the language switch goes too
    assert f".st-key-{MAP_KEY} iframe" in css
    assert f"calc(100vh - {MAP_OFFSET_REM}rem)" in css
    assert "{" not in title_html("宣汉县").split(">", 1)[1]  # the title is text, not style


def _pdf(data: bytes) -> pypdf.PdfReader:
    return pypdf.PdfReader(io.BytesIO(data))


def test_the_figure_is_true_a4_turned_to_the_selections_shape(xuanhan) -> None:
    wide = figure_bytes(_selection(), counties=xuanhan, focus=xuanhan, title="宣汉县",
                        lang="zh", sources="", fmt="pdf")  # fmt: skip
    (page,) = _pdf(wide).pages
    assert (float(page.mediabox.width), float(page.mediabox.height)) == pytest.approx(
        A4_POINTS, abs=0.05)  # fmt: skip
    tall = xuanhan.set_geometry([shapely.box(107.4, 31.1, 107.9, 32.3)], crs="EPSG:4326")
    pdf = figure_bytes(_selection(), counties=tall, focus=tall, title="宣汉县", lang="zh",
                       sources="", fmt="pdf")  # fmt: skip
    (page,) = _pdf(pdf).pages
    assert (float(page.mediabox.width), float(page.mediabox.height)) == pytest.approx(
        A4_POINTS[::-1], abs=0.05)  # fmt: skip
    png = Image.open(io.BytesIO(figure_bytes(_selection(), counties=xuanhan, focus=None,
                                             title="x", lang="en", sources="")))  # fmt: skip
    a4_pixels = (297 / 25.4 * DPI, 210 / 25.4 * DPI)
    assert sorted(png.size) == pytest.approx(sorted(a4_pixels), abs=1)  # never cropped


def test_the_page_is_turned_and_the_frame_grown_to_the_map_panel() -> None:
    assert page_layout(1.6) is LANDSCAPE and page_layout(0.7) is PORTRAIT
    for aspect in (LANDSCAPE.map_aspect, PORTRAIT.map_aspect):
        minx, miny, maxx, maxy = grow_to_aspect((0, 0, 100, 400), aspect)
        assert (maxx - minx) / (maxy - miny) == pytest.approx(aspect)
        assert minx <= 0 and maxx >= 100 and miny <= 0 and maxy >= 400  # all still shown


def test_the_figure_names_its_sources_by_issuer_title_and_date(xuanhan) -> None:
    sources = sources_text(_selection(), DOCUMENTS, lang="zh", boundaries="测试边界",
                           date="2025-06-01")  # fmt: skip
    assert "达州市人民政府办公室《重点目标任务责任分工方案》，2021-12-06" in sources
    assert "重庆市梁平区人民政府办公室" in sources and "规划文件 000" not in sources
    pdf = figure_bytes(_selection(), counties=xuanhan, focus=xuanhan, title="宣汉县",
                       lang="zh", sources=sources, fmt="pdf")  # fmt: skip
    text = _pdf(pdf).pages[0].extract_text().replace("\n", "")
    for expected in ("达州市人民政府办公室", "重庆市梁平区人民政府办公室", "2021-12-06",
                     "2021-03-12", "测试边界", ATTRIBUTION[0]):  # fmt: skip
        assert expected in text, expected
    # A document the store does not describe is still listed, by its id.
    unknown = sources_text(_selection(), DOCUMENTS.iloc[:1], lang="en", boundaries="b",
                           date="d")  # fmt: skip
    assert "Plan document 003" in unknown


def test_the_figure_legend_is_the_maps_stages_in_the_maps_order() -> None:
    handles = legend_handles("en")
    stages = handles[: len(STATUS_COLORS)]
    assert [h.get_label() for h in stages] == [translate(s, "en") for s in STATUS_COLORS]
    assert [h.get_color() for h in stages] == list(STATUS_COLORS.values())


def test_labels_are_placed_without_overlaps_and_capped() -> None:
    fig = Figure(figsize=(6, 4), dpi=100)
    FigureCanvasAgg(fig)
    ax = fig.add_axes([0, 0, 1, 1])
    ax.set_xlim(0, 100)
    ax.set_ylim(0, 100)
    crowd = [(f"Project {i}", 50 + i % 3, 50 + i % 2) for i in range(20)]  # one crowded spot
    spread = [(f"Far {i}", 5 + 9 * i, 10 + 8 * i) for i in range(10)]
    boxes = place_labels(ax, crowd + spread, limit=8)
    assert 4 <= len(boxes) <= 8  # most of the crowd is left out, the cap holds
    assert not any(a.overlaps(b) for i, a in enumerate(boxes) for b in boxes[i + 1 :])
    inside = ax.get_window_extent(fig.canvas.get_renderer())
    assert all(inside.x0 <= b.x0 and b.x1 <= inside.x1 for b in boxes)
    assert len(ax.texts) == len(boxes)  # the ones that did not fit are not drawn
    assert LABEL_LIMIT <= 40


def test_long_source_lines_wrap_between_cjk_characters_and_keep_dates_whole() -> None:
    lines = wrap_text("达州市人民政府办公室《重点目标任务责任分工方案》，2021-12-06", width=30)
    assert all(sum(2 if ord(c) > 0x2E7F else 1 for c in line) <= 30 for line in lines)
    assert any("2021-12-06" in line for line in lines)


def test_projects_known_by_an_area_are_one_badge_per_unit_and_names_are_text(xuanhan) -> None:
    box = shapely.box(107.6, 31.3, 108.4, 31.9)
    selected = gpd.GeoDataFrame(
        {"project_id": ["a", "b", "c"], "name": ["$\\frac$ 园区", "乙园区", "<b>丙</b>"],
         "category": ["industrial_zone"] * 3, "status": ["completed", None, "proposed"],
         "precision": ["county", "county", "exact"], "doc_ids": ["000"] * 3,
         "overdue": pd.array([False, False, True], dtype="boolean")},
        geometry=[box, box, shapely.Point(107.8, 31.5)], crs="EPSG:4326",
    )  # fmt: skip
    pdf = figure_bytes(selected, counties=xuanhan, focus=xuanhan, title="宣汉县", lang="zh",
                       sources="", fmt="pdf")  # fmt: skip
    texts = _pdf(pdf).pages[0].extract_text().splitlines()  # names stay text: searchable
    assert texts.count("2") == 1  # the two projects known only by the county: one badge
    assert "<b>丙</b>" in texts  # a labelled project, its name drawn as typed
    assert "宣汉县" in texts[:-1]  # the county's name on the map (the title is last)
    assert "$\\frac$ 园区" not in texts  # area projects are counted, not labelled


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

    from portal import figure, presentation  # AppTest runs this function alone

    def boom(*args: object, **kwargs: object) -> bytes:
        raise ValueError("/srv/portal/secret/path.py: bad mathtext")

    county = gpd.GeoDataFrame({"name": ["宣汉县"]}, crs="EPSG:4326",
                              geometry=[shapely.box(107.4, 31.1, 108.6, 32.0)])  # fmt: skip
    selected = gpd.GeoDataFrame({"project_id": ["rs-1"], "doc_ids": ["000"]},
                                geometry=[shapely.Point(107.5, 31.2)], crs="EPSG:4326")  # fmt: skip
    real = figure.figure_bytes
    figure.figure_bytes = boom  # AppTest runs in this process: put it back below
    try:
        presentation.render_figure_export(selected, counties=county, focus=None,
                                          title="“$\\frac$” failing", lang="zh",
                                          boundary_source="test", documents=None)  # fmt: skip
    finally:
        figure.figure_bytes = real


def test_a_figure_that_cannot_be_drawn_shows_a_note_never_a_traceback() -> None:
    app = AppTest.from_function(_figure_export_that_fails, default_timeout=60).run()
    assert not app.exception
    assert [c.value for c in app.caption] == ["无法生成图片（PNG）", "无法生成图片（PDF）"]
    assert not app.get("download_button")
    assert figure_module.figure_bytes is figure_bytes  # the real one is back
