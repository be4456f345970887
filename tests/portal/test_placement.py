"""The placement queue's pure parts: escaping, the map, the order an editor works in."""

from __future__ import annotations

import pandas as pd
import shapely

from layers.candidates import Candidate
from layers.store import StoreContents
from portal.placement import (
    following_project,
    placement_map,
    queue_label,
    quotes_html,
    reason_text,
)

EVIL = "<img src=x onerror=alert(1)>"


def _candidate(name: str = "普光镇") -> Candidate:
    return Candidate("township", name, "511722100000", "511722", shapely.Point(107.9, 31.55),
                     "vonng-adcode", 332, "普光 is in the project's name", "普光",
                     "name")  # fmt: skip


def test_quotes_are_escaped_with_their_documents() -> None:
    contents = StoreContents(
        projects=None,  # type: ignore[arg-type]
        mentions=pd.DataFrame({"project_id": ["iz-1", "iz-2"], "doc_id": ["000", "000"],
                               "quote": [f"推进{EVIL}建设", "别的"]}),
        documents=pd.DataFrame({"doc_id": ["000"], "title": ["$x$ :material/home: 方案"]}),
        corrections=pd.DataFrame(),
    )  # fmt: skip
    count, markup = quotes_html("iz-1", contents)
    assert count == 1
    assert EVIL not in markup and "&lt;img src=x onerror=alert(1)&gt;" in markup
    assert "别的" not in markup and "000 · $x$ :material/home: 方案" in markup


def test_the_map_escapes_names_and_frames_the_candidates(xuanhan) -> None:
    project = pd.Series({"project_id": "iz-1", "name": "普光经开区",
                         "geometry": shapely.box(107.4, 31.1, 108.6, 32.0)})  # fmt: skip
    page = placement_map(project, [_candidate(EVIL)], xuanhan, lang="zh").get_root().render()
    assert "<img src=x" not in page
    assert "leaflet.draw" in page  # a point or a line may be drawn on the same map
    assert "https://" not in page.replace("https://leafletjs.com", "")


def test_the_picker_moves_on_to_the_next_project() -> None:
    queue = pd.DataFrame({"project_id": ["a", "b", "c"]})
    assert following_project(queue, "a") == "b"
    assert following_project(queue, "c") == "b"  # the last one: back up one
    assert following_project(queue.iloc[:1], "a") is None


def test_labels_and_reasons() -> None:
    row = {"name": "普光经开区", "precision": "city", "mentions": 4}
    assert queue_label(row, lang="zh") == "普光经开区（地市，4 次提及）"
    assert queue_label(row, lang="en") == "普光经开区 (Prefecture, 4 mentions)"
    assert reason_text("placed from the queue: 普光镇", "  ") == "placed from the queue: 普光镇"
    assert reason_text("placed from the queue: 普光镇", "见规划图") == (
        "placed from the queue: 普光镇; 见规划图"
    )
