"""Benchmark extraction: throughput on the corpus and on a 100 MB synthetic corpus.

Usage: ``python scripts/bench_extract.py [--synthetic-mb 100] [--no-write]
[--dev2 DIR --dev2-gold FILE [--dev2-years FILE]]``

Measures the whole path a document takes in ``scripts/extract_projects.py``
(read bytes, decode, normalise, extract with the place index, map quotes back to
the original), one document at a time. The synthetic corpus repeats the corpus
documents as separate files on disk until it reaches the requested size, so
peak memory shows whether documents are really processed one by one. The dev-set
scores are measured too, so the table records quality and speed together, with
the share of mentions whose quote holds the name and a stage word. With
``--dev2`` (a folder of ``NN_*.txt`` texts without catalog rows, their years
from ``--dev2-years``, by default tests/data/dev2_years.json, which copies them
from the set's SOURCES.md) and ``--dev2-gold``, a second development set is
scored as well, with its figures per layer. Prints a table and writes it to
docs/benchmarks.md (section ``bench_extract``).
"""

from __future__ import annotations

import argparse
import json
import logging
import re
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
from layers.codec import record_to_json
from layers.corpus import Document, iter_documents
from layers.extract import STAGE_WORD_RE, quote_holds_name, records_from_bytes
from layers.model import Record
from layers.placenames import PlaceIndex
from layers.reader import normalise, read_document

DEV_DOCS = ("000", "001", "003", "004")
GOLD = REPO_ROOT / "tests" / "data" / "gold_dev.jsonl"
EVAL = REPO_ROOT / "tests" / "data" / "eval_extract.py"
DEV2_YEARS = REPO_ROOT / "tests" / "data" / "dev2_years.json"


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
    data: bytes,
    *,
    name: str,
    doc_id: str,
    year: int | None,
    places: PlaceIndex,
    region: str | None,
) -> list[Record]:
    """The command line's work for one document, without the process start-up."""
    return records_from_bytes(
        data, name=name, doc_id=doc_id, doc_year=year, places=places, region=region
    )


def quote_shares(records: list[Record], original: str) -> dict[str, float]:
    """Of all mentions: the share whose quote holds its name and a stage word, and
    the share whose quote and sentence are exact spans of the original."""
    mentions = [(r, m) for r in records for m in r.mentions]
    cited = exact = 0
    for record, mention in mentions:
        quote = normalise(mention.quote.text).text
        names = [record.name, *record.aliases]
        cited += quote_holds_name(quote, names) and STAGE_WORD_RE.search(quote) is not None
        exact += all(
            original[span.start : span.end] == span.text
            for span in (mention.quote, mention.sentence)
        )
    n = len(mentions) or 1
    return {"mentions": len(mentions), "cited": cited / n, "exact": exact / n}


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


def _score(records: list[Record], gold: Path) -> dict:
    lines = [json.dumps(record_to_json(r), ensure_ascii=False) for r in records]
    with tempfile.NamedTemporaryFile("w", suffix=".jsonl", encoding="utf-8") as pred:
        pred.write("\n".join(lines))
        pred.flush()
        result = subprocess.run(
            [sys.executable, str(EVAL), "--gold", str(gold), "--pred", pred.name, "--json"],
            capture_output=True, text=True, check=True,
        )  # fmt: skip
    return json.loads(result.stdout)


def dev_scores(documents: list[Document], places: PlaceIndex) -> tuple[dict, dict[str, float]]:
    """The dev set's scores, and the quote shares over every corpus document."""
    records: list[Record] = []
    everything: list[Record] = []
    originals: dict[str, str] = {}
    for doc in documents:
        found = extract_bytes(
            doc.data, name=doc.entry.file, doc_id=doc.doc_id, year=doc.entry.year,
            places=places, region=doc.entry.adcode[:2] + "0000",
        )  # fmt: skip
        originals[doc.doc_id] = read_document(doc.data, name=doc.entry.file).text
        everything += found
        if doc.doc_id in DEV_DOCS:
            records += found
    shares = [quote_shares([r], originals[r.doc_id]) for r in everything]
    total = sum(s["mentions"] for s in shares) or 1
    quotes = {
        "mentions": total,
        "cited": sum(s["cited"] * s["mentions"] for s in shares) / total,
        "exact": sum(s["exact"] * s["mentions"] for s in shares) / total,
    }
    return _score(records, GOLD), quotes


def dev2_scores(folder: Path, gold: Path, places: PlaceIndex, *, years: Path = DEV2_YEARS) -> dict:
    """A second development set: ``NN_*.txt`` texts, document id NN, year from ``years``
    (a JSON object of id -> year), else from the text's opening like the command line."""
    known = {k: v for k, v in json.loads(years.read_text(encoding="utf-8")).items() if k.isdigit()}
    records: list[Record] = []
    for path in sorted(folder.glob("[0-9][0-9]_*.txt")):
        data = path.read_bytes()
        year = known.get(path.name[:2])
        if year is None:
            opening = re.findall(r"(20\d{2})年", read_document(data, name=path.name).text[:400])
            year = int(opening[0]) if opening else None
        records += extract_bytes(
            data, name=path.name, doc_id=path.name[:2], year=year, places=places, region=None
        )
    return _score(records, gold)


def _quality_rows(scores: dict, label: str = "") -> list[list]:
    micro = scores["micro"]
    return [
        [f"{label}micro precision", micro["precision"], ""],
        [f"{label}micro recall", micro["recall"], ""],
        [f"{label}micro F1", micro["f1"], ">= 0.93 (dev + dev2)"],
        [f"{label}status accuracy", scores["status_accuracy"], ">= 0.85"],
        [f"{label}target-year accuracy", scores["target_year_accuracy"], ">= 0.85"],
        [f"{label}exact-name rate", scores["exact_name_rate"], ">= 0.90"],
    ]  # fmt: skip


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--synthetic-mb", type=float, default=100.0)
    parser.add_argument("--no-write", action="store_true", help="print only")
    parser.add_argument("--dev2", type=Path, help="folder of a second development set")
    parser.add_argument("--dev2-gold", type=Path, help="its gold records (JSON lines)")
    parser.add_argument(
        "--dev2-years", type=Path, default=DEV2_YEARS, help="its documents' years (JSON)"
    )
    args = parser.parse_args(argv)
    if (args.dev2 is None) != (args.dev2_gold is None):
        parser.error("--dev2 and --dev2-gold go together")
    logging.basicConfig(level=logging.WARNING)
    reference = load_reference()
    places = PlaceIndex.from_tables(reference.units, reference.former_names)
    documents = list(iter_documents())

    scores, quotes = dev_scores(documents, places)
    dev2 = (
        dev2_scores(args.dev2, args.dev2_gold, places, years=args.dev2_years) if args.dev2 else None
    )
    doc_rows, corpus = bench_corpus(documents, places)
    synthetic = bench_synthetic(documents, places, megabytes=args.synthetic_mb)
    peak = peak_memory_mb()

    quality = markdown_table(
        ["measure", "value", "target"],
        _quality_rows(scores)
        + [
            [f"F1 {category}", v["f1"], f"gold {v['gold']}, predicted {v['pred']}"]
            for category, v in scores["per_category"].items()
        ]
        + [
            ["corpus mentions", quotes["mentions"], ""],
            ["quotes holding name + stage word", round(quotes["cited"], 3),
             "1.0 except mentions with no stage word"],
            ["quotes and sentences exact in the original", round(quotes["exact"], 3), "1.0"],
        ]
        + (_quality_rows(dev2, "dev2 ") if dev2 else [])
        + [
            [f"dev2 F1 {category}", v["f1"], f"gold {v['gold']}, predicted {v['pred']}"]
            for category, v in (dev2["per_category"].items() if dev2 else [])
        ],
    )  # fmt: skip
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
            "Dev set (documents "
            + ", ".join(DEV_DOCS)
            + ", scored by `eval_extract.py`)"
            + (
                "; dev2 rows: the second development set (14 short texts of other counties, "
                "`../shared/corpus-dev2`, years from its SOURCES.md)"
                if dev2
                else ""
            )
            + ":",
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
