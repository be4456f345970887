"""The fixed command line: JSON lines on stdout; unreadable input is exit 2, one line."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

from layers import REPO_ROOT

SCRIPT = REPO_ROOT / "scripts" / "extract_projects.py"


def _run(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, str(SCRIPT), *args], capture_output=True, text=True)


def test_corpus_document_gives_annotation_records() -> None:
    result = _run(
        "--doc-id",
        "003",
        str(REPO_ROOT / "geodata/sources/003_liangping_2021_work_report_tasks.txt"),
    )
    assert result.returncode == 0, result.stderr
    records = [json.loads(line) for line in result.stdout.splitlines()]
    assert len(records) > 20
    keys = {"doc", "name", "aliases", "category", "status", "reported", "target_year",
            "timeline", "counties", "endpoints", "quote"}  # fmt: skip
    assert all(keys <= set(r) and r["doc"] == "003" for r in records)
    assert any(r["name"].startswith("梁平至开江高速") for r in records)


def test_gbk_input_reads_like_utf8(tmp_path) -> None:
    text = "2021年,加快推进龙象寺水库建设。力争开建银河桥水库。"
    gbk = tmp_path / "report.txt"
    gbk.write_bytes(text.encode("gbk"))
    result = _run("--doc-id", "x", "--year", "2021", str(gbk))
    assert result.returncode == 0, result.stderr
    names = {json.loads(line)["name"] for line in result.stdout.splitlines()}
    assert {"龙象寺水库", "银河桥水库"} <= names


@pytest.mark.parametrize(
    ("name", "data"),
    [("empty.txt", b""), ("junk.txt", bytes(range(256)) * 40), ("fake.docx", b"PK\x03\x04garbage")],
)
def test_unreadable_input_is_one_line_and_exit_2(tmp_path, name, data) -> None:
    path = tmp_path / name
    path.write_bytes(data)
    result = _run("--doc-id", "x", str(path))
    assert result.returncode == 2
    assert result.stdout == ""
    assert len(result.stderr.strip().splitlines()) == 1
    assert "Traceback" not in result.stderr
