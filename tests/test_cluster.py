"""A build on a Dask cluster gives the single-process build's tables, and its errors."""

from __future__ import annotations

import pickle
import re
import subprocess
import sys
import types
from dataclasses import replace

import pytest
from geopandas.testing import assert_geodataframe_equal
from pandas.testing import assert_frame_equal

from layers import REPO_ROOT, cluster
from layers.assemble import LocalRunner, tables_from_documents
from layers.cluster import (
    ClusterError,
    DaskRunner,
    Pickled,
    TaskFailure,
    close_client,
    connect_client,
    start_local_client,
    worker_peak_memory_mb,
)
from layers.corpus import iter_documents
from layers.errors import CatalogError, DocumentReadError, PortalError, UnknownPlaceError
from layers.store import StoreLocation, read_store

SCRIPT = REPO_ROOT / "scripts" / "build_layers.py"


@pytest.fixture(scope="module")
def client():
    """One local cluster of two worker processes for the whole module.

    Worker processes are spawned, and a spawned process imports the parent's
    ``__main__`` again by its path. In a full test run an earlier Streamlit
    ``AppTest`` leaves ``__main__`` pointing at a temporary page script, which a
    worker cannot run; a bare ``__main__`` stands in while the workers start (the
    command line's ``__main__`` is scripts/build_layers.py, which they can).
    """
    main = sys.modules["__main__"]
    sys.modules["__main__"] = types.ModuleType("__main__")
    try:
        client = start_local_client(2)
    finally:
        sys.modules["__main__"] = main
    yield client
    close_client(client)


def _assert_same_tables(built, expected) -> None:
    assert_geodataframe_equal(built.projects, expected.projects, check_less_precise=False)
    assert_frame_equal(built.mentions, expected.mentions)
    assert_frame_equal(built.documents, expected.documents)


@pytest.mark.parametrize("identify", [True, False], ids=["ids-on-workers", "ids-here"])
def test_two_workers_build_the_single_process_tables(
    client, geocoder, corpus_tables, identify: bool
) -> None:
    finished, located = [], []
    runner = DaskRunner(client, batch_size=40, window=3, identify=identify,
                        on_located=lambda done, total: located.append((done, total)))  # fmt: skip
    tables = tables_from_documents(iter_documents(), geocoder=geocoder,
                                   on_document=finished.append, runner=runner)  # fmt: skip
    _assert_same_tables(tables, corpus_tables)
    assert sorted(d.doc_id for d in finished) == sorted(tables.documents["doc_id"])
    total = len(corpus_tables.projects)
    assert located[-1] == (total, total) and len(located) == -(-total // 40)
    peaks = worker_peak_memory_mb(client)
    assert len(peaks) == 2 and all(100 < mb < 1024 for mb in peaks.values())


def test_an_unreadable_document_is_the_same_error(client) -> None:
    first = next(iter_documents())
    broken = replace(first, entry=replace(first.entry, file="empty.txt"), data=b"")
    with pytest.raises(DocumentReadError) as raised:
        DaskRunner(client).extract([first, broken], reviewed={})
    assert str(raised.value) == "empty.txt: the document is empty (0 bytes)."
    assert type(raised.value) is DocumentReadError


def test_large_documents_travel_beside_the_task(client, geocoder, monkeypatch) -> None:
    """A document above SCATTER_BYTES is scattered to the workers, not put in the graph."""
    monkeypatch.setattr(cluster, "SCATTER_BYTES", 0)
    documents = list(iter_documents())[:2]
    remote = DaskRunner(client, identify=False).extract(documents, reviewed={})
    assert remote == LocalRunner(geocoder).extract(documents, reviewed={})


def test_task_arguments_reach_the_function_as_given() -> None:
    """Arguments pickled by the caller are unpickled for the task; others pass through."""
    projects = [("土溪口水库", ("宣汉县",)), ("开江至梁平高速公路", ())]
    got = cluster.run_task(lambda first, second, *, third: (first, second, third),
                           Pickled.of(projects), None, third="kept")  # fmt: skip
    assert got == (projects, None, "kept")
    assert isinstance(Pickled.of(projects).data, bytes)


def test_errors_with_several_arguments_survive_pickling() -> None:
    for error in (CatalogError("The catalog is wrong.", ["row 2: no file"]),
                  UnknownPlaceError("某县", "No unit is called 某县.", ["a"])):  # fmt: skip
        failure = pickle.loads(pickle.dumps(TaskFailure.from_error(error)))
        again = failure.error()
        assert type(again) is type(error) and str(again) == str(error)
        assert vars(again) == vars(error)


def test_an_unreachable_scheduler_is_a_cluster_error() -> None:
    with pytest.raises(
        ClusterError, match=re.escape("Cannot reach the Dask scheduler at tcp://127.0.0.1:9")
    ):
        connect_client("tcp://127.0.0.1:9", timeout=1)
    assert issubclass(ClusterError, PortalError)


def test_the_command_line_builds_on_a_running_scheduler(client, tmp_path, corpus_tables) -> None:
    store = tmp_path / "cluster.gpkg"
    address = client.scheduler.address
    run = subprocess.run([sys.executable, str(SCRIPT), "--quiet", "--store", str(store),
                          "--scheduler", address], capture_output=True, text=True)  # fmt: skip
    assert run.returncode == 0, run.stderr
    assert "documents: 5" in run.stdout
    built, expected = read_store(StoreLocation.parse(store)).projects, corpus_tables.projects
    columns = ["project_id", "name", "category", "precision", "geocode_method", "doc_ids"]
    assert_frame_equal(built[columns], expected[columns], check_dtype=False)
    # The store keeps one geometry type per layer (a polygon becomes a multipolygon).
    assert built.geometry.geom_equals(expected.geometry).all()


def test_the_single_process_build_never_imports_dask() -> None:
    code = (
        "import importlib.util, sys\n"
        f"spec = importlib.util.spec_from_file_location('build_layers', {str(SCRIPT)!r})\n"
        "spec.loader.exec_module(importlib.util.module_from_spec(spec))\n"
        "print(sorted(m for m in ('dask', 'distributed') if m in sys.modules))"
    )
    run = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert run.stdout.strip() == "[]"
