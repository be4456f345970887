"""The browser tests' way into the project map: its component iframe, once Leaflet is in it.

A plain module (not a fixture) because the tests' own helpers call it too; pytest puts
this folder on ``sys.path`` for the test modules beside it.
"""

from __future__ import annotations

import time
from typing import Any

import pytest


def map_frame(page: Any) -> Any:
    """The project map component's iframe (portal/mapcomponent.py), once Leaflet is in it."""
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        for frame in page.frames:
            if "project_map" in frame.url and frame.locator(".leaflet-container").count():
                return frame
        page.wait_for_timeout(250)
    pytest.fail("the map component never showed a Leaflet container")
