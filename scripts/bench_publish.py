"""Benchmark publishing from the portal: publish one reviewed document, then undo it.

Usage: ``python scripts/bench_publish.py [--repeat 3] [--dsn postgresql://...] [--no-write]``

A publish is a locked rebuild of the whole store (every catalogued document plus
every published one, with the corrections applied), so its time grows with the
number of documents; this measures it on the corpus, in a GeoPackage and (when
``--dsn`` or PORTAL_TEST_DSN names a server) in PostGIS. Prints a table and writes
it to docs/benchmarks.md (section ``bench_publish``).
"""

from __future__ import annotations

import argparse
import logging
import os
import statistics
import sys
import tempfile
import time
from datetime import date
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from layers.benchmark import machine_summary, markdown_table, peak_memory_mb, publish
from layers.geocode import load_geocoder
from layers.intake import (
    catalog_entry,
    draft_records,
    edit_row,
    jurisdiction_options,
    read_upload,
    review_records,
)
from layers.publish import Publication, rebuild_store, upload_doc_id, withdraw
from layers.publish import publish as publish_document
from layers.store import CATEGORIES, StoreLocation

REPORT = (
    "宣汉县2025年政府工作报告\n（2025年1月10日）\n"
    "加快建设开江至梁平高速公路，力争2026年建成通车。开工建设宣汉县土溪口水库。"
    "推进宣汉县新材料产业园建设。\n"
)


def _publication(geocoder) -> Publication:
    upload = read_upload(REPORT.encode("gbk"), name="report.txt")
    options = jurisdiction_options(geocoder.places)
    entry = catalog_entry(doc_id=upload_doc_id(upload.sha256), file=upload.stored_name,
                          title="宣汉县2025年政府工作报告", jurisdiction="宣汉县（达州市）",
                          issued="2025-01-10", kind="work_report", options=options,
                          today=date.today())  # fmt: skip
    records = draft_records(upload, entry, places=geocoder.places)
    edits = [edit_row(r) for r in records]
    kept, log, indices = review_records(records, edits, doc_id=entry.doc_id, editor="bench",
                                        reason="benchmark", categories=CATEGORIES)  # fmt: skip
    return Publication(upload, entry, kept, indices, log, [], "bench", "benchmark")


def _measure(location: StoreLocation, geocoder, repeat: int) -> tuple[float, float, float]:
    t0 = time.perf_counter()
    rebuild_store(location, geocoder=geocoder)
    rebuild = time.perf_counter() - t0
    pub = _publication(geocoder)
    publishes, undos = [], []
    for _ in range(repeat):
        t0 = time.perf_counter()
        publish_document(location, pub, geocoder=geocoder)
        publishes.append(time.perf_counter() - t0)
        t0 = time.perf_counter()
        withdraw(location, pub.entry.doc_id, geocoder=geocoder,
                 editor="bench")  # fmt: skip
        undos.append(time.perf_counter() - t0)
    return rebuild, statistics.median(publishes), statistics.median(undos)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--dsn", default=os.environ.get("PORTAL_TEST_DSN"))
    parser.add_argument("--no-write", action="store_true", help="print only")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.WARNING)
    geocoder = load_geocoder()
    rows = []
    with tempfile.TemporaryDirectory(prefix="bench_publish_") as tmp:
        locations = [("GeoPackage", StoreLocation.parse(Path(tmp) / "store.gpkg"))]
        if args.dsn:
            separator = "&" if "?" in args.dsn else "?"
            locations.append(
                ("PostGIS", StoreLocation.parse(f"{args.dsn}{separator}schema=bench_publish"))
            )
        for label, location in locations:
            rebuild, publish_s, undo_s = _measure(location, geocoder, args.repeat)
            rows.append([label, round(rebuild, 2), round(publish_s, 2), round(undo_s, 2)])
    table = markdown_table(
        ["store", "rebuild s", f"publish s (median of {args.repeat})", "undo s (median)"], rows
    )
    report = publish(
        "bench_publish",
        "Publishing from the portal (`scripts/bench_publish.py`)",
        [
            machine_summary(),
            "One reviewed work report (3 records) published into the corpus store and undone "
            "again. A publish is a locked rebuild of the whole store, so it grows with the "
            "number of documents (about 0.1 s per document for extraction, resolution and "
            f"geocoding, see bench_store). Peak memory of the run: {peak_memory_mb():.0f} MB.",
            table,
        ],
        write=not args.no_write,
    )
    print(report)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
