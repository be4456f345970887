"""Messages holding outside text show it as typed: no markdown, no HTML, no formula, no icon."""

from __future__ import annotations

import html
import re

import pytest
from streamlit.testing.v1 import AppTest

from portal.notice import notice_html

HOSTILE = [
    "![x](http://127.0.0.1:9/x.png)",
    "[点我](http://127.0.0.1:9/)",
    "$\\frac$ and $$x^2$$",
    "<img src=x onerror=alert(1)><script>alert(1)</script>",
    ":red[红色] :material/home: :smile:",
    "**粗体** `代码` # 标题 > 引用 | 表 |",
    "=1+1建成龙象寺水库",
]
TAG_RE = re.compile(r"<(/?)([a-z]+)")


@pytest.mark.parametrize("text", HOSTILE)
@pytest.mark.parametrize("kind", ["error", "warning", "info", "success", "caption"])
def test_outside_text_makes_no_element(text: str, kind: str) -> None:
    shown = notice_html(text, kind=kind, head=text, items=[text, f"{text}\n{text}"])
    # Only the notice's own tags: the box, the head, the text, the list and line breaks.
    assert {tag for _, tag in TAG_RE.findall(shown)} <= {"div", "strong", "ul", "li", "br"}
    assert "<img" not in shown and "<script" not in shown and "<a " not in shown
    # The words are all there, escaped, in order.
    assert shown.count(html.escape(text)) == 5  # head, text, and three list lines


def test_an_error_is_announced_and_lines_are_kept() -> None:
    shown = notice_html("第一行\nsecond line", kind="error", head="已拒绝 / Refused")
    assert 'role="alert"' in shown and 'class="notice notice-error"' in shown
    assert "第一行<br>second line" in shown
    assert 'role="alert"' not in notice_html("x", kind="caption")


def _page() -> None:
    from portal.notice import notice

    notice(":material/home: $\\frac$ ![x](http://127.0.0.1:9/x.png)", kind="warning")


def test_streamlit_gets_html_not_markdown() -> None:
    app = AppTest.from_function(_page, default_timeout=30).run()
    assert not app.exception
    assert not app.warning and not app.markdown  # nothing went to the markdown renderer
    (box,) = app.get("html")
    assert ":material/home: $\\frac$ ![x](http://127.0.0.1:9/x.png)" in box.proto.body
