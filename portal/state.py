"""Session-state keys, named once so pages and widgets cannot drift apart."""

from __future__ import annotations

from typing import Any

LANG_KEY = "lang_english"
"""bool: True when the user switched the interface to English."""

MAP_KEY = "project_map"
"""Widget key of the main map component."""

SELECTED_KEY = "selected_project"
"""str | None: project_id whose details panel is open."""

CLOSE_DETAILS_KEY = "close_details"
"""Widget key of the button that closes the details (the map takes the whole width again)."""

ZOOM_KEY = "zoom_to_project"
"""str | None: project_id the map frames (a ``?project=`` link, a table row)."""

ZOOM_SEQ_KEY = "zoom_request"
"""int: counts zoom requests; the map frames the project once per request, however many
reruns pass before the browser hears of it (a popped request was lost to a quick rerun)."""

VIEW_REPORT_KEY = "map_view_report"
"""portal.mapcomponent.MapReport | None: what the map of a large store showed after its last
move (box, zoom, frame, time); the page asks the store for that view (portal.viewport)."""

VIEW_ZOOM_SEEN_KEY = "map_view_zoom_seen"
"""int: the last zoom request (ZOOM_SEQ_KEY) a large store's page has asked the store for."""

SOURCE_KEY = "source_view"
"""tuple[str, int, int, int, int] | None: (doc_id, quote start, end, sentence start, end)
of the source passage open under the details."""

PROJECT_LOADED_KEY = "project_from_query_loaded"
"""bool: the URL's ``project`` was copied into SELECTED_KEY (once per session)."""

# Sidebar filters (each also kept in the URL query string, see portal.filters).
PREFECTURE_KEY = "filter_prefectures"
COUNTY_KEY = "filter_counties"
CATEGORY_KEY = "filter_categories"
STATUS_KEY = "filter_statuses"
YEAR_KEY = "filter_year"
TARGET_KEY = "filter_target_years"
DOC_KEY = "filter_documents"
OVERDUE_KEY = "filter_overdue"
SEARCH_KEY = "filter_search"
PREFECTURE_LEVEL_KEY = "filter_prefecture_level"
"""bool: a county view also shows the projects known only by its prefecture (default on)."""
QUERY_LOADED_KEY = "filters_from_query_loaded"
"""bool: the URL's filters were copied into the widgets (once per session)."""

TABLE_KEY = "project_table"
"""Widget key of the project table (row selection opens the details)."""

BASEMAP_KEY = "basemap"
"""str: the chosen basemap (offline county outlines by default)."""

PRESENT_KEY = "presentation_mode"
"""bool: presentation mode (sidebar and controls hidden, large title)."""

EXPORT_KEY = "export_request"
"""str: the selection, format and headers of the download being offered."""

DISPLAY_LOADED_KEY = "display_from_query_loaded"
"""bool: the URL's basemap and presentation settings were copied into the widgets."""

# Editors (portal.signin, portal.editor, portal.review). None of these is a widget key,
# so no browser message can set them: only a successful sign-in sets EDITOR_KEY.
EDITOR_KEY = "signed_in_editor"
"""str | None: the signed-in editor's name; None for a viewer."""

UPLOAD_KEY = "editor_upload"
"""Widget key of the file uploader."""

DRAFT_KEY = "editor_draft"
"""dict: the upload being reviewed (file, catalog guess, records, placements)."""

REVIEW_KEY = "editor_review_table"
"""Widget key of the review table (st.data_editor)."""

DRAW_KEY = "editor_draw_map"
"""Widget key of the map editors draw a location on."""

NOTICE_KEY = "editor_notice"
"""str: a success message shown once after publishing or undoing."""

# The placement queue (portal.placement).
PLACE_PROJECT_KEY = "place_queue_project"
"""Widget key of the queue's project picker (its value is a project_id), with the round
appended: a new picker after each placement, since the browser keeps a widget's value."""

PLACE_ROUND_KEY = "place_queue_round"
"""int: placements made in this session (not a widget key)."""

PLACE_NEXT_KEY = "place_queue_next"
"""str: the project the picker opens on after a placement, the one after the placed one."""

PLACE_MAP_KEY = "place_queue_map"
"""Widget key of the queue's map (candidates as markers, drawing tools)."""

PLACE_REASON_KEY = "place_queue_reason"
"""Widget key of the optional reason typed for a placement."""

PLACE_PRECISION_KEY = "place_queue_precision"
"""Widget key of the precision chosen for a drawn placement."""

PLACE_NOTICE_KEY = "place_queue_notice"
"""str: the success message shown once after a placement (not a widget key)."""


def request_zoom(state: Any, project_id: str) -> None:
    """Ask the map to frame ``project_id`` once (``state`` is ``st.session_state``)."""
    state[ZOOM_KEY] = project_id
    state[ZOOM_SEQ_KEY] = int(state.get(ZOOM_SEQ_KEY, 0)) + 1


def select_project(project_id: str) -> None:
    """Open ``project_id``'s details (a pick on the map or in a list), its source closed."""
    import streamlit as st

    st.session_state[SELECTED_KEY] = project_id
    st.session_state.pop(SOURCE_KEY, None)


def close_details() -> None:
    """Close the details (the map takes the whole width again)."""
    import streamlit as st

    st.session_state.pop(SELECTED_KEY, None)
    st.session_state.pop(SOURCE_KEY, None)


def layers_from_map(categories: list[str]) -> None:
    """The map's layer switches set the sidebar's layer filter (before it is drawn)."""
    import streamlit as st

    st.session_state[CATEGORY_KEY] = categories
