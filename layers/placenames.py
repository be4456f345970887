"""Resolve the names plan documents use for administrative units to today's unit.

Documents name places loosely: full names (宣汉县), short names (宣汉, 万州),
names that no longer exist (梁平县 became 梁平区 in 2016, 达县 became 达川区 in
2013), and qualified names (巴中市巴州区, 重庆市梁平区). All of them must land on
one current unit with its 6-digit adcode, or be reported as ambiguous (广安 is both
a prefecture and one of its districts; 市中区 exists in two prefectures) or unknown.
Resolution never guesses: the caller narrows an ambiguous name with ``within``
(the document's region) or ``level``.

Everything here is pure: :class:`PlaceIndex` is built from the unit table and the
former-names table of :mod:`layers.admin`.
"""

from __future__ import annotations

import functools
import importlib.resources
import re
from collections.abc import Iterable
from dataclasses import dataclass, field

import pandas as pd

from layers.errors import AmbiguousPlaceError, PlaceNameError, UnknownPlaceError

_AUTONOMOUS_SUFFIX_RE = re.compile(r"自治[县州旗]$")
_SUFFIXES = (
    "自治县",
    "自治州",
    "林区",
    "特区",
    "新区",
    "地区",
    "省",
    "市",
    "区",
    "县",
    "州",
    "盟",
    "旗",
)
_MIN_SHORT_LEN = 2  # a one-character stem (高县 -> 高) is too common a character to match


@dataclass(frozen=True)
class AdminUnit:
    """A current administrative unit, as a name resolves to it."""

    adcode: str
    name: str
    level: str
    province: str
    prefecture: str | None
    parent_adcode: str | None


@dataclass(frozen=True)
class PlaceMatch:
    """The unit a name resolved to, and how (``full``, ``short``, ``former``, ``qualified``)."""

    query: str
    unit: AdminUnit
    via: str
    note: str = ""


@functools.cache
def _autonomous_re() -> re.Pattern[str]:
    """Pattern stripping ethnic qualifiers: 石柱土家族自治县 -> 石柱.

    The qualifiers come from cpca's list of the 56 recognised nationalities, so
    积石山保安族东乡族撒拉族自治县 splits at 保安族, not inside 积石山.
    """
    resource = importlib.resources.files("cpca").joinpath("resources", "56_nations.csv")
    nations = [n.strip() for n in resource.read_text(encoding="utf-8").split() if n.strip()]
    alternatives = "|".join(sorted(map(re.escape, nations), key=len, reverse=True))
    return re.compile(rf"^(.+?)(?:{alternatives})+自治[县州旗]$")


def short_name(name: str) -> str:
    """The stem a document may use alone: 宣汉县 -> 宣汉, 石柱土家族自治县 -> 石柱.

    Returns the name unchanged when the stem would be a single character (高县),
    because a lone character is not a usable place name.
    """
    autonomous = _autonomous_re().match(name) if _AUTONOMOUS_SUFFIX_RE.search(name) else None
    stem = autonomous.group(1) if autonomous else name
    if stem == name:
        for suffix in _SUFFIXES:
            if name.endswith(suffix) and len(name) > len(suffix):
                stem = name[: -len(suffix)]
                break
    return stem if len(stem) >= _MIN_SHORT_LEN else name


@dataclass
class PlaceIndex:
    """Lookup tables from every accepted spelling to current units."""

    units: dict[str, AdminUnit] = field(default_factory=dict)
    full: dict[str, set[str]] = field(default_factory=dict)
    short: dict[str, set[str]] = field(default_factory=dict)
    former: dict[str, set[str]] = field(default_factory=dict)
    former_note: dict[tuple[str, str], str] = field(default_factory=dict)

    @classmethod
    def from_tables(cls, units: pd.DataFrame, former_names: pd.DataFrame) -> PlaceIndex:
        """Build the index from the unit table and the former-names table.

        A unit listed at two levels (重庆市 is province and prefecture) is one unit;
        the higher level is kept, since that is what the name usually means.
        """
        index = cls()
        for row in units.drop_duplicates("adcode").itertuples():
            unit = AdminUnit(
                adcode=row.adcode,
                name=row.name,
                level=row.level,
                province=row.province,
                prefecture=row.prefecture if isinstance(row.prefecture, str) else None,
                parent_adcode=row.parent_adcode if isinstance(row.parent_adcode, str) else None,
            )
            index.units[unit.adcode] = unit
            index.full.setdefault(unit.name, set()).add(unit.adcode)
            stem = short_name(unit.name)
            if stem != unit.name:
                index.short.setdefault(stem, set()).add(unit.adcode)
        for row in former_names.itertuples():
            if row.current_adcode not in index.units:
                continue
            index.former.setdefault(row.former_name, set()).add(row.current_adcode)
            index.former_note[(row.former_name, row.current_adcode)] = (
                f"{row.former_name} became {row.current_name} in {row.changed}"
            )
            stem = short_name(row.former_name)
            # A former stem may not take over a current name: 宜宾县 is now 叙州区,
            # but 宜宾 alone means the prefecture 宜宾市.
            current_stem = stem in index.full or (
                stem in index.short and row.current_adcode not in index.short[stem]
            )
            if stem != row.former_name and not current_stem:
                index.short.setdefault(stem, set()).add(row.current_adcode)
        return index

    def candidates(self, name: str) -> list[PlaceMatch]:
        """Every reading of ``name``, best kind first; duplicates by unit removed.

        A full current name beats a former name, which beats a short name, so a
        name reused after a merger is read as the unit that bears it today.
        """
        name = name.strip()
        found: dict[str, PlaceMatch] = {}
        for via, table in (("full", self.full), ("former", self.former), ("short", self.short)):
            for code in sorted(table.get(name, ())):
                note = self.former_note.get((name, code), "") if via == "former" else ""
                found.setdefault(code, PlaceMatch(name, self.units[code], via, note))
            if found:
                break  # a better kind of match exists; weaker readings are not candidates
        if not found:
            for match in self._qualified(name):
                found.setdefault(match.unit.adcode, match)
        return list(found.values())

    def _qualified(self, name: str) -> Iterable[PlaceMatch]:
        """Read 巴中市巴州区 / 重庆梁平 as a parent name followed by a child name."""
        for cut in range(2, len(name) - 1):
            head, tail = name[:cut], name[cut:]
            parents = [m.unit for m in self.candidates(head) if m.unit.level != "county"]
            if not parents:
                continue
            for child in self.candidates(tail):
                if any(_is_within(child.unit, parent.adcode, self) for parent in parents):
                    yield PlaceMatch(name, child.unit, "qualified", f"{head} + {child.via} {tail}")

    def resolve(
        self, name: str, *, within: str | None = None, level: str | None = None
    ) -> PlaceMatch:
        """Resolve a name to exactly one current unit.

        Parameters
        ----------
        name
            The name as the document writes it.
        within
            Adcode of a province or prefecture to restrict candidates to (the
            document's region); used only to narrow, never to invent a match.
        level
            ``province``, ``prefecture`` or ``county`` to restrict candidates to.

        Raises
        ------
        UnknownPlaceError
            If no unit answers to the name (within the restriction).
        AmbiguousPlaceError
            If more than one unit does; ``candidates`` lists them.
        """
        matches = self.candidates(name)
        if level is not None:
            matches = [m for m in matches if m.unit.level == level]
        if within is not None:
            matches = [m for m in matches if _is_within(m.unit, within, self)]
        if not matches:
            scope = "".join(
                [f" at level {level}" if level else "", f" within {within}" if within else ""]
            )
            raise UnknownPlaceError(name, f"No administrative unit is called {name!r}{scope}.")
        if len(matches) > 1:
            listed = ", ".join(f"{m.unit.name} ({m.unit.adcode})" for m in matches)
            raise AmbiguousPlaceError(
                name,
                f"{name!r} could mean any of: {listed}; narrow it by region or level.",
                matches,
            )
        return matches[0]

    def leading_unit(
        self, text: str, *, within: str | None = None, longest: int = 10
    ) -> PlaceMatch | None:
        """The place a name opens with: 宣汉县商贸物流园 -> 宣汉县, 巴州工业园 -> 巴州区.

        The longest opening that names a unit wins. ``within`` (the document's
        province or prefecture) only settles an ambiguous opening; a name that is
        ambiguous even there is not a match, because a guess would tie a project
        to the wrong county.
        """
        for cut in range(min(longest, len(text)), 1, -1):
            head = text[:cut]
            if head not in self.full and head not in self.short and head not in self.former:
                continue
            try:
                return self.resolve(head)
            except AmbiguousPlaceError:
                if within is None:
                    return None
            try:
                return self.resolve(head, within=within)
            except PlaceNameError:
                return None
        return None


def _is_within(unit: AdminUnit, ancestor: str, index: PlaceIndex) -> bool:
    """True when ``ancestor`` is the unit itself or one of its parents."""
    code: str | None = unit.adcode
    seen = 0
    while code is not None and seen < 4:
        if code == ancestor:
            return True
        code = index.units[code].parent_adcode if code in index.units else None
        seen += 1
    return False
