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


def _error_lines(stderr: str) -> list[str]:
    return [line for line in stderr.splitlines() if line.startswith("error:")]


def test_a_malformed_schema_is_one_error_line() -> None:
    result = _run("--store", "postgresql://portal:x@127.0.0.1:9/portal?schema=bad-name;drop")
    assert result.returncode == 1
    assert result.stderr == (
        "error: The schema 'bad-name;drop' in the store DSN is not a plain SQL name "
        "(letters, digits and _, not starting with a digit).\n"
    )


def test_a_folder_as_the_store_is_one_error_line(tmp_path) -> None:
    store = tmp_path / "projects.gpkg"
    store.mkdir()
    result = _run("--store", str(store))
    assert result.returncode == 1
    assert _error_lines(result.stderr) == [
        f"error: Cannot read the store at {store}: it is a folder, not a GeoPackage file."
    ]
    assert "Traceback" not in result.stderr
