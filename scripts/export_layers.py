"""Export the (filtered) layers of the store.

Usage: ``python scripts/export_layers.py --format F --out PATH [--store S] [--county C]
[--prefecture-level] [--year Y] [--headers zh]``

F is one of geojson, gpkg, csv, xlsx, kml, shp (a zip). ``--county`` may be given
several times (or comma-separated) and takes full or short names (宣汉县, 宣汉);
it keeps the projects placed in those counties by the portal's rule
(:func:`layers.selection.view_area`: named there, points inside, lines entering,
the county's own outline), and with ``--prefecture-level`` also those known only
by the county's prefecture (the portal's switch, on there by default);
``--year Y`` (default: the year of the newest document) keeps the projects
documents issued by then had named and writes each one's progress that year:
``known_stage`` (reported), ``planned_stage``, ``target_year``, ``overdue``,
``info_date``. ``--headers zh`` gives CSV and Excel Chinese headers and Chinese words for
their codes (建成, 高速公路, 示意线路, the method in Chinese), and a KML Chinese descriptions.

Spatial formats hold one geometry type per layer: ``highways`` (lines), ``highways_area``
(projects known only by a county or prefecture polygon), ``reservoirs`` (points) and so on
(:mod:`layers.export`). ``--format geojson`` writes one FeatureCollection to a ``.geojson``
path, and one file per layer to a ``.zip`` path.
"""

from __future__ import annotations

import argparse
import logging
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from layers.admin import load_reference
from layers.errors import PlaceNameError, PortalError
from layers.export import FORMATS, export_selection
from layers.placenames import PlaceIndex
from layers.selection import Area, newest_document_year, select_projects, view_area
from layers.store import StoreLocation, read_store

EXIT_FAILED = 1


def _area(names: list[str], *, prefecture_level: bool) -> Area | None:
    """The area of the named counties; an unknown name is an error."""
    wanted = [n.strip() for value in names for n in value.split(",") if n.strip()]
    if not wanted:
        return None
    reference = load_reference()
    places = PlaceIndex.from_tables(reference.units, reference.former_names)
    full = [places.resolve(name, level="county").unit for name in wanted]
    units = reference.units
    counties = units[(units["level"] == "county") & units["adcode"].isin([u.adcode for u in full])]
    prefectures = units[units["level"] == "prefecture"]
    return view_area(counties, prefectures, county_names=[u.name for u in full],
                     prefecture_level=prefecture_level)  # fmt: skip


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Export the layers of the store.")
    parser.add_argument("--format", required=True, choices=FORMATS)
    parser.add_argument("--out", required=True, type=Path)
    parser.add_argument("--store", default=None, help="GeoPackage path or postgresql:// DSN")
    parser.add_argument("--county", action="append", default=[], help="county name (repeatable)")
    parser.add_argument(
        "--prefecture-level",
        action="store_true",
        help="with --county, also the projects known only by the county's prefecture",
    )
    parser.add_argument(
        "--year",
        type=int,
        default=None,
        help="progress as of this year (default: the newest document's year)",
    )
    parser.add_argument(
        "--headers",
        choices=("en", "zh"),
        default="en",
        help="language of CSV/Excel headers and words, and of KML descriptions",
    )
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(name)s: %(message)s")
    try:
        area = _area(args.county, prefecture_level=args.prefecture_level)
        contents = read_store(StoreLocation.parse(args.store))
        year = args.year if args.year is not None else newest_document_year(contents.documents)
        selected = select_projects(contents.projects, area=area, year=year)
        out = export_selection(selected, contents.mentions, contents.documents,
                               fmt=args.format, out=args.out, headers=args.headers,
                               year=year)  # fmt: skip
    except (PortalError, PlaceNameError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return EXIT_FAILED
    print(f"{len(selected)} projects as of {year} -> {out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
