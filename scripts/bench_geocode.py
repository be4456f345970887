"""Benchmark geocoding over the corpus: precision shares, placement checks, run time.

Usage: ``python scripts/bench_geocode.py [--no-write]``

For every five-layer project of the corpus: which precision it got (target: at
least 45 % better than ``county``; none silently dropped), whether each point
lies in the county the text ties the project to, else in the document's own
jurisdiction (target: none outside), how many route nodes sit at stations and
towns, and how long each stage takes. Prints the tables and writes them to docs/benchmarks.md
(section ``bench_geocode``).
"""

from __future__ import annotations

import argparse
import logging
import re
import sys
import time
from collections import Counter
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from layers.assemble import document_info, project_frame
from layers.benchmark import machine_summary, markdown_table, publish
from layers.corpus import iter_documents
from layers.extract import records_from_bytes
from layers.geocode import PRECISIONS, load_geocoder
from layers.resolve import resolve_projects

LAYERS = ("highway", "railway", "reservoir", "park", "industrial_zone")
BETTER_THAN_COUNTY = ("exact", "near", "route")


def _scope(project: object, geocoder: object) -> set[str]:
    """County adcodes a project's point may lie in: the named counties, else the documents'."""
    from layers.vicinity import counties_within

    places = geocoder.places
    named = [u for c in project.counties if (u := places.units.get(c) or _resolve(places, c))]
    units = named or [
        places.units[doc.jurisdiction]
        for doc, _ in project.records
        if doc.jurisdiction in places.units
    ]
    return {code for unit in units for code in counties_within(unit, places)}


def _resolve(places: object, name: str) -> object:
    try:
        return places.resolve(name).unit
    except Exception:  # a name the index does not know ties nothing
        return None


COARSE_REASONS = (
    ("a road number, no place along it", r"^[GS]\d{2,4}"),
    ("a source places it in the county, not nearer", r", where \S+ places "),
    ("named after its county or prefecture only", r"named in the text|which the name opens with"),
    ("no place of the tables in the name or the sentence", r"the document's own jurisdiction"),
)
"""Why a project stays at county or prefecture level, read from its name and its method
(first match wins); what matches none is counted as "other"."""


def coarse_reason(name: str, method: str) -> str:
    """The first of :data:`COARSE_REASONS` that the name (road numbers) or method shows."""
    for reason, pattern in COARSE_REASONS:
        if re.search(pattern, name if pattern.startswith("^") else method):
            return reason
    return "other"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--no-write", action="store_true", help="print only")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.WARNING)
    timings: list[list[object]] = []

    t0 = time.perf_counter()
    geocoder = load_geocoder()
    places = geocoder.places
    timings.append(["load reference, gazetteer, geocoder", round(time.perf_counter() - t0, 2)])

    t0 = time.perf_counter()
    extracted = []
    for document in iter_documents():
        entry = document.entry
        records = records_from_bytes(document.data, name=entry.file, doc_id=entry.doc_id,
                                     doc_year=entry.year, places=places,
                                     region=entry.adcode[:2] + "0000")  # fmt: skip
        extracted.append((document_info(entry), records))
    timings.append(["extract 5 documents", round(time.perf_counter() - t0, 2)])

    t0 = time.perf_counter()
    projects = resolve_projects(extracted, geocoder=geocoder)
    timings.append(["resolve across documents", round(time.perf_counter() - t0, 2)])

    t0 = time.perf_counter()
    frame = project_frame(projects, geocoder=geocoder)
    timings.append([f"geocode {len(frame)} projects", round(time.perf_counter() - t0, 2)])

    # Nothing silently dropped: every record's name is a project's name or alias.
    spellings = set(frame["name"]) | {a for s in frame["aliases"] for a in s.split("|") if a}
    records = [r for _, recs in extracted for r in recs]
    dropped = [r.name for r in records if r.name not in spellings]

    five = frame[frame["category"].isin(LAYERS)]
    counts = Counter(five["precision"])
    share_rows = [[p, counts.get(p, 0), f"{100 * counts.get(p, 0) / len(five):.1f} %"]
                  for p in PRECISIONS]  # fmt: skip
    better = sum(counts.get(p, 0) for p in BETTER_THAN_COUNTY)
    layer_rows = []
    for layer in LAYERS:
        part = five[five["category"] == layer]
        c = Counter(part["precision"])
        layer_rows.append([layer, len(part)] + [c.get(p, 0) for p in PRECISIONS])

    by_id = {p.project_id: p for p in projects}
    points = five[five["precision"].isin(["exact", "near"])]
    checked = inside = 0
    outside: list[str] = []
    for row in points.itertuples():
        project = by_id[row.project_id]
        scope = _scope(project, geocoder)
        checked += 1
        county = geocoder.county_of(row.geometry)
        if county is not None and county.adcode in scope:
            inside += 1
        else:
            outside.append(row.name)
    routes = five[five["precision"] == "route"]["geocode_method"]
    stations = int(routes.str.extract(r"(\d+) node\(s\) at stations")[0].astype(float).sum())
    towns = int(routes.str.extract(r"(\d+) node\(s\) at towns")[0].astype(float).sum())

    coarse = five[five["precision"].isin(["county", "city"])]
    reasons = Counter(
        (coarse_reason(r.name, r.geocode_method), r.category) for r in coarse.itertuples()
    )
    reason_rows = [
        [reason, *(reasons.get((reason, layer), 0) for layer in LAYERS),
         sum(reasons.get((reason, layer), 0) for layer in LAYERS)]
        for reason in [r for r, _ in COARSE_REASONS] + ["other"]
    ]  # fmt: skip

    summary = markdown_table(
        ["measure", "value", "target"],
        [
            ["five-layer projects", len(five), ""],
            ["better than county (exact, near, route)",
             f"{better} ({100 * better / len(five):.1f} %)", ">= 45 %"],
            ["unlocated (kept, not drawn)", counts.get("unlocated", 0), ""],
            ["records silently dropped", len(dropped), "0"],
            ["points inside the county the text names (else the document's area)",
             f"{inside} of {checked}" + (f" ({100 * inside / checked:.0f} %)" if checked else ""),
             "100 %"],
            ["route nodes at railway stations / at towns", f"{stations} / {towns}", ""],
        ],
    )  # fmt: skip
    if dropped:
        print(f"dropped: {dropped}", file=sys.stderr)
    if outside:
        print(f"points outside their county: {outside}", file=sys.stderr)
    report = publish(
        "bench_geocode",
        "Geocoding (`scripts/bench_geocode.py`)",
        [
            machine_summary(),
            "Over the whole corpus (5 documents), five map layers:",
            summary,
            "Precision shares:",
            markdown_table(["precision", "projects", "share"], share_rows),
            "By layer:",
            markdown_table(["layer", "projects", *PRECISIONS], layer_rows),
            "`near` points are the township (or village) a facility is named after, from "
            "the derived tables in geodata/gazetteer/ (Vonng/adcode CC BY 4.0, GeoNames "
            "CC BY 3.0, OpenStreetMap ODbL); a village without a point of its own stands at "
            "its township's. What stays at county or prefecture level is named after no "
            "township or village with a point (寒溪寺水库, 龙象寺水库), only after its "
            "county or city (达州高新区, 巴中经开区), or by a road number alone (S303); no "
            "stored source states a coordinate for those, so each keeps its polygon rather "
            "than an invented pin.",
            "Why the rest stays at county or prefecture level (from each project's name "
            "and `geocode_method`):",
            markdown_table(["reason", *LAYERS, "all"], reason_rows),
            "Run time:",
            markdown_table(["stage", "seconds"], timings),
        ],
        write=not args.no_write,
    )
    print(report)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
