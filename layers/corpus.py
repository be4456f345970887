"""The document corpus: plan documents in ``geodata/sources/`` and their catalog.

The catalog (``catalog.csv``) is what ties a file to its jurisdiction and date;
without a valid row a document cannot be dated ("明年" needs the issue year) or
placed (the jurisdiction is the fallback location), so a missing or malformed row
is an error, never a guess. This module is an I/O edge: it reads files and hands
plain records to the pure code downstream. Decoding the bytes is the reader's job
(documents arrive in several encodings), so documents are returned as bytes.
"""

from __future__ import annotations

import csv
import dataclasses
import datetime as dt
import logging
import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from layers import GEODATA_DIR
from layers.errors import CatalogError

logger = logging.getLogger(__name__)

SOURCES_DIR = GEODATA_DIR / "sources"
CATALOG_NAME = "catalog.csv"
ISSUERS_NAME = "issuers.csv"
CATALOG_COLUMNS = ("id", "file", "title", "jurisdiction", "adcode", "issued", "kind")
# Optional columns: who issued the document (default: the jurisdiction's government,
# or its Party committee for a decision), for a citation a reporter can use.
OPTIONAL_COLUMNS = ("issuer",)
DOCUMENT_KINDS = frozenset(
    {"five_year_plan", "work_report", "task_breakdown", "decision", "plan", "other"}
)
DOCUMENT_SUFFIXES = frozenset({".txt", ".docx", ".pdf"})

_ISSUED_RE = re.compile(r"^(\d{4})(?:-(\d{2}))?(?:-(\d{2}))?$")
_ADCODE_RE = re.compile(r"^\d{6}$")


@dataclass(frozen=True)
class CatalogEntry:
    """One catalog row, validated.

    ``issued`` keeps the precision the catalog gives ("2021-03" stays a month);
    ``issued_date`` is its first day, for sorting and for "今年/明年" arithmetic.
    """

    doc_id: str
    file: str
    title: str
    jurisdiction: str
    adcode: str
    issued: str
    kind: str
    issuer: str = ""

    @property
    def issuer_name(self) -> str:
        """Who issued the document: the catalog's word, else the usual issuer of its kind."""
        return self.issuer or default_issuer(self.jurisdiction, self.kind)

    @property
    def issued_date(self) -> dt.date:
        """First day of the issue period (year, month or day precision)."""
        return parse_issued(self.issued)

    @property
    def year(self) -> int:
        """The document's own year, the anchor for relative years."""
        return self.issued_date.year


@dataclass(frozen=True)
class Document:
    """A catalogued document: its row, where it lies, and its raw bytes."""

    entry: CatalogEntry
    path: Path
    data: bytes

    @property
    def doc_id(self) -> str:
        return self.entry.doc_id


def default_issuer(jurisdiction: str, kind: str) -> str:
    """The body that usually issues a document of ``kind`` for ``jurisdiction``.

    A Party plenary decision comes from the Party committee (中共巴中市委员会);
    plans, reports and task breakdowns from the people's government
    (达州市人民政府). A catalog row that knows better says so in ``issuer``.
    """
    if not jurisdiction:
        return ""
    if kind == "decision":
        return f"中共{jurisdiction}委员会"
    return f"{jurisdiction}人民政府"


def parse_issued(value: str) -> dt.date:
    """Parse ``YYYY``, ``YYYY-MM`` or ``YYYY-MM-DD`` into the period's first day.

    Raises
    ------
    ValueError
        If the text is not one of those forms or names an impossible date.
    """
    match = _ISSUED_RE.match(value.strip())
    if not match:
        raise ValueError(f"issued date {value!r} is not YYYY, YYYY-MM or YYYY-MM-DD")
    year, month, day = (int(g) if g else 1 for g in match.groups())
    return dt.date(year, month, day)


def entries_from_rows(
    rows: list[dict[str, str]], *, source: str = CATALOG_NAME
) -> list[CatalogEntry]:
    """Validate raw catalog rows and turn them into entries.

    Every problem in every row is collected before raising, so one run shows the
    editor the whole list.

    Raises
    ------
    CatalogError
        If any row is incomplete, malformed or duplicated.
    """
    problems: list[str] = []
    entries: list[CatalogEntry] = []
    seen_ids: dict[str, int] = {}
    seen_files: dict[str, int] = {}
    for line_no, row in enumerate(rows, start=2):  # line 1 is the header
        where = f"{source} line {line_no}"
        values = {col: (row.get(col) or "").strip() for col in CATALOG_COLUMNS}
        row_problems = [f"{where}: column {col!r} is empty" for col, v in values.items() if not v]
        if values["adcode"] and not _ADCODE_RE.match(values["adcode"]):
            row_problems.append(f"{where}: adcode {values['adcode']!r} is not six digits")
        if values["issued"]:
            try:
                parse_issued(values["issued"])
            except ValueError as exc:
                row_problems.append(f"{where}: {exc}")
        if values["kind"] and values["kind"] not in DOCUMENT_KINDS:
            row_problems.append(
                f"{where}: kind {values['kind']!r} is not one of {sorted(DOCUMENT_KINDS)}"
            )
        if values["file"] and (
            Path(values["file"]).name != values["file"]
            or Path(values["file"]).suffix.lower() not in DOCUMENT_SUFFIXES
        ):
            row_problems.append(
                f"{where}: file {values['file']!r} must be a bare .txt, .docx or .pdf name"
            )
        for key, seen in (("id", seen_ids), ("file", seen_files)):
            if values[key] and values[key] in seen:
                row_problems.append(
                    f"{where}: {key} {values[key]!r} already used on line {seen[values[key]]}"
                )
            elif values[key]:
                seen[values[key]] = line_no
        problems.extend(row_problems)
        if not row_problems:
            entries.append(
                CatalogEntry(
                    doc_id=values["id"],
                    file=values["file"],
                    title=values["title"],
                    jurisdiction=values["jurisdiction"],
                    adcode=values["adcode"],
                    issued=values["issued"],
                    kind=values["kind"],
                    issuer=(row.get("issuer") or "").strip(),
                )
            )
    if problems:
        raise CatalogError(
            f"The document catalog {source} has {len(problems)} problem(s):", problems
        )
    return entries


def read_catalog(sources_dir: Path = SOURCES_DIR) -> list[CatalogEntry]:
    """Read and validate ``catalog.csv`` against the files beside it.

    A catalogued file that is missing, and a document file with no catalog row,
    are both errors: the first would silently shrink the map, the second would
    leave a document nobody can date.

    Raises
    ------
    CatalogError
        Listing every problem found.
    """
    catalog_path = sources_dir / CATALOG_NAME
    if not catalog_path.is_file():
        raise CatalogError(f"No document catalog at {catalog_path}.", ["the file does not exist"])
    try:
        text = catalog_path.read_text(encoding="utf-8-sig")
    except UnicodeDecodeError as exc:
        raise CatalogError(
            f"The document catalog {catalog_path} is not UTF-8 text.", [str(exc)]
        ) from exc
    reader = csv.DictReader(text.splitlines())
    header = tuple(reader.fieldnames or ())
    missing_cols = [c for c in CATALOG_COLUMNS if c not in header]
    if missing_cols:
        raise CatalogError(
            f"The document catalog {catalog_path} lacks required columns.",
            [f"column {c!r} is missing (header is {list(header)})" for c in missing_cols],
        )
    problems: list[str] = []
    try:
        entries = entries_from_rows(list(reader), source=str(catalog_path.name))
    except CatalogError as exc:
        problems.extend(exc.problems)
        entries = []
    catalogued = {e.file for e in entries}
    for entry in entries:
        if not (sources_dir / entry.file).is_file():
            problems.append(f"document {entry.doc_id}: file {entry.file!r} is not in {sources_dir}")
    for path in sorted(sources_dir.iterdir()):
        if path.suffix.lower() in DOCUMENT_SUFFIXES and path.name not in catalogued:
            problems.append(f"file {path.name!r} has no catalog row")
    if problems:
        raise CatalogError(
            f"The document catalog {catalog_path} has {len(problems)} problem(s):", problems
        )
    logger.info("catalog: %d documents in %s", len(entries), sources_dir)
    issuers = _read_issuers(sources_dir)
    return [dataclasses.replace(e, issuer=issuers.get(e.doc_id, e.issuer)) for e in entries]


def _read_issuers(sources_dir: Path) -> dict[str, str]:
    """Who issued each catalogued document (``issuers.csv``, id -> issuer), if known.

    Kept beside the catalog rather than in it, so ``catalog.csv`` stays exactly
    the file the users keep; each row says where the issuer was read.
    """
    path = sources_dir / ISSUERS_NAME
    if not path.is_file():
        return {}
    rows = csv.DictReader(path.read_text(encoding="utf-8-sig").splitlines())
    return {
        (row.get("id") or "").strip(): (row.get("issuer") or "").strip()
        for row in rows
        if (row.get("id") or "").strip() and (row.get("issuer") or "").strip()
    }


def iter_documents(sources_dir: Path = SOURCES_DIR) -> Iterator[Document]:
    """Yield every catalogued document with its row, one at a time.

    Documents are yielded lazily so a large corpus is never held in memory at once.
    """
    for entry in read_catalog(sources_dir):
        path = sources_dir / entry.file
        yield Document(entry=entry, path=path, data=path.read_bytes())


def load_document(doc_id: str, sources_dir: Path = SOURCES_DIR) -> Document:
    """Return one catalogued document by id.

    Raises
    ------
    CatalogError
        If no catalog row has that id.
    """
    for entry in read_catalog(sources_dir):
        if entry.doc_id == doc_id:
            path = sources_dir / entry.file
            return Document(entry=entry, path=path, data=path.read_bytes())
    raise CatalogError(
        f"No catalog row for document {doc_id!r}.", [f"known ids are listed in {CATALOG_NAME}"]
    )
