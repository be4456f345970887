"""Normalised text for matching, with a map back to the original characters.

Pattern matching wants a tidy text: simplified characters, half-width digits,
canonical punctuation, no stray spaces or HTML, and one code point per ideograph
(a Chromium-printed PDF writes Kangxi radicals for 高 and 民). :func:`normalise`
produces that text together with a per-character map back to the original, so a
match found in the tidy text is quoted from the untouched original
(:meth:`NormalisedText.original_quote`). The map is built in one left-to-right
scan; nothing is rewritten with a regex substitution, which would lose the
positions. Everything here is pure.
"""

from __future__ import annotations

import functools
import html
import html.entities
import logging
import re
import unicodedata
from array import array
from collections.abc import Sequence
from dataclasses import dataclass, field

import opencc

logger = logging.getLogger(__name__)


_SPACES = frozenset(" \t\u00a0\u1680\u202f\u205f\u3000" + "".join(map(chr, range(0x2000, 0x200B))))
_ZERO_WIDTH = frozenset("\u200b\u200c\u200d\u2060\ufeff\u00ad")
_LINE_BREAKS = frozenset("\n\x0b\x0c\x85\u2028\u2029")
# Becomes full-width beside Chinese; the full-width forms are never folded to half-width.
_TO_FULL_WIDTH = {",": "，", ":": "：", ";": "；", "(": "（", ")": "）", "!": "！", "?": "？"}
_KEPT_FULL_WIDTH = frozenset(_TO_FULL_WIDTH.values())
_TO_FULL_WIDTH_RE = re.compile("[" + re.escape("".join(_TO_FULL_WIDTH)) + "]")
_SPACE_RUN_RE = re.compile(" +")
_CJK_PUNCT_EXTRA = frozenset("“”‘’…—―·")

_TAG_RE = re.compile(
    r"<!--.*?-->|<![A-Za-z][^<>]{0,2000}>|<(/?)([A-Za-z][A-Za-z0-9]*)(?:[\s/][^<>]{0,2000})?>",
    re.DOTALL,
)
_ENTITY_RE = re.compile(r"&(?:#[0-9]{1,7}|#[xX][0-9A-Fa-f]{1,6}|[A-Za-z][A-Za-z0-9]{1,31});")
_RAW_TEXT_TAGS = frozenset({"script", "style"})
_NEWLINE_TAGS = frozenset({("", "br"), ("/", "p"), ("/", "br")})


@dataclass(frozen=True)
class NormalisedText:
    """Normalised text plus, for every character, the original slice it came from.

    ``text[i]`` came from ``original[starts[i]:ends[i]]``. Both sequences are
    non-decreasing because the normaliser never reorders, which is what makes a
    span of normalised text correspond to one contiguous original span. They are
    compact integer arrays rather than tuples: a tuple of ints costs 36 bytes a
    character, an ``array("i")`` 4, and a 50 MB plan has 17 million characters.
    """

    text: str
    original: str = field(repr=False)
    starts: Sequence[int] = field(repr=False)
    ends: Sequence[int] = field(repr=False)

    def __post_init__(self) -> None:
        if not len(self.text) == len(self.starts) == len(self.ends):
            raise ValueError("NormalisedText needs one (start, end) pair per character")

    def original_span(self, start: int, end: int) -> tuple[int, int]:
        """Return the original ``(start, end)`` covering normalised ``text[start:end]``.

        An empty span maps to the original position of normalised ``start`` (the
        end of the last kept character when ``start`` is the end of the text).

        Raises
        ------
        ValueError
            If the span is not within the normalised text.
        """
        if not 0 <= start <= end <= len(self.text):
            raise ValueError(f"span ({start}, {end}) is outside 0..{len(self.text)}")
        if start == end:
            at_end = self.ends[-1] if self.ends else 0
            pos = self.starts[start] if start < len(self.text) else at_end
            return pos, pos
        return self.starts[start], self.ends[end - 1]

    def original_quote(self, start: int, end: int) -> str:
        """Return the exact original text behind normalised ``text[start:end]``."""
        s, e = self.original_span(start, end)
        return self.original[s:e]


# ----------------------------------------------------------------------- normalising

# CJK Radicals Supplement (U+2E80-U+2EFF) code points and the unified ideograph each
# stands for. A PDF writer that maps glyphs back to characters through the font's
# cmap (Chromium's does) writes whichever code point it meets first for a glyph that
# several share, so a Chromium-printed plan reads 人⺠ for 人民 and ⻓江 for 长江.
# Unicode gives these radicals no decomposition (NFKC leaves them). The pairs are the
# supplement radicals that share a glyph with a unified ideograph in the Noto Sans and
# Serif CJK fonts (fonts-noto-cjk: SC, TC, HK, JP, KR), read from the fonts' cmaps:
# exactly the code points such a PDF can contain. Unicode's EquivalentUnifiedIdeograph.txt
# lists the same kind of pairs (⺠ 6C11 民, ⻓ 957F 长, ⻔ 95E8 门 ...); it is not
# available offline here, so the table was not generated from it.
_RADICAL_SUPPLEMENT_PAIRS = """
    2E82 乛  2E83 乚  2E85 亻  2E87 𠘨  2E89 刂  2E8B 㔾  2E8D 𭕄  2E8E 兀
    2E8F 尣  2E90 尢  2E92 巳  2E93 幺  2E94 彑  2E95 彐  2E96 忄  2E98 扌
    2E99 攵  2E9B 旡  2E9E 歺  2E9F 母  2EA0 民  2EA1 氵  2EA3 灬  2EA4 爫
    2EA6 丬  2EA8 犭  2EA9 𤣩  2EAB 罒  2EAD 礻  2EAE 𥫗  2EAF 糹  2EB0 纟
    2EB1 罓  2EB2 罒  2EB3 㓁  2EB9 耂  2EBA 肀  2EBD 𦥑  2EBE 艹  2EBF 艹
    2EC1 虎  2EC2 衤  2EC3 覀  2EC4 西  2EC5 见  2EC6 角  2EC7 𧢲  2EC8 讠
    2EC9 贝  2ECA 𧾷  2ECB 车  2ECC 辶  2ECD 辶  2ECE 辶  2ED0 钅  2ED1 長
    2ED2 镸  2ED3 长  2ED4 门  2ED5 𨸏  2ED6 阝  2ED8 青  2ED9 韦  2EDA 页
    2EDB 风  2EDC 飞  2EDD 食  2EDE 𩙿  2EDF 飠  2EE0 饣  2EE1 𩠐  2EE2 马
    2EE3 骨  2EE4 鬼  2EE5 鱼  2EE6 鸟  2EE7 卤  2EE8 麦  2EE9 黄  2EEA 黾
    2EEB 斉  2EEC 齐  2EED 歯  2EEE 齿  2EEF 竜  2EF0 龙  2EF1 龜  2EF2 亀
    2EF3 龟
"""
# Kangxi radicals and the two compatibility-ideograph blocks: NFKC gives each its
# unified ideograph (⾼ U+2FBC -> 高, 﨑 stays: a few in U+FA0E-FA29 are unified).
_NFKC_IDEOGRAPH_BLOCKS = ((0x2F00, 0x2FDF), (0xF900, 0xFAFF), (0x2F800, 0x2FA1F))
_IDEOGRAPH_VARIANT_RE = re.compile("[\u2e80-\u2fdf\uf900-\ufaff\U0002f800-\U0002fa1f]")
_SIMPLIFY_BLOCK = 1 << 20
"""Characters OpenCC converts at once: whole lines, about 1 M characters at a time."""


@functools.cache
def _ideograph_table() -> dict[int, str]:
    """Radicals and compatibility ideographs -> their unified ideographs, one for one.

    Folded before traditional-to-simplified conversion, so ⾧ (the Kangxi radical
    "long") becomes 長 and then 长, as the unified character would.
    """
    table: dict[int, str] = {}
    for low, high in _NFKC_IDEOGRAPH_BLOCKS:
        for code in range(low, high + 1):
            folded = unicodedata.normalize("NFKC", chr(code))
            if len(folded) == 1 and folded != chr(code):
                table[code] = folded
    pairs = _RADICAL_SUPPLEMENT_PAIRS.split()
    table.update((int(code, 16), char) for code, char in zip(pairs[::2], pairs[1::2], strict=True))
    return table


def _unify_ideographs(text: str) -> str:
    """Map radicals and compatibility ideographs to unified ones (a scan when there are none)."""
    if _IDEOGRAPH_VARIANT_RE.search(text) is None:
        return text
    return text.translate(_ideograph_table())


@functools.cache
def _t2s() -> opencc.OpenCC:
    return opencc.OpenCC("t2s")


def _convert(text: str) -> str:
    """OpenCC's traditional-to-simplified conversion (typed: OpenCC ships no stubs)."""
    return str(_t2s().convert(text))


@functools.lru_cache(maxsize=16384)
def _simplify_char(char: str) -> str:
    char = _unify_ideographs(char)
    converted = _convert(char)
    return converted if len(converted) == 1 else char


def _simplify(text: str) -> str:
    """Unified and simplified characters, keeping exactly one output character per input one.

    Radicals and compatibility ideographs first become the unified ideographs they
    stand for (:func:`_unify_ideographs`). Conversion uses OpenCC's phrase tables
    (best quality), a block of whole lines at a time (a phrase never spans a line
    break, so blocks convert as the whole text would, without OpenCC holding copies
    of a 50 MB text); only where a phrase changed the length does it fall back, line
    by line and then character by character, so the position map stays 1:1.
    """
    text = _unify_ideographs(text)
    blocks = []
    start = 0
    while start < len(text):
        stop = text.find("\n", start + _SIMPLIFY_BLOCK) + 1 or len(text)
        block = text[start:stop]
        converted = _convert(block)
        if len(converted) != len(block):
            lines = []
            for line in block.split("\n"):
                out = _convert(line)
                if len(out) != len(line):
                    out = "".join(_simplify_char(c) for c in line)
                lines.append(out)
            converted = "\n".join(lines)
        blocks.append(converted)
        start = stop
    return "".join(blocks)


def _is_cjk(char: str) -> bool:
    """Han character or Chinese punctuation: the context that removes spaces."""
    cp = ord(char)
    return (
        0x3400 <= cp <= 0x4DBF
        or 0x4E00 <= cp <= 0x9FFF
        or 0xF900 <= cp <= 0xFAFF
        or 0x20000 <= cp <= 0x3134F
        or 0x2E80 <= cp <= 0x2FDF
        or 0x3001 <= cp <= 0x303F
        or 0xFE10 <= cp <= 0xFE1F
        or 0xFE30 <= cp <= 0xFE4F
        or 0xFF01 <= cp <= 0xFF65
        or 0xFFE0 <= cp <= 0xFFEE
        or char in _CJK_PUNCT_EXTRA
    )


def _fold(char: str) -> str:
    """Context-free folding of one character: "" drops it, " " and "\\n" are layout.

    Full-width ASCII becomes half-width here; radicals and compatibility ideographs
    were already unified with the simplification (:func:`_simplify`).
    """
    if char in _SPACES:
        return " "
    if char in _LINE_BREAKS:
        return "\n"
    if char in _ZERO_WIDTH:
        return ""
    if "\uff01" <= char <= "\uff5e" and char not in _KEPT_FULL_WIDTH:
        return chr(ord(char) - 0xFEE0)
    if unicodedata.category(char) == "Cc":
        return ""
    return char


def _decode_entity(entity: str) -> str:
    """Decode one complete ``&...;`` reference, or return "" if it names nothing."""
    if entity.startswith("&#"):
        return html.unescape(entity)
    return html.entities.html5.get(entity[1:], "")


def _fold_candidates() -> list[str]:
    """Every character :func:`_fold` changes."""
    controls = [*map(chr, range(0x20)), *map(chr, range(0x7F, 0xA0))]
    return [*_SPACES, *_LINE_BREAKS, *_ZERO_WIDTH, *controls, *map(chr, range(0xFF01, 0xFF5F))]


@functools.cache
def _fold_table() -> dict[int, str | None]:
    """:func:`_fold` as a ``str.translate`` table (every change is one character)."""
    table: dict[int, str | None] = {}
    for char in _fold_candidates():
        folded = _fold(char)
        if folded != char:
            table[ord(char)] = folded or None
    return table


@functools.cache
def _dropped_re() -> re.Pattern[str]:
    """The characters :func:`_fold` drops, to find them in a stretch of plain text."""
    dropped = sorted(c for c in _fold_candidates() if not _fold(c))
    return re.compile("[" + "".join(f"\\U{ord(c):08x}" for c in dropped) + "]")


_SPECIAL_RE = re.compile(r"[<&\r]")


def _offsets(size: int) -> array[int]:
    """An empty offset array: 4-byte ints unless the text is too long for them."""
    return array("i" if size < 2**31 - 1 else "q")


def _tokens(text: str) -> tuple[str, array[int], array[int]]:
    """Scan once: drop markup, decode entities, fold characters; keep original spans.

    Returns the folded text and, for each of its characters, the original span it
    came from. Plain stretches (no markup, entity or carriage return) are folded in
    bulk with ``str.translate``, and where characters are dropped the runs between
    them still are, so plain text is never held one Python object per character
    (for a 17-million-character plan that cost 3 GB).
    """
    simplified = _simplify(text)
    pieces: list[str] = []
    starts = _offsets(len(text))
    ends = _offsets(len(text))
    table = _fold_table()
    dropped = _dropped_re()

    def add(char: str, start: int, end: int) -> None:
        pieces.append(char)
        starts.append(start)
        ends.append(end)

    def add_plain(begin: int, stop: int) -> None:
        """Fold ``simplified[begin:stop]``, which holds no character that is dropped."""
        pieces.append(simplified[begin:stop].translate(table))
        starts.extend(range(begin, stop))
        ends.extend(range(begin + 1, stop + 1))

    i, n = 0, len(text)
    while i < n:
        special = _SPECIAL_RE.search(text, i)
        stop = special.start() if special else n
        if stop > i:
            run = i
            for drop in dropped.finditer(simplified, i, stop):
                add_plain(run, drop.start())
                run = drop.end()
            add_plain(run, stop)
            i = stop
            if i >= n:
                break
        char = text[i]
        if char == "<" and (tag := _TAG_RE.match(text, i)):
            end = tag.end()
            slash, tag_name = tag.group(1) or "", (tag.group(2) or "").lower()
            if not slash and tag_name in _RAW_TEXT_TAGS and not tag.group(0).endswith("/>"):
                close = re.compile(rf"</{tag_name}\s*>", re.IGNORECASE).search(text, end)
                end = close.end() if close else end
            if (slash, tag_name) in _NEWLINE_TAGS:
                add("\n", i, end)
            i = end
        elif char == "&" and (entity := _ENTITY_RE.match(text, i)):
            decoded = _decode_entity(entity.group(0))
            if not decoded:  # unknown entity name: literal text
                add("&", i, i + 1)
                i += 1
                continue
            for c in decoded:
                if folded := _fold(_simplify_char(c)):
                    add(folded, i, entity.end())
            i = entity.end()
        elif char == "\r":
            end = i + 2 if text.startswith("\r\n", i) else i + 1
            add("\n", i, end)
            i = end
        else:
            if folded := _fold(simplified[i]):
                add(folded, i, i + 1)
            i += 1
    return "".join(pieces), starts, ends


def _neighbour_is_cjk(text: str, converted: dict[int, str], index: int, step: int) -> bool:
    """Whether the nearest character on one side (``step`` -1 or 1) is CJK.

    Spaces are skipped, and so are other convertible ASCII marks, so the comma in
    "目)," sees 目 just as the bracket does; ``converted`` holds the marks already
    made full-width, which count as Chinese.
    """
    j = index + step
    while 0 <= j < len(text):
        char = converted.get(j, text[j])
        if char != " " and char not in _TO_FULL_WIDTH:
            return _is_cjk(char)
        j += step
    return False


def _full_width_marks(text: str) -> str:
    """``, : ; ( ) ! ?`` beside Chinese made full-width, one character for one."""
    converted: dict[int, str] = {}
    for m in _TO_FULL_WIDTH_RE.finditer(text):
        k = m.start()
        if _neighbour_is_cjk(text, converted, k, -1) or _neighbour_is_cjk(text, converted, k, 1):
            converted[k] = _TO_FULL_WIDTH[text[k]]
    if not converted:
        return text
    pieces, last = [], 0
    for k, char in converted.items():  # in ascending order: added as found
        pieces += [text[last:k], char]
        last = k + 1
    pieces.append(text[last:])
    return "".join(pieces)


def normalise(text: str) -> NormalisedText:
    """Normalise text for pattern matching, keeping an exact map to the original.

    Traditional characters become simplified, Kangxi and supplement radicals and
    compatibility ideographs become the unified ideographs they stand for (⾼ 高,
    ⺠ 民: Chromium-printed PDFs are full of them), full-width ASCII becomes
    half-width (except ，：；（）！？), ASCII ``, : ; ( ) ! ?`` beside Chinese become
    full-width, spaces beside Chinese are dropped and other runs collapse to one,
    HTML tags are dropped (``<br>`` and ``</p>`` become line breaks, script/style
    content goes too), entities are decoded and zero-width characters removed. Line
    breaks are kept. Every change maps one original slice to at most one character,
    so each normalised character keeps the original span it came from.
    """
    joined, token_starts, token_ends = _tokens(text)
    joined = _full_width_marks(joined)
    if " " not in joined:
        return NormalisedText(text=joined, original=text, starts=token_starts, ends=token_ends)
    pieces: list[str] = []
    starts = _offsets(len(text))
    ends = _offsets(len(text))
    kept_from, n = 0, len(joined)
    for run in _SPACE_RUN_RE.finditer(joined):
        k, run_end = run.span()
        pieces.append(joined[kept_from:k])
        starts.extend(token_starts[kept_from:k])
        ends.extend(token_ends[kept_from:k])
        before = joined[k - 1] if k > 0 else "\n"
        after = joined[run_end] if run_end < n else "\n"
        if "\n" not in (before, after) and not (_is_cjk(before) or _is_cjk(after)):
            pieces.append(" ")
            starts.append(token_starts[k])
            ends.append(token_ends[run_end - 1])
        kept_from = run_end
    pieces.append(joined[kept_from:])
    starts.extend(token_starts[kept_from:])
    ends.extend(token_ends[kept_from:])
    del token_starts, token_ends
    return NormalisedText(text="".join(pieces), original=text, starts=starts, ends=ends)
