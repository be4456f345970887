"""Quotes that can be cited: the name and its stage word, whole words, exact spans.

Every mention's ``quote`` is the shortest span holding the name as written (a
listed item reaching its shared head) and the stage word that gave its stage; its
``sentence`` is the whole sentence with the year that dates it. Both are exact
spans of the document as the user has it, before normalisation. The sentences
below are made up for these tests.
"""

from __future__ import annotations

import re

import pytest

from layers.corpus import iter_documents
from layers.extract import STAGE_WORD_RE, quote_holds_name, records_from_bytes, records_from_text
from layers.model import Record, Stage
from layers.quotes import MAX_SENTENCE
from layers.reader import normalise, read_document

P, R, U, C = Stage.PROPOSED, Stage.PREPARATORY, Stage.UNDER_CONSTRUCTION, Stage.COMPLETED


def _records(text: str, *, year: int = 2025) -> dict[str, Record]:
    return {r.name: r for r in records_from_text(text, doc_id="t", doc_year=year)}


holds_name = quote_holds_name


QUOTED = [
    # (text, name, stage, quote)
    ("青石至白沙、红岩经绿水至金桥高速公路建成通车。", "青石至白沙高速公路", C,
     "青石至白沙、红岩经绿水至金桥高速公路建成通车"),
    ("青石至白沙、红岩经绿水至金桥高速公路建成通车。", "红岩经绿水至金桥高速公路", C,
     "红岩经绿水至金桥高速公路建成通车"),
    ("加快建设松林至龙池高速公路。", "松林至龙池高速公路", U, "加快建设松林至龙池高速公路"),
    ("2026年,青石、白沙两座中型水库力争开工。", "青石水库", R, "青石、白沙两座中型水库力争开工"),
    ("2026年,青石、白沙两座中型水库力争开工。", "白沙水库", R, "白沙两座中型水库力争开工"),
    ("金桥机场建成通航。", "金桥机场", C, "金桥机场建成通航"),  # not 建成 alone
    ("建成投用红岩数字产业园。", "红岩数字产业园", C, "建成投用红岩数字产业园"),  # not 投用 alone
    ("龙池水库初步设计取得批复。", "龙池水库", R, "龙池水库初步设计"),
    ("规划研究松林至金桥铁路。", "松林至金桥铁路", P, "规划研究松林至金桥铁路"),
    ("力争启动白沙至红岩铁路建设。", "白沙至红岩铁路", R, "力争启动白沙至红岩铁路建设"),
    ("白鹭湖公园开工建设,年底前完成征地。", "白鹭湖公园", U, "白鹭湖公园开工建设"),
    ("依托绿水食品工业园,发展农产品加工。", "绿水食品工业园", C, "依托绿水食品工业园"),
    ("以青石大道、白沙高速为发展轴,带动沿线乡镇。", "白沙高速", C, "以青石大道、白沙高速为发展轴"),
]  # fmt: skip


@pytest.mark.parametrize(("text", "name", "stage", "quote"), QUOTED)
def test_a_quote_holds_the_name_and_the_whole_stage_word(text, name, stage, quote) -> None:
    record = _records(text)[name]
    (mention,) = record.mentions
    assert (mention.stage, mention.quote.text) == (stage, quote)
    assert holds_name(mention.quote.text, [record.name, *record.aliases])
    assert STAGE_WORD_RE.search(mention.quote.text)
    assert text[mention.quote.start : mention.quote.end] == mention.quote.text
    assert mention.sentence.start <= mention.quote.start <= mention.quote.end
    assert mention.quote.end <= mention.sentence.end


def test_a_landmark_speaks_only_for_a_project_the_text_says_nothing_else_of() -> None:
    """依托X makes X an existing facility, unless the document states X's own stage."""
    alone = _records("依托绿水食品工业园,发展农产品加工。")["绿水食品工业园"]
    ((landmark),) = alone.mentions
    assert (landmark.stage, landmark.reported) == (C, True)
    text = "依托绿水食品工业园,发展农产品加工。2026年,绿水食品工业园扩建工程开工。"
    (planned,) = _records(text)["绿水食品工业园"].mentions
    assert (planned.stage, planned.reported, planned.years) == (U, False, (2026,))


def test_without_a_stage_word_the_quote_holds_the_nearest_verb() -> None:
    """The stage is the default; the quote still shows what the text says of the name."""
    (mention,) = _records("全力支持金桥经开区发挥引领作用。")["金桥经开区"].mentions
    assert (mention.stage, mention.quote.text) == (U, "支持金桥经开区")
    assert STAGE_WORD_RE.search(mention.quote.text) is None


def test_stage_words_are_words_not_any_character() -> None:
    assert STAGE_WORD_RE.search("以青石高速为发展轴") and STAGE_WORD_RE.search("依托白沙园区")
    for plain in ("可以看到", "以及其他", "人民群众", "发展农产品加工"):
        assert STAGE_WORD_RE.search(plain) is None, plain


def test_the_sentence_opens_with_its_year_and_drops_the_full_stop() -> None:
    text = "2025年,青石经白沙至红岩、绿水绕城高速公路西段建成通车。下一句。"
    record = _records(text)["绿水绕城高速公路西段"]
    (mention,) = record.mentions
    assert mention.sentence.text == "2025年,青石经白沙至红岩、绿水绕城高速公路西段建成通车"
    assert mention.years == (2025,)
    assert mention.quote.text == "绿水绕城高速公路西段建成通车"


def test_a_task_row_sentence_reaches_back_to_the_row_year() -> None:
    text = "有关进度要求:2024年,青石水库开工。加快白沙水库建设。\n今年要抓好三件事。红岩水库建成。"
    records = _records(text, year=2024)
    (first,) = records["青石水库"].mentions
    (second,) = records["白沙水库"].mentions
    (third,) = records["红岩水库"].mentions
    assert first.sentence.text == "2024年,青石水库开工"  # the label before the year is left out
    assert second.sentence.text == "2024年,青石水库开工。加快白沙水库建设"
    assert second.years == (2024,)
    assert third.sentence.text == "红岩水库建成"  # 今年… opens a sentence, it is no row label


def test_a_long_task_row_keeps_the_sentence_alone() -> None:
    filler = "完成一项工作," * (MAX_SENTENCE // 7)
    text = f"2024年,{filler}青石水库开工。加快白沙水库建设。"
    (mention,) = _records(text, year=2024)["白沙水库"].mentions
    assert mention.sentence.text == "加快白沙水库建设" and mention.years == (2024,)


def test_spans_are_exact_in_the_original_after_normalisation() -> None:
    """Traditional characters, full-width digits and spaces inside Chinese all change
    when normalised; the quotes and sentences still come from the original."""
    original = (
        "２０２６年，青石至白沙、紅岩經綠水至金橋高速公路 建成通車。龍池水庫 力爭開工。\n"
        "加快建設 松林至龍池高速公路。"
    )
    data = original.encode("utf-8")
    records = {r.name: r for r in records_from_bytes(data, name="t.txt", doc_id="t", doc_year=2026)}
    assert normalise(original).text != original
    assert {
        "青石至白沙高速公路",
        "红岩经绿水至金桥高速公路",
        "龙池水库",
        "松林至龙池高速公路",
    } <= set(records)
    for record in records.values():
        for mention in record.mentions:
            for span in (mention.quote, mention.sentence):
                assert original[span.start : span.end] == span.text
    (listed,) = records["青石至白沙高速公路"].mentions
    assert listed.quote.text == "青石至白沙、紅岩經綠水至金橋高速公路 建成通車"
    assert listed.sentence.text == "２０２６年，青石至白沙、紅岩經綠水至金橋高速公路 建成通車"
    (reservoir,) = records["龙池水库"].mentions
    assert (reservoir.stage, reservoir.quote.text) == (R, "龍池水庫 力爭開工")
    assert reservoir.sentence.text.startswith("２０２６年，") and reservoir.years == (2026,)
    (road,) = records["松林至龙池高速公路"].mentions
    assert road.quote.text == "加快建設 松林至龍池高速公路"


def _corpus() -> list[tuple[str, str, list[Record]]]:
    out = []
    for doc in iter_documents():
        original = read_document(doc.data, name=doc.entry.file).text
        records = records_from_bytes(
            doc.data, name=doc.entry.file, doc_id=doc.doc_id, doc_year=doc.entry.year
        )
        out.append((doc.doc_id, original, records))
    return out


def test_corpus_quotes_are_exact_whole_and_mostly_cite_a_stage_word() -> None:
    documents = _corpus()
    assert len(documents) == 5
    mentions = cited = 0
    for _doc_id, original, records in documents:
        normalised = normalise(original).text
        for record in records:
            for mention in record.mentions:
                mentions += 1
                quote, sentence = mention.quote, mention.sentence
                assert original[quote.start : quote.end] == quote.text
                assert original[sentence.start : sentence.end] == sentence.text
                assert sentence.start <= quote.start <= quote.end <= sentence.end
                assert not re.search(r"^[，,。；;、\s]|[，,。；;、\s]$", quote.text)
                assert not sentence.text.endswith("。")
                text = normalise(quote.text).text
                cited += holds_name(text, [record.name, *record.aliases]) and bool(
                    STAGE_WORD_RE.search(text)
                )
        assert normalised  # every document has text
    # 2026-11-30: 302 mentions, 263 cite name and stage word; the rest have no stage
    # word at all (达州高新区实现…: the default stage) or lend a bare name a head
    # (高桥、兰草等项目).
    assert mentions > 250
    assert cited / mentions >= 0.85
