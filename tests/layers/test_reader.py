"""Reading documents as text, and normalising text with an exact map back to it."""

from __future__ import annotations

import io
import os
import random
import re
import subprocess
from pathlib import Path

import docx
import pytest
from pypdf import PdfWriter

from layers import normalisation
from layers.corpus import SOURCES_DIR
from layers.errors import DocumentReadError
from layers.extract import records_from_text, records_to_original
from layers.reader import NormalisedText, SourceText, normalise, read_document

PARAGRAPH = (
    "达州市人民政府关于印发重点项目建设计划的通知。各县（市、区）人民政府，达州高新区管委会："
    "现将《2025年达州市重点项目建设计划》印发给你们，请认真贯彻执行。"
    "加快推进达州至万州高速公路扩能改造，力争年内建成通车。"
)
PARAGRAPH_TRADITIONAL = (
    "達州市人民政府關於印發重點項目建設計劃的通知。各縣（市、區）人民政府，達州高新區管委會："
    "現將《2025年達州市重點項目建設計劃》印發給你們，請認真貫徹執行。"
    "加快推進達州至萬州高速公路擴能改造，力爭年內建成通車。"
)
CORPUS_FILES = sorted(SOURCES_DIR.glob("*.txt"))


def _quote_of(norm: NormalisedText, found: str) -> str:
    start = norm.text.index(found)
    return norm.original_quote(start, start + len(found))


# ------------------------------------------------------------------------ normalise


@pytest.mark.parametrize(
    ("original", "expected", "found", "quote"),
    [
        ("G245 巴州段", "G245巴州段", "G245巴州段", "G245 巴州段"),
        ("2025 年", "2025年", "2025年", "2025 年"),
        ("张 杰", "张杰", "张杰", "张 杰"),
        ("达州 至 万州", "达州至万州", "州至万", "州 至 万"),
        (
            "达州\u3000至\u00a0万州\t高速",
            "达州至万州高速",
            "达州至万州高速",
            "达州\u3000至\u00a0万州\t高速",
        ),
        ("Line  one   two", "Line one two", "one two", "one   two"),
        ("  项目名称  \n  G210  ", "项目名称\nG210", "称\nG", "称  \n  G"),
    ],
)
def test_spaces_beside_chinese_go_and_other_runs_collapse(
    original: str, expected: str, found: str, quote: str
) -> None:
    norm = normalise(original)
    assert norm.text == expected
    assert _quote_of(norm, found) == quote


def test_full_width_ascii_becomes_half_width_but_chinese_punctuation_stays() -> None:
    norm = normalise("Ｇ２１０线，全长１２．５ｋｍ（一期）")
    assert norm.text == "G210线，全长12.5km（一期）"
    assert _quote_of(norm, "12.5km") == "１２．５ｋｍ"
    assert normalise("１，０００").text == "1，000"


@pytest.mark.parametrize(
    ("original", "expected"),
    [
        ("各县(市、区)人民政府,达州高新区:", "各县（市、区）人民政府，达州高新区："),
        ("责任单位;配合单位!是否?", "责任单位；配合单位！是否？"),
        ("比例达到9:33:58, 总额1,000万元", "比例达到9:33:58，总额1,000万元"),
        ("增长3.5%, 达到 1,000", "增长3.5%，达到1,000"),
        ("项目), 建设", "项目），建设"),
        ("a, b (c)", "a, b (c)"),
    ],
)
def test_punctuation_beside_chinese_becomes_full_width(original: str, expected: str) -> None:
    assert normalise(original).text == expected


def test_full_width_punctuation_maps_back_to_the_half_width_original() -> None:
    norm = normalise("各县(市、区)人民政府,达州")
    assert _quote_of(norm, "（市、区）人民政府，") == "(市、区)人民政府,"


def test_traditional_chinese_becomes_simplified_and_quotes_the_traditional() -> None:
    norm = normalise("達州至萬州高速公路建成通車")
    assert norm.text == "达州至万州高速公路建成通车"
    assert _quote_of(norm, "万州高速公路") == "萬州高速公路"


def test_length_changing_conversion_falls_back_to_single_characters(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    class PhraseGrowsConverter:
        def convert(self, text: str) -> str:
            return text.replace("萬州", "万州市").replace("萬", "万")

    normalisation._simplify_char.cache_clear()
    monkeypatch.setattr(normalisation, "_t2s", PhraseGrowsConverter)
    try:
        norm = normalise("達州\n萬州段")
    finally:
        normalisation._simplify_char.cache_clear()
    assert norm.text == "達州\n万州段"
    assert _quote_of(norm, "万州段") == "萬州段"


def test_html_tags_go_breaks_become_lines_and_entities_decode() -> None:
    original = (
        "<div class='x'><p>达州&nbsp;至&amp;万州</p>"
        "<script type='text/javascript'>var a = 1;</script>"
        "<style>p {color: red}</style>G210<br/>&#20013;&#x56FD;&lt;b&gt;</div>"
    )
    norm = normalise(original)
    assert norm.text == "达州至&万州\nG210\n中国<b>"
    assert _quote_of(norm, "州至&万") == "州&nbsp;至&amp;万"
    assert _quote_of(norm, "中") == "&#20013;"
    assert _quote_of(norm, "G210\n中") == "G210<br/>&#20013;"
    assert normalise("x<y and 《规划》<2025>").text == "x<y and《规划》<2025>"


def test_zero_width_characters_and_line_endings() -> None:
    norm = normalise("\ufeff达\u200b州\u200c至\u200d万州\r\n第二行\r第三行")
    assert norm.text == "达州至万州\n第二行\n第三行"
    assert _quote_of(norm, "达州至") == "达\u200b州\u200c至"
    assert _quote_of(norm, "州\n第") == "州\r\n第"


def test_original_span_edges() -> None:
    norm = normalise("  G245 巴州段  ")
    assert norm.text == "G245巴州段"
    assert norm.original_span(0, 0) == (2, 2)
    assert norm.original_span(4, 4) == (7, 7)
    assert norm.original_span(7, 7) == (10, 10)
    assert norm.original_span(0, 7) == (2, 10)
    assert normalise("   ").original_span(0, 0) == (0, 0)
    with pytest.raises(ValueError, match="outside"):
        norm.original_span(3, 8)


def test_radicals_and_compatibility_ideographs_become_unified_ideographs() -> None:
    """Kangxi radicals (NFKC), supplement radicals (the table), compatibility ideographs.

    ⾼ U+2FBC is 高, ⺠ U+2EA0 民, ⻓ U+2ED3 长, ⾧ U+2FA7 the traditional 長 (so 长 after
    simplification), 欄 U+F91D 欄 (栏) and 丽 U+2F800 丽; each keeps its own original span.
    """
    original = "⾼速 ⺠⽣，⻓江\uf91d杆 ⾧寿\U0002f800水"
    norm = normalise(original)
    assert norm.text == "高速民生，长江栏杆长寿丽水"
    assert len(norm.starts) == len(norm.text)
    for k, char in enumerate(norm.text):  # every character maps back to its own original
        quote = norm.original_quote(k, k + 1)
        assert quote == original[norm.starts[k]] and normalise(quote).text == char
    assert _quote_of(norm, "民生，长江栏杆") == "⺠⽣，⻓江\uf91d杆"
    assert _quote_of(norm, "长寿丽水") == "⾧寿\U0002f800水"
    assert normalise("&#x2FBC;速").text == "高速"  # an entity decodes to a radical too
    assert normalisation._ideograph_table()[0x2EA0] == "民"


def test_plain_simplified_text_is_unchanged() -> None:
    norm = normalise(PARAGRAPH)
    assert norm.text == PARAGRAPH
    assert list(norm.starts) == list(range(len(PARAGRAPH)))


# -------------------------------------------------------------------- read_document


def test_utf8_text() -> None:
    assert read_document(PARAGRAPH.encode("utf-8"), name="a.txt") == SourceText(
        text=PARAGRAPH, encoding="utf-8", fmt="txt", name="a.txt"
    )


def test_utf8_with_bom_and_crlf() -> None:
    source = read_document(b"\xef\xbb\xbf" + "达州\r\n万州\r".encode(), name="b.txt")
    assert (source.text, source.encoding, source.fmt) == ("达州\n万州\n", "utf-8-sig", "txt")


def test_utf16_with_bom() -> None:
    source = read_document(PARAGRAPH.encode("utf-16"), name="c.txt")
    assert source.text == PARAGRAPH
    assert source.encoding in {"utf-16-le", "utf-16-be"}


@pytest.mark.parametrize("codec", ["gbk", "gb18030"])
def test_gbk_and_gb18030_text_decode_as_gb18030(codec: str) -> None:
    source = read_document(PARAGRAPH.encode(codec), name="d.txt")
    assert (source.text, source.encoding, source.fmt) == (PARAGRAPH, "gb18030", "txt")


def test_gbk_prose_the_default_detector_finds_chaotic_still_decodes() -> None:
    """This excerpt (from the Bazhou plan) has no match at charset-normalizer's default
    threshold, so the reader retries among the Chinese encodings only."""
    excerpt = (
        "区,推动经济社会健康发展,同步全面建成小康社会取得历史性成就,巴州发展势能进一步蓄积。"
        "经济实力迈上新台阶,重大项目投资稳步增长,“四三三”产业体系加快构建,中药材产业化步伐加快,"
        "工业经济规模持续扩大,服务业实现跨越发展,二○二○年地区生产总值突破二百亿元。"
        "三大攻坚战纵深推进,累计脱贫八万一千六百七十九人,摘掉国家贫困县“帽子”,实现全域整体脱贫;"
        "污染防治力度前所未有,生态环境质量明显改善;防范化解"
    )
    source = read_document(excerpt.encode("gbk"), name="f.txt")
    assert (source.text, source.encoding) == (excerpt, "gb18030")


def test_big5_text() -> None:
    source = read_document(PARAGRAPH_TRADITIONAL.encode("big5"), name="e.txt")
    assert (source.text, source.encoding) == (PARAGRAPH_TRADITIONAL, "big5")
    assert normalise(source.text).text == PARAGRAPH


def test_docx_paragraphs_and_tables_in_document_order() -> None:
    document = docx.Document()
    document.add_paragraph("一、重点项目")
    table = document.add_table(rows=2, cols=2)
    for row, cells in zip(
        table.rows, [("项目名称", "建设内容"), ("G245巴州段", "改建")], strict=True
    ):
        for cell, value in zip(row.cells, cells, strict=True):
            cell.text = value
    document.add_paragraph("二、保障措施")
    merged = document.add_table(rows=1, cols=3)
    merged.cell(0, 0).merge(merged.cell(0, 1)).text = "达州至万州"
    merged.cell(0, 2).text = "2025年"
    buffer = io.BytesIO()
    document.save(buffer)

    source = read_document(buffer.getvalue(), name="plan.docx")
    assert (source.encoding, source.fmt) == ("docx", "docx")
    assert source.text == (
        "一、重点项目\n项目名称\t建设内容\nG245巴州段\t改建\n二、保障措施\n达州至万州\t2025年"
    )


def test_pdf_with_a_text_layer(make_pdf) -> None:
    source = read_document(make_pdf("G210 2025年土溪口水库"), name="scan.bin")
    assert (source.encoding, source.fmt) == ("pdf", "pdf")
    assert "G210 2025年土溪口水库" in source.text


def test_pdf_without_text_asks_for_ocr() -> None:
    writer = PdfWriter()
    writer.add_blank_page(width=595, height=842)
    buffer = io.BytesIO()
    writer.write(buffer)
    with pytest.raises(DocumentReadError, match=r"blank\.pdf: the PDF has no text layer.*OCR"):
        read_document(buffer.getvalue(), name="blank.pdf")


def test_broken_pdf() -> None:
    with pytest.raises(DocumentReadError, match=r"x\.pdf: the PDF cannot be parsed"):
        read_document(b"%PDF-1.4\nnot really a pdf", name="x.pdf")


@pytest.mark.parametrize(
    ("data", "name", "message"),
    [
        (b"", "empty.txt", r"empty\.txt: the document is empty \(0 bytes\)\."),
        (b" \r\n\t \n", "blank.txt", r"contains no text \(only whitespace\)"),
        ("\u3000\n".encode("gbk"), "blank-gbk.txt", r"contains no text"),
        (bytes(range(256)) * 50, "junk.bin", r"contains NUL bytes.*binary"),
        (random.Random(1).randbytes(4096), "junk.txt", r"contains NUL bytes.*binary"),
        (
            random.Random(2).randbytes(4096).replace(b"\x00", b""),
            "junk2.txt",
            r"no text encoding fits these bytes",
        ),
        (b"ok" + b"\x01\x02\x03" * 10, "ctl.txt", r"94% of the decoded characters are control"),
        (b"PK\x03\x04garbage", "fake.docx", r"fake\.docx: not a valid \.docx Word document"),
        (b"plain text", "renamed.docx", r"not a valid \.docx"),
        (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 64, "old.doc", r"legacy Word \.doc"),
    ],
)
def test_unreadable_input_is_refused_with_a_clear_message(
    data: bytes, name: str, message: str
) -> None:
    with pytest.raises(DocumentReadError, match=message):
        read_document(data, name=name)


def test_over_the_size_limit() -> None:
    with pytest.raises(
        DocumentReadError,
        match=r"big\.txt: the document is 0\.00 MB \(2,000 bytes\), over the 0\.00 MB "
        r"\(1,000 bytes\) limit\.",
    ):
        read_document(b"x" * 2000, name="big.txt", max_bytes=1000)
    assert read_document(b"x" * 1000, name="ok.txt", max_bytes=1000).text == "x" * 1000


# ------------------------------------------------------------------------- corpus


def test_the_corpus_has_five_text_documents() -> None:
    assert len(CORPUS_FILES) == 5


def _context_free(char: str) -> bool:
    """Han characters and ASCII letters/digits normalise the same wherever they stand.

    Punctuation and spaces depend on their neighbours, so a quote cut right beside
    one cannot be expected to normalise alone as it did in context.
    """
    return ("\u4e00" <= char <= "\u9fff") or (char.isascii() and char.isalnum())


@pytest.mark.parametrize("path", CORPUS_FILES, ids=lambda p: p.name[:3])
def test_corpus_reads_as_utf8_and_quotes_round_trip(path: Path) -> None:
    source = read_document(path.read_bytes(), name=path.name)
    assert (source.encoding, source.fmt) == ("utf-8", "txt")
    norm = normalise(source.text)
    assert len(norm.text) > 10_000
    assert list(norm.starts) == sorted(norm.starts)
    assert list(norm.ends) == sorted(norm.ends)

    anchors = [i for i, char in enumerate(norm.text) if _context_free(char)]
    rng = random.Random(path.name)
    for _ in range(50):
        start = rng.choice(anchors)
        ends = [i + 1 for i in anchors if start <= i < start + 60]
        end = rng.choice(ends)
        quote = norm.original_quote(start, end)
        assert quote in source.text
        assert normalise(quote).text == norm.text[start:end], (start, end, quote)


# --------------------------------------------------------------- Chromium-printed PDF

CHROMIUM = Path(os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium"))
CHROMIUM_PLAN = (
    "2025年，开江至梁平高速公路建成通车。",
    "加快建设土溪口水库。",
    "新建人民公园。",
    "推进达州至万州高速公路扩能改造，力争年内开工。",
    "完成马家坝水库、齐心湖水库前期工作。",
    "力争开工高铁站至民航机场连接线。",
)


def _print_with_chromium(html: Path, pdf: Path) -> None:
    """Print a page to PDF with headless Chromium, as a user's browser would."""
    if not (CHROMIUM.is_file() and os.access(CHROMIUM, os.X_OK)):
        pytest.skip(f"Chromium not found at {CHROMIUM} (apt-get install chromium)")
    subprocess.run(
        [str(CHROMIUM), "--headless", "--no-sandbox", "--disable-gpu",
         "--no-pdf-header-footer", "--print-to-pdf-no-header", f"--print-to-pdf={pdf}",
         html.as_uri()],
        capture_output=True, timeout=120, check=True,
    )  # fmt: skip


def _records(text: str) -> list[tuple[str, str]]:
    norm = normalise(text)
    records = records_from_text(norm.text, doc_id="x", doc_year=2025)
    for record in records_to_original(records, norm):  # quotes index the original text
        assert all(text[m.quote.start : m.quote.end] == m.quote.text for m in record.mentions)
    return sorted((record.name, record.stage.value) for record in records)


@pytest.mark.browser
def test_a_chromium_printed_pdf_gives_the_records_of_its_text(tmp_path: Path) -> None:
    """Chromium writes radicals (⾼ ⺠ ⻓ ...) into the text layer; they must not cost records.

    One paragraph a line, so the PDF's line breaks fall where the text file's do.
    """
    paragraphs = "".join(f"<p>{line}</p>" for line in CHROMIUM_PLAN)
    html = tmp_path / "plan.html"
    html.write_text(
        '<!doctype html><html lang="zh-CN"><head><meta charset="utf-8"><style>'
        'body { font: 11pt "Noto Sans CJK SC"; } p { margin: 0 0 4pt; white-space: nowrap; }'
        f"</style></head><body>{paragraphs}</body></html>",
        encoding="utf-8",
    )
    _print_with_chromium(html, tmp_path / "plan.pdf")
    pdf = read_document((tmp_path / "plan.pdf").read_bytes(), name="plan.pdf")
    txt = read_document("\n".join(CHROMIUM_PLAN).encode(), name="plan.txt")
    assert re.search("[\u2e80-\u2fdf]", pdf.text), "Chromium wrote no radicals this time"
    expected = _records(txt.text)
    assert len(expected) >= 7
    assert _records(pdf.text) == expected
