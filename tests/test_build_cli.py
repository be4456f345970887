"""The fixed build command: a summary, a store, and no rebuild when nothing changed."""

from __future__ import annotations

import os
import subprocess
import sys

from layers import REPO_ROOT
from layers.store import StoreLocation, read_store

SCRIPT = REPO_ROOT / "scripts" / "build_layers.py"


def _run(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, str(SCRIPT), "--quiet", *args], capture_output=True,
                          text=True, env={**os.environ, **(env or {})})  # fmt: skip


def test_build_writes_the_store_and_summarises(tmp_path) -> None:
    store = tmp_path / "projects.gpkg"
    result = _run("--store", str(store))
    assert result.returncode == 0, result.stderr
    assert "documents: 5" in result.stdout
    assert "projects per layer: highways" in result.stdout
    assert "precision: exact" in result.stdout and "unlocated (kept, not drawn): 0" in result.stdout
    contents = read_store(StoreLocation.parse(store))
    assert len(contents.documents) == 5 and len(contents.projects) > 100
    again = _run("--store", str(store), "--if-stale")
    assert again.returncode == 0 and "is up to date" in again.stdout


def test_the_environment_variable_chooses_the_store(tmp_path) -> None:
    store = tmp_path / "env.gpkg"
    result = _run(env={"PORTAL_STORE": str(store)})
    assert result.returncode == 0, result.stderr
    assert store.exists()


def test_an_unreachable_server_is_one_clear_line(tmp_path) -> None:
    result = _run("--store", "postgresql://nobody:x@127.0.0.1:9/none")
    assert result.returncode == 1
    assert result.stderr.startswith("error: Cannot reach the store at postgresql://nobody:***@")
    assert "Traceback" not in result.stderr
