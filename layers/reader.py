"""Read uploaded plan documents as text, and normalise that text for matching.

Documents arrive as plain text in several Chinese encodings, as Word files or as
PDFs. :func:`read_document` turns the bytes into one :class:`SourceText` whose
``text`` is *the* original: every quote the extractor shows a user must be an exact
substring of it, so a reviewer can find the sentence in the document.

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
import functools
import html
import html.entities
import io
import logging
import re
import unicodedata
from dataclasses import dataclass, field
from pathlib import PurePath

import charset_normalizer
import docx
import opencc
from docx.table import Table
from pypdf import PdfReader

from layers.errors import DocumentReadError

logger = logging.getLogger(__name__)

MEGABYTE = 1024 * 1024
DEFAULT_MAX_BYTES = 50 * MEGABYTE
MAX_JUNK_SHARE = 0.05
"""Above this share of control/replacement characters, decoded bytes are not text."""

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
    span of normalised text correspond to one contiguous original span.
    """

    text: str
    original: str = field(repr=False)
    starts: tuple[int, ...] = field(repr=False)
    ends: tuple[int, ...] = field(repr=False)

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


def read_document(data: bytes, *, name: str, max_bytes: int = DEFAULT_MAX_BYTES) -> SourceText:
    """Decode or extract a document's text, refusing anything that is not text.

    The format is chosen by content first (a renamed file keeps its magic bytes),
    then by the name's suffix, else plain text.

    Raises
    ------
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
        text, encoding, fmt = _read_docx(data, name), "docx", "docx"
    elif data.startswith(b"%PDF") or suffix == ".pdf":
        text, encoding, fmt = _read_pdf(data, name), "pdf", "pdf"
    else:
        text, encoding = _decode_text(data, name)
        fmt = "txt"
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    if not text.strip():
        raise DocumentReadError(f"{name}: the document contains no text (only whitespace).")
    logger.debug("read %s as %s (%s), %d characters", name, fmt, encoding, len(text))
    return SourceText(text=text, encoding=encoding, fmt=fmt, name=name)


def _megabytes(size: int) -> str:
    """Size in MB, with the exact byte count so small limits do not read "0.00 MB"."""
    return f"{size / MEGABYTE:.2f} MB ({size:,} bytes)"


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


def _read_docx(data: bytes, name: str) -> str:
    """Paragraphs and tables in document order: one paragraph or table row per line.

    A row's cells are joined by tabs; python-docx repeats a horizontally merged
    cell once per grid column, so repeats of the same cell within a row are
    dropped. Line breaks inside a cell become spaces so a row stays one line.
    """
    try:
        document = docx.Document(io.BytesIO(data))
    except Exception as exc:  # zipfile, lxml and python-docx each raise their own types
        raise DocumentReadError(f"{name}: not a valid .docx Word document ({exc}).") from exc
    lines: list[str] = []
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
        else:
            lines.append(block.text)
    return "\n".join(lines)


def _read_pdf(data: bytes, name: str) -> str:
    """Concatenate the pages' text layers; a PDF without one is a scan needing OCR."""
    try:
        reader = PdfReader(io.BytesIO(data))
        locked = reader.is_encrypted and not reader.decrypt("")
        pages = [] if locked else [page.extract_text() or "" for page in reader.pages]
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


# ----------------------------------------------------------------------- normalising


@functools.cache
def _t2s() -> opencc.OpenCC:
    return opencc.OpenCC("t2s")


def _convert(text: str) -> str:
    """OpenCC's traditional-to-simplified conversion (typed: OpenCC ships no stubs)."""
    return str(_t2s().convert(text))


@functools.lru_cache(maxsize=16384)
def _simplify_char(char: str) -> str:
    converted = _convert(char)
    return converted if len(converted) == 1 else char


def _simplify(text: str) -> str:
    """Traditional to simplified, keeping exactly one output character per input one.

    Whole-text conversion uses OpenCC's phrase tables (best quality); only where a
    phrase changed the length does it fall back, line by line and then character by
    character, so the position map stays 1:1.
    """
    converted = _convert(text)
    if len(converted) == len(text):
        return converted
    lines = []
    for line in text.split("\n"):
        out = _convert(line)
        if len(out) != len(line):
            out = "".join(_simplify_char(c) for c in line)
        lines.append(out)
    return "\n".join(lines)


def _is_cjk(char: str) -> bool:
    """Han character or Chinese punctuation: the context that removes spaces."""
    cp = ord(char)
    return (
        0x3400 <= cp <= 0x4DBF
        or 0x4E00 <= cp <= 0x9FFF
        or 0xF900 <= cp <= 0xFAFF
        or 0x20000 <= cp <= 0x3134F
        or 0x3001 <= cp <= 0x303F
        or 0xFE10 <= cp <= 0xFE1F
        or 0xFE30 <= cp <= 0xFE4F
        or 0xFF01 <= cp <= 0xFF65
        or 0xFFE0 <= cp <= 0xFFEE
        or char in _CJK_PUNCT_EXTRA
    )


def _fold(char: str) -> str:
    """Context-free folding of one character: "" drops it, " " and "\\n" are layout."""
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


@functools.cache
def _fold_table() -> dict[int, str | None]:
    """:func:`_fold` as a ``str.translate`` table (every change is one character)."""
    table: dict[int, str | None] = {}
    candidates = [*_SPACES, *_LINE_BREAKS, *_ZERO_WIDTH, *map(chr, range(0x20))]
    candidates += [*map(chr, range(0x7F, 0xA0)), *map(chr, range(0xFF01, 0xFF5F))]
    for char in candidates:
        folded = _fold(char)
        if folded != char:
            table[ord(char)] = folded or None
    return table


_SPECIAL_RE = re.compile(r"[<&\r]")


def _tokens(text: str) -> tuple[list[str], list[int], list[int]]:
    """Scan once: drop markup, decode entities, fold characters; keep original spans.

    Returns the folded characters and, for each, the original span it came from.
    Plain stretches (no markup, entity or carriage return) are folded in bulk with
    ``str.translate``; only where a character is dropped does it go one by one.
    """
    simplified = _simplify(text)
    chars: list[str] = []
    starts: list[int] = []
    ends: list[int] = []
    table = _fold_table()

    def add(char: str, start: int, end: int) -> None:
        chars.append(char)
        starts.append(start)
        ends.append(end)

    i, n = 0, len(text)
    while i < n:
        special = _SPECIAL_RE.search(text, i)
        stop = special.start() if special else n
        if stop > i:
            chunk = simplified[i:stop]
            folded = chunk.translate(table)
            if len(folded) == len(chunk):
                chars.extend(folded)
                starts.extend(range(i, stop))
                ends.extend(range(i + 1, stop + 1))
            else:
                for k in range(i, stop):
                    if folded_char := _fold(simplified[k]):
                        add(folded_char, k, k + 1)
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
    return chars, starts, ends


def _neighbour_is_cjk(chars: list[str], index: int, step: int) -> bool:
    """Whether the nearest character on one side (``step`` -1 or 1) is CJK.

    Spaces are skipped, and so are other convertible ASCII marks, so the comma in
    "目)," sees 目 just as the bracket does.
    """
    j = index + step
    while 0 <= j < len(chars) and (chars[j] == " " or chars[j] in _TO_FULL_WIDTH):
        j += step
    return 0 <= j < len(chars) and _is_cjk(chars[j])


def normalise(text: str) -> NormalisedText:
    """Normalise text for pattern matching, keeping an exact map to the original.

    Traditional characters become simplified, full-width ASCII becomes half-width
    (except ，：；（）！？), ASCII ``, : ; ( ) ! ?`` beside Chinese become full-width,
    spaces beside Chinese are dropped and other runs collapse to one, HTML tags are
    dropped (``<br>`` and ``</p>`` become line breaks, script/style content goes too),
    entities are decoded and zero-width characters removed. Line breaks are kept.
    """
    chars, token_starts, token_ends = _tokens(text)
    joined = "".join(chars)
    for m in _TO_FULL_WIDTH_RE.finditer(joined):
        k = m.start()
        if _neighbour_is_cjk(chars, k, -1) or _neighbour_is_cjk(chars, k, 1):
            chars[k] = _TO_FULL_WIDTH[chars[k]]
    joined = "".join(chars)
    pieces: list[str] = []
    starts: list[int] = []
    ends: list[int] = []
    kept_from, n = 0, len(chars)
    for run in _SPACE_RUN_RE.finditer(joined):
        k, run_end = run.span()
        pieces.append(joined[kept_from:k])
        starts.extend(token_starts[kept_from:k])
        ends.extend(token_ends[kept_from:k])
        before = chars[k - 1] if k > 0 else "\n"
        after = chars[run_end] if run_end < n else "\n"
        if "\n" not in (before, after) and not (_is_cjk(before) or _is_cjk(after)):
            pieces.append(" ")
            starts.append(token_starts[k])
            ends.append(token_ends[run_end - 1])
        kept_from = run_end
    pieces.append(joined[kept_from:])
    starts.extend(token_starts[kept_from:])
    ends.extend(token_ends[kept_from:])
    return NormalisedText(
        text="".join(pieces), original=text, starts=tuple(starts), ends=tuple(ends)
    )
