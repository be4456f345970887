"""Presentation mode on a projector's screens, the A4 figure, and a table row on the map.

In a real browser (headless Debian Chromium driven by Playwright), because only
a browser lays the page out: whether the map and its legend fit the screen with
nothing cut, whether the app's chrome is gone, and whether a row picked in the
table reaches the map. Skips turn into failures with ``REQUIRE_BROWSER=1``.
"""

from __future__ import annotations

import io
import time
from collections.abc import Iterator
from pathlib import Path

import pypdf
import pytest
from mapframe import map_frame

from layers import REPO_ROOT
from layers.store import StoreLocation, write_store
from portal.mapcomponent import DRAWN_PROJECTS_JS

pytestmark = pytest.mark.browser

ARTIFACTS = REPO_ROOT / "test-artifacts"
SCREENS = [(1920, 1080), (1366, 768)]
A4_POINTS = (841.89, 595.28)
APP_TITLE = "地方规划基础设施项目地图"
# The outline of the chosen project, drawn above the canvas in the map's highlight pane.
HIGHLIGHTED_JS = """() => document.querySelectorAll('.leaflet-highlight-pane path').length"""
VIEW_JS = """() => {
  const map = window.projectMap, b = map.getBounds();
  return {zoom: map.getZoom(), west: b.getWest(), east: b.getEast(), south: b.getSouth(),
          north: b.getNorth()};
}"""


@pytest.fixture(scope="module")
def portal_url(tmp_path_factory, corpus_tables, start_portal) -> Iterator[str]:
    path = tmp_path_factory.mktemp("presentation_store") / "corpus.gpkg"
    write_store(StoreLocation.parse(path), corpus_tables)
    with start_portal(str(path)) as url:
        yield url


def _drawn(frame, *, at_least: int = 1) -> int:
    deadline = time.monotonic() + 30
    count = frame.evaluate(DRAWN_PROJECTS_JS)
    while count < at_least and time.monotonic() < deadline:
        frame.page.wait_for_timeout(250)
        count = frame.evaluate(DRAWN_PROJECTS_JS)
    return count


def _inside(box: dict[str, float] | None, width: int, height: int) -> bool:
    return (box is not None and box["x"] >= 0 and box["y"] >= 0
            and box["x"] + box["width"] <= width + 0.5
            and box["y"] + box["height"] <= height + 0.5)  # fmt: skip


def _overlap(a: dict[str, float], b: dict[str, float]) -> bool:
    return (a["x"] < b["x"] + b["width"] and b["x"] < a["x"] + a["width"]
            and a["y"] < b["y"] + b["height"] and b["y"] < a["y"] + a["height"])  # fmt: skip


def _presentation(page, url: str):
    """Open 宣汉县 in 2025 in presentation mode; the map's frame once it has drawn."""
    page.goto(f"{url}/?county=宣汉县&year=2025&present=1", wait_until="domcontentloaded")
    page.locator("h1.presentation-title").wait_for(timeout=60_000)
    page.locator("[data-testid='stSidebar']").wait_for(state="hidden", timeout=15_000)
    frame = map_frame(page)
    assert _drawn(frame) > 0
    page.wait_for_timeout(1500)  # let the frame take its final height
    return frame


@pytest.mark.parametrize(("width", "height"), SCREENS, ids=lambda v: str(v))
def test_presentation_fits_the_screen_with_nothing_cut(portal_url, browser, width, height) -> None:
    context = browser.new_context(viewport={"width": width, "height": height}, locale="zh-CN")
    page = context.new_page()
    try:
        frame = _presentation(page, portal_url)
        title = page.locator("h1.presentation-title")
        assert title.inner_text().startswith("宣汉县 · 2025 年")
        assert title.bounding_box()["height"] < 80  # one line
        # The app's chrome is gone: its title, subtitle, language switch, the toolbar.
        assert not page.get_by_text(APP_TITLE, exact=True).is_visible()
        assert not page.get_by_text("English", exact=True).is_visible()
        assert not page.locator("[data-testid='stToolbar']").is_visible()
        iframe = page.locator("iframe[src*='project_map']").first
        box = iframe.bounding_box()
        assert _inside(box, width, height), box
        assert box["height"] > 0.75 * height and box["width"] > 0.9 * width  # fills the screen
        # The map inside fills its frame, and its legend and scale bar are on screen.
        leaflet = frame.locator(".leaflet-container").bounding_box()
        assert _inside(leaflet, width, height), leaflet
        assert abs(leaflet["height"] - box["height"]) < 2
        boxes = {}
        for part in ("#map-legend", ".leaflet-control-scale"):
            element = frame.locator(part).first
            assert element.is_visible(), part
            boxes[part] = element.bounding_box()
            assert _inside(boxes[part], width, height), part
        assert not _overlap(boxes["#map-legend"], boxes[".leaflet-control-scale"]), boxes
        ARTIFACTS.mkdir(exist_ok=True)
        page.screenshot(path=str(ARTIFACTS / f"presentation-{width}.png"))
    finally:
        context.close()


def test_the_figure_pdf_is_a4_and_names_the_issuers(portal_url, browser, corpus_tables) -> None:
    context = browser.new_context(viewport={"width": 1920, "height": 1080}, locale="zh-CN")
    page = context.new_page()
    try:
        _presentation(page, portal_url)
        button = page.get_by_text("导出图片（PDF）")
        button.wait_for(timeout=120_000)  # below the map: the figure is drawn after it
        with page.expect_download(timeout=60_000) as download:
            button.click()
        path = ARTIFACTS / "presentation_figure.pdf"
        download.value.save_as(path)
    finally:
        context.close()
    (page_one,) = pypdf.PdfReader(io.BytesIO(Path(path).read_bytes())).pages
    size = sorted((float(page_one.mediabox.width), float(page_one.mediabox.height)))
    assert size == pytest.approx(sorted(A4_POINTS), abs=0.05)  # true A4, either way round
    text = page_one.extract_text().replace("\n", "")
    issuers = set(corpus_tables.documents["issuer"].dropna())
    named = {issuer for issuer in issuers if issuer in text}
    assert "达州市人民政府办公室" in named, text[-600:]  # the sources say who issued what
    assert "规划文件 000" not in text


def test_a_table_row_opens_highlights_and_frames_its_project(
    portal_url, browser, corpus_tables
) -> None:
    context = browser.new_context(viewport={"width": 1400, "height": 1000}, locale="zh-CN")
    page = context.new_page()
    try:
        page.goto(f"{portal_url}/?county=宣汉县&year=2025&prefecture_level=0",
                  wait_until="domcontentloaded")  # fmt: skip
        grid = page.locator("[data-testid='stDataFrame']").first
        grid.wait_for(timeout=60_000)
        frame = map_frame(page)
        _drawn(frame)
        page.wait_for_timeout(1000)
        assert frame.evaluate(HIGHLIGHTED_JS) == 0
        before = frame.evaluate("() => window.projectMap.getZoom()")
        grid.scroll_into_view_if_needed()
        box = grid.bounding_box()
        # The first row's selection box: the grid's header and rows are 35 px high.
        page.mouse.click(box["x"] + 18, box["y"] + 35 + 17)
        deadline = time.monotonic() + 30
        while "project=" not in page.url and time.monotonic() < deadline:
            page.wait_for_timeout(250)
        project_id = page.url.split("project=")[1].split("&")[0]
        project = corpus_tables.projects.set_index("project_id").loc[project_id]
        page.locator(".project-name", has_text=str(project["name"])).first.wait_for(
            timeout=30_000
        )  # the details are open
        frame = map_frame(page)
        deadline = time.monotonic() + 20
        while frame.evaluate(HIGHLIGHTED_JS) == 0 and time.monotonic() < deadline:
            page.wait_for_timeout(250)
        assert frame.evaluate(HIGHLIGHTED_JS) > 0  # the map outlines the chosen project
        # Framed on the project: all of it in view, in the middle of the view.
        deadline = time.monotonic() + 20
        while frame.evaluate(VIEW_JS)["zoom"] == before and time.monotonic() < deadline:
            page.wait_for_timeout(250)  # (a project the size of the county keeps the zoom)
        view, settled = frame.evaluate(VIEW_JS), time.monotonic() + 10
        while time.monotonic() < settled:  # the zoom animates: wait until the view stands still
            page.wait_for_timeout(400)
            now = frame.evaluate(VIEW_JS)
            if now == view:
                break
            view = now
        minx, miny, maxx, maxy = project.geometry.bounds
        assert view["west"] <= minx and maxx <= view["east"], (
            view,
            project.geometry.bounds,
            project["name"],
            project["precision"],
        )
        assert view["south"] <= miny and maxy <= view["north"], (view, project.geometry.bounds)
        middle = ((minx + maxx) / 2, (miny + maxy) / 2)
        assert abs((view["west"] + view["east"]) / 2 - middle[0]) < 0.05 + (maxx - minx) / 4
        assert abs((view["south"] + view["north"]) / 2 - middle[1]) < 0.05 + (maxy - miny) / 4
        page.screenshot(path=str(ARTIFACTS / "table_row_on_map.png"))
    finally:
        context.close()
