"""Benchmark reports: tables and the one-section-per-script benchmarks file."""

from __future__ import annotations

import os
import re
import subprocess
import sys

from layers import REPO_ROOT
from layers.benchmark import markdown_table, peak_memory_mb, write_section


def _run_script(name: str, *args: str) -> subprocess.CompletedProcess[str]:
    """Run a benchmark script for real (tiny sizes); speed is never asserted."""
    script = REPO_ROOT / "scripts" / name
    return subprocess.run([sys.executable, str(script), *args], capture_output=True, text=True,
                          timeout=300)  # fmt: skip


def test_markdown_table_aligns_numbers_and_escapes_pipes() -> None:
    table = markdown_table(["doc", "MB/s"], [["a|b", 2.5], ["c", 3]])
    assert table.splitlines() == [
        "| doc | MB/s |",
        "| --- | ---: |",
        "| a\\|b | 2.5 |",
        "| c | 3 |",
    ]


def test_each_script_rewrites_only_its_own_section(tmp_path) -> None:
    path = tmp_path / "benchmarks.md"
    write_section("bench_a", "first A", path=path)
    write_section("bench_b", "only B", path=path)
    write_section("bench_a", "second A", path=path)
    text = path.read_text(encoding="utf-8")
    assert text.startswith("# Benchmarks")
    assert "second A" in text and "first A" not in text and "only B" in text
    assert text.index("second A") < text.index("only B")  # order kept


def test_peak_memory_is_a_plausible_size() -> None:
    assert 10 < peak_memory_mb() < 100_000


def test_extraction_benchmark_runs_end_to_end() -> None:
    """A tiny run of the real script: it must print its tables (speed is not asserted)."""
    result = _run_script("bench_extract.py", "--synthetic-mb", "0.2", "--no-write")
    assert result.returncode == 0, result.stderr
    assert "| micro F1 |" in result.stdout
    assert "| synthetic 0.2 MB |" in result.stdout


def test_geocoding_benchmark_runs_end_to_end() -> None:
    result = _run_script("bench_geocode.py", "--no-write")
    assert result.returncode == 0, result.stderr
    assert "| records silently dropped | 0 | 0 |" in result.stdout
    # Every project left at county or prefecture level falls under a stated reason.
    assert "| a road number, no place along it |" in result.stdout
    assert re.search(r"^\| other \| 0 \| 0 \| 0 \| 0 \| 0 \| 0 \|$", result.stdout, re.M)


def test_store_benchmark_varies_names_per_copy() -> None:
    from layers.corpus import iter_documents
    from layers.synthetic import synthetic_documents

    originals = list(iter_documents())
    copies = list(synthetic_documents(originals, 7))
    assert [c.doc_id for c in copies] == [f"s{k:04d}" for k in range(7)]
    assert copies[0].data == originals[0].data  # the first round is the corpus itself
    varied = copies[5].data.decode("utf-8")
    assert "土溪口甲子一水库" in varied and "土溪口水库" not in varied


def test_store_benchmark_runs_end_to_end() -> None:
    result = _run_script("bench_store.py", "--documents", "6", "--no-write")
    assert result.returncode == 0, result.stderr
    assert "| synthetic 6 | 6 |" in result.stdout


def test_publish_benchmark_runs_end_to_end() -> None:
    result = _run_script("bench_publish.py", "--repeat", "1", "--documents", "6", "--no-write")
    assert result.returncode == 0, result.stderr
    assert "| GeoPackage |" in result.stdout and "publish s (median of 1)" in result.stdout
    rows = [line for line in result.stdout.splitlines() if line.startswith("| GeoPackage |")]
    assert len(rows) == 2 and all(row.endswith("| yes |") for row in rows)  # corpus, synthetic


def test_a_spawned_process_reports_its_own_peak_not_its_parents() -> None:
    """A Dask worker is spawned (fork, then exec): ``ru_maxrss`` survived the exec, so a
    worker of a 1 GB test process reported 1 GB before doing anything."""
    import multiprocessing

    ballast = bytearray(os.urandom(1)) * (400 * 2**20)  # 400 MB, every page touched
    parent = peak_memory_mb()
    with multiprocessing.get_context("spawn").Pool(1) as pool:
        child = pool.apply(peak_memory_mb)
    del ballast
    assert parent > 400 and child < parent - 300
