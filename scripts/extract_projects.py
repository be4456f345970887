"""Extract the named projects of one plan document as JSON lines.

Usage: ``python scripts/extract_projects.py --doc-id ID [--year YYYY] FILE``

FILE may be UTF-8 or GB18030/GBK text, .docx or .pdf. One JSON record per line
goes to stdout in the annotation format. Unreadable input gives one line on
stderr and exit status 2. The document's year (for "今年/明年") comes from
``--year``, else from the catalog row of ``--doc-id``, else from the text.
"""

from __future__ import annotations

import argparse
import json
import logging
import re
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from layers.errors import CatalogError, DocumentReadError
from layers.extract import records_from_text
from layers.reader import normalise, read_document

EXIT_UNREADABLE = 2


def _doc_year(doc_id: str, text: str, explicit: int | None) -> int | None:
    if explicit:
        return explicit
    try:
        from layers.corpus import read_catalog

        for entry in read_catalog():
            if entry.doc_id == doc_id:
                return entry.year
    except CatalogError:
        pass
    years = re.findall(r"(20\d{2})年", text[:400])
    return int(years[0]) if years else None


def _read(path: Path) -> str:
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise DocumentReadError(f"cannot open {path}: {exc.strerror}") from exc
    return normalise(read_document(data, name=path.name).text).text


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Extract named projects from a plan document.")
    parser.add_argument("--doc-id", required=True, help="document id written into every record")
    parser.add_argument("--year", type=int, default=None, help="the document's year")
    parser.add_argument("file", type=Path)
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(name)s: %(message)s")
    try:
        text = _read(args.file)
    except DocumentReadError as exc:
        print(f"error: {args.file}: {exc}", file=sys.stderr)
        return EXIT_UNREADABLE
    records = records_from_text(
        text, doc_id=args.doc_id, doc_year=_doc_year(args.doc_id, text, args.year)
    )
    for record in records:
        print(json.dumps(record.to_json(), ensure_ascii=False))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
