"""Every label exists in both languages."""

from __future__ import annotations

from portal.i18n import LABELS, LANGUAGES, translate


def test_every_label_is_translated() -> None:
    for key, texts in LABELS.items():
        assert set(texts) == set(LANGUAGES), key
        assert all(texts[lang].strip() for lang in LANGUAGES), key


def test_labels_fill_their_values() -> None:
    assert translate("map_caption", "en", n=50, source="S").startswith(
        "Offline basemap: county boundaries (50"
    )
    assert "50 个区县" in translate("map_caption", "zh", n=50, source="S")
