"""The tables the store holds, built from the corpus: nothing dropped, fixed columns."""

from __future__ import annotations

import json
import re

from layers.assemble import mention_frame
from layers.corpus import iter_documents
from layers.extract import records_from_bytes
from layers.geocode import PRECISIONS
from layers.resolve import resolve_projects
from layers.schema import PROJECT_COLUMNS

FIXED = {"project_id", "name", "category", "status", "target_year", "counties", "precision",
         "geocode_method", "doc_ids", "quote"}  # fmt: skip


def test_every_record_of_every_document_reaches_a_project(corpus_tables, place_index) -> None:
    projects = corpus_tables.projects
    assert FIXED <= set(projects.columns) and list(projects.columns)[
        : len(PROJECT_COLUMNS)
    ] == list(PROJECT_COLUMNS)
    assert projects.crs.to_epsg() == 4326
    assert projects["project_id"].is_unique
    # Every extracted record's name is a project's name or alias: nothing was dropped.
    spellings = set(projects["name"]) | {
        a for aliases in projects["aliases"] for a in aliases.split("|") if a
    }
    for document in iter_documents():
        records = records_from_bytes(
            document.data, name=document.entry.file, doc_id=document.doc_id,
            doc_year=document.entry.year, places=place_index,
            region=document.entry.adcode[:2] + "0000",
        )  # fmt: skip
        assert {r.name for r in records} <= spellings, document.doc_id
    assert corpus_tables.documents["records"].sum() >= len(projects)


def test_every_project_has_a_precision_and_a_geometry_unless_unlocated(corpus_tables) -> None:
    projects = corpus_tables.projects
    assert set(projects["precision"]) <= set(PRECISIONS)
    located = projects["precision"] != "unlocated"
    assert projects.geometry[located].notna().all()
    assert projects.geometry[~located].isna().all()
    routes = projects[projects["precision"] == "route"]
    assert len(routes) >= 20
    assert (routes.geometry.geom_type == "LineString").all()
    assert (routes["length_km"] > 0).all()
    assert projects["geocode_method"].str.len().gt(10).all()


def test_cross_document_projects_keep_every_document(corpus_tables) -> None:
    projects = corpus_tables.projects.set_index("name")
    assert projects.loc["达万铁路扩能改造", "doc_ids"] == "000|003"
    assert projects.loc["镇巴经达州至广安高速公路", "doc_ids"] == "000|001|004"


def test_mentions_point_into_their_documents(corpus_tables) -> None:
    mentions = corpus_tables.mentions
    assert set(mentions["project_id"]) == set(corpus_tables.projects["project_id"])
    texts = {}
    for document in iter_documents():
        texts[document.doc_id] = document.data.decode("utf-8-sig")
    for row in mentions.itertuples():
        assert texts[row.doc_id][row.char_start : row.char_end] == row.quote


def test_mention_rows_come_from_project_mentions(geocoder) -> None:
    from datetime import date

    from layers.codec import record_from_json
    from layers.model import Document

    record = {"name": "土溪口水库", "category": "reservoir", "aliases": [], "status": "completed",
              "reported": False, "target_year": 2023,
              "timeline": [{"year": 2023, "status": "completed"}],
              "counties": [], "endpoints": [], "quote": "土溪口水库建成",
              "mentions": [{"quote": "土溪口水库建成", "start": 5, "end": 12, "status": "completed",
                            "years": [2023], "reported": False, "sentence": "今年土溪口水库建成",
                            "sentence_start": 3, "sentence_end": 12}]}  # fmt: skip
    doc = Document("x", "511700", date(2021, 1, 1))
    frame = mention_frame(resolve_projects([(doc, [record_from_json(record)])], geocoder=geocoder))
    assert json.loads(frame.to_json(orient="records"))[0] | {"project_id": ""} == {
        "project_id": "", "doc_id": "x", "status": "completed", "year": 2023, "years": "2023",
        "reported": False, "quote": "土溪口水库建成", "char_start": 5, "char_end": 12,
        "sentence": "今年土溪口水库建成", "sentence_start": 3, "sentence_end": 12,
    }  # fmt: skip


def test_no_project_known_only_from_plans_is_ever_completed(corpus_tables) -> None:
    from layers.selection import progress_frame

    projects = corpus_tables.projects
    planned_only = projects[~projects["statements"].str.contains(r"(?:^|\|)R ", regex=True)]
    assert len(planned_only) > 50  # most of the corpus is promises
    for year in range(2019, 2032):
        progress = progress_frame(planned_only, year)
        assert progress["known_stage"].isna().all(), year
    everything = progress_frame(projects, 2024)
    reported = everything["known_stage"].notna()
    assert reported.any() and not reported.all()


def test_every_quote_holds_its_name_and_a_stage_word(corpus_tables) -> None:
    """A quote can be cited: it holds the name and the words that gave its stage.

    Those are a stage word (建成通车, 开工, 前期工作…) or, for the few mentions whose
    clause has none, the verb that governs the name (推动X, X形成…), whose stage
    is the extractor's default.
    """
    from layers.extract import GOVERNING_VERB_RE, STAGE_WORD_RE

    projects = corpus_tables.projects.set_index("project_id")
    texts = {d.doc_id: d.data.decode("utf-8-sig") for d in iter_documents()}
    missing = []
    five = {"highway", "railway", "reservoir", "park", "industrial_zone"}
    for row in corpus_tables.mentions.itertuples():
        text = texts[row.doc_id]
        assert text[row.sentence_start : row.sentence_end] == row.sentence
        assert row.sentence_start <= row.char_start and row.char_end <= row.sentence_end
        project = projects.loc[row.project_id]
        names = [project["name"], *str(project["aliases"] or "").split("|")]
        spelled = [n for n in names if n] + [n.replace("高速公路", "高速") for n in names if n]
        worded = STAGE_WORD_RE.search(row.quote) or GOVERNING_VERB_RE.search(row.quote)
        if project["category"] not in five:  # airports, stations, scenic areas: not scored
            continue
        if not worded or not any(_name_in(n, row.quote) for n in spelled):
            missing.append(row.quote)
    assert missing == [], f"{len(missing)} of {len(corpus_tables.mentions)} quotes: {missing[:10]}"


def _plain(text: str) -> str:
    """Without spaces and bracketed glosses: 大(足)内(江)高速 -> 大内高速."""
    return re.sub(r"[(（][^)）]{1,4}[)）]|\s", "", text)


def _name_in(name: str, quote: str) -> bool:
    """The name is in the quote, as written or as a list item sharing its head ("甲、乙高速")."""
    from layers.extract import name_key, quote_holds_name

    name, quote = _plain(name), _plain(quote)
    if quote_holds_name(quote, [name]):
        return True
    key = name_key(name)
    # A list item keeps its own opening and shares the list's head (三江、…道地药材产业园),
    # or borrows it from an earlier clause (高桥、兰草等项目前期工作: 水库 was named before).
    return len(key) >= 2 and key[:2] in quote
