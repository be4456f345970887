"""Uploads: every bad input refused with a message in both languages; good ones prefilled."""

from __future__ import annotations

import datetime as dt
import io

import pytest

from layers.intake import (
    EDITABLE,
    IntakeError,
    catalog_entry,
    check_has_projects,
    check_not_duplicate,
    draft_records,
    edit_row,
    guess_catalog,
    jurisdiction_options,
    quote_context,
    read_upload,
    review_records,
)
from layers.model import Layer, Record, Stage
from layers.store import CATEGORIES

REPORT = (
    "宣汉县2025年政府工作报告\n（2025年1月10日）\n"
    "加快建设开江至梁平高速公路，力争2026年建成通车。开工建设宣汉县土溪口水库。"
    "推进宣汉县新材料产业园建设。\n"
)
TODAY = dt.date(2026, 11, 22)


@pytest.fixture(scope="module")
def options(place_index) -> dict[str, str]:
    return jurisdiction_options(place_index)


def _refused(data: bytes, name: str, **kwargs) -> IntakeError:
    with pytest.raises(IntakeError) as caught:
        read_upload(data, name=name, **kwargs)
    return caught.value


def _blank_pdf() -> bytes:
    from pypdf import PdfWriter

    writer = PdfWriter()
    writer.add_blank_page(width=595, height=842)
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


@pytest.mark.parametrize(
    ("data", "name", "code", "zh", "en"),
    [
        (b"", "a.txt", "empty", "文件是空的", "The file is empty"),
        (bytes(range(256)) * 40, "junk.txt", "binary", "二进制", "binary"),
        (_blank_pdf(), "scan.pdf", "pdf_no_text", "OCR", "Run OCR"),
        ("<p>达州<script>alert(1)</script></p>".encode(), "page.txt", "html", "HTML", "script"),
        (b"text", "plan.exe", "file_type", ".docx", "Only .txt"),
    ],
)
def test_bad_files_are_refused_in_both_languages(data, name, code, zh, en) -> None:
    error = _refused(data, name)
    assert error.codes == [code]
    assert zh in error.problems[0].text("zh") and en in error.problems[0].text("en")
    assert zh in str(error) and en in str(error)  # the bilingual form


def test_a_file_over_the_limit_is_refused_before_reading() -> None:
    error = _refused(b"x" * (2 * 1024 * 1024 + 1), "big.txt", limit_mb=2)
    assert error.codes == ["too_large"] and "2 MB" in error.problems[0].text("en")


def test_a_gbk_upload_is_read_and_named_by_its_content_hash() -> None:
    upload = read_upload(REPORT.encode("gbk"), name="../../etc/报告.txt")
    assert upload.text.startswith("宣汉县2025年") and len(upload.sha256) == 64
    assert upload.stored_name == f"{upload.sha256}.txt" and "/" not in upload.stored_name


def test_a_duplicate_names_the_document_it_repeats() -> None:
    with pytest.raises(IntakeError) as caught:
        check_not_duplicate("abc", {"abc": ("003", "达州市政府工作报告")})
    assert caught.value.codes == ["duplicate"] and "003" in caught.value.problems[0].text("zh")
    check_not_duplicate("def", {"abc": ("003", "t")})


def test_the_catalog_row_is_prefilled_from_the_text(place_index, options) -> None:
    guess = guess_catalog(REPORT, places=place_index, options=options)
    assert guess.title == "宣汉县2025年政府工作报告"
    assert guess.jurisdiction == "宣汉县（达州市）" and options[guess.jurisdiction] == "511722"
    assert guess.issued == "2025-01-10" and guess.kind == "work_report"


def test_every_catalog_problem_is_listed_at_once(options) -> None:
    with pytest.raises(IntakeError) as caught:
        catalog_entry(doc_id="u1", file="f.txt", title=" ", jurisdiction="火星县",
                      issued="2023-02-30", kind="poem", options=options, today=TODAY)  # fmt: skip
    assert caught.value.codes == ["no_title", "unknown_jurisdiction", "bad_date", "bad_kind"]
    with pytest.raises(IntakeError) as future:
        catalog_entry(doc_id="u1", file="f.txt", title="t", jurisdiction="宣汉县（达州市）",
                      issued="2031-01-01", kind="plan", options=options, today=TODAY)  # fmt: skip
    assert future.value.codes == ["date_range"]
    with pytest.raises(IntakeError) as wide:
        catalog_entry(doc_id="u1", file="f.txt", title="t", jurisdiction="宣汉县（达州市）",
                      issued="２０２３-０２-１０", kind="plan", options=options,
                      today=TODAY)  # fmt: skip
    assert wide.value.codes == ["wide_digits"]
    (problem,) = wide.value.problems
    assert "全角" in problem.text("zh") and "ASCII digits" in problem.text("en")


def _entry(options):
    return catalog_entry(doc_id="u1", file="f.txt", title="宣汉县2025年政府工作报告",
                         jurisdiction="宣汉县（达州市）", issued="2025-01-10", kind="work_report",
                         options=options, today=TODAY)  # fmt: skip


def test_a_document_without_projects_is_refused(place_index, options) -> None:
    upload = read_upload("今年全县经济运行平稳，居民收入稳步增长。".encode(), name="a.txt")
    with pytest.raises(IntakeError) as early:
        check_has_projects(upload, places=place_index)
    assert early.value.codes == ["no_projects"]
    with pytest.raises(IntakeError) as caught:
        draft_records(upload, _entry(options), places=place_index)
    assert caught.value.codes == ["no_projects"]
    check_has_projects(read_upload(REPORT.encode("gbk"), name="r.txt"), places=place_index)


def test_drafts_are_typed_records_quoting_the_upload(place_index, options) -> None:
    upload = read_upload(REPORT.encode("gbk"), name="r.txt")
    records = draft_records(upload, _entry(options), places=place_index)
    assert all(isinstance(r, Record) and r.doc_id == "u1" for r in records)
    highway = records[0]
    assert (highway.layer, highway.stage, highway.target_year) == (
        Layer.HIGHWAY, Stage.UNDER_CONSTRUCTION, 2025,
    )  # fmt: skip
    for mention in (m for r in records for m in r.mentions):
        for span in (mention.quote, mention.sentence):
            assert upload.text[span.start : span.end] == span.text
    assert highway.mentions[0].quote.text == "加快建设开江至梁平高速公路"
    assert highway.mentions[0].sentence.text == "加快建设开江至梁平高速公路，力争2026年建成通车"
    assert edit_row(highway) == {
        "include": True, "name": "开江至梁平高速公路", "category": "highway",
        "status": "under_construction", "target_year": 2025, "counties": list(highway.counties),
    }  # fmt: skip


def test_review_applies_edits_and_logs_each_change(place_index, options) -> None:
    upload = read_upload(REPORT.encode("gbk"), name="r.txt")
    records = draft_records(upload, _entry(options), places=place_index)
    names = [r.name for r in records]
    assert names == ["开江至梁平高速公路", "宣汉县土溪口水库", "宣汉县新材料产业园"]
    assert "【开工建设宣汉县土溪口水库】" in quote_context(upload.text, records[1])
    edits = [edit_row(r) for r in records]
    assert set(edits[0]) == set(EDITABLE)
    edits[0]["name"] = "开江至梁平高速公路宣汉连接线"
    edits[0]["category"] = "other"
    edits[1]["status"], edits[1]["target_year"] = "completed", 2025
    edits[2]["include"] = False
    kept, log, indices = review_records(records, edits, doc_id="u1", editor="alice",
                                        reason="核对原文", categories=CATEGORIES)  # fmt: skip
    assert [r.name for r in kept] == ["开江至梁平高速公路宣汉连接线", "宣汉县土溪口水库"]
    assert indices == [0, 1]
    assert kept[0].layer is Layer.OTHER and kept[0].mentions == records[0].mentions
    assert kept[1].stage is Stage.COMPLETED
    assert kept[1].timeline == ((2025, Stage.COMPLETED),) and kept[1].target_year == 2025
    assert all(m.stage is Stage.COMPLETED and m.years == (2025,) for m in kept[1].mentions)
    assert kept[1].reported is records[1].reported
    assert [m.quote for m in kept[1].mentions] == [m.quote for m in records[1].mentions]
    assert records[1].stage is Stage.UNDER_CONSTRUCTION  # the draft itself is unchanged
    assert {(c.project_id, c.field, c.value) for c in log} == {
        ("#0", "record.name", "开江至梁平高速公路宣汉连接线"),
        ("#0", "record.category", "other"),
        ("#1", "record.status", "completed"),
        ("#2", "record.include", "False"),
    }
    assert all(c.who == "alice" and c.why == "核对原文" and c.doc_id == "u1" for c in log)


def test_review_logs_counties_and_a_cleared_year(place_index, options) -> None:
    upload = read_upload(REPORT.encode("gbk"), name="r.txt")
    records = draft_records(upload, _entry(options), places=place_index)
    edits = [edit_row(r) for r in records]
    edits[0]["counties"] = ["宣汉县", "开江县"]
    edits[0]["target_year"] = None
    kept, log, _ = review_records(records, edits, doc_id="u1", editor="a", reason="r",
                                  categories=CATEGORIES)  # fmt: skip
    assert kept[0].counties == ("宣汉县", "开江县")
    assert kept[0].target_year is None and kept[0].timeline == ()
    assert {(c.field, c.value) for c in log} == {
        ("record.counties", "宣汉县|开江县"),
        ("record.target_year", None),
    }


def test_review_refuses_bad_rows_no_reason_and_nothing_kept(place_index, options) -> None:
    upload = read_upload(REPORT.encode("gbk"), name="r.txt")
    records = draft_records(upload, _entry(options), places=place_index)
    edits = [edit_row(r, include=False) for r in records]
    edits[0].update(include=True, name=" ", status="done")
    with pytest.raises(IntakeError) as caught:
        review_records(records, edits, doc_id="u1", editor="a", reason="", categories=CATEGORIES)
    assert caught.value.codes == ["no_reason", "bad_record"]
    edits[0].update(include=False, name="x", status="proposed")
    with pytest.raises(IntakeError) as none_left:
        review_records(records, edits, doc_id="u1", editor="a", reason="r", categories=CATEGORIES)
    assert none_left.value.codes == ["no_records"]
    edits[0].update(include=True, target_year="soon", category="canal")
    with pytest.raises(IntakeError) as bad_values:
        review_records(records, edits, doc_id="u1", editor="a", reason="r", categories=CATEGORIES)
    assert bad_values.value.codes == ["bad_record"]
    assert "year 'soon'" in str(bad_values.value) and "category 'canal'" in str(bad_values.value)
