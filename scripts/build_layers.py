"""Build every layer from geodata/sources/ into the store.

Usage: ``python scripts/build_layers.py [--store PATH_OR_DSN] [--if-stale] [--as-of YYYY-MM-DD]``

Runs extract -> resolve -> geocode over every catalogued document (with a
progress bar), re-applies the corrections already kept in the store, and
replaces the store safely (GeoPackage: atomic file replace; PostGIS: one
transaction). The store is ``--store``, else the PORTAL_STORE environment
variable, else build/projects.gpkg; a ``postgresql://`` DSN selects PostGIS.
``--if-stale`` does nothing when the store was built from exactly the current
sources, gazetteer, reference tables and code (the README run command uses it).
"""

from __future__ import annotations

import argparse
import logging
import sys
from collections import Counter
from pathlib import Path

from tqdm import tqdm

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from layers.corpus import read_catalog
from layers.errors import PortalError
from layers.geocode import PRECISIONS, load_geocoder
from layers.publish import inputs_fingerprint, rebuild_store
from layers.store import LAYER_NAMES, StoreLocation, read_uploads, store_fingerprint_matches

EXIT_FAILED = 1


def build(location: StoreLocation, *, quiet: bool = False) -> str:
    """Run the build and return its summary text.

    The catalog is checked against the place index first (each row's adcode must be
    the place it names), so a wrong adcode stops the build before any document is read.
    """
    geocoder = load_geocoder()
    total = len(read_catalog(places=geocoder.places)) + len(read_uploads(location))
    with tqdm(total=total, desc="documents", unit="doc", disable=quiet, file=sys.stderr) as bar:
        result = rebuild_store(location, geocoder=geocoder, on_document=lambda _: bar.update())
    contents = result.contents
    projects = contents.projects
    per_layer = Counter(projects["category"])
    precision = Counter(projects["precision"])
    published = 0 if contents.uploads is None else len(contents.uploads)
    lines = [
        f"store: {location}",
        f"documents: {len(contents.documents)} ({published} published in the "
        f"portal), records: {int(contents.documents['records'].sum())}, "
        f"projects: {len(projects)}, mentions: {len(contents.mentions)}",
        "projects per layer: " + ", ".join(f"{LAYER_NAMES[c]} {per_layer.get(c, 0)}"
                                           for c in LAYER_NAMES),
        "precision: " + ", ".join(f"{p} {precision.get(p, 0)}" for p in PRECISIONS),
        f"unlocated (kept, not drawn): {precision.get('unlocated', 0)}",
        f"corrections applied: {result.applied}, orphaned: {len(result.orphans)}",
        *(f"  orphaned {o}" for o in result.orphans),
    ]  # fmt: skip
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Build the layer store from geodata/sources/.")
    parser.add_argument("--store", default=None, help="GeoPackage path or postgresql:// DSN")
    parser.add_argument(
        "--if-stale",
        action="store_true",
        help="skip the build when the store matches the current inputs",
    )
    parser.add_argument("--quiet", action="store_true", help="no progress bar")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(name)s: %(message)s")
    try:
        location = StoreLocation.parse(args.store)  # a malformed DSN is an error line too
        if args.if_stale and store_fingerprint_matches(location, inputs_fingerprint()):
            print(f"store: {location} is up to date")
            return 0
        print(build(location, quiet=args.quiet))
    except PortalError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return EXIT_FAILED
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
