"""A document uploaded in the portal: checked, catalogued and extracted, before anything is written.

An upload passes three gates, each of which collects every problem before it
refuses, with a message in Chinese and English that tells an editor what to do:

1. the file itself (:func:`read_upload`): empty, over the size limit, a wrong
   type, binary junk, a PDF with no text layer (run OCR first), one that unpacks
   or extracts past the reader's bounds (a zip bomb), HTML or script;
2. the catalog row the editor fills in (:func:`catalog_entry`): a title, a known
   county or prefecture, a real issue date, a document kind;
3. the extraction (:func:`draft_records`): a document in which no project is found.

Then the editor reviews the records (:func:`review_records`): include or
exclude, rename, re-classify, change the stage, year or counties. Every change is
logged as a correction with who, when and why. Records are
:class:`layers.model.Record` objects throughout (an edit is a new record made
with :func:`dataclasses.replace`); the review table's rows are plain values
(:func:`edit_row`). Pure functions; the portal and :mod:`layers.publish` do the
I/O.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import hashlib
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import PurePath
from typing import SupportsInt

from layers.corpus import DOCUMENT_KINDS, CatalogEntry, parse_issued
from layers.corrections import RECORD_PREFIX, Correction
from layers.errors import DocumentReadError, PortalError
from layers.extract import records_from_text, records_to_original
from layers.model import Layer, Record, Stage
from layers.placenames import PlaceIndex
from layers.reader import LIMIT_MESSAGE, MEGABYTE, DocumentLimitError, normalise, read_document

UPLOAD_LIMIT_MB = 50
"""The largest upload accepted, checked here whatever the web server allows."""
UPLOAD_SUFFIXES = (".txt", ".docx", ".pdf")
EARLIEST_YEAR = 1949
PROVINCES = ("51", "50")  # Sichuan and Chongqing: the jurisdictions an upload may belong to
_TAG_RE = re.compile(
    r"<\s*/?\s*(?:script|html|head|body|iframe|img|svg|style|a|div|span|p|table|form|object)"
    r"\b[^<>]*>|\bjavascript:|\bon(?:error|load|click|mouseover)\s*=",
    re.IGNORECASE,
)
_DATE_RE = re.compile(r"((?:19|20)\d{2})\s*年\s*(\d{1,2})\s*月(?:\s*(\d{1,2})\s*日)?")
_YEAR_RE = re.compile(r"((?:19|20)\d{2})\s*年")
_KIND_WORDS = (
    ("task_breakdown", ("分工", "任务分解", "责任分解", "任务清单")),
    ("work_report", ("工作报告",)),
    ("five_year_plan", ("五年规划", "十四五", "十五五", "规划纲要")),
    ("decision", ("决定",)),
    ("plan", ("规划", "方案", "计划")),
)

MESSAGES: dict[str, tuple[str, str]] = {
    "empty": ("文件是空的（0 字节）。", "The file is empty (0 bytes)."),
    "too_large": (
        "文件大小为 {size} MB，超过 {limit} MB 的上限。请拆分后分别上传。",
        "The file is {size} MB, over the {limit} MB limit. Split it and upload the parts.",
    ),
    "file_type": (
        "只接受 .txt、.docx 和 .pdf 文件（收到的是 “{suffix}”）。",
        "Only .txt, .docx and .pdf files are accepted (got “{suffix}”).",
    ),
    "binary": (
        "无法把文件读成文字：它看起来是二进制数据，或是无法识别的编码。（{detail}）",
        "The file cannot be read as text: it looks like binary data or an unknown "
        "encoding. ({detail})",
    ),
    "pdf_no_text": (
        "这个 PDF 没有文字层（可能是扫描件）。请先做 OCR 文字识别，再上传可搜索的 PDF 或文本。",
        "This PDF has no text layer (probably a scan). Run OCR on it first, then upload "
        "the searchable PDF or the text.",
    ),
    "unreadable": ("无法读取该文件：{detail}", "The file cannot be read: {detail}"),
    # What was found and the bound it passed, in each language (layers.reader words it).
    "over_limit": LIMIT_MESSAGE,
    "html": (
        "文件包含 HTML 标记或脚本（如 “{sample}”）。请上传纯文本、Word 或 PDF 原件。",
        "The file contains HTML markup or script (such as “{sample}”). Upload the plain "
        "text, Word or PDF original.",
    ),
    "no_projects": (
        "文中没有找到任何项目（公路、铁路、水库、园区等），没有可发布的内容。",
        "No projects (highways, railways, reservoirs, parks, zones…) were found in the "
        "text; there is nothing to publish.",
    ),
    "duplicate": (
        "这个文件已经发布过（文档 {doc_id}：{title}），不会重复写入。",
        "This file was already published (document {doc_id}: {title}); it is not written twice.",
    ),
    "no_title": ("请填写文件标题。", "Enter the document's title."),
    "bad_date": (
        "发布日期 “{value}” 不是真实的日期。格式为 YYYY、YYYY-MM 或 YYYY-MM-DD。",
        "Issue date “{value}” is not a real date. Use YYYY, YYYY-MM or YYYY-MM-DD.",
    ),
    "wide_digits": (
        "发布日期 “{value}” 用了全角或非 ASCII 数字，请用半角数字输入，如 2021-03-12。",
        "Issue date “{value}” uses full-width or non-ASCII digits; type it with ASCII "
        "digits, such as 2021-03-12.",
    ),
    "date_range": (
        "发布日期 “{value}” 不可能：应在 {earliest} 年到今天之间。",
        "Issue date “{value}” is impossible: it must lie between {earliest} and today.",
    ),
    "unknown_jurisdiction": (
        "未知的行政区 “{value}”：请从列表中选择四川或重庆的区县或市。",
        "Unknown jurisdiction “{value}”: choose a county or prefecture of Sichuan or "
        "Chongqing from the list.",
    ),
    "bad_kind": ("文件类型 “{value}” 不在列表中。", "Document kind “{value}” is not in the list."),
    "no_reason": ("请说明修改或发布的理由。", "Say why (a reason is kept in the log)."),
    "no_records": (
        "所有记录都被排除了，没有可发布的内容。",
        "Every record is excluded; there is nothing to publish.",
    ),
    "bad_record": ("第 {row} 条记录：{why}", "Record {row}: {why}"),
    "not_published": (
        "文档 {doc_id} 不是在门户中发布的。",
        "Document {doc_id} was not published here.",
    ),
}


@dataclass(frozen=True)
class Problem:
    """One reason an upload is refused, renderable in either language."""

    code: str
    params: Mapping[str, object] = field(default_factory=dict)

    def text(self, lang: str) -> str:
        zh, en = MESSAGES[self.code]
        template = en if lang == "en" else zh
        return template.format(**{k: _short(v) for k, v in self.params.items()})

    def bilingual(self) -> str:
        return f"{self.text('zh')} / {self.text('en')}"


class IntakeError(PortalError):
    """An upload (or its catalog row or review) is refused; nothing was written."""

    def __init__(self, problems: Sequence[Problem]) -> None:
        self.problems = tuple(problems)
        super().__init__("\n".join(p.bilingual() for p in self.problems))

    @property
    def codes(self) -> list[str]:
        return [p.code for p in self.problems]


def _short(value: object, limit: int = 80) -> str:
    text = str(value)
    return text if len(text) <= limit else text[: limit - 1] + "…"


# --------------------------------------------------------------------------- the file


@dataclass(frozen=True)
class UploadedText:
    """An upload that passed the file checks: its bytes, hash and normalised text."""

    data: bytes
    original_name: str
    sha256: str
    suffix: str
    text: str
    """The document's text as the reader produced it (before normalisation)."""

    @property
    def stored_name(self) -> str:
        """The name the original is kept under: its content hash, never the user's name."""
        return f"{self.sha256}{self.suffix}"


def read_upload(data: bytes, *, name: str, limit_mb: int = UPLOAD_LIMIT_MB) -> UploadedText:
    """Check an uploaded file and read its text.

    Raises
    ------
    IntakeError
        If the file is empty, too large, of a type we do not read, binary, a PDF
        without text, unpacks or extracts past the reader's bounds, or is
        HTML/script rather than a document.
    """
    suffix = PurePath(name).suffix.lower()
    if not data:
        raise IntakeError([Problem("empty")])
    problems = []
    if len(data) > limit_mb * MEGABYTE:
        problems.append(Problem("too_large", {"size": f"{len(data) / MEGABYTE:.1f}",
                                              "limit": limit_mb}))  # fmt: skip
    if suffix not in UPLOAD_SUFFIXES:
        problems.append(Problem("file_type", {"suffix": suffix or name}))
    if problems:
        raise IntakeError(problems)
    try:
        source = read_document(data, name=f"upload{suffix}", max_bytes=limit_mb * MEGABYTE)
    except DocumentLimitError as exc:
        raise IntakeError([Problem("over_limit", exc.params)]) from exc
    except DocumentReadError as exc:
        detail = str(exc).removeprefix(f"upload{suffix}: ")
        if suffix == ".pdf" and ("text layer" in detail or "no text" in detail):
            raise IntakeError([Problem("pdf_no_text")]) from exc
        if "binary" in detail or "encoding" in detail or "NUL" in detail:
            raise IntakeError([Problem("binary", {"detail": detail})]) from exc
        raise IntakeError([Problem("unreadable", {"detail": detail})]) from exc
    markup = _TAG_RE.search(source.text)
    if markup:
        raise IntakeError([Problem("html", {"sample": markup.group(0)})])
    digest = hashlib.sha256(data).hexdigest()
    return UploadedText(data, name, digest, suffix, source.text)


def check_not_duplicate(sha256: str, known: Mapping[str, tuple[str, str]]) -> None:
    """Refuse a file whose bytes are already a published or catalogued document.

    ``known`` maps a content hash to ``(doc_id, title)``.
    """
    if sha256 in known:
        doc_id, title = known[sha256]
        raise IntakeError([Problem("duplicate", {"doc_id": doc_id, "title": title})])


# --------------------------------------------------------------------------- the catalog row


def jurisdiction_options(places: PlaceIndex) -> dict[str, str]:
    """Every county and prefecture of Sichuan and Chongqing, label -> adcode.

    Labels carry the prefecture (宣汉县（达州市）) because county names repeat.
    """
    options = {}
    units = sorted(places.units.values(), key=lambda u: u.adcode)
    for unit in units:
        if unit.adcode[:2] not in PROVINCES or unit.level not in {"county", "prefecture"}:
            continue
        parent = places.units.get(unit.parent_adcode or "")
        label = unit.name
        if unit.level == "county" and parent is not None and parent.level == "prefecture":
            label = f"{unit.name}（{parent.name}）"
        options[label] = unit.adcode
    return options


@dataclass(frozen=True)
class CatalogGuess:
    """What the text suggests for the catalog row; the editor confirms or changes it."""

    title: str
    jurisdiction: str | None
    issued: str
    kind: str


def guess_catalog(text: str, *, places: PlaceIndex, options: Mapping[str, str]) -> CatalogGuess:
    """Prefill the catalog row: the first line as title, its opening place, a date, a kind."""
    lines = [line.strip() for line in text.splitlines() if line.strip()]
    title = lines[0][:120] if lines else ""
    head = "\n".join(lines[:12])[:3000]
    jurisdiction = None
    by_code = {code: label for label, code in options.items()}
    for candidate in [title, *lines[1:6]]:
        match = places.leading_unit(re.sub(r"^[\d\s（(]*", "", candidate))
        if match is not None and match.unit.adcode in by_code:
            jurisdiction = by_code[match.unit.adcode]
            break
    issued = ""
    date = _DATE_RE.search(head)
    if date:
        year, month, day = date.groups()
        issued = f"{year}-{int(month):02d}" + (f"-{int(day):02d}" if day else "")
    elif year := _YEAR_RE.search(title):
        issued = year.group(1)
    kind = next((k for k, words in _KIND_WORDS if any(w in title for w in words)), "other")
    return CatalogGuess(title, jurisdiction, issued, kind)


def catalog_entry(
    *,
    doc_id: str,
    file: str,
    title: str,
    jurisdiction: str,
    issued: str,
    kind: str,
    options: Mapping[str, str],
    today: dt.date,
) -> CatalogEntry:
    """The editor's catalog row, validated as a whole.

    Raises
    ------
    IntakeError
        Listing every problem: no title, an unknown jurisdiction, an impossible or
        future issue date, an unknown kind.
    """
    problems = []
    if not title.strip():
        problems.append(Problem("no_title"))
    if jurisdiction not in options:
        problems.append(Problem("unknown_jurisdiction", {"value": jurisdiction}))
    try:
        when = parse_issued(issued)
        if when.year < EARLIEST_YEAR or when > today:
            problems.append(Problem("date_range", {"value": issued, "earliest": EARLIEST_YEAR}))
    except ValueError:
        wide = any(ch.isdigit() and not ch.isascii() for ch in issued)
        problems.append(Problem("wide_digits" if wide else "bad_date", {"value": issued}))
    if kind not in DOCUMENT_KINDS:
        problems.append(Problem("bad_kind", {"value": kind}))
    if problems:
        raise IntakeError(problems)
    name = jurisdiction.split("（")[0]
    return CatalogEntry(doc_id, file, title.strip(), name, options[jurisdiction], issued.strip(),
                        kind)  # fmt: skip


# --------------------------------------------------------------------------- the records


def draft_records(upload: UploadedText, entry: CatalogEntry, *, places: PlaceIndex) -> list[Record]:
    """The extractor's records for an upload, quoting the original text.

    Raises
    ------
    IntakeError
        If no project is found (nothing to review or publish).
    """
    normalised = normalise(upload.text)
    records = records_from_text(
        normalised.text, doc_id=entry.doc_id, doc_year=entry.year, places=places,
        region=entry.adcode[:2] + "0000",
    )  # fmt: skip
    if not records:
        raise IntakeError([Problem("no_projects")])
    return records_to_original(records, normalised)


def check_has_projects(upload: UploadedText, *, places: PlaceIndex) -> None:
    """Refuse at once a document in which the extractor finds no project at all.

    Run before the catalog row is filled in, so an editor is not asked for a
    title and date of a file that has nothing to publish; the document's year and
    region only refine records, they never create or remove one.

    Raises
    ------
    IntakeError
        If no project is found.
    """
    if not records_from_text(normalise(upload.text).text, doc_id="check", doc_year=None,
                             places=places):  # fmt: skip
        raise IntakeError([Problem("no_projects")])


def quote_context(text: str, record: Record, *, around: int = 40) -> str:
    """The record's first quote with the text around it, for a reviewer to judge."""
    if not record.mentions or record.mentions[0].quote.start < 0:
        return record.quote
    quote = record.mentions[0].quote
    before = text[max(0, quote.start - around) : quote.start].replace("\n", " ")
    after = text[quote.end : quote.end + around].replace("\n", " ")
    return f"…{before}【{text[quote.start : quote.end]}】{after}…"


EDITABLE = ("include", "name", "category", "status", "target_year", "counties")
STAGES: tuple[str, ...] = tuple(stage.value for stage in Stage)
"""The stage codes an edit row may hold."""


def edit_row(record: Record, *, include: bool = True) -> dict[str, object]:
    """The review table's row for a record as extracted: the :data:`EDITABLE` fields.

    ``category`` and ``status`` are codes, ``counties`` a list; :func:`review_records`
    compares an edited row with this one to log each change.
    """
    return {
        "include": include,
        "name": record.name,
        "category": record.layer.value,
        "status": record.stage.value,
        "target_year": record.target_year,
        "counties": list(record.counties),
    }


def _year(value: object) -> int | None:
    """An edit row's year as an int (None stays None).

    Raises
    ------
    ValueError
        If the value is not a whole number.
    """
    if value is None:
        return None
    if isinstance(value, str | SupportsInt) and not isinstance(value, bool):
        return int(value)
    raise ValueError(f"not a year: {value!r}")


def _edited_record(record: Record, edit: Mapping[str, object]) -> Record:
    """The record with the editor's name, layer, counties, and stage or year.

    A changed stage or target year becomes what every mention says (the document
    is read as stating that stage for that year); whether it is reported stays
    what the record said.
    """
    counties = edit["counties"]
    out = dataclasses.replace(
        record,
        name=str(edit["name"]).strip(),
        layer=Layer(str(edit["category"])),
        counties=tuple(str(c) for c in counties) if isinstance(counties, (list, tuple)) else (),
    )
    stage, year = Stage(str(edit["status"])), _year(edit["target_year"])
    if stage is not record.stage or year != record.target_year:
        reported = record.reported
        out = dataclasses.replace(
            out,
            mentions=tuple(
                dataclasses.replace(
                    m, stage=stage, years=(year,) if year else (), reported=reported
                )
                for m in record.mentions
            ),
        )
    return out


def review_records(
    records: Sequence[Record],
    edits: Sequence[Mapping[str, object]],
    *,
    doc_id: str,
    editor: str,
    reason: str,
    categories: Sequence[str],
) -> tuple[list[Record], list[Correction], list[int]]:
    """Apply the editor's table to the extracted records.

    ``edits`` holds one row per record, in order, with the :data:`EDITABLE`
    fields (``counties`` a list; :func:`edit_row` gives the unedited row).
    Returns the records to publish (excluded ones left out), one logged
    correction per changed field (its ``project_id`` is ``#<record index>``
    until publishing knows the project), and the index of each kept record in
    ``records``.

    Raises
    ------
    IntakeError
        If a row is invalid (empty name, unknown category or stage, a year that is
        not a year), if every record is excluded, or if no reason is given.
    """
    problems = [] if reason.strip() else [Problem("no_reason")]
    kept: list[Record] = []
    log: list[Correction] = []
    indices: list[int] = []
    layers = {layer.value for layer in Layer}
    for row, (record, edit) in enumerate(zip(records, edits, strict=True), start=1):
        why = []
        if not str(edit["name"]).strip():
            why.append("empty name / 名称为空")
        if edit["category"] not in categories or edit["category"] not in layers:
            why.append(f"category {edit['category']!r}")
        if edit["status"] not in STAGES:
            why.append(f"stage {edit['status']!r}")
        year = edit["target_year"]
        try:
            number = _year(year)
        except ValueError:
            number = 0
        if number is not None and not EARLIEST_YEAR <= number <= 2100:
            why.append(f"year {year!r}")
        if why:
            problems.append(Problem("bad_record", {"row": row, "why": ", ".join(why)}))
            continue
        original = edit_row(record)
        for name in EDITABLE:
            if edit[name] != original[name]:
                changed = edit[name]
                value = (
                    "|".join(map(str, changed)) if isinstance(changed, list | tuple) else changed
                )
                log.append(Correction(
                    project_id=f"#{row - 1}", field=RECORD_PREFIX + name,
                    value=None if value is None else str(value), who=editor, why=reason.strip(),
                    doc_id=doc_id,
                ))  # fmt: skip
        if edit["include"]:
            kept.append(_edited_record(record, edit))
            indices.append(row - 1)
    if not problems and not kept:
        problems.append(Problem("no_records"))
    if problems:
        raise IntakeError(problems)
    return kept, log, indices
