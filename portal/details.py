"""The details panel: everything the documents say about one project.

Document text is shown through Streamlit's table and text elements, which render
it as text; the few places that use markdown escape it first, so a quote
can neither run script nor pull an image from outside.
"""

from __future__ import annotations

import re

import pandas as pd
import streamlit as st

from layers.store import StoreContents
from portal.i18n import translate

_MARKDOWN_SPECIAL = re.compile(r"([\\`*_{}\[\]()#+\-.!|<>~$])")


def escape_markdown(text: str) -> str:
    """Text shown literally by st.markdown (no links, images, HTML or emphasis)."""
    return _MARKDOWN_SPECIAL.sub(r"\\\1", text)


def _text(value: object) -> str:
    return "" if value is None or pd.isna(value) else str(value)


def project_facts(project: pd.Series, *, lang: str) -> pd.DataFrame:
    """The project's fields as a two-column table, values translated where they are codes."""
    rows = [
        ("category", translate(str(project["category"]), lang)),
        ("status", translate(str(project["status"]), lang)),
        ("target_year", "" if pd.isna(project["target_year"]) else str(project["target_year"])),
        ("counties", _text(project["counties"]).replace("|", "、")),
        ("precision", translate(str(project["precision"]), lang)),
        ("geocode_method", _text(project["geocode_method"])),
        ("aliases", _text(project["aliases"]).replace("|", "、")),
    ]
    if not pd.isna(project["length_km"]):
        rows.append(("length_km", f"{project['length_km']:.0f}"))
    if _text(project["overdue"]) == "True":
        rows.append(("overdue", "⚠"))
    return pd.DataFrame({"": [translate(k, lang) for k, _ in rows], " ": [v for _, v in rows]})


def project_timeline(contents: StoreContents, project_id: str, *, lang: str) -> pd.DataFrame:
    """Each mention of the project, oldest document first, with the exact quote."""
    mentions = contents.mentions[contents.mentions["project_id"] == project_id]
    docs = contents.documents.set_index("doc_id")
    table = pd.DataFrame({
        translate("document", lang): [f"{d} {docs.loc[d, 'title']}" if d in docs.index else d
                                      for d in mentions["doc_id"]],
        translate("issued", lang): [docs.loc[d, "issued"] if d in docs.index else ""
                                    for d in mentions["doc_id"]],
        translate("status", lang): [translate(str(s), lang) for s in mentions["status"]],
        translate("years", lang): mentions["years"].fillna("").str.replace("|", "、"),
        translate("quote", lang): mentions["quote"],
    })  # fmt: skip
    return table.sort_values(translate("issued", lang), kind="stable").reset_index(drop=True)


def render_details(contents: StoreContents, project_id: str | None, *, lang: str) -> None:
    """Draw the panel for ``project_id`` (or a hint when nothing is selected)."""
    st.subheader(translate("details", lang))
    projects = contents.projects.set_index("project_id")
    if not project_id or project_id not in projects.index:
        st.caption(translate("details_hint", lang))
        return
    project = projects.loc[project_id]
    st.markdown(f"**{escape_markdown(_text(project['name']))}**")
    st.dataframe(project_facts(project, lang=lang), hide_index=True, width="stretch")
    st.caption(translate("timeline", lang))
    st.dataframe(project_timeline(contents, project_id, lang=lang), hide_index=True,
                 width="stretch")  # fmt: skip
