"""The page in Streamlit's AppTest: language switch, filters, table, details, no store."""

from __future__ import annotations

import html
import re

import pytest
from streamlit.testing.v1 import AppTest

from layers import REPO_ROOT
from portal.state import (
    COUNTY_KEY,
    LANG_KEY,
    OVERDUE_KEY,
    PREFECTURE_KEY,
    PREFECTURE_LEVEL_KEY,
    PRESENT_KEY,
    SELECTED_KEY,
    YEAR_KEY,
)


@pytest.fixture
def app(viewer_store, monkeypatch) -> AppTest:
    monkeypatch.setenv("PORTAL_STORE", str(viewer_store))
    return AppTest.from_file(str(REPO_ROOT / "streamlit_app.py"), default_timeout=90)


def _table(app: AppTest):
    """The project table under the map (the one with a 定位精度 / Precision column)."""
    return next(d.value for d in app.dataframe if {"定位精度", "Precision"} & set(d.value.columns))


def _summary(app: AppTest) -> str:
    return next(m.value for m in app.markdown if "项目" in m.value or "projects" in m.value)


def test_page_opens_in_chinese_with_every_project(app, corpus_tables) -> None:
    app.run()
    assert not app.exception and not app.error
    assert app.title[0].value == "地方规划基础设施项目地图"
    assert "截至 2024 年" in _summary(app)  # the newest document's year, not today's
    assert _table(app).shape[0] > 100  # the project table under the map


def test_english_switch_translates_the_page(app) -> None:
    app.run()
    app.toggle(key=LANG_KEY).set_value(True).run()
    assert app.title[0].value == "Infrastructure in local plans: project map"
    assert "projects as of 2024" in _summary(app)
    assert app.sidebar.header[0].value == "Filters"


def test_a_county_and_overdue_narrow_the_table(app) -> None:
    app.run()
    everything = _table(app).shape[0]
    app.multiselect(key=COUNTY_KEY).set_value(["宣汉县"]).run()
    xuanhan = _table(app).shape[0]
    assert 0 < xuanhan < everything
    assert f"共 {xuanhan} 个项目" in _summary(app)
    assert app.query_params["county"] == ["宣汉县"] or app.query_params["county"] == "宣汉县"
    app.toggle(key=OVERDUE_KEY).set_value(True).run()
    assert _table(app).shape[0] <= xuanhan


def test_a_link_opens_the_view_it_names(app) -> None:
    app.query_params["county"] = "宣汉县"
    app.query_params["year"] = "2025"
    app.run()
    assert app.multiselect(key=COUNTY_KEY).value == ["宣汉县"]
    assert "截至 2025 年" in _summary(app)


def test_a_prefecture_link_finds_a_project_placed_on_the_whole_prefecture(app) -> None:
    app.query_params["prefecture"] = "达州市"
    app.query_params["q"] = "达州高新区"
    app.run()
    assert not app.exception
    assert app.multiselect(key=PREFECTURE_KEY).value == ["达州市"]
    table = _table(app)
    assert "达州高新区" in set(table["名称"])  # placed on 达州市 as a whole (city precision)
    assert f"共 {table.shape[0]} 个项目" in _summary(app)  # the count follows the same selection


def _puguang(corpus_tables, reference) -> tuple[str, bool]:
    """The 普光 project and whether it is placed in 宣汉县 itself (else: by 达州市 only).

    Where the geocoder places it (its township 普光镇, or the prefecture) is its
    business; the county view must show it either way while the switch is on.
    """
    projects = corpus_tables.projects
    row = projects[projects["name"].str.contains("普光", regex=False)].iloc[0]
    units = reference.units
    xuanhan = units[(units["level"] == "county") & (units["name"] == "宣汉县")].geometry.iloc[0]
    dazhou = units[(units["level"] == "prefecture") & (units["name"] == "达州市")].geometry.iloc[0]
    geometry = row.geometry
    named = "宣汉县" in str(row["counties"]) or "宣汉县" in str(row["located_counties"])
    inside = (geometry is not None and row["precision"] not in ("county", "city")
              and xuanhan.covers(geometry))  # fmt: skip
    prefecture_wide = (row["precision"] == "city" and dazhou.covers(geometry.representative_point())
                       and abs(geometry.area / dazhou.area - 1) < 0.02)  # fmt: skip
    assert named or inside or prefecture_wide, (row["precision"], row["geocode_method"])
    return str(row["name"]), named or inside


def test_a_county_link_finds_what_is_placed_in_it_or_known_by_its_prefecture(
    app, corpus_tables, reference
) -> None:
    name, in_county = _puguang(corpus_tables, reference)
    app.query_params["county"] = "宣汉县"
    app.query_params["q"] = "普光"
    app.run()
    assert not app.exception
    assert app.toggle(key=PREFECTURE_LEVEL_KEY).value is True  # on by default
    assert name in set(_table(app)["名称"])
    app.toggle(key=PREFECTURE_LEVEL_KEY).set_value(False).run()
    assert app.query_params["prefecture_level"] in ("0", ["0"])
    assert (name in set(_table(app)["名称"])) == in_county


def _html(app: AppTest) -> list[str]:
    return [str(e.proto.body) for e in app.get("html")]


def _presentation_title(app: AppTest) -> str:
    """The presentation heading's text (drawn as escaped HTML, never as markdown)."""
    heading = next(h for h in _html(app) if "presentation-title" in h)
    return html.unescape(re.sub(r"<[^>]+>", "", heading)).strip()


def _facts(app: AppTest) -> dict[str, str]:
    table = next(h for h in _html(app) if "project-facts" in h)
    cells = re.findall(r"<th[^>]*>(.*?)</th><td[^>]*>(.*?)</td>", table)
    return {html.unescape(k): html.unescape(v) for k, v in cells}


def test_details_follow_the_year_and_agree_with_the_table(app, corpus_tables) -> None:
    projects = corpus_tables.projects.set_index("name")
    project_id = projects.loc["达州绕城高速公路西段", "project_id"]
    app.session_state[SELECTED_KEY] = project_id
    for year, overdue in ((2022, "—"), (2024, "—"), (2026, "⚠ 逾期未报完成")):
        app.query_params["year"] = str(year)
        app.session_state[YEAR_KEY] = year
        app.run()
        assert not app.exception
        facts = _facts(app)
        assert facts["已报告阶段"] == "未报告进展"  # only ever planned: never 建成
        assert facts["目标"] == "目标 2025 建成"
        assert facts["逾期未报完成"] == overdue
        table = _table(app).set_index("名称")
        assert table.loc["达州绕城高速公路西段", "已报告阶段"] == facts["已报告阶段"]
        assert bool(table.loc["达州绕城高速公路西段", "逾期未报完成"]) == (year == 2026)


def test_a_project_link_opens_its_details_in_the_language_asked(app, corpus_tables) -> None:
    project_id = corpus_tables.projects.set_index("name").loc["达万铁路扩能改造", "project_id"]
    app.query_params["project"] = project_id
    app.query_params["lang"] = "en"
    app.run()
    assert not app.exception
    assert app.session_state[SELECTED_KEY] == project_id
    assert app.title[0].value == "Infrastructure in local plans: project map"
    assert app.query_params["project"] in (project_id, [project_id])
    assert app.query_params["lang"] in ("en", ["en"])


def test_details_show_every_document_and_quote(app, corpus_tables) -> None:
    project_id = corpus_tables.projects.set_index("name").loc["达万铁路扩能改造", "project_id"]
    app.session_state[SELECTED_KEY] = project_id
    app.run()
    assert any('class="project-name"' in h and "达万铁路扩能改造" in h for h in _html(app))
    mentions = [h for h in _html(app) if 'class="mention"' in h]
    assert len(mentions) >= 2
    assert any("达州市人民政府办公室" in h for h in mentions)  # the issuer, for a citation
    assert any("重庆市梁平区人民政府办公室" in h for h in mentions)
    assert all("达万铁路" in h for h in mentions)
    sources = [b for b in app.button if b.label == "查看原文"]
    assert len(sources) == len(mentions)
    sources[0].click().run()
    passage = next(h for h in _html(app) if "source-passage" in h)
    assert "<mark" in passage and "达万铁路" in passage


def test_without_a_store_the_page_says_how_to_build_one(tmp_path, monkeypatch) -> None:
    monkeypatch.setenv("PORTAL_STORE", str(tmp_path / "missing.gpkg"))
    app = AppTest.from_file(str(REPO_ROOT / "streamlit_app.py"), default_timeout=90).run()
    assert not app.exception
    (box,) = [h for h in _html(app) if "notice-error" in h]
    assert "build_layers.py" in box and "missing.gpkg" in box


def test_presentation_mode_shows_the_view_in_words_and_the_figure_buttons(app) -> None:
    app.query_params["county"] = "宣汉县"
    app.query_params["year"] = "2025"
    app.run()
    app.toggle(key=PRESENT_KEY).set_value(True).run()
    assert not app.exception
    title = re.fullmatch(r"宣汉县 · 2025 年 · (\d+) 个项目", _presentation_title(app))
    assert title is not None and int(title.group(1)) > 0  # the count a room asks first
    assert not [d for d in app.dataframe]  # the table and charts make way for the map
    app.button[0].click().run()  # leave presentation mode
    assert app.toggle(key=PRESENT_KEY).value is False


def test_a_download_is_made_only_when_asked_for(app) -> None:
    app.run()
    assert not app.get("download_button")
    prepare = next(b for b in app.button if "生成" in b.label)
    prepare.click().run()
    assert not app.exception
    assert app.get("download_button")  # now offered, for this selection and format


def test_a_presentation_link_opens_presentation_mode(app) -> None:
    app.query_params["county"] = "宣汉县"
    app.query_params["present"] = "1"
    app.run()
    assert app.toggle(key=PRESENT_KEY).value is True
    assert _presentation_title(app).startswith("宣汉县")
    assert app.query_params["present"] in ("1", ["1"])
