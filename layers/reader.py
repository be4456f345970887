"""Read uploaded plan documents as text, and normalise that text for matching.

Documents arrive as plain text in several Chinese encodings, as Word files or as
PDFs. :func:`read_document` turns the bytes into one :class:`SourceText` whose
``text`` is *the* original: every quote the extractor shows a user must be an exact
substring of it, so a reviewer can find the sentence in the document.

Reading is bounded (:class:`ReadLimits`): the upload limit caps the bytes a user
sends, not what they unpack to, and a 2.4 MB .docx holding a 1 GB
``word/document.xml`` once grew the portal past 12 GB. Word archives are measured
(declared sizes first, then the bytes that really come out) before python-docx sees
them, and PDF streams and extracted text are counted as pypdf produces them; past a
bound the document is refused with :class:`DocumentLimitError`.

Pattern matching, however, wants a tidier text: simplified characters, half-width
digits, canonical punctuation, no stray spaces or HTML. :func:`normalise` produces
that text together with a per-character map back to the original, so a match found
in the tidy text is quoted from the untouched original (``original_quote``). The map
is built in one left-to-right scan; nothing is rewritten with a regex substitution,
which would lose the positions.

This module is an I/O edge only in :func:`read_document`; :func:`normalise` is pure.
"""

from __future__ import annotations

import codecs
import contextlib
import copy
import functools
import html
import html.entities
import io
import logging
import re
import struct
import unicodedata
import zipfile
from array import array
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import PurePath
from typing import Any, NamedTuple

import charset_normalizer
import docx
import opencc
import pypdf
from docx.table import Table
from pypdf import PageObject, PdfReader
from pypdf.errors import LimitReachedError
from pypdf.generic import ArrayObject, DictionaryObject, IndirectObject, StreamObject

from layers.errors import DocumentReadError

logger = logging.getLogger(__name__)

MEGABYTE = 1024 * 1024
DEFAULT_MAX_BYTES = 50 * MEGABYTE
MAX_JUNK_SHARE = 0.05
"""Above this share of control/replacement characters, decoded bytes are not text."""


@dataclass(frozen=True)
class ReadLimits:
    """How much one document may unpack to and yield, whatever its size on disk.

    The upload limit (50 MB, :data:`DEFAULT_MAX_BYTES`) bounds the bytes a user
    sends, not what they expand to: deflate packs repetitive XML a thousandfold, so
    a 2.4 MB .docx can hold a 1 GB ``word/document.xml``, and a PDF stream can
    inflate as much. Each bound below sits far above any real plan document (the
    corpus plans hold 34-118 kB of text; a long Word plan unpacks to a few MB) and
    far below what would exhaust the portal: together they keep reading one
    document to well under 1.5 GB of memory.

    Attributes
    ----------
    unpacked_bytes
        The most a .docx may unpack to, all parts together, and the most the PDF
        streams pypdf decodes and keeps (object streams, page contents, forms,
        /ToUnicode maps) may add up to: 200 MB, four times the upload limit. A Word
        file is deflated XML plus images that barely compress, so a real one
        unpacks to about its own size plus a few MB of XML; python-docx keeps every
        unpacked part in memory, as pypdf keeps every decoded stream, so this is
        also their memory bound.
    xml_bytes
        The most a .docx's XML parts may unpack to, together: 32 MB. A
        100,000-character Word plan, formatted run by run, has 1-3 MB of XML (the
        corpus plans hold at most 45,000 characters), so this leaves a tenfold margin
        above the longest plausible plan.
    xml_tags
        The most markup tags (``<`` bytes) those parts may hold: 2 million.
        python-docx and lxml cost about 250 bytes and 20 microseconds per tag, not per
        byte (measured): 12 MB of empty paragraphs (``<w:p/>``, 2 million tags) took
        0.5 GB and 40 s to read, 60 MB of one-character ones (5 million) 1.2 GB and
        80 s. Formatted Word text has about one tag per character, so this admits 2
        million characters of it.
    zip_members
        The most parts a .docx may have: 2,000. Word writes about 15 parts plus
        one per image; every member costs a parsed directory entry before any check.
    pdf_pages
        The most pages a PDF may have: 5,000, ten times a long printed plan.
    pdf_stream_bytes
        The most one PDF stream may decode to: 64 MB, set as pypdf's own
        decompression limits (its default is 75 MB). A page's content stream is
        rarely over 1 MB; embedded fonts run to tens of MB.
    text_chars
        The most characters a document may yield: 30 million. A 50 MB upload of
        UTF-8 Chinese is 17 M characters and of GB18030 26 M, so every plain-text
        file under the upload limit fits; a .docx or PDF yielding more is not a
        plan. Extracting 19 M characters took the command line 0.93 GB, so 30 M
        stays under 1.5 GB.
    """

    unpacked_bytes: int = 200 * MEGABYTE
    xml_bytes: int = 32 * MEGABYTE
    xml_tags: int = 2_000_000
    zip_members: int = 2_000
    pdf_pages: int = 5_000
    pdf_stream_bytes: int = 64 * MEGABYTE
    text_chars: int = 30_000_000


DEFAULT_LIMITS = ReadLimits()

LIMIT_MESSAGE = (
    "{what_zh}，超过了读取上限（{limit_zh}）。真实的规划文件远小于此，这个文件可能已损坏，"
    "或是被刻意构造的。如果它确实是一份规划文件，请另存为普通的 .docx、PDF 或文本文件"
    "（很长的文件请拆分）后再上传。",
    "{what_en}, over the reading limit ({limit_en}). Real plan documents are far smaller; "
    "this file may be damaged or deliberately crafted. If it is a real plan, save it again "
    "as an ordinary .docx, PDF or text file (split a very long one) and upload that.",
)
"""The refusal of a document past a :class:`ReadLimits` bound, in Chinese and English.

:mod:`layers.intake` shows the same two sentences to an editor, so the wording lives
here once; the four fields are short phrases (see :class:`DocumentLimitError`).
"""


class DocumentLimitError(DocumentReadError):
    """A document that would unpack or extract past one of the :class:`ReadLimits`.

    It is a :class:`DocumentReadError`, so the portal and the command line refuse
    it like any unreadable file; it keeps the message's fields so that
    :mod:`layers.intake` can show each language on its own.

    Parameters
    ----------
    name
        The document's name, which starts the message as in every refusal here.
    what_zh, what_en
        What was found, as a phrase: "Word 文件解压后共 1,024.0 MB".
    limit_zh, limit_en
        The bound it passed: "200 MB".
    """

    def __init__(
        self, name: str, *, what_zh: str, what_en: str, limit_zh: str, limit_en: str
    ) -> None:
        self.params = {
            "what_zh": what_zh,
            "what_en": what_en,
            "limit_zh": limit_zh,
            "limit_en": limit_en,
        }
        zh, en = LIMIT_MESSAGE
        super().__init__(f"{name}: {zh.format(**self.params)} / {en.format(**self.params)}")


# GBK and GB2312 are subsets of GB18030: decoding with the superset loses nothing.
_GB_ALIASES = frozenset({"gbk", "gb2312", "cp936", "ms936", "euc_cn", "euccn", "gb18030"})
_CJK_CODECS = ["gb18030", "big5"]  # a list: charset-normalizer's cp_isolation wants one
# (mark, codec, reported name); UTF-32 LE comes first because its mark starts like UTF-16 LE's.
_BOMS = (
    (codecs.BOM_UTF8, "utf-8", "utf-8-sig"),
    (codecs.BOM_UTF32_LE, "utf-32-le", "utf-32-le"),
    (codecs.BOM_UTF32_BE, "utf-32-be", "utf-32-be"),
    (codecs.BOM_UTF16_LE, "utf-16-le", "utf-16-le"),
    (codecs.BOM_UTF16_BE, "utf-16-be", "utf-16-be"),
)
_OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"

_SPACES = frozenset(" \t\u00a0\u1680\u202f\u205f\u3000" + "".join(map(chr, range(0x2000, 0x200B))))
_ZERO_WIDTH = frozenset("\u200b\u200c\u200d\u2060\ufeff\u00ad")
_LINE_BREAKS = frozenset("\n\x0b\x0c\x85\u2028\u2029")
# Becomes full-width beside Chinese; the full-width forms are never folded to half-width.
_TO_FULL_WIDTH = {",": "，", ":": "：", ";": "；", "(": "（", ")": "）", "!": "！", "?": "？"}
_KEPT_FULL_WIDTH = frozenset(_TO_FULL_WIDTH.values())
_TO_FULL_WIDTH_RE = re.compile("[" + re.escape("".join(_TO_FULL_WIDTH)) + "]")
_SPACE_RUN_RE = re.compile(" +")
_CJK_PUNCT_EXTRA = frozenset("“”‘’…—―·")

_TAG_RE = re.compile(
    r"<!--.*?-->|<![A-Za-z][^<>]{0,2000}>|<(/?)([A-Za-z][A-Za-z0-9]*)(?:[\s/][^<>]{0,2000})?>",
    re.DOTALL,
)
_ENTITY_RE = re.compile(r"&(?:#[0-9]{1,7}|#[xX][0-9A-Fa-f]{1,6}|[A-Za-z][A-Za-z0-9]{1,31});")
_RAW_TEXT_TAGS = frozenset({"script", "style"})
_NEWLINE_TAGS = frozenset({("", "br"), ("/", "p"), ("/", "br")})


@dataclass(frozen=True)
class SourceText:
    """A document's text exactly as decoded or extracted: the original for quotes.

    Attributes
    ----------
    text
        The whole text, line endings unified to ``\\n``.
    encoding
        How the bytes were decoded ("utf-8", "utf-8-sig", "gb18030", "big5", ...),
        or "docx" / "pdf" for extracted formats.
    fmt
        "txt", "docx" or "pdf".
    name
        The file name the document was uploaded under, for messages.
    """

    text: str
    encoding: str
    fmt: str
    name: str


@dataclass(frozen=True)
class NormalisedText:
    """Normalised text plus, for every character, the original slice it came from.

    ``text[i]`` came from ``original[starts[i]:ends[i]]``. Both sequences are
    non-decreasing because the normaliser never reorders, which is what makes a
    span of normalised text correspond to one contiguous original span. They are
    compact integer arrays rather than tuples: a tuple of ints costs 36 bytes a
    character, an ``array("i")`` 4, and a 50 MB plan has 17 million characters.
    """

    text: str
    original: str = field(repr=False)
    starts: Sequence[int] = field(repr=False)
    ends: Sequence[int] = field(repr=False)

    def __post_init__(self) -> None:
        if not len(self.text) == len(self.starts) == len(self.ends):
            raise ValueError("NormalisedText needs one (start, end) pair per character")

    def original_span(self, start: int, end: int) -> tuple[int, int]:
        """Return the original ``(start, end)`` covering normalised ``text[start:end]``.

        An empty span maps to the original position of normalised ``start`` (the
        end of the last kept character when ``start`` is the end of the text).

        Raises
        ------
        ValueError
            If the span is not within the normalised text.
        """
        if not 0 <= start <= end <= len(self.text):
            raise ValueError(f"span ({start}, {end}) is outside 0..{len(self.text)}")
        if start == end:
            at_end = self.ends[-1] if self.ends else 0
            pos = self.starts[start] if start < len(self.text) else at_end
            return pos, pos
        return self.starts[start], self.ends[end - 1]

    def original_quote(self, start: int, end: int) -> str:
        """Return the exact original text behind normalised ``text[start:end]``."""
        s, e = self.original_span(start, end)
        return self.original[s:e]


# --------------------------------------------------------------------------- reading


def read_document(
    data: bytes,
    *,
    name: str,
    max_bytes: int = DEFAULT_MAX_BYTES,
    limits: ReadLimits = DEFAULT_LIMITS,
) -> SourceText:
    """Decode or extract a document's text, refusing anything that is not text.

    The format is chosen by content first (a renamed file keeps its magic bytes),
    then by the name's suffix, else plain text. ``max_bytes`` bounds the file;
    ``limits`` bound what it unpacks to and the text it yields.

    Raises
    ------
    DocumentLimitError
        If the document would unpack or extract past ``limits`` (a zip bomb, a
        PDF of inflating streams, more text than any plan).
    DocumentReadError
        If the document is empty, too large, binary, a broken Word file, an
        unparseable PDF or a PDF without a text layer.
    """
    if not data:
        raise DocumentReadError(f"{name}: the document is empty (0 bytes).")
    if len(data) > max_bytes:
        raise DocumentReadError(
            f"{name}: the document is {_megabytes(len(data))}, over the "
            f"{_megabytes(max_bytes)} limit."
        )
    if data.startswith(_OLE_MAGIC):
        raise DocumentReadError(
            f"{name}: this is a legacy Word .doc (OLE) file; save it as .docx and upload again."
        )
    suffix = PurePath(name).suffix.lower()
    if data.startswith(b"PK\x03\x04") or (suffix == ".docx" and not data.startswith(b"%PDF")):
        text, encoding, fmt = _read_docx(data, name, limits), "docx", "docx"
    elif data.startswith(b"%PDF") or suffix == ".pdf":
        text, encoding, fmt = _read_pdf(data, name, limits), "pdf", "pdf"
    else:
        text, encoding = _decode_text(data, name)
        fmt = "txt"
        _check_text_length(len(text), name, limits)
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    if not text.strip():
        raise DocumentReadError(f"{name}: the document contains no text (only whitespace).")
    logger.debug("read %s as %s (%s), %d characters", name, fmt, encoding, len(text))
    return SourceText(text=text, encoding=encoding, fmt=fmt, name=name)


def _megabytes(size: int) -> str:
    """Size in MB, with the exact byte count so small limits do not read "0.00 MB"."""
    return f"{size / MEGABYTE:.2f} MB ({size:,} bytes)"


def _size(size: int) -> str:
    """A size for a limit message: MB for anything large, bytes for the small test limits."""
    if size < MEGABYTE:
        return f"{size:,} bytes"
    return f"{size / MEGABYTE:,.1f}".removesuffix(".0") + " MB"


def _size_zh(size: int) -> str:
    """:func:`_size` in Chinese."""
    return _size(size).replace(" bytes", " 字节")


def _check_text_length(chars: int, name: str, limits: ReadLimits) -> None:
    """Refuse a document whose text (so far) runs past ``limits.text_chars``."""
    if chars > limits.text_chars:
        raise _text_limit_error(name, limits)


def _text_limit_error(name: str, limits: ReadLimits) -> DocumentLimitError:
    return DocumentLimitError(
        name,
        what_zh=f"文件的文字超过 {limits.text_chars:,} 个字符",
        what_en=f"The document's text runs past {limits.text_chars:,} characters",
        limit_zh=f"{limits.text_chars:,} 个字符",
        limit_en=f"{limits.text_chars:,} characters",
    )


def _decode_text(data: bytes, name: str) -> tuple[str, str]:
    """Decode plain-text bytes, returning ``(text, encoding)``.

    Byte-order marks are trusted first, then strict UTF-8 (which almost never
    succeeds by accident on other encodings), then charset-normalizer, which tells
    GB18030/GBK from Big5 for Chinese text.
    """
    for bom, codec, reported in _BOMS:
        if data.startswith(bom):
            return _check_not_junk(_strict(data[len(bom) :], codec, name), name), reported
    if b"\x00" in data:
        raise DocumentReadError(
            f"{name}: the file contains NUL bytes, so it is binary, not a text document."
        )
    try:
        return _check_not_junk(data.decode("utf-8"), name), "utf-8"
    except UnicodeDecodeError:
        pass
    best = charset_normalizer.from_bytes(data).best()
    if best is None:  # CJK prose with half-width punctuation can look "chaotic": retry tolerantly
        best = charset_normalizer.from_bytes(data, cp_isolation=_CJK_CODECS, threshold=0.5).best()
    if best is None:
        raise DocumentReadError(
            f"{name}: no text encoding fits these bytes; the file looks binary, not a text "
            "document."
        )
    encoding = best.encoding.lower().replace("-", "_")
    if encoding in _GB_ALIASES:
        encoding = "gb18030"
    text = data.decode(encoding, errors="replace")
    return _check_not_junk(text, name), encoding.replace("_", "-")


def _strict(data: bytes, encoding: str, name: str) -> str:
    try:
        return data.decode(encoding)
    except UnicodeDecodeError as exc:
        raise DocumentReadError(
            f"{name}: the file starts with a {encoding} byte-order mark but is not valid "
            f"{encoding} (byte {exc.start})."
        ) from exc


# Control characters (category Cc) other than tab, line feed, form feed and carriage
# return, and the replacement character: what a binary file decodes to.
_JUNK_RE = re.compile("[\x00-\x08\x0b\x0e-\x1f\x7f-\x9f\ufffd]")


def _check_not_junk(text: str, name: str) -> str:
    """Reject decoded text dominated by control or replacement characters."""
    junk = sum(1 for _ in _JUNK_RE.finditer(text))
    if text and junk / len(text) > MAX_JUNK_SHARE:
        raise DocumentReadError(
            f"{name}: {junk / len(text):.0%} of the decoded characters are control or "
            "replacement characters; the file looks binary, not a text document."
        )
    return text


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


def _read_docx(data: bytes, name: str, limits: ReadLimits) -> str:
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
        _check_text_length(chars - 1, name, limits)
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
            what_zh=f"Word 文件中的 XML 部件解压后至少 {_size_zh(xml)}",
            what_en=f"The Word file's XML parts unpack to at least {_size(xml)}",
            limit_zh=f"XML 共 {_size_zh(limits.xml_bytes)}",
            limit_en=f"{_size(limits.xml_bytes)} of XML",
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
            what_zh=f"Word 文件的部件目录有 {_size_zh(directory_bytes)}",
            what_en=f"The Word file's directory of parts is {_size(directory_bytes)}",
            limit_zh=f"{_size_zh(largest)}，即 {limits.zip_members:,} 个部件",
            limit_en=f"{_size(largest)}, for {limits.zip_members:,} parts",
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
        what_zh = f"Word 文件声明解压后共 {_size_zh(size)}"
        what_en = f"The Word file declares that it unpacks to {_size(size)}"
    else:
        what_zh = f"Word 文件解压后至少 {_size_zh(size)}"
        what_en = f"The Word file unpacks to at least {_size(size)}"
    return DocumentLimitError(
        name, what_zh=what_zh, what_en=what_en, limit_zh=_size_zh(limit), limit_en=_size(limit)
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
                f"Word 文件中的部件 {info.filename} 解压后比它声明的 {_size_zh(info.file_size)}更大"
            ),
            what_en=(
                f"Part {info.filename} of the Word file unpacks to more than the "
                f"{_size(info.file_size)} it declares"
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
                what_zh=f"PDF 的数据流解压后至少 {_size_zh(self.decoded)}",
                what_en=f"The PDF's streams decode to at least {_size(self.decoded)}",
                limit_zh=_size_zh(self.limits.unpacked_bytes),
                limit_en=_size(self.limits.unpacked_bytes),
            )
        return data

    def visit_text(self, text: Any, *_: Any) -> None:
        """pypdf's ``visitor_text``: count what the page has shown so far."""
        if isinstance(text, str):
            self.chars += len(text)
            if self.chars > self.limits.text_chars:
                raise _TextLimitReached


def _read_pdf(data: bytes, name: str, limits: ReadLimits) -> str:
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
        raise _text_limit_error(name, limits) from None
    except LimitReachedError as exc:  # one of pypdf's own bounds (streams: set from ours)
        raise DocumentLimitError(
            name,
            what_zh=f"PDF 中的数据超出了 pypdf 的安全上限：{exc}",
            what_en=f"Data in the PDF is past one of pypdf's safety limits: {exc}",
            limit_zh=f"如单个数据流解压后 {_size_zh(limits.pdf_stream_bytes)}",
            limit_en=f"such as {_size(limits.pdf_stream_bytes)} a decoded stream",
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
        _check_text_length(total, name, limits)
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


# ----------------------------------------------------------------------- normalising

# CJK Radicals Supplement (U+2E80-U+2EFF) code points and the unified ideograph each
# stands for. A PDF writer that maps glyphs back to characters through the font's
# cmap (Chromium's does) writes whichever code point it meets first for a glyph that
# several share, so a Chromium-printed plan reads 人⺠ for 人民 and ⻓江 for 长江.
# Unicode gives these radicals no decomposition (NFKC leaves them). The pairs are the
# supplement radicals that share a glyph with a unified ideograph in the Noto Sans and
# Serif CJK fonts (fonts-noto-cjk: SC, TC, HK, JP, KR), read from the fonts' cmaps:
# exactly the code points such a PDF can contain. Unicode's EquivalentUnifiedIdeograph.txt
# lists the same kind of pairs (⺠ 6C11 民, ⻓ 957F 长, ⻔ 95E8 门 ...); it is not
# available offline here, so the table was not generated from it.
_RADICAL_SUPPLEMENT_PAIRS = """
    2E82 乛  2E83 乚  2E85 亻  2E87 𠘨  2E89 刂  2E8B 㔾  2E8D 𭕄  2E8E 兀
    2E8F 尣  2E90 尢  2E92 巳  2E93 幺  2E94 彑  2E95 彐  2E96 忄  2E98 扌
    2E99 攵  2E9B 旡  2E9E 歺  2E9F 母  2EA0 民  2EA1 氵  2EA3 灬  2EA4 爫
    2EA6 丬  2EA8 犭  2EA9 𤣩  2EAB 罒  2EAD 礻  2EAE 𥫗  2EAF 糹  2EB0 纟
    2EB1 罓  2EB2 罒  2EB3 㓁  2EB9 耂  2EBA 肀  2EBD 𦥑  2EBE 艹  2EBF 艹
    2EC1 虎  2EC2 衤  2EC3 覀  2EC4 西  2EC5 见  2EC6 角  2EC7 𧢲  2EC8 讠
    2EC9 贝  2ECA 𧾷  2ECB 车  2ECC 辶  2ECD 辶  2ECE 辶  2ED0 钅  2ED1 長
    2ED2 镸  2ED3 长  2ED4 门  2ED5 𨸏  2ED6 阝  2ED8 青  2ED9 韦  2EDA 页
    2EDB 风  2EDC 飞  2EDD 食  2EDE 𩙿  2EDF 飠  2EE0 饣  2EE1 𩠐  2EE2 马
    2EE3 骨  2EE4 鬼  2EE5 鱼  2EE6 鸟  2EE7 卤  2EE8 麦  2EE9 黄  2EEA 黾
    2EEB 斉  2EEC 齐  2EED 歯  2EEE 齿  2EEF 竜  2EF0 龙  2EF1 龜  2EF2 亀
    2EF3 龟
"""
# Kangxi radicals and the two compatibility-ideograph blocks: NFKC gives each its
# unified ideograph (⾼ U+2FBC -> 高, 﨑 stays: a few in U+FA0E-FA29 are unified).
_NFKC_IDEOGRAPH_BLOCKS = ((0x2F00, 0x2FDF), (0xF900, 0xFAFF), (0x2F800, 0x2FA1F))
_IDEOGRAPH_VARIANT_RE = re.compile("[\u2e80-\u2fdf\uf900-\ufaff\U0002f800-\U0002fa1f]")
_SIMPLIFY_BLOCK = 1 << 20
"""Characters OpenCC converts at once: whole lines, about 1 M characters at a time."""


@functools.cache
def _ideograph_table() -> dict[int, str]:
    """Radicals and compatibility ideographs -> their unified ideographs, one for one.

    Folded before traditional-to-simplified conversion, so ⾧ (the Kangxi radical
    "long") becomes 長 and then 长, as the unified character would.
    """
    table: dict[int, str] = {}
    for low, high in _NFKC_IDEOGRAPH_BLOCKS:
        for code in range(low, high + 1):
            folded = unicodedata.normalize("NFKC", chr(code))
            if len(folded) == 1 and folded != chr(code):
                table[code] = folded
    pairs = _RADICAL_SUPPLEMENT_PAIRS.split()
    table.update((int(code, 16), char) for code, char in zip(pairs[::2], pairs[1::2], strict=True))
    return table


def _unify_ideographs(text: str) -> str:
    """Map radicals and compatibility ideographs to unified ones (a scan when there are none)."""
    if _IDEOGRAPH_VARIANT_RE.search(text) is None:
        return text
    return text.translate(_ideograph_table())


@functools.cache
def _t2s() -> opencc.OpenCC:
    return opencc.OpenCC("t2s")


def _convert(text: str) -> str:
    """OpenCC's traditional-to-simplified conversion (typed: OpenCC ships no stubs)."""
    return str(_t2s().convert(text))


@functools.lru_cache(maxsize=16384)
def _simplify_char(char: str) -> str:
    char = _unify_ideographs(char)
    converted = _convert(char)
    return converted if len(converted) == 1 else char


def _simplify(text: str) -> str:
    """Unified and simplified characters, keeping exactly one output character per input one.

    Radicals and compatibility ideographs first become the unified ideographs they
    stand for (:func:`_unify_ideographs`). Conversion uses OpenCC's phrase tables
    (best quality), a block of whole lines at a time (a phrase never spans a line
    break, so blocks convert as the whole text would, without OpenCC holding copies
    of a 50 MB text); only where a phrase changed the length does it fall back, line
    by line and then character by character, so the position map stays 1:1.
    """
    text = _unify_ideographs(text)
    blocks = []
    start = 0
    while start < len(text):
        stop = text.find("\n", start + _SIMPLIFY_BLOCK) + 1 or len(text)
        block = text[start:stop]
        converted = _convert(block)
        if len(converted) != len(block):
            lines = []
            for line in block.split("\n"):
                out = _convert(line)
                if len(out) != len(line):
                    out = "".join(_simplify_char(c) for c in line)
                lines.append(out)
            converted = "\n".join(lines)
        blocks.append(converted)
        start = stop
    return "".join(blocks)


def _is_cjk(char: str) -> bool:
    """Han character or Chinese punctuation: the context that removes spaces."""
    cp = ord(char)
    return (
        0x3400 <= cp <= 0x4DBF
        or 0x4E00 <= cp <= 0x9FFF
        or 0xF900 <= cp <= 0xFAFF
        or 0x20000 <= cp <= 0x3134F
        or 0x2E80 <= cp <= 0x2FDF
        or 0x3001 <= cp <= 0x303F
        or 0xFE10 <= cp <= 0xFE1F
        or 0xFE30 <= cp <= 0xFE4F
        or 0xFF01 <= cp <= 0xFF65
        or 0xFFE0 <= cp <= 0xFFEE
        or char in _CJK_PUNCT_EXTRA
    )


def _fold(char: str) -> str:
    """Context-free folding of one character: "" drops it, " " and "\\n" are layout.

    Full-width ASCII becomes half-width here; radicals and compatibility ideographs
    were already unified with the simplification (:func:`_simplify`).
    """
    if char in _SPACES:
        return " "
    if char in _LINE_BREAKS:
        return "\n"
    if char in _ZERO_WIDTH:
        return ""
    if "\uff01" <= char <= "\uff5e" and char not in _KEPT_FULL_WIDTH:
        return chr(ord(char) - 0xFEE0)
    if unicodedata.category(char) == "Cc":
        return ""
    return char


def _decode_entity(entity: str) -> str:
    """Decode one complete ``&...;`` reference, or return "" if it names nothing."""
    if entity.startswith("&#"):
        return html.unescape(entity)
    return html.entities.html5.get(entity[1:], "")


def _fold_candidates() -> list[str]:
    """Every character :func:`_fold` changes."""
    controls = [*map(chr, range(0x20)), *map(chr, range(0x7F, 0xA0))]
    return [*_SPACES, *_LINE_BREAKS, *_ZERO_WIDTH, *controls, *map(chr, range(0xFF01, 0xFF5F))]


@functools.cache
def _fold_table() -> dict[int, str | None]:
    """:func:`_fold` as a ``str.translate`` table (every change is one character)."""
    table: dict[int, str | None] = {}
    for char in _fold_candidates():
        folded = _fold(char)
        if folded != char:
            table[ord(char)] = folded or None
    return table


@functools.cache
def _dropped_re() -> re.Pattern[str]:
    """The characters :func:`_fold` drops, to find them in a stretch of plain text."""
    dropped = sorted(c for c in _fold_candidates() if not _fold(c))
    return re.compile("[" + "".join(f"\\U{ord(c):08x}" for c in dropped) + "]")


_SPECIAL_RE = re.compile(r"[<&\r]")


def _offsets(size: int) -> array[int]:
    """An empty offset array: 4-byte ints unless the text is too long for them."""
    return array("i" if size < 2**31 - 1 else "q")


def _tokens(text: str) -> tuple[str, array[int], array[int]]:
    """Scan once: drop markup, decode entities, fold characters; keep original spans.

    Returns the folded text and, for each of its characters, the original span it
    came from. Plain stretches (no markup, entity or carriage return) are folded in
    bulk with ``str.translate``, and where characters are dropped the runs between
    them still are, so plain text is never held one Python object per character
    (for a 17-million-character plan that cost 3 GB).
    """
    simplified = _simplify(text)
    pieces: list[str] = []
    starts = _offsets(len(text))
    ends = _offsets(len(text))
    table = _fold_table()
    dropped = _dropped_re()

    def add(char: str, start: int, end: int) -> None:
        pieces.append(char)
        starts.append(start)
        ends.append(end)

    def add_plain(begin: int, stop: int) -> None:
        """Fold ``simplified[begin:stop]``, which holds no character that is dropped."""
        pieces.append(simplified[begin:stop].translate(table))
        starts.extend(range(begin, stop))
        ends.extend(range(begin + 1, stop + 1))

    i, n = 0, len(text)
    while i < n:
        special = _SPECIAL_RE.search(text, i)
        stop = special.start() if special else n
        if stop > i:
            run = i
            for drop in dropped.finditer(simplified, i, stop):
                add_plain(run, drop.start())
                run = drop.end()
            add_plain(run, stop)
            i = stop
            if i >= n:
                break
        char = text[i]
        if char == "<" and (tag := _TAG_RE.match(text, i)):
            end = tag.end()
            slash, tag_name = tag.group(1) or "", (tag.group(2) or "").lower()
            if not slash and tag_name in _RAW_TEXT_TAGS and not tag.group(0).endswith("/>"):
                close = re.compile(rf"</{tag_name}\s*>", re.IGNORECASE).search(text, end)
                end = close.end() if close else end
            if (slash, tag_name) in _NEWLINE_TAGS:
                add("\n", i, end)
            i = end
        elif char == "&" and (entity := _ENTITY_RE.match(text, i)):
            decoded = _decode_entity(entity.group(0))
            if not decoded:  # unknown entity name: literal text
                add("&", i, i + 1)
                i += 1
                continue
            for c in decoded:
                if folded := _fold(_simplify_char(c)):
                    add(folded, i, entity.end())
            i = entity.end()
        elif char == "\r":
            end = i + 2 if text.startswith("\r\n", i) else i + 1
            add("\n", i, end)
            i = end
        else:
            if folded := _fold(simplified[i]):
                add(folded, i, i + 1)
            i += 1
    return "".join(pieces), starts, ends


def _neighbour_is_cjk(text: str, converted: dict[int, str], index: int, step: int) -> bool:
    """Whether the nearest character on one side (``step`` -1 or 1) is CJK.

    Spaces are skipped, and so are other convertible ASCII marks, so the comma in
    "目)," sees 目 just as the bracket does; ``converted`` holds the marks already
    made full-width, which count as Chinese.
    """
    j = index + step
    while 0 <= j < len(text):
        char = converted.get(j, text[j])
        if char != " " and char not in _TO_FULL_WIDTH:
            return _is_cjk(char)
        j += step
    return False


def _full_width_marks(text: str) -> str:
    """``, : ; ( ) ! ?`` beside Chinese made full-width, one character for one."""
    converted: dict[int, str] = {}
    for m in _TO_FULL_WIDTH_RE.finditer(text):
        k = m.start()
        if _neighbour_is_cjk(text, converted, k, -1) or _neighbour_is_cjk(text, converted, k, 1):
            converted[k] = _TO_FULL_WIDTH[text[k]]
    if not converted:
        return text
    pieces, last = [], 0
    for k, char in converted.items():  # in ascending order: added as found
        pieces += [text[last:k], char]
        last = k + 1
    pieces.append(text[last:])
    return "".join(pieces)


def normalise(text: str) -> NormalisedText:
    """Normalise text for pattern matching, keeping an exact map to the original.

    Traditional characters become simplified, Kangxi and supplement radicals and
    compatibility ideographs become the unified ideographs they stand for (⾼ 高,
    ⺠ 民: Chromium-printed PDFs are full of them), full-width ASCII becomes
    half-width (except ，：；（）！？), ASCII ``, : ; ( ) ! ?`` beside Chinese become
    full-width, spaces beside Chinese are dropped and other runs collapse to one,
    HTML tags are dropped (``<br>`` and ``</p>`` become line breaks, script/style
    content goes too), entities are decoded and zero-width characters removed. Line
    breaks are kept. Every change maps one original slice to at most one character,
    so each normalised character keeps the original span it came from.
    """
    joined, token_starts, token_ends = _tokens(text)
    joined = _full_width_marks(joined)
    if " " not in joined:
        return NormalisedText(text=joined, original=text, starts=token_starts, ends=token_ends)
    pieces: list[str] = []
    starts = _offsets(len(text))
    ends = _offsets(len(text))
    kept_from, n = 0, len(joined)
    for run in _SPACE_RUN_RE.finditer(joined):
        k, run_end = run.span()
        pieces.append(joined[kept_from:k])
        starts.extend(token_starts[kept_from:k])
        ends.extend(token_ends[kept_from:k])
        before = joined[k - 1] if k > 0 else "\n"
        after = joined[run_end] if run_end < n else "\n"
        if "\n" not in (before, after) and not (_is_cjk(before) or _is_cjk(after)):
            pieces.append(" ")
            starts.append(token_starts[k])
            ends.append(token_ends[run_end - 1])
        kept_from = run_end
    pieces.append(joined[kept_from:])
    starts.extend(token_starts[kept_from:])
    ends.extend(token_ends[kept_from:])
    del token_starts, token_ends
    return NormalisedText(text="".join(pieces), original=text, starts=starts, ends=ends)
