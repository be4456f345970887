"""Exports of a selection in every format a GIS user or a planning office asks for.

``geojson`` one FeatureCollection (RFC 7946, WGS-84), every project with its layer.
``gpkg``    one layer per category plus the mentions and documents behind them.
``csv``     one row per project, geometry as WKT, UTF-8 with a byte-order mark so
            Excel shows Chinese correctly, rows ending in CRLF (RFC 4180).
``xlsx``    sheets for projects, mentions and documents (no geometry: a county
            polygon does not fit in a cell; precision and method say where it is).
``kml``     for Google Earth and 奥维 (Ovi) users: name, status and method per placemark.
``shp``     a zip with one shapefile per layer and geometry type (a shapefile holds
            one type), a ``.cpg`` declaring UTF-8 so ArcGIS and QGIS read Chinese
            names, field names cut to 10 characters with the mapping in a readme,
            and the unlocated projects in a CSV.

CSV and Excel can have Chinese column headers (``headers="zh"``).

Spreadsheets run a cell that starts with ``=``, ``+``, ``-``, ``@``, a tab or a
carriage return as a formula (CSV injection: a document line such as
``=1+1建成龙象寺水库`` or ``@SUM(1)…`` would be evaluated, or worse, call out through
DDE). Every exported text comes from a document or an editor, so text is never a
formula here:

- CSV (and the shapefile zip's ``unlocated.csv``): such a text cell is written with
  a single quote in front (``'=1+1建成龙象寺水库``), as OWASP recommends; a CSV has
  no cell types, so the quote is the only way to say "text" that every spreadsheet
  understands. Strip one leading ``'`` to recover the document's words.
- Excel: every text cell is stored as a string cell (never a formula or an error
  cell) and such a cell also carries Excel's *quote prefix* style, so the sheet
  shows the text exactly as the document has it and an edit keeps it text.

Only text cells change: numbers (a negative number in a numeric column too) stay
numbers. GeoJSON, GeoPackage, KML and shapefile attributes are typed data, not
spreadsheets, and are written unchanged.

Every format with a place for it says where the data come from (:func:`data_sources`),
because the licences of the township, village and station points ask for credit
wherever they are shown: the shapefile zip's readme, the GeoJSON collection's
``description``, each GeoPackage layer's description, the Excel file's
properties and the KML document's ``<description>``. A CSV has no such place.
"""

from __future__ import annotations

import io
import logging
import tempfile
import warnings
import zipfile
from pathlib import Path
from xml.sax.saxutils import escape as xml_escape

import geopandas as gpd
import pandas as pd
import pyogrio
import shapely
from openpyxl.worksheet.worksheet import Worksheet

from layers.admin import boundary_source_label
from layers.errors import StoreError
from layers.localities import ATTRIBUTION
from layers.store import LAYER_NAMES, plain_dtypes

logger = logging.getLogger(__name__)

FORMATS = ("geojson", "gpkg", "csv", "xlsx", "kml", "shp")
SUFFIXES = {"geojson": ".geojson", "gpkg": ".gpkg", "csv": ".csv", "xlsx": ".xlsx",
            "kml": ".kml", "shp": ".zip"}  # fmt: skip
HEADERS_ZH = {
    "project_id": "项目编号", "name": "项目名称", "category": "类别", "status": "状态",
    "target_year": "目标年份", "counties": "所在区县", "precision": "定位精度",
    "geocode_method": "定位方法", "doc_ids": "来源文件", "quote": "原文摘录",
    "length_km": "长度(公里)", "aliases": "别名", "endpoints": "节点",
    "known_stage": "已报告阶段", "planned_stage": "计划阶段", "target_stage": "目标阶段",
    "overdue": "逾期未报完成", "info_date": "最新文件日期", "first_year": "首次提及年份",
    "latest_doc": "最新文件", "located_counties": "定位区县", "statements": "阶段陈述",
    "as_of_year": "截至年份", "wkt": "几何(WKT)", "reported": "已报告(非计划)",
    "sentence": "原文句子", "sentence_start": "句子起始位置", "sentence_end": "句子结束位置",
    "issuer": "发布机关",
    "doc_id": "文件编号", "year": "年份", "years": "年份列表", "char_start": "起始位置",
    "char_end": "结束位置", "title": "标题", "jurisdiction": "行政区", "adcode": "行政区划代码",
    "issued": "发布日期", "kind": "文件类型", "file": "文件名", "sha256": "SHA-256",
    "records": "记录数",
}  # fmt: skip
# Shapefile field names are at most 10 characters.
SHAPEFILE_FIELDS = {
    "project_id": "proj_id", "name": "name", "category": "category", "status": "status",
    "target_year": "target_yr", "counties": "counties", "precision": "precision",
    "geocode_method": "geo_method", "doc_ids": "doc_ids", "quote": "quote",
    "length_km": "length_km", "aliases": "aliases", "endpoints": "endpoints",
    "known_stage": "known_stg", "planned_stage": "plan_stg", "target_stage": "target_stg",
    "overdue": "overdue", "info_date": "info_date", "first_year": "first_yr",
    "latest_doc": "latest_doc", "located_counties": "loc_county", "statements": "statements",
    "as_of_year": "as_of_yr",
}  # fmt: skip
_FAMILIES = {
    "Point": "point", "MultiPoint": "point", "LineString": "line", "MultiLineString": "line",
    "Polygon": "polygon", "MultiPolygon": "polygon",
}  # fmt: skip


# The first characters that make a spreadsheet read a cell as a formula (OWASP, CSV
# injection): ``=``, ``+``, ``-``, ``@``, tab, carriage return.
FORMULA_TRIGGERS = ("=", "+", "-", "@", "\t", "\r")
# CSV rows end in CRLF (RFC 4180). Python 3.11's csv module quotes a field only for
# the characters of the line ending it writes: with a bare "\n", a carriage return
# inside a quote went out unquoted, split the row in Excel and could start a new
# row with a live "=..." cell.
CSV_LINE_END = "\r\n"


def data_sources() -> tuple[str, ...]:
    """Where an export's contents come from, one credit per line (English, as the readme).

    The township, village and station credits (:data:`layers.localities.ATTRIBUTION`)
    are given whatever the selection: those points place ``near`` projects and the
    nodes routes are drawn through, and the licences ask for credit where they are used.
    """
    return (
        "Projects, stages and quotes: the plan documents named in doc_ids.",
        f"Administrative boundaries: {boundary_source_label()}.",
        "Township, village and railway-station points (near placements, route nodes): "
        + "; ".join(ATTRIBUTION) + ".",
    )  # fmt: skip


def _sources_line() -> str:
    return "Sources: " + " ".join(data_sources())


def _headers(frame: pd.DataFrame, headers: str) -> pd.DataFrame:
    return frame.rename(columns=HEADERS_ZH) if headers == "zh" else frame


def _is_formula_like(value: object) -> bool:
    return isinstance(value, str) and value.startswith(FORMULA_TRIGGERS)


def neutralise_text(value: object) -> object:
    """A CSV cell that no spreadsheet will run as a formula.

    Text starting with a formula trigger gets a leading ``'`` (OWASP's advice for
    CSV, which has no cell types); every other value, numbers included, is
    returned as it is, so a negative number stays a number.
    """
    return f"'{value}" if _is_formula_like(value) else value


def _neutralised(frame: pd.DataFrame) -> pd.DataFrame:
    """``frame`` with its text cells passed through :func:`neutralise_text`.

    Only text columns are touched: numeric, boolean and date columns cannot hold
    a formula, and must keep their types for whoever reads the file.
    """
    out = frame.copy()
    for column in out.columns:
        values = out[column]
        if values.dtype != object and not isinstance(values.dtype, pd.StringDtype):
            continue
        cells = values.astype(object).tolist()  # plain values, whatever the string backend
        if any(_is_formula_like(v) for v in cells):
            out[column] = pd.Series([neutralise_text(v) for v in cells], index=out.index,
                                    dtype=object)  # fmt: skip
    return out


def _text_cells_as_text(sheet: Worksheet) -> None:
    """Make every text cell of ``sheet`` a string cell, shown exactly as the document has it.

    openpyxl turns a value starting with ``=`` into a formula and ``#N/A`` into an
    error cell as it is assigned; the exports hold words, never formulas, so the
    type is set back to string. A text starting with a formula trigger also gets
    Excel's quote prefix, so Excel keeps it text when the cell is edited (the
    quote is not part of the value nor shown in the cell).
    """
    for row in sheet.iter_rows():
        for cell in row:
            if not isinstance(cell.value, str):
                continue
            if cell.data_type != "s":
                cell.data_type = "s"
            if cell.value.startswith(FORMULA_TRIGGERS):
                cell.quotePrefix = True


def _write_geojson(projects: gpd.GeoDataFrame, out: Path) -> None:
    pyogrio.write_dataframe(plain_dtypes(projects), out, driver="GeoJSON", layer="projects",
                            geometry_type="Unknown",
                            layer_options={"RFC7946": "YES",
                                           "DESCRIPTION": _sources_line()})  # fmt: skip


def _write_gpkg(projects, mentions, documents, out: Path) -> None:
    out.unlink(missing_ok=True)
    for category, layer in LAYER_NAMES.items():
        part = projects[projects["category"] == category]
        pyogrio.write_dataframe(plain_dtypes(part), out, layer=layer, driver="GPKG",
                                geometry_type="Unknown",
                                layer_options={"DESCRIPTION": _sources_line()})  # fmt: skip
    pyogrio.write_dataframe(plain_dtypes(mentions), out, layer="mentions", driver="GPKG")
    pyogrio.write_dataframe(plain_dtypes(documents), out, layer="documents", driver="GPKG")


def _table_with_wkt(projects: gpd.GeoDataFrame) -> pd.DataFrame:
    table = pd.DataFrame(projects.drop(columns="geometry"))
    table["wkt"] = [None if g is None else shapely.to_wkt(g, rounding_precision=6)
                    for g in projects.geometry]  # fmt: skip
    return table


def _write_csv(projects: gpd.GeoDataFrame, out: Path, *, headers: str) -> None:
    table = _neutralised(_table_with_wkt(projects))
    _headers(table, headers).to_csv(out, index=False, encoding="utf-8-sig",
                                    lineterminator=CSV_LINE_END)  # fmt: skip


def _write_xlsx(projects, mentions, documents, out: Path, *, headers: str) -> None:
    names = ("项目", "原文提及", "来源文件") if headers == "zh" else ("projects", "mentions",
                                                                     "documents")  # fmt: skip
    with pd.ExcelWriter(out, engine="openpyxl") as writer:
        for frame, sheet in zip(
            (pd.DataFrame(projects.drop(columns="geometry")), mentions, documents), names,
            strict=True,
        ):  # fmt: skip
            _headers(plain_dtypes(frame), headers).to_excel(writer, sheet_name=sheet, index=False)
            _text_cells_as_text(writer.sheets[sheet])
        writer.book.properties.description = "\n".join(data_sources())


def _write_kml(projects: gpd.GeoDataFrame, out: Path) -> None:
    located = projects[projects.geometry.notna()]
    pyogrio.write_dataframe(plain_dtypes(located), out, driver="KML", layer="projects",
                            geometry_type="Unknown",
                            dataset_options={"NameField": "name"})  # fmt: skip
    # GDAL's KML driver has no option for it: the document's <description> goes in
    # first, where the KML schema wants it (before the Schema and the features).
    text = out.read_text(encoding="utf-8")
    opening = '<Document id="root_doc">'
    credits = xml_escape("\n".join(data_sources()))
    if opening in text:
        text = text.replace(opening, f"{opening}\n<description>{credits}</description>", 1)
        out.write_text(text, encoding="utf-8")


def _shapefile_readme(fields: dict[str, str], written: list[str], unlocated: int) -> str:
    lines = [
        "Plan projects: Shapefile export",
        "",
        "One shapefile per layer and geometry type (a shapefile holds one type):",
        *(f"  {name}" for name in written),
        "Text is UTF-8 (declared in each .cpg file); coordinates are WGS-84 (EPSG:4326).",
        "Shapefile text fields hold at most 254 characters: longer quotes and",
        "methods are cut; the GeoPackage and CSV exports keep them whole.",
        f"Unlocated projects ({unlocated}) have no geometry and are listed in unlocated.csv.",
        "In unlocated.csv a text that starts with = + - @, a tab or a carriage return has a",
        "single quote (') put in front, so that no spreadsheet runs it as a formula.",
        "",
        "Field names (shapefile -> full name):",
        *(f"  {short:<10} {full}" for full, short in fields.items()),
        "",
        "Sources and licences:",
        *(f"  {line}" for line in data_sources()),
    ]
    return "\n".join(lines) + "\n"


def _write_shp(projects: gpd.GeoDataFrame, out: Path) -> None:
    fields = {c: SHAPEFILE_FIELDS.get(c, c[:10]) for c in projects.columns if c != "geometry"}
    renamed = projects.rename(columns=fields)
    written: list[str] = []
    with (
        tempfile.TemporaryDirectory(prefix="shp_") as tmp,
        zipfile.ZipFile(out, "w", compression=zipfile.ZIP_DEFLATED) as archive,
    ):
        families = renamed.geometry.geom_type.map(_FAMILIES)
        for category, layer in LAYER_NAMES.items():
            for family in ("point", "line", "polygon"):
                part = renamed[(renamed["category"] == category) & (families == family)]
                if part.empty:
                    continue
                stem = f"{layer}_{family}"
                path = Path(tmp) / f"{stem}.shp"
                with warnings.catch_warnings():  # long texts are cut; the readme says so
                    warnings.simplefilter("ignore", RuntimeWarning)
                    pyogrio.write_dataframe(plain_dtypes(part), path, driver="ESRI Shapefile",
                                            encoding="UTF-8")  # fmt: skip
                for member in sorted(Path(tmp).glob(f"{stem}.*")):
                    archive.write(member, member.name)
                written.append(stem)
        unlocated = projects[projects.geometry.isna()]
        buffer = io.StringIO()
        _neutralised(pd.DataFrame(unlocated.drop(columns="geometry"))).to_csv(
            buffer, index=False, lineterminator=CSV_LINE_END
        )
        archive.writestr("unlocated.csv", "\ufeff" + buffer.getvalue())
        archive.writestr("readme.txt", _shapefile_readme(fields, written, len(unlocated)))


def export_selection(
    projects: gpd.GeoDataFrame,
    mentions: pd.DataFrame,
    documents: pd.DataFrame,
    *,
    fmt: str,
    out: Path,
    headers: str = "en",
    year: int | None = None,
) -> Path:
    """Write the selected projects (and their mentions and documents) as ``fmt``.

    With ``year`` (the as-of year the selection was made for), only documents
    issued by then and their mentions go along: an export "as of 2022" quotes
    nothing a 2024 report said.

    Raises
    ------
    StoreError
        For an unknown format or header language.
    """
    if fmt not in FORMATS:
        raise StoreError(f"Unknown export format {fmt!r}.", [f"Use one of {', '.join(FORMATS)}."])
    if headers not in {"en", "zh"}:
        raise StoreError(f"Unknown header language {headers!r}.", ["Use en or zh."])
    projects = gpd.GeoDataFrame(projects, geometry="geometry", crs="EPSG:4326")
    ids = set(projects["project_id"])
    doc_ids = {d for v in projects["doc_ids"].dropna() for d in str(v).split("|") if d}
    documents = documents[documents["doc_id"].isin(doc_ids)]
    if year is not None:
        issued = pd.to_numeric(documents["issued"].astype("string").str[:4], errors="coerce")
        documents = documents[(issued <= year).fillna(False).to_numpy()]
    mentions = mentions[
        mentions["project_id"].isin(ids) & mentions["doc_id"].isin(set(documents["doc_id"]))
    ]
    out.parent.mkdir(parents=True, exist_ok=True)
    out.unlink(missing_ok=True)
    if fmt == "geojson":
        _write_geojson(projects, out)
    elif fmt == "gpkg":
        _write_gpkg(projects, mentions, documents, out)
    elif fmt == "csv":
        _write_csv(projects, out, headers=headers)
    elif fmt == "xlsx":
        _write_xlsx(projects, mentions, documents, out, headers=headers)
    elif fmt == "kml":
        _write_kml(projects, out)
    else:
        _write_shp(projects, out)
    logger.info("export %s: %d projects -> %s", fmt, len(projects), out)
    return out
