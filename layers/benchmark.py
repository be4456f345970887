"""Benchmark reports: timing tables that go to the console and to docs/benchmarks.md.

Speed is measured by the ``scripts/bench_*.py`` scripts, never by timed tests (a
slow CI machine must not fail a correct build). Each script owns one section of
``docs/benchmarks.md``, delimited by HTML comments, so running one benchmark
rewrites its own table and leaves the others alone.
"""

from __future__ import annotations

import os
import pickle
import platform
import re
import resource
import sys
import time
from collections.abc import Callable, Sequence
from datetime import date
from pathlib import Path

from layers import REPO_ROOT
from layers.schema import Tables

BENCHMARKS_MD = REPO_ROOT / "docs" / "benchmarks.md"
_TITLE = (
    "# Benchmarks\n\n"
    "Written by `scripts/bench_*.py`; each section is replaced when its script runs.\n"
)


def markdown_table(header: Sequence[str], rows: Sequence[Sequence[object]]) -> str:
    """A GitHub-flavoured Markdown table; numbers right-aligned."""

    def cell(value: object) -> str:
        return str(value).replace("|", "\\|")

    numeric = [
        all(isinstance(row[i], int | float) for row in rows) if rows else False
        for i in range(len(header))
    ]
    lines = [
        "| " + " | ".join(map(cell, header)) + " |",
        "| " + " | ".join("---:" if n else "---" for n in numeric) + " |",
    ]
    lines += ["| " + " | ".join(map(cell, row)) + " |" for row in rows]
    return "\n".join(lines)


def machine_summary() -> str:
    """One line saying where the numbers were measured (they mean nothing without it)."""
    return (
        f"Measured {date.today().isoformat()} on {platform.machine()} "
        f"({_cpu_count()} CPUs), Python {sys.version.split()[0]}, one process, one core."
    )


def _cpu_count() -> int:
    return len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1


def peak_memory_mb() -> float:
    """Peak resident memory of this process so far, in MB.

    On Linux from ``VmHWM`` in ``/proc/self/status``, the high-water mark of this
    process's own memory: ``ru_maxrss`` survives ``exec``, so a worker spawned by
    a process of 1 GB reported 1 GB before it had done anything. Elsewhere
    ``ru_maxrss`` (KiB on Linux, bytes on macOS).
    """
    status = Path("/proc/self/status")
    if status.exists():
        for line in status.read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return peak / 1024 if sys.platform != "darwin" else peak / 2**20


def write_section(name: str, body: str, *, path: Path = BENCHMARKS_MD) -> None:
    """Replace (or append) the section ``name`` of the benchmarks file with ``body``."""
    start, end = f"<!-- {name}:start -->", f"<!-- {name}:end -->"
    block = f"{start}\n{body.strip()}\n{end}"
    text = path.read_text(encoding="utf-8") if path.exists() else _TITLE
    pattern = re.compile(re.escape(start) + ".*?" + re.escape(end), re.DOTALL)
    if pattern.search(text):
        text = pattern.sub(lambda _: block, text)
    else:
        text = text.rstrip("\n") + "\n\n" + block + "\n"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")


def publish(name: str, title: str, parts: list[str], *, write: bool) -> str:
    """Join a report's parts under its title and (``write``) store it as its section.

    Returns the report, which the benchmark script prints.
    """
    body = "\n\n".join([f"## {title}", *parts])
    if write:
        write_section(name, body)
    return body


def cached_pipeline(
    cache: Path | None, documents: int, make: Callable[[], Tables]
) -> tuple[Tables, float, bool]:
    """A synthetic corpus' tables and the time ``make`` took: from ``cache`` (a pickle)
    when it holds this many documents, else made now (and the cache filled).

    Extraction, resolution and geocoding of a thousand documents take minutes; a
    benchmark of what comes after them (writing, publishing) need not wait for
    them at every run. Returns the tables, the seconds and whether they were cached.
    """
    if cache is not None and cache.exists():
        with cache.open("rb") as handle:
            held = pickle.load(handle)
        if held["documents"] == documents:
            return held["tables"], held["pipeline_s"], True
    t0 = time.perf_counter()
    tables = make()
    seconds = time.perf_counter() - t0
    if cache is not None:
        with cache.open("wb") as handle:
            pickle.dump({"documents": documents, "pipeline_s": seconds, "tables": tables}, handle)
    return tables, seconds, False
