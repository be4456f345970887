"""One honest geometry per project, with a precision code that says how honest.

The rules, most precise first (precision codes are fixed, see DESIGN.md):

``exact``
    The facility itself is in the gazetteer: its sourced point.
``near``
    The facility is named after a township or village (普光经开区 -> 普光镇,
    后溪沟水库 -> 后溪沟村, at its township's point when the village has none), or
    a source places it in one (土溪口水库 -> 渡口乡): that place's point, from the
    curated gazetteer or the derived township tables (:mod:`layers.localities`),
    looked up only within the county the text ties it to, else the document's
    jurisdiction (the rules are in :mod:`layers.vicinity`). A road section named
    after a town (G348邮亭过境段) is near that town.
``route``
    A line named by its endpoints (达州至万州), by a section (巴中至南充段) or by
    an abbreviation (成达万 -> 成都, 达州, 万州): a schematic line through the
    ordered nodes, with its length in kilometres measured in a projected CRS.
    A node that names a town (忠县石宝寨) is that town's point; a railway's node
    at a city or county is the station named after it (达州站, 万州北), else the seat.
    A section named by one county (成渝中线高铁(大足段)) is the whole line led
    through that county and cut to its polygon; a station the text writes at a
    railway's name (成渝中线高铁“大足石刻站”) is a stop the line is led through.
``county`` / ``city``
    Only the county (or the prefecture) is known: from the name, from the text,
    or from the document's own jurisdiction. The geometry is that unit's
    polygon, never a pin that would look exact.
``unlocated``
    Nothing places it. The project is kept, with no geometry.

Ambiguous one-character abbreviations (广 = 广安 or 广元) are settled by geometry:
a line goes fairly straight from its first node to its last, and it serves the
region of the document that names it. The choice is written into ``method``.
"""

from __future__ import annotations

import dataclasses
import functools
import itertools
import logging
import math
import re
from collections.abc import Sequence
from dataclasses import dataclass, field

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from pyproj import Geod, Transformer
from shapely.geometry.base import BaseGeometry

from layers.admin import load_reference
from layers.errors import AmbiguousPlaceError, PlaceNameError
from layers.gazetteer import PLACE_KINDS, Gazetteer, load_gazetteer
from layers.localities import Localities, load_localities
from layers.mentions import HEADS
from layers.placenames import AdminUnit, PlaceIndex, short_name
from layers.vicinity import (
    NamedAfter,
    UnitHit,
    counties_within,
    place_named_in,
    scope_counties,
    station_for,
)

logger = logging.getLogger(__name__)

PRECISIONS = ("exact", "near", "route", "county", "city", "unlocated")
LINE_CATEGORIES = frozenset({"highway", "railway"})
_GEOD = Geod(ellps="WGS84")
_LINE_HEAD_RE = re.compile(
    r"(?:高速公路|高速铁路|高速通道|货运铁路|城际铁路|市域铁路|轨道交通|高速|铁路|高铁|城际|公路)"
)
# Words of a line's name that are not places: upgrades, variants, directions.
_QUALIFIER_RE = re.compile(
    r"扩能改造|改扩建|复线|二线|直达|[东西南北中]线|环线|城际|货运|快速|项目|工程|延伸线|联络线|支线"
)
_SECTION_RE = re.compile(
    r"(?:[（(](?P<paren>[^（()）]{1,12})段[）)]|(?P<plain>[^段（()）]{2,30})段)$"
)
# Words a county's own plan uses for its seat town: "S106城区至中敖".
_OWN_SEAT_WORDS = frozenset({"城区", "主城区", "中心城区", "县城", "市区", "城关"})
_NODE_SPLIT_RE = re.compile(r"经|至|—|－|-|~|～")
_ROAD_NUMBER_RE = re.compile(r"^[GS]\d{2,4}线?")
_FACILITY_HEADS = tuple(
    sorted(
        {h for c, hs in HEADS.items() if c not in LINE_CATEGORIES for h in hs},
        key=len,
        reverse=True,
    )
)
_DESCRIPTIVE_RE = re.compile(r"^[\u4e00-\u9fff]{2,4}")
# A detour ratio (route length / straight distance) costs this much per unit, and
# distance from the document's region this much per 100 km, when choosing among
# the readings of an ambiguous abbreviation.
_DETOUR_WEIGHT = 1.0
_REGION_WEIGHT_PER_100KM = 0.35
_MAX_READINGS = 512
# A county- or city-precision feature only says "somewhere in this unit": its
# polygon is simplified to about 100 m (area within 1 %), which keeps a store of
# thousands of such features small.
_AREA_TOLERANCE_DEG = 0.001


@dataclass(frozen=True)
class Node:
    """A place a line passes through, and how it was found."""

    label: str
    point: shapely.Point
    how: str
    county: AdminUnit | None = None
    key: str = ""  # what the node is: a unit's adcode or "gazetteer:<name>"
    place: str = ""  # the place's name as a reader knows it (成 -> 成都)

    @property
    def name(self) -> str:
        return self.place or self.label


@dataclass(frozen=True)
class Location:
    """Where a project is drawn and how precisely.

    Attributes
    ----------
    geometry
        WGS-84 geometry, or None when ``precision`` is ``unlocated``.
    precision
        One of :data:`PRECISIONS`.
    method
        How it was located, in words a reviewer can check (sources included).
    nodes
        For a route, the labels of its nodes in order.
    length_km
        For a route, its length in kilometres (projected CRS).
    counties
        County-level units the location ties the project to.
    """

    geometry: BaseGeometry | None
    precision: str
    method: str
    nodes: tuple[str, ...] = ()
    length_km: float | None = None
    counties: tuple[str, ...] = ()


@dataclass
class Geocoder:
    """Everything needed to place a project, held in memory (no I/O here).

    Parameters
    ----------
    places
        Name index of administrative units.
    units
        Unit polygons (EPSG:4326) with ``adcode``.
    seats
        Unit seat points (EPSG:4326) with ``adcode``.
    gazetteer
        The curated points, facility placements and abbreviations.
    localities
        Township, village and station points (:mod:`layers.localities`); without
        them facilities stay at their county and lines run between seats.
    """

    places: PlaceIndex
    units: gpd.GeoDataFrame
    seats: gpd.GeoDataFrame
    gazetteer: Gazetteer
    localities: Localities | None = None
    _polygons: dict[str, BaseGeometry] = field(default_factory=dict, repr=False)
    _seat_points: dict[str, shapely.Point] = field(default_factory=dict, repr=False)
    _place_names: list[str] = field(default_factory=list, repr=False)
    _counties: gpd.GeoDataFrame | None = field(default=None, repr=False)

    def __post_init__(self) -> None:
        simplified = self.units.geometry.simplify(_AREA_TOLERANCE_DEG, preserve_topology=True)
        for code, geom in zip(self.units["adcode"], simplified, strict=True):
            self._polygons.setdefault(code, geom)
        for code, geom in zip(self.seats["adcode"], self.seats.geometry, strict=True):
            self._seat_points.setdefault(code, geom)
        self._place_names = self.gazetteer.names(kinds=PLACE_KINDS)
        self._counties = self.units[self.units["level"] == "county"].reset_index(drop=True)

    # ------------------------------------------------------------------ nodes

    def county_of(self, point: shapely.Point) -> AdminUnit | None:
        """The county-level unit whose polygon holds ``point``."""
        counties: gpd.GeoDataFrame = self._counties
        hits = counties[counties.covers(point)]
        return self.places.units.get(str(hits["adcode"].iloc[0])) if len(hits) else None

    def _seat(self, unit: AdminUnit) -> shapely.Point | None:
        return self._seat_points.get(unit.adcode)

    def _unit(self, name: str, *, region: str | None) -> AdminUnit | None:
        """The unit a node's name means; 广安 is 广安市, not its own 广安区."""
        try:
            return self.places.resolve(name).unit
        except AmbiguousPlaceError as exc:
            # candidates are PlaceMatch objects (errors.py stays free of placenames)
            units: list[AdminUnit] = [m.unit for m in exc.candidates]  # type: ignore[attr-defined]
            for unit in units:
                if all(u is unit or u.parent_adcode == unit.adcode for u in units):
                    return unit
        except PlaceNameError:
            pass
        if region is None:
            return None
        try:
            return self.places.resolve(name, within=region).unit
        except PlaceNameError:
            return None

    def _gazetteer_place(self, text: str, *, within: AdminUnit | None, region: str | None):
        """The gazetteer township/village ``text`` opens with, inside ``within`` if given."""
        for spelling in self._place_names:
            if not text.startswith(spelling):
                continue
            rows = self.gazetteer.lookup(spelling, kinds=PLACE_KINDS)
            scope = _scope_prefix(within.adcode if within else region)
            if scope:
                rows = rows[rows["county_adcode"].str.startswith(scope)]
            if len(rows) == 1:
                return rows.iloc[0]
        return None

    def _gazetteer_node(self, label: str, row: pd.Series) -> Node:
        return Node(label, row.geometry, f"gazetteer {row['name']} ({row['source_url']})",
                    self.places.units.get(row["county_adcode"]), f"gazetteer:{row['name']}",
                    row["name"])  # fmt: skip

    def node(self, text: str, *, region: str | None = None) -> Node | None:
        """Resolve one node of a line: a gazetteer place, a unit's seat, or both combined.

        ``region`` (a province or prefecture adcode) settles ambiguous names.
        """
        text = text.strip()
        if len(text) < 2:
            return None
        own = self.places.units.get(region) if region else None
        if text in _OWN_SEAT_WORDS and own is not None and (seat := self._seat(own)) is not None:
            county = own if own.level == "county" else None
            return Node(text, seat, f"seat of {own.name} (the document's own {text})", county,
                        own.adcode, own.name)  # fmt: skip
        rows = self.gazetteer.lookup(text)
        if len(rows) == 1:
            return self._gazetteer_node(text, rows.iloc[0])
        unit = self._unit(text, region=region)
        if unit is not None and (seat := self._seat(unit)) is not None:
            county = unit if unit.level == "county" else None
            return Node(text, seat, f"seat of {unit.name}", county, unit.adcode)
        lead = self.places.leading_unit(text, within=region)
        rest = text[len(lead.query) :] if lead else text
        place = self._gazetteer_place(rest, within=lead.unit if lead else None, region=region)
        if place is not None:
            return self._gazetteer_node(text, place)
        scope = lead.unit if lead else (self.places.units.get(region) if region else None)
        town = self._town(rest, within=scope)
        if town is not None:
            county = self.places.units.get(town.county_adcode)
            return Node(text, town.point, f"town {town.label(self.places)}", county,
                        f"{town.kind}:{town.county_adcode}:{town.name}", town.name)  # fmt: skip
        if lead is not None and (seat := self._seat(lead.unit)) is not None:
            county = lead.unit if lead.unit.level == "county" else None
            return Node(
                text,
                seat,
                f"seat of {lead.unit.name} ({text} not in the gazetteer)",
                county,
                lead.unit.adcode,
            )
        return None

    def _town(self, text: str, *, within: AdminUnit | None) -> UnitHit | None:
        """The township or village of ``within`` that ``text`` opens with (石宝寨 -> 石宝镇)."""
        if self.localities is None or within is None or not text:
            return None
        found = place_named_in(text, counties=counties_within(within, self.places),
                               localities=self.localities, places=self.places,
                               opening=True)  # fmt: skip
        return found.hit if found is not None else None

    def _station_node(self, node: Node) -> Node:
        """A railway's node at a city or county: its station, if one is named after it."""
        unit = self.places.units.get(node.key)
        if unit is None or unit.level == "province":
            return node
        stem = short_name(unit.name)
        curated = self.gazetteer.lookup(f"{stem}站", kinds=frozenset({"station"}))
        inside = set(counties_within(unit, self.places))
        curated = curated[curated["county_adcode"].isin(inside)]
        if len(curated) == 1:
            row = curated.iloc[0]
            return Node(node.label, row.geometry,
                        f"station {row['name']} of {unit.name} ({row['source_url']})",
                        node.county, node.key, node.place)  # fmt: skip
        if self.localities is None:
            return node
        station = station_for(unit, localities=self.localities, places=self.places)
        if station is None:
            return node
        return Node(node.label, station.point,
                    f"station {station.label(self.places)} of {unit.name}",
                    node.county, node.key, node.place)  # fmt: skip

    # ------------------------------------------------------------------ lines

    def line_nodes(
        self, name: str, *, endpoints: Sequence[str] = (), region: str | None = None
    ) -> tuple[list[Node], str]:
        """The ordered nodes a line's name gives, and how they were read.

        A named section (巴中至南充段) wins over the whole line's endpoints, since
        the section is what the record is about. Urban rail (轨道交通) is never
        read as an abbreviation: 巴城 there is the city of 巴中, not 巴中—城口.
        """
        section = _SECTION_RE.search(name)
        if section:
            text = section.group("plain") or section.group("paren")
            parts = [p for p in _NODE_SPLIT_RE.split(_section_text(text)) if p]
            if len(parts) >= 2:
                return self._nodes_from_parts(parts, region=region, how="section")
            if section.group("paren"):
                return [], ""  # 成渝中线高铁(大足段): one place, not the whole line
        if endpoints:
            return self._nodes_from_parts(list(endpoints), region=region, how="endpoints")
        stem = _abbreviation_stem(name)
        if stem and "轨道交通" not in name and all(c in self.gazetteer.abbreviations for c in stem):
            return self._nodes_from_parts(list(stem), region=region, how="abbreviation")
        return [], ""

    def abbreviation_endpoints(self, name: str, *, region: str | None = None) -> list[str]:
        """The places a line's abbreviation stands for: 成达万高铁 -> 成都, 达州, 万州.

        Empty when the name is not an abbreviation (or a character is unknown).
        """
        nodes, how = self.line_nodes(name, region=region)
        return [n.name for n in nodes] if how.startswith("abbreviation") else []

    def _abbreviation_slot(self, char: str) -> list[Node]:
        return [
            Node(char, seat, f"abbreviation {char} = {u.name}",
                 u if u.level == "county" else None, u.adcode, short_name(u.name))
            for u in self.gazetteer.abbreviations.get(char, ())
            if (seat := self._seat(u)) is not None
        ]  # fmt: skip

    def _nodes_from_parts(
        self, parts: Sequence[str], *, region: str | None, how: str
    ) -> tuple[list[Node], str]:
        """Resolve each part; a part that is only abbreviation characters (长垫梁—万—恩施)
        gives one node per character. Ambiguous characters are settled together."""
        slots: list[list[Node]] = []
        unresolved: list[str] = []
        for part in parts:
            node = self.node(part, region=region) if len(part) >= 2 else None
            if node is not None:
                slots.append([node])
            elif part and all(c in self.gazetteer.abbreviations for c in part):
                slots += [slot for c in part if (slot := self._abbreviation_slot(c))]
            else:
                unresolved.append(part)
        nodes, readings = self._best_reading(slots, region=region)
        text = f"{how} {'—'.join(parts)}"
        if readings > 1:
            text += f" (chosen among {readings} readings by route shape and the document's region)"
        if unresolved:
            text += f"; not placed: {'、'.join(unresolved)}"
        return nodes, text

    def _best_reading(
        self, slots: list[list[Node]], *, region: str | None
    ) -> tuple[list[Node], int]:
        readings = math.prod(len(s) for s in slots) if slots else 0
        if readings == 0 or readings > _MAX_READINGS or len(slots) < 2:
            return [slot[0] for slot in slots], readings
        region_point = self._region_point(region)
        best: tuple[float, list[Node]] | None = None
        for combo in itertools.product(*slots):
            if len({n.key for n in combo}) < len(combo):
                continue  # a line does not visit one place twice
            cost = _abbreviation_cost(list(combo), region_point)
            if best is None or cost < best[0]:
                best = (cost, list(combo))
        return (best[1] if best else [slot[0] for slot in slots]), readings

    def _region_point(self, region: str | None) -> shapely.Point | None:
        return self._seat_points.get(region) if region else None

    # ------------------------------------------------------------------ projects

    def locate(
        self,
        *,
        name: str,
        category: str,
        aliases: Sequence[str] = (),
        counties: Sequence[str] = (),
        endpoints: Sequence[str] = (),
        stations: Sequence[str] = (),
        jurisdiction: str | None = None,
    ) -> Location:
        """The best location the evidence supports (see the module docstring).

        Parameters
        ----------
        name, category, aliases, counties, endpoints
            As in an extracted record.
        stations
            Places of stations the texts write at a railway's name (大足石刻 of
            成渝中线高铁“大足石刻站”): the route is led through them too.
        jurisdiction
            Adcode of the document's own unit (county, prefecture or province):
            the region that settles ambiguous names, and the fallback location.
        """
        region = _region_of(jurisdiction)
        if category in LINE_CATEGORIES:
            for spelling in (name, *aliases):
                nodes, how = self.line_nodes(
                    spelling,
                    endpoints=endpoints if spelling == name else (),
                    region=jurisdiction or region,
                )
                if category == "railway":
                    nodes = [self._station_node(n) for n in nodes]
                if len({(n.point.x, n.point.y) for n in nodes}) >= 2:
                    nodes, how = self._with_stops(nodes, how, stations, region=jurisdiction)
                    return self._route(nodes, how, counties)
            within = self._section_within(name, category=category, jurisdiction=jurisdiction)
            if within is not None:
                return within
        why_not = ""
        section = _ROAD_NUMBER_RE.sub("", name)
        if category in LINE_CATEGORIES and "段" in section:
            # A section named after a town (G348邮亭过境段): the road passes there.
            named = self._named_after(section, (), counties=counties, jurisdiction=jurisdiction)
            if named is not None and named.hit is not None:
                hit = named.hit
                return Location(hit.point, "near", f"section named after {hit.label(self.places)}",
                                counties=(self.places.units[hit.county_adcode].name,))  # fmt: skip
        if category not in LINE_CATEGORIES:
            found = self._facility(name, aliases, counties=counties, jurisdiction=jurisdiction)
            if found is not None:
                return found
            named = self._named_after(name, aliases, counties=counties, jurisdiction=jurisdiction)
            if named is not None and named.hit is not None:
                hit = named.hit
                return Location(hit.point, "near", f"named after {hit.label(self.places)}",
                                counties=(self.places.units[hit.county_adcode].name,))  # fmt: skip
            if named is not None:
                why_not = f"; not placed nearer: {named.why}"
        area = self._area(name, counties=counties, jurisdiction=jurisdiction, region=region)
        return dataclasses.replace(area, method=area.method + why_not) if why_not else area

    def _with_stops(
        self, nodes: list[Node], how: str, stations: Sequence[str], *, region: str | None
    ) -> tuple[list[Node], str]:
        """``nodes`` with each named station's place put where it adds least length.

        A station whose place the line already visits adds nothing; one that cannot be
        placed, is named after a former county, or would more than double the line (a
        misread place) is left out.
        """
        added: list[str] = []
        for station in stations:
            stop = None if self._former_name(station) else self.node(station, region=region)
            if stop is None or stop.key in {n.key for n in nodes}:
                continue
            at, extra = _cheapest_insertion(nodes, stop.point)
            if extra > sum(_km(a.point, b.point) for a, b in itertools.pairwise(nodes)):
                continue
            nodes = [*nodes[:at], dataclasses.replace(stop, label=f"{station}站"), *nodes[at:]]
            added.append(f"{station}站")
        if added:
            how += f"; by way of stations the text names: {'、'.join(added)}"
        return nodes, how

    def _former_name(self, text: str) -> bool:
        """Whether ``text`` is a former county's name (双桥, now in 大足区): its place is
        not the successor's seat, so it is no stop to lead a line through."""
        try:
            match = self.places.resolve(text)
        except PlaceNameError:
            return False
        if match.via == "former":
            return True  # 双桥区
        own = short_name(match.unit.name)  # 大足县 -> 大足区 is a rename: 大足 is still 大足
        return text != own and any(short_name(f) == text for f in self.places.former)

    def _section_within(
        self, name: str, *, category: str, jurisdiction: str | None
    ) -> Location | None:
        """成渝中线高铁(大足段): the stretch of the whole line inside the one place named.

        The whole line's nodes come from its name (成渝 -> 成都, 重庆); the section
        says the line crosses the named county, so the schematic line is led
        through that county's station or seat (where it adds least length) and
        cut to the county's polygon. It stays a schematic ``route``: the method
        names the nodes and the cut, and the piece never leaves the county.
        """
        section = _SECTION_RE.search(name)
        if section is None or not section.group("paren"):
            return None
        unit = self._unit(section.group("paren"), region=_region_of(jurisdiction))
        polygon = self._polygons.get(unit.adcode) if unit is not None else None
        seat = self._seat(unit) if unit is not None else None
        if unit is None or unit.level != "county" or polygon is None or seat is None:
            return None
        nodes, how = self.line_nodes(name[: section.start()],
                                     region=jurisdiction or _region_of(jurisdiction))  # fmt: skip
        if len(nodes) < 2:
            return None
        via = Node(section.group("paren"), seat, f"seat of {unit.name}", unit, unit.adcode,
                   short_name(unit.name))  # fmt: skip
        if unit.adcode not in {n.key for n in nodes}:
            at, _ = _cheapest_insertion(nodes, seat)
            nodes = [*nodes[:at], via, *nodes[at:]]
        if category == "railway":
            nodes = [self._station_node(n) for n in nodes]
        whole = shapely.LineString([n.point for n in nodes])
        cut = whole.intersection(polygon)
        pieces = [g for g in getattr(cut, "geoms", [cut])
                  if isinstance(g, shapely.LineString) and not g.is_empty]  # fmt: skip
        if not pieces:
            return None
        through = next((n for n in nodes if n.key == unit.adcode), via)
        piece = min(pieces, key=lambda g: g.distance(through.point))
        sources = "; ".join(f"{n.label}: {n.how}" for n in nodes)
        return Location(
            piece,
            "route",
            f"section within {unit.name} of the route through {how}, led through "
            f"{through.label} and cut to the county ({sources})",
            tuple(n.name for n in nodes),
            line_length_km(piece),
            (unit.name,),
        )

    def unit_location(self, name: str, *, region: str | None = None) -> Location | None:
        """The polygon of the county or prefecture ``name``, as a reviewer's choice of place."""
        unit = self._unit(name, region=region)
        if unit is None or unit.adcode not in self._polygons:
            return None
        return _unit_location(unit, self._polygons[unit.adcode], "chosen by the editor")

    def _named_after(
        self,
        name: str,
        aliases: Sequence[str],
        *,
        counties: Sequence[str],
        jurisdiction: str | None,
    ) -> NamedAfter | None:
        """The township or village a facility is named after, within the county it is tied to.

        The tie is the county the text names, else the one the name opens with,
        else the document's jurisdiction (see :mod:`layers.vicinity`).
        """
        if self.localities is None:
            return None
        region = _region_of(jurisdiction)
        tied = [u for c in counties if (u := self._unit(c, region=region)) is not None]
        for spelling in (name, *aliases):
            rest, lead = spelling, self.places.leading_unit(spelling, within=region)
            while lead is not None and len(rest) > len(lead.query):
                if not tied:
                    tied = [lead.unit]
                rest = rest[len(lead.query) :]
                lead = self.places.leading_unit(rest, within=region)
            scope = scope_counties(tied, jurisdiction=self.places.units.get(jurisdiction or ""),
                                   places=self.places)  # fmt: skip
            # The whole spelling too: 双桥经开区 opens with a former district's name (双桥区,
            # now 双桥街道 of 大足区), which the county rule took as its county.
            for text in dict.fromkeys((rest, spelling)):
                found = place_named_in(text, counties=scope, localities=self.localities,
                                       places=self.places)  # fmt: skip
                if found is not None:
                    return found
        return None

    def _route(self, nodes: list[Node], how: str, counties: Sequence[str]) -> Location:
        line = shapely.LineString([n.point for n in nodes])
        tied = list(dict.fromkeys([*counties, *(n.county.name for n in nodes if n.county)]))
        sources = "; ".join(f"{n.label}: {n.how}" for n in nodes)
        kinds = {"station": [n.label for n in nodes if n.how.startswith("station ")],
                 "town": [n.label for n in nodes if n.how.startswith("town ")]}  # fmt: skip
        through = "".join(
            f"; {len(v)} node(s) at {k}s: {'、'.join(v)}" for k, v in kinds.items() if v
        )
        return Location(
            line,
            "route",
            f"route through {how}{through} ({sources})",
            tuple(n.name for n in nodes),
            line_length_km(line),
            tuple(tied),
        )

    def _facility(
        self,
        name: str,
        aliases: Sequence[str],
        *,
        counties: Sequence[str],
        jurisdiction: str | None,
    ) -> Location | None:
        for spelling in (name, *aliases):
            rows = self.gazetteer.lookup(spelling)
            rows = rows[~rows["kind"].isin(PLACE_KINDS)]
            if len(rows) == 1:
                row = rows.iloc[0]
                return Location(
                    row.geometry,
                    "exact",
                    f"gazetteer point of {row['name']} ({row['source_url']})",
                    counties=(row["county"],),
                )
        for spelling in (name, *aliases):
            placed = self.gazetteer.facility_places.get(spelling)
            if placed is None:
                continue
            if placed.town:
                town = self._gazetteer_place(placed.town, within=placed.county, region=None)
                if town is not None:
                    return Location(
                        town.geometry,
                        "near",
                        f"point of {town['name']} ({town['source_url']}), where "
                        f"{placed.source_url} places {placed.name}",
                        counties=(placed.county.name,),
                    )
                hit = self._town(placed.town, within=placed.county)
                if hit is not None and _same_level(hit, placed.town):
                    return Location(hit.point, "near",
                                    f"point of {hit.label(self.places)}, where "
                                    f"{placed.source_url} places {placed.name}",
                                    counties=(placed.county.name,))  # fmt: skip
            polygon = self._polygons.get(placed.county.adcode)
            return Location(
                polygon,
                "county",
                f"county {placed.county.name}, where {placed.source_url} places {placed.name}",
                counties=(placed.county.name,),
            )
        county = self._named_county(name, counties=counties, jurisdiction=jurisdiction)
        stem = _facility_stem(name, county)
        if stem:
            town = self._gazetteer_place(stem, within=county, region=_region_of(jurisdiction))
            if town is not None:
                return Location(
                    town.geometry,
                    "near",
                    f"named after {town['name']} ({town['source_url']})",
                    counties=(town["county"],),
                )
        return None

    def _named_county(
        self, name: str, *, counties: Sequence[str], jurisdiction: str | None
    ) -> AdminUnit | None:
        for county in counties:
            unit = self._unit(county, region=_region_of(jurisdiction))
            if unit is not None:
                return unit
        lead = self.places.leading_unit(name, within=_region_of(jurisdiction))
        if lead is not None:
            return lead.unit
        return self.places.units.get(jurisdiction) if jurisdiction else None

    def _area(
        self, name: str, *, counties: Sequence[str], jurisdiction: str | None, region: str | None
    ) -> Location:
        for county in counties:
            unit = self._unit(county, region=region)
            if unit is not None and unit.adcode in self._polygons:
                return Location(
                    self._polygons[unit.adcode],
                    "county",
                    f"county {unit.name}, named in the text",
                    counties=(unit.name,),
                )
        text = _ROAD_NUMBER_RE.sub("", name)
        paren = re.search(r"[（(]([^（()）]{2,8})段[）)]", text)
        lead = self.places.leading_unit(paren.group(1) if paren else text, within=region)
        if lead is not None and lead.unit.adcode in self._polygons:
            return _unit_location(
                lead.unit,
                self._polygons[lead.unit.adcode],
                f"{lead.unit.name}, which the name opens with",
            )
        unit = self.places.units.get(jurisdiction) if jurisdiction else None
        if unit is not None and unit.level != "province" and unit.adcode in self._polygons:
            return _unit_location(
                unit, self._polygons[unit.adcode], f"{unit.name}, the document's own jurisdiction"
            )
        return Location(None, "unlocated", "no place in the name, the text or the document")


def _unit_location(unit: AdminUnit, polygon: BaseGeometry, why: str) -> Location:
    if unit.level == "county":
        return Location(polygon, "county", f"county {why}", counties=(unit.name,))
    return Location(polygon, "city", f"prefecture {why}")


def _scope_prefix(adcode: str | None) -> str:
    """The adcode prefix shared by every unit inside ``adcode`` (510000 -> 51)."""
    if not adcode:
        return ""
    if adcode.endswith("0000"):
        return adcode[:2]
    if adcode.endswith("00"):
        return adcode[:4]
    return adcode


_TOWNSHIP_SUFFIXES = ("镇", "乡", "街道")


def _same_level(hit: UnitHit, town: str) -> bool:
    """Whether ``hit`` is the kind of unit ``town`` is written as.

    A source that says 双桂街道 names the street, not the village 双桂村 of another
    township that shares its stem: a township-level name takes a township's own point.
    """
    if town.endswith(_TOWNSHIP_SUFFIXES):
        return hit.kind == "township" and not hit.via
    return True


def _region_of(jurisdiction: str | None) -> str | None:
    """The province of a jurisdiction: the scope that settles ambiguous names."""
    return jurisdiction[:2] + "0000" if jurisdiction else None


def _section_text(text: str) -> str:
    """The part of a section name that lists places: 巴州段光辉许家岭—三江—梁永 -> the nodes."""
    if "段" in text:
        text = text.rsplit("段", 1)[1]
    head = _LINE_HEAD_RE.search(text)
    if head:
        text = text[head.end() :]
    return _ROAD_NUMBER_RE.sub("", text)


def _abbreviation_stem(name: str) -> str:
    """成达万高铁 -> 成达万, 达万铁路扩能改造 -> 达万, 大(足)内(江)高速 -> 大内."""
    stem = re.sub(r"[（(][^）)]*[）)]", "", name)
    head = _LINE_HEAD_RE.search(stem)
    if head is None:
        return ""
    stem = _QUALIFIER_RE.sub("", stem[: head.start()])
    return stem if 2 <= len(stem) <= 5 and re.fullmatch(r"[\u4e00-\u9fff]+", stem) else ""


def _facility_stem(name: str, county: AdminUnit | None) -> str:
    """The words a facility is named after: 巴州区化成水库 -> 化成, 通江春在工业园 -> 春在."""
    stem = name
    for head in _FACILITY_HEADS:
        if head in stem:
            stem = stem[: stem.index(head)]
            break
    if county is not None:
        for spelling in (county.name, re.sub(r"[区县市]$", "", county.name)):
            if stem.startswith(spelling) and len(stem) > len(spelling):
                stem = stem[len(spelling) :]
                break
    return stem


def _abbreviation_cost(nodes: list[Node], region_point: shapely.Point | None) -> float:
    """Lower is likelier: a fairly straight line that serves the document's region.

    "Serves" is measured as the distance from the region's seat to the line
    itself, not to its nodes: 镇广 seen from 巴中 passes closer by way of 广安
    than by way of 广元, although 广元 is the nearer city.
    """
    points = [n.point for n in nodes]
    legs = sum(_km(a, b) for a, b in itertools.pairwise(points))
    straight = _km(points[0], points[-1])
    detour = legs / straight if len(points) > 2 and straight > 0 else 1.0
    cost = _DETOUR_WEIGHT * detour
    if region_point is not None:
        cost += _REGION_WEIGHT_PER_100KM * _km_to_line(region_point, points) / 100
    return cost


def _km_to_line(point: shapely.Point, vertices: list[shapely.Point]) -> float:
    """Distance from a point to a polyline in km, in a local equirectangular frame.

    Good to a few per cent over a few hundred kilometres, which is all a choice
    between two candidate cities needs.
    """
    scale = math.cos(math.radians(point.y))

    def local(p: shapely.Point) -> tuple[float, float]:
        return ((p.x - point.x) * scale * 111.32, (p.y - point.y) * 110.57)

    line = shapely.LineString([local(v) for v in vertices])
    return float(line.distance(shapely.Point(0.0, 0.0)))


def _cheapest_insertion(nodes: Sequence[Node], point: shapely.Point) -> tuple[int, float]:
    """Where ``point`` joins the line through ``nodes`` adding least length, and how
    many kilometres it adds."""
    costs = [
        _km(nodes[i - 1].point, point) + _km(point, nodes[i].point)
        - _km(nodes[i - 1].point, nodes[i].point)
        for i in range(1, len(nodes))
    ]  # fmt: skip
    at = min(range(len(costs)), key=costs.__getitem__)
    return at + 1, costs[at]


def _km(a: shapely.Point, b: shapely.Point) -> float:
    return _GEOD.inv(a.x, a.y, b.x, b.y)[2] / 1000


def line_length_km(line: BaseGeometry) -> float:
    """Length in km, measured in the UTM zone of the line's centre (a projected CRS).

    The zone is computed from the longitude rather than looked up with
    ``estimate_utm_crs`` (a PROJ database query per call, slow over thousands of
    lines); the transformer for each zone is built once.
    """
    centre = line.centroid
    zone = min(60, max(1, int((centre.x + 180) // 6) + 1))
    epsg = (32600 if centre.y >= 0 else 32700) + zone
    projected = shapely.transform(line, _utm_transformer(epsg))
    return float(projected.length / 1000)


@functools.cache
def _utm_transformer(epsg: int):
    transformer = Transformer.from_crs("EPSG:4326", f"EPSG:{epsg}", always_xy=True)

    def project(coords):
        x, y = transformer.transform(coords[:, 0], coords[:, 1])
        return np.column_stack([x, y])

    return project


def load_geocoder() -> Geocoder:
    """A geocoder over the installed reference geography and the curated gazetteer.

    The one place the command lines build it; the geocoder itself does no I/O,
    this only calls the two loaders that do.

    Raises
    ------
    ReferenceDataError, GazetteerError
        If either source is unusable.
    """
    reference = load_reference()
    places = PlaceIndex.from_tables(reference.units, reference.former_names)
    counties = reference.units[reference.units["level"] == "county"]
    gazetteer = load_gazetteer(places=places, counties=counties)
    return Geocoder(places, reference.units, reference.seats, gazetteer, load_localities())
