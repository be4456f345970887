"""Benchmark building and changing the store: the corpus and a synthetic 1,000-document
corpus, into a GeoPackage and into PostGIS.

Usage: ``python scripts/bench_store.py [--documents 1000] [--dsn postgresql://...]
[--pipeline-cache FILE] [--no-write]``

The synthetic corpus repeats the five documents with varied names: in copy k
every head word (水库, 公园, 高速, 产业园...) gets a code of its own in front
(土溪口水库 -> 土溪口甲子一水库), so each copy adds new projects instead of
repeating the same ones. Each store is written whole (``write_store``), then
changed in place (``apply_changes``: 60 projects and their mentions removed and
added back, the size of one document's publish), then read. PostGIS is measured
when ``--dsn`` or PORTAL_TEST_DSN names a server. Prints a table and writes it to
docs/benchmarks.md (section ``bench_store``).

``--pipeline-cache FILE`` keeps the synthetic corpus' tables (and the time the
pipeline took to make them) in a pickle, so that iterating on the store does not
re-run two minutes of extraction; the report then says the pipeline time is the
cached one.
"""

from __future__ import annotations

import argparse
import logging
import os
import sys
import tempfile
import time
from collections.abc import Iterable
from pathlib import Path

from tqdm import tqdm

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from layers.assemble import tables_from_documents
from layers.benchmark import (
    cached_pipeline,
    machine_summary,
    markdown_table,
    peak_memory_mb,
    publish,
)
from layers.corpus import Document, iter_documents
from layers.geocode import Geocoder, load_geocoder
from layers.schema import Tables
from layers.store import (
    Changes,
    StoreContents,
    StoreLocation,
    apply_changes,
    read_store,
    write_store,
)
from layers.synthetic import synthetic_documents

CHANGED_PROJECTS = 60  # about what publishing one plan document rewrites


def _timed_build(location: StoreLocation, tables: Tables) -> tuple[float, StoreContents]:
    t0 = time.perf_counter()
    result = write_store(location, tables)
    return time.perf_counter() - t0, result.contents


def _changes(contents: StoreContents) -> Changes:
    """Remove some projects and their mentions and add them back (the store ends as it began)."""
    ids = contents.projects["project_id"].sample(
        min(CHANGED_PROJECTS, len(contents.projects)), random_state=0
    )
    keys = frozenset(ids)
    projects = contents.projects[contents.projects["project_id"].isin(keys)]
    mentions = contents.mentions[contents.mentions["project_id"].isin(keys)]
    return Changes(
        removed={"projects": ("project_id", keys), "mentions": ("project_id", keys)},
        added={"projects": projects, "mentions": mentions},
    )


def _timed_apply(location: StoreLocation, changes: Changes) -> float:
    t0 = time.perf_counter()
    apply_changes(location, changes)
    return time.perf_counter() - t0


def _pipeline(
    documents: Iterable[Document], total: int, label: str, geocoder: Geocoder
) -> tuple[Tables, float]:
    t0 = time.perf_counter()
    with tqdm(total=total, desc=label, unit="doc", file=sys.stderr) as bar:
        tables = tables_from_documents(documents, geocoder=geocoder,
                                       on_document=lambda _: bar.update())  # fmt: skip
    return tables, time.perf_counter() - t0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--documents", type=int, default=1000)
    parser.add_argument("--dsn", default=os.environ.get("PORTAL_TEST_DSN"))
    parser.add_argument("--pipeline-cache", type=Path, default=None,
                        help="pickle of the synthetic tables, reused when present")  # fmt: skip
    parser.add_argument("--no-write", action="store_true", help="print only")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.WARNING)
    geocoder = load_geocoder()
    originals = list(iter_documents())
    corpus, corpus_s = _pipeline(originals, len(originals), "corpus", geocoder)
    label = f"synthetic {args.documents}"
    synthetic, synthetic_s, cached = cached_pipeline(
        args.pipeline_cache, args.documents,
        lambda: _pipeline(synthetic_documents(originals, args.documents), args.documents, label,
                          geocoder)[0],
    )  # fmt: skip
    rows = []
    with tempfile.TemporaryDirectory(prefix="bench_store_") as tmp:
        for label, total, tables, pipeline in (
            ("corpus", len(originals), corpus, corpus_s),
            (f"synthetic {args.documents}", args.documents, synthetic, synthetic_s),
        ):
            gpkg = StoreLocation.parse(Path(tmp) / f"{label.split()[0]}.gpkg")
            gpkg_s, contents = _timed_build(gpkg, tables)
            changes = _changes(contents)
            gpkg_apply_s = _timed_apply(gpkg, changes)
            size = gpkg.file.stat().st_size / 1e6
            t0 = time.perf_counter()
            back = read_store(gpkg)
            read_s = time.perf_counter() - t0
            assert len(back.projects) == len(contents.projects), "apply lost or doubled projects"
            assert len(back.mentions) == len(contents.mentions), "apply lost or doubled mentions"
            postgis_s: float | str = "not measured (no server)"
            postgis_apply_s: float | str = "not measured (no server)"
            if args.dsn:
                separator = "&" if "?" in args.dsn else "?"
                postgis = StoreLocation.parse(f"{args.dsn}{separator}schema=bench_store")
                seconds, _ = _timed_build(postgis, tables)
                postgis_s = round(seconds, 2)
                postgis_apply_s = round(_timed_apply(postgis, changes), 2)
            projects_changed = len(changes.added["projects"])
            mentions_changed = len(changes.added["mentions"])
            rows.append([label, total, len(tables.projects), len(tables.mentions),
                         round(pipeline, 1), round(gpkg_s, 2), round(size, 1), round(read_s, 2),
                         postgis_s, f"{projects_changed} + {mentions_changed}",
                         round(gpkg_apply_s, 3), postgis_apply_s])  # fmt: skip
    table = markdown_table(
        ["corpus", "documents", "projects", "mentions", "extract+resolve+geocode s",
         "GeoPackage write s", "GeoPackage MB", "GeoPackage read s", "PostGIS write s",
         "changed projects + mentions", "GeoPackage apply s", "PostGIS apply s"],
        rows,
    )  # fmt: skip
    notes = (
        "The synthetic corpus repeats the five documents with a code before every head word "
        "in each copy, so every copy adds its own projects. A write replaces the whole store "
        "(GeoPackage: a new file renamed over the old; PostGIS: COPY into staging tables "
        "swapped in, one transaction). An apply removes the changed projects and their "
        "mentions and inserts them again, in one transaction (`apply_changes`). Peak memory "
        f"of the whole run: {peak_memory_mb():.0f} MB."
    )
    if cached:
        notes += (f" The synthetic pipeline time is the one measured when "
                  f"{args.pipeline_cache.name} was made (`--pipeline-cache`).")  # fmt: skip
    report = publish(
        "bench_store",
        "Store builds and changes (`scripts/bench_store.py`)",
        [machine_summary(), notes, table],
        write=not args.no_write,
    )
    print(report)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
