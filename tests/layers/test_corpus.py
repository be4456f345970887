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
    # The build's own check (adcode against the named place, no future dates) passes too.
    assert len(read_catalog(places=place_index)) == 5


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
    assert "line 3: id '900' is already used on line 2" in problems
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


# --------------------------------------------------------------------------- one fault, one line

HEADER = "id,file,title,jurisdiction,adcode,issued,kind"
GOOD = "900,900_x.txt,宣汉县2023年政府工作报告,宣汉县,511722,2023-01-15,work_report"
TODAY = dt.date(2025, 6, 1)


def _catalog(tmp_path: Path, *lines: str) -> Path:
    """A sources folder holding ``catalog.csv`` (HEADER + lines) and two small documents."""
    folder = tmp_path / "sources"
    folder.mkdir()
    (folder / "catalog.csv").write_text("\n".join([HEADER, *lines]) + "\n", encoding="utf-8")
    for name in ("900_x.txt", "901_y.txt"):
        (folder / name).write_text("2023年政府工作报告", encoding="utf-8")
    return folder


def _only_problem(folder: Path, place_index) -> str:
    with pytest.raises(CatalogError) as caught:
        read_catalog(folder, today=TODAY, places=place_index)
    assert len(caught.value.problems) == 1, caught.value.problems
    return caught.value.problems[0]


@pytest.mark.parametrize(
    ("line", "expected"),
    [
        pytest.param(
            "901,901_y.txt,宣汉县报告,宣汉县,511722,2023-02-01,work_report,extra",
            "catalog.csv line 3 has 1 field(s) more than the header ('extra'); a value that "
            "contains a comma must be put in double quotes.",
            id="trailing-column",
        ),
        pytest.param(
            "901,901_y.txt,宣汉县报告,草案,宣汉县,511722,2023-02-01,work_report",
            "catalog.csv line 3 has 1 field(s) more than the header ('work_report')",
            id="unquoted-comma",
        ),
        pytest.param(
            "901,901_y.txt,宣汉县报告,宣汉县,511700,2023-02-01,work_report",
            "catalog.csv line 3: adcode 511700 is 达州市, not 宣汉县; the adcode of 宣汉县 "
            "is 511722.",
            id="adcode-of-another-place",
        ),
        pytest.param(
            "901,901_y.txt,宣汉县报告,宣汉县,511722,2025-06-02,work_report",
            "catalog.csv line 3: issued date '2025-06-02' is in the future (today is 2025-06-01).",
            id="future-day",
        ),
        pytest.param(
            "901,901_y.txt,宣汉县报告,宣汉县,511722,2026,work_report",
            "catalog.csv line 3: issued date '2026' is in the future",
            id="future-year",
        ),
        pytest.param(
            "901,901_y.txt,宣汉县报告,宣汉县,511722,２０２１-０３-１２,work_report",
            "catalog.csv line 3: issued date '２０２１-０３-１２' is written with full-width",
            id="full-width-date",
        ),
        pytest.param(
            "901,901_y.txt,宣汉县报告,宣汉县,５１１７２２,2021-03-12,work_report",
            "catalog.csv line 3: adcode '５１１７２２' is written with full-width digits",
            id="full-width-adcode",
        ),
        pytest.param(
            "901,901_y.txt,宣汉县报告,宣汉县,511722,2023-02-30,work_report",
            "catalog.csv line 3: issued date '2023-02-30' is not a real date",
            id="impossible-date",  # and not also "in the future" or anything else
        ),
        pytest.param(
            "901,901_y.txt,,,,,",
            "catalog.csv line 3: columns 'title', 'jurisdiction', 'adcode', 'issued' and 'kind' "
            "are empty.",
            id="empty-columns",
        ),
        pytest.param(
            "901,901_y.txt,宣汉县报告,宣汉县",
            "catalog.csv line 3 has fewer fields than the header (nothing for 'adcode', 'issued' "
            "and 'kind'); a comma is probably missing.",
            id="short-row",
        ),
    ],
)
def test_each_catalog_fault_is_one_problem_naming_its_line(
    tmp_path: Path, place_index, line: str, expected: str
) -> None:
    problem = _only_problem(_catalog(tmp_path, GOOD, line), place_index)
    assert problem.startswith(expected), problem


def test_an_empty_row_is_one_problem(tmp_path: Path, place_index) -> None:
    folder = _catalog(tmp_path, GOOD, ",,,,,,", "901,901_y.txt,宣汉县报告,宣汉县,511722,2023,plan")
    assert _only_problem(folder, place_index) == (
        "catalog.csv line 3 is empty; delete the line or fill it in."
    )


def test_lines_are_counted_across_blank_lines_and_quoted_line_breaks(
    tmp_path: Path, place_index
) -> None:
    folder = _catalog(
        tmp_path,
        '900,900_x.txt,"宣汉县2023年\n政府工作报告",宣汉县,511722,2023-01-15,work_report',
        "",
        "901,901_y.txt,宣汉县报告,宣汉县,511700,2023-02-01,work_report",
    )
    assert _only_problem(folder, place_index).startswith("catalog.csv line 5: adcode 511700")


def test_short_former_and_qualified_names_match_their_adcode(place_index) -> None:
    rows = [
        _row(id=str(n), file=f"{n}.txt", jurisdiction=name, adcode=adcode)
        for n, (name, adcode) in enumerate(
            [("梁平区", "500155"), ("梁平", "500155"), ("梁平县", "500155"),
             ("重庆市梁平区", "500155"), ("宣汉", "511722"), ("达州市", "511700")]
        )
    ]  # fmt: skip
    assert len(entries_from_rows(rows, today=TODAY, places=place_index)) == 6


def test_a_name_no_unit_bears_is_one_problem(place_index) -> None:
    with pytest.raises(CatalogError) as caught:
        entries_from_rows([_row(jurisdiction="宣汉镇")], today=TODAY, places=place_index)
    assert caught.value.problems == (
        "catalog.csv line 2: jurisdiction '宣汉镇' is not the name of any administrative unit "
        "in the reference geography, and adcode 511722 is 宣汉县.",
    )


def test_an_issue_date_of_today_is_accepted() -> None:
    assert entries_from_rows([_row(issued="2025-06-01")], today=TODAY)[0].issued == "2025-06-01"
    assert entries_from_rows([_row(issued="2025")], today=TODAY)[0].year == 2025


def test_full_width_digits_are_not_a_date() -> None:
    with pytest.raises(ValueError, match="full-width digits"):
        parse_issued("２０２１-０３-１２")
    with pytest.raises(ValueError, match="non-ASCII digits"):
        parse_issued("2021-٠٣")  # Arabic-Indic digits are refused as well


def test_the_catalog_is_read_without_the_reference_geography() -> None:
    """Reading the catalog (the portal does, on every page) loads no place index."""
    import subprocess
    import sys

    code = "import sys; from layers.corpus import read_catalog; read_catalog(); print(*sys.modules)"
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                            cwd=REPO_ROOT, check=True)  # fmt: skip
    loaded = set(result.stdout.split())
    assert not loaded & {"layers.placenames", "layers.admin", "pandas", "geopandas", "cpca"}
