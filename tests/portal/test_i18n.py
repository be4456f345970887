"""Every label exists in both languages."""

from __future__ import annotations

import re

from portal.i18n import ENGLISH_ONE, LABELS, LANGUAGES, translate


def test_every_label_is_translated() -> None:
    for key, texts in LABELS.items():
        assert set(texts) == set(LANGUAGES), key
        assert all(texts[lang].strip() for lang in LANGUAGES), key


def test_labels_fill_their_values() -> None:
    assert translate("map_caption", "en", n=50, source="S").startswith(
        "Offline basemap: county boundaries (50"
    )
    assert "50 个区县" in translate("map_caption", "zh", n=50, source="S")


def test_english_counts_of_one_are_singular() -> None:
    assert "(1 county)" in translate("map_caption", "en", n=1, source="S")
    assert "(2 counties)" in translate("map_caption", "en", n=2, source="S")
    assert "1 个区县" in translate("map_caption", "zh", n=1, source="S")
    assert translate("queue_count", "en", n=1).startswith("1 project is ")
    for key, one in ENGLISH_ONE.items():
        assert "{n}" in LABELS[key]["en"] and "{n}" not in one, key
        assert set(re.findall(r"\{(\w+)\}", one)) < set(re.findall(r"\{(\w+)\}", LABELS[key]["en"]))


def test_the_map_gets_english_singulars() -> None:
    from portal.projectmap import map_texts

    english = map_texts("en")
    assert english["map_unit_county_one"] == "{name}: 1 project known only by this county"
    assert english["map_unit_county"] == "{name}: {n} projects known only by this county"
    assert not any(k.endswith("_one") for k in map_texts("zh"))
