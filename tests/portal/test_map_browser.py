"""The project map for a planning meeting, in a real browser (Playwright, Debian Chromium).

Every project reachable (a unit's badge lists the projects known only by it, a crowded spot
lists all that meet there), places named, the map's layer switches one state with the layer
filter, the map as wide as the page until a project is chosen, a legend that folds away.
Skips become failures with ``REQUIRE_BROWSER=1`` (see ``tests/conftest.py``).
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from mapframe import map_frame

from layers import REPO_ROOT
from layers.store import StoreLocation, write_store
from portal.i18n import translate

pytestmark = pytest.mark.browser

ARTIFACTS = REPO_ROOT / "test-artifacts"
SIZES = [(1920, 1080), (1366, 768)]
XUANHAN = "/?county=宣汉县&year=2025"


@pytest.fixture(scope="module")
def corpus_store(tmp_path_factory, corpus_tables) -> Path:
    path = tmp_path_factory.mktemp("map_browser_store") / "corpus.gpkg"
    write_store(StoreLocation.parse(path), corpus_tables)
    return path


@pytest.fixture(scope="module")
def portal_url(corpus_store, start_portal) -> Iterator[str]:
    with start_portal(str(corpus_store)) as url:
        yield url


@pytest.fixture(scope="module")
def xuanhan_view(corpus_tables):
    """The projects of the link ``XUANHAN`` (宣汉县, 2025, with those known only by 达州市),
    as the portal's location rule selects them on this build."""
    from layers.admin import corpus_area, corpus_prefectures, load_reference
    from layers.corpus import read_catalog
    from layers.selection import select_projects, view_area

    units = load_reference().units
    counties = corpus_area(units, [entry.adcode for entry in read_catalog()])
    prefectures = corpus_prefectures(units, counties)
    area = view_area(counties, prefectures, county_names=["宣汉县"], prefecture_level=True)
    return select_projects(corpus_tables.projects, year=2025, area=area)


@pytest.fixture(scope="module")
def known_only_by_xuanhan(xuanhan_view) -> list[str]:
    """Names of the view's projects known only by their county, 宣汉县 among them (whatever
    the geocoder now places more precisely, such as 土溪口水库 at its township)."""
    vague = xuanhan_view[(xuanhan_view["precision"] == "county")
                         & xuanhan_view["counties"].fillna("").str.contains("宣汉县")]  # fmt: skip
    names = sorted(vague["name"].astype(str))
    assert names, "no county-precision project in 宣汉县 on this build"
    return names


def _summary(page, n: int) -> None:
    page.get_by_text(f"共 {n} 个项目", exact=False).first.wait_for(timeout=60_000)


def _open(browser, url: str, size: tuple[int, int] = (1400, 1000)):
    context = browser.new_context(viewport={"width": size[0], "height": size[1]}, locale="zh-CN")
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.goto(url, wait_until="domcontentloaded")
    return context, page, errors


@pytest.mark.parametrize("size", SIZES, ids=lambda s: f"{s[0]}x{s[1]}")
def test_a_county_badge_lists_its_projects_and_a_pick_opens_details_and_outlines_the_unit(
    portal_url, browser, xuanhan_view, known_only_by_xuanhan, size
) -> None:
    context, page, errors = _open(browser, portal_url + XUANHAN, size)
    try:
        _summary(page, len(xuanhan_view))
        frame = map_frame(page)
        badge = frame.locator('.unit-badge[data-place="宣汉县"]')
        badge.wait_for(timeout=30_000)
        badge.hover()  # the count by layer and stage, in words
        tip = frame.locator(".unit-tip")
        tip.wait_for(timeout=10_000)
        words = tip.inner_text()
        assert "宣汉县" in words and "合计" in words and "未报告进展" in words, words
        assert "industrial_zone" not in words and "unreported" not in words
        badge.click()
        listed = frame.locator(".pick-list")
        listed.wait_for(timeout=10_000)
        names = listed.locator(".pick-name").all_inner_texts()
        assert set(known_only_by_xuanhan) <= set(names), names
        wanted = known_only_by_xuanhan[0]
        listed.locator("button.pick", has_text=wanted).first.click()
        page.locator(".project-name", has_text=wanted).first.wait_for(timeout=30_000)
        page.get_by_text("各文件的表述").wait_for(timeout=30_000)
        # The unit is outlined (thin, no fill) and its badge marked, the list closed or not.
        frame.locator('.unit-badge.is-selected[data-place="宣汉县"]').wait_for(timeout=15_000)
        frame.locator(".leaflet-popup-close-button").click()
        outline = frame.locator(".leaflet-highlight-pane path")
        outline.first.wait_for(timeout=10_000)
        assert outline.first.get_attribute("fill") == "none"
        assert float(outline.first.get_attribute("stroke-width") or 9) <= 3
        page.screenshot(path=str(ARTIFACTS / f"badge_pick_{size[0]}.png"))
    finally:
        context.close()
    assert errors == []


def test_place_names_label_the_map_by_zoom(portal_url, browser, xuanhan_view) -> None:
    context, page, errors = _open(browser, portal_url + XUANHAN)
    try:
        _summary(page, len(xuanhan_view))
        frame = map_frame(page)
        assert frame.evaluate("() => window.projectMap.getZoom()") >= 8  # a county's zoom
        frame.locator(".map-label-county", has_text="宣汉县").first.wait_for(timeout=30_000)
        page.goto(portal_url, wait_until="domcontentloaded")  # the whole area: prefectures
        frame = map_frame(page)
        frame.locator(".map-label-city", has_text="达州市").first.wait_for(timeout=30_000)
        assert frame.locator(".map-label-county").count() == 0  # not at the lowest zoom
    finally:
        context.close()
    assert errors == []


# In the map's frame: a point where two or more drawn lines meet (a shared stretch), clear of
# the controls, badges and labels, and the ids of the projects a click there hits.
SHARED_SPOT_JS = """() => {
  const canvas = window.ProjectMap.state.canvas, map = window.projectMap;
  const rect = map.getContainer().getBoundingClientRect(), size = map.getSize();
  const clear = (p) => {
    if (p.x < 10 || p.y < 10 || p.x > size.x - 10 || p.y > size.y - 10) return false;
    const el = document.elementFromPoint(rect.left + p.x, rect.top + p.y);
    return el !== null && !el.closest('.leaflet-control, #map-legend, .unit-badge, .map-label');
  };
  for (let i = 0; i < canvas._rows.id.length; i++) {
    if (!canvas._offset[i] || !canvas._drawnFlags[i]) continue;
    for (const xy of canvas._shapes[canvas._rows.geom[i]].runs) {
      for (let j = 0; j + 3 < xy.length; j += 2) {
        const p = map.layerPointToContainerPoint(
          canvas._layerPoint((xy[j] + xy[j + 2]) / 2, (xy[j + 1] + xy[j + 3]) / 2));
        const hits = canvas._hits(map.containerPointToLayerPoint(p));
        if (hits.length > 1 && clear(p)) return [p.x, p.y, hits.map((h) => canvas._rows.id[h])];
      }
    }
  }
  return null;
}"""


def test_a_click_where_lines_share_a_stretch_lists_every_project_there(
    portal_url, browser, corpus_tables
) -> None:
    names = corpus_tables.projects.set_index("project_id")["name"].astype(str)
    context, page, errors = _open(browser, portal_url + "/?layer=railway")
    try:
        frame = map_frame(page)
        deadline = time.monotonic() + 30
        spot = None
        while spot is None and time.monotonic() < deadline:
            page.wait_for_timeout(500)
            spot = frame.evaluate(SHARED_SPOT_JS)
        assert spot, "no shared stretch of railway in view"
        x, y, ids = spot
        box = frame.locator(".leaflet-container").bounding_box()
        page.mouse.click(box["x"] + x, box["y"] + y)
        listed = frame.locator(".pick-list")
        listed.wait_for(timeout=10_000)
        shown = listed.locator(".pick-name").all_inner_texts()
        assert sorted(shown) == sorted(names[i] for i in ids) and len(shown) >= 2
        assert "此处" in listed.locator(".pick-title").inner_text()
    finally:
        context.close()
    assert errors == []


def _switch(frame, layer: str):
    return frame.locator(".leaflet-control-layers label", has_text=layer).locator("input")


def _grid_has(page, name: str) -> bool:
    grid = page.locator("[data-testid='stDataFrame']").first
    return grid.locator("[role='gridcell']", has_text=name).count() > 0


def test_a_layer_switched_off_on_the_map_filters_the_count_and_the_table_and_stays_off(
    portal_url, browser, xuanhan_view
) -> None:
    everything = len(xuanhan_view)
    reservoirs = xuanhan_view[xuanhan_view["category"] == "reservoir"]
    assert len(reservoirs), "no reservoir in the view on this build"
    left = everything - len(reservoirs)
    reservoir = str(reservoirs["name"].iloc[0])
    context, page, errors = _open(browser, portal_url + XUANHAN)
    try:
        _summary(page, everything)
        page.locator("[data-testid='stDataFrame']").first.wait_for(timeout=30_000)
        deadline = time.monotonic() + 30
        while not _grid_has(page, reservoir) and time.monotonic() < deadline:
            page.wait_for_timeout(250)
        assert _grid_has(page, reservoir)
        frame = map_frame(page)
        _switch(frame, "水库").click()
        _summary(page, left)  # the headline count follows the map's switch
        deadline = time.monotonic() + 30
        while _grid_has(page, reservoir) and time.monotonic() < deadline:
            page.wait_for_timeout(250)
        assert not _grid_has(page, reservoir)  # and so does the table
        assert "layer=" in page.url and "reservoir" not in page.url
        # Another filter changes and comes back: the switch stays off.
        page.get_by_text("只看逾期项目").click()
        page.wait_for_function("() => location.search.includes('overdue=1')", timeout=30_000)
        page.get_by_text("只看逾期项目").click()
        page.wait_for_function("() => !location.search.includes('overdue')", timeout=30_000)
        _summary(page, left)
        frame = map_frame(page)
        assert not _switch(frame, "水库").is_checked()
        # The link keeps it.
        page.goto(page.url, wait_until="domcontentloaded")
        _summary(page, left)
        assert not _switch(map_frame(page), "水库").is_checked()
        # Ticked again: every layer, and the link forgets the filter.
        _switch(map_frame(page), "水库").click()
        _summary(page, everything)
        assert "layer=" not in page.url
    finally:
        context.close()
    assert errors == []


def _widths(page) -> tuple[float, float]:
    """The map frame's width and the main block's content width, in pixels."""
    frame = map_frame(page)
    map_box = frame.frame_element().bounding_box()
    main = page.evaluate("""() => {
      const el = document.querySelector('[data-testid="stMainBlockContainer"]');
      const style = getComputedStyle(el);
      return el.clientWidth - parseFloat(style.paddingLeft) - parseFloat(style.paddingRight);
    }""")
    return map_box["width"], main


@pytest.mark.parametrize("size", SIZES, ids=lambda s: f"{s[0]}x{s[1]}")
def test_the_map_fills_the_width_until_a_project_is_chosen(
    portal_url, browser, corpus_tables, size
) -> None:
    project_id = corpus_tables.projects.set_index("name").loc["达万铁路扩能改造", "project_id"]
    context, page, errors = _open(browser, portal_url, size)
    try:
        page.get_by_text(translate("details_hint", "zh")).wait_for(timeout=60_000)
        width, main = _widths(page)
        assert width >= 0.9 * main, (width, main)
        page.wait_for_timeout(1500)
        page.screenshot(path=str(ARTIFACTS / f"map_{size[0]}x{size[1]}.png"))
        page.goto(f"{portal_url}/?project={project_id}", wait_until="domcontentloaded")
        page.get_by_text("各文件的表述").wait_for(timeout=60_000)
        width, main = _widths(page)
        details = page.locator(".project-name").first.bounding_box()
        map_box = map_frame(page).frame_element().bounding_box()
        assert width < 0.75 * main and details["x"] >= map_box["x"] + map_box["width"]
        page.screenshot(path=str(ARTIFACTS / f"map_details_{size[0]}x{size[1]}.png"))
        page.get_by_role("button", name="关闭详情").click()
        page.get_by_text(translate("details_hint", "zh")).wait_for(timeout=30_000)
        width, main = _widths(page)
        assert width >= 0.9 * main
    finally:
        context.close()
    assert errors == []


def test_the_legend_folds_away_and_remembers_it(portal_url, browser) -> None:
    context, page, errors = _open(browser, portal_url, (1920, 1080))
    try:
        frame = map_frame(page)
        legend = frame.locator("#map-legend")
        legend.wait_for(timeout=30_000)
        assert "is-folded" not in (legend.get_attribute("class") or "")  # room for it here
        body = legend.locator(".legend-body")
        assert body.is_visible()
        legend.locator(".legend-title").click()
        assert not body.is_visible()
        page.reload(wait_until="domcontentloaded")
        frame = map_frame(page)
        frame.locator("#map-legend .legend-title").wait_for(timeout=30_000)
        assert not frame.locator("#map-legend .legend-body").is_visible()  # still folded
        frame.locator("#map-legend .legend-title").click()
        assert frame.locator("#map-legend .legend-body").is_visible()
    finally:
        context.close()
    assert errors == []


def _boxes(frame, selector: str) -> list[dict]:
    return [b for b in (el.bounding_box() for el in frame.locator(selector).all()) if b]


def _overlap(a: dict, b: dict) -> bool:
    """Whether two boxes overlap by more than a pixel's rounding."""
    across = a["x"] < b["x"] + b["width"] - 1 and b["x"] < a["x"] + a["width"] - 1
    return across and a["y"] < b["y"] + b["height"] - 1 and b["y"] < a["y"] + a["height"] - 1


@pytest.mark.parametrize("size", SIZES, ids=lambda s: f"{s[0]}x{s[1]}")
def test_presentation_mode_labels_the_projects_without_collisions(
    portal_url, browser, xuanhan_view, size
) -> None:
    context, page, errors = _open(browser, portal_url + XUANHAN + "&present=1", size)
    try:
        frame = map_frame(page)
        frame.locator(".map-label-project").first.wait_for(timeout=60_000)
        page.wait_for_timeout(1500)
        labels = _boxes(frame, ".map-label")
        badges = _boxes(frame, ".unit-badge")
        projects = frame.locator(".map-label-project").all_inner_texts()
        assert 0 < len(projects) <= 40
        assert set(projects) <= set(xuanhan_view["name"].astype(str))
        everything = labels + badges
        clashes = [(a, b) for i, a in enumerate(everything) for b in everything[i + 1 :]
                   if _overlap(a, b)]  # fmt: skip
        assert clashes == []
        page.screenshot(path=str(ARTIFACTS / f"map_presentation_{size[0]}x{size[1]}.png"))
    finally:
        context.close()
    assert errors == []
