"""The portal in a real browser (headless Debian Chromium driven by Playwright).

Only a browser shows whether Leaflet actually loaded and drew the counties, and
whether any request tried to leave the machine. Skips here are turned into
failures when ``REQUIRE_BROWSER=1`` (see ``tests/conftest.py``).
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urlparse

import pytest

from layers import REPO_ROOT
from portal.assets import ensure_static_assets

pytestmark = pytest.mark.browser

CHROMIUM = Path(os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium"))
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking"]
ARTIFACTS = REPO_ROOT / "test-artifacts"
LOCAL_HOSTS = {"localhost", "127.0.0.1", "[::1]", "::1"}
EXPECTED_COUNTIES = 50  # 达州 7 + 巴中 5 + 重庆 38


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture(scope="module")
def portal_url() -> Iterator[str]:
    """Start the portal as the README does and wait until it answers."""
    ensure_static_assets()  # Streamlit serves static/ only if it exists at start-up
    port = _free_port()
    ARTIFACTS.mkdir(exist_ok=True)
    log = ARTIFACTS / "streamlit.log"
    with open(log, "w", encoding="utf-8") as out:
        proc = subprocess.Popen(
            [sys.executable, "-m", "streamlit", "run", "streamlit_app.py",
             "--server.port", str(port), "--server.address", "127.0.0.1",
             "--server.headless", "true", "--browser.gatherUsageStats", "false"],
            cwd=REPO_ROOT, stdout=out, stderr=subprocess.STDOUT,
        )  # fmt: skip
        url = f"http://127.0.0.1:{port}"
        try:
            deadline = time.monotonic() + 90
            while True:
                try:
                    with urllib.request.urlopen(f"{url}/_stcore/health", timeout=2) as resp:
                        if resp.status == 200:
                            break
                except OSError:
                    pass
                if proc.poll() is not None or time.monotonic() > deadline:
                    pytest.fail(f"portal did not start; see {log}")
                time.sleep(0.5)
            yield url
        finally:
            proc.terminate()
            proc.wait(timeout=20)


@pytest.fixture(scope="module")
def browser():
    if not (CHROMIUM.is_file() and os.access(CHROMIUM, os.X_OK)):
        pytest.skip(f"Chromium not found at {CHROMIUM} (apt-get install chromium)")
    sync_api = pytest.importorskip("playwright.sync_api")
    with sync_api.sync_playwright() as pw:
        instance = pw.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        yield instance
        instance.close()


def _is_local(url: str) -> bool:
    parsed = urlparse(url)
    return parsed.scheme in {"data", "blob", "about"} or parsed.hostname in LOCAL_HOSTS


def _map_frame(page):
    """The streamlit-folium component iframe, once Leaflet has drawn in it."""
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        for frame in page.frames:
            if "streamlit_folium" in frame.url and frame.locator(".leaflet-container").count():
                return frame
        page.wait_for_timeout(250)
    pytest.fail("the map component never showed a Leaflet container")


def test_county_map_draws_offline(portal_url, browser) -> None:
    outside: list[str] = []
    failed: list[str] = []
    context = browser.new_context(viewport={"width": 1400, "height": 950}, locale="zh-CN")
    page = context.new_page()
    page.on("request", lambda req: None if _is_local(req.url) else outside.append(req.url))
    page.on("requestfailed", lambda req: failed.append(f"{req.url}: {req.failure}"))
    try:
        page.goto(portal_url, wait_until="domcontentloaded")
        page.get_by_text("地方规划基础设施项目地图").first.wait_for(timeout=60_000)
        frame = _map_frame(page)
        paths = frame.locator(".leaflet-overlay-pane path.leaflet-interactive")
        deadline = time.monotonic() + 30
        while paths.count() < EXPECTED_COUNTIES and time.monotonic() < deadline:
            page.wait_for_timeout(250)
        assert paths.count() >= EXPECTED_COUNTIES
        leaflet_loaded = frame.evaluate("() => typeof L !== 'undefined' && L.version")
        assert leaflet_loaded == "1.9.3"
        page.wait_for_load_state("networkidle")
        page.screenshot(path=str(ARTIFACTS / "county_map.png"), full_page=True)
    finally:
        context.close()
    assert outside == [], f"requests left localhost: {outside}"
    assert failed == [], f"requests failed: {failed}"


def test_english_switch_in_the_browser(portal_url, browser) -> None:
    context = browser.new_context(viewport={"width": 1400, "height": 950})
    page = context.new_page()
    try:
        page.goto(portal_url, wait_until="domcontentloaded")
        page.get_by_text("地方规划基础设施项目地图").first.wait_for(timeout=60_000)
        page.get_by_text("English").first.click()
        page.get_by_text("Infrastructure in local plans: project map").first.wait_for(
            timeout=30_000
        )
        frame = _map_frame(page)
        assert (
            frame.locator(".leaflet-overlay-pane path.leaflet-interactive").count()
            >= EXPECTED_COUNTIES
        )
        page.screenshot(path=str(ARTIFACTS / "county_map_en.png"), full_page=True)
    finally:
        context.close()
