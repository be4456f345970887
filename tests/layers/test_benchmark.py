"""Benchmark reports: tables and the one-section-per-script benchmarks file."""

from __future__ import annotations

import subprocess
import sys

from layers import REPO_ROOT
from layers.benchmark import markdown_table, peak_memory_mb, write_section


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
    result = subprocess.run(
        [sys.executable, str(REPO_ROOT / "scripts" / "bench_extract.py"),
         "--synthetic-mb", "0.2", "--no-write"],
        capture_output=True, text=True, timeout=300,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    assert "| micro F1 |" in result.stdout
    assert "| synthetic 0.2 MB |" in result.stdout
