"""Candidates for placing a coarse project, and the queue of projects that need one.

Real townships (``load_localities()``, 0.15 s) for the cases the corpus raises;
tiny inline tables where a rule needs a unit that may not exist (a generic stem,
a village named like its county's seat).
"""

from __future__ import annotations

import geopandas as gpd
import pandas as pd
import pytest
import shapely

from layers.candidates import (
    GENERIC_STEMS,
    NAME,
    QUOTE,
    SENTENCE,
    candidates_for,
    county_scope,
    effective_precision,
    placement_method,
    queue_from_store,
)
from layers.corrections import Correction, corrections_frame
from layers.localities import Localities, load_localities

XUANHAN, KAIJIANG, DACHUAN = "511722", "511723", "511703"


@pytest.fixture(scope="module")
def localities() -> Localities:
    return load_localities()


def _project(name: str, *, counties: str | None = "宣汉县", precision: str = "county",
             category: str = "industrial_zone", pid: str = "iz-1") -> pd.Series:  # fmt: skip
    return pd.Series({"project_id": pid, "name": name, "aliases": None, "category": category,
                      "precision": precision, "counties": counties,
                      "located_counties": counties})  # fmt: skip


def _mentions(pid: str = "iz-1", quotes: tuple[str, ...] = (), sentences: tuple[str, ...] = ()):
    sentences = sentences or tuple(quotes)
    return pd.DataFrame({"project_id": [pid] * len(quotes), "doc_id": ["000"] * len(quotes),
                         "quote": list(quotes), "sentence": list(sentences)})  # fmt: skip


_SOURCE = {"source": "vonng-adcode", "datum_of_source": "GCJ-02"}


def _points(rows: list[dict[str, str]], columns: list[str]) -> gpd.GeoDataFrame:
    """Rows as EPSG:4326 points a little apart (107.7, 31.4 onwards), in 宣汉县's east."""
    points = [shapely.Point(107.7 + i / 100, 31.4) for i in range(len(rows))]
    frame = pd.DataFrame(rows, columns=columns)
    return gpd.GeoDataFrame(frame, geometry=points, crs="EPSG:4326")


def _tiny(
    townships: list[tuple[str, str, str]],
    villages: tuple[tuple[str, str, str], ...] = (),
    stations: tuple[tuple[str, str], ...] = (),
) -> Localities:
    """Localities from (code, name, county) rows and (name, county) stations."""
    towns = [{"code": c, "name": n, "name_current": "", "county_adcode": a, **_SOURCE}
             for c, n, a in townships]  # fmt: skip
    units = [{"code": c, "name": n, "town_code": c[:9] + "000", "county_adcode": a, **_SOURCE}
             for c, n, a in villages]  # fmt: skip
    trains = [{"name": n, "station": "train", "county_adcode": a,
               "source": "osm-railway-stations"} for n, a in stations]  # fmt: skip
    return Localities.from_frames(
        _points(towns, ["code", "name", "name_current", "county_adcode", *_SOURCE]),
        _points(units, ["code", "name", "town_code", "county_adcode", *_SOURCE]),
        _points(trains, ["name", "station", "county_adcode", "source"]),
    )


def test_a_township_in_the_name_comes_first(localities, place_index) -> None:
    project = _project("普光经开区")
    mentions = _mentions(quotes=("加快普光经开区建设，推进南坝镇天然气化工",))
    found = candidates_for(project, mentions, localities=localities, places=place_index)
    assert found[0].name == "普光镇"
    assert (found[0].kind, found[0].county_adcode, found[0].found_in) == ("township", XUANHAN, NAME)
    assert found[0].source == "vonng-adcode"
    assert found[0].point.within(shapely.box(107.5, 31.2, 108.5, 32.0))
    assert "南坝镇" in [c.name for c in found]  # a quote hit, ranked after the name's
    assert [c.name for c in found].index("南坝镇") > 0
    assert all(c.county_adcode == XUANHAN for c in found)


def test_a_project_known_only_to_its_prefecture_searches_its_counties(
    localities, place_index
) -> None:
    project = _project("普光经开区", counties=None, precision="city")
    documents = pd.DataFrame({"doc_id": ["000"], "title": ["方案"], "adcode": ["511700"]})
    mentions = _mentions(quotes=("普光经开区",))
    assert set(county_scope(project, places=place_index, regions=("511700",))) >= {
        XUANHAN, KAIJIANG, DACHUAN,
    }  # fmt: skip
    found = candidates_for(project, mentions, localities=localities, places=place_index,
                           documents=documents)  # fmt: skip
    assert found[0].name == "普光镇"
    # Without the documents nothing says which prefecture: no scope, no guesses.
    assert candidates_for(project, mentions, localities=localities, places=place_index) == []


def test_a_prefecture_the_name_opens_with_gives_the_scope(place_index) -> None:
    project = _project("达州高新区", counties=None, precision="city")
    scope = county_scope(project, places=place_index)
    assert XUANHAN in scope and DACHUAN in scope
    assert all(place_index.units[c].prefecture == "达州市" for c in scope)


def test_generic_stems_are_not_offered(place_index) -> None:
    tiny = _tiny([("511722100000", "新华镇", XUANHAN), ("511722101000", "工业街道", XUANHAN),
                  ("511722102000", "普光镇", XUANHAN)])  # fmt: skip
    project = _project("新华工业园")
    mentions = _mentions(quotes=("建设新华工业园，带动普光发展",))
    found = candidates_for(project, mentions, localities=tiny, places=place_index)
    assert [c.name for c in found] == ["普光镇"]
    assert {"新华", "工业", "文化", "城南"} <= GENERIC_STEMS
    everything = candidates_for(project, mentions, localities=tiny, places=place_index,
                                generic=frozenset())  # fmt: skip
    assert {c.name for c in everything} == {"新华镇", "工业街道", "普光镇"}


def test_a_unit_of_another_county_is_not_offered(place_index) -> None:
    tiny = _tiny([("511723100000", "石宝镇", KAIJIANG), ("511722100000", "普光镇", XUANHAN)])
    project = _project("石宝水库")
    found = candidates_for(project, _mentions(quotes=("新建石宝水库",)), localities=tiny,
                           places=place_index)  # fmt: skip
    assert found == []
    in_kaijiang = _project("石宝水库", counties="开江县")
    found = candidates_for(in_kaijiang, _mentions(quotes=("新建石宝水库",)), localities=tiny,
                           places=place_index)  # fmt: skip
    assert [c.name for c in found] == ["石宝镇"]


def test_names_of_counties_are_no_evidence(place_index) -> None:
    """万州 in "达州至万州" is the district; 汉城 inside "宣汉城区" is half the county's name."""
    tiny = _tiny([], villages=(("511722100201", "万州村", XUANHAN),
                               ("511722100202", "汉城村", XUANHAN)))  # fmt: skip
    project = _project("宣汉城区至万州快速通道", category="highway")
    found = candidates_for(project, _mentions(quotes=("建设宣汉城区至万州快速通道",)),
                           localities=tiny, places=place_index)  # fmt: skip
    assert found == []


def test_ranking_name_then_quote_then_sentence_townships_then_longer(place_index) -> None:
    tiny = _tiny(
        [("511722100000", "土溪镇", XUANHAN), ("511722101000", "峰城镇", XUANHAN),
         ("511722102000", "胡家镇", XUANHAN)],
        villages=(("511722100201", "土溪口村", XUANHAN), ("511722100202", "土溪村", XUANHAN)),
    )  # fmt: skip
    project = _project("土溪口水库", category="reservoir")
    mentions = _mentions(quotes=("开工建设土溪口水库，峰城段",),
                         sentences=("开工建设土溪口水库，峰城段，胡家镇配套",))  # fmt: skip
    found = candidates_for(project, mentions, localities=tiny, places=place_index)
    order = [(c.name, c.found_in) for c in found]
    assert order == [
        ("土溪镇", NAME),  # a township in the name
        ("土溪口村", NAME),  # a village in the name, longer stem first
        ("土溪村", NAME),
        ("峰城镇", QUOTE),
        ("胡家镇", SENTENCE),
    ]
    assert [c.score for c in found] == sorted((c.score for c in found), reverse=True)
    assert "土溪" in found[0].why and "name" in found[0].why


def test_stations_are_offered_for_railways(place_index) -> None:
    tiny = _tiny([("511722100000", "普光镇", XUANHAN)],
                 stations=(("普光", XUANHAN), ("宣汉", XUANHAN), ("东林", XUANHAN)))  # fmt: skip
    railway = _project("普光铁路专用线", category="railway", pid="rw-1")
    mentions = _mentions("rw-1", quotes=("建设普光铁路专用线，改造宣汉站",))
    found = candidates_for(railway, mentions, localities=tiny, places=place_index)
    assert [(c.kind, c.name) for c in found] == [
        ("station", "普光"), ("township", "普光镇"), ("station", "宣汉"),
    ]  # fmt: skip
    # 宣汉 names the county: only "宣汉站" makes it the station.
    plain = _mentions("rw-1", quotes=("建设普光铁路专用线，服务宣汉发展",))
    names = [c.name for c in candidates_for(railway, plain, localities=tiny, places=place_index)]
    assert "宣汉" not in names
    zone = _project("普光经开区")
    found = candidates_for(zone, _mentions(quotes=("普光",)), localities=tiny, places=place_index)
    assert [c.kind for c in found] == ["township"]  # no stations for a zone


def test_placement_method_says_where_the_point_comes_from(localities, place_index) -> None:
    found = candidates_for(_project("普光经开区"), _mentions(), localities=localities,
                           places=place_index)  # fmt: skip
    method = placement_method(found[0], county="宣汉县", editor="alice")
    assert method == ("near 普光镇 (宣汉县), township point from Vonng/adcode (CC BY 4.0), "
                      "chosen by editor alice in the placement queue")  # fmt: skip


def _store_projects() -> gpd.GeoDataFrame:
    rows = [("iz-1", "普光经开区", "county"), ("iz-2", "达州高新区", "city"),
            ("rs-1", "土溪口水库", "exact"), ("rw-1", "达万铁路", "route"),
            ("iz-3", "巴州工业园", "county"), ("iz-4", "安仁园区", "county")]  # fmt: skip
    return gpd.GeoDataFrame(
        {"project_id": [r[0] for r in rows], "name": [r[1] for r in rows],
         "category": "industrial_zone", "precision": [r[2] for r in rows],
         "counties": "宣汉县"},
        geometry=[shapely.Point(107.7, 31.4)] * len(rows), crs="EPSG:4326",
    )  # fmt: skip


def test_the_queue_holds_coarse_projects_most_mentioned_first() -> None:
    mentions = pd.DataFrame({
        "project_id": ["iz-2", "iz-2", "iz-2", "iz-1", "iz-1", "iz-3", "iz-3", "rs-1"],
        "doc_id": ["000", "000", "001", "000", "002", "001", "001", "000"],
    })  # fmt: skip
    queue = queue_from_store(_store_projects(), mentions)
    assert list(queue["project_id"]) == ["iz-2", "iz-3", "iz-1", "iz-4"]  # 3, 2, 2 (by name), 0
    assert list(queue["mentions"]) == [3, 2, 2, 0]
    assert list(queue["documents"]) == [2, 1, 2, 0]
    assert list(queue.columns) == ["project_id", "name", "category", "precision", "counties",
                                   "mentions", "documents"]  # fmt: skip


def test_a_recorded_placement_leaves_the_queue_before_the_rebuild() -> None:
    projects = _store_projects()
    mentions = pd.DataFrame({"project_id": ["iz-1"], "doc_id": ["000"]})
    log = corrections_frame([
        Correction("iz-1", "precision", "near", "alice", "queue", when="2025-01-01T00:00:00"),
        # A review correction (doc_id set) belongs to its document's build: not counted.
        Correction("iz-3", "precision", "exact", "bob", "review", when="2025-01-01T00:00:00",
                   doc_id="u123"),
        # Later says coarser again: the latest word counts.
        Correction("iz-4", "precision", "near", "alice", "x", when="2025-01-01T00:00:00"),
        Correction("iz-4", "precision", "county", "alice", "y", when="2025-01-02T00:00:00"),
    ])  # fmt: skip
    assert effective_precision(projects, log)["iz-1"] == "near"
    queue = queue_from_store(projects, mentions, corrections=log)
    assert set(queue["project_id"]) == {"iz-2", "iz-3", "iz-4"}
    assert queue_from_store(projects, mentions, corrections=None)["project_id"].size == 4
