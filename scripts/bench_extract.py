"""Benchmark extraction: throughput on the corpus and on a 100 MB synthetic corpus.

Usage: ``python scripts/bench_extract.py [--synthetic-mb 100] [--no-write]``

Measures the whole path a document takes in ``scripts/extract_projects.py``
(read bytes, decode, normalise, extract with the place index, map quotes back to
the original), one document at a time. The synthetic corpus repeats the corpus
documents as separate files on disk until it reaches the requested size, so
peak memory shows whether documents are really processed one by one. The dev-set
scores are measured too, so the table records quality and speed together.
Prints a table and writes it to docs/benchmarks.md (section ``bench_extract``).
"""

from __future__ import annotations

import argparse
import json
import logging
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

from tqdm import tqdm

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from layers import REPO_ROOT
from layers.admin import load_reference
from layers.benchmark import machine_summary, markdown_table, peak_memory_mb, publish
from layers.corpus import Document, iter_documents
from layers.extract import records_from_text, records_to_original
from layers.placenames import PlaceIndex
from layers.reader import normalise, read_document

DEV_DOCS = ("000", "001", "003", "004")
GOLD = REPO_ROOT / "tests" / "data" / "gold_dev.jsonl"
EVAL = REPO_ROOT / "tests" / "data" / "eval_extract.py"


@dataclass
class Run:
    label: str
    documents: int
    megabytes: float
    records: int
    seconds: float

    @property
    def mb_per_s(self) -> float:
        return self.megabytes / self.seconds if self.seconds else float("inf")


def extract_bytes(
    data: bytes, *, name: str, doc_id: str, year: int | None, places: PlaceIndex, region: str
) -> list[dict[str, object]]:
    """The command line's work for one document, without the process start-up."""
    normalised = normalise(read_document(data, name=name).text)
    records = records_from_text(
        normalised.text, doc_id=doc_id, doc_year=year, places=places, region=region
    )
    return records_to_original(records, normalised)


def bench_corpus(documents: list[Document], places: PlaceIndex) -> tuple[list[list], Run]:
    rows, total_s, total_mb, total_records = [], 0.0, 0.0, 0
    for doc in documents:
        t0 = time.perf_counter()
        records = extract_bytes(
            doc.data,
            name=doc.entry.file,
            doc_id=doc.doc_id,
            year=doc.entry.year,
            places=places,
            region=doc.entry.adcode[:2] + "0000",
        )
        seconds = time.perf_counter() - t0
        mb = len(doc.data) / 1e6
        rows.append([doc.doc_id, round(mb * 1000, 1), len(records), round(seconds, 3),
                     round(mb / seconds, 2)])  # fmt: skip
        total_s, total_mb, total_records = (
            total_s + seconds,
            total_mb + mb,
            total_records + len(records),
        )
    return rows, Run("corpus", len(documents), total_mb, total_records, total_s)


def bench_synthetic(documents: list[Document], places: PlaceIndex, *, megabytes: float) -> Run:
    """Repeat the corpus as files on disk, then extract them one at a time."""
    with tempfile.TemporaryDirectory(prefix="bench_extract_") as tmp:
        paths: list[tuple[Path, Document]] = []
        written = 0
        while written < megabytes * 1e6:
            for doc in documents:
                path = Path(tmp) / f"{len(paths):05d}_{doc.entry.file}"
                path.write_bytes(doc.data)
                paths.append((path, doc))
                written += len(doc.data)
        t0 = time.perf_counter()
        records = 0
        for path, doc in tqdm(paths, desc="synthetic", unit="doc", file=sys.stderr):
            records += len(
                extract_bytes(
                    path.read_bytes(),
                    name=path.name,
                    doc_id=path.stem,
                    year=doc.entry.year,
                    places=places,
                    region=doc.entry.adcode[:2] + "0000",
                )
            )
        seconds = time.perf_counter() - t0
    return Run(f"synthetic {megabytes:g} MB", len(paths), written / 1e6, records, seconds)


def dev_scores(documents: list[Document], places: PlaceIndex) -> dict:
    lines = []
    for doc in documents:
        if doc.doc_id in DEV_DOCS:
            for record in extract_bytes(
                doc.data, name=doc.entry.file, doc_id=doc.doc_id, year=doc.entry.year,
                places=places, region=doc.entry.adcode[:2] + "0000",
            ):  # fmt: skip
                lines.append(json.dumps(record, ensure_ascii=False))
    with tempfile.NamedTemporaryFile("w", suffix=".jsonl", encoding="utf-8") as pred:
        pred.write("\n".join(lines))
        pred.flush()
        result = subprocess.run(
            [sys.executable, str(EVAL), "--gold", str(GOLD), "--pred", pred.name, "--json"],
            capture_output=True, text=True, check=True,
        )  # fmt: skip
    return json.loads(result.stdout)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--synthetic-mb", type=float, default=100.0)
    parser.add_argument("--no-write", action="store_true", help="print only")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.WARNING)
    reference = load_reference()
    places = PlaceIndex.from_tables(reference.units, reference.former_names)
    documents = list(iter_documents())

    scores = dev_scores(documents, places)
    doc_rows, corpus = bench_corpus(documents, places)
    synthetic = bench_synthetic(documents, places, megabytes=args.synthetic_mb)
    peak = peak_memory_mb()

    micro = scores["micro"]
    quality = markdown_table(
        ["measure", "value", "target"],
        [
            ["micro precision", micro["precision"], ""],
            ["micro recall", micro["recall"], ""],
            ["micro F1", micro["f1"], ">= 0.90"],
            ["status accuracy", scores["status_accuracy"], ">= 0.85"],
            ["target-year accuracy", scores["target_year_accuracy"], ">= 0.85"],
            ["exact-name rate", scores["exact_name_rate"], ">= 0.85"],
        ]
        + [
            [f"F1 {category}", v["f1"], f"gold {v['gold']}, predicted {v['pred']}"]
            for category, v in scores["per_category"].items()
        ],
    )
    per_doc = markdown_table(["document", "KB", "records", "seconds", "MB/s"], doc_rows)
    speed = markdown_table(
        ["run", "documents", "MB", "records", "seconds", "MB/s", "peak memory MB"],
        [
            [r.label, r.documents, round(r.megabytes, 1), r.records, round(r.seconds, 2),
             round(r.mb_per_s, 2), round(peak) if r is synthetic else ""]
            for r in (corpus, synthetic)
        ],
    )  # fmt: skip
    report = publish(
        "bench_extract",
        "Extraction (`scripts/bench_extract.py`)",
        [
            machine_summary(),
            "Dev set (documents " + ", ".join(DEV_DOCS) + ", scored by `eval_extract.py`):",
            quality,
            "Throughput: read, decode, normalise, extract, map quotes back; one document at "
            "a time. Target >= 2 MB/s on one core; peak memory < 1 GB on the synthetic run "
            "(peak is the whole process, Python and the reference geography included).",
            speed,
            "Per corpus document:",
            per_doc,
        ],
        write=not args.no_write,
    )
    print(report)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
