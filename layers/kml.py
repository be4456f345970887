"""KML for Google Earth and 奥维 (Ovi): a folder per layer, a style per stage, words per placemark.

GDAL's KML driver writes one red style for everything and no description, so
a room looking at Google Earth could not tell a completed road from a planned
one, nor read what the plan says. This writer builds the document itself:

* one ``<Folder>`` per export layer (:func:`layers.export.export_layers`: one
  geometry type each, ``highways``, ``highways_area`` …), named as the layer
  (GDAL and QGIS read it as the layer's name) and described in words of the
  export's language ("高速公路 · 范围（只知所在区县或地市）"), in the snippet a
  places list shows under the name;
* one ``<Style>`` per stage (``stage_completed`` … ``stage_unreported``) in the
  map's own colours (:data:`STAGE_COLOURS`, the same hex values as
  ``portal.projectmap.STATUS_COLORS``; a test holds them equal, since ``layers``
  may not import the portal). A placemark takes the style of the stage
  documents had *reported* by the export's year, as the map colours it; areas
  (a whole county or prefecture) are filled faintly so stacked outlines never
  blend into one colour;
* a ``<description>`` per placemark: the stage as of the year, the plan's
  target, how it was located, the quote and every source document as issuer ·
  title · date, in the export's language. Document text is HTML-escaped before
  it goes in (Google Earth renders descriptions as HTML), and the XML writer
  escapes it again, so a quote can never become markup;
* the attributes as ``<ExtendedData>`` with one ``<Schema>``, which GDAL and
  QGIS read back as fields.

Coordinates are WGS-84 longitude, latitude (KML's own CRS), rounded to 6
decimals (about 0.1 m).
"""

from __future__ import annotations

import html
import xml.etree.ElementTree as ET
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path

import pandas as pd
import shapely
from shapely.geometry.base import BaseGeometry

from layers.wording import (
    CATEGORY_WORDS_EN,
    CATEGORY_WORDS_ZH,
    PRECISION_WORDS_EN,
    PRECISION_WORDS_ZH,
    STAGE_WORDS_EN,
    STAGE_WORDS_ZH,
    method_in,
)

KML_NAMESPACE = "http://www.opengis.net/kml/2.2"
UNREPORTED = "unreported"
STAGE_COLOURS = {
    "completed": "#2f855a",
    "under_construction": "#dd6b20",
    "preparatory": "#3182ce",
    "proposed": "#805ad5",
    UNREPORTED: "#718096",
}
"""The map's stage colours (``portal.projectmap.STATUS_COLORS``), most advanced first."""
AREA_FILL_ALPHA = 0x26
"""About 15 % opacity: an area is where a project may be, not the project itself."""
SCHEMA_ID = "projects"

_FIELD_TYPES = {"Int64": "int", "Float64": "double", "float64": "double", "int64": "int",
                "bool": "bool", "boolean": "bool"}  # fmt: skip
_SHAPE_WORDS = {
    "zh": {"line": "线", "point": "点", "area": "范围（只知所在区县或地市）"},
    "en": {"line": "lines", "point": "points", "area": "areas (only the county or prefecture "
           "is known)"},
}  # fmt: skip
_LABELS = {
    "zh": {"known": "已报告阶段（截至 {year} 年）", "known_undated": "已报告阶段",
           "planned": "计划阶段", "target": "目标", "target_text": "{year} 年{stage}",
           "undated": "{stage}（未定年份）", "overdue": "逾期未报完成", "precision": "定位精度",
           "method": "定位方法",
           "quote": "原文", "sources": "来源文件", "none": "未报告进展", "counties": "区县"},
    "en": {"known": "Reported stage (as of {year})", "known_undated": "Reported stage",
           "planned": "Planned stage", "target": "Target", "target_text": "{stage} by {year}",
           "undated": "{stage} (no year)", "overdue": "Overdue", "precision": "Precision",
           "method": "How it was located",
           "quote": "Quote", "sources": "Sources", "none": "No progress reported",
           "counties": "Counties"},
}  # fmt: skip
_WORDS = {
    "zh": (STAGE_WORDS_ZH, CATEGORY_WORDS_ZH, PRECISION_WORDS_ZH),
    "en": (STAGE_WORDS_EN, CATEGORY_WORDS_EN, PRECISION_WORDS_EN),
}


def kml_colour(hex_colour: str, *, alpha: int = 0xFF) -> str:
    """ "#2f855a" -> "ff5a852f": KML writes colours alpha, blue, green, red."""
    red, green, blue = hex_colour[1:3], hex_colour[3:5], hex_colour[5:7]
    return f"{alpha:02x}{blue}{green}{red}".lower()


def stage_of(project: Mapping[str, object]) -> str:
    """The stage a placemark is coloured by: the reported one, else ``unreported``."""
    stage = _text(project.get("known_stage"))
    return stage if stage in STAGE_COLOURS else UNREPORTED


def _text(value: object) -> str:
    if value is None or (not isinstance(value, str) and bool(pd.isna(value))):
        return ""
    return str(value)


def _year(value: object) -> str:
    """A year as "2025", whatever the column's type (float64 after :func:`plain_dtypes`)."""
    text = _text(value)
    try:
        return str(int(float(text))) if text else ""
    except ValueError:
        return text


def _sub(parent: ET.Element, tag: str, text: str | None = None, **attrs: str) -> ET.Element:
    element = ET.SubElement(parent, tag, attrs)
    if text is not None:
        element.text = text
    return element


# ------------------------------------------------------------------------ geometry


def _coordinates(coords: Iterable[Sequence[float]]) -> str:
    return " ".join(f"{round(x, 6)},{round(y, 6)}" for x, y, *_ in coords)


def _add_geometry(parent: ET.Element, geometry: BaseGeometry) -> None:
    """``geometry`` as KML under ``parent`` (multi-part shapes as a MultiGeometry)."""
    kind = geometry.geom_type
    if kind == "Point":
        _sub(_sub(parent, "Point"), "coordinates", _coordinates(geometry.coords))
    elif kind == "LineString":
        line = _sub(parent, "LineString")
        _sub(line, "tessellate", "1")
        _sub(line, "coordinates", _coordinates(geometry.coords))
    elif kind == "Polygon":
        polygon = _sub(parent, "Polygon")
        _sub(polygon, "tessellate", "1")
        ring = _sub(_sub(polygon, "outerBoundaryIs"), "LinearRing")
        _sub(ring, "coordinates", _coordinates(geometry.exterior.coords))
        for interior in geometry.interiors:
            ring = _sub(_sub(polygon, "innerBoundaryIs"), "LinearRing")
            _sub(ring, "coordinates", _coordinates(interior.coords))
    else:  # MultiPoint, MultiLineString, MultiPolygon, GeometryCollection
        multi = _sub(parent, "MultiGeometry")
        for part in shapely.get_parts(geometry):
            _add_geometry(multi, part)


# ------------------------------------------------------------------------ words


def _documents_line(doc: Mapping[str, object]) -> str:
    """ "达州市人民政府办公室 · <title> · 2021-12-06" (issuer · title · date)."""
    parts = [_text(doc.get(k)) for k in ("issuer", "title", "issued")]
    return " · ".join(p for p in parts if p)


def description_html(
    project: Mapping[str, object],
    documents: Mapping[str, Mapping[str, object]],
    *,
    lang: str,
) -> str:
    """What a placemark says, as HTML whose every value is escaped.

    The stage as of the export's year (and the plan's stage and target), how it
    was located, the quote, and each source document the export carries.
    """
    labels = _LABELS[lang]
    stages, _categories, precisions = _WORDS[lang]
    year = _year(project.get("as_of_year"))
    known = _text(project.get("known_stage"))
    known_label = labels["known"].format(year=year) if year else labels["known_undated"]
    rows = [(known_label, stages.get(known, known) if known else labels["none"])]
    planned = _text(project.get("planned_stage"))
    if planned:
        rows.append((labels["planned"], stages.get(planned, planned)))
    target = _text(project.get("target_stage"))
    if target:
        word = stages.get(target, target)
        target_year = _year(project.get("target_year"))
        rows.append((labels["target"], labels["target_text"].format(year=target_year, stage=word)
                     if target_year else labels["undated"].format(stage=word)))  # fmt: skip
    if _text(project.get("overdue")) in {"True", "1", "1.0"}:
        rows.append((labels["overdue"], "⚠"))
    counties = _text(project.get("counties")).replace("|", "、")
    if counties:
        rows.append((labels["counties"], counties))
    precision = _text(project.get("precision"))
    if precision:
        rows.append((labels["precision"], precisions.get(precision, precision)))
    method = _text(project.get("geocode_method"))
    if method:
        rows.append((labels["method"], method_in(lang, method)))
    quote = _text(project.get("quote"))
    if quote:
        rows.append((labels["quote"], quote))
    cited = [_documents_line(documents[d]) for d in _text(project.get("doc_ids")).split("|")
             if d in documents]  # fmt: skip
    body = "".join(f"<b>{html.escape(k)}</b>：{html.escape(v)}<br/>" if lang == "zh"
                   else f"<b>{html.escape(k)}</b>: {html.escape(v)}<br/>"
                   for k, v in rows)  # fmt: skip
    if cited:
        items = "".join(f"<li>{html.escape(c)}</li>" for c in cited)
        body += f"<b>{html.escape(labels['sources'])}</b><ul>{items}</ul>"
    return body


def folder_description(category: str, shape: str, *, lang: str) -> str:
    """A folder's layer in words: "高速公路 · 线", "Highways · lines"."""
    _stages, categories, _precisions = _WORDS[lang]
    return f"{categories.get(category, category)} · {_SHAPE_WORDS[lang][shape]}"


# ------------------------------------------------------------------------ the file


def _add_styles(document: ET.Element) -> None:
    for stage, colour in STAGE_COLOURS.items():
        style = _sub(document, "Style", id=f"stage_{stage}")
        icon = _sub(style, "IconStyle")
        _sub(icon, "color", kml_colour(colour))
        _sub(icon, "scale", "1.1")
        line = _sub(style, "LineStyle")
        _sub(line, "color", kml_colour(colour))
        _sub(line, "width", "3")
        poly = _sub(style, "PolyStyle")
        _sub(poly, "color", kml_colour(colour, alpha=AREA_FILL_ALPHA))
        _sub(poly, "outline", "1")


def _field_type(dtype: object) -> str:
    return _FIELD_TYPES.get(str(dtype), "string")


def _add_schema(document: ET.Element, columns: Mapping[str, object]) -> list[str]:
    schema = _sub(document, "Schema", name=SCHEMA_ID, id=SCHEMA_ID)
    fields = [c for c in columns if c not in {"geometry", "name"}]
    for column in fields:
        _sub(schema, "SimpleField", name=column, type=_field_type(columns[column]))
    return fields


def _field_value(value: object) -> str | None:
    if value is None or (not isinstance(value, str) and bool(pd.isna(value))):
        return None
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def write_kml(
    layers: Sequence[tuple[str, str, str, pd.DataFrame]],
    documents: pd.DataFrame,
    out: Path,
    *,
    title: str,
    credits: Sequence[str],
    lang: str,
) -> int:
    """Write ``layers`` (name, category, shape, located projects) as one KML file.

    Returns the number of placemarks written. ``credits`` go into the
    document's ``<description>``, where the KML schema wants them (before the
    styles, the schema and the folders).
    """
    root = ET.Element("kml", xmlns=KML_NAMESPACE)
    document = _sub(root, "Document", id="root_doc")
    _sub(document, "name", title)
    _sub(document, "description", "\n".join(credits))
    _add_styles(document)
    columns: dict[str, object] = {}
    for _name, _category, _shape, frame in layers:
        columns.update({c: frame[c].dtype for c in frame.columns if c not in columns})
    fields = _add_schema(document, columns)
    by_id = {str(row["doc_id"]): row for row in documents.to_dict("records")}
    written = 0
    for name, category, shape, frame in layers:
        folder = _sub(document, "Folder", id=name)
        _sub(folder, "name", name)  # the layer's name, as in every other format
        words = folder_description(category, shape, lang=lang)
        _sub(folder, "Snippet", words, maxLines="1")  # shown under the name in a places list
        _sub(folder, "description", words)
        for project in frame.to_dict("records"):
            geometry = project.get("geometry")
            if geometry is None or geometry.is_empty:
                continue
            placemark = _sub(folder, "Placemark")
            _sub(placemark, "name", _text(project.get("name")))
            _sub(placemark, "description", description_html(project, by_id, lang=lang))
            _sub(placemark, "styleUrl", f"#stage_{stage_of(project)}")
            data = _sub(_sub(placemark, "ExtendedData"), "SchemaData", schemaUrl=f"#{SCHEMA_ID}")
            for column in fields:
                value = _field_value(project.get(column))
                if value is not None:
                    _sub(data, "SimpleData", value, name=column)
            _add_geometry(placemark, geometry)
            written += 1
    ET.indent(root, space=" ")
    ET.ElementTree(root).write(out, encoding="utf-8", xml_declaration=True)
    return written
