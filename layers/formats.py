"""Text out of Word (.docx) and PDF files, within :class:`~layers.limits.ReadLimits`.

A 2.4 MB .docx holding a 1 GB ``word/document.xml`` once grew the portal past
12 GB: Word archives are therefore measured (declared sizes first, then the bytes
that really come out) before python-docx sees them, and PDF streams and extracted
text are counted as pypdf produces them. Past a bound the document is refused
with :class:`~layers.limits.DocumentLimitError`. :mod:`layers.reader` chooses the
format and calls :func:`read_docx` or :func:`read_pdf`.
"""

from __future__ import annotations

import contextlib
import copy
import io
import logging
import re
import struct
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any, NamedTuple

import docx
import pypdf
from docx.table import Table
from pypdf import PageObject, PdfReader
from pypdf.errors import LimitReachedError
from pypdf.generic import ArrayObject, DictionaryObject, IndirectObject, StreamObject

from layers.errors import DocumentReadError
from layers.limits import (
    MEGABYTE,
    DocumentLimitError,
    ReadLimits,
    check_text_length,
    size_text,
    size_text_zh,
    text_limit_error,
)

logger = logging.getLogger(__name__)

# ------------------------------------------------------------------------------ Word

_EOCD = b"PK\x05\x06"  # end of central directory record
_EOCD_SEARCH = 22 + 0xFFFF  # the record, after at most a 64 kB archive comment
_ZIP64_MARK = 0xFFFF  # the EOCD's entry count when the real one is in the ZIP64 record
_ZIP64_SIZE_MARK = 0xFFFFFFFF  # its directory size, likewise
_CENTRAL_ENTRY_BYTES = 1024  # a generous directory entry: 46 bytes plus name and extras
_UNPACK_CHUNK = MEGABYTE
_WORD_COMPRESSION = (zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED)
# What an XML part starts with once byte-order marks, UTF-16/32 zero bytes and
# whitespace are set aside: lxml parses nothing else, whatever the part is named.
_XML_START_RE = re.compile(rb"^(?:\xef\xbb\xbf|\xff\xfe|\xfe\xff)?[\x00\s]*<")


def read_docx(data: bytes, name: str, limits: ReadLimits) -> str:
    """Paragraphs and tables in document order: one paragraph or table row per line.

    The archive is measured first (:func:`_check_docx_archive`), because python-docx
    unpacks and parses whole parts with no limit of its own. A row's cells are
    joined by tabs; python-docx repeats a horizontally merged cell once per grid
    column, so repeats of the same cell within a row are dropped. Line breaks
    inside a cell become spaces so a row stays one line.
    """
    _check_docx_archive(data, name, limits)
    try:
        document = docx.Document(io.BytesIO(data))
    except Exception as exc:  # zipfile, lxml and python-docx each raise their own types
        raise DocumentReadError(f"{name}: not a valid .docx Word document ({exc}).") from exc
    lines: list[str] = []
    chars = 0
    for block in document.iter_inner_content():
        if isinstance(block, Table):
            for row in block.rows:
                seen: set[int] = set()
                cells: list[str] = []
                for cell in row.cells:  # _tc (the cell's XML element) is its identity
                    if id(cell._tc) in seen:
                        continue
                    seen.add(id(cell._tc))
                    cells.append(cell.text.replace("\r", " ").replace("\n", " "))
                lines.append("\t".join(cells))
                chars += len(lines[-1]) + 1
        else:
            lines.append(block.text)
            chars += len(lines[-1]) + 1
        check_text_length(chars - 1, name, limits)
    return "\n".join(lines)


def _check_docx_archive(data: bytes, name: str, limits: ReadLimits) -> None:
    """Refuse a Word archive with too many parts or parts that unpack past the limits.

    Three looks, cheapest first: the directory's own entry count and size (before
    :mod:`zipfile` builds an object per entry); every part's declared size (which
    refuses an honest zip bomb without unpacking a byte); then every part unpacked
    in 1 MB chunks and counted, because a part may declare a small size and inflate
    far beyond it. Parts that start like XML count against ``limits.xml_bytes`` and
    ``limits.xml_tags`` as well, whatever they are called: python-docx picks parts
    by content type, not name.

    Raises
    ------
    DocumentLimitError
        If a bound is passed.
    DocumentReadError
        If the archive is not a valid zip, or uses a compression Word never writes.
    """
    _check_directory_size(data, name, limits)
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            members = archive.infolist()
            _check_member_count(len(members), name, limits)
            for info in members:
                if info.compress_type not in _WORD_COMPRESSION:
                    raise DocumentReadError(
                        f"{name}: not a valid .docx Word document (part {info.filename} uses "
                        f"compression method {info.compress_type}, which Word never writes)."
                    )
            declared = sum(info.file_size for info in members)
            if declared > limits.unpacked_bytes:
                raise _unpacked_error(name, declared, limits.unpacked_bytes, declared=True)
            unpacked = xml = tags = 0
            for info in members:
                part = _unpack_counting(archive, info, name)
                unpacked += part.size
                xml += part.size if part.xml else 0
                tags += part.tags
                if unpacked > limits.unpacked_bytes:
                    raise _unpacked_error(name, unpacked, limits.unpacked_bytes)
                _check_xml(name, xml, tags, limits)
    except DocumentReadError:
        raise
    except Exception as exc:  # zipfile raises BadZipFile, zlib.error, EOFError, RuntimeError...
        raise DocumentReadError(f"{name}: not a valid .docx Word document ({exc}).") from exc


def _check_xml(name: str, xml: int, tags: int, limits: ReadLimits) -> None:
    """Refuse XML parts that python-docx would take too long or too much memory to parse."""
    if xml > limits.xml_bytes:
        raise DocumentLimitError(
            name,
            what_zh=f"Word 文件中的 XML 部件解压后至少 {size_text_zh(xml)}",
            what_en=f"The Word file's XML parts unpack to at least {size_text(xml)}",
            limit_zh=f"XML 共 {size_text_zh(limits.xml_bytes)}",
            limit_en=f"{size_text(limits.xml_bytes)} of XML",
        )
    if tags > limits.xml_tags:
        raise DocumentLimitError(
            name,
            what_zh=f"Word 文件中的 XML 部件至少有 {tags:,} 个标签",
            what_en=f"The Word file's XML parts hold at least {tags:,} tags",
            limit_zh=f"{limits.xml_tags:,} 个标签",
            limit_en=f"{limits.xml_tags:,} tags",
        )


def _check_directory_size(data: bytes, name: str, limits: ReadLimits) -> None:
    """Refuse from the end-of-directory record alone an archive with too many parts.

    :class:`zipfile.ZipFile` parses every directory entry into an object as it
    opens, so 50 MB of empty entries would cost hundreds of MB before any count
    could be checked. A missing or ZIP64 record is left to :mod:`zipfile`.
    """
    at = data.rfind(_EOCD, max(0, len(data) - _EOCD_SEARCH))
    if at < 0 or at + 22 > len(data):
        return
    entries, directory_bytes = struct.unpack_from("<HI", data, at + 10)
    if entries != _ZIP64_MARK:
        _check_member_count(entries, name, limits)
    # The count may understate: zipfile reads entries for as many bytes as this says.
    largest = limits.zip_members * _CENTRAL_ENTRY_BYTES
    if _ZIP64_SIZE_MARK != directory_bytes > largest:
        raise DocumentLimitError(
            name,
            what_zh=f"Word 文件的部件目录有 {size_text_zh(directory_bytes)}",
            what_en=f"The Word file's directory of parts is {size_text(directory_bytes)}",
            limit_zh=f"{size_text_zh(largest)}，即 {limits.zip_members:,} 个部件",
            limit_en=f"{size_text(largest)}, for {limits.zip_members:,} parts",
        )


def _check_member_count(count: int, name: str, limits: ReadLimits) -> None:
    if count > limits.zip_members:
        raise DocumentLimitError(
            name,
            what_zh=f"Word 文件有 {count:,} 个部件",
            what_en=f"The Word file has {count:,} parts",
            limit_zh=f"{limits.zip_members:,} 个部件",
            limit_en=f"{limits.zip_members:,} parts",
        )


def _unpacked_error(
    name: str, size: int, limit: int, *, declared: bool = False
) -> DocumentLimitError:
    """The refusal of a Word file that unpacks, or declares it does, past ``limit``."""
    if declared:
        what_zh = f"Word 文件声明解压后共 {size_text_zh(size)}"
        what_en = f"The Word file declares that it unpacks to {size_text(size)}"
    else:
        what_zh = f"Word 文件解压后至少 {size_text_zh(size)}"
        what_en = f"The Word file unpacks to at least {size_text(size)}"
    return DocumentLimitError(
        name,
        what_zh=what_zh,
        what_en=what_en,
        limit_zh=size_text_zh(limit),
        limit_en=size_text(limit),
    )


class _Unpacked(NamedTuple):
    """What one part of a Word archive really unpacks to."""

    size: int
    xml: bool
    """Whether it starts like XML (so python-docx may parse it)."""
    tags: int
    """Its ``<`` bytes if XML, else 0: every element needs one, whatever the encoding."""


def _unpack_counting(archive: zipfile.ZipFile, info: zipfile.ZipInfo, name: str) -> _Unpacked:
    """Unpack one part in chunks, keeping none, and measure it.

    :mod:`zipfile` stops at the size a part declares (then fails its CRC), so the
    part is opened as if it declared more (two chunks: zipfile may inflate a chunk
    ahead of what is read) and read up to one byte past its declaration: a part
    that really unpacks further is caught there, whatever it would inflate to.

    Raises
    ------
    DocumentLimitError
        If the part unpacks to more than it declares.
    """
    probe = copy.copy(info)
    probe.file_size = info.file_size + 2 * _UNPACK_CHUNK
    size = tags = 0
    xml: bool | None = None
    with archive.open(probe) as member:
        while chunk := member.read(min(_UNPACK_CHUNK, info.file_size + 1 - size)):
            if xml is None:
                xml = bool(_XML_START_RE.match(chunk[:64]))
            size += len(chunk)
            tags += chunk.count(b"<") if xml else 0
    if size > info.file_size:
        raise DocumentLimitError(
            name,
            what_zh=(
                f"Word 文件中的部件 {info.filename} 解压后比它声明的 "
                f"{size_text_zh(info.file_size)}更大"
            ),
            what_en=(
                f"Part {info.filename} of the Word file unpacks to more than the "
                f"{size_text(info.file_size)} it declares"
            ),
            limit_zh="部件不得超过其声明的大小",
            limit_en="a part may not exceed its declared size",
        )
    return _Unpacked(size, bool(xml), tags)


# ------------------------------------------------------------------------------- PDF

# What can put text on a page: the operators pypdf looks for before it parses a
# page's content at all (a form drawn with Do may hold text too).
_TEXT_OPERATOR_RE = re.compile(rb"T[jJ]|Do|['\"]")
_PYPDF_OUTPUT_LIMITS = (
    "zlib_maximum_output_length",
    "lzw_maximum_output_length",
    "run_length_maximum_output_length",
    "brotli_maximum_output_length",
    "array_based_stream_maximum_output_length",
)


class _TextLimitReached(BaseException):
    """Raised from pypdf's text visitor to stop a page's extraction at once.

    A BaseException, not an Exception, because pypdf catches every Exception raised
    while it extracts a form XObject, logs it and carries on.
    """


@dataclass
class _PdfBudget:
    """What reading one PDF has decoded and extracted so far, against the limits."""

    name: str
    limits: ReadLimits
    decoded: int = 0
    chars: int = 0
    seen: set[tuple[int, int]] = field(default_factory=set)

    def count_stream(self, obj: object) -> bytes:
        """Decode a stream once (pypdf caches it) and count its bytes; b"" for others."""
        key = (obj.idnum, obj.generation) if isinstance(obj, IndirectObject) else (-1, id(obj))
        stream = obj.get_object() if isinstance(obj, IndirectObject) else obj
        if key in self.seen or not isinstance(stream, StreamObject):
            return b""
        self.seen.add(key)
        data = stream.get_data()
        self.decoded += len(data)
        if self.decoded > self.limits.unpacked_bytes:
            raise DocumentLimitError(
                self.name,
                what_zh=f"PDF 的数据流解压后至少 {size_text_zh(self.decoded)}",
                what_en=f"The PDF's streams decode to at least {size_text(self.decoded)}",
                limit_zh=size_text_zh(self.limits.unpacked_bytes),
                limit_en=size_text(self.limits.unpacked_bytes),
            )
        return data

    def visit_text(self, text: Any, *_: Any) -> None:
        """pypdf's ``visitor_text``: count what the page has shown so far."""
        if isinstance(text, str):
            self.chars += len(text)
            if self.chars > self.limits.text_chars:
                raise _TextLimitReached


def read_pdf(data: bytes, name: str, limits: ReadLimits) -> str:
    """Concatenate the pages' text layers; a PDF without one is a scan needing OCR.

    pypdf decodes streams as it goes and keeps them, and has only per-stream
    limits of its own (which are set from ``limits.pdf_stream_bytes`` here); so the
    pages are counted, every stream it will keep is decoded and counted before a
    page is extracted (:meth:`_PdfBudget.count_stream`), and the text is counted
    while pypdf produces it, stopping mid-page once past ``limits.text_chars``.
    """
    budget = _PdfBudget(name, limits)
    try:
        with _pypdf_limits(limits):
            reader = PdfReader(io.BytesIO(data))
            locked = reader.is_encrypted and not reader.decrypt("")
            pages = [] if locked else _pdf_pages(reader, budget)
    except DocumentReadError:
        raise
    except _TextLimitReached:
        raise text_limit_error(name, limits) from None
    except LimitReachedError as exc:  # one of pypdf's own bounds (streams: set from ours)
        raise DocumentLimitError(
            name,
            what_zh=f"PDF 中的数据超出了 pypdf 的安全上限：{exc}",
            what_en=f"Data in the PDF is past one of pypdf's safety limits: {exc}",
            limit_zh=f"如单个数据流解压后 {size_text_zh(limits.pdf_stream_bytes)}",
            limit_en=f"such as {size_text(limits.pdf_stream_bytes)} a decoded stream",
        ) from exc
    except Exception as exc:  # pypdf raises many unrelated types on malformed files
        raise DocumentReadError(f"{name}: the PDF cannot be parsed ({exc}).") from exc
    if locked:
        raise DocumentReadError(f"{name}: the PDF is password-protected; upload it unlocked.")
    text = "\n".join(pages)
    if not text.strip():
        raise DocumentReadError(
            f"{name}: the PDF has no text layer (it is probably a scan); run OCR on it first "
            "(e.g. ocrmypdf) and upload the result."
        )
    return text


def _pypdf_limits(limits: ReadLimits) -> contextlib.AbstractContextManager[object]:
    """pypdf's decompression limits set to ``limits.pdf_stream_bytes``, for this context only.

    pypdf keeps its configuration in a context variable, so other threads of the
    portal are untouched. Versions before ``apply_configuration`` keep their own
    defaults (75 MB a stream).
    """
    configure = getattr(pypdf, "apply_configuration", None)
    if configure is None:
        return contextlib.nullcontext()
    current = pypdf.get_configuration()
    overrides = {
        key: limits.pdf_stream_bytes for key in _PYPDF_OUTPUT_LIMITS if hasattr(current, key)
    }
    manager: contextlib.AbstractContextManager[object] = configure(**overrides)
    return manager


def _pdf_pages(reader: PdfReader, budget: _PdfBudget) -> list[str]:
    """Each page's text, counting pages, decoded streams and characters as it goes."""
    limits, name = budget.limits, budget.name
    if len(reader.pages) > limits.pdf_pages:
        raise DocumentLimitError(
            name,
            what_zh=f"PDF 有 {len(reader.pages):,} 页",
            what_en=f"The PDF has {len(reader.pages):,} pages",
            limit_zh=f"{limits.pdf_pages:,} 页",
            limit_en=f"{limits.pdf_pages:,} pages",
        )
    for stream_number in sorted({number for number, _ in reader.xref_objStm.values()}):
        budget.count_stream(IndirectObject(stream_number, 0, reader))
    pages: list[str] = []
    total = 0  # characters so far, a line break between pages included
    for page in reader.pages:
        shows_text = False
        for data in _page_streams(page, budget):
            shows_text = shows_text or bool(_TEXT_OPERATOR_RE.search(data))
        # Without a visitor pypdf skips a page whose content has no text operator;
        # with one it would parse even a page of map paths, so pass one only if needed.
        budget.chars = total
        text = page.extract_text(visitor_text=budget.visit_text) if shows_text else ""
        total += len(text) + (1 if pages else 0)
        check_text_length(total, name, limits)
        pages.append(text)
    return pages


def _page_streams(page: PageObject, budget: _PdfBudget) -> Iterator[bytes]:
    """Decode and count the streams extracting a page's text will decode and keep.

    Its content streams, and through its resources (and theirs, for forms drawn
    inside forms) every form XObject and every font's /ToUnicode map. Each stream is
    counted once per document, since pypdf keeps it decoded once.
    """
    contents = page.get("/Contents")
    resolved = contents.get_object() if contents is not None else None
    for part in resolved if isinstance(resolved, ArrayObject) else [contents]:
        if part is not None:
            yield budget.count_stream(part)
    pending: list[object] = [page.get("/Resources")]
    visited: set[int] = set()
    while pending:
        resources = pending.pop()
        resources = resources.get_object() if isinstance(resources, IndirectObject) else resources
        if not isinstance(resources, DictionaryObject) or id(resources) in visited:
            continue
        visited.add(id(resources))
        for kind, key in (("/XObject", None), ("/Font", "/ToUnicode")):
            table = resources.get(kind)
            table = table.get_object() if isinstance(table, IndirectObject) else table
            if not isinstance(table, DictionaryObject):
                continue
            for reference in table.values():
                entry = (
                    reference.get_object() if isinstance(reference, IndirectObject) else reference
                )
                if not isinstance(entry, DictionaryObject):
                    continue
                if key is not None:  # a font: only its /ToUnicode map is decoded
                    if key in entry:
                        budget.count_stream(entry.raw_get(key))
                elif entry.get("/Subtype") == "/Form":
                    yield budget.count_stream(reference)
                    pending.append(entry.get("/Resources"))
