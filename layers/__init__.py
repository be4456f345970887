"""Turn plan documents into map layers: corpus, reference geography, place names.

The package is UI-free (it never imports streamlit) so the same code serves the
command-line scripts, the tests and the portal.
"""

from __future__ import annotations

from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parent.parent
"""Root of the checkout; data folders are located relative to it."""

GEODATA_DIR = REPO_ROOT / "geodata"
BUILD_DIR = REPO_ROOT / "build"
