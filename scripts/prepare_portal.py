"""Prepare everything the portal needs before Streamlit starts.

Streamlit only serves ``static/`` if the folder exists when the server starts, so
Leaflet is copied first; the reference geography is prepared (or read from its
cache) so the first page view does not wait for it.

Usage: ``python scripts/prepare_portal.py [--refresh]``
"""

from __future__ import annotations

import argparse
import logging
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from layers.admin import load_reference
from layers.errors import PortalError
from portal.assets import ensure_static_assets


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--refresh", action="store_true", help="rebuild the reference cache")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(levelname)s %(name)s: %(message)s")
    try:
        leaflet = ensure_static_assets()
        reference = load_reference(refresh=args.refresh)
    except PortalError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    print(f"Leaflet served from {leaflet}")
    print(f"Reference geography: {len(reference.units)} units, {len(reference.seats)} seats")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
