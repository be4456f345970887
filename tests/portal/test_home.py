"""The home page in Streamlit's AppTest: Chinese title by default, English on switch."""

from __future__ import annotations

from streamlit.testing.v1 import AppTest

from layers import REPO_ROOT
from portal.state import LANG_KEY


def _app() -> AppTest:
    return AppTest.from_file(str(REPO_ROOT / "streamlit_app.py"), default_timeout=60)


def test_page_opens_in_chinese_with_the_county_caption() -> None:
    app = _app().run()
    assert not app.exception
    assert app.title[0].value == "地方规划基础设施项目地图"
    assert any("50 个区县" in c.value for c in app.caption)
    assert not app.error


def test_english_switch_translates_the_page() -> None:
    app = _app().run()
    app.toggle(key=LANG_KEY).set_value(True).run()
    assert app.title[0].value == "Infrastructure in local plans: project map"
    assert any("county boundaries (50 counties)" in c.value for c in app.caption)
