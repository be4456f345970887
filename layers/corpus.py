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
import io
import logging
import re
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from layers import GEODATA_DIR
from layers.errors import CatalogError

if TYPE_CHECKING:  # only for the annotation: reading a catalog needs no reference geography
    from layers.placenames import PlaceIndex

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

# ASCII digits only: Python's \d also matches full-width ２０２１, which int() would
# quietly accept, so a catalog typed with a Chinese input method would pass unnoticed.
_ISSUED_RE = re.compile(r"([0-9]{4})(?:-([0-9]{2}))?(?:-([0-9]{2}))?")
_ADCODE_RE = re.compile(r"[0-9]{6}")

CatalogRow = Mapping[str | None, object]
"""One raw catalog row as :class:`csv.DictReader` gives it: column -> text, the
fields beyond the header as a list under ``None``, a missing field as ``None``."""


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


def entry_from_row(row: Mapping[str, object]) -> CatalogEntry:
    """A catalog entry from a stored row (the documents or uploads table), already validated."""
    issuer = row.get("issuer")
    return CatalogEntry(str(row["doc_id"]), str(row["file"]), str(row["title"]),
                        str(row["jurisdiction"]), str(row["adcode"]), str(row["issued"]),
                        str(row["kind"]),
                        issuer if isinstance(issuer, str) else "")  # fmt: skip


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


def _foreign_digits(value: str) -> str | None:
    """How ``value``'s non-ASCII digits are called (full-width ２, other ٢...), if it has any."""
    foreign = [ch for ch in value if ch.isdigit() and not ch.isascii()]
    if not foreign:
        return None
    return "full-width digits" if all("０" <= ch <= "９" for ch in foreign) else "non-ASCII digits"


def parse_issued(value: str) -> dt.date:
    """Parse ``YYYY``, ``YYYY-MM`` or ``YYYY-MM-DD`` into the period's first day.

    Only ASCII digits are accepted: a full-width date (２０２１-０３-１２) is refused
    with a message saying so, because it would otherwise pass here and fail (or
    sort wrongly) wherever the text itself is compared.

    Raises
    ------
    ValueError
        If the text is not one of those forms or names an impossible date; the
        message is a sentence naming the value.
    """
    text = value.strip()
    digits = _foreign_digits(text)
    if digits:
        raise ValueError(
            f"issued date {value!r} is written with {digits}; "
            "type it with ASCII digits as YYYY, YYYY-MM or YYYY-MM-DD"
        )
    match = _ISSUED_RE.fullmatch(text)
    if not match:
        raise ValueError(f"issued date {value!r} is not YYYY, YYYY-MM or YYYY-MM-DD")
    year, month, day = (int(g) if g else 1 for g in match.groups())
    try:
        return dt.date(year, month, day)
    except ValueError as exc:
        raise ValueError(f"issued date {value!r} is not a real date ({exc})") from exc


def _listed(names: Sequence[str]) -> str:
    quoted = [repr(n) for n in names]
    return quoted[0] if len(quoted) == 1 else ", ".join(quoted[:-1]) + " and " + quoted[-1]


def _shape_problem(row: CatalogRow) -> str | None:
    """What is wrong with the row as a whole, if anything: blank, too many or too few fields.

    Such a row is reported once and checked no further: its values are blank or
    shifted into the wrong columns (an unquoted comma in a title), so every
    column check would only repeat the same fault in other words.
    """
    extra = row.get(None)
    extras = [str(v) for v in extra] if isinstance(extra, list) else []
    values = [v for k, v in row.items() if k is not None and isinstance(v, str)]
    if not any(v.strip() for v in [*values, *extras]):
        return "is empty; delete the line or fill it in."
    if extras:
        return (
            f"has {len(extras)} field(s) more than the header ({_listed(extras)}); "
            "a value that contains a comma must be put in double quotes."
        )
    missing = [col for col in CATALOG_COLUMNS if not isinstance(row.get(col), str)]
    if missing:
        return (
            f"has fewer fields than the header (nothing for {_listed(missing)}); "
            "a comma is probably missing."
        )
    return None


def _place_problem(jurisdiction: str, adcode: str, places: PlaceIndex) -> str | None:
    """Why ``adcode`` is not the unit called ``jurisdiction`` (None when it is).

    The name may be any spelling the place index accepts (梁平区, 梁平, 重庆市梁平区,
    a former name); a name several units share is fine when the adcode is one of them.
    """
    matches = places.candidates(jurisdiction)
    if adcode in {m.unit.adcode for m in matches}:
        return None
    unit = places.units.get(adcode)
    if unit is not None:
        known = f"adcode {adcode} is {unit.name}"
    else:
        known = f"adcode {adcode} is not a current administrative unit"
    if not matches:
        return (
            f"jurisdiction {jurisdiction!r} is not the name of any administrative unit in the "
            f"reference geography, and {known}."
        )
    if len(matches) == 1 and matches[0].unit.name == jurisdiction:
        code = matches[0].unit.adcode
        return f"{known}, not {jurisdiction}; the adcode of {jurisdiction} is {code}."
    listed = " or ".join(f"{m.unit.name} (adcode {m.unit.adcode})" for m in matches)
    verb = "is" if len(matches) == 1 else "could be"
    return f"{known}, not {jurisdiction}; {jurisdiction} {verb} {listed}."


@dataclass
class _Checked:
    """The outcome of checking catalog rows: the good entries, and every problem."""

    entries: list[CatalogEntry]
    problems: list[str]
    files: dict[str, str]
    """Each well-formed file name a well-shaped row gives -> where that row is (even a
    row with other faults), to check that the file is there."""
    named: set[str]
    """Every file name any row gives, misaligned rows included: such a file is not
    also reported as uncatalogued (the row's fault is already on the list)."""


def _check_rows(
    rows: Sequence[CatalogRow],
    *,
    source: str,
    lines: Sequence[int] | None,
    today: dt.date,
    places: PlaceIndex | None,
) -> _Checked:
    """Check every row, reporting each fault once (see :func:`entries_from_rows`)."""
    checked = _Checked([], [], {}, set())
    seen: dict[str, dict[str, int]] = {"id": {}, "file": {}}
    numbers = list(lines) if lines is not None else list(range(2, len(rows) + 2))
    for line_no, row in zip(numbers, rows, strict=True):
        where = f"{source} line {line_no}"
        named = row.get("file")
        if isinstance(named, str) and named.strip():
            checked.named.add(named.strip())
        shape = _shape_problem(row)
        if shape:
            checked.problems.append(f"{where} {shape}")
            continue
        values = {col: str(row.get(col) or "").strip() for col in CATALOG_COLUMNS}
        empty = [col for col, v in values.items() if not v]
        found: list[str] = []
        if empty:
            found.append(f"column {_listed(empty)} is empty" if len(empty) == 1
                         else f"columns {_listed(empty)} are empty")  # fmt: skip
        adcode, issued, kind, file = (values[k] for k in ("adcode", "issued", "kind", "file"))
        adcode_ok = bool(adcode) and bool(_ADCODE_RE.fullmatch(adcode))
        if adcode and _foreign_digits(adcode):
            found.append(f"adcode {adcode!r} is written with {_foreign_digits(adcode)}; "
                         "type six ASCII digits")  # fmt: skip
        elif adcode and not adcode_ok:
            found.append(f"adcode {adcode!r} is not six digits")
        if issued:
            try:
                when = parse_issued(issued)
            except ValueError as exc:
                found.append(str(exc))
            else:
                if when > today:
                    found.append(f"issued date {issued!r} is in the future (today is {today})")
        if kind and kind not in DOCUMENT_KINDS:
            found.append(f"kind {kind!r} is not one of {', '.join(sorted(DOCUMENT_KINDS))}")
        if file and (Path(file).name != file or Path(file).suffix.lower() not in DOCUMENT_SUFFIXES):
            found.append(f"file {file!r} must be a bare .txt, .docx or .pdf name")
        elif file:
            checked.files.setdefault(file, where)
        for key in ("id", "file"):
            value = values[key]
            if value and value in seen[key]:
                found.append(f"{key} {value!r} is already used on line {seen[key][value]}")
            elif value:
                seen[key][value] = line_no
        if places is not None and values["jurisdiction"] and adcode_ok:
            place = _place_problem(values["jurisdiction"], adcode, places)
            if place:
                found.append(place.rstrip("."))
        checked.problems.extend(f"{where}: {p}." for p in found)
        if not found:
            checked.entries.append(
                CatalogEntry(
                    doc_id=values["id"],
                    file=file,
                    title=values["title"],
                    jurisdiction=values["jurisdiction"],
                    adcode=adcode,
                    issued=issued,
                    kind=kind,
                    issuer=str(row.get("issuer") or "").strip(),
                )
            )
    return checked


def entries_from_rows(
    rows: Sequence[CatalogRow],
    *,
    source: str = CATALOG_NAME,
    lines: Sequence[int] | None = None,
    today: dt.date | None = None,
    places: PlaceIndex | None = None,
) -> list[CatalogEntry]:
    """Validate raw catalog rows and turn them into entries.

    Every problem in every row is collected before raising, so one run shows the
    editor the whole list; and each fault is reported once, so the list is as
    long as the work to do: a blank or misaligned row is one problem (not one
    per column), and a value that is already wrong is not checked again for
    what follows from it (a malformed date is not also "in the future").

    Parameters
    ----------
    rows
        The rows as :class:`csv.DictReader` gives them (extra fields under ``None``).
    source
        The catalog's name, for the messages.
    lines
        The line each row starts on; by default the rows follow a one-line header.
    today
        Issue dates after this day are refused (a typo, not a plan from the future);
        defaults to the current date.
    places
        When given, each row's adcode must be the unit its jurisdiction names. The
        build passes the place index; without it the catalog is read with no
        reference geography loaded.

    Raises
    ------
    CatalogError
        If any row is blank, misaligned, incomplete, malformed, duplicated, or
        names a place its adcode is not.
    """
    checked = _check_rows(rows, source=source, lines=lines, today=today or dt.date.today(),
                          places=places)  # fmt: skip
    if checked.problems:
        raise CatalogError(
            f"The document catalog {source} has {len(checked.problems)} problem(s):",
            checked.problems,
        )
    return checked.entries


def _csv_rows(text: str) -> tuple[tuple[str, ...], list[CatalogRow], list[int]]:
    """The header, the rows (as DictReader builds them) and the line each row starts on.

    Blank lines are skipped but counted, and a quoted value may span lines, so a
    row's line is taken from the reader, not from its position in the list.
    """
    reader = csv.reader(io.StringIO(text, newline=""))
    header: tuple[str, ...] = ()
    rows: list[CatalogRow] = []
    lines: list[int] = []
    previous = 0
    for fields in reader:
        start, previous = previous + 1, reader.line_num
        if not fields:
            continue
        if not header:
            header = tuple(name.strip() for name in fields)
            continue
        row: dict[str | None, object] = dict(zip(header, fields, strict=False))
        row.update({name: None for name in header[len(fields) :]})
        if len(fields) > len(header):
            row[None] = fields[len(header) :]
        rows.append(row)
        lines.append(start)
    return header, rows, lines


def read_catalog(
    sources_dir: Path = SOURCES_DIR,
    *,
    today: dt.date | None = None,
    places: PlaceIndex | None = None,
) -> list[CatalogEntry]:
    """Read and validate ``catalog.csv`` against the files beside it.

    A catalogued file that is missing, and a document file with no catalog row,
    are both errors: the first would silently shrink the map, the second would
    leave a document nobody can date. A file named by a faulty row still counts
    as catalogued, so one bad row is not also reported as an uncatalogued file.
    ``today`` and ``places`` are as in :func:`entries_from_rows` (the build passes
    its place index, so an adcode that is not the named place stops the build).

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
    header, rows, lines = _csv_rows(text)
    missing_cols = [c for c in CATALOG_COLUMNS if c not in header]
    if missing_cols:
        raise CatalogError(
            f"The document catalog {catalog_path} lacks required columns.",
            [f"column {c!r} is missing (header is {list(header)})" for c in missing_cols],
        )
    checked = _check_rows(rows, source=catalog_path.name, lines=lines,
                          today=today or dt.date.today(), places=places)  # fmt: skip
    problems = list(checked.problems)
    for file, where in checked.files.items():
        if not (sources_dir / file).is_file():
            problems.append(f"{where}: file {file!r} is not in {sources_dir}.")
    for path in sorted(sources_dir.iterdir()):
        if path.suffix.lower() in DOCUMENT_SUFFIXES and path.name not in checked.named:
            problems.append(f"File {path.name!r} in {sources_dir} has no catalog row.")
    if problems:
        raise CatalogError(
            f"The document catalog {catalog_path} has {len(problems)} problem(s):", problems
        )
    entries = checked.entries
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
