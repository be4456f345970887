"""Reviewing an upload: the records in an editable table, and placing one on the map.

The table is ``st.data_editor`` over plain columns (codes shown translated);
reading it back gives one edit row per record for :func:`layers.intake.review_records`.
A record is placed by choosing among the geocoder's candidates (its automatic
location, or the whole of a county or prefecture it names) or by drawing a point
or a line on a map with Leaflet.draw served locally. The precision follows how the
place was chosen: a unit polygon is ``county``/``city``; a drawing is what the
editor vouches for (``near`` by default for a point, ``route`` for a line, ``exact``
only when the editor says so).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping, Sequence

import geopandas as gpd
import pandas as pd
import shapely
import streamlit as st
from shapely.geometry import shape
from streamlit_folium import st_folium

from layers.geocode import Geocoder, Location
from layers.intake import STAGES, quote_context
from layers.model import Layer, Record
from layers.publish import Placement
from layers.store import CATEGORIES
from portal.assets import local_draw_plugin, localise_map_assets
from portal.i18n import translate
from portal.mapview import build_county_map
from portal.notice import notice
from portal.state import DRAW_KEY, REVIEW_KEY
from portal.wording import method_label

DRAW_PRECISIONS = ("near", "exact", "route")
_DRAW_OPTIONS = {"polyline": True, "marker": True, "polygon": False, "rectangle": False,
                 "circle": False, "circlemarker": False}  # fmt: skip


def auto_location(record: Record, *, geocoder: Geocoder, adcode: str) -> Location:
    """Where the geocoder would put the record on its own."""
    return geocoder.locate(
        name=record.name, category=record.layer.value, aliases=list(record.aliases),
        counties=list(record.counties), endpoints=list(record.endpoints), jurisdiction=adcode,
    )  # fmt: skip


def _location_text(location: Location, lang: str) -> str:
    """ "示意线路: 示意线路，经起讫点 …": the precision, then the method, in ``lang``."""
    return f"{translate(location.precision, lang)}: {method_label(location.method, lang=lang)}"


def review_frame(
    records: Sequence[Record], *, text: str, locations: Sequence[Location], lang: str
) -> pd.DataFrame:
    """One editable row per record, plus its quote in context and automatic location."""
    return pd.DataFrame({
        "include": [True] * len(records),
        "name": [r.name for r in records],
        "category": [r.layer.value for r in records],
        "status": [r.stage.value for r in records],
        "target_year": pd.array([r.target_year for r in records], dtype="Int64"),
        "counties": ["|".join(r.counties) for r in records],
        "context": [quote_context(text, r) for r in records],
        "location": [_location_text(loc, lang) for loc in locations],
    })  # fmt: skip


def edits_from_frame(frame: pd.DataFrame) -> list[dict[str, object]]:
    """The edited table as one plain edit row per record (for ``review_records``)."""
    edits = []
    for row in frame.astype(object).where(frame.notna(), None).to_dict("records"):
        year = row["target_year"]
        counties = [c.strip() for c in str(row["counties"] or "").replace("、", "|").split("|")]
        edits.append({
            "include": bool(row["include"]), "name": str(row["name"] or ""),
            "category": row["category"], "status": row["status"],
            "target_year": None if year is None else int(year),
            "counties": [c for c in counties if c],
        })  # fmt: skip
    return edits


def render_review_table(frame: pd.DataFrame, *, key: str, lang: str) -> list[dict[str, object]]:
    """The editable table; returns the edit rows."""
    st.caption(translate("review_help", lang))
    column = st.column_config
    edited: pd.DataFrame = st.data_editor(
        frame,
        key=f"{REVIEW_KEY}_{key}",
        hide_index=True,
        num_rows="fixed",
        width="stretch",
        disabled=["context", "location"],
        column_config={
            "include": column.CheckboxColumn(translate("include", lang), width="small"),
            "name": column.TextColumn(translate("name", lang), required=True, width="medium"),
            "category": column.SelectboxColumn(
                translate("category", lang),
                options=CATEGORIES,
                format_func=lambda c: translate(str(c), lang),
                required=True,
            ),
            "status": column.SelectboxColumn(
                translate("status", lang),
                options=STAGES,
                format_func=lambda s: translate(str(s), lang),
                required=True,
            ),
            "target_year": column.NumberColumn(
                translate("target_year", lang), min_value=1949, max_value=2100, step=1, format="%d"
            ),
            "counties": column.TextColumn(translate("counties", lang)),
            "context": column.TextColumn(translate("context", lang), width="large"),
            "location": column.TextColumn(translate("location", lang), width="medium"),
        },
    )
    with st.expander(translate("contexts", lang)):
        for number, (name, context) in enumerate(zip(frame["name"], frame["context"],
                                                     strict=True), start=1):  # fmt: skip
            st.text(f"{number}. {name}\n{context}")  # st.text: document text never as markup
    return edits_from_frame(edited)


def unit_candidates(
    record: Record, *, geocoder: Geocoder, jurisdiction: str, adcode: str
) -> dict[str, Location]:
    """The whole of each county the record names, and of the document's jurisdiction."""
    out = {}
    for name in [*record.counties, jurisdiction]:
        location = geocoder.unit_location(str(name), region=adcode)
        if location is not None and str(name) not in out:
            out[str(name)] = location
    return out


def drawn_geometry(result: Mapping[str, object] | None) -> shapely.Geometry | None:
    """The last point or line the editor drew (GeoJSON from Leaflet.draw), in EPSG:4326."""
    drawings = (result or {}).get("all_drawings") or []
    for feature in reversed(list(drawings)):  # type: ignore[call-overload]
        geometry = (feature or {}).get("geometry")
        if geometry and geometry.get("type") in {"Point", "LineString"}:
            return shape(geometry)
    return None


def render_draw_map(counties: gpd.GeoDataFrame, *, lang: str) -> shapely.Geometry | None:
    """A county map with Leaflet.draw (point and line tools); returns the last drawing."""
    fmap = build_county_map(counties, lang=lang)
    local_draw_plugin(draw_options=_DRAW_OPTIONS, edit_options={"edit": False}).add_to(fmap)
    localise_map_assets(fmap)
    st.caption(translate("draw_help", lang))
    result = st_folium(fmap, height=460, use_container_width=True, key=DRAW_KEY,
                       returned_objects=["all_drawings"])  # fmt: skip
    return drawn_geometry(result)


def keep_placement(
    placements: dict[int, Placement], index: int, placement: Placement | None
) -> None:
    """Keep (or, for the automatic location, forget) the chosen placement of one record."""
    if placement is None:
        placements.pop(index, None)
    else:
        placements[index] = placement


def render_placement(
    records: Sequence[Record],
    edits: Sequence[Mapping[str, object]],
    placements: dict[int, Placement],
    *,
    locations: Sequence[Location],
    geocoder: Geocoder,
    jurisdiction: str,
    adcode: str,
    counties: gpd.GeoDataFrame,
    editor: str,
    lang: str,
) -> None:
    """Choose a record and its location; the choice is kept in ``placements``."""
    st.subheader(translate("place", lang))
    included = [i for i, edit in enumerate(edits) if edit["include"]]
    if not included:
        return
    index = st.selectbox(translate("place_record", lang), included,
                         format_func=lambda i: f"{i + 1}. {edits[i]['name']}")  # fmt: skip
    edit, extracted = edits[index], records[index]
    named, category = edit["counties"], str(edit["category"])
    record = dataclasses.replace(  # placed as the editor has it so far
        extracted,
        name=str(edit["name"]),
        layer=Layer(category) if category in {v.value for v in Layer} else extracted.layer,
        counties=tuple(map(str, named)) if isinstance(named, list | tuple) else (),
    )
    auto = locations[index]
    units = unit_candidates(record, geocoder=geocoder, jurisdiction=jurisdiction, adcode=adcode)
    choices = {"auto": translate("place_auto", lang, how=method_label(auto.method, lang=lang),
                                 precision=translate(auto.precision, lang))}  # fmt: skip
    for name, location in units.items():
        precision = translate(location.precision, lang)
        choices[f"unit:{name}"] = translate("place_unit", lang, name=name,
                                            precision=precision)  # fmt: skip
    choices["draw"] = translate("place_draw", lang)
    # A select box, not a radio: radio options render markdown, and these hold names.
    keys: list[str] = list(choices)
    choice: str = st.selectbox(translate("place_choice", lang), keys,
                               format_func=lambda key: choices[key],
                               key=f"place_choice_{index}") or "auto"  # fmt: skip
    placement = None
    if choice == "draw":
        geometry = render_draw_map(counties, lang=lang)
        default = 0 if geometry is None or geometry.geom_type == "Point" else 2
        precision = st.selectbox(translate("draw_precision", lang), DRAW_PRECISIONS, index=default,
                                 format_func=lambda p: translate(p, lang))  # fmt: skip
        if geometry is None:
            st.info(translate("nothing_drawn", lang))
        else:
            placement = Placement(index, geometry, precision,
                                  f"drawn on the map by editor {editor}")  # fmt: skip
    elif choice.startswith("unit:"):
        location = units[choice.removeprefix("unit:")]
        placement = Placement(index, location.geometry, location.precision, location.method)
    # A callback, not the button's return value: callbacks run before the script, so a
    # click survives a rerun that the drawing map starts while the click is handled.
    st.button(translate("keep_place", lang), disabled=choice == "draw" and placement is None,
              on_click=keep_placement, args=(placements, index, placement))  # fmt: skip
    if placements:
        names = "、".join(
            f"{i + 1}. {edits[i]['name']} ({translate(p.precision, lang)})"
            for i, p in sorted(placements.items())
            if i < len(edits)
        )
        notice(translate("placed", lang, records=names), kind="success")
