"""Reading is bounded: zip bombs, inflating PDFs and endless text are refused, cheaply.

Each hostile file is made here, small on disk, and each refusal must come quickly and
without allocating what the file would unpack to (measured with tracemalloc, which
sees every bytes object zipfile, zlib and pypdf create).
"""

from __future__ import annotations

import io
import struct
import time
import tracemalloc
import zipfile
import zlib
from collections.abc import Callable

import docx
import pytest
from docx.shared import Pt
from pdfbytes import pdf_from_objects
from pypdf import PdfWriter

from layers.corpus import SOURCES_DIR
from layers.errors import DocumentReadError
from layers.intake import IntakeError, read_upload
from layers.reader import (
    DEFAULT_LIMITS,
    MEGABYTE,
    DocumentLimitError,
    ReadLimits,
    read_document,
)

PARAGRAPH = b"<w:p><w:r><w:t>\xe6\xb0\xb4</w:t></w:r></w:p>"  # 水, as in the reported bomb
BILINGUAL = ("超过了读取上限", "over the reading limit")


def _word_file(*, paragraphs: int = 1) -> bytes:
    """A real .docx from python-docx, to graft hostile parts onto."""
    document = docx.Document()
    for _ in range(paragraphs):
        document.add_paragraph("加快建设土溪口水库。")
    out = io.BytesIO()
    document.save(out)
    return out.getvalue()


def _with_document_xml(write: Callable[[io.BufferedIOBase], None]) -> bytes:
    """A copy of :func:`_word_file` whose word/document.xml is written by ``write``.

    The part is streamed into the archive, so the test never holds it whole.
    """
    source = zipfile.ZipFile(io.BytesIO(_word_file()))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED, compresslevel=1) as archive:
        for info in source.infolist():
            if info.filename != "word/document.xml":
                archive.writestr(info, source.read(info))
                continue
            with archive.open("word/document.xml", "w", force_zip64=True) as part:
                write(part)
    return out.getvalue()


@pytest.fixture(scope="module")
def zip_bomb() -> bytes:
    """A 1.7 MB .docx whose document.xml inflates to 300 MB of 水 paragraphs."""
    block = PARAGRAPH * (MEGABYTE // len(PARAGRAPH))

    def write(part: io.BufferedIOBase) -> None:
        part.write(b'<?xml version="1.0"?><w:document><w:body>')
        for _ in range(300):
            part.write(block)
        part.write(b"</w:body></w:document>")

    return _with_document_xml(write)


def _declaring(data: bytes, member: str, size: int) -> bytes:
    """The archive with ``member``'s size in the central directory replaced by ``size``.

    zipfile trusts the directory, so the part then lies about what it unpacks to.
    """
    out = bytearray(data)
    at = out.find(b"PK\x01\x02")
    while at >= 0:
        name_length = struct.unpack_from("<H", out, at + 28)[0]
        if out[at + 46 : at + 46 + name_length] == member.encode():
            struct.pack_into("<I", out, at + 24, size)
            return bytes(out)
        at = out.find(b"PK\x01\x02", at + 4)
    raise AssertionError(f"{member} not in the archive")


def _refused(
    data: bytes, name: str, *, limits: ReadLimits = DEFAULT_LIMITS, measure: bool = False
) -> tuple[DocumentLimitError, float, int]:
    """The refusal, the seconds it took and (``measure``) the peak bytes allocated meanwhile.

    tracemalloc slows pure-Python parsing (pypdf) several times, so it is opt-in.
    """
    if measure:
        tracemalloc.start()
    began = time.perf_counter()
    try:
        with pytest.raises(DocumentLimitError) as caught:
            read_document(data, name=name, limits=limits)
        seconds = time.perf_counter() - began
        peak = tracemalloc.get_traced_memory()[1] if measure else 0
    finally:
        tracemalloc.stop()
    message = str(caught.value)
    assert message.startswith(f"{name}: ") and "\n" not in message
    assert all(words in message for words in BILINGUAL)
    return caught.value, seconds, peak


# --------------------------------------------------------------------------- Word


def test_the_bounds_admit_every_real_plan() -> None:
    """The largest corpus plan as Word, each line a formatted paragraph, is far inside them."""
    path = max(SOURCES_DIR.glob("*.txt"), key=lambda p: p.stat().st_size)
    lines = path.read_text(encoding="utf-8").splitlines()
    document = docx.Document()
    for line in lines:
        run = document.add_paragraph().add_run(line)
        run.font.name, run.font.size, run.bold = "仿宋_GB2312", Pt(16), False
    out = io.BytesIO()
    document.save(out)
    archive = zipfile.ZipFile(out)
    tags = sum(archive.read(info).count(b"<") for info in archive.infolist())
    unpacked = sum(info.file_size for info in archive.infolist())
    assert tags * 20 < DEFAULT_LIMITS.xml_tags and unpacked * 20 < DEFAULT_LIMITS.xml_bytes
    assert read_document(out.getvalue(), name="plan.docx").text == "\n".join(lines)
    assert DEFAULT_LIMITS.text_chars > 50 * MEGABYTE // 2  # 50 MB of GB18030 Chinese


def test_a_zip_bomb_is_refused_quickly_without_unpacking_it(zip_bomb: bytes) -> None:
    assert len(zip_bomb) < 3 * MEGABYTE
    error, seconds, peak = _refused(zip_bomb, "bomb.docx", measure=True)
    assert "Word 文件声明解压后共 300" in str(error)
    assert "The Word file declares that it unpacks to 300" in str(error)
    assert error.params["limit_en"] == "200 MB"
    assert seconds < 3 and peak < 20 * MEGABYTE


def test_a_part_that_inflates_past_its_declared_size_is_caught_after_one_byte() -> None:
    def write(part: io.BufferedIOBase) -> None:
        part.write(b'<?xml version="1.0"?><w:document><w:body>')
        part.write(PARAGRAPH * 100_000)  # 3.5 MB
        part.write(b"</w:body></w:document>")

    liar = _declaring(_with_document_xml(write), "word/document.xml", 1000)
    error, _, peak = _refused(liar, "liar.docx", measure=True)
    assert "word/document.xml" in error.params["what_en"]
    assert "declares" in error.params["what_en"] and "声明" in error.params["what_zh"]
    assert peak < 5 * MEGABYTE  # a chunk or two, not the 3.5 MB part


def _with_part(name: str, content: bytes) -> bytes:
    """A copy of :func:`_word_file` with one more part."""
    source = zipfile.ZipFile(io.BytesIO(_word_file()))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        for info in source.infolist():
            archive.writestr(info, source.read(info))
        archive.writestr(name, content)
    return out.getvalue()


def test_xml_parts_are_bounded_whatever_they_are_called() -> None:
    """python-docx parses parts by content type, not name: XML is told by its bytes."""
    limits = ReadLimits(xml_bytes=MEGABYTE)
    disguised = _with_part("word/media/image1.png", b"\xef\xbb\xbf <w:t>" + PARAGRAPH * 60_000)
    error, _, _ = _refused(disguised, "xml.docx", limits=limits)
    assert error.params["limit_en"] == "1 MB of XML"
    assert error.params["what_zh"].startswith("Word 文件中的 XML 部件解压后至少")
    image = _with_part("word/media/image1.png", b"\x89PNG" + bytes(2 * MEGABYTE))
    assert read_document(image, name="image.docx", limits=limits).text == "加快建设土溪口水库。"


def test_xml_tags_are_bounded_as_they_cost_python_docx_per_tag() -> None:
    """12 MB of ``<w:p/>`` would cost python-docx 0.5 GB: markup is counted, not bytes."""
    plain = zipfile.ZipFile(io.BytesIO(_word_file()))
    tags = sum(plain.read(info).count(b"<") for info in plain.infolist())  # all XML here
    limits = ReadLimits(xml_tags=tags + 2_000)
    assert read_document(_word_file(), name="plain.docx", limits=limits).text
    empty_paragraphs = _with_part("word/glossary.xml", b"<w:p/>" * 3_000)
    error, _, _ = _refused(empty_paragraphs, "tags.docx", limits=limits)
    assert error.params["what_en"].startswith("The Word file's XML parts hold at least")
    assert error.params["limit_en"] == f"{tags + 2_000:,} tags"
    assert read_document(empty_paragraphs, name="ok.docx").text == "加快建设土溪口水库。"


def test_total_unpacked_size_is_counted_as_parts_really_unpack() -> None:
    def write(part: io.BufferedIOBase) -> None:
        part.write(b'<?xml version="1.0"?><w:document><w:body>' + PARAGRAPH * 90_000)
        part.write(b"</w:body></w:document>")

    data = _with_document_xml(write)  # 3.2 MB of XML, declared truthfully
    error, _, _ = _refused(data, "big.docx", limits=ReadLimits(unpacked_bytes=2 * MEGABYTE))
    assert "declares" in error.params["what_en"]
    limits = ReadLimits(unpacked_bytes=4 * MEGABYTE, xml_bytes=2 * MEGABYTE)
    error, _, _ = _refused(data, "big.docx", limits=limits)
    assert "XML parts unpack to at least" in error.params["what_en"]


def test_too_many_parts() -> None:
    source = zipfile.ZipFile(io.BytesIO(_word_file()))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        for info in source.infolist():
            archive.writestr(info, source.read(info))
        for number in range(2_001):
            archive.writestr(f"word/extra/part{number}.xml", b"")
    error, seconds, _ = _refused(out.getvalue(), "parts.docx")
    parts = len(source.infolist()) + 2_001
    assert error.params["what_en"] == f"The Word file has {parts:,} parts"
    assert error.params["limit_zh"] == "2,000 个部件"
    assert seconds < 1


def test_a_directory_that_understates_its_entries_is_refused_by_its_size() -> None:
    data = _word_file()
    eocd = data.rfind(b"PK\x05\x06")
    fake = bytearray(data)
    struct.pack_into("<I", fake, eocd + 12, 3 * MEGABYTE)  # directory "size"
    error, _, _ = _refused(bytes(fake), "dir.docx")
    assert "directory of parts" in error.params["what_en"]


def test_compression_word_never_writes_is_not_a_word_file() -> None:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_LZMA) as archive:
        archive.writestr("word/document.xml", b"<w:document/>")
    with pytest.raises(DocumentReadError, match=r"not a valid \.docx.*compression method 14"):
        read_document(out.getvalue(), name="lzma.docx")


def test_text_beyond_the_character_bound() -> None:
    _refused(_word_file(paragraphs=20), "long.docx", limits=ReadLimits(text_chars=100))
    error, _, _ = _refused("水".encode() * 101, "long.txt", limits=ReadLimits(text_chars=100))
    assert error.params["limit_en"] == "100 characters"
    assert read_document("水".encode() * 100, name="ok.txt", limits=ReadLimits(text_chars=100))


# ---------------------------------------------------------------------------- PDF


def _pdf(pages: list[bytes], *, text: str = "") -> bytes:
    """A PDF with one page per content stream, each deflated; ``text`` shown on page one.

    Built by hand (like ``tests/conftest.pdf_with_text``) so a stream can inflate to
    anything: pypdf's writer would re-encode it.
    """
    font = (
        b"<< /Type /Font /Subtype /Type0 /BaseFont /STSong-Light /Encoding /Identity-H"
        b" /DescendantFonts [<< /Type /Font /Subtype /CIDFontType0 /BaseFont /STSong-Light"
        b" /CIDSystemInfo << /Registry (Adobe) /Ordering (Identity) /Supplement 0 >> >>]"
        b" /ToUnicode 3 0 R >>"
    )
    # Each character shown maps to itself; only those, so pypdf builds a small map.
    chars = sorted(set(text)) or ["x"]
    pairs = b"".join(b"<%04X> <%04X>\n" % (ord(c), ord(c)) for c in chars)
    cmap = (
        b"/CIDInit /ProcSet findresource begin 12 dict begin begincmap\n"
        b"1 begincodespacerange <0000> <FFFF> endcodespacerange\n"
        b"%d beginbfchar\n%sendbfchar\n"
        b"endcmap CMapName currentdict /CMap defineresource pop end end" % (len(chars), pairs)
    )
    shown = "".join(f"{ord(c):04X}" for c in text).encode()
    contents = [(b"BT /F1 12 Tf 72 720 Td <%s> Tj ET\n" % shown if i == 0 else b"") + page
                for i, page in enumerate(pages)]  # fmt: skip
    first_page = 5
    kids = b" ".join(b"%d 0 R" % (first_page + 2 * i) for i in range(len(pages)))
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [%s] /Count %d >>" % (kids, len(pages)),
        b"<< /Length %d >>\nstream\n%s\nendstream" % (len(cmap), cmap),
        font,
    ]
    for number, content in enumerate(contents):
        packed = zlib.compress(content, 9)
        objects.append(
            b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents %d 0 R"
            b" /Resources << /Font << /F1 4 0 R >> >> >>" % (first_page + 2 * number + 1)
        )
        objects.append(
            b"<< /Length %d /Filter /FlateDecode >>\nstream\n%s\nendstream" % (len(packed), packed)
        )
    return pdf_from_objects(objects)


def test_a_hand_made_pdf_reads() -> None:
    data = _pdf([b"", b""], text="2025年,土溪口水库建成。")
    assert read_document(data, name="ok.pdf").text == "2025年,土溪口水库建成。\n"


def test_too_many_pages() -> None:
    writer = PdfWriter()
    for _ in range(4):
        writer.add_blank_page(width=595, height=842)
    out = io.BytesIO()
    writer.write(out)
    error, _, _ = _refused(out.getvalue(), "pages.pdf", limits=ReadLimits(pdf_pages=3))
    assert error.params["what_en"] == "The PDF has 4 pages"
    assert error.params["what_zh"] == "PDF 有 4 页"


def test_a_stream_past_the_stream_bound_is_refused_by_pypdf_limits() -> None:
    data = _pdf([b" " * (3 * MEGABYTE)], text="水库")
    error, _, _ = _refused(data, "stream.pdf", limits=ReadLimits(pdf_stream_bytes=MEGABYTE))
    assert "pypdf" in error.params["what_en"]
    assert error.params["limit_en"] == "such as 1 MB a decoded stream"
    assert read_document(data, name="ok.pdf").text.strip() == "水库"


def test_streams_are_bounded_in_total_page_after_page() -> None:
    """Ten pages of 1 MB each, under the per-stream bound but 10 MB together."""
    data = _pdf([b"", *(b"%" + b" " * MEGABYTE for _ in range(10))], text="水库")
    assert len(data) < 100_000
    limits = ReadLimits(unpacked_bytes=3 * MEGABYTE)
    error, _, peak = _refused(data, "streams.pdf", limits=limits, measure=True)
    assert error.params["what_en"].startswith("The PDF's streams decode to at least 3")
    assert error.params["limit_en"] == "3 MB"
    assert peak < 8 * MEGABYTE


def test_pdf_text_is_bounded_and_extraction_stops_within_the_page() -> None:
    long_line = "土溪口水库" * 200  # 1,000 characters on page one
    data = _pdf([b"", b""], text=long_line)
    error, _, _ = _refused(data, "long.pdf", limits=ReadLimits(text_chars=500))
    assert error.params["limit_en"] == "500 characters"
    assert read_document(data, name="ok.pdf", limits=ReadLimits(text_chars=1001)).text


# ------------------------------------------------------------------------- intake


def test_the_portal_refuses_a_zip_bomb_in_both_languages(zip_bomb: bytes) -> None:
    with pytest.raises(IntakeError) as caught:
        read_upload(zip_bomb, name="计划.docx")
    error = caught.value
    assert error.codes == ["over_limit"]
    zh, en = error.problems[0].text("zh"), error.problems[0].text("en")
    assert zh.startswith("Word 文件声明解压后共 300") and "超过了读取上限（200 MB）" in zh
    assert en.startswith("The Word file declares that it unpacks to 300")
    assert "over the reading limit (200 MB)" in en and "Real plan documents" in en
