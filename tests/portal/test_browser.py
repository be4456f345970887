"""The portal in a real browser (headless Debian Chromium driven by Playwright).

Only a browser shows whether Leaflet actually loaded and drew the counties, and
whether any request tried to leave the machine. Skips here are turned into
failures when ``REQUIRE_BROWSER=1`` (see ``tests/conftest.py``).
"""

from __future__ import annotations

import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urlparse

import pytest
from mapframe import map_frame

from layers import REPO_ROOT
from layers.localities import ATTRIBUTION
from layers.store import StoreLocation, write_store
from portal.mapcomponent import DRAWN_PROJECTS_JS as DRAWN_JS

pytestmark = pytest.mark.browser

try:
    from playwright.sync_api import TimeoutError as PlaywrightTimeout
except ImportError:  # the browser fixture skips (and CI fails) without Playwright
    PlaywrightTimeout = TimeoutError

ARTIFACTS = REPO_ROOT / "test-artifacts"
LOCAL_HOSTS = {"localhost", "127.0.0.1", "[::1]", "::1"}
EXPECTED_FEATURES = 150  # drawable projects of the corpus (187 in all, every one located)
# In the map's frame: how many pixels of the projects' canvas are not blank.
PAINTED_JS = """() => {
  let painted = 0;
  window.projectMap.eachLayer(layer => {
    if (!layer.drawnProjects || !layer._ctx) return;  // the canvas, not the badges
    const canvas = layer._container;
    const pixels = canvas.getContext('2d').getImageData(0, 0, canvas.width, canvas.height).data;
    for (let i = 3; i < pixels.length; i += 4) if (pixels[i]) painted++;
  });
  return painted;
}"""


@pytest.fixture(scope="module")
def corpus_store(tmp_path_factory, corpus_tables) -> Path:
    path = tmp_path_factory.mktemp("browser_store") / "corpus.gpkg"
    write_store(StoreLocation.parse(path), corpus_tables)
    return path


@pytest.fixture(scope="module")
def xuanhan_2025(corpus_tables) -> tuple[int, int]:
    """How many projects documents had named by 2025 are placed in 宣汉县, and how many
    with those known only by its prefecture 达州市 (the default view): the location
    rule's answer on this build, whatever the geocoder now places at 普光镇 or elsewhere."""
    from layers.admin import corpus_area, corpus_prefectures, load_reference
    from layers.corpus import read_catalog
    from layers.selection import select_projects, view_area

    units = load_reference().units
    counties = corpus_area(units, [entry.adcode for entry in read_catalog()])
    prefectures = corpus_prefectures(units, counties)
    counts = [
        len(select_projects(corpus_tables.projects, year=2025, area=view_area(
            counties, prefectures, county_names=["宣汉县"], prefecture_level=level)))
        for level in (False, True)
    ]  # fmt: skip
    return counts[0], counts[1]


@pytest.fixture(scope="module")
def portal_url(corpus_store, start_portal) -> Iterator[str]:
    with start_portal(str(corpus_store)) as url:
        yield url


def _is_local(url: str) -> bool:
    parsed = urlparse(url)
    return parsed.scheme in {"data", "blob", "about"} or parsed.hostname in LOCAL_HOSTS


# A point inside the first drawn project that a click there would hit (a point's centre,
# a segment's middle, a polygon's middle), in the map container's pixels.
TARGET_JS = """() => {
  let found = null;
  window.projectMap.eachLayer(layer => {
    if (found || !layer.drawnProjects) return;
    for (const id of layer.drawnProjects()) {
      found = layer.target(id);
      if (found) return;
    }
  });
  return found;
}"""


def _first_feature_on_page(page) -> tuple[float, float]:
    frame = map_frame(page)
    target = frame.evaluate(TARGET_JS)
    assert target, "no drawn feature inside the map view"
    box = frame.locator(".leaflet-container").bounding_box()
    return box["x"] + target[0], box["y"] + target[1]


def _hover_first_feature(page) -> None:
    x, y = _first_feature_on_page(page)
    page.mouse.move(x - 20, y)
    page.mouse.move(x, y, steps=5)


def _click_first_feature(page) -> None:
    page.mouse.click(*_first_feature_on_page(page))


def _drawn(page, at_least: int = 1) -> int:
    frame = map_frame(page)
    deadline = time.monotonic() + 30
    count = frame.evaluate(DRAWN_JS)
    while count < at_least and time.monotonic() < deadline:
        page.wait_for_timeout(250)
        count = frame.evaluate(DRAWN_JS)
    return count


def _drawn_settles(page, done) -> int:
    """The drawn count once ``done(count)`` holds (or after 30 s, whatever it is then)."""
    frame = map_frame(page)
    deadline = time.monotonic() + 30
    count = frame.evaluate(DRAWN_JS)
    while not done(count) and time.monotonic() < deadline:
        page.wait_for_timeout(100)
        count = frame.evaluate(DRAWN_JS)
    return count


def test_project_map_draws_offline_on_a_canvas(portal_url, browser) -> None:
    outside: list[str] = []
    failed: list[str] = []
    context = browser.new_context(viewport={"width": 1400, "height": 1000}, locale="zh-CN")
    page = context.new_page()
    page.on("request", lambda req: None if _is_local(req.url) else outside.append(req.url))
    page.on("requestfailed", lambda req: failed.append(f"{req.url}: {req.failure}"))
    try:
        page.goto(portal_url, wait_until="domcontentloaded")
        page.get_by_text("地方规划基础设施项目地图").first.wait_for(timeout=60_000)
        assert _drawn(page, EXPECTED_FEATURES) >= EXPECTED_FEATURES
        frame = map_frame(page)
        assert frame.locator(".leaflet-overlay-pane canvas").count() >= 1
        assert frame.evaluate(PAINTED_JS) > 1000  # the projects are on the canvas, not only listed
        assert frame.evaluate("() => typeof L !== 'undefined' && L.version") == "1.9.3"
        assert frame.locator("#map-legend").is_visible()
        # Railways running off the basemap to 成都 end at a named place, not a blank spot.
        assert "成都" in frame.locator(".map-label-end").all_inner_texts()
        page.wait_for_timeout(2000)  # let any late request show up before the checks below
        page.screenshot(path=str(ARTIFACTS / "project_map.png"), full_page=True)
        # The layer control hides a category on the shared canvas, and shows it again.
        everything = _drawn(page)
        switch = frame.locator(".leaflet-control-layers label", has_text="水库")
        switch.click()
        assert _drawn_settles(page, lambda n: n < everything) < everything
        switch.click()
        assert _drawn_settles(page, lambda n: n == everything) == everything
    finally:
        context.close()
    assert outside == [], f"requests left localhost: {outside}"
    assert failed == [], f"requests failed: {failed}"


def test_a_county_and_year_link_changes_what_is_drawn(portal_url, browser, xuanhan_2025) -> None:
    xuanhan, _ = xuanhan_2025
    context = browser.new_context(viewport={"width": 1400, "height": 1000})
    page = context.new_page()
    try:
        page.goto(f"{portal_url}/?county=宣汉县&year=2025&prefecture_level=0",
                  wait_until="domcontentloaded")  # fmt: skip
        page.get_by_text(f"共 {xuanhan} 个项目（截至 2025 年", exact=False).wait_for(timeout=60_000)
        drawn = _drawn(page)
        page.wait_for_timeout(1500)  # let a stale frame settle before counting again
        assert _drawn(page) == drawn
        assert 0 < drawn <= xuanhan < EXPECTED_FEATURES
        page.screenshot(path=str(ARTIFACTS / "xuanhan_2025.png"), full_page=True)
    finally:
        context.close()


def test_a_county_shows_its_prefectures_projects_and_the_map_credits_its_points(
    portal_url, browser, xuanhan_2025
) -> None:
    xuanhan, with_dazhou = xuanhan_2025
    assert xuanhan < with_dazhou
    context = browser.new_context(viewport={"width": 1400, "height": 1000})
    page = context.new_page()
    try:
        page.goto(f"{portal_url}/?county=宣汉县&year=2025", wait_until="domcontentloaded")
        page.get_by_text(f"共 {with_dazhou} 个项目（截至 2025 年", exact=False).wait_for(
            timeout=60_000
        )
        assert _drawn(page, with_dazhou) == with_dazhou
        credits = map_frame(page).locator(".leaflet-control-attribution").inner_text()
        for credit in ATTRIBUTION:
            assert credit in credits, credits
        page.screenshot(path=str(ARTIFACTS / "xuanhan_with_dazhou.png"), full_page=True)
        # The sidebar switch leaves out what is known only by the prefecture.
        page.get_by_text("含只知所在地市的项目").click()
        page.get_by_text(f"共 {xuanhan} 个项目（截至 2025 年", exact=False).wait_for(timeout=30_000)
        assert _drawn_settles(page, lambda n: n == xuanhan) == xuanhan
        assert "prefecture_level=0" in page.url
    finally:
        context.close()


def test_clicking_a_feature_opens_its_details(portal_url, browser) -> None:
    context = browser.new_context(viewport={"width": 1400, "height": 1000})
    page = context.new_page()
    try:
        page.goto(f"{portal_url}/?county=宣汉县&year=2025&layer=reservoir",
                  wait_until="domcontentloaded")  # fmt: skip
        page.get_by_text("点击地图上的项目或表格中的一行查看详情。").wait_for(timeout=60_000)
        _drawn(page)
        _hover_first_feature(page)  # a tooltip names the project and its stage
        tooltip = map_frame(page).locator(".leaflet-tooltip")
        tooltip.wait_for(timeout=10_000)
        assert "名称" in tooltip.inner_text() and "已报告阶段" in tooltip.inner_text()
        _click_first_feature(page)
        page.get_by_text("各文件的表述").wait_for(timeout=30_000)
        page.screenshot(path=str(ARTIFACTS / "details.png"), full_page=True)
        assert page.get_by_text("水库").count() > 0
    finally:
        context.close()


def test_english_switch_in_the_browser(portal_url, browser) -> None:
    context = browser.new_context(viewport={"width": 1400, "height": 1000})
    page = context.new_page()
    try:
        page.goto(portal_url, wait_until="domcontentloaded")
        page.get_by_text("地方规划基础设施项目地图").first.wait_for(timeout=60_000)
        english = page.get_by_text("Infrastructure in local plans: project map").first
        for _ in range(3):  # a click that lands during a rerun is dropped: try again
            page.get_by_text("English").first.click()
            try:
                english.wait_for(timeout=10_000)
                break
            except PlaywrightTimeout:
                continue
        english.wait_for(timeout=10_000)
        assert _drawn(page, EXPECTED_FEATURES) >= EXPECTED_FEATURES
        assert map_frame(page).get_by_text("Reservoirs").count() >= 1  # the layer control
        page.screenshot(path=str(ARTIFACTS / "project_map_en.png"), full_page=True)
    finally:
        context.close()


def test_presentation_mode_for_the_projector(portal_url, browser) -> None:
    context = browser.new_context(viewport={"width": 1600, "height": 1000})
    page = context.new_page()
    try:
        # A link straight into presentation mode (the sidebar switch is covered by AppTest).
        page.goto(f"{portal_url}/?county=宣汉县&year=2025&present=1",
                  wait_until="domcontentloaded")  # fmt: skip
        page.get_by_role("heading", name="宣汉县 · 2025 年").wait_for(timeout=60_000)
        # The sidebar is hidden by the style the page adds; give it a moment to apply.
        page.locator("[data-testid='stSidebar']").wait_for(state="hidden", timeout=15_000)
        assert _drawn(page) > 0
        assert map_frame(page).locator("#map-legend").is_visible()
        assert map_frame(page).locator(".leaflet-control-scale").is_visible()
        with page.expect_download() as download:
            page.get_by_text("导出图片（PNG）").click()
        path = ARTIFACTS / "presentation_figure.png"
        download.value.save_as(path)
        assert path.read_bytes().startswith(b"\x89PNG") and path.stat().st_size > 50_000
        page.wait_for_timeout(1000)
        page.screenshot(path=str(ARTIFACTS / "presentation.png"), full_page=True)
    finally:
        context.close()


RING_ROAD = "达州绕城高速公路西段"  # only ever planned (2025年…建成通车), in 000 alone


def _facts(page) -> dict[str, str]:
    """The details panel's facts table, label -> value."""
    table = page.locator(".project-facts").first
    table.wait_for(timeout=30_000)
    rows = table.locator("tr")
    return {rows.nth(i).locator("th").inner_text(): rows.nth(i).locator("td").inner_text()
            for i in range(rows.count())}  # fmt: skip


def _table_row(page, name: str) -> list[str]:
    """The project table's cells for ``name`` (the grid keeps its cells in the DOM)."""
    grid = page.locator("[data-testid='stDataFrame']").first
    grid.locator("[role='gridcell']", has_text=name).first.wait_for(state="attached",
                                                                    timeout=30_000)  # fmt: skip
    cells = grid.locator("[role='gridcell']").all_inner_texts()
    start = cells.index(name)
    return cells[start : start + 9]


def test_a_plan_is_shown_as_a_target_never_as_an_achievement(
    portal_url, browser, corpus_tables
) -> None:
    project_id = corpus_tables.projects.set_index("name").loc[RING_ROAD, "project_id"]
    context = browser.new_context(viewport={"width": 1400, "height": 1000})
    page = context.new_page()
    try:
        for year, overdue in ((2022, False), (2026, True)):
            page.goto(f"{portal_url}/?project={project_id}&year={year}&q={RING_ROAD}",
                      wait_until="domcontentloaded")  # fmt: skip
            page.get_by_text(f"截至 {year} 年", exact=False).first.wait_for(timeout=60_000)
            facts = _facts(page)
            assert facts["已报告阶段"] == "未报告进展", facts  # never 建成
            assert facts["目标"] == "目标 2025 建成"
            assert facts["逾期未报完成"] == ("⚠ 逾期未报完成" if overdue else "—")
            # The table says the same as the details, as of the same year.
            row = _table_row(page, RING_ROAD)
            assert row[2] == facts["已报告阶段"] and "建成" not in row[2]
            assert row[5] == ("true" if overdue else "false")
            page.screenshot(path=str(ARTIFACTS / f"ring_road_{year}.png"), full_page=True)
    finally:
        context.close()


def test_a_quote_opens_its_source_with_the_sentence_marked(
    portal_url, browser, corpus_tables
) -> None:
    project_id = corpus_tables.projects.set_index("name").loc["达万铁路扩能改造", "project_id"]
    context = browser.new_context(viewport={"width": 1400, "height": 1000})
    page = context.new_page()
    try:
        page.goto(f"{portal_url}/?project={project_id}", wait_until="domcontentloaded")
        page.get_by_text("各文件的表述").wait_for(timeout=60_000)
        citation = page.locator(".mention").first.inner_text()
        assert "人民政府办公室" in citation  # the issuer, as a reporter cites it
        page.get_by_role("button", name="查看原文").first.click()
        passage = page.locator(".source-passage")
        passage.wait_for(timeout=30_000)
        marked = passage.locator(".sentence mark").inner_text()
        assert "达万铁路" in marked
        assert len(passage.inner_text()) > len(marked) + 40  # with the text around it
        page.screenshot(path=str(ARTIFACTS / "source_view.png"), full_page=True)
    finally:
        context.close()


def test_a_project_link_opens_its_details_and_frames_it(portal_url, browser, corpus_tables) -> None:
    projects = corpus_tables.projects
    points = projects[projects.geometry.geom_type == "Point"]
    target = points.iloc[0]
    context = browser.new_context(viewport={"width": 1400, "height": 1000})
    page = context.new_page()
    try:
        page.goto(portal_url, wait_until="domcontentloaded")
        page.get_by_text("点击地图上的项目或表格中的一行查看详情。").wait_for(timeout=60_000)
        _drawn(page)
        overview = map_frame(page).evaluate("() => window.projectMap.getZoom()")
        page.goto(f"{portal_url}/?project={target['project_id']}&lang=en",
                  wait_until="domcontentloaded")  # fmt: skip
        page.get_by_text("What each document says").wait_for(timeout=60_000)
        page.locator(".project-name", has_text=target["name"]).first.wait_for(timeout=30_000)
        frame = map_frame(page)
        deadline = time.monotonic() + 20
        zoom = frame.evaluate("() => window.projectMap.getZoom()")
        while zoom <= overview and time.monotonic() < deadline:
            page.wait_for_timeout(250)
            zoom = frame.evaluate("() => window.projectMap.getZoom()")
        assert zoom > overview  # framed on the project, not the whole area
        centre = frame.evaluate("() => window.projectMap.getCenter()")
        assert abs(centre["lng"] - target.geometry.x) < 0.1
        assert abs(centre["lat"] - target.geometry.y) < 0.1
        assert "lang=en" in page.url and f"project={target['project_id']}" in page.url
        # The link names the pages in English too, from its first view.
        navigation = page.locator('[data-testid="stSidebarNav"]').inner_text()
        assert "Project map" in navigation and "项目地图" not in navigation, navigation
    finally:
        context.close()


def test_the_portal_benchmark_runs_end_to_end(browser) -> None:
    """A tiny real run of scripts/bench_portal.py (speed is reported, never asserted)."""
    result = subprocess.run(
        [sys.executable, str(REPO_ROOT / "scripts" / "bench_portal.py"), "--sizes", "300",
         "--timeout", "90", "--repeat", "1", "--no-write"],
        capture_output=True, text=True, timeout=600,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr[-2000:]
    row = next(line for line in result.stdout.splitlines() if line.startswith("| 300 |"))
    assert row.split("|")[3].strip() == "300"  # every feature was drawn
