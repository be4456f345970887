"""Every word the portal shows is in portal/i18n.py, in Chinese and in English.

An AST walk over portal/*.py (no browser, no Streamlit run):

* every ``translate("key", …)`` names a key of :data:`portal.i18n.LABELS` with both
  languages, and every family of keys built from codes (``kind_<code>``,
  ``format_<fmt>``, stage, layer and precision codes …) is complete;
* no Streamlit widget, heading or message is given words as a literal (a
  Chinese or English word typed into ``st.button("…")``): such text would show
  in one language whatever the reader chose. Literals without words (an arrow,
  a colon, markup) are fine.
"""

from __future__ import annotations

import ast
import re
from collections.abc import Iterator
from pathlib import Path

import pytest

from layers import REPO_ROOT
from layers.corpus import DOCUMENT_KINDS
from layers.export import FORMATS
from layers.model import Precision, Stage
from layers.store import CATEGORIES
from portal.i18n import LABELS, LANGUAGES

PORTAL = REPO_ROOT / "portal"
WIDGETS = frozenset(
    """
    button selectbox multiselect radio checkbox toggle text_input text_area number_input
    slider select_slider file_uploader download_button form_submit_button subheader title
    header caption markdown write info error warning success expander tabs metric toast
    spinner link_button page_link set_page_config Page date_input pills segmented_control
    popover dialog text code chat_input status TextColumn SelectboxColumn
    CheckboxColumn NumberColumn Column LinkColumn ListColumn DateColumn ProgressColumn
    """.split()
)
"""Streamlit calls whose first argument (or ``label``/``placeholder``/``help``…) is words."""
TEXT_KEYWORDS = frozenset({"label", "placeholder", "help", "page_title", "title", "body", "head"})
HELPERS = frozenset({"notice"})
"""The portal's own message helpers (:func:`portal.notice.notice`), checked like ``st.*``."""
WORDS = re.compile(r"[A-Za-z]{2,}|[\u3400-\u9fff]")
ALLOWED = {
    ("details.py", ": ?project="),  # a link's query string, not words
}
"""(file, literal) pairs that look like words and are not."""
CODE_FAMILIES = {
    "layer": tuple(CATEGORIES),
    "stage": (*(s.value for s in Stage), "unreported"),
    "precision": tuple(p.value for p in Precision),
    "kind": tuple(f"kind_{k}" for k in DOCUMENT_KINDS),
    "format": tuple(f"format_{f}" for f in FORMATS),
    "locality": ("locality_township", "locality_village", "locality_station"),
    "found": ("found_name", "found_quote", "found_sentence"),
    "shape": ("shape_point", "shape_line"),
}
"""Keys the portal builds from codes (``translate(stage, lang)``, ``f"kind_{kind}"``)."""


def _portal_files() -> list[Path]:
    return sorted(PORTAL.glob("*.py"))


def _calls(tree: ast.AST) -> Iterator[ast.Call]:
    for node in ast.walk(tree):
        if isinstance(node, ast.Call):
            yield node


def _name(call: ast.Call) -> str:
    func = call.func
    return func.id if isinstance(func, ast.Name) else getattr(func, "attr", "")


def _root(node: ast.AST) -> str:
    """The name an attribute chain starts from: ``st`` for ``st.sidebar.button``."""
    while isinstance(node, ast.Attribute | ast.Call | ast.Subscript):
        node = node.func if isinstance(node, ast.Call) else node.value
    return node.id if isinstance(node, ast.Name) else ""


def _streamlit_names(tree: ast.AST) -> set[str]:
    """``st`` and every name bound to something made by ``st`` (columns, sidebar, forms…)."""
    names = {"st"}
    changed = True
    while changed:
        changed = False
        for node in ast.walk(tree):
            targets: list[ast.AST] = []
            value: ast.AST | None = None
            if isinstance(node, ast.Assign):
                targets, value = node.targets, node.value
            elif isinstance(node, ast.withitem) and node.optional_vars is not None:
                targets, value = [node.optional_vars], node.context_expr
            if value is None or _root(value) not in names:
                continue
            for target in targets:
                for sub in ast.walk(target):
                    if isinstance(sub, ast.Name) and sub.id not in names:
                        names.add(sub.id)
                        changed = True
    return names


def _literals(node: ast.AST) -> Iterator[str]:
    """The literal text of an argument, outside any ``translate(...)`` call."""
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        yield node.value
    elif isinstance(node, ast.JoinedStr):
        for value in node.values:
            if isinstance(value, ast.Constant):
                yield str(value.value)
            elif isinstance(value, ast.FormattedValue):
                yield from _literals(value.value)
    elif isinstance(node, ast.BinOp):
        yield from _literals(node.left)
        yield from _literals(node.right)
    elif isinstance(node, ast.IfExp):
        yield from _literals(node.body)
        yield from _literals(node.orelse)


def test_there_are_portal_files_to_walk() -> None:
    assert len(_portal_files()) > 10


@pytest.mark.parametrize("path", _portal_files(), ids=lambda p: p.name)
def test_every_translate_key_exists_in_both_languages(path: Path) -> None:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    missing = []
    for call in _calls(tree):
        if _name(call) != "translate" or not call.args:
            continue
        key = call.args[0]
        if isinstance(key, ast.Constant) and isinstance(key.value, str):
            texts = LABELS.get(key.value, {})
            if set(texts) != set(LANGUAGES) or not all(t.strip() for t in texts.values()):
                missing.append((call.lineno, key.value))
        elif isinstance(key, ast.JoinedStr) and isinstance(key.values[0], ast.Constant):
            prefix = str(key.values[0].value)
            if not any(k.startswith(prefix) for k in LABELS):
                missing.append((call.lineno, f"{prefix}…"))
    assert missing == [], f"{path.name}: keys missing from portal/i18n.py LABELS"


@pytest.mark.parametrize("family", sorted(CODE_FAMILIES))
def test_every_code_the_portal_translates_has_a_label(family: str) -> None:
    missing = [k for k in CODE_FAMILIES[family] if set(LABELS.get(k, {})) != set(LANGUAGES)]
    assert missing == []


@pytest.mark.parametrize("path", _portal_files(), ids=lambda p: p.name)
def test_no_words_are_typed_into_widgets(path: Path) -> None:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    streamlit = _streamlit_names(tree)
    typed = []
    for call in _calls(tree):
        name = _name(call)
        from_st = isinstance(call.func, ast.Attribute) and _root(call.func) in streamlit
        if not ((name in WIDGETS and from_st) or (name in HELPERS and _root(call.func) == name)):
            continue
        arguments = [*call.args[:1], *(k.value for k in call.keywords if k.arg in TEXT_KEYWORDS)]
        for argument in arguments:
            for literal in _literals(argument):
                if WORDS.search(literal) and (path.name, literal) not in ALLOWED:
                    typed.append((call.lineno, name, literal))
    assert typed == [], f"{path.name}: words typed into widgets; put them in portal/i18n.py"


def test_the_walk_finds_typed_words() -> None:
    """The check itself: a literal label is caught, a translated one and an arrow are not."""
    source = (
        "import streamlit as st\n"
        "left, right = st.columns(2)\n"
        "st.button('全选')\n"
        "right.selectbox(label='Format', options=[])\n"
        "st.button(translate('signin', lang))\n"
        "left.download_button(f'⬇ {fmt}', data=b'')\n"
        "logger.info('not for the page')\n"
    )
    tree = ast.parse(source)
    streamlit = _streamlit_names(tree)
    found = [
        literal
        for call in _calls(tree)
        if _name(call) in WIDGETS
        and isinstance(call.func, ast.Attribute)
        and _root(call.func) in streamlit
        for argument in [*call.args[:1], *(k.value for k in call.keywords if k.arg == "label")]
        for literal in _literals(argument)
        if WORDS.search(literal)
    ]
    assert found == ["全选", "Format"]


@pytest.mark.parametrize("path", _portal_files(), ids=lambda p: p.name)
def test_no_multiselect_offers_streamlits_english_select_all(path: Path) -> None:
    """Streamlit 1.67 words a multiselect's "Select all" row in English only: turn it off.

    ``select_all=False`` (or ``**portal.wording.NO_SELECT_ALL``) and a
    ``placeholder`` from :mod:`portal.i18n` (else Streamlit writes "Choose options").
    """
    tree = ast.parse(path.read_text(encoding="utf-8"))
    offending = []
    for call in _calls(tree):
        if _name(call) != "multiselect":
            continue
        keywords = {k.arg: k.value for k in call.keywords}
        spread = any(k.arg is None for k in call.keywords)  # **NO_SELECT_ALL
        off = spread or (
            isinstance(keywords.get("select_all"), ast.Constant)
            and keywords["select_all"].value is False  # type: ignore[union-attr]
        )
        if not off or "placeholder" not in keywords:
            offending.append(call.lineno)
    assert offending == [], f"{path.name}: multiselect with Streamlit's English prompts"
