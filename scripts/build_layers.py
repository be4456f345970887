"""Build every layer from geodata/sources/ into the store.

Usage: ``python scripts/build_layers.py [--store PATH_OR_DSN] [--if-stale]
[--workers N | --scheduler tcp://host:8786]``

Runs extract -> resolve -> geocode over every catalogued document (with a
progress bar), re-applies the corrections already kept in the store, and
replaces the store safely (GeoPackage: atomic file replace; PostGIS: one
transaction). The store is ``--store``, else the PORTAL_STORE environment
variable, else build/projects.gpkg; a ``postgresql://`` DSN selects PostGIS.
``--if-stale`` does nothing when the store was built from exactly the current
sources, gazetteer, reference tables and code (the README run command uses it).

By default everything runs in this process. ``--workers N`` runs extraction and
geocoding on a local Dask cluster of N worker processes, ``--scheduler ADDRESS``
on a running one (:mod:`layers.cluster`, docs/scaling.md); the store is the same.
Dask is imported only then.
"""

from __future__ import annotations

import argparse
import logging
import sys
from collections import Counter
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from pathlib import Path
from typing import TYPE_CHECKING

from tqdm import tqdm

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from layers.assemble import Runner
from layers.corpus import read_catalog
from layers.errors import PortalError
from layers.geocode import PRECISIONS, load_geocoder
from layers.publish import inputs_fingerprint, rebuild_store
from layers.store import LAYER_NAMES, StoreLocation, read_uploads, store_fingerprint_matches

if TYPE_CHECKING:
    from layers.cluster import DaskRunner

EXIT_FAILED = 1


@contextmanager
def cluster_runner(
    *, workers: int | None, scheduler: str | None, quiet: bool
) -> Iterator[DaskRunner | None]:
    """The Dask runner the options ask for (closed afterwards), or None to run here.

    Dask is imported only when a cluster is asked for, so the default build
    starts as fast as it always has. Geocoding on the cluster gets a progress
    bar of its own (projects), as it takes most of a large build's time.
    """
    if workers is None and scheduler is None:
        yield None
        return
    from layers.cluster import DaskRunner, open_client

    with open_client(workers=workers, scheduler=scheduler) as client, ExitStack() as bars:
        shown: list[tqdm] = []

        def located(done: int, total: int) -> None:
            if not shown:  # made at the first batch, below the documents' bar, with its total
                shown.append(bars.enter_context(tqdm(total=total, desc="projects", unit="project",
                                                     disable=quiet, file=sys.stderr)))  # fmt: skip
            shown[0].update(done - shown[0].n)

        yield DaskRunner(client, on_located=located)


def build(
    location: StoreLocation,
    *,
    quiet: bool = False,
    workers: int | None = None,
    scheduler: str | None = None,
) -> str:
    """Run the build and return its summary text.

    The catalog is checked against the place index first (each row's adcode must be
    the place it names), so a wrong adcode stops the build before any document is read.
    ``workers`` (a local cluster) or ``scheduler`` (a running one) moves extraction
    and geocoding to Dask workers; the store is the same.
    """
    geocoder = load_geocoder()
    total = len(read_catalog(places=geocoder.places)) + len(read_uploads(location))
    with (
        cluster_runner(workers=workers, scheduler=scheduler, quiet=quiet) as dask_runner,
        tqdm(total=total, desc="documents", unit="doc", disable=quiet, file=sys.stderr) as bar,
    ):
        runner: Runner | None = dask_runner
        result = rebuild_store(location, geocoder=geocoder, on_document=lambda _: bar.update(),
                               runner=runner)  # fmt: skip
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


def _positive(text: str) -> int:
    value = int(text) if text.isdigit() else 0
    if value < 1:
        raise argparse.ArgumentTypeError(f"{text!r} is not a number of workers (1 or more)")
    return value


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Build the layer store from geodata/sources/.")
    parser.add_argument("--store", default=None, help="GeoPackage path or postgresql:// DSN")
    parser.add_argument(
        "--if-stale",
        action="store_true",
        help="skip the build when the store matches the current inputs",
    )
    parser.add_argument("--quiet", action="store_true", help="no progress bar")
    where = parser.add_mutually_exclusive_group()
    where.add_argument(
        "--workers",
        type=_positive,
        default=None,
        metavar="N",
        help="extract and geocode on a local Dask cluster of N processes",
    )
    where.add_argument(
        "--scheduler",
        default=None,
        metavar="ADDRESS",
        help="extract and geocode on the Dask cluster at ADDRESS (tcp://host:8786)",
    )
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(name)s: %(message)s")
    try:
        location = StoreLocation.parse(args.store)  # a malformed DSN is an error line too
        if args.if_stale and store_fingerprint_matches(location, inputs_fingerprint()):
            print(f"store: {location} is up to date")
            return 0
        print(build(location, quiet=args.quiet, workers=args.workers, scheduler=args.scheduler))
    except PortalError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return EXIT_FAILED
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
