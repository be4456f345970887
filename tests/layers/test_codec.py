"""The store's edge: typed records to JSON and text and back, unchanged."""

from __future__ import annotations

from datetime import date

from layers.codec import (
    join_list,
    record_from_json,
    record_to_json,
    split_list,
    statements_from_text,
    statements_to_text,
)
from layers.model import Layer, Mention, Record, Span, Stage, StageStatement, Voice


def _record() -> Record:
    sentence = Span("2025年,镇巴经达州至广安、达州绕城高速公路西段建成通车", 10, 40)
    return Record(
        doc_id="000",
        name="达州绕城高速公路西段",
        layer=Layer.HIGHWAY,
        mentions=(
            Mention(Stage.UNDER_CONSTRUCTION, (2021, 2023), False,
                    Span("加快达州绕城高速公路西段项目建设", 50, 66), Span("…", 40, 70)),
            Mention(Stage.COMPLETED, (2025,), False, Span("达州绕城高速公路西段建成通车", 24, 40),
                    sentence),
            Mention(Stage.COMPLETED, (), True, Span("建成达州绕城西段", 80, 88),
                    Span("建成达州绕城西段等高速公路", 80, 93)),
        ),
        aliases=("达州绕城西段",),
        counties=("达川区",),
        endpoints=(),
    )  # fmt: skip


def test_a_record_round_trips_through_the_annotation_format() -> None:
    record = _record()
    data = record_to_json(record)
    assert data["status"] == "completed" and data["reported"] is False  # a dated 2025 target
    assert data["target_year"] == 2025
    assert data["timeline"] == [{"year": 2021, "status": "under_construction"},
                                {"year": 2023, "status": "under_construction"},
                                {"year": 2025, "status": "completed"}]  # fmt: skip
    assert data["quote"] == "建成达州绕城西段"  # the shortest quote of the best stage
    assert record_from_json(data) == record


def test_records_stored_by_older_versions_still_read() -> None:
    old = {"doc": "x", "name": "土溪口水库", "category": "reservoir", "status": "completed",
           "reported": True, "aliases": [], "counties": [], "endpoints": [],
           "mentions": [{"quote": "土溪口水库建成", "start": 5, "end": 12, "status": "completed",
                         "years": [2023]}]}  # fmt: skip
    record = record_from_json(old)
    assert record.mentions[0].reported and record.mentions[0].sentence.text == "土溪口水库建成"
    bare = {"name": "G210", "category": "highway", "status": "preparatory", "quote": "G210前期",
            "timeline": [{"year": 2022, "status": "preparatory"}]}  # fmt: skip
    (mention,) = record_from_json(bare).mentions
    assert (mention.stage, mention.years, mention.quote.start) == (Stage.PREPARATORY, (2022,), -1)


def test_statements_round_trip_through_one_text_column() -> None:
    statements = (
        StageStatement(Stage.COMPLETED, Voice.PLANNED, 2025, date(2021, 12, 6), "000"),
        StageStatement(Stage.UNDER_CONSTRUCTION, Voice.REPORTED, None, date(2024, 2, 4), "002"),
    )
    text = statements_to_text(statements)
    assert text == "P completed 2025 2021-12-06 000|R under_construction - 2024-02-04 002"
    assert set(statements_from_text(text)) == set(statements)
    assert statements_from_text(None) == () and statements_from_text("") == ()


def test_lists_join_and_split() -> None:
    assert join_list(["宣汉县", None, "", "达川区"]) == "宣汉县|达川区"
    assert split_list("宣汉县|达川区") == ["宣汉县", "达川区"]
    assert split_list(None) == [] and split_list(float("nan")) == []
