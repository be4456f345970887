"""Synthetic corpora for benchmarks: the plan documents again and again, each copy new.

In copy k every head word (水库, 公园, 高速, 产业园...) gets a code of its own in
front (土溪口水库 -> 土溪口甲子一水库), so each copy adds new projects instead of
repeating the same ones, and a corpus of thousands of documents resolves to tens
of thousands of projects, as a province's would. Used by the store, build and
publish benchmarks; no I/O.
"""

from __future__ import annotations

import itertools
import re
from collections.abc import Iterator, Sequence
from dataclasses import replace

from layers.corpus import Document
from layers.mentions import HEADS

_STEMS = "甲乙丙丁戊己庚辛壬癸"
_BRANCHES = "子丑寅卯辰巳午未申酉戌亥"
_NUMBERS = "一二三四五六七八九十"
_HEAD_RE = re.compile(
    "|".join(
        map(re.escape, sorted({h for hs in HEADS.values() for h in hs}, key=len, reverse=True))
    )
)


def _codes() -> Iterator[str]:
    """1,200 three-character codes, then 12,000 of four (a national corpus's worth)."""
    for a, b, c in itertools.product(_STEMS, _BRANCHES, _NUMBERS):
        yield a + b + c
    for a, b, c, d in itertools.product(_STEMS, _BRANCHES, _NUMBERS, _NUMBERS):
        yield a + b + c + d


def synthetic_documents(originals: Sequence[Document], count: int) -> Iterator[Document]:
    """``count`` documents: the originals again and again, names varied per copy."""
    codes = _codes()
    for k in range(count):
        original = originals[k % len(originals)]
        code = next(codes) if k >= len(originals) else ""
        text = original.data.decode("utf-8-sig")
        if code:
            text = _HEAD_RE.sub(lambda m: code + m.group(0), text)  # noqa: B023 (used at once)
        entry = replace(
            original.entry,
            doc_id=f"s{k:04d}",
            file=f"s{k:04d}_{original.entry.file}",
        )
        yield Document(entry, original.path, text.encode("utf-8"))
