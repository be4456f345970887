"""Bounds on what one document may unpack to and yield, and the refusal past them.

The upload limit caps the bytes a user sends, not what they expand to; the readers
(:mod:`layers.reader` for text, :mod:`layers.formats` for Word and PDF) count what
comes out against :class:`ReadLimits` and refuse with :class:`DocumentLimitError`,
whose message :mod:`layers.intake` shows in each language.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

from layers.errors import DocumentReadError

logger = logging.getLogger(__name__)


MEGABYTE = 1024 * 1024
DEFAULT_MAX_BYTES = 50 * MEGABYTE


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


def megabytes_text(size: int) -> str:
    """Size in MB, with the exact byte count so small limits do not read "0.00 MB"."""
    return f"{size / MEGABYTE:.2f} MB ({size:,} bytes)"


def size_text(size: int) -> str:
    """A size for a limit message: MB for anything large, bytes for the small test limits."""
    if size < MEGABYTE:
        return f"{size:,} bytes"
    return f"{size / MEGABYTE:,.1f}".removesuffix(".0") + " MB"


def size_text_zh(size: int) -> str:
    """:func:`size_text` in Chinese."""
    return size_text(size).replace(" bytes", " 字节")


def check_text_length(chars: int, name: str, limits: ReadLimits) -> None:
    """Refuse a document whose text (so far) runs past ``limits.text_chars``."""
    if chars > limits.text_chars:
        raise text_limit_error(name, limits)


def text_limit_error(name: str, limits: ReadLimits) -> DocumentLimitError:
    return DocumentLimitError(
        name,
        what_zh=f"文件的文字超过 {limits.text_chars:,} 个字符",
        what_en=f"The document's text runs past {limits.text_chars:,} characters",
        limit_zh=f"{limits.text_chars:,} 个字符",
        limit_en=f"{limits.text_chars:,} characters",
    )
