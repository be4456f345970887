"""A build on a Dask cluster: each document, and each batch of projects, is a task.

Extraction (one document at a time) and geocoding (one project at a time) are
independent per item and take nearly all of a build's time, so
:class:`DaskRunner` runs them on a ``distributed`` cluster: one task per
document, one task per batch of a few hundred projects. Resolution needs every
document's records at once and stays in the calling process
(:func:`layers.assemble.tables_from_documents`); the tables are the same as a
single-process build's, in the same order.

Three things make it fit a national build:

* documents are submitted in a bounded window (a few per worker thread), so
  the bytes of 30,000 documents are never all in flight, and each result is
  taken back as soon as it is ready and put in input order;
* the geocoder (reference geography and gazetteer, 65 MB pickled) is never
  shipped: each worker process loads it once, on its first task
  (:func:`worker_geocoder`);
* a task's arguments travel as bytes pickled here (:class:`Pickled`): on a
  local cluster the scheduler runs in this process and unpickles every task it
  is given, and rebuilding a batch of projects there, only to pickle it again for
  a worker, took more of this process's time than the pickling itself;
* an expected failure in a task (an unreadable document raises
  :class:`~layers.errors.DocumentReadError`) comes back as the same
  :class:`~layers.errors.PortalError`, not as a distributed traceback, so the
  command line still prints one ``error:`` line. Some of these errors cannot be
  pickled the ordinary way (their constructors take several arguments), so a
  task returns them as a :class:`TaskFailure` value instead of raising.

``distributed`` is imported here only: a build without a cluster never loads it.
"""

from __future__ import annotations

import itertools
import logging
import pickle
import threading
import uuid
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from typing import Any, TypeVar

from distributed import Client, Future, KilledWorker, LocalCluster, as_completed

from layers.assemble import Extracted, extract_document, locate_project
from layers.benchmark import peak_memory_mb
from layers.corpus import Document
from layers.errors import PortalError
from layers.geocode import Geocoder, Location, load_geocoder
from layers.model import Record
from layers.publish import inputs_fingerprint
from layers.resolve import Project, project_id_from_identity, project_identity

logger = logging.getLogger(__name__)

# Projects per geocoding task: at ~10 ms a project, a task of a few seconds, long
# enough that the scheduler's few milliseconds per task do not count.
DEFAULT_BATCH = 250
# Tasks in flight per worker thread: enough that a worker never waits for the
# next document, few enough that only a handful of documents are held at once.
WINDOW_PER_THREAD = 4
# A document larger than this goes to the workers beside the task graph
# (scatter), not inside it, where distributed warns from 10 MB on.
SCATTER_BYTES = 2**20
CONNECT_TIMEOUT_S = 30.0
WORKERS_TIMEOUT_S = 60.0

T = TypeVar("T")
R = TypeVar("R")


class ClusterError(PortalError):
    """The cluster cannot be reached, has no workers, or lost a worker mid-build."""


@dataclass(frozen=True)
class TaskFailure:
    """An expected error raised in a task, carried back as a value.

    Distributed pickles a task's exception with its ``args``, which fails for
    errors whose constructor takes more than the message
    (:class:`~layers.errors.ProblemsError`, :class:`~layers.errors.PlaceNameError`)
    and turns them into a plain ``Exception``; it also logs each failure on the
    worker with its traceback. Returning the error's class, ``args`` and
    attributes instead rebuilds exactly the error that was raised.
    """

    kind: type[PortalError]
    args: tuple[object, ...]
    state: dict[str, object] = field(default_factory=dict)

    @classmethod
    def from_error(cls, error: PortalError) -> TaskFailure:
        """The failure that rebuilds ``error``."""
        return cls(type(error), tuple(error.args), dict(vars(error)))

    def error(self) -> PortalError:
        """The error as it was raised (same class, message and attributes)."""
        error = self.kind.__new__(self.kind)
        error.args = self.args
        error.__dict__.update(self.state)
        return error


# ------------------------------------------------------------------ on the workers


@dataclass(frozen=True)
class Pickled:
    """A task argument pickled by the caller, unpickled only by the worker that runs it."""

    data: bytes

    @classmethod
    def of(cls, value: object) -> Pickled:
        """``value`` pickled (protocol 5)."""
        return cls(pickle.dumps(value, protocol=5))

    def value(self) -> object:
        """The argument as it was given."""
        return pickle.loads(self.data)  # bytes this build pickled itself


def run_task(function: Callable[..., R], *args: object, **keywords: object) -> R:
    """``function`` over the task's arguments, each :class:`Pickled` one unpickled first."""
    values = [arg.value() if isinstance(arg, Pickled) else arg for arg in args]
    return function(*values, **keywords)


_GEOCODER: dict[str, Geocoder] = {}
_GEOCODER_LOCK = threading.Lock()


def worker_geocoder() -> Geocoder:
    """This process's geocoder, loaded on first use and kept for every later task.

    A worker process loads it once (a few seconds) instead of receiving 65 MB
    with every task; the lock keeps two threads of one worker from loading it twice.
    """
    with _GEOCODER_LOCK:
        if "geocoder" not in _GEOCODER:
            _GEOCODER["geocoder"] = load_geocoder()
        return _GEOCODER["geocoder"]


def extract_on_worker(
    document: Document, reviewed: Sequence[Record] | None, *, identify: bool
) -> Extracted | TaskFailure:
    """One document's extraction, as a task (see :func:`layers.assemble.extract_document`).

    With ``identify``, each record's project id is worked out here too: it depends
    on the record and its document alone (:func:`layers.resolve.project_identity`),
    and it is most of resolution's time (a line's identity asks the geocoder for
    its ends), so resolution in the calling process is left with merging records
    by id instead of being the serial part of a cluster build.
    """
    try:
        geocoder = worker_geocoder()
        extracted = extract_document(document, places=geocoder.places, reviewed=reviewed)
    except PortalError as error:
        return TaskFailure.from_error(error)
    if not identify:
        return extracted
    ids = tuple(
        project_id_from_identity(r.layer.value,
                                 project_identity(r, extracted.document, geocoder=geocoder))
        for r in extracted.records
    )  # fmt: skip
    return replace(extracted, project_ids=ids)


def locate_on_worker(projects: Sequence[Project]) -> list[Location] | TaskFailure:
    """One batch of projects' places, as a task (see :func:`layers.assemble.locate_project`)."""
    try:
        geocoder = worker_geocoder()
        return [locate_project(project, geocoder) for project in projects]
    except PortalError as error:
        return TaskFailure.from_error(error)


def warm_workers(client: Client) -> int:
    """Load the geocoder on every worker now (one task pinned to each); returns how many.

    A build does not need this (the first task loads it); a benchmark does, so
    that the load is not counted as extraction time.
    """
    workers = list(client.scheduler_info(n_workers=-1)["workers"])
    futures = [
        client.submit(_load_geocoder_task, key=f"warm-{uuid.uuid4().hex}", workers=[address],
                      allow_other_workers=False, pure=False)
        for address in workers
    ]  # fmt: skip
    for outcome in client.gather(futures):
        if isinstance(outcome, TaskFailure):
            raise outcome.error()
    return len(workers)


def _load_geocoder_task() -> TaskFailure | None:
    try:
        worker_geocoder()
    except PortalError as error:
        return TaskFailure.from_error(error)
    return None


def worker_peak_memory_mb(client: Client) -> dict[str, float]:
    """Peak resident memory of each worker process so far, in MB, by worker address."""
    peaks: dict[str, float] = client.run(peak_memory_mb)
    return peaks


# ------------------------------------------------------------------ in the calling process


def _in_order(
    client: Client,
    function: Callable[..., R | TaskFailure],
    items: Iterable[T],
    *,
    arguments: Callable[[T], tuple[object, ...]],
    keywords: Mapping[str, object] | None = None,
    name: str,
    window: int,
    on_result: Callable[[T, R], None] | None = None,
) -> list[R]:
    """``function(*arguments(item), **keywords)`` for every item on the cluster, in input order.

    At most ``window`` tasks are in flight: the next item is read from ``items``
    only when a result comes back, so a lazy iterable of documents is never all
    in memory. Each result is fetched as soon as it is ready and the task
    released; ``on_result`` is called then, in completion order.

    Raises
    ------
    PortalError
        The first expected error any task returned (the other tasks are cancelled).
    ClusterError
        If a worker died running a task, again and again.
    """
    run = uuid.uuid4().hex[:8]
    numbered = enumerate(items)
    held: dict[str, tuple[int, T, list[Future[Any]]]] = {}
    done = as_completed(loop=client.loop, with_results=True)
    results: dict[int, R] = {}

    def submit_next() -> None:
        for index, item in itertools.islice(numbered, 1):
            args = list(arguments(item))
            futures: list[Future[Any]] = []
            for k, arg in enumerate(args):
                if isinstance(arg, Document) and len(arg.data) > SCATTER_BYTES:
                    futures.append(client.scatter(arg, hash=False))
                    args[k] = futures[-1]
                elif arg is not None:
                    args[k] = Pickled.of(arg)
            key = f"{name}-{run}-{index}"
            futures.append(client.submit(run_task, function, *args, **(keywords or {}),
                                         key=key, pure=False))  # fmt: skip
            held[key] = (index, item, futures)
            done.add(futures[-1])

    for _ in range(window):
        submit_next()
    try:
        for future, outcome in done:
            index, item, _ = held.pop(future.key)
            if isinstance(outcome, TaskFailure):
                raise outcome.error()
            results[index] = outcome
            if on_result is not None:
                on_result(item, outcome)
            submit_next()
    except KilledWorker as error:
        raise ClusterError(
            f"A worker died running {name} task {error.task!r} (out of memory, or killed); "
            "the build was stopped and the store left as it was."
        ) from error
    finally:
        if held:
            client.cancel([f for _, _, futures in held.values() for f in futures])
    return [results[k] for k in range(len(results))]


@dataclass
class DaskRunner:
    """Run a build's extraction and geocoding on a Dask cluster (see the module docstring).

    Parameters
    ----------
    client
        A connected client (:func:`open_client`).
    batch_size
        Projects per geocoding task.
    window
        Tasks in flight at once; by default :data:`WINDOW_PER_THREAD` per worker thread.
    on_located
        Called after each geocoding batch with the projects located so far and in
        all (a progress bar at the command line).
    identify
        Work out each record's project id on the workers, beside its extraction
        (see :func:`extract_on_worker`); the projects are the same either way.
    """

    client: Client
    batch_size: int = DEFAULT_BATCH
    window: int | None = None
    on_located: Callable[[int, int], None] | None = None
    identify: bool = True

    def _window(self) -> int:
        if self.window is not None:
            return max(1, self.window)
        threads = sum(self.client.nthreads().values())
        return max(2, WINDOW_PER_THREAD * threads)

    def extract(
        self,
        documents: Iterable[Document],
        *,
        reviewed: Mapping[str, Sequence[Record]],
        on_document: Callable[[Document], None] | None = None,
    ) -> list[Extracted]:
        """Every document's extraction, one task each, in the order of ``documents``."""

        def finished(document: Document, _: Extracted) -> None:
            if on_document is not None:
                on_document(document)

        extracted = _in_order(
            self.client, extract_on_worker, documents,
            arguments=lambda doc: (doc, reviewed.get(doc.entry.doc_id)),
            keywords={"identify": self.identify}, name="extract", window=self._window(),
            on_result=finished,
        )  # fmt: skip
        logger.info("cluster extract: %d documents on %d workers", len(extracted),
                    len(self.client.nthreads()))  # fmt: skip
        return extracted

    def locate(self, projects: Sequence[Project]) -> list[Location]:
        """Every project's place, in batches of ``batch_size``, in the order of ``projects``."""
        size = max(1, self.batch_size)
        batches = [projects[k : k + size] for k in range(0, len(projects), size)]
        located = 0

        def finished(batch: Sequence[Project], _: list[Location]) -> None:
            nonlocal located
            located += len(batch)
            if self.on_located is not None:
                self.on_located(located, len(projects))

        results = _in_order(
            self.client, locate_on_worker, batches, arguments=lambda batch: (list(batch),),
            name="locate", window=self._window(), on_result=finished,
        )  # fmt: skip
        logger.info("cluster locate: %d projects in %d batches", len(projects), len(batches))
        return [location for batch in results for location in batch]


# ------------------------------------------------------------------ clients


def start_local_client(workers: int) -> Client:
    """A client on a new cluster of ``workers`` processes on this machine, one thread each.

    Processes, not threads: extraction and geocoding are pure Python and hold the
    GIL. The scheduler's small HTTP server (its dashboard needs bokeh, which is
    not installed) listens on a free local port: the default 8787 may be taken
    by another cluster, and distributed warns then.
    """
    if workers < 1:
        raise ClusterError(f"A local cluster needs at least one worker, not {workers}.")
    cluster = LocalCluster(n_workers=workers, threads_per_worker=1, processes=True,
                           dashboard_address="127.0.0.1:0")  # fmt: skip
    # Results straight from the workers: through the scheduler they would be
    # received, and sent on, by this same process once more.
    client = Client(cluster, direct_to_workers=True)
    logger.info("cluster: local, %d worker processes", workers)
    return client


def connect_client(
    address: str,
    *,
    timeout: float = CONNECT_TIMEOUT_S,
    workers_timeout: float = WORKERS_TIMEOUT_S,
) -> Client:
    """A client on the running scheduler at ``address`` (``tcp://host:8786``).

    Waits for at least one worker (a build on a cluster with none would wait for
    ever) and checks the workers run this checkout (:func:`check_workers`).

    Raises
    ------
    ClusterError
        If the scheduler cannot be reached in ``timeout`` seconds, no worker
        joins it in ``workers_timeout``, or a worker runs other code.
    """
    try:
        client = Client(address, timeout=timeout)
    except (OSError, TimeoutError, ValueError) as error:
        raise ClusterError(f"Cannot reach the Dask scheduler at {address}: {error}") from error
    try:
        client.wait_for_workers(1, timeout=workers_timeout)
    except TimeoutError as error:
        client.close()
        raise ClusterError(
            f"The Dask scheduler at {address} has no workers "
            f"(none joined in {workers_timeout:.0f} s); start some with `dask worker {address}`."
        ) from error
    try:
        check_workers(client)
    except ClusterError:
        client.close()
        raise
    logger.info("cluster: %s, %d workers", address, len(client.nthreads()))
    return client


def check_workers(client: Client) -> None:
    """Check every worker runs the code and reference tables of this checkout.

    A worker on another commit would extract, identify or place projects
    differently, and the store would silently mix the two; its fingerprint
    (:func:`layers.publish.inputs_fingerprint`) tells. Workers that join later
    are not checked.

    Raises
    ------
    ClusterError
        If a worker cannot import this repository, or its fingerprint differs.
    """
    expected = inputs_fingerprint()
    try:
        found: dict[str, str] = client.run(inputs_fingerprint)
    except ImportError as error:
        raise ClusterError(
            f"A Dask worker cannot import this repository ({error}); install it on every "
            "worker as it is installed here (see docs/scaling.md)."
        ) from error
    other = sorted(address for address, fingerprint in found.items() if fingerprint != expected)
    if other:
        raise ClusterError(
            f"{len(other)} of {len(found)} Dask workers run other code or reference tables "
            f"than this checkout ({', '.join(other[:3])}); install the same commit on every "
            "worker."
        )


def close_client(client: Client) -> None:
    """Close the client, and its cluster when the client started one (a local cluster)."""
    cluster = client.cluster
    client.close()
    if cluster is not None:
        cluster.close()


@contextmanager
def quiet_distributed_logs() -> Iterator[None]:
    """Keep distributed's own log records to warnings (then restore its level).

    Distributed logs at INFO (workers joining, an event loop kept busy while
    this process resolves), and a command line that logs warnings through the
    root logger would print them all.
    """
    logger = logging.getLogger("distributed")
    level = logger.level
    logger.setLevel(max(level, logging.WARNING))
    try:
        yield
    finally:
        logger.setLevel(level)


@contextmanager
def open_client(*, workers: int | None = None, scheduler: str | None = None) -> Iterator[Client]:
    """A client on a local cluster of ``workers`` processes, or on ``scheduler``; closed after.

    Distributed's logs are kept to warnings meanwhile (:func:`quiet_distributed_logs`).

    Raises
    ------
    ClusterError
        If neither or both are given, or the cluster cannot be used.
    """
    if (workers is None) == (scheduler is None):
        raise ClusterError("Give either a number of local workers or a scheduler address.")
    with quiet_distributed_logs():
        client = (
            start_local_client(workers) if workers is not None else connect_client(str(scheduler))
        )
        try:
            yield client
        finally:
            close_client(client)
