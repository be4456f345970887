"""The fixed command line: JSON lines on stdout; unreadable input is exit 2, one line."""

from __future__ import annotations

import importlib.util
import io
import json
import subprocess
import sys
import zipfile
from types import ModuleType

import docx
import pytest

from layers import REPO_ROOT
from layers.corpus import iter_documents
from layers.reader import read_document

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
    mention_keys = {"quote", "start", "end", "status", "years", "reported", "sentence",
                    "sentence_start", "sentence_end"}  # fmt: skip
    assert all(set(m) == mention_keys for r in records for m in r["mentions"])
    assert all(isinstance(m["reported"], bool) for r in records for m in r["mentions"])


def test_gbk_input_reads_like_utf8(tmp_path) -> None:
    text = "2021年,加快推进龙象寺水库建设。力争开建银河桥水库。"
    gbk = tmp_path / "report.txt"
    gbk.write_bytes(text.encode("gbk"))
    result = _run("--doc-id", "x", "--year", "2021", str(gbk))
    assert result.returncode == 0, result.stderr
    names = {json.loads(line)["name"] for line in result.stdout.splitlines()}
    assert {"龙象寺水库", "银河桥水库"} <= names


def test_docx_input_with_a_task_table(tmp_path) -> None:
    document = docx.Document()
    document.add_paragraph("2021年重点项目")
    table = document.add_table(rows=2, cols=2)
    table.cell(0, 0).text = "项目"
    table.cell(0, 1).text = "进度要求"
    table.cell(1, 0).text = "银河桥水库"
    table.cell(1, 1).text = "力争开工"
    document.add_paragraph("加快推进梁平至开江高速建设。")
    path = tmp_path / "plan.docx"
    document.save(path)
    result = _run("--doc-id", "x", "--year", "2021", str(path))
    assert result.returncode == 0, result.stderr
    records = {r["name"]: r for r in map(json.loads, result.stdout.splitlines())}
    assert records["银河桥水库"]["status"] == "preparatory"
    assert records["梁平至开江高速"]["status"] == "under_construction"


def test_pdf_input_with_a_text_layer(tmp_path, make_pdf) -> None:
    path = tmp_path / "plan.pdf"
    path.write_bytes(make_pdf("2022年,土溪口水库建成。力争开建银河桥水库。"))
    result = _run("--doc-id", "x", str(path))
    assert result.returncode == 0, result.stderr
    records = {r["name"]: r for r in map(json.loads, result.stdout.splitlines())}
    assert records["土溪口水库"]["status"] == "completed"
    assert records["土溪口水库"]["target_year"] == 2022
    assert records["银河桥水库"]["status"] == "preparatory"


def test_every_quote_is_an_exact_substring_of_the_original() -> None:
    """Offsets point into the file's own text, not the normalised copy."""
    doc = next(d for d in iter_documents() if d.doc_id == "001")  # spaces beside Chinese
    original = read_document(doc.data, name=doc.entry.file).text
    result = _run("--doc-id", doc.doc_id, str(doc.path))
    assert result.returncode == 0, result.stderr
    records = [json.loads(line) for line in result.stdout.splitlines()]
    mentions = [m for r in records for m in r["mentions"]]
    assert len(mentions) > 50
    for record in records:
        assert record["quote"] in original
    for mention in mentions:
        assert original[mention["start"] : mention["end"]] == mention["quote"]
        sentence = original[mention["sentence_start"] : mention["sentence_end"]]
        assert sentence == mention["sentence"]
        assert mention["sentence_start"] <= mention["start"] <= mention["end"]
        assert mention["end"] <= mention["sentence_end"]
    assert any(" " in m["quote"] for m in mentions)  # spaces kept as written


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


def _one_error_line(stderr: str) -> str:
    lines = stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: "), stderr
    assert "Traceback" not in stderr
    return lines[0]


def test_a_zip_bomb_is_refused_in_one_line_in_both_languages(tmp_path) -> None:
    """A 2 MB Word file whose document.xml inflates to 300 MB (the reported bomb, smaller)."""
    document = docx.Document()
    document.add_paragraph("2021年重点项目")
    plain = io.BytesIO()
    document.save(plain)
    source = zipfile.ZipFile(plain)
    path = tmp_path / "bomb.docx"
    block = "<w:p><w:r><w:t>水</w:t></w:r></w:p>".encode() * 30_000  # 1 MB
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED, compresslevel=1) as archive:
        for info in source.infolist():
            if info.filename != "word/document.xml":
                archive.writestr(info, source.read(info))
                continue
            with archive.open(info.filename, "w", force_zip64=True) as part:
                for _ in range(300):
                    part.write(block)
    assert path.stat().st_size < 3 * 1024 * 1024
    result = _run("--doc-id", "x", str(path))
    assert result.returncode == 2 and result.stdout == ""
    line = _one_error_line(result.stderr)
    assert line.startswith(f"error: {path}: bomb.docx: Word 文件声明解压后共 ")
    assert "超过了读取上限（200 MB）" in line and "over the reading limit (200 MB)" in line


def _script() -> ModuleType:
    spec = importlib.util.spec_from_file_location("extract_projects_cli", SCRIPT)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_running_out_of_memory_is_one_line_and_exit_2(tmp_path, monkeypatch, capsys) -> None:
    """A MemoryError anywhere in reading or extracting is reported, not a traceback."""
    path = tmp_path / "plan.txt"
    path.write_text("2021年,加快推进龙象寺水库建设。", encoding="utf-8")
    script = _script()

    def exhausted(text: str) -> None:
        raise MemoryError

    monkeypatch.setattr(script, "normalise", exhausted)
    assert script.main(["--doc-id", "x", str(path)]) == 2
    captured = capsys.readouterr()
    assert captured.out == ""
    line = _one_error_line(captured.err)
    assert "内存不足" in line and "not enough memory" in line


def test_explain_prints_every_candidate_with_its_reason_on_a_corpus_document() -> None:
    doc = next(d for d in iter_documents() if d.doc_id == "004")
    plain = _run("--doc-id", doc.doc_id, str(doc.path))
    result = _run("--doc-id", doc.doc_id, "--explain", str(doc.path))
    assert result.returncode == 0, result.stderr
    assert result.stdout == plain.stdout  # the JSON lines do not change
    rows = [line.split("\t") for line in result.stderr.splitlines() if "\t" in line]
    assert rows[0] == ["offset", "decision", "layer", "candidate", "reason"]
    body = rows[1:]
    assert all(len(row) == 5 and row[0].isdigit() for row in body)
    assert {"kept", "dropped"} <= {row[1] for row in body}
    assert all(row[4] for row in body)  # every decision has a reason
    kept = {row[3] for row in body if row[1] == "kept"}
    names = {json.loads(line)["name"] for line in result.stdout.splitlines()}
    assert any(name in kept for name in names)
    original = read_document(doc.data, name=doc.entry.file).text
    for row in body[:20]:
        written = original[int(row[0]) :]
        assert " ".join(written.split()).startswith(row[3].rstrip("…")[:6]) or row[1] == "dropped"
    assert result.stderr.strip().splitlines()[-1].startswith("# ")


def test_a_closed_output_pipe_ends_quietly() -> None:
    """``extract_projects.py … | head -1``: no traceback, no error status."""
    doc = next(d for d in iter_documents() if d.doc_id == "000")
    shell = f"{sys.executable} {SCRIPT} --doc-id 000 {doc.path} | head -1; exit ${{PIPESTATUS[0]}}"
    result = subprocess.run(["bash", "-c", shell], capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
    assert len(result.stdout.splitlines()) == 1
    assert json.loads(result.stdout)["doc"] == "000"
    assert "Traceback" not in result.stderr and "BrokenPipe" not in result.stderr
