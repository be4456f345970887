"""Derive the township, village and station tables of ``geodata/gazetteer/``.

Usage: ``python scripts/derive_gazetteer.py [--sources DIR] [--out DIR]``

``--sources`` is the folder of public data sets described in its README
(default ``../shared/geodata-sources`` beside the checkout); ``--out`` where the
CSV files go (default ``geodata/gazetteer``). The same sources always give the
same bytes, so the committed tables can be re-derived and diffed. Each stage
logs its counts; a failure prints one ``error:`` line and exits with status 1.
"""

from __future__ import annotations

import argparse
import logging
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import pandas as pd

from layers import REPO_ROOT
from layers.admin import load_reference
from layers.derivation import derive_tables, write_tables
from layers.errors import GazetteerError, PortalError, ProblemsError
from layers.localities import GAZETTEER_DIR, load_localities

EXIT_FAILED = 1
DEFAULT_SOURCES = REPO_ROOT.parent / "shared" / "geodata-sources"


def _one_line(exc: Exception) -> str:
    if isinstance(exc, ProblemsError):
        return f"{exc.summary} ({'; '.join(exc.problems)})"
    return str(exc).replace("\n", " ")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Derive the locality tables of the gazetteer.")
    parser.add_argument("--sources", type=Path, default=DEFAULT_SOURCES)
    parser.add_argument("--out", type=Path, default=GAZETTEER_DIR)
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(levelname)s %(name)s: %(message)s")
    try:
        if not args.sources.is_dir():
            raise GazetteerError("The source folder is missing.", [str(args.sources)])
        reference = load_reference()
        counties = reference.units[reference.units["level"] == "county"]
        tables = derive_tables(args.sources, counties=counties, former=reference.former_names)
        written = write_tables(tables, args.out)
        started = time.perf_counter()
        load_localities(directory=args.out)
        seconds = time.perf_counter() - started
    except (PortalError, OSError, pd.errors.ParserError) as exc:
        print(f"error: {_one_line(exc)}", file=sys.stderr)
        return EXIT_FAILED
    sizes = ", ".join(f"{p.name} {p.stat().st_size / 1e6:.2f} MB" for p in written.values())
    print(
        f"{len(tables.townships)} townships, {len(tables.villages)} villages, "
        f"{len(tables.stations)} stations -> {args.out} ({sizes}; loads in {seconds:.2f} s)"
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
