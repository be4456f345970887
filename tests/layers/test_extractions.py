"""The records table: typed rows that give back the records, keyed by what made them."""

from __future__ import annotations

import pytest

from layers.extractions import (
    REVIEWED,
    StoredExtraction,
    extraction_key,
    extractions_from_frame,
    extractor_version,
    record_frame,
    record_id,
    without_projects,
)
from layers.model import Layer, Mention, Record, Span, Stage
from layers.schema import RECORD_SCHEMA

SENTENCE = Span("2025年建成开江至梁平高速，开工建设土溪口水库。", 10, 34)


def _record(name: str, layer: Layer, *mentions: Mention, **more) -> Record:
    return Record("001", name, layer, tuple(mentions), **more)


def _mention(stage: Stage, years: tuple[int, ...], start: int, *, reported: bool = False):
    return Mention(stage, years, reported, Span("quote", start, start + 5), SENTENCE)


def _extraction(*records: Record, position: int = 3) -> StoredExtraction:
    ids = tuple(f"hw-{k:010d}" if k else None for k in range(len(records)))
    return StoredExtraction("k1", "ab" * 32, "v1", "001", records, ids, position)


def test_records_round_trip_through_typed_rows() -> None:
    records = (
        _record("开江至梁平高速", Layer.HIGHWAY,
                _mention(Stage.COMPLETED, (2024, 2025), 12),
                _mention(Stage.UNDER_CONSTRUCTION, (), 40, reported=True),
                aliases=("开梁高速",), counties=("开江县", "梁平区"), endpoints=("开江", "梁平")),
        _record("土溪口水库", Layer.RESERVOIR, _mention(Stage.PREPARATORY, (2023,), 60)),
        _record("无提及项目", Layer.PARK),  # a bare record keeps its row
    )  # fmt: skip
    frame = record_frame([_extraction(*records)])
    assert list(frame.columns) == list(RECORD_SCHEMA)
    assert len(frame) == 4  # one row per mention, one for the bare record
    assert str(frame["quote_start"].dtype) == "Int64" and str(frame["reported"].dtype) == "boolean"
    (back,) = extractions_from_frame(frame)
    assert back == _extraction(*records)


def test_extractions_come_back_in_build_order_whatever_the_row_order() -> None:
    first = _extraction(_record("甲", Layer.PARK, _mention(Stage.PROPOSED, (), 1)), position=7)
    second = StoredExtraction("k0", "cd" * 32, REVIEWED, "u1",
                              (_record("乙", Layer.PARK, _mention(Stage.PROPOSED, (), 2)),),
                              (None,), 2)  # fmt: skip
    frame = record_frame([first, second]).iloc[::-1]
    back = extractions_from_frame(frame)
    assert [e.position for e in back] == [2, 7]
    assert back[0].reviewed and not back[1].reviewed


def test_a_record_id_is_stable_for_the_record_not_its_place_in_the_list() -> None:
    a = _record("土溪口水库", Layer.RESERVOIR, _mention(Stage.PREPARATORY, (2023,), 60))
    b = _record("开江至梁平高速", Layer.HIGHWAY, _mention(Stage.COMPLETED, (2025,), 12))
    rows_ab = record_frame([_extraction(a, b)])
    rows_ba = record_frame([_extraction(b, a)])
    ids = dict(zip(rows_ab["name"], rows_ab["record_id"], strict=True))
    assert ids == dict(zip(rows_ba["name"], rows_ba["record_id"], strict=True))
    assert len(set(ids.values())) == 2
    assert record_id("ab" * 32, a) != record_id("cd" * 32, a)  # other bytes, other record


def test_the_key_changes_with_anything_extraction_or_resolution_depends_on() -> None:
    base = dict(sha256="ab" * 32, file="a.docx", year=2025, adcode="511722", version="v1")
    key = extraction_key(**base)
    for change in ({"sha256": "cd" * 32}, {"file": "a.pdf"}, {"year": 2024},
                   {"adcode": "511721"}, {"version": "v2"}):  # fmt: skip
        assert extraction_key(**(base | change)) != key, change
    assert extraction_key(**(base | {"file": "b.DOCX"})) == key  # only the kind of file counts


def test_the_extractor_version_names_the_extraction_code() -> None:
    import layers.extractions as module

    version = extractor_version()
    assert len(version) == 16
    found = module._imported_layers_modules("layers.extract", "layers.admin")
    assert {"layers.extract", "layers.mentions", "layers.reader", "layers.admin"} <= found
    assert "layers.geocode" not in found and "layers.store" not in found


@pytest.mark.parametrize("position", [0, 5])
def test_forgetting_projects_keeps_the_records(position: int) -> None:
    extraction = _extraction(
        _record("甲", Layer.PARK, _mention(Stage.PROPOSED, (), 1)),
        _record("乙", Layer.PARK, _mention(Stage.PROPOSED, (), 2)),
        position=position,
    )
    bare = without_projects(extraction)
    assert bare.records == extraction.records and bare.position == position
    assert bare.project_ids == (None, None)
