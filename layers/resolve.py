"""Resolution across documents: records of one project from many documents -> one project.

A record is one project as one document states it (:mod:`layers.extract`). The
same project appears in several documents under several spellings: 达万铁路扩能改造
in the Dazhou and the Liangping documents, 汉巴南铁路 in the Bazhou and the Bazhong
ones, 镇广高速 beside 镇巴经达州至广安高速. Resolution gives each project one
:class:`Project` with every document's record and every mention kept, which is
what makes progress visible.

Identity is decided by what a project *is*, not how it is spelt:

* a line is its category, its two end places (as administrative units, found by
  the geocoder from endpoints, sections or abbreviations), its qualifier (直达,
  中线...) and, for a named section, the section: 汉巴南铁路 and 汉巴南铁路巴中至南充段
  are never merged;
* anything else is its category, its name without the places in front and the
  area it belongs to (the prefecture; for Chongqing, whose districts stand in for
  prefectures, the district).

``project_id`` is a hash of that identity, so it does not change when documents
are added or read in another order.
"""

from __future__ import annotations

import hashlib
import logging
import re
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date

from layers.errors import PlaceNameError
from layers.extract import name_key
from layers.geocode import LINE_CATEGORIES, Geocoder, Node
from layers.model import Document, Record
from layers.vicinity import stations_named

logger = logging.getLogger(__name__)


# Provinces whose districts and counties sit directly under the province-level city.
_MUNICIPALITIES = ("11", "12", "31", "50")
_KEPT_QUALIFIER_RE = re.compile(r"直达|复线|二线|[东西南北中]线|环线|货运|城际|联络线|支线|延伸线")
_CATEGORY_CODES = {
    "highway": "hw",
    "railway": "rw",
    "reservoir": "rs",
    "park": "pk",
    "industrial_zone": "iz",
    "other": "ot",
}


@dataclass
class Project:
    """A project across documents: every document's record, in issue order."""

    project_id: str
    category: str
    identity: str
    records: list[tuple[Document, Record]] = field(default_factory=list)

    @property
    def name(self) -> str:
        """The most informative spelling: endpoints spelt out, then most used, then longest."""
        counts: dict[str, int] = defaultdict(int)
        for _, record in self.records:
            counts[record.name] += 1
        return max(counts, key=lambda n: (("至" in n or "经" in n), counts[n], len(n), n))

    @property
    def aliases(self) -> list[str]:
        names = [r.name for _, r in self.records] + [a for _, r in self.records for a in r.aliases]
        return sorted(set(names) - {self.name})

    @property
    def doc_ids(self) -> list[str]:
        return sorted({doc.doc_id for doc, _ in self.records})

    @property
    def counties(self) -> list[str]:
        return list(dict.fromkeys(c for _, r in self.records for c in r.counties))

    @property
    def endpoints(self) -> list[str]:
        longest: tuple[str, ...] = ()
        for _, record in self.records:
            if len(record.endpoints) > len(longest):
                longest = record.endpoints
        return list(longest)

    @property
    def stations(self) -> list[str]:
        """Places of the stations the documents write at a railway's name (成渝中线高铁
        “大足石刻站” -> 大足石刻): stops its route should pass through."""
        if self.category != "railway":
            return []
        texts = [m.sentence.text for _, r in self.records for m in r.mentions]
        return stations_named([self.name, *self.aliases], texts)

    def by_date(self) -> list[tuple[Document, Record]]:
        """The records, oldest document first."""
        return sorted(self.records, key=lambda dr: (dr[0].issued or date.min, dr[0].doc_id))

    @property
    def latest(self) -> tuple[Document, Record]:
        """The record of the most recently issued document (the latest word)."""
        return self.by_date()[-1]


def _scope(adcode: str | None) -> str:
    """The area a non-line project's identity is tied to: prefecture, or district in a
    province-level city, or the province when nothing narrower is known."""
    if not adcode:
        return "?"
    if adcode[:2] in _MUNICIPALITIES:
        return adcode if not adcode.endswith("0000") else adcode[:2] + "0000"
    return adcode[:4] + "00" if not adcode.endswith("0000") else adcode


def _end_name(node: Node, geocoder: Geocoder) -> str:
    """A line end as line names write it: the abbreviation character of its unit.

    Two different roads may join the same two cities (成渝高速 and 渝蓉高速 both run
    成都—重庆), and their names differ only in the characters chosen; a line spelt
    out (成都至重庆) uses each unit's usual character (成, 渝). The unit is kept
    beside the character, so 开 for 开江 and 开 for 开州 stay apart. Places that are
    not units (towns) are their gazetteer entries.
    """
    if node.how.startswith("abbreviation"):
        return f"{node.label}:{node.key}"
    if node.key and not node.key.startswith("gazetteer:"):
        return f"{geocoder.gazetteer.abbreviation_of(node.key) or node.label}:{node.key}"
    return node.key or node.label


def _line_identity(record: Record, doc: Document, geocoder: Geocoder) -> str | None:
    for spelling in (record.name, *record.aliases):
        endpoints = list(record.endpoints) if spelling == record.name else []
        nodes, how = geocoder.line_nodes(spelling, endpoints=endpoints, region=doc.jurisdiction)
        if len(nodes) < 2:
            continue
        ends = sorted({_end_name(nodes[0], geocoder), _end_name(nodes[-1], geocoder)})
        if len(ends) < 2:
            continue
        qualifier = "".join(sorted(set(_KEPT_QUALIFIER_RE.findall(spelling))))
        section = ""
        if how.startswith("section"):
            line = spelling[: spelling.rfind(nodes[0].label)] if nodes[0].label in spelling else ""
            section = "section:" + name_key(line)
        return f"{record.layer.value}|{'~'.join(ends)}|{qualifier}|{section}"
    return None


def _place_identity(record: Record, doc: Document, geocoder: Geocoder | None) -> str:
    name = record.name
    where = doc.jurisdiction
    stem = name
    if geocoder is not None:
        lead = geocoder.places.leading_unit(
            name, within=(doc.jurisdiction or "")[:2] + "0000" or None
        )
        if lead is not None and len(name) - len(lead.query) >= 2:
            stem = name[len(lead.query) :]
            where = lead.unit.adcode
        elif record.counties:
            try:
                where = geocoder.places.resolve(record.counties[0], level="county").unit.adcode
            except PlaceNameError:
                pass  # an unresolvable county keeps the document's area
    return f"{record.layer.value}|{_scope(where)}|{name_key(stem)}"


def project_identity(record: Record, doc: Document, *, geocoder: Geocoder | None) -> str:
    """What a record is about, independent of spelling (see the module docstring)."""
    if record.layer.value in LINE_CATEGORIES and geocoder is not None:
        identity = _line_identity(record, doc, geocoder)
        if identity is not None:
            return identity
    return _place_identity(record, doc, geocoder)


def project_id_from_identity(category: str, identity: str) -> str:
    """A short stable id: the category code and a hash of the identity."""
    digest = hashlib.sha1(identity.encode("utf-8")).hexdigest()[:10]
    return f"{_CATEGORY_CODES.get(category, 'xx')}-{digest}"


def resolve_projects(
    documents: Iterable[tuple[Document, Sequence[Record]]],
    *,
    geocoder: Geocoder | None,
    known: Mapping[tuple[str, int], str] | None = None,
) -> list[Project]:
    """Merge every document's records into projects, in a stable order (by id).

    ``known`` gives, by (document id, record index), the project a record was
    resolved into by an earlier build with the same code and reference data: a
    record's project depends on the record and its document alone, so it is
    taken as it is instead of being worked out again (the identity of a line asks
    the geocoder for its nodes, the slow part of resolution).
    """
    projects: dict[str, Project] = {}
    known = known or {}
    n_records = n_known = 0
    for doc, records in documents:
        for index, record in enumerate(records):
            n_records += 1
            project_id = known.get((doc.doc_id, index), "")
            identity = ""
            if project_id:
                n_known += 1
            else:
                identity = project_identity(record, doc, geocoder=geocoder)
                project_id = project_id_from_identity(record.layer.value, identity)
            project = projects.setdefault(
                project_id, Project(project_id, record.layer.value, identity)
            )
            project.records.append((doc, record))
    merged = sorted(projects.values(), key=lambda p: p.project_id)
    logger.info("resolve: %d records (%d resolved before) -> %d projects",
                n_records, n_known, len(merged))  # fmt: skip
    return merged
