"""A large store's page (portal/viewport.py): what it asks the store, and the page in AppTest.

The page is tried on the corpus store with ``PORTAL_VIEWPORT_THRESHOLD=0``, so a
small store is served as a large one would be.
"""

from __future__ import annotations

import html
import json

import pytest
import shapely
from streamlit.testing.v1 import AppTest

from layers import REPO_ROOT
from layers.viewport import View, ViewRequest, empty_projects
from portal.data import VIEW_LIMIT_ENV, VIEWPORT_ENV
from portal.filters import Filters
from portal.mapcomponent import MapReport, report_from_value
from portal.state import SELECTED_KEY, VIEW_REPORT_KEY
from portal.viewport import bounds_match, selected_in_view, view_box, view_request

BOUNDS = [[28.2, 105.3], [32.7, 110.1]]  # south-west, north-east (Leaflet's order)


def test_a_report_counts_only_for_the_frame_it_was_made_under() -> None:
    assert bounds_match(json.dumps(BOUNDS), BOUNDS)
    assert bounds_match("[[28.2,105.3],[32.7,110.1]]", BOUNDS)  # the browser's JSON
    assert not bounds_match("[[31,107],[31.5,107.6]]", BOUNDS)
    assert not bounds_match("not json", BOUNDS)
    report = MapReport((107.0, 31.0, 107.2, 31.1), 12.0, json.dumps(BOUNDS), 5)
    assert view_box(report, bounds=BOUNDS, height_px=640) == ((107.0, 31.0, 107.2, 31.1), 12.0)
    stale = MapReport((107.0, 31.0, 107.2, 31.1), 12.0, "[[31,107],[31.5,107.6]]", 5)
    box, zoom = view_box(stale, bounds=BOUNDS, height_px=640)
    assert box == (105.3, 28.2, 110.1, 32.7) and 5 <= zoom <= 8


def test_only_the_store_years_stage_filters_go_to_the_store() -> None:
    filters = Filters(year=2024, statuses=("completed",), overdue_only=True,
                      target_years=(2024, 2025), search="水库")  # fmt: skip
    own = view_request((107.0, 31.0, 107.2, 31.1), 12, filters=filters, area=None,
                       store_year=2024)  # fmt: skip
    assert own is not None and own.stages == ("completed",) and own.overdue_only
    assert own.target_years == (2024, 2025) and own.search == "水库" and own.named_by == 2024
    assert own.bbox[0] < 107.0 and own.bbox[2] > 107.2  # padded: a short pan needs nothing
    other = view_request(
        (107.0, 31.0, 107.2, 31.1),
        12,
        filters=Filters(year=2022, statuses=("completed",), overdue_only=True),
        area=None,
        store_year=2024,
    )
    assert other is not None and other.stages == () and not other.overdue_only
    assert other.named_by == 2022


def test_a_place_filter_narrows_the_box_and_travels_as_an_outline(view_area_of) -> None:
    area = view_area_of("宣汉县")
    request = view_request((100.0, 20.0, 120.0, 40.0), 6, filters=Filters(year=2024),
                           area=area, store_year=2024)  # fmt: skip
    assert request is not None and request.area_wkb is not None
    minx, miny, maxx, maxy = area.outline.bounds
    assert request.bbox == pytest.approx((minx, miny, maxx, maxy), abs=1e-5)
    assert shapely.from_wkb(request.area_wkb).intersects(area.outline)
    away = view_request((80.0, 40.0, 81.0, 41.0), 9, filters=Filters(year=2024), area=area,
                        store_year=2024)  # fmt: skip
    assert away is None  # the view misses the place: nothing to ask


def test_cells_select_no_projects() -> None:
    request = ViewRequest(bbox=(107.0, 31.0, 108.0, 32.0), zoom=8, limit=1)
    view = View(request, 50, empty_projects())
    assert selected_in_view(view, filters=Filters(year=2024), area=None).empty


@pytest.mark.parametrize("value", [
    None, "x", {"view": "abc"}, {"view": [1, 2, 3]}, {"view": [0, 0, 1, 1], "zoom": "NaN"},
    {"view": [5, 0, 1, 1], "zoom": 3, "at": 1}, {"view": [0, 0, 1, 1], "zoom": 99, "at": 1},
    {"view": [0, 0, 1, 1], "zoom": 3, "at": "soon"},
])  # fmt: skip
def test_a_malformed_report_from_the_browser_is_ignored(value) -> None:
    assert report_from_value(value) is None


def test_a_well_formed_report_is_read() -> None:
    value = {"view": [107, 31, 107.5, 31.3], "zoom": 11.25, "bounds": "[[1,2],[3,4]]", "at": 7}
    assert report_from_value(value) == MapReport((107, 31, 107.5, 31.3), 11.25,
                                                 "[[1,2],[3,4]]", 7)  # fmt: skip


@pytest.fixture(scope="module")
def view_area_of():
    from layers.admin import corpus_area, corpus_prefectures, load_reference
    from layers.corpus import read_catalog
    from layers.selection import view_area

    units = load_reference().units
    counties = corpus_area(units, [entry.adcode for entry in read_catalog()])
    prefectures = corpus_prefectures(units, counties)
    return lambda name: view_area(counties, prefectures, county_names=[name])


@pytest.fixture
def app(viewer_store, monkeypatch) -> AppTest:
    monkeypatch.setenv("PORTAL_STORE", str(viewer_store))
    monkeypatch.setenv(VIEWPORT_ENV, "0")
    return AppTest.from_file(str(REPO_ROOT / "streamlit_app.py"), default_timeout=90)


def _table(app: AppTest):
    return next(d.value for d in app.dataframe if {"定位精度", "Precision"} & set(d.value.columns))


def _texts(app: AppTest) -> str:
    return " ".join(h.proto.body for h in app.get("html")) + " ".join(m.value for m in app.markdown)


def test_the_large_page_lists_the_projects_in_view(app, corpus_tables) -> None:
    app.run()
    assert not app.exception and not app.error
    assert f"大型图层库（{len(corpus_tables.projects)} 个项目）" in _texts(app)
    assert "视野内：共" in _texts(app)
    located = corpus_tables.projects[corpus_tables.projects.geometry.notna()]
    shown = _table(app)
    assert 0 < shown.shape[0] <= len(located)  # the view: every located project named by 2024
    # The map reports a smaller view: the table follows it.
    app.session_state[VIEW_REPORT_KEY] = MapReport(
        (107.4, 31.0, 108.2, 31.8), 10.0, json.dumps(_bounds_of(app)), 1
    )
    app.run()
    assert not app.exception
    assert 0 < _table(app).shape[0] < shown.shape[0]


def _bounds_of(app: AppTest) -> list[list[float]]:
    """The frame the page fitted the map to (from the component's arguments)."""
    from layers.admin import corpus_area, load_reference
    from layers.corpus import read_catalog

    counties = corpus_area(load_reference().units, [e.adcode for e in read_catalog()])
    minx, miny, maxx, maxy = counties.total_bounds
    return [[float(miny), float(minx)], [float(maxy), float(maxx)]]


def test_too_many_in_view_are_counted_not_listed(app, monkeypatch) -> None:
    monkeypatch.setenv(VIEW_LIMIT_ENV, "20")
    app.run()
    assert not app.exception and not app.error
    assert "超过 20 个，无法逐一绘制" in _texts(app)
    assert not [d for d in app.dataframe if {"定位精度"} & set(d.value.columns)]


def test_a_project_link_opens_it_by_id(app, corpus_tables) -> None:
    project = corpus_tables.projects[corpus_tables.projects["name"] == "土溪口水库"].iloc[0]
    app.query_params["project"] = str(project["project_id"])
    app.run()
    assert not app.exception and not app.error
    assert app.session_state[SELECTED_KEY] == project["project_id"]
    # The project and its mentions are read by id: every quote is in the timeline.
    mentions = corpus_tables.mentions[corpus_tables.mentions["project_id"]
                                      == project["project_id"]]  # fmt: skip
    texts = _texts(app)
    assert len(mentions) and all(f"<mark>{html.escape(q)}</mark>" in texts
                                 for q in mentions["quote"])  # fmt: skip


def test_hostile_links_are_data_on_a_large_store(app, corpus_tables) -> None:
    app.query_params["project"] = "x'); DROP TABLE highways; --"
    app.query_params["q"] = "%_'\"<b>"
    app.run()
    assert not app.exception and not app.error
    assert "project" not in app.query_params  # no such project: nothing opened
    assert "视野内：共 0 个项目" in _texts(app)  # the search is text, not a pattern
    assert "<b>" not in _texts(app)  # and never markup
    # The store is intact: a plain view still lists its projects.
    fresh = AppTest.from_file(str(REPO_ROOT / "streamlit_app.py"), default_timeout=90)
    fresh.run()
    assert not fresh.exception and _table(fresh).shape[0] > 100
