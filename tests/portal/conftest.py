"""Tiny inline geography for the portal's map and figure tests; the portal and a browser.

``start_portal`` runs the portal as the README does (a real ``streamlit run``) on a
given store and environment; ``browser`` is Debian's Chromium driven by Playwright,
offline. Both are shared by the viewer and the editor browser tests.
"""

from __future__ import annotations

import contextlib
import os
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Callable, Iterator
from pathlib import Path

import geopandas as gpd
import pytest
import shapely

from layers import REPO_ROOT
from portal.assets import ensure_static_assets

CHROMIUM = Path(os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium"))
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking"]
ARTIFACTS = REPO_ROOT / "test-artifacts"


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@contextlib.contextmanager
def run_portal(store: str, *, env: dict[str, str] | None = None) -> Iterator[str]:
    """Start the portal on ``store`` (a GeoPackage path or DSN) and wait until it answers."""
    ensure_static_assets()  # Streamlit serves static/ only if it exists at start-up
    port = _free_port()
    ARTIFACTS.mkdir(exist_ok=True)
    log = ARTIFACTS / f"streamlit-{port}.log"
    environment = {**os.environ, "PORTAL_STORE": store, **(env or {})}
    with open(log, "w", encoding="utf-8") as out:
        proc = subprocess.Popen(
            [sys.executable, "-m", "streamlit", "run", "streamlit_app.py",
             "--server.port", str(port), "--server.address", "127.0.0.1",
             "--server.headless", "true", "--browser.gatherUsageStats", "false"],
            cwd=REPO_ROOT, stdout=out, stderr=subprocess.STDOUT, env=environment,
        )  # fmt: skip
        url = f"http://127.0.0.1:{port}"
        try:
            deadline = time.monotonic() + 90
            while True:
                with (
                    contextlib.suppress(OSError),
                    urllib.request.urlopen(f"{url}/_stcore/health", timeout=2) as resp,
                ):
                    if resp.status == 200:
                        break
                if proc.poll() is not None or time.monotonic() > deadline:
                    pytest.fail(f"portal did not start; see {log}")
                time.sleep(0.5)
            yield url
        finally:
            proc.terminate()
            proc.wait(timeout=20)


@pytest.fixture(scope="session")
def start_portal() -> Callable[..., contextlib.AbstractContextManager[str]]:
    """``with start_portal(store, env={...}) as url:`` — the portal, as the README runs it."""
    return run_portal


@pytest.fixture(scope="session")
def viewer_store(tmp_path_factory, corpus_tables) -> Path:
    """The corpus written to a GeoPackage once, for AppTest modules that only read it."""
    from layers.store import StoreLocation, write_store

    path = tmp_path_factory.mktemp("viewer_store") / "projects.gpkg"
    write_store(StoreLocation.parse(path), corpus_tables)
    return path


@pytest.fixture(scope="module")
def browser():
    """Headless Debian Chromium (Playwright); skipped, and so failed in CI, without it."""
    if not (CHROMIUM.is_file() and os.access(CHROMIUM, os.X_OK)):
        pytest.skip(f"Chromium not found at {CHROMIUM} (apt-get install chromium)")
    sync_api = pytest.importorskip("playwright.sync_api")
    with sync_api.sync_playwright() as pw:
        instance = pw.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        yield instance
        instance.close()


@pytest.fixture
def xuanhan() -> gpd.GeoDataFrame:
    """One county as a box (EPSG:4326): enough to frame a map or a figure."""
    return gpd.GeoDataFrame(
        {"adcode": ["511722"], "name": ["宣汉县"], "prefecture": ["达州市"]},
        geometry=[shapely.box(107.4, 31.1, 108.6, 32.0)],
        crs="EPSG:4326",
    )
