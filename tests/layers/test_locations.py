"""Stored locations: a place comes back exactly, and is reused only for the same inputs."""

from __future__ import annotations

import datetime as dt

import shapely

from layers.geocode import Location
from layers.locations import (
    locate_with_cache,
    location_frame,
    location_key,
    locations_from_frame,
)
from layers.model import Document, Layer, Mention, Record, Span, Stage
from layers.resolve import Project
from layers.schema import LOCATION_SCHEMA

DOC = Document("001", "511722", dt.date(2024, 2, 4))


def _project(name: str, *, counties: tuple[str, ...] = ()) -> Project:
    span = Span(name, 0, len(name))
    record = Record("001", name, Layer.RESERVOIR, (Mention(Stage.PROPOSED, (), False, span, span),),
                    counties=counties)  # fmt: skip
    return Project(f"rs-{abs(hash(name)) % 10**10:010d}", "reservoir", "", [(DOC, record)])


def test_places_round_trip_through_the_table() -> None:
    places = [
        Location(shapely.LineString([(107.5, 31.2), (107.9, 31.4)]), "route", "via 宣汉 | 普光",
                 nodes=("宣汉", "普光"), length_km=43.21, counties=("宣汉县",)),
        Location(shapely.Point(108.03, 31.48), "near", "near 渡口乡"),
        Location(None, "unlocated", "no place named"),
    ]  # fmt: skip
    frame = location_frame(["a", "b", "c"], places)
    assert list(frame.columns) == list(LOCATION_SCHEMA) and len(frame) == 3
    back = locations_from_frame(frame)
    assert [back[k] for k in "abc"][1:] == places[1:]
    line = back["a"]
    assert line.geometry is not None and line.geometry.equals_exact(places[0].geometry, 0)
    assert (line.nodes, line.length_km, line.counties) == (("宣汉", "普光"), 43.21, ("宣汉县",))


def test_the_key_follows_every_input_of_the_geocoder_and_the_pipeline() -> None:
    base = location_key(_project("土溪口水库"), version="v1")
    assert location_key(_project("土溪口水库"), version="v1") == base
    assert location_key(_project("土溪口水库"), version="v2") != base
    assert location_key(_project("土溪口水库", counties=("宣汉县",)), version="v1") != base
    assert location_key(_project("江口水库"), version="v1") != base


def test_only_projects_without_a_stored_place_are_geocoded() -> None:
    projects = [_project("土溪口水库"), _project("江口水库"), _project("李家河水库")]
    kept = Location(shapely.Point(108.0, 31.5), "near", "kept")
    stored = {location_key(projects[1], version="v1"): kept}
    asked: list[list[str]] = []

    def locate(batch):
        asked.append([p.name for p in batch])
        return [Location(None, "unlocated", f"fresh {p.name}") for p in batch]

    places, keys, found = locate_with_cache(projects, stored=stored, version="v1", locate=locate)
    assert asked == [["土溪口水库", "李家河水库"]] and found == 1
    assert places[1] is kept and places[0].method == "fresh 土溪口水库"
    assert keys == [location_key(p, version="v1") for p in projects]
    asked.clear()
    everything = {k: p for k, p in zip(keys, places, strict=True)}
    again, _, found = locate_with_cache(projects, stored=everything, version="v1", locate=locate)
    assert asked == [] and found == 3 and again == places
