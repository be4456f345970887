"""Hostile search words in a link, in a real browser (headless Debian Chromium).

A presentation link titles the map with the search words of ``?q=``. Anyone can
send such a link, so the words must be shown as typed: a markdown image must not
make the browser fetch it (it would tell an outside server who opened the link),
a markdown link must not become clickable, ``$...$`` must not reach the LaTeX
renderer or matplotlib (whose traceback would show the server's paths), and HTML
must not run. Only a browser shows which requests a page really makes.
"""

from __future__ import annotations

import copy
from pathlib import Path
from urllib.parse import quote, urlencode, urlparse

import pytest

from layers import REPO_ROOT
from layers.store import StoreLocation, write_store

pytestmark = pytest.mark.browser

ARTIFACTS = REPO_ROOT / "test-artifacts"
LOCAL_HOSTS = {"localhost", "127.0.0.1", "[::1]", "::1"}
# Port 9 (discard) on this machine: nothing listens, but a request there would show
# in the page's request log all the same.
HOSTILE_SEARCHES = [
    ("image", "![x](http://127.0.0.1:9/x.png)"),
    ("link", "[点我](http://127.0.0.1:9/)"),
    ("math", "$\\frac$"),
    ("html", "<img src=x onerror=alert(1)>"),
    ("directive", ":red[红色] :material/home: :smile:"),
]
# Elements the search words could have turned into, in any frame of the page.
INJECTED_JS = """() => {
  const hits = [];
  for (const el of document.querySelectorAll('img, a, script, iframe, .katex, math')) {
    const where = el.getAttribute('src') || el.getAttribute('href') || '';
    if (where.includes(':9/') || where === 'x' || el.matches('.katex, math')
        || (el.tagName === 'A' && el.textContent.includes('点我'))) {
      hits.push(el.outerHTML.slice(0, 200));
    }
  }
  return hits;
}"""


@pytest.fixture(scope="module")
def portal(tmp_path_factory, corpus_tables, start_portal):
    path = tmp_path_factory.mktemp("hostile_links") / "corpus.gpkg"
    write_store(StoreLocation.parse(path), corpus_tables)
    with start_portal(str(path)) as url:
        yield url


def _is_the_portal(url: str, portal: str) -> bool:
    """A request to the portal itself (its host and port), or one that needs no network."""
    parsed, own = urlparse(url), urlparse(portal)
    if parsed.scheme in {"data", "blob", "about"}:
        return True
    return parsed.hostname in LOCAL_HOSTS and parsed.port == own.port


# The search box takes 50 characters: the five kinds, three links.
SEARCH_GROUPS = [
    f"{HOSTILE_SEARCHES[0][1]} {HOSTILE_SEARCHES[2][1]}",
    f"{HOSTILE_SEARCHES[1][1]} :red[红色] :material/home:",
    f"{HOSTILE_SEARCHES[3][1]} :smile:",
]


def test_hostile_search_words_are_shown_as_text(portal, browser) -> None:
    """Every kind of hostile search word, several to a link (three page loads, not five)."""
    assert all(len(search) <= 50 for search in SEARCH_GROUPS)
    requests: list[str] = []
    dialogs: list[str] = []
    titles, children, injected, errors, texts = [], 0, [], 0, []
    context = browser.new_context(viewport={"width": 1400, "height": 1000}, locale="zh-CN")
    page = context.new_page()
    page.on("request", lambda req: requests.append(req.url))
    page.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))
    try:
        for k, search in enumerate(SEARCH_GROUPS):
            query = urlencode({"present": "1", "q": search}, quote_via=quote)
            page.goto(f"{portal}/?{query}", wait_until="domcontentloaded")
            heading = page.get_by_role("heading", level=1).filter(has_text=search[-6:]).first
            heading.wait_for(timeout=60_000)
            # The figure buttons come last: by then the figure was drawn with this title.
            page.get_by_text("导出图片（PNG）").wait_for(timeout=60_000)
            page.wait_for_timeout(1500)  # let any late request or re-render show up
            titles.append(heading.inner_text())
            children += heading.locator("*").count()
            injected += [hit for frame in page.frames for hit in frame.evaluate(INJECTED_JS)]
            texts.append("\n".join(frame.locator("body").inner_text() for frame in page.frames))
            errors += page.locator("[data-testid='stException']").count()
            shot = ARTIFACTS / f"hostile_link_{k}.png"
            page.screenshot(path=str(shot), full_page=True)
            assert Path(shot).stat().st_size > 10_000
    finally:
        context.close()
    assert [url for url in requests if not _is_the_portal(url, portal)] == []
    assert not any(":9/" in urlparse(url).netloc + "/" for url in requests)
    assert dialogs == []
    assert errors == 0 and not any("Traceback" in text for text in texts)
    assert injected == []
    assert titles == [f"全部区域 · 2024 年 · “{search}” · 0 个项目" for search in SEARCH_GROUPS]
    assert children == 0, "the title holds text only, no elements"


HOSTILE_TEXT = (
    "![x](http://127.0.0.1:9/x.png) [点我](http://127.0.0.1:9/) $\\frac$ "
    "<img src=x onerror=alert(1)> :material/home: **粗**"
)
ICONS_JS = """() => [...document.querySelectorAll('[data-testid="stIconMaterial"]')]
  .map(el => el.textContent).filter(t => t === 'home')"""


def test_hostile_names_titles_and_issuers_are_shown_as_typed_everywhere(
    tmp_path, corpus_tables, browser, start_portal
) -> None:
    """One project and every document carry markdown, HTML, a formula and an icon code.

    They pass through the map's tooltip data, the details (name, facts, citations),
    the source view, the table and presentation mode; each shows the words as typed.
    """
    tables = copy.deepcopy(corpus_tables)
    projects, documents = tables.projects, tables.documents
    row = projects.index[projects["name"] == "达万铁路扩能改造"][0]
    name = f"达万铁路扩能改造{HOSTILE_TEXT}"
    projects.loc[row, "name"] = name
    project_id = projects.loc[row, "project_id"]
    documents["title"] = documents["title"].astype(str) + HOSTILE_TEXT
    documents["issuer"] = HOSTILE_TEXT
    store = tmp_path / "hostile_texts.gpkg"
    write_store(StoreLocation.parse(store), tables)
    requests: list[str] = []
    dialogs: list[str] = []
    seen: dict[str, str] = {}
    with start_portal(str(store)) as url:
        context = browser.new_context(viewport={"width": 1400, "height": 1000}, locale="zh-CN")
        page = context.new_page()
        page.on("request", lambda req: requests.append(req.url))
        page.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))
        injected: list[str] = []
        icons: list[str] = []
        errors = 0
        try:
            for view, query in (("details", f"project={project_id}"),
                                ("present", f"present=1&project={project_id}")):  # fmt: skip
                page.goto(f"{url}/?{query}", wait_until="domcontentloaded")
                if view == "details":
                    page.get_by_text("各文件的表述").wait_for(timeout=60_000)
                    page.get_by_role("button", name="查看原文").first.click()
                    page.locator(".source-passage").wait_for(timeout=30_000)
                else:
                    page.get_by_text("导出图片（PNG）").wait_for(timeout=60_000)
                page.wait_for_timeout(1500)
                injected += [hit for frame in page.frames for hit in frame.evaluate(INJECTED_JS)]
                icons += [hit for frame in page.frames for hit in frame.evaluate(ICONS_JS)]
                errors += page.locator("[data-testid='stException']").count()
                seen[view] = "\n".join(f.locator("body").inner_text() for f in page.frames)
                page.screenshot(path=str(ARTIFACTS / f"hostile_texts_{view}.png"), full_page=True)
        finally:
            context.close()
    assert [u for u in requests if not _is_the_portal(u, url)] == []
    assert dialogs == [] and injected == [] and icons == [] and errors == 0
    details = seen["details"]
    assert name in details  # the project's name, exactly as stored
    assert details.count(HOSTILE_TEXT) >= 3  # and the titles and issuers citing it
    assert "Traceback" not in details and "Traceback" not in seen["present"]
