"""Benchmark building the store: the corpus and a synthetic 1,000-document corpus,
into a GeoPackage and into PostGIS.

Usage: ``python scripts/bench_store.py [--documents 1000] [--dsn postgresql://...] [--no-write]``

The synthetic corpus repeats the five documents with varied names: in copy k
every head word (水库, 公园, 高速, 产业园...) gets a code of its own in front
(土溪口水库 -> 土溪口甲子一水库), so each copy adds new projects instead of
repeating the same ones. PostGIS is measured when ``--dsn`` or PORTAL_TEST_DSN
names a server. Prints a table and writes it to docs/benchmarks.md (section
``bench_store``).
"""

from __future__ import annotations

import argparse
import logging
import os
import sys
import tempfile
import time
from pathlib import Path

from tqdm import tqdm

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from layers.assemble import tables_from_documents
from layers.benchmark import machine_summary, markdown_table, peak_memory_mb, publish
from layers.corpus import iter_documents
from layers.geocode import load_geocoder
from layers.schema import Tables
from layers.store import StoreLocation, read_store, write_store
from layers.synthetic import synthetic_documents


def _timed_build(location: StoreLocation, tables: Tables) -> float:
    t0 = time.perf_counter()
    write_store(location, tables)
    return time.perf_counter() - t0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--documents", type=int, default=1000)
    parser.add_argument("--dsn", default=os.environ.get("PORTAL_TEST_DSN"))
    parser.add_argument("--no-write", action="store_true", help="print only")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.WARNING)
    geocoder = load_geocoder()
    originals = list(iter_documents())
    rows = []
    with tempfile.TemporaryDirectory(prefix="bench_store_") as tmp:
        for label, documents, total in (
            ("corpus", iter(originals), len(originals)),
            (f"synthetic {args.documents}", synthetic_documents(originals, args.documents),
             args.documents),
        ):  # fmt: skip
            t0 = time.perf_counter()
            with tqdm(total=total, desc=label, unit="doc", file=sys.stderr) as bar:
                tables = tables_from_documents(documents, geocoder=geocoder,
                                               on_document=lambda _: bar.update())  # fmt: skip
            pipeline = time.perf_counter() - t0
            gpkg = StoreLocation.parse(Path(tmp) / f"{label.split()[0]}.gpkg")
            gpkg_s = _timed_build(gpkg, tables)
            size = gpkg.path.stat().st_size / 1e6
            t0 = time.perf_counter()
            read_store(gpkg)
            read_s = time.perf_counter() - t0
            postgis_s: float | str = "not measured (no server)"
            if args.dsn:
                separator = "&" if "?" in args.dsn else "?"
                postgis = StoreLocation.parse(f"{args.dsn}{separator}schema=bench_store")
                postgis_s = round(_timed_build(postgis, tables), 2)
            rows.append([label, total, len(tables.projects), len(tables.mentions),
                         round(pipeline, 1), round(gpkg_s, 2), round(size, 1), round(read_s, 2),
                         postgis_s])  # fmt: skip
    table = markdown_table(
        ["corpus", "documents", "projects", "mentions", "extract+resolve+geocode s",
         "GeoPackage write s", "GeoPackage MB", "GeoPackage read s", "PostGIS write s"],
        rows,
    )  # fmt: skip
    report = publish(
        "bench_store",
        "Store builds (`scripts/bench_store.py`)",
        [
            machine_summary(),
            "The synthetic corpus repeats the five documents with a code before every head word "
            "in each copy, so every copy adds its own projects. Peak memory of the whole run: "
            f"{peak_memory_mb():.0f} MB.",
            table,
        ],
        write=not args.no_write,
    )
    print(report)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
