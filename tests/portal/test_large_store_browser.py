"""A large store's page in Chromium: cells when the view is full, projects when zoomed in.

The corpus store is served as a large one (``PORTAL_VIEWPORT_THRESHOLD=0``) with at
most 40 projects drawn per view (``PORTAL_VIEW_FEATURES``), so its whole area is
counted on cells and a zoom draws the projects, as a million would be.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from conftest import ARTIFACTS
from mapframe import map_frame

from layers.store import StoreLocation, write_store
from portal.data import VIEW_LIMIT_ENV, VIEWPORT_ENV
from portal.mapcomponent import DRAWN_PROJECTS_JS

VIEW_STATE_JS = "() => window.projectMapView()"
ANSWERED_JS = """() => { const v = window.projectMapView();
  return v.sent > 0 && v.served === v.sent && v.painted >= v.sent; }"""


@pytest.fixture(scope="module")
def large_url(tmp_path_factory, corpus_tables, start_portal) -> Iterator[str]:
    path: Path = tmp_path_factory.mktemp("large_browser") / "corpus.gpkg"
    write_store(StoreLocation.parse(path), corpus_tables)
    with start_portal(str(path), env={VIEWPORT_ENV: "0", VIEW_LIMIT_ENV: "40"}) as url:
        yield url


def _answered(frame, after: int) -> dict:
    """Wait until the map has drawn the answer to a report made after ``after`` (ms)."""
    frame.wait_for_function(f"() => window.projectMapView().sent > {after}", timeout=30_000)
    frame.wait_for_function(ANSWERED_JS, timeout=30_000)
    return frame.evaluate(VIEW_STATE_JS)


def test_a_full_view_is_counted_on_cells_and_a_zoom_draws_the_projects(
    large_url, browser, corpus_tables
) -> None:
    context = browser.new_context(viewport={"width": 1400, "height": 1000}, locale="zh-CN")
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda e: errors.append(str(e)))
    try:
        page.goto(large_url, wait_until="domcontentloaded")
        total = len(corpus_tables.projects)
        page.get_by_text(f"大型图层库（{total} 个项目）", exact=False).wait_for(timeout=60_000)
        frame = map_frame(page)
        state = _answered(frame, 0)
        located = int(corpus_tables.projects.geometry.notna().sum())
        assert 40 < state["cells"] <= located  # counted, not drawn
        assert frame.evaluate(DRAWN_PROJECTS_JS) == 0
        page.get_by_text("超过 40 个，无法逐一绘制", exact=False).wait_for(timeout=30_000)
        assert frame.locator(".view-cell").count() > 1
        page.screenshot(path=str(ARTIFACTS / "large_store_cells.png"))

        # A click on a cell zooms in on it by two steps.
        zoom = frame.evaluate("() => window.projectMap.getZoom()")
        frame.locator(".view-cell").first.click()
        state = _answered(frame, state["sent"])
        assert frame.evaluate("() => window.projectMap.getZoom()") == zoom + 2

        # Where a project is, at a street's zoom: the projects are drawn and listed.
        near = corpus_tables.projects[corpus_tables.projects["precision"] == "near"]
        point = near.geometry.iloc[0]
        frame.evaluate(f"() => window.projectMap.setView([{point.y}, {point.x}], 13, "
                       "{animate: false})")  # fmt: skip
        state = _answered(frame, state["sent"])
        drawn = frame.evaluate(DRAWN_PROJECTS_JS)
        assert drawn >= 1 and state["cells"] == 0
        page.get_by_text("视野内：共", exact=False).wait_for(timeout=30_000)
        page.screenshot(path=str(ARTIFACTS / "large_store_projects.png"))
    finally:
        context.close()
    assert errors == []
