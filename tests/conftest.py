"""Shared fixtures, and the rule that CI never passes by skipping.

With ``REQUIRE_BROWSER=1`` (set by ``.ci/run``) a skipped test is reported as a
failure: a browser test that cannot find Chromium must not turn CI green.
"""

from __future__ import annotations

import os

import pytest

from layers.admin import Reference, load_reference
from layers.placenames import PlaceIndex


def _skips_forbidden() -> bool:
    return os.environ.get("REQUIRE_BROWSER") == "1"


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    outcome = yield
    report = outcome.get_result()
    if report.skipped and _skips_forbidden() and not hasattr(report, "wasxfail"):
        report.outcome = "failed"
        report.longrepr = f"skipped, but REQUIRE_BROWSER=1 forbids skips: {report.longrepr}"


@pytest.fixture(scope="session")
def reference() -> Reference:
    """The prepared reference geography (built once, then read from build/)."""
    return load_reference()


@pytest.fixture(scope="session")
def place_index(reference: Reference) -> PlaceIndex:
    return PlaceIndex.from_tables(reference.units, reference.former_names)
