"""The words that are not labels: formats, methods, missing values, Streamlit's prompts."""

from __future__ import annotations

import pandas as pd
import pytest

from layers.export import FORMATS
from portal.details import project_facts
from portal.editor import published_table
from portal.wording import DASH, format_label, method_label, or_dash, streamlit_words_css


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_every_format_has_a_label_naming_its_file(lang: str) -> None:
    labels = {fmt: format_label(fmt, lang=lang) for fmt in FORMATS}
    assert labels["gpkg"].startswith("GeoPackage") and ".gpkg" in labels["gpkg"]
    assert ".zip" in labels["shp"] and ".zip" in labels["geojson"]
    assert len(set(labels.values())) == len(FORMATS)
    assert all(label != fmt for fmt, label in labels.items())  # never the bare code


def test_an_unknown_format_is_a_programming_error() -> None:
    with pytest.raises(KeyError):
        format_label("dxf", lang="zh")


def test_methods_and_missing_values() -> None:
    method = "county 大足区, named in the text"
    assert method_label(method, lang="zh") == "区县 大足区（原文提到）"
    assert method_label(method, lang="en") == method
    for missing in (None, float("nan"), pd.NA, "", "  "):
        assert or_dash(missing) == DASH
        assert method_label(missing, lang="zh") == DASH
    assert or_dash(2025) == "2025"


def test_the_css_words_are_the_pages_own() -> None:
    css = streamlit_words_css(lang="zh")
    assert css.startswith("<style>") and css.endswith("</style>")
    assert '"选择文件"' in css and "InputInstructions" in css
    assert '"Choose a file"' in streamlit_words_css(lang="en")


def _project(**changes: object) -> pd.Series:
    project = {
        "category": "reservoir", "known_stage": pd.NA, "planned_stage": pd.NA,
        "target_stage": "completed", "target_year": pd.NA, "overdue": pd.NA,
        "info_date": pd.NA, "counties": pd.NA, "precision": "near", "aliases": pd.NA,
        "geocode_method": "named after 普光镇 (宣汉县; township point, Vonng/adcode, "
        "CC BY 4.0, GCJ-02 converted)", "length_km": pd.NA,
    }  # fmt: skip
    project.update(changes)
    return pd.Series(project)


def test_the_details_never_say_none_and_give_the_method_in_chinese() -> None:
    facts = project_facts(_project(), lang="zh")
    values = dict(zip(facts[""], facts[" "], strict=True))
    shown = " ".join(values.values())
    assert "None" not in shown and "nan" not in shown and "<NA>" not in shown
    assert values["目标"] == "目标 建成（未定年份）"
    assert values["最新文件日期"] == DASH and values["别名"] == DASH
    assert values["定位方法"].startswith("以 普光镇（宣汉县；乡镇点位")
    english = dict(zip(*project_facts(_project(), lang="en").to_dict("list").values(),
                       strict=True))  # fmt: skip
    assert english["How it was located"].startswith("named after 普光镇")
    dated = project_facts(_project(target_year=2025, overdue=True, length_km=12.4), lang="zh")
    values = dict(zip(dated[""], dated[" "], strict=True))
    assert values["目标"] == "目标 2025 建成" and values["逾期未报完成"].startswith("⚠")


def test_the_published_table_has_headed_columns_and_kinds_in_words() -> None:
    published = pd.DataFrame({
        "doc_id": ["u-1"], "title": ["报告"], "issuer": ["某县人民政府"],
        "jurisdiction": ["宣汉县"], "issued": ["2024-01-15"], "kind": ["work_report"],
        "editor": ["alice"],
        "published_at": ["2024-02-01T10:00"], "original_name": ["a.txt"], "reason": ["新文件"],
        "sha256": ["x"],
    })  # fmt: skip
    table = published_table(published, lang="zh")
    assert list(table.columns)[:3] == ["文件编号", "标题", "发布机关"]
    assert table["文件类型"].tolist() == ["政府工作报告"]
    assert "sha256" not in table.columns
    assert published_table(published, lang="en")["Kind"].tolist() == ["Government work report"]
