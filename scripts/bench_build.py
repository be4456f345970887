"""Benchmark the build on a Dask cluster: one worker against two, and no cluster at all.

Usage: ``python scripts/bench_build.py [--documents 5000] [--runs local,1,2]
[--resolution-sample 1000] [--again] [--no-write]``

A synthetic corpus (:mod:`layers.synthetic`, default 5,000 documents) is built
up to its tables, not written to a store: extraction, resolution across
documents, geocoding, and making the three tables, each timed on its own. A run
is ``local`` (in this process, :class:`layers.assemble.LocalRunner`) or a number
of workers (a local Dask cluster of that many processes, one thread each,
:class:`layers.cluster.DaskRunner`); ``N:DOCS`` gives a run its own corpus size
(``1:5000,2:5000,local:2000``).

Each run is a process of its own (so each peak memory is its own) and is kept
in ``build/bench_build.json`` as it ends: a run of hours that is stopped can be
resumed, and a run already measured is not measured again unless ``--again``.
Measured per run: wall and CPU seconds of each stage (CPU of this process, and
of the workers: what the cluster added), peak memory of the main process and of
each worker, the machine's load average (other work on the machine slows every
number), and a digest of the tables, which must be the same for every run of
one size. The single-process and one-worker runs also time resolution as one
process does it over the first ``--resolution-sample`` documents and over all,
to see how it grows. Prints a table
and writes it to docs/benchmarks.md (section ``bench_build``).
"""

from __future__ import annotations

import argparse
import hashlib
import json
import logging
import os
import subprocess
import sys
import time
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import ExitStack, contextmanager
from dataclasses import asdict, dataclass, field, replace
from pathlib import Path

from tqdm import tqdm

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from layers import REPO_ROOT
from layers.assemble import (
    Extracted,
    LocalRunner,
    Runner,
    locate_project,
    resolve_extracted,
    tables_from_projects,
)
from layers.benchmark import machine_summary, markdown_table, peak_memory_mb, publish
from layers.corpus import Document, iter_documents
from layers.errors import PortalError
from layers.geocode import Geocoder, Location, load_geocoder
from layers.resolve import Project
from layers.schema import Tables
from layers.synthetic import synthetic_documents

RESULTS = REPO_ROOT / "build" / "bench_build.json"
STAGES = ("extract", "resolve", "locate", "tables")


@dataclass
class RunResult:
    """What one run measured (kept as JSON between runs)."""

    run: str
    documents: int
    records: int = 0
    projects: int = 0
    mentions: int = 0
    wall: dict[str, float] = field(default_factory=dict)
    main_cpu: dict[str, float] = field(default_factory=dict)
    worker_cpu: dict[str, float] = field(default_factory=dict)
    start_s: float = 0.0
    main_peak_mb: float = 0.0
    worker_peak_mb: list[float] = field(default_factory=list)
    load: list[float] = field(default_factory=list)
    digest: str = ""
    full_resolution: dict[str, float] = field(default_factory=dict)  # documents -> seconds
    measured: str = ""
    tag: str = ""

    @property
    def total(self) -> float:
        return sum(self.wall.get(stage, 0.0) for stage in STAGES)


def digest_tables(tables: Tables) -> str:
    """A hash of the three tables' values and geometries: equal tables, equal digests."""
    import pandas as pd

    digest = hashlib.sha256()
    projects = tables.projects
    frames = (projects.drop(columns=projects.geometry.name), tables.mentions, tables.documents)
    for frame in frames:
        digest.update(pd.util.hash_pandas_object(frame.astype(str), index=False).values.tobytes())
    for wkb in projects.geometry.to_wkb():
        digest.update(wkb or b"")
    return digest.hexdigest()[:12]


class LocalRunnerWithBar(LocalRunner):
    """:class:`LocalRunner` with a progress bar over geocoding (an hour-long stage here)."""

    def locate(self, projects: Sequence[Project]) -> list[Location]:
        bar = tqdm(projects, desc="local geocode", unit="project", file=sys.stderr)
        return [locate_project(project, self.geocoder) for project in bar]


@contextmanager
def stage(result: RunResult, name: str, worker_cpu: Callable[[], float]) -> Iterator[None]:
    """Time one stage: wall clock, this process's CPU, and the workers' CPU."""
    wall, cpu, workers = time.perf_counter(), time.process_time(), worker_cpu()
    yield
    result.wall[name] = round(time.perf_counter() - wall, 2)
    result.main_cpu[name] = round(time.process_time() - cpu, 2)
    result.worker_cpu[name] = round(worker_cpu() - workers, 2)


def build_in_stages(
    runner: Runner,
    corpus: Iterable[Document],
    *,
    result: RunResult,
    geocoder: Geocoder,
    worker_cpu: Callable[[], float],
    sample: int,
) -> tuple[list[Extracted], Tables]:
    """What :func:`layers.assemble.tables_from_documents` does, each stage timed.

    With ``sample``, resolution as one process does it (every record's identity
    worked out here, none from the workers) is also timed over the first
    ``sample`` documents and, when the resolve stage did not do it, over all.
    """
    documents = result.documents
    with tqdm(total=documents, desc=f"{result.run} extract", unit="doc", file=sys.stderr) as bar:
        with stage(result, "extract", worker_cpu):
            extracted = runner.extract(corpus, reviewed={}, on_document=lambda _: bar.update())
    with stage(result, "resolve", worker_cpu):
        projects = resolve_extracted(extracted, geocoder=geocoder)
    if sample:
        unresolved = [replace(e, project_ids=()) for e in extracted]
        for count in sorted({min(sample, documents), documents}):
            if count == documents and result.run == "local":
                result.full_resolution[str(count)] = result.wall["resolve"]
                continue
            t0 = time.perf_counter()
            resolve_extracted(unresolved[:count], geocoder=geocoder)
            result.full_resolution[str(count)] = round(time.perf_counter() - t0, 2)
    with stage(result, "locate", worker_cpu):
        locations = runner.locate(projects)
    with stage(result, "tables", worker_cpu):
        tables = tables_from_projects(extracted, projects, geocoder=geocoder, locations=locations)
    return extracted, tables


def measure_run(run: str, *, documents: int, sample: int) -> RunResult:
    """Build ``documents`` synthetic documents up to their tables with ``run``'s runner."""
    result = RunResult(run, documents, load=[round(os.getloadavg()[0], 1)])
    geocoder = load_geocoder()
    originals = list(iter_documents())
    worker_cpu: Callable[[], float] = lambda: 0.0  # noqa: E731 (no workers)
    runner: Runner = LocalRunnerWithBar(geocoder)
    with ExitStack() as stack:
        client = None
        if run != "local":
            from layers.cluster import DaskRunner, open_client, warm_workers

            t0 = time.perf_counter()
            client = stack.enter_context(open_client(workers=int(run)))
            warm_workers(client)
            result.start_s = round(time.perf_counter() - t0, 1)
            bars: list[tqdm] = []

            def located(done: int, total: int) -> None:
                if not bars:  # made now, so that it is drawn below the extraction's
                    bars.append(
                        stack.enter_context(
                            tqdm(
                                total=total, desc=f"{run} geocode", unit="project", file=sys.stderr
                            )
                        )
                    )
                bars[0].update(done - bars[0].n)

            runner = DaskRunner(client, on_located=located)
            dask = client

            def worker_cpu() -> float:
                return float(sum(dask.run(time.process_time).values()))

        extracted, tables = build_in_stages(
            runner, synthetic_documents(originals, documents), result=result,
            geocoder=geocoder, worker_cpu=worker_cpu, sample=sample,
        )  # fmt: skip
        if client is not None:
            from layers.cluster import worker_peak_memory_mb

            result.worker_peak_mb = sorted(round(mb) for mb in
                                           worker_peak_memory_mb(client).values())  # fmt: skip
    result.records = sum(len(e.records) for e in extracted)
    result.projects, result.mentions = len(tables.projects), len(tables.mentions)
    result.digest = digest_tables(tables)
    result.main_peak_mb = round(peak_memory_mb())
    result.load.append(round(os.getloadavg()[0], 1))
    result.measured = time.strftime("%Y-%m-%d %H:%M")
    return result


def run_in_child(run: str, *, documents: int, sample: int) -> RunResult:
    """:func:`measure_run` in a fresh process (its peak memory is then its own)."""
    command = [sys.executable, __file__, "--child", run, "--documents", str(documents),
               "--resolution-sample", str(sample)]  # fmt: skip
    child = subprocess.run(command, stdout=subprocess.PIPE, text=True, check=False)
    if child.returncode != 0:
        raise PortalError(f"the {run} run of {documents} documents failed (see above)")
    return RunResult(**json.loads(child.stdout.strip().splitlines()[-1]))


def parse_runs(text: str, *, documents: int) -> list[tuple[str, int, str]]:
    """``local,1,2`` or ``1:5000,local:2000`` or ``1:5000#b`` -> (run, documents, tag).

    A tag names a repeat of a run (kept apart from the first, compared with the
    one-worker run of the same tag), for a second measurement at another time.
    """
    runs = []
    for part in filter(None, (p.strip() for p in text.split(","))):
        spec, _, tag = part.partition("#")
        name, _, size = spec.partition(":")
        if name != "local" and not name.isdigit():
            raise PortalError(f"a run is 'local' or a number of workers, not {name!r}")
        runs.append((name, int(size) if size else documents, tag))
    return runs


def _label(run: str, tag: str = "") -> str:
    label = "single process (no cluster)" if run == "local" else f"Dask, {run} worker(s)"
    return f"{label}, repeat {tag}" if tag else label


def report_table(results: list[RunResult]) -> str:
    """One row per run, with the speed-up over the one-worker run of the same size."""
    one = {(r.documents, r.tag): r.total for r in results if r.run == "1"}
    rows = []
    for r in results:
        base = one.get((r.documents, r.tag))
        speedup = round(base / r.total, 2) if base else ""
        extract_rate = round(r.wall["extract"] / r.documents, 3)
        locate_rate = round(1000 * r.wall["locate"] / max(1, r.projects), 2)
        rows.append([_label(r.run, r.tag), r.documents, r.projects, r.wall["extract"],
                     r.wall["resolve"], r.wall["locate"], r.wall["tables"], round(r.total, 1),
                     speedup, extract_rate, locate_rate, r.main_peak_mb,
                     " / ".join(map(str, r.worker_peak_mb)) or "-",
                     f"{r.load[0]} → {r.load[-1]}", r.digest])  # fmt: skip
    return markdown_table(
        ["run", "documents", "projects", "extract s", "resolve s", "geocode s", "tables s",
         "total s", "speed-up vs 1 worker", "extract s/doc", "geocode ms/project",
         "main peak MB", "worker peak MB", "load avg", "tables digest"],
        rows,
    )  # fmt: skip


def cpu_table(results: list[RunResult]) -> str:
    """Where the CPU went: this process (scheduling, receiving results, resolution) and workers."""
    rows = [
        [_label(r.run, r.tag), r.documents,
         *(f"{r.main_cpu[s]} / {r.worker_cpu[s]}" for s in STAGES), r.start_s or "-"]
        for r in results
    ]  # fmt: skip
    return markdown_table(["run", "documents", "extract CPU s (main / workers)",
                           "resolve", "geocode", "tables",
                           "cluster start + geocoder load s"], rows)  # fmt: skip


def resolution_note(results: list[RunResult]) -> str:
    """How resolution as one process does it grows with the corpus (linear or not)."""
    lines = []
    for r in results:
        if len(r.full_resolution) != 2:
            continue
        (small_n, small), (large_n, large) = sorted(
            (int(n), s) for n, s in r.full_resolution.items()
        )
        lines.append(
            f"- in the {_label(r.run, r.tag)} run: the first {small_n:,} documents {small} s, all "
            f"{large_n:,} {large} s: {large / small if small else float('nan'):.1f}x the time "
            f"for {large_n / small_n:.1f}x the documents ({1000 * large / max(1, r.records):.2f} "
            "ms per record)"
        )
    if not lines:
        return "Resolution scaling was not measured in these runs."
    return (
        "Resolution in one process, every record's identity worked out there (as without "
        "a cluster), over part of the corpus and all of it; on the cluster the identities "
        "are worked out on the workers during extraction and the resolve stage only merges "
        "records by id:\n\n" + "\n".join(lines)
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--documents", type=int, default=5000)
    parser.add_argument("--runs", default="local,1,2", help="local,1,2 or 1:5000,local:2000")
    parser.add_argument("--resolution-sample", type=int, default=1000)
    parser.add_argument("--again", action="store_true", help="measure kept runs again")
    parser.add_argument("--results", type=Path, default=RESULTS, help="where runs are kept")
    parser.add_argument("--no-write", action="store_true", help="print only")
    parser.add_argument("--child", default=None, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.WARNING)
    if args.child is not None:
        result = measure_run(args.child, documents=args.documents, sample=args.resolution_sample)
        print(json.dumps(asdict(result)))
        return 0
    try:
        runs = parse_runs(args.runs, documents=args.documents)
        kept = json.loads(args.results.read_text()) if args.results.exists() else {}
        results = []
        for run, documents, tag in runs:
            key = f"{run}:{documents}" + (f"#{tag}" if tag else "")
            if key not in kept or args.again:
                sample = args.resolution_sample if run in ("local", "1") else 0
                result = run_in_child(run, documents=documents, sample=sample)
                result.tag = tag
                kept[key] = asdict(result)
                args.results.parent.mkdir(parents=True, exist_ok=True)
                args.results.write_text(json.dumps(kept, indent=1))
            results.append(RunResult(**kept[key]))
    except PortalError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    report = publish(
        "bench_build",
        "Builds on a Dask cluster (`scripts/bench_build.py`)",
        [
            machine_summary().replace(
                "one process, one core",
                "one main process plus the Dask worker processes, one thread each",
            ),
            "A synthetic corpus (`layers/synthetic.py`: the five documents again and again, "
            "each copy with its own project names) built up to its three tables, not written "
            "to a store. Stages: extract (one task per document), resolve (across documents, "
            "always in the main process), geocode (one task per 250 projects), tables (in the "
            "main process). Cluster start and the workers' geocoder load are not counted. "
            "Other work on the machine slows every run (load average at start and end); the "
            "digest is equal when the tables are. Targets: 2 workers >= 1.8x 1 worker; "
            "peak memory per worker < 1 GB.",
            report_table(results),
            "CPU seconds per stage, main process / all workers (a stage whose wall time is "
            "above its CPU time waited for the machine):",
            cpu_table(results),
            resolution_note(results),
        ],
        write=not args.no_write,
    )
    print(report)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
