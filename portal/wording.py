"""Words for what is not a label: formats, methods, missing values and Streamlit's own prompts.

:mod:`portal.i18n` holds every label. Some of what a page shows is not a label
but a code or a generated sentence, and some is written by Streamlit itself in
English whatever the page's language:

* a download format (``gpkg``) is shown as what it is, "GeoPackage（.gpkg）"
  (:func:`format_label`);
* a project's ``geocode_method`` is written in English by the geocoder; a
  Chinese page shows it in Chinese (:func:`method_label`, over
  :func:`layers.wording.method_in`, which exports use too);
* a missing value is a dash, never "None" or "nan" (:func:`or_dash`);
* Streamlit writes "Press Enter to apply", "Choose options", "Select all" and
  an "Upload" button in English. The prompts are replaced through the widgets'
  own parameters (``placeholder=``, ``select_all=False``: :data:`NO_SELECT_ALL`);
  the rest has no parameter in Streamlit 1.67 and is restyled by
  :func:`streamlit_words_css` (fixed CSS, the replacement words from
  :mod:`portal.i18n`, nothing from a document).
"""

from __future__ import annotations

import json

import pandas as pd

from layers.export import FORMATS
from layers.wording import method_in
from portal.i18n import translate

DASH = "—"
NO_SELECT_ALL = {"select_all": False}
"""``st.multiselect(..., **NO_SELECT_ALL)``: Streamlit's "Select all" row is English only
(1.67 has no way to word it); an empty filter already means "all" in this portal."""


def format_label(fmt: str, *, lang: str) -> str:
    """ "gpkg" -> "GeoPackage（.gpkg）": an export format as a reader knows it.

    For ``st.selectbox(..., FORMATS, format_func=lambda f: format_label(f, lang=lang))``
    and the buttons that name the chosen format. Raises ``KeyError`` for a format
    :data:`layers.export.FORMATS` does not list (a programming error).
    """
    if fmt not in FORMATS:
        raise KeyError(fmt)
    return translate(f"format_{fmt}", lang)


def method_label(method: object, *, lang: str) -> str:
    """How a project was located, in ``lang`` (a dash when nothing is recorded)."""
    text = or_dash(method)
    return text if text == DASH else method_in(lang, text)


def or_dash(value: object) -> str:
    """``value`` as text, or a dash for None, NaN, NA and empty text (never "None")."""
    if value is None or (not isinstance(value, str) and bool(pd.isna(value))):
        return DASH
    text = str(value).strip()
    return text or DASH


def streamlit_words_css(*, lang: str) -> str:
    """A ``<style>`` that keeps Streamlit's English helper lines off the page.

    * "Press Enter to apply" / "Press Enter to submit form" under a text field is
      hidden (the character count Streamlit puts beside it stays);
    * the file uploader's "Upload" button says :func:`translate` ``upload_button``.

    Show it with ``st.html`` once per page; the words are the portal's own labels
    (JSON-quoted into CSS strings), never text from a document or a user.
    """
    upload = json.dumps(translate("upload_button", lang), ensure_ascii=False)
    return (
        "<style>"
        '[data-testid="InputInstructions"] > span:first-child{display:none;}'
        '[data-testid="InputInstructions"] > span:nth-child(2)::before{display:none;}'
        '[data-testid="stFileUploaderDropzone"] button p{font-size:0;}'
        '[data-testid="stFileUploaderDropzone"] button p::after'
        f"{{content:{upload};font-size:0.875rem;}}"
        "</style>"
    )
