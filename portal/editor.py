"""The editing page: upload a plan document, fill in its catalog row, review, place, publish, undo.

Nothing is written to the store before "Publish", and publishing is one locked
rebuild (:func:`layers.publish.publish`), so a refused upload, a closed tab or
two editors at once never leave the store half-changed. Every refusal is shown in
Chinese and English. The page draws nothing without a signed-in editor.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import hashlib

import pandas as pd
import streamlit as st

from layers.corpus import DOCUMENT_KINDS
from layers.errors import PortalError
from layers.intake import (
    UPLOAD_LIMIT_MB,
    UPLOAD_SUFFIXES,
    IntakeError,
    catalog_entry,
    check_has_projects,
    check_not_duplicate,
    draft_records,
    guess_catalog,
    read_upload,
    review_records,
)
from layers.publish import (
    Publication,
    known_documents,
    publish,
    published_documents,
    upload_doc_id,
    withdraw,
)
from layers.store import CATEGORIES
from portal import data
from portal.i18n import translate
from portal.notice import notice
from portal.review import auto_location, render_placement, render_review_table, review_frame
from portal.signin import open_editor_page
from portal.state import DRAFT_KEY, NOTICE_KEY, UPLOAD_KEY
from portal.wording import streamlit_words_css

UPLOADER_ROUND_KEY = "editor_uploader_round"
"""int: bumped after a publish so the uploader starts empty (not a widget key)."""
KIND_LABELS = frozenset(f"kind_{k}" for k in DOCUMENT_KINDS)


def show_refusal(exc: IntakeError, *, lang: str) -> None:
    """Every problem, in Chinese and in English, and that nothing was written."""
    head = f"{translate('refused', 'zh')} / {translate('refused', 'en')}"
    items = [f"{problem.text('zh')}\n{problem.text('en')}" for problem in exc.problems]
    notice("", head=head, items=items)


def show_out_of_memory() -> None:
    """The portal ran out of memory on this file: say so in both languages; nothing kept."""
    head = f"{translate('refused', 'zh')} / {translate('refused', 'en')}"
    notice(f"{translate('out_of_memory', 'zh')}\n{translate('out_of_memory', 'en')}", head=head)


def _draft(name: str, payload: bytes, *, lang: str) -> dict | None:
    """The session's draft for this file: checked once per file, kept across reruns."""
    sha = hashlib.sha256(payload).hexdigest()
    draft = st.session_state.get(DRAFT_KEY)
    if draft is not None and draft["sha256"] == sha and draft["name"] == name:
        return draft
    st.session_state.pop(DRAFT_KEY, None)
    try:
        upload = read_upload(payload, name=name)
        check_not_duplicate(upload.sha256, known_documents(data.store_location()))
        check_has_projects(upload, places=data.load_geocoder().places)
    except IntakeError as exc:
        show_refusal(exc, lang=lang)
        return None
    except MemoryError:
        show_out_of_memory()
        return None
    geocoder = data.load_geocoder()
    guess = guess_catalog(upload.text, places=geocoder.places, options=data.jurisdictions())
    draft = {"sha256": sha, "name": name, "upload": upload, "guess": guess, "entry": None,
             "records": None, "placements": {}}  # fmt: skip
    st.session_state[DRAFT_KEY] = draft
    return draft


def _render_catalog(draft: dict, *, lang: str) -> None:
    """The catalog row, prefilled from the text; "Extract" validates it and extracts."""
    guess, key = draft["guess"], draft["sha256"][:12]
    options = data.jurisdictions()
    labels = list(options)
    st.subheader(translate("catalog", lang))
    with st.form(f"catalog_{key}"):
        title = st.text_input(translate("doc_title", lang), value=guess.title)
        jurisdiction = st.selectbox(
            translate("jurisdiction", lang), labels, accept_new_options=True,
            index=labels.index(guess.jurisdiction) if guess.jurisdiction in options else None,
            placeholder=translate("choose_or_type", lang),
        )  # fmt: skip
        issued = st.text_input(translate("issue_date", lang), value=guess.issued)
        kinds = sorted(DOCUMENT_KINDS)
        kind = st.selectbox(translate("kind", lang), kinds, index=kinds.index(guess.kind),
                            format_func=lambda k: translate(f"kind_{k}", lang))  # fmt: skip
        issuer = st.text_input(translate("issuer", lang), max_chars=60,
                               placeholder=translate("issuer_default", lang))  # fmt: skip
        submitted = st.form_submit_button(translate("extract", lang))
    if not submitted:
        return
    upload = draft["upload"]
    try:
        entry = catalog_entry(
            doc_id=upload_doc_id(upload.sha256), file=upload.stored_name, title=title,
            jurisdiction=jurisdiction or "", issued=issued, kind=kind, options=options,
            today=dt.date.today(),
        )  # fmt: skip
        entry = dataclasses.replace(entry, issuer=issuer.strip())
        records = draft_records(upload, entry, places=data.load_geocoder().places)
    except IntakeError as exc:
        draft["entry"], draft["records"] = None, None
        show_refusal(exc, lang=lang)
        return
    except MemoryError:
        draft["entry"], draft["records"] = None, None
        show_out_of_memory()
        return
    draft["entry"], draft["records"], draft["placements"] = entry, records, {}
    draft["round"] = draft.get("round", 0) + 1  # a fresh review table for a fresh extraction


def _render_review_and_publish(draft: dict, *, editor: str, lang: str) -> None:
    entry, records, upload = draft["entry"], draft["records"], draft["upload"]
    geocoder = data.load_geocoder()
    if "locations" not in draft or draft.get("locations_for") is not records:
        draft["locations"] = [auto_location(r, geocoder=geocoder, adcode=entry.adcode)
                              for r in records]  # fmt: skip
        draft["locations_for"] = records
    st.subheader(translate("review", lang, n=len(records)))
    frame = review_frame(records, text=upload.text, locations=draft["locations"], lang=lang)
    edits = render_review_table(frame, key=f"{draft['sha256'][:12]}_{draft['round']}", lang=lang)
    render_placement(
        records, edits, draft["placements"], locations=draft["locations"], geocoder=geocoder,
        jurisdiction=entry.jurisdiction, adcode=entry.adcode,
        counties=data.load_corpus_counties(), editor=editor, lang=lang,
    )  # fmt: skip
    reason = st.text_input(translate("reason", lang), key=f"reason_{draft['sha256'][:12]}")
    if not st.button(translate("publish", lang), type="primary"):
        return
    try:
        kept, log, indices = review_records(records, edits, doc_id=entry.doc_id, editor=editor,
                                            reason=reason, categories=CATEGORIES)  # fmt: skip
        placements = [p for i, p in sorted(draft["placements"].items()) if i in indices]
        publication = Publication(upload, entry, kept, indices, log, placements, editor,
                                  reason.strip())  # fmt: skip
        publish(data.store_location(), publication, geocoder=geocoder)
    except IntakeError as exc:
        show_refusal(exc, lang=lang)
        return
    except PortalError as exc:
        notice(str(exc))
        return
    st.cache_data.clear()  # this process's viewers; others see the new store version
    st.session_state.pop(DRAFT_KEY, None)
    st.session_state[UPLOADER_ROUND_KEY] = st.session_state.get(UPLOADER_ROUND_KEY, 0) + 1
    st.session_state[NOTICE_KEY] = translate("published", lang, doc_id=entry.doc_id, n=len(kept))
    st.rerun()


def _render_store_state(published: pd.DataFrame, *, lang: str) -> None:
    """What the store holds now, read afresh on every run: after a lost connection
    mid-publish, the editor sees at once whether the document landed (listed, with its
    time)."""
    if not len(published):
        st.caption(translate("store_state_none", lang))
        return
    latest = published.iloc[0]
    notice(translate("store_state", lang, n=len(published), doc_id=str(latest["doc_id"]),
                     title=str(latest["title"]), when=str(latest["published_at"]),
                     editor=str(latest["editor"])), kind="caption")  # fmt: skip


def _render_published(*, editor: str, lang: str) -> None:
    """What was published here, and undo."""
    st.subheader(translate("published_docs", lang))
    location = data.store_location()
    try:
        published = published_documents(location)
    except PortalError as exc:
        notice(str(exc))
        return
    _render_store_state(published, lang=lang)
    if not len(published):
        return
    st.dataframe(published_table(published, lang=lang), hide_index=True, width="stretch")
    doc_id = st.selectbox(translate("undo", lang), list(published["doc_id"]), index=None,
                          key="undo_doc", placeholder=translate("choose_option", lang))  # fmt: skip
    if doc_id and st.button(translate("undo", lang) + f": {doc_id}"):
        try:
            withdraw(location, doc_id, geocoder=data.load_geocoder(),
                     editor=editor)  # fmt: skip
        except IntakeError as exc:
            show_refusal(exc, lang=lang)
            return
        st.cache_data.clear()
        st.session_state[NOTICE_KEY] = translate("undone", lang, doc_id=doc_id)
        st.rerun()


# Streamlit writes its transport cap ("64MB per file") under the uploader. The limit
# that holds is the code's 50 MB, refused with a message in Chinese and English, and
# the uploader's own label states it (with the accepted types): so Streamlit's line,
# which would contradict it, is hidden (static CSS, no document text).
_HIDE_TRANSPORT_LIMIT = (
    '<style>[data-testid="stFileUploaderDropzoneInstructions"] {display: none;}</style>'
)
PUBLISHED_COLUMNS = {"doc_id": "col_doc_id", "title": "doc_title", "issuer": "col_issuer",
                     "jurisdiction": "jurisdiction", "issued": "issued", "kind": "kind",
                     "editor": "col_editor", "published_at": "col_published_at",
                     "original_name": "col_original_name", "reason": "col_reason"}  # fmt: skip
"""The published documents' columns and the labels their heads are shown with."""


def published_table(published: pd.DataFrame, *, lang: str) -> pd.DataFrame:
    """The published documents with headed columns and kinds in words (``lang``)."""
    table = published[list(PUBLISHED_COLUMNS)].copy()
    table["kind"] = [translate(f"kind_{k}", lang) if f"kind_{k}" in KIND_LABELS else k
                     for k in table["kind"].astype(object)]  # fmt: skip
    return table.rename(columns={c: translate(k, lang) for c, k in PUBLISHED_COLUMNS.items()})


def render() -> None:
    """The editing page (editors only)."""
    editor, lang = open_editor_page("page_edit")
    st.title(translate("page_edit", lang))
    notice = st.session_state.pop(NOTICE_KEY, None)
    slot = st.empty()  # always one element here, so the uploader keeps its place
    if notice:
        slot.success(notice)
    round_ = st.session_state.get(UPLOADER_ROUND_KEY, 0)
    st.html(_HIDE_TRANSPORT_LIMIT + streamlit_words_css(lang=lang))
    file = st.file_uploader(translate("upload", lang, limit=UPLOAD_LIMIT_MB),
                            type=[s.lstrip(".") for s in UPLOAD_SUFFIXES],
                            key=f"{UPLOAD_KEY}_{round_}")  # fmt: skip
    if file is not None:
        draft = _draft(file.name, file.getvalue(), lang=lang)
        if draft is not None:
            _render_catalog(draft, lang=lang)
            if draft["records"]:
                _render_review_and_publish(draft, editor=editor, lang=lang)
    else:
        st.session_state.pop(DRAFT_KEY, None)
    _render_published(editor=editor, lang=lang)
