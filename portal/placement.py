"""The placement queue: projects still known only to their county or prefecture, for editors.

Half the projects of the plan documents end on a whole county or prefecture,
because the geocoder found nothing finer it could vouch for. A person often can:
"普光经开区" is at 普光镇. This page lists those projects, most-mentioned first
(:func:`layers.candidates.queue_from_store`), shows what the documents say of
the one picked, and offers the townships, villages and stations its words name
(:func:`layers.candidates.candidates_for`) on a small map and as a ranked list.
One click on "采用" records the placement; a point or line drawn on the same
map does too, at the precision the editor vouches for.

A placement is three project corrections (geometry, precision, method) with the
editor's name, the time and a reason, appended to the store's log under its lock
(:func:`layers.publish.record_placement`). Every later build re-applies them, so
the map shows the new place after the next rebuild, and the project leaves the
queue at once (the queue reads the log too). Document text and gazetteer names
reach the page only escaped (``st.html``) or as plain widget text.
"""

from __future__ import annotations

import html
from collections.abc import Mapping, Sequence

import folium
import geopandas as gpd
import pandas as pd
import shapely
import streamlit as st
from streamlit_folium import st_folium

from layers.candidates import Candidate, candidates_for, placement_method, queue_from_store
from layers.errors import PortalError, StoreError
from layers.placenames import PlaceIndex
from layers.publish import record_placement
from layers.store import StoreContents
from portal import data
from portal.assets import local_draw_plugin, localise_map_assets
from portal.i18n import translate
from portal.mapview import DISPLAY_TOLERANCE_DEG, build_county_map
from portal.notice import notice
from portal.review import drawn_geometry
from portal.signin import open_editor_page
from portal.state import (
    PLACE_MAP_KEY,
    PLACE_NEXT_KEY,
    PLACE_NOTICE_KEY,
    PLACE_PRECISION_KEY,
    PLACE_PROJECT_KEY,
    PLACE_REASON_KEY,
    PLACE_ROUND_KEY,
)
from portal.wording import method_label, streamlit_words_css

MAP_HEIGHT = 520
MAX_CANDIDATES = 12
"""Offers shown; beyond a dozen the weakest (a stem in a long sentence) help nobody."""

CANDIDATE_PRECISION = "near"
"""A township's, village's or station's point is the place a project is named after, never
the facility itself (DESIGN.md, precision codes)."""

POINT_PRECISIONS = ("near", "exact")
LINE_PRECISIONS = ("route", "exact")
"""What a drawing may claim: a point defaults to ``near`` and a line to ``route`` (the editor
vouches for ``exact`` only by choosing it), as in the review of an upload."""

_DRAW_OPTIONS = {"polyline": True, "marker": True, "polygon": False, "rectangle": False,
                 "circle": False, "circlemarker": False}  # fmt: skip
_OUTLINE_STYLE = {"color": "#c05621", "weight": 2.5, "dashArray": "6 5", "fill": False}
_MARKER_HTML = (
    '<div style="background:#2b6cb0;color:#fff;border:2px solid #fff;border-radius:50%;'
    "width:24px;height:24px;box-sizing:border-box;display:flex;align-items:center;"
    'justify-content:center;font:bold 13px sans-serif;box-shadow:0 0 3px rgba(0,0,0,.5)">'
    "{rank}</div>"
)
_QUOTES_STYLE = (
    "max-height:180px;overflow-y:auto;border:1px solid rgba(49,51,63,0.2);border-radius:0.5rem;"
    "padding:8px 12px;font-size:14px;line-height:1.6;overflow-wrap:anywhere"
)


def queue_label(row: Mapping[str, object], *, lang: str) -> str:
    """How a queued project reads in the picker (plain text: a select box renders no markup)."""
    return translate("queue_option", lang, name=row["name"], n=row["mentions"],
                     precision=translate(str(row["precision"]), lang))  # fmt: skip


def quotes_html(project_id: str, contents: StoreContents) -> tuple[int, str]:
    """The project's quotes with their documents, escaped, in a scrolling box (and how many)."""
    mentions = contents.mentions[contents.mentions["project_id"] == project_id]
    titles = dict(zip(contents.documents["doc_id"], contents.documents["title"], strict=True))
    items = []
    for row in mentions.itertuples():
        source = f"{row.doc_id} · {titles.get(row.doc_id, '')}"
        items.append(f'<li><span style="color:rgba(49,51,63,0.6)">{html.escape(source)}</span>'
                     f"<br>{html.escape(str(row.quote))}</li>")  # fmt: skip
    body = f'<ul style="margin:0;padding-left:1.2em">{"".join(items)}</ul>'
    return len(items), f'<div class="queue-quotes" style="{_QUOTES_STYLE}">{body}</div>'


def county_name(adcode: str, places: PlaceIndex) -> str:
    """A county's name for a person (its adcode if the index lacks it, never an error)."""
    unit = places.units.get(adcode)
    return unit.name if unit is not None else adcode


def candidate_text(candidate: Candidate, *, rank: int, places: PlaceIndex, lang: str) -> str:
    """One offer in words: rank, name, kind and county, then why it was offered."""
    line = translate("candidate_line", lang, rank=rank, name=candidate.name,
                     kind=translate(f"locality_{candidate.kind}", lang),
                     county=county_name(candidate.county_adcode, places))  # fmt: skip
    return f"{line}\n{translate(f'found_{candidate.found_in}', lang, stem=candidate.stem)}"


def _scope_counties(
    counties: gpd.GeoDataFrame, project: pd.Series, candidates: Sequence[Candidate]
) -> gpd.GeoDataFrame:
    """The counties to outline: those the project or its candidates touch, else all."""
    geometry = project.geometry
    touched = set(c.county_adcode for c in candidates)
    if geometry is not None and not geometry.is_empty:
        touched |= set(counties.loc[counties.intersects(geometry.buffer(-0.01)), "adcode"])
    shown = counties[counties["adcode"].isin(touched)]
    return shown if len(shown) else counties


def placement_map(
    project: pd.Series,
    candidates: Sequence[Candidate],
    counties: gpd.GeoDataFrame,
    *,
    lang: str,
) -> folium.Map:
    """The project's counties, its current outline (dashed), numbered candidates, draw tools."""
    shown = _scope_counties(counties, project, candidates)
    fmap = build_county_map(shown, lang=lang)
    geometry = project.geometry
    bounds = [shown.total_bounds]
    if geometry is not None and not geometry.is_empty:
        outline = gpd.GeoDataFrame(geometry=[geometry.simplify(DISPLAY_TOLERANCE_DEG)],
                                   crs="EPSG:4326")  # fmt: skip
        folium.GeoJson(outline, style_function=lambda _f: _OUTLINE_STYLE,
                       interactive=False).add_to(fmap)  # fmt: skip
        bounds = [outline.total_bounds]
    for rank, candidate in enumerate(candidates, start=1):
        point = candidate.point
        folium.Marker(
            [point.y, point.x],
            icon=folium.DivIcon(html=_MARKER_HTML.format(rank=rank), icon_size=(24, 24),
                                icon_anchor=(12, 12)),
            tooltip=folium.Tooltip(html.escape(f"{rank}. {candidate.name}")),
        ).add_to(fmap)  # fmt: skip
    if candidates:
        points = shapely.MultiPoint([c.point for c in candidates])
        bounds.append(points.buffer(0.02).bounds)
    minx = min(b[0] for b in bounds)
    miny = min(b[1] for b in bounds)
    maxx = max(b[2] for b in bounds)
    maxy = max(b[3] for b in bounds)
    fmap.fit_bounds([[miny, minx], [maxy, maxx]])
    local_draw_plugin(draw_options=_DRAW_OPTIONS, edit_options={"edit": False}).add_to(fmap)
    return localise_map_assets(fmap)


def reason_text(default: str, typed: str) -> str:
    """The log's why: where the placement came from, then what the editor added."""
    typed = typed.strip()
    return f"{default}; {typed}" if typed else default


def _record(
    project: pd.Series,
    geometry: shapely.Geometry,
    *,
    precision: str,
    method: str,
    why: str,
    place: str,
    editor: str,
    following: str | None,
    lang: str,
) -> None:
    """Write the placement, then start again on the next project, with a success message."""
    try:
        record_placement(data.store_location(), str(project["project_id"]), geometry=geometry,
                         precision=precision, method=method, editor=editor,
                         reason=why)  # fmt: skip
    except PortalError as exc:
        notice(str(exc))
        return
    st.cache_data.clear()  # the store's version changed; every cached read is stale
    st.session_state[PLACE_ROUND_KEY] = st.session_state.get(PLACE_ROUND_KEY, 0) + 1
    st.session_state[PLACE_NEXT_KEY] = following
    st.session_state[PLACE_NOTICE_KEY] = translate(
        "placed_from_queue", lang, name=project["name"], place=place,
        precision=translate(precision, lang),
    )  # fmt: skip
    st.rerun()


def _render_candidates(
    project: pd.Series,
    candidates: Sequence[Candidate],
    *,
    places: PlaceIndex,
    reason: str,
    editor: str,
    following: str | None,
    lang: str,
) -> None:
    st.subheader(translate("candidates_head", lang, n=len(candidates)))
    if not candidates:
        st.info(translate("no_candidates", lang))
        return
    for rank, candidate in enumerate(candidates, start=1):
        text, button = st.columns([3, 1], vertical_alignment="center")
        with text:
            notice(candidate_text(candidate, rank=rank, places=places, lang=lang), kind="caption")
        with button:
            key = f"accept_{project['project_id']}_{rank}"
            clicked = st.button(translate("accept", lang), key=key)
        if clicked:
            county = county_name(candidate.county_adcode, places)
            _record(
                project, candidate.point, precision=CANDIDATE_PRECISION,
                method=placement_method(candidate, county=county, editor=editor),
                why=reason_text(f"placed from the queue: {candidate.name} ({county})", reason),
                place=f"{candidate.name}（{county}）", editor=editor, following=following,
                lang=lang,
            )  # fmt: skip


def _render_drawing(
    project: pd.Series,
    drawing: shapely.Geometry | None,
    *,
    reason: str,
    editor: str,
    following: str | None,
    lang: str,
) -> None:
    st.subheader(translate("draw_instead", lang))
    st.caption(translate("draw_help", lang))
    if drawing is None:
        st.info(translate("nothing_drawn", lang))
        return
    is_point = drawing.geom_type == "Point"
    options = POINT_PRECISIONS if is_point else LINE_PRECISIONS
    key = f"{PLACE_PRECISION_KEY}_{drawing.geom_type}"  # a point's default is not a line's
    chosen = st.selectbox(translate("draw_precision", lang), options, key=key,
                          format_func=lambda p: translate(p, lang))  # fmt: skip
    precision = chosen or options[0]
    shape = "point" if is_point else "line"
    if st.button(translate("accept_drawing", lang), type="primary"):
        _record(
            project, drawing, precision=precision,
            method=f"{shape} drawn on the map by editor {editor} in the placement queue",
            why=reason_text(f"placed from the queue: a {shape} drawn on the map", reason),
            place=translate("drawn_place", lang, shape=translate(f"shape_{shape}", lang)),
            editor=editor, following=following, lang=lang,
        )  # fmt: skip


def _render_queue(queue: pd.DataFrame, *, lang: str) -> str | None:
    """The queue as a table and a picker; returns the picked project_id."""
    st.subheader(translate("queue_count", lang, n=len(queue)))
    st.caption(translate("queue_help", lang))
    if not len(queue):
        st.success(translate("queue_empty", lang))
        return None
    table = pd.DataFrame({
        translate("name", lang): queue["name"],
        translate("category", lang): queue["category"].map(lambda c: translate(str(c), lang)),
        translate("precision", lang): queue["precision"].map(lambda p: translate(str(p), lang)),
        translate("counties", lang): queue["counties"].fillna("").str.replace("|", "、"),
        translate("mentions_count", lang): queue["mentions"],
        translate("documents_count", lang): queue["documents"],
    })  # fmt: skip
    st.dataframe(table, hide_index=True, width="stretch", height=180)
    ids = list(queue["project_id"])
    key = f"{PLACE_PROJECT_KEY}_{st.session_state.get(PLACE_ROUND_KEY, 0)}"
    if st.session_state.get(key) not in ids:
        st.session_state.pop(key, None)  # gone in a rebuild since it was picked
    following = st.session_state.get(PLACE_NEXT_KEY)
    rows = queue.set_index("project_id")
    picked: str | None = st.selectbox(
        translate("queue_project", lang), ids, key=key,
        index=ids.index(following) if following in ids else 0,
        format_func=lambda pid: queue_label(rows.loc[pid], lang=lang),
    )  # fmt: skip
    return picked


def following_project(queue: pd.DataFrame, picked: str) -> str | None:
    """The project to show once ``picked`` is placed: the next in the queue (else the one
    before), so an editor working down the queue keeps their place."""
    ids = list(queue["project_id"])
    at = ids.index(picked)
    rest = ids[at + 1 :] or ids[:at][-1:]
    return rest[0] if rest else None


def render() -> None:
    """The placement queue page (editors only)."""
    editor, lang = open_editor_page("page_place")
    st.html(streamlit_words_css(lang=lang))  # no "Press Enter to apply" in English
    st.title(translate("page_place", lang))
    done = st.session_state.pop(PLACE_NOTICE_KEY, None)
    if done:
        notice(str(done), kind="success")  # it holds a project's name: escaped
    try:
        contents = data.load_store()
    except StoreError as exc:
        notice(str(exc), head=translate("no_store", lang))
        return
    queue = queue_from_store(contents.projects, contents.mentions,
                             corrections=contents.corrections)  # fmt: skip
    picked = _render_queue(queue, lang=lang)
    if picked is None:
        return
    project = contents.projects.set_index("project_id", drop=False).loc[picked]
    places = data.load_geocoder().places
    found = candidates_for(project, contents.mentions, localities=data.load_localities(),
                           places=places, documents=contents.documents)  # fmt: skip
    candidates = found[:MAX_CANDIDATES]
    count, quotes = quotes_html(picked, contents)
    left, right = st.columns([3, 2])
    with left:
        st.caption(translate("queue_map_help", lang))
        fmap = placement_map(project, candidates, data.load_corpus_counties(), lang=lang)
        result = st_folium(fmap, height=MAP_HEIGHT, use_container_width=True,
                           key=f"{PLACE_MAP_KEY}_{picked}",
                           returned_objects=["all_drawings"])  # fmt: skip
    with right:
        notice(translate("queue_now", lang,
                         method=method_label(project["geocode_method"], lang=lang)),
               kind="caption")  # fmt: skip
        st.markdown(f"**{translate('queue_quotes', lang, n=count)}**")  # fixed text only
        st.html(quotes)
        reason = st.text_input(translate("place_reason", lang), key=PLACE_REASON_KEY)
        following = following_project(queue, picked)
        _render_candidates(project, candidates, places=places, reason=reason, editor=editor,
                           following=following, lang=lang)  # fmt: skip
        _render_drawing(project, drawn_geometry(result), reason=reason, editor=editor,
                        following=following, lang=lang)  # fmt: skip
