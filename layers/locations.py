"""Stored locations: each project's place, kept between builds, keyed by what placed it.

Geocoding a project reads only the project (its name, category, other
spellings, counties, endpoints, the stations its texts name at a railway's name
and the jurisdiction of its latest document) and
the reference data and code of the build. The store keeps every project's
:class:`layers.geocode.Location` in a ``locations`` table under a key of all
of that (:func:`location_key`, the pipeline's fingerprint included), so a
build reuses the place of every project whose inputs did not change and
geocodes only the rest: a rebuild after a new year's first document, or after
a catalog change, places nothing twice. A change to the code, the gazetteer or
the reference tables changes every key, and everything is placed again.

This is the store's edge for locations: :class:`Location` objects in, plain
columns out (the geometry as WKB in hex), and back. No I/O.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable, Mapping, Sequence

import pandas as pd
import shapely

from layers.codec import join_list, split_list
from layers.geocode import Location
from layers.resolve import Project
from layers.schema import LOCATION_SCHEMA, typed


def location_key(project: Project, *, version: str) -> str:
    """Everything a project's place depends on, as one key (``version``: the pipeline's)."""
    doc, _ = project.latest
    inputs = [version, project.name, project.category, project.aliases, project.counties,
              project.endpoints, doc.jurisdiction]  # fmt: skip
    if project.stations:  # a railway's stops the texts name (none: the key as before)
        inputs.append(project.stations)
    text = json.dumps(inputs, ensure_ascii=False)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:24]


def location_frame(keys: Sequence[str], locations: Sequence[Location]) -> pd.DataFrame:
    """The locations table: one row per key (the first of a repeated key is kept)."""
    rows: dict[str, dict[str, object]] = {}
    for key, location in zip(keys, locations, strict=True):
        rows.setdefault(key, {
            "key": key,
            "geometry_wkb": None if location.geometry is None else location.geometry.wkb_hex,
            "precision": location.precision, "method": location.method,
            "nodes": join_list(location.nodes), "length_km": location.length_km,
            "counties": join_list(location.counties),
        })  # fmt: skip
    frame = pd.DataFrame(list(rows.values()), columns=list(LOCATION_SCHEMA))
    return typed(frame, LOCATION_SCHEMA)


def locations_from_frame(frame: pd.DataFrame) -> dict[str, Location]:
    """The inverse of :func:`location_frame`, by key."""
    out = {}
    for row in typed(frame, LOCATION_SCHEMA).astype(object).to_dict("records"):
        wkb = row["geometry_wkb"]
        length = row["length_km"]
        out[str(row["key"])] = Location(
            geometry=None if wkb is None or wkb is pd.NA else shapely.from_wkb(str(wkb)),
            precision=str(row["precision"]),
            method=str(row["method"]),
            nodes=tuple(split_list(row["nodes"])),
            length_km=None if length is None or length is pd.NA else float(length),
            counties=tuple(split_list(row["counties"])),
        )
    return out


def locate_with_cache(
    projects: Sequence[Project],
    *,
    stored: Mapping[str, Location],
    version: str,
    locate: Callable[[Sequence[Project]], list[Location]],
) -> tuple[list[Location], list[str], int]:
    """Each project's place: the stored one when its key is known, else ``locate``'s.

    ``locate`` places a list of projects (a runner's ``locate``); it is called once,
    with the projects not found. Returns the places in the order of ``projects``,
    their keys, and how many were found stored.
    """
    keys = [location_key(p, version=version) for p in projects]
    missing = [p for p, key in zip(projects, keys, strict=True) if key not in stored]
    fresh = iter(locate(missing) if missing else [])
    places = [stored[key] if key in stored else next(fresh) for key in keys]
    return places, keys, len(projects) - len(missing)
