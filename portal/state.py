"""Session-state keys, named once so pages and widgets cannot drift apart."""

from __future__ import annotations

LANG_KEY = "lang_english"
"""bool: True when the user switched the interface to English."""

MAP_KEY = "county_map"
"""Widget key of the main map component."""
