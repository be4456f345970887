"""Read uploaded plan documents as text: the original every quote is taken from.

Documents arrive as plain text in several Chinese encodings, as Word files or as
PDFs. :func:`read_document` turns the bytes into one :class:`SourceText` whose
``text`` is *the* original: every quote the extractor shows a user must be an exact
substring of it, so a reviewer can find the sentence in the document.

Reading is bounded (:class:`~layers.limits.ReadLimits`): the upload limit caps the
bytes a user sends, not what they unpack to. Plain text is decoded here; Word and
PDF files are opened within the bounds by :mod:`layers.formats`. The tidy text
that patterns match (:func:`~layers.normalisation.normalise`) lives in
:mod:`layers.normalisation`; both are re-exported here, where callers read.

This module is an I/O edge only in :func:`read_document`.
"""

from __future__ import annotations

import codecs
import logging
import re
from dataclasses import dataclass
from pathlib import PurePath

import charset_normalizer

from layers.errors import DocumentReadError
from layers.formats import read_docx, read_pdf
from layers.limits import (
    DEFAULT_LIMITS,
    DEFAULT_MAX_BYTES,
    LIMIT_MESSAGE,
    MEGABYTE,
    DocumentLimitError,
    ReadLimits,
    check_text_length,
    megabytes_text,
)
from layers.normalisation import NormalisedText, normalise

logger = logging.getLogger(__name__)

__all__ = [
    "DEFAULT_LIMITS",
    "DEFAULT_MAX_BYTES",
    "LIMIT_MESSAGE",
    "MEGABYTE",
    "DocumentLimitError",
    "NormalisedText",
    "ReadLimits",
    "SourceText",
    "normalise",
    "read_document",
]

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
            f"{name}: the document is {megabytes_text(len(data))}, over the "
            f"{megabytes_text(max_bytes)} limit."
        )
    if data.startswith(_OLE_MAGIC):
        raise DocumentReadError(
            f"{name}: this is a legacy Word .doc (OLE) file; save it as .docx and upload again."
        )
    suffix = PurePath(name).suffix.lower()
    if data.startswith(b"PK\x03\x04") or (suffix == ".docx" and not data.startswith(b"%PDF")):
        text, encoding, fmt = read_docx(data, name, limits), "docx", "docx"
    elif data.startswith(b"%PDF") or suffix == ".pdf":
        text, encoding, fmt = read_pdf(data, name, limits), "pdf", "pdf"
    else:
        text, encoding = _decode_text(data, name)
        fmt = "txt"
        check_text_length(len(text), name, limits)
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    if not text.strip():
        raise DocumentReadError(f"{name}: the document contains no text (only whitespace).")
    logger.debug("read %s as %s (%s), %d characters", name, fmt, encoding, len(text))
    return SourceText(text=text, encoding=encoding, fmt=fmt, name=name)


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
