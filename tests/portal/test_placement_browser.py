"""The placement queue in a real browser: accept a candidate, rebuild, see the project move.

A viewer's ``/place`` shows the map. An editor signs in, opens the queue, picks a
project known only to its county whose words name a township, and accepts the
first candidate. The correction is in the store at once and the project leaves
the queue; the map moves it after the rebuild (``rebuild_store``, what
``scripts/build_layers.py`` runs).
"""

from __future__ import annotations

import time

import pytest
import shapely
from mapframe import map_frame

from layers import REPO_ROOT
from layers.auth import hash_password
from layers.candidates import candidates_for, queue_from_store
from layers.localities import load_localities
from layers.publish import rebuild_store
from layers.store import StoreLocation, read_store

pytestmark = pytest.mark.browser

ARTIFACTS = REPO_ROOT / "test-artifacts"
PASSWORD = "correct horse battery"
VIEWPORT = {"width": 1400, "height": 1000}

# In the map's frame: the kind of shape (0 point, 1 line, 2 area: map.js) and the
# coordinates the canvas drew a project with, "badge" for a project known only by its
# county or prefecture (listed on the unit's badge), or null when it is not drawn.
SHAPE_JS = """id => {
  let found = null;
  window.projectMap.eachLayer(layer => {
    if (found || !layer.drawnProjects || !layer.drawnProjects().includes(id)) return;
    const i = layer._rows ? layer._rows.id.indexOf(id) : -1;
    if (i < 0) { found = {kind: "badge", coordinates: null}; return; }  // on its unit's badge
    const g = layer._rows.geom[i];
    const geometry = layer._geometries[g];
    found = {kind: layer._shapes[g].kind,
             coordinates: Array.isArray(geometry) ? geometry : geometry.coordinates};
  });
  return found;
}"""
POINT = 0
# The picker has moved on from the placed project (to the next one in the queue).
PICKED_JS = """placed => [...document.querySelectorAll('input[role=combobox]')].some(i =>
    i.getAttribute('aria-label') === '项目' && i.value && !i.value.startsWith(placed))"""
NOTHING_STALE_JS = (
    "() => !document.querySelector('[data-testid=stElementContainer][data-stale=true]')"
)


def _shape_on_map(page, url: str, project_id: str) -> dict:
    page.goto(f"{url}/?project={project_id}", wait_until="domcontentloaded")
    page.get_by_text("各文件的表述").wait_for(timeout=60_000)
    frame = map_frame(page)
    deadline = time.monotonic() + 30
    shape = frame.evaluate(SHAPE_JS, project_id)
    while shape is None and time.monotonic() < deadline:
        page.wait_for_timeout(250)
        shape = frame.evaluate(SHAPE_JS, project_id)
    assert shape is not None, f"{project_id} is not drawn on the map"
    return shape


def _target(contents, geocoder):
    """The county-precision project with the best first candidate (most-mentioned on a tie).

    Which projects stay coarse depends on the geocoder of the day, so the project
    is chosen here, from the store, as an editor would from the queue.
    """
    queue = queue_from_store(contents.projects, contents.mentions)
    projects = contents.projects.set_index("project_id", drop=False)
    localities = load_localities()
    best = None
    for row in queue[queue["precision"] == "county"].itertuples():
        found = candidates_for(projects.loc[row.project_id], contents.mentions,
                               localities=localities, places=geocoder.places,
                               documents=contents.documents)  # fmt: skip
        if found and (best is None or found[0].score > best[1].score):
            best = (projects.loc[row.project_id], found[0])
    if best is None:
        pytest.fail("no county-precision project of the corpus has a candidate")
    return queue, *best


def test_accepting_a_candidate_moves_the_project_after_the_rebuild(
    tmp_path, browser, geocoder, start_portal
) -> None:
    started = time.monotonic()
    spec = str(tmp_path / "store.gpkg")
    location = StoreLocation.parse(spec)
    rebuild_store(location, geocoder=geocoder)
    queue, project, candidate = _target(read_store(location), geocoder)
    pid = str(project["project_id"])
    editors = f"alice:{hash_password(PASSWORD)}"
    with start_portal(spec, env={"PORTAL_EDITORS": editors}) as url:
        page = browser.new_page(viewport=VIEWPORT)
        page.goto(f"{url}/place", wait_until="domcontentloaded")  # a viewer: the map instead
        page.get_by_text("地方规划基础设施项目地图").wait_for(timeout=60_000)
        assert page.get_by_role("link", name="待定位项目").count() == 0
        assert page.get_by_text("个项目仍只知到区县或地市").count() == 0
        page.goto(f"{url}/signin", wait_until="domcontentloaded")
        page.get_by_label("编辑用户名").fill("alice")
        page.get_by_label("密码").fill(PASSWORD)
        page.get_by_role("button", name="登录").click()
        page.get_by_role("link", name="待定位项目").click()
        page.get_by_text(f"{len(queue)} 个项目仍只知到区县或地市").wait_for(timeout=60_000)
        picker = page.get_by_role("combobox", name="项目")
        picker.click()
        picker.fill(str(project["name"]))
        page.keyboard.press("Enter")
        offer = page.locator(".notice-caption", has_text=f"1. {candidate.name}")
        offer.wait_for(timeout=30_000)
        page.wait_for_function(NOTHING_STALE_JS, timeout=30_000)
        page.wait_for_timeout(1000)  # the map's iframe settles before the screenshot
        page.screenshot(path=str(ARTIFACTS / "placement-queue.png"), full_page=True)
        assert page.locator(".queue-quotes li").count() >= 1  # the quotes, escaped

        page.get_by_role("button", name="采用", exact=True).first.click()
        page.locator(".notice-success", has_text="已定位").wait_for(timeout=30_000)
        page.get_by_text(f"{len(queue) - 1} 个项目仍只知到区县或地市").wait_for(timeout=30_000)
        page.wait_for_function(PICKED_JS, arg=f"{project['name']}（", timeout=30_000)
        page.wait_for_function(NOTHING_STALE_JS, timeout=30_000)  # the rerun has finished
        page.wait_for_timeout(1000)
        page.screenshot(path=str(ARTIFACTS / "placement-queue-accepted.png"), full_page=True)

        contents = read_store(location)  # logged at once, with who and why
        logged = contents.corrections[contents.corrections["project_id"] == pid]
        assert set(logged["field"]) == {"geometry", "precision", "geocode_method"}
        assert set(logged["who"]) == {"alice"}
        assert logged["why"].str.contains(f"placed from the queue: {candidate.name}").all()
        assert _shape_on_map(page, url, pid)["kind"] == "badge"  # the map waits for the rebuild

        rebuild_store(location, geocoder=geocoder)  # as scripts/build_layers.py does
        moved = read_store(location).projects.set_index("project_id").loc[pid]
        assert moved["precision"] == "near"
        assert moved.geometry.equals_exact(candidate.point, 1e-9)
        assert moved["geocode_method"].startswith(f"near {candidate.name} (")
        assert "chosen by editor alice in the placement queue" in moved["geocode_method"]

        shape = _shape_on_map(page, url, pid)
        assert shape["kind"] == POINT
        drawn = shapely.Point(shape["coordinates"])
        assert drawn.distance(candidate.point) < 1e-4
        page.screenshot(path=str(ARTIFACTS / "placement-after-rebuild.png"), full_page=True)
        page.close()
    assert time.monotonic() - started < 90
