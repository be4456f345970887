"""Catalog loading: every document has a valid row, and faults are all reported."""

from __future__ import annotations

import datetime as dt
import hashlib
import shutil
from pathlib import Path

import pytest

from layers import REPO_ROOT
from layers.corpus import (
    SOURCES_DIR,
    entries_from_rows,
    iter_documents,
    load_document,
    parse_issued,
    read_catalog,
)
from layers.errors import CatalogError

SHARED_CORPUS = REPO_ROOT.parent / "shared" / "corpus"


def test_catalog_lists_the_five_corpus_documents() -> None:
    entries = read_catalog()
    assert [e.doc_id for e in entries] == ["000", "001", "002", "003", "004"]
    dazhou = entries[0]
    assert dazhou.jurisdiction == "达州市"
    assert dazhou.adcode == "511700"
    assert dazhou.issued_date == dt.date(2021, 12, 6)
    assert entries[1].issued == "2021-03" and entries[1].year == 2021


def test_documents_come_with_their_row_and_exact_bytes() -> None:
    docs = list(iter_documents())
    assert len(docs) == 5
    for doc in docs:
        assert doc.data == (SOURCES_DIR / doc.entry.file).read_bytes()
        assert len(doc.data) > 10_000
    assert load_document("002").entry.jurisdiction == "大足区"


def test_sources_are_byte_identical_to_the_users_originals() -> None:
    """Documents are kept unchanged, junk lines and all (SHA256SUMS was taken from shared/)."""
    manifest = {}
    for line in (SOURCES_DIR / "SHA256SUMS").read_text(encoding="utf-8").splitlines():
        digest, name = line.split(maxsplit=1)
        manifest[name] = digest
    assert len(manifest) == 6
    for name, digest in manifest.items():
        assert hashlib.sha256((SOURCES_DIR / name).read_bytes()).hexdigest() == digest, name
        shared = SHARED_CORPUS / name
        if shared.is_file():  # beside a checkout that has shared/, compare directly too
            assert shared.read_bytes() == (SOURCES_DIR / name).read_bytes(), name


def test_catalog_jurisdictions_resolve_to_their_adcodes(place_index) -> None:
    for entry in read_catalog():
        match = place_index.resolve(entry.jurisdiction)
        assert match.unit.adcode == entry.adcode, entry.jurisdiction


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2021", dt.date(2021, 1, 1)),
        ("2021-03", dt.date(2021, 3, 1)),
        ("2024-02-04", dt.date(2024, 2, 4)),
    ],
)
def test_issued_dates_keep_their_precision(text: str, expected: dt.date) -> None:
    assert parse_issued(text) == expected


@pytest.mark.parametrize("text", ["2021-13", "2021-02-30", "21-03", "March 2021", ""])
def test_impossible_issued_dates_are_rejected(text: str) -> None:
    with pytest.raises(ValueError, match=r"issued date|month|day"):
        parse_issued(text)


def _row(**overrides: str) -> dict[str, str]:
    row = {
        "id": "900",
        "file": "900_x.txt",
        "title": "某县政府工作报告",
        "jurisdiction": "宣汉县",
        "adcode": "511722",
        "issued": "2023-01-15",
        "kind": "work_report",
    }
    row.update(overrides)
    return row


def test_every_row_problem_is_reported_at_once() -> None:
    rows = [
        _row(),
        _row(id="900", file="901.txt"),  # duplicate id
        _row(id="902", file="../etc/passwd.txt", adcode="5117", issued="2023-02-30", kind="memo"),
        _row(id="903", file="903.txt", title=""),
    ]
    with pytest.raises(CatalogError) as caught:
        entries_from_rows(rows)
    problems = "\n".join(caught.value.problems)
    assert "line 3: id '900' already used on line 2" in problems
    assert "line 4: adcode '5117' is not six digits" in problems
    assert "line 4: issued date" in problems or "day is out of range" in problems
    assert "kind 'memo'" in problems
    assert "bare .txt, .docx or .pdf name" in problems
    assert "line 5: column 'title' is empty" in problems
    assert len(caught.value.problems) == 6


def _copy_sources(tmp_path: Path) -> Path:
    target = tmp_path / "sources"
    shutil.copytree(SOURCES_DIR, target)
    return target


def test_document_without_catalog_row_is_an_error(tmp_path: Path) -> None:
    sources = _copy_sources(tmp_path)
    (sources / "005_new_report.txt").write_text("2025年政府工作报告", encoding="utf-8")
    with pytest.raises(CatalogError, match="no catalog row") as caught:
        read_catalog(sources)
    assert "005_new_report.txt" in str(caught.value)


def test_catalogued_file_that_is_missing_is_an_error(tmp_path: Path) -> None:
    sources = _copy_sources(tmp_path)
    (sources / "002_dazu_2024_work_report.txt").unlink()
    with pytest.raises(CatalogError, match=r"002_dazu_2024_work_report\.txt' is not in"):
        read_catalog(sources)


def test_catalog_without_required_column_is_an_error(tmp_path: Path) -> None:
    sources = _copy_sources(tmp_path)
    catalog = sources / "catalog.csv"
    lines = catalog.read_text(encoding="utf-8").splitlines()
    header = lines[0].replace(",adcode", "")
    body = [",".join(line.split(",")[:4] + line.split(",")[5:]) for line in lines[1:]]
    catalog.write_text("\n".join([header, *body]), encoding="utf-8")
    with pytest.raises(CatalogError, match="lacks required columns"):
        read_catalog(sources)


def test_missing_catalog_is_an_error(tmp_path: Path) -> None:
    with pytest.raises(CatalogError, match="No document catalog"):
        read_catalog(tmp_path)


def test_unknown_document_id_is_an_error() -> None:
    with pytest.raises(CatalogError, match="No catalog row for document '999'"):
        load_document("999")
