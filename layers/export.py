"""Exports of a selection in every format a GIS user or a planning office asks for.

Layers: one geometry type each
------------------------------
A GIS reads a layer as one geometry type. A category mixes them (a highway is a
line, but one known only by its county is that county's polygon), so every
spatial export splits each category by shape (:func:`export_layers`):

``<layer>``        the category's own shape: lines for ``highways`` and
                   ``railways``, points for ``reservoirs``, ``parks``,
                   ``industrial_zones`` and ``other``; the unlocated projects of
                   the category are here too, with no geometry (GeoPackage,
                   GeoJSON), so nothing is dropped for lack of a place;
``<layer>_area``   the projects known only by an area (a county's or a
                   prefecture's polygon, precision ``county``/``city``);
``<layer>_point``  points in a line layer (a road section named after a town);
``<layer>_line``   lines in a point layer (a line an editor drew for a reservoir).

Each declares its type (``LineString``, ``Point``, ``MultiPolygon`` …, never
"Unknown"); where single and multi-part shapes mix, all are made multi-part. The
``<layer>`` table is always written, the others only when they hold something.

Formats
-------
``geojson`` to a ``.geojson`` path: one FeatureCollection (RFC 7946, WGS-84), every
            project with its ``category`` and its ``layer`` as above (DESIGN.md
            fixes this file). To a ``.zip`` path (the portal's download,
            :data:`SUFFIXES`): one FeatureCollection per layer, which QGIS opens
            as it is, and a readme.
``gpkg``    one table per layer, plus the mentions and documents behind them.
``csv``     one row per project, geometry as WKT, UTF-8 with a byte-order mark so
            Excel shows Chinese correctly, rows ending in CRLF (RFC 4180).
``xlsx``    sheets for projects, mentions and documents (no geometry: a county
            polygon does not fit in a cell; precision and method say where it is).
``kml``     for Google Earth and 奥维 (Ovi) users: a folder per layer, a style per
            stage in the map's colours, a description per placemark (stage as of
            the year, target, how it was located, quote, source documents) —
            see :mod:`layers.kml`.
``shp``     a zip with one shapefile per layer (a shapefile holds one type), a
            ``.cpg`` declaring UTF-8 so ArcGIS and QGIS read Chinese names, field
            names cut to 10 characters with the mapping in a readme, and the
            unlocated projects in a CSV.

CSV and Excel can have Chinese column headers (``headers="zh"``), and then their
codes are Chinese words too (建成, 高速公路, 示意线路, 是/否, the method in Chinese:
:func:`layers.wording.export_words`); with English headers they keep the codes
DESIGN.md fixes. The KML's descriptions are written in the headers' language.
GeoJSON, GeoPackage and shapefile attributes are data for programs and keep the
codes.

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
spreadsheets, and are written unchanged (KML descriptions are HTML-escaped).

Every format with a place for it says where the data come from (:func:`data_sources`),
because the licences of the township, village and station points ask for credit
wherever they are shown: the zips' readmes, the GeoJSON collections'
``description``, each GeoPackage layer's description, the Excel file's
properties and the KML document's ``<description>``. A CSV has no such place.
"""

from __future__ import annotations

import dataclasses
import io
import logging
import tempfile
import warnings
import zipfile
from dataclasses import dataclass
from pathlib import Path

import geopandas as gpd
import pandas as pd
import pyogrio
import shapely
from openpyxl.worksheet.worksheet import Worksheet
from shapely.geometry.base import BaseGeometry

from layers.admin import boundary_source_label
from layers.errors import StoreError
from layers.kml import write_kml
from layers.localities import ATTRIBUTION
from layers.store import LAYER_NAMES, plain_dtypes
from layers.wording import export_words

logger = logging.getLogger(__name__)

FORMATS = ("geojson", "gpkg", "csv", "xlsx", "kml", "shp")
SUFFIXES = {"geojson": ".geojson.zip", "gpkg": ".gpkg", "csv": ".csv", "xlsx": ".xlsx",
            "kml": ".kml", "shp": ".zip"}  # fmt: skip
"""The name a download of each format gets: GeoJSON as a zip of one file per layer
(a ``.zip`` path makes :func:`export_selection` write that; a ``.geojson`` path
writes the single FeatureCollection DESIGN.md fixes)."""
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
MAIN_SHAPE = {"highway": "line", "railway": "line", "reservoir": "point", "park": "point",
              "industrial_zone": "point", "other": "point"}  # fmt: skip
"""The shape of each category's own layer (``<layer>``); other shapes get a suffix."""
SHAPES = ("point", "line", "area")
_SINGLE_MULTI = {"point": ("Point", "MultiPoint"), "line": ("LineString", "MultiLineString"),
                 "area": ("Polygon", "MultiPolygon")}  # fmt: skip
_SHAPE_OF = {name: shape for shape, names in _SINGLE_MULTI.items() for name in names}
_SHAPE_OF_DIMENSION = {0: "point", 1: "line", 2: "area"}


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


# ------------------------------------------------------------------ layers by shape


@dataclass(frozen=True)
class ExportLayer:
    """One layer of a spatial export: one category, one declared geometry type.

    Attributes
    ----------
    name
        ``highways``, ``highways_area``, ``reservoirs_line`` … (see the module docstring).
    category, shape
        The category code and ``point``, ``line`` or ``area``.
    geometry_type
        What the layer declares: ``Point``, ``MultiLineString``, ``MultiPolygon`` …
    projects
        Its projects, each geometry of ``geometry_type`` (or None: unlocated).
    """

    name: str
    category: str
    shape: str
    geometry_type: str
    projects: gpd.GeoDataFrame

    @property
    def description(self) -> str:
        """What the layer holds, in English (for a GeoPackage layer's description)."""
        what = {"point": "points", "line": "lines",
                "area": "areas: projects known only by their county or prefecture"}  # fmt: skip
        return f"{self.category} projects, {what[self.shape]} ({self.geometry_type})"


def layer_name(category: str, shape: str) -> str:
    """ "highways" for a highway line, "highways_area" for a county polygon, and so on."""
    base = LAYER_NAMES[category]
    return base if MAIN_SHAPE[category] == shape else f"{base}_{shape}"


def _shape(geometry: BaseGeometry | None, main: str) -> str:
    """Which layer a geometry goes to: its kind, by dimension for a collection."""
    if geometry is None or geometry.is_empty:
        return main
    shape = _SHAPE_OF.get(geometry.geom_type)
    if shape is not None:
        return shape
    return _SHAPE_OF_DIMENSION[int(shapely.get_dimensions(geometry))]


def _as_shape(geometry: BaseGeometry | None, shape: str, *, multi: bool) -> BaseGeometry | None:
    """``geometry`` as the layer's declared type: promoted to multi-part if ``multi``.

    A collection keeps its parts of the layer's dimension (a collection only
    reaches a layer through its highest dimension).
    """
    if geometry is None or geometry.is_empty:
        return None
    single, _multi = _SINGLE_MULTI[shape]
    if geometry.geom_type == "GeometryCollection":
        dimension = {"point": 0, "line": 1, "area": 2}[shape]
        parts = [p for p in shapely.get_parts(geometry) if shapely.get_dimensions(p) == dimension]
        geometry = shapely.union_all(parts) if shape == "area" else _joined(parts, shape)
        multi = multi or geometry.geom_type != single
    if not multi or geometry.geom_type != single:
        return geometry
    make = {"point": shapely.MultiPoint, "line": shapely.MultiLineString,
            "area": shapely.MultiPolygon}[shape]  # fmt: skip
    return make([geometry])


def _joined(parts: list[BaseGeometry], shape: str) -> BaseGeometry:
    singles = [q for p in parts for q in shapely.get_parts(p)]
    if len(singles) == 1:
        return singles[0]
    return shapely.MultiPoint(singles) if shape == "point" else shapely.MultiLineString(singles)


def export_layers(projects: gpd.GeoDataFrame) -> list[ExportLayer]:
    """The projects as layers of one declared geometry type each, in category order.

    Each category's own layer comes first and is always there (empty when the
    selection has none, holding the unlocated projects with no geometry); the
    other shapes follow only when some project has them. A layer where single
    and multi-part shapes mix declares the multi-part type and holds only that.
    """
    out: list[ExportLayer] = []
    for category in LAYER_NAMES:
        part = projects[projects["category"] == category]
        main = MAIN_SHAPE[category]
        shapes = pd.Series([_shape(g, main) for g in part.geometry], index=part.index,
                           dtype=object)  # fmt: skip
        for shape in (main, *(s for s in SHAPES if s != main)):
            rows = part[(shapes == shape).to_numpy()]
            if rows.empty and shape != main:
                continue
            single, multi_type = _SINGLE_MULTI[shape]
            kinds = {g.geom_type for g in rows.geometry if g is not None and not g.is_empty}
            multi = bool(kinds - {single})
            geometries = [_as_shape(g, shape, multi=multi) for g in rows.geometry]
            frame = gpd.GeoDataFrame(rows.drop(columns="geometry"), geometry=geometries,
                                     crs="EPSG:4326")  # fmt: skip
            out.append(ExportLayer(layer_name(category, shape), category, shape,
                                   multi_type if multi else single, frame))  # fmt: skip
    return out


def _layers_readme(title: str, written: list[ExportLayer], notes: list[str]) -> str:
    """A zip's readme: what each file is, the naming scheme, notes, then the credits."""
    lines = [
        title,
        "",
        "One layer per category and geometry type, each declaring its type:",
        *(f"  {layer.name:<22} {layer.geometry_type:<16} {len(layer.projects)} project(s)"
          for layer in written),
        "",
        "<layer> holds the category's own shape (lines for highways and railways, points",
        "for the others); <layer>_area the projects known only by their county or",
        "prefecture (its polygon); <layer>_point and <layer>_line any other shape.",
        "Coordinates are WGS-84 (EPSG:4326). Lines are schematic: they run through the",
        "places the plans name, not along the built road or track.",
        *notes,
        "",
        "Sources and licences:",
        *(f"  {line}" for line in data_sources()),
    ]  # fmt: skip
    return "\n".join(lines) + "\n"


# ------------------------------------------------------------------------ formats


def _write_geojson(projects: gpd.GeoDataFrame, out: Path) -> None:
    """The single FeatureCollection of DESIGN.md, every feature naming its layer."""
    names = [layer_name(c, _shape(g, MAIN_SHAPE.get(c, "point")))
             if c in LAYER_NAMES else str(c)
             for c, g in zip(projects["category"], projects.geometry, strict=True)]  # fmt: skip
    labelled = projects.assign(layer=names)
    pyogrio.write_dataframe(plain_dtypes(labelled), out, driver="GeoJSON", layer="projects",
                            geometry_type="Unknown",
                            layer_options={"RFC7946": "YES",
                                           "DESCRIPTION": _sources_line()})  # fmt: skip


def _write_geojson_zip(layers: list[ExportLayer], out: Path) -> None:
    """One FeatureCollection per layer (a GeoJSON file declares no geometry type, but
    a file of one type opens in QGIS as one layer), and a readme."""
    written = []
    with (
        tempfile.TemporaryDirectory(prefix="geojson_") as tmp,
        zipfile.ZipFile(out, "w", compression=zipfile.ZIP_DEFLATED) as archive,
    ):
        for layer in layers:
            if layer.projects.empty:
                continue
            path = Path(tmp) / f"{layer.name}.geojson"
            pyogrio.write_dataframe(plain_dtypes(layer.projects), path, driver="GeoJSON",
                                    layer=layer.name, geometry_type=layer.geometry_type,
                                    layer_options={"RFC7946": "YES",
                                                   "DESCRIPTION": _sources_line()})  # fmt: skip
            archive.write(path, path.name)
            written.append(layer)
        notes = ["Unlocated projects are in their category's <layer>.geojson, with a null "
                 "geometry."]  # fmt: skip
        archive.writestr("readme.txt", _layers_readme("Plan projects: GeoJSON export", written,
                                                      notes))  # fmt: skip


def _write_gpkg(layers: list[ExportLayer], mentions, documents, out: Path) -> None:
    out.unlink(missing_ok=True)
    for layer in layers:
        pyogrio.write_dataframe(
            plain_dtypes(layer.projects), out, layer=layer.name, driver="GPKG",
            geometry_type=layer.geometry_type,
            layer_options={"DESCRIPTION": f"{layer.description}. {_sources_line()}"},
        )  # fmt: skip
    pyogrio.write_dataframe(plain_dtypes(mentions), out, layer="mentions", driver="GPKG")
    pyogrio.write_dataframe(plain_dtypes(documents), out, layer="documents", driver="GPKG")


def _table_with_wkt(projects: gpd.GeoDataFrame) -> pd.DataFrame:
    table = pd.DataFrame(projects.drop(columns="geometry"))
    table["wkt"] = [None if g is None else shapely.to_wkt(g, rounding_precision=6)
                    for g in projects.geometry]  # fmt: skip
    return table


def _write_csv(projects: gpd.GeoDataFrame, out: Path, *, headers: str) -> None:
    table = _neutralised(export_words(_table_with_wkt(projects), lang=headers))
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
            words = export_words(plain_dtypes(frame), lang=headers)
            _headers(words, headers).to_excel(writer, sheet_name=sheet, index=False)
            _text_cells_as_text(writer.sheets[sheet])
        writer.book.properties.description = "\n".join(data_sources())


def _write_kml(layers: list[ExportLayer], documents: pd.DataFrame, out: Path, *,
               lang: str) -> None:  # fmt: skip
    """A folder per layer, a style per stage, a description per placemark (:mod:`layers.kml`)."""
    unlocated = sum(int(layer.projects.geometry.isna().sum()) for layer in layers)
    credits = list(data_sources())
    if unlocated:
        credits.append(
            f"{unlocated} unlocated project(s) have no place on a map and are not in this "
            "file; the CSV, Excel and GeoPackage exports list them."
        )
    title = "规划项目" if lang == "zh" else "Plan projects"
    parts = [(layer.name, layer.category, layer.shape, layer.projects)
             for layer in layers if layer.projects.geometry.notna().any()]  # fmt: skip
    write_kml(parts, documents, out, title=title, credits=credits, lang=lang)


def _write_shp(layers: list[ExportLayer], projects: gpd.GeoDataFrame, out: Path) -> None:
    fields = {c: SHAPEFILE_FIELDS.get(c, c[:10]) for c in projects.columns if c != "geometry"}
    written: list[ExportLayer] = []
    with (
        tempfile.TemporaryDirectory(prefix="shp_") as tmp,
        zipfile.ZipFile(out, "w", compression=zipfile.ZIP_DEFLATED) as archive,
    ):
        for layer in layers:
            located = layer.projects[layer.projects.geometry.notna()]
            if located.empty:
                continue
            path = Path(tmp) / f"{layer.name}.shp"
            with warnings.catch_warnings():  # long texts are cut; the readme says so
                warnings.simplefilter("ignore", RuntimeWarning)
                pyogrio.write_dataframe(plain_dtypes(located.rename(columns=fields)), path,
                                        driver="ESRI Shapefile", encoding="UTF-8",
                                        geometry_type=layer.geometry_type)  # fmt: skip
            for member in sorted(Path(tmp).glob(f"{layer.name}.*")):
                archive.write(member, member.name)
            written.append(dataclasses.replace(layer, projects=located))
        unlocated = projects[projects.geometry.isna()]
        buffer = io.StringIO()
        _neutralised(pd.DataFrame(unlocated.drop(columns="geometry"))).to_csv(
            buffer, index=False, lineterminator=CSV_LINE_END
        )
        archive.writestr("unlocated.csv", "\ufeff" + buffer.getvalue())
        notes = [
            "Text is UTF-8 (declared in each .cpg file).",
            "Shapefile text fields hold at most 254 characters: longer quotes and",
            "methods are cut; the GeoPackage and CSV exports keep them whole.",
            f"Unlocated projects ({len(unlocated)}) have no geometry and are listed in "
            "unlocated.csv.",
            "In unlocated.csv a text that starts with = + - @, a tab or a carriage return has a",
            "single quote (') put in front, so that no spreadsheet runs it as a formula.",
            "",
            "Field names (shapefile -> full name):",
            *(f"  {short:<10} {full}" for full, short in fields.items()),
        ]
        archive.writestr("readme.txt", _layers_readme("Plan projects: Shapefile export", written,
                                                      notes))  # fmt: skip


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
    nothing a 2024 report said. ``headers`` is the language of a CSV's or an
    Excel file's headers and words and of a KML's descriptions. GeoJSON to a
    ``.zip`` path is one file per layer, to any other path one FeatureCollection.

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
    if fmt == "csv":
        _write_csv(projects, out, headers=headers)
    elif fmt == "xlsx":
        _write_xlsx(projects, mentions, documents, out, headers=headers)
    elif fmt == "geojson" and out.suffix.lower() != ".zip":
        _write_geojson(projects, out)
    else:
        layers = export_layers(projects)
        if fmt == "geojson":
            _write_geojson_zip(layers, out)
        elif fmt == "gpkg":
            _write_gpkg(layers, mentions, documents, out)
        elif fmt == "kml":
            _write_kml(layers, documents, out, lang=headers)
        else:
            _write_shp(layers, projects, out)
    logger.info("export %s: %d projects -> %s", fmt, len(projects), out)
    return out
