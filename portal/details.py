"""The details panel: a project's progress as of the chosen year, and every document's words.

The panel follows the year slider: its stages are the same as-of values the map
and the table show (:func:`layers.selection.as_of`). Each mention names its
document as a reporter cites it (issuer · date · kind · title), says whether it
*reports* a stage or *plans* one, and shows the quote and its whole sentence as
selectable text; "查看原文" opens the document at that place, the quote marked.

Document text is data: it is HTML-escaped and shown through ``st.html`` (no
markdown is interpreted), so a quote can neither run script nor pull an image
from outside.
"""

from __future__ import annotations

import html
from dataclasses import dataclass

import pandas as pd
import streamlit as st

from layers.selection import as_of
from layers.store import StoreContents
from portal import data
from portal.i18n import translate
from portal.notice import notice
from portal.state import SOURCE_KEY
from portal.wording import DASH, method_label, or_dash

PASSAGE_CHARS = 240
"""At most this many characters of context on each side of a quote's sentence."""


def _text(value: object) -> str:
    return "" if value is None or pd.isna(value) else str(value)


def _flag(value: object) -> bool:
    return bool(_text(value)) and _text(value) not in {"False", "0", "0.0"}


def _stage(value: object, lang: str) -> str:
    text = _text(value)
    return translate(text, lang) if text else translate("unreported", lang)


def target_text(project: pd.Series, *, lang: str) -> str:
    """The plan's target in words ("目标 2025 建成"), or "" when nothing is planned."""
    stage = _text(project.get("target_stage"))
    if not stage:
        return ""
    year = project.get("target_year")
    if year is None or pd.isna(year):
        return translate("target_undated", lang, stage=translate(stage, lang))
    return translate("target_text", lang, year=int(year), stage=translate(stage, lang))


def _precision(value: object, lang: str) -> str:
    text = _text(value)
    return translate(text, lang) if text else DASH


def project_facts(project: pd.Series, *, lang: str) -> pd.DataFrame:
    """The project's progress and place as a two-column table, codes translated.

    Every value is words in ``lang``: codes through :mod:`portal.i18n`, the
    geocoder's method through :func:`portal.wording.method_label`, and a missing
    value is a dash, never "None".
    """
    rows = [
        ("category", translate(str(project["category"]), lang)),
        ("known_stage", _stage(project["known_stage"], lang)),
        ("planned_stage", _stage(project["planned_stage"], lang)
         if _text(project["planned_stage"]) else DASH),
        ("target", target_text(project, lang=lang) or DASH),
        ("overdue", "⚠ " + translate("overdue", lang) if _flag(project["overdue"]) else DASH),
        ("info_date", or_dash(project["info_date"])),
        ("counties", or_dash(_text(project["counties"]).replace("|", "、"))),
        ("precision", _precision(project["precision"], lang)),
        ("geocode_method", method_label(project["geocode_method"], lang=lang)),
        ("aliases", or_dash(_text(project["aliases"]).replace("|", "、"))),
    ]  # fmt: skip
    if _text(project["length_km"]):
        rows.append(("length_km", f"{project['length_km']:.0f}"))
    return pd.DataFrame({"": [translate(k, lang) for k, _ in rows], " ": [v for _, v in rows]})


def _name_html(name: str) -> str:
    """The project's name as a heading of escaped text: no markdown, icons or links."""
    style = "font-weight:700;font-size:1.1em"
    return f'<div class="project-name" style="{style}">{html.escape(name)}</div>'


def facts_html(facts: pd.DataFrame) -> str:
    """The facts as a plain HTML table: readable, selectable, no sideways scrolling."""
    rows = "".join(
        f'<tr><th style="text-align:left;padding:2px 10px 2px 0;vertical-align:top;'
        f'color:#4a5568;font-weight:500">{html.escape(str(k))}</th>'
        f'<td style="padding:2px 0;overflow-wrap:anywhere">{html.escape(str(v))}</td></tr>'
        for k, v in zip(facts[""], facts[" "], strict=True)
    )
    return (f'<table class="project-facts" style="border-collapse:collapse;width:100%;'
            f'table-layout:fixed"><col style="width:40%"><col>{rows}</table>')  # fmt: skip


def document_citation(doc: pd.Series | None, doc_id: str, *, lang: str) -> str:
    """ "达州市人民政府办公室 · 2021-12-06 · 任务分解 · <title>" (plain text, not escaped)."""
    if doc is None:
        if doc_id.startswith("correction:"):
            return translate("editor_report", lang)
        return doc_id
    kind = _text(doc.get("kind"))
    parts = [_text(doc.get("issuer")), _text(doc.get("issued")),
             translate(f"kind_{kind}", lang) if kind else "", _text(doc.get("title"))]  # fmt: skip
    return " · ".join(p for p in parts if p)


def project_mentions(contents: StoreContents, project_id: str) -> pd.DataFrame:
    """Every mention of the project with its document's date, oldest document first."""
    mentions = contents.mentions[contents.mentions["project_id"] == project_id]
    issued = contents.documents.set_index("doc_id")["issued"]
    out = mentions.assign(issued=mentions["doc_id"].map(issued).astype("string"))
    return out.sort_values(["issued", "doc_id", "char_start"], kind="stable")


def _mention_html(row: pd.Series, citation: str, *, year: int | None, lang: str) -> str:
    voice = translate("reported_voice" if bool(row["reported"]) else "planned_voice", lang)
    years = _text(row["years"]).replace("|", "、")
    issued = _text(row["issued"])
    late = year is not None and issued[:4].isdigit() and int(issued[:4]) > year
    note = f" <i>{html.escape(translate('after_year', lang, year=year))}</i>" if late else ""
    sentence = _text(row["sentence"]) or _text(row["quote"])
    quote = _text(row["quote"])
    marked = html.escape(sentence)
    if quote and quote in sentence:
        at = sentence.index(quote)
        marked = (html.escape(sentence[:at]) + f"<mark>{html.escape(quote)}</mark>"
                  + html.escape(sentence[at + len(quote):]))  # fmt: skip
    style = "opacity:0.55;" if late else ""
    return (
        f'<div class="mention" style="{style}border-left:3px solid #a0aec0;padding:2px 8px;'
        f'margin:6px 0;user-select:text">'
        f'<div style="font-size:0.85em;color:#4a5568">{html.escape(citation)}{note}</div>'
        f"<div><b>{html.escape(voice)}</b> · {html.escape(_stage(row['status'], lang))}"
        f"{' · ' + html.escape(years) if years else ''}</div>"
        f'<div class="quote" style="white-space:pre-wrap">{marked}</div></div>'
    )


def render_details(
    contents: StoreContents, project_id: str | None, *, year: int | None, lang: str
) -> None:
    """Draw the panel for ``project_id`` as of ``year`` (or a hint when nothing is selected)."""
    st.subheader(translate("details", lang))
    projects = contents.projects
    row = projects[projects["project_id"] == project_id] if project_id else projects.iloc[:0]
    if row.empty:
        st.caption(translate("details_hint", lang))
        return
    shown = as_of(row, year) if year is not None else row
    if shown.empty:  # no document issued by then names it
        st.html(_name_html(_text(row.iloc[0]["name"])))
        st.caption(translate("not_yet_named", lang, year=year))
        return
    project = shown.iloc[0]
    st.html(_name_html(_text(project["name"])))
    st.html(facts_html(project_facts(project, lang=lang)))
    notice(f"{translate('project_link', lang)}: ?project={project_id}", kind="caption")
    _render_source(contents, lang=lang)
    st.caption(translate("timeline", lang))
    docs = contents.documents.set_index("doc_id")
    for i, (_, mention) in enumerate(project_mentions(contents, str(project_id)).iterrows()):
        doc_id = str(mention["doc_id"])
        doc = docs.loc[doc_id] if doc_id in docs.index else None
        st.html(_mention_html(mention, document_citation(doc, doc_id, lang=lang), year=year,
                              lang=lang))  # fmt: skip
        if doc is not None and not pd.isna(mention["char_start"]):
            spot = (doc_id, int(mention["char_start"]), int(mention["char_end"]),
                    _int(mention["sentence_start"], mention["char_start"]),
                    _int(mention["sentence_end"], mention["char_end"]))  # fmt: skip
            st.button(translate("open_source", lang), key=f"source_{project_id}_{i}",
                      on_click=_open_source, args=(spot,))  # fmt: skip


def _int(value: object, fallback: object) -> int:
    chosen = fallback if value is None or pd.isna(value) else value
    return int(str(chosen))


def _open_source(spot: tuple[str, int, int, int, int]) -> None:
    st.session_state[SOURCE_KEY] = spot


def _close_source() -> None:
    st.session_state.pop(SOURCE_KEY, None)


@dataclass(frozen=True)
class Passage:
    """A quote in its document: context, the sentence around the quote, the quote itself."""

    before: str
    sentence_before: str
    quote: str
    sentence_after: str
    after: str


def passage_around(
    text: str, start: int, end: int, sentence_start: int, sentence_end: int,
    *, limit: int = PASSAGE_CHARS,
) -> Passage:  # fmt: skip
    """The quote ``text[start:end]`` in its sentence, with a paragraph before and after.

    A paragraph is a line of the document; one line of a report scraped onto a
    single line can be the whole document, so each side is cut to ``limit``
    characters (at a line break or sentence end where one is near).
    """
    sentence_start = max(0, min(sentence_start, start))
    sentence_end = min(len(text), max(sentence_end, end))
    para_start = text.rfind("\n", 0, max(0, text.rfind("\n", 0, sentence_start))) + 1
    para_end = text.find("\n", text.find("\n", sentence_end) + 1)
    para_end = len(text) if para_end < 0 or text.find("\n", sentence_end) < 0 else para_end
    para_start = max(para_start, sentence_start - limit)
    para_end = min(para_end, sentence_end + limit)
    return Passage(
        before=text[para_start:sentence_start],
        sentence_before=text[sentence_start:start],
        quote=text[start:end],
        sentence_after=text[end:sentence_end],
        after=text[sentence_end:para_end],
    )


def passage_html(passage: Passage) -> str:
    """The passage as escaped HTML: the sentence tinted, the quote marked."""
    e = html.escape
    return (
        '<div class="source-passage" style="white-space:pre-wrap;user-select:text;'
        "border:1px solid #cbd5e0;border-radius:4px;padding:8px;"
        f'line-height:1.6">…{e(passage.before)}'
        f'<span class="sentence" style="background:#fefcbf">{e(passage.sentence_before)}'
        f'<mark style="background:#f6e05e;font-weight:600">{e(passage.quote)}</mark>'
        f"{e(passage.sentence_after)}</span>{e(passage.after)}…</div>"
    )


def _render_source(contents: StoreContents, *, lang: str) -> None:
    """The open source passage (a quote's "查看原文"), if any."""
    spot = st.session_state.get(SOURCE_KEY)
    if not spot:
        return
    doc_id, start, end, sentence_start, sentence_end = spot
    docs = contents.documents.set_index("doc_id")
    doc = docs.loc[doc_id] if doc_id in docs.index else None
    title = translate("source_view", lang, title=document_citation(doc, doc_id, lang=lang))
    st.html(f'<div class="source-title" style="font-weight:600">{html.escape(title)}</div>')
    text = data.load_source_text(doc_id)
    if text is None or end > len(text):
        notice(translate("source_missing", lang, doc_id=doc_id), kind="warning")
    else:
        st.html(passage_html(passage_around(text, start, end, sentence_start, sentence_end)))
    st.button(translate("close_source", lang), key="close_source", on_click=_close_source)
