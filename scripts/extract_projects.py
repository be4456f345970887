"""Extract the named projects of one plan document as JSON lines.

Usage: ``python scripts/extract_projects.py --doc-id ID [--year YYYY] [--explain] FILE``

FILE may be UTF-8 or GB18030/GBK text, .docx or .pdf. One JSON record per line
goes to stdout in the annotation format (:func:`layers.codec.record_to_json`:
the guide's keys plus every mention with its quote, sentence and offsets); every
quote and offset refers to the file's own text (before normalisation), so a
quote can be found verbatim in the original. Unreadable input gives one line on
stderr and exit status 2: a missing file, one that is not text, one that unpacks or
extracts past the reader's bounds (:class:`layers.reader.ReadLimits`, e.g. a zip
bomb), and one that runs out of memory all the same, never a traceback.

The document's year (for "今年/明年") comes from ``--year``, else from the
catalog row of ``--doc-id``, else from the text. Its region (to settle
ambiguous place names) comes from the catalog row when there is one.

``--explain`` also prints, on stderr, a table of every candidate name the
extractor looked at, kept or dropped, with the reason (what makes it a name:
a place, a road number, endpoints, a proper stem; or why it is not one: generic
words, a count, a modifier of something else…), so a planner can see why a
project is missing. stdout keeps the JSON lines either way.

A closed output pipe (``… | head -1``) ends the run quietly: the reader has
what it wanted, so there is no traceback and the exit status is 0.
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import logging
import os
import re
import sys
from collections.abc import Iterable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from layers.codec import record_to_json
from layers.corpus import CatalogEntry, read_catalog
from layers.errors import CatalogError, DocumentReadError, GazetteerError, ReferenceDataError
from layers.extract import records_from_text, records_to_original
from layers.geocode import Geocoder, load_geocoder
from layers.model import LINE_LAYERS
from layers.names import Candidate
from layers.reader import NormalisedText, normalise, read_document

EXIT_UNREADABLE = 2
logger = logging.getLogger("extract_projects")


def _catalog_entry(doc_id: str) -> CatalogEntry | None:
    try:
        return next((e for e in read_catalog() if e.doc_id == doc_id), None)
    except CatalogError:
        return None


def _doc_year(entry: CatalogEntry | None, text: str, explicit: int | None) -> int | None:
    if explicit:
        return explicit
    if entry is not None and entry.year:
        return entry.year
    years = re.findall(r"(20\d{2})年", text[:400])
    return int(years[0]) if years else None


def _geocoder() -> Geocoder | None:
    """Reference geography and gazetteer, for counties and abbreviation endpoints."""
    try:
        return load_geocoder()
    except (ReferenceDataError, GazetteerError) as exc:
        logger.warning("no reference geography, counties and endpoints left as written: %s", exc)
        return None


def _read(path: Path) -> NormalisedText:
    """The file's normalised text.

    The file's bytes are let go before normalising, the step that needs most memory.
    """
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise DocumentReadError(f"cannot open {path}: {exc.strerror}") from exc
    text = read_document(data, name=path.name).text
    del data
    return normalise(text)


def _out_of_memory(path: Path) -> str:
    """The one-line refusal when reading or extracting a document exhausts memory."""
    return (
        f"error: {path}: 内存不足，无法读取并提取这份文件；请拆分后再试。 / "
        "not enough memory to read and extract this document; split it and try again."
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Extract named projects from a plan document.")
    parser.add_argument("--doc-id", required=True, help="document id written into every record")
    parser.add_argument("--year", type=int, default=None, help="the document's year")
    parser.add_argument(
        "--explain",
        action="store_true",
        help="also print every candidate name with the reason it was kept or dropped (stderr)",
    )
    parser.add_argument("file", type=Path)
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(name)s: %(message)s")
    try:
        return _extract(args)
    except BrokenPipeError:
        # The reader closed the pipe (| head -1): send what Python still wants to flush
        # to /dev/null, so the interpreter's own flush at exit does not fail again.
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        return 0
    except DocumentReadError as exc:
        print(f"error: {args.file}: {exc}", file=sys.stderr)
        return EXIT_UNREADABLE
    except MemoryError:
        print(_out_of_memory(args.file), file=sys.stderr)
        return EXIT_UNREADABLE


def _extract(args: argparse.Namespace) -> int:
    """Read, extract and print the records of ``args.file`` (the body of :func:`main`).

    Every record is built before the first is printed, so a failure leaves stdout
    empty rather than half a document's records.
    """
    normalised = _read(args.file)
    entry = _catalog_entry(args.doc_id)
    region = entry.adcode[:2] + "0000" if entry is not None else None
    geocoder = _geocoder()
    candidates: list[Candidate] | None = [] if args.explain else None
    records = records_from_text(
        normalised.text,
        doc_id=args.doc_id,
        doc_year=_doc_year(entry, normalised.text, args.year),
        places=geocoder.places if geocoder else None,
        region=region,
        explain=candidates,
    )
    if candidates is not None:
        print(explain_table(candidates, normalised), file=sys.stderr)
    lines = []
    for record in records_to_original(records, normalised):
        if geocoder and record.layer in LINE_LAYERS and not record.endpoints:
            # The guide's endpoints are "as written or expanded from the abbreviation".
            expanded = geocoder.abbreviation_endpoints(
                record.name, region=entry.adcode if entry else None
            )
            record = dataclasses.replace(record, endpoints=tuple(expanded))
        lines.append(json.dumps(record_to_json(record), ensure_ascii=False))
    for line in lines:
        print(line)
    return 0


def explain_table(candidates: Iterable[Candidate], normalised: NormalisedText) -> str:
    """Every candidate as one row: where it is in the file, kept or dropped, its text
    as written, its layer and the reason; a count of each decision at the end."""
    rows = ["offset\tdecision\tlayer\tcandidate\treason"]
    kept = dropped = 0
    for c in sorted(candidates, key=lambda c: (c.start, c.end)):
        start, end = normalised.original_span(c.start, c.end)
        written = " ".join(normalised.original[start:end].split())
        written = written if len(written) <= 40 else written[:39] + "…"
        rows.append(
            f"{start}\t{'kept' if c.kept else 'dropped'}\t{c.category or '-'}"
            f"\t{written}\t{c.reason}"
        )
        kept, dropped = kept + c.kept, dropped + (not c.kept)
    rows.append(f"# {kept} kept, {dropped} dropped")
    return "\n".join(rows)


if __name__ == "__main__":
    raise SystemExit(main())
