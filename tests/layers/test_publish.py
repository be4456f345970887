"""Publishing from the portal: merged by the resolution rules, undoable, never a lost update."""

from __future__ import annotations

import base64
import datetime as dt
import threading

import pandas as pd
import pytest
import shapely

from layers.errors import StoreError
from layers.intake import (
    IntakeError,
    catalog_entry,
    draft_records,
    edit_row,
    jurisdiction_options,
    read_upload,
    review_records,
)
from layers.publish import (
    Placement,
    Publication,
    build_tables,
    publish,
    published_documents,
    rebuild_store,
    record_placement,
    upload_doc_id,
    withdraw,
)
from layers.store import CATEGORIES, StoreLocation, read_store, read_uploads, write_store

TODAY = dt.date(2026, 11, 22)
XUANHAN = (
    "宣汉县2025年政府工作报告\n（2025年1月10日）\n"
    "开工建设宣汉县土溪口水库。推进宣汉县新材料产业园建设。\n"
)
WANYUAN = "万源市2025年政府工作报告\n（2025年2月3日）\n加快建设万源市八台山旅游度假区公园。\n"


@pytest.fixture(params=["gpkg", pytest.param("postgis", marks=pytest.mark.postgis)])
def location(request, tmp_path, geocoder) -> StoreLocation:
    if request.param == "gpkg":
        spec = str(tmp_path / "store.gpkg")
    else:
        spec = request.getfixturevalue("postgis_dsn")
    store = StoreLocation.parse(spec)
    rebuild_store(store, geocoder=geocoder)
    return store


def _publication(text: str, geocoder, *, name: str = "report.txt", place: int | None = None,
                 issued: str = "2024-03-01"):  # fmt: skip
    upload = read_upload(text.encode("gbk"), name=name)
    options = jurisdiction_options(geocoder.places)
    first = text.split("2025")[0]
    label = next(k for k in options if k.startswith(first))
    entry = catalog_entry(doc_id=upload_doc_id(upload.sha256), file=upload.stored_name,
                          title=text.splitlines()[0], jurisdiction=label, issued=issued,
                          kind="work_report", options=options, today=TODAY)  # fmt: skip
    records = draft_records(upload, entry, places=geocoder.places)
    edits = [edit_row(r) for r in records]
    kept, log, indices = review_records(records, edits, doc_id=entry.doc_id, editor="alice",
                                        reason="新年度报告", categories=CATEGORIES)  # fmt: skip
    placements = []
    if place is not None:
        placements = [Placement(place, shapely.Point(108.03, 31.48), "near", "drawn by alice")]
    return Publication(upload, entry, kept, indices, log, placements, "alice", "新年度报告")


def _comparable(location: StoreLocation) -> dict[str, pd.DataFrame]:
    contents = read_store(location)
    projects = pd.DataFrame(contents.projects.drop(columns="geometry"))
    projects["wkt"] = [None if g is None else g.wkt for g in contents.projects.geometry]
    return {"projects": projects, "mentions": contents.mentions, "documents": contents.documents}


def test_publish_merges_places_and_keeps_the_original(location, geocoder) -> None:
    pub = _publication(XUANHAN, geocoder, place=0)
    outcome = publish(location, pub, geocoder=geocoder)
    assert outcome.incremental and 0 < outcome.projects_written < 10
    contents = read_store(location)
    doc_id = pub.entry.doc_id
    assert doc_id in set(contents.documents["doc_id"]) and len(contents.documents) == 6
    reservoir = contents.projects[contents.projects["name"].str.contains("土溪口水库")]
    assert len(reservoir) == 1 and reservoir["doc_ids"].iloc[0].split("|") == ["000", doc_id]
    assert reservoir["precision"].iloc[0] == "near"
    assert reservoir.geometry.iloc[0].equals(shapely.Point(108.03, 31.48))
    log = contents.corrections[contents.corrections["doc_id"] == doc_id]
    assert set(log["field"]) == {"geometry", "precision", "geocode_method"}
    assert set(log["who"]) == {"alice"} and set(log["why"]) == {"新年度报告"}
    uploads = read_uploads(location)
    assert uploads["file"].iloc[0] == f"{pub.upload.sha256}.txt"
    assert base64.b64decode(uploads["content_b64"].iloc[0]) == XUANHAN.encode("gbk")
    listed = published_documents(location)
    assert list(listed["doc_id"]) == [doc_id] and "content_b64" not in listed


def test_a_duplicate_publish_changes_nothing(location, geocoder) -> None:
    pub = _publication(XUANHAN, geocoder)
    publish(location, pub, geocoder=geocoder)
    before = _comparable(location)
    with pytest.raises(IntakeError) as caught:
        publish(location, pub, geocoder=geocoder)
    assert caught.value.codes == ["duplicate"]
    for name, frame in _comparable(location).items():
        pd.testing.assert_frame_equal(frame, before[name], obj=name)


def test_undo_restores_the_map_and_keeps_the_log(location, geocoder) -> None:
    before = _comparable(location)
    pub = _publication(XUANHAN, geocoder, place=0)
    publish(location, pub, geocoder=geocoder)
    assert withdraw(location, pub.entry.doc_id, geocoder=geocoder, editor="alice").incremental
    for name, frame in _comparable(location).items():
        pd.testing.assert_frame_equal(frame, before[name], obj=name)
    assert (read_store(location).corrections["doc_id"] == pub.entry.doc_id).sum() == 3
    with pytest.raises(IntakeError) as caught:
        withdraw(location, "000", geocoder=geocoder, editor="alice")
    assert caught.value.codes == ["not_published"]


def test_a_rebuild_keeps_published_documents(location, geocoder) -> None:
    pub = _publication(XUANHAN, geocoder, place=0)
    assert publish(location, pub, geocoder=geocoder).incremental
    before = _comparable(location)  # written a few projects at a time: a rebuild agrees
    rebuild_store(location, geocoder=geocoder)
    for name, frame in _comparable(location).items():
        pd.testing.assert_frame_equal(frame, before[name], obj=name)


def test_an_incremental_publish_writes_what_a_build_from_nothing_would(tmp_path, geocoder) -> None:
    location = StoreLocation.parse(tmp_path / "store.gpkg")
    rebuild_store(location, geocoder=geocoder)
    pub = _publication(XUANHAN, geocoder, place=0)
    assert publish(location, pub, geocoder=geocoder).incremental
    fresh = StoreLocation.parse(tmp_path / "fresh.gpkg")  # no stored records to reuse
    uploads = read_uploads(location)
    write_store(fresh, build_tables(uploads, geocoder=geocoder), uploads=uploads,
                corrections=read_store(location).corrections)  # fmt: skip
    expected = _comparable(fresh)
    for name, frame in _comparable(location).items():
        pd.testing.assert_frame_equal(frame, expected[name], obj=name)


def test_moving_the_year_or_other_code_rebuilds(location, geocoder, monkeypatch) -> None:
    newer = _publication(XUANHAN, geocoder, issued="2025-01-10")  # the newest document so far
    outcome = publish(location, newer, geocoder=geocoder)
    assert not outcome.incremental
    assert set(read_store(location).projects["as_of_year"]) == {2025}
    import layers.publish as module

    built_by = module.inputs_fingerprint()
    monkeypatch.setattr(module, "inputs_fingerprint", lambda: "other-code+" + built_by[33:])
    assert not withdraw(location, newer.entry.doc_id, geocoder=geocoder, editor="a").incremental
    assert set(read_store(location).projects["as_of_year"]) == {2024}


def test_two_editors_publishing_at_once_both_land(location, geocoder) -> None:
    pubs = [_publication(XUANHAN, geocoder), _publication(WANYUAN, geocoder, name="w.txt")]
    errors: list[BaseException] = []
    barrier = threading.Barrier(2)

    def run(pub) -> None:
        try:
            barrier.wait()
            publish(location, pub, geocoder=geocoder)
        except BaseException as exc:  # reported below, in the test's thread
            errors.append(exc)

    threads = [threading.Thread(target=run, args=(p,)) for p in pubs]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert not errors
    documents = set(read_store(location).documents["doc_id"])
    assert {p.entry.doc_id for p in pubs} <= documents and len(documents) == 7
    assert len(read_uploads(location)) == 2


def test_a_placement_is_logged_at_once_and_applied_by_every_rebuild(location, geocoder) -> None:
    projects = read_store(location).projects
    target = projects[projects["precision"] == "county"].iloc[0]
    point = shapely.Point(107.9, 31.55)
    rows = record_placement(location, target["project_id"], geometry=point, precision="near",
                            method="near 普光镇 (宣汉县), chosen by alice", editor="alice",
                            reason="placed from the queue: 普光镇")  # fmt: skip
    assert list(rows["field"]) == ["geometry", "precision", "geocode_method"]
    assert rows["when"].nunique() == 1
    contents = read_store(location)
    logged = contents.corrections[contents.corrections["project_id"] == target["project_id"]]
    assert set(logged["who"]) == {"alice"} and len(logged) == 3
    before = contents.projects.set_index("project_id").loc[target["project_id"]]
    assert before["precision"] == "county"  # the projects change with the next build
    for _ in range(2):  # and stay changed with every one after it
        rebuild_store(location, geocoder=geocoder)
        after = read_store(location).projects.set_index("project_id").loc[target["project_id"]]
        assert after["precision"] == "near" and after.geometry.equals(point)
        assert after["geocode_method"] == "near 普光镇 (宣汉县), chosen by alice"
    with pytest.raises(StoreError, match="no project"):
        record_placement(location, "iz-0000000000", geometry=point, precision="near",
                         method="m", editor="alice", reason="r")  # fmt: skip
