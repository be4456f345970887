"""Corrections: what people changed, who, when and why, and how it applies to a build.

A correction is never lost: the log lives in the store and is written back whole
on every build. Two scopes:

* **project corrections** (``doc_id`` empty) change a project's field or geometry
  and are re-applied on top of every build; one whose project disappeared is an
  orphan, reported in the build summary and kept;
* **review corrections** (``doc_id`` set) were made while an editor reviewed a
  document uploaded in the portal. Edits to that document's records
  (``record.name``, ``record.status``, ``record.include``...) are already part of
  the records the editor approved, so they are kept only as the log of what the
  extractor got wrong. Geometry, precision and method chosen during that review
  apply while the document is published and stop applying when it is withdrawn,
  so undoing a publish restores the previous map exactly.

Pure functions over DataFrames; the store module does the reading and writing.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import re
from dataclasses import dataclass
from datetime import UTC, datetime

import geopandas as gpd
import pandas as pd
import shapely
from shapely import wkt

from layers.codec import statements_from_text, statements_to_text
from layers.errors import StoreError
from layers.model import Precision, Stage, StageStatement, Voice
from layers.progress import progress_as_of
from layers.schema import (
    CORRECTION_SCHEMA,
    LAYER_NAMES,
    PROJECT_SCHEMA,
    as_bool,
    typed,
    typed_projects,
)

# Progress columns are worked out from the statements; a correction of ``status``
# becomes a reported statement of its own (dated by the correction), see below.
DERIVED = frozenset(
    {
        "project_id",
        "doc_ids",
        "statements",
        "known_stage",
        "planned_stage",
        "target_stage",
        "overdue",
        "info_date",
        "as_of_year",
        "first_year",
    }
)
CORRECTABLE = frozenset(PROJECT_SCHEMA) - DERIVED | {"geometry"}
"""Project fields a correction may change; "geometry" takes WKT in EPSG:4326."""
RECORD_PREFIX = "record."
RECORD_FIELDS = frozenset({"include", "name", "category", "status", "target_year", "counties"})
"""Record fields an editor may change while reviewing an upload (logged as ``record.<field>``)."""
_STATUSES = frozenset(s.value for s in Stage)
_PRECISIONS = frozenset(p.value for p in Precision)


@dataclass(frozen=True)
class Correction:
    """One change a person made to one project (or to one record under review), and why."""

    project_id: str
    field: str
    value: str | None
    who: str
    why: str
    geometry_wkt: str | None = None
    when: str = ""
    doc_id: str | None = None

    def row(self) -> dict[str, object]:
        when = self.when or datetime.now(UTC).isoformat(timespec="microseconds")
        key = json.dumps(
            [self.project_id, self.field, self.value, self.geometry_wkt, when, self.doc_id]
        )
        return {
            "correction_id": hashlib.sha1(key.encode("utf-8")).hexdigest()[:12],
            "project_id": self.project_id, "field": self.field, "value": self.value,
            "geometry_wkt": self.geometry_wkt, "who": self.who, "when": when, "why": self.why,
            "doc_id": self.doc_id,
        }  # fmt: skip


def empty_corrections() -> pd.DataFrame:
    return typed(pd.DataFrame(columns=list(CORRECTION_SCHEMA)), CORRECTION_SCHEMA)


def corrections_frame(corrections: list[Correction]) -> pd.DataFrame:
    """Corrections as log rows in the declared schema."""
    if not corrections:
        return empty_corrections()
    return typed(pd.DataFrame([c.row() for c in corrections]), CORRECTION_SCHEMA)


def _value_problem(name: str, value: object) -> str | None:
    """Why ``value`` cannot go into field ``name``, or None when it can."""
    if name == "status" and value not in _STATUSES:
        return f"status {value!r} is not one of {sorted(_STATUSES)}."
    if name == "precision" and value not in _PRECISIONS:
        return f"precision {value!r} is not a precision code."
    if name == "category" and value not in LAYER_NAMES:
        return f"category {value!r} is not a layer."
    if PROJECT_SCHEMA.get(name) == "Int64" and value not in (None, ""):
        if not re.fullmatch(r"\d{4}", str(value)):
            return f"{value!r} is not a year."
    return None


def validate_corrections(corrections: pd.DataFrame) -> list[str]:
    """Every problem with a corrections table (fields, values, geometry, attribution)."""
    problems = []
    for row in corrections.astype(object).where(corrections.notna(), None).itertuples():
        where = f"correction {row.correction_id} ({row.project_id} {row.field})"
        field = str(row.field or "")
        is_record = field.startswith(RECORD_PREFIX)
        if is_record and not row.doc_id:
            problems.append(f"{where}: a record correction must name its document.")
        if is_record and field.removeprefix(RECORD_PREFIX) not in RECORD_FIELDS:
            problems.append(f"{where}: {field!r} cannot be corrected.")
        if not is_record and field not in CORRECTABLE:
            problems.append(f"{where}: {field!r} cannot be corrected.")
        if not (row.who or "").strip() or not (row.why or "").strip():
            problems.append(f"{where}: says neither who made it nor why.")
        if field == "geometry":
            try:
                wkt.loads(row.geometry_wkt or "")
            except shapely.errors.GEOSException:
                problems.append(f"{where}: geometry {row.geometry_wkt!r} is not WKT.")
        elif not is_record and (problem := _value_problem(field, row.value)):
            problems.append(f"{where}: {problem}")
    return problems


def _as_declared(value: object, dtype: str) -> object:
    """A correction's text value as the column's declared type."""
    if value is None or value is pd.NA or value == "":
        return None
    if dtype == "Int64":
        return int(str(value))
    if dtype == "Float64":
        return float(str(value))
    if dtype == "boolean":
        return as_bool(value)
    return str(value)


def apply_corrections(
    projects: gpd.GeoDataFrame, corrections: pd.DataFrame, *, doc_ids: frozenset[str] = frozenset()
) -> tuple[gpd.GeoDataFrame, list[str]]:
    """Projects with every applicable correction applied in time order, and the orphans.

    Parameters
    ----------
    doc_ids
        Documents in this build: a review correction applies only while its
        document is published.

    Returns
    -------
    projects, orphans
        ``orphans`` lists, in words, each correction whose project no longer exists.

    Raises
    ------
    StoreError
        If a correction is malformed (see :func:`validate_corrections`).
    """
    problems = validate_corrections(corrections)
    if problems:
        raise StoreError("Some corrections cannot be applied:", problems)
    out = projects.copy()
    index = {pid: i for i, pid in zip(out.index, out["project_id"], strict=True)}
    orphans = []
    touched: set[object] = set()
    for row in corrections.sort_values(["when", "correction_id"]).itertuples():
        if str(row.field).startswith(RECORD_PREFIX):
            continue  # already part of the records the editor approved
        if pd.notna(row.doc_id) and row.doc_id and row.doc_id not in doc_ids:
            continue  # made while reviewing a document that is withdrawn
        i = index.get(row.project_id)
        if i is None:
            orphans.append(
                f"correction {row.correction_id} by {row.who} ({row.when}): project "
                f"{row.project_id} is no longer in the build; its {row.field} = "
                f"{row.value or row.geometry_wkt!r} was not applied."
            )
            continue
        if row.field == "geometry":
            out.loc[i, "geometry"] = wkt.loads(row.geometry_wkt)
        elif row.field == "status":
            # An editor's word that a stage was reached, with a reason: a report
            # known from the day it was made, never back-dated and never a plan.
            statement = StageStatement(Stage(str(row.value)), Voice.REPORTED, None,
                                       dt.date.fromisoformat(str(row.when)[:10]),
                                       f"correction:{row.correction_id}")  # fmt: skip
            old = statements_from_text(out.loc[i, "statements"])
            out["statements"] = out["statements"].astype(object)
            out.loc[i, "statements"] = statements_to_text([*old, statement])
            touched.add(i)
        else:
            out[row.field] = out[row.field].astype(object)
            out.loc[i, row.field] = _as_declared(row.value, PROJECT_SCHEMA[row.field])
    for i in touched:  # the stored as-of columns again, for the store's as-of year
        _refresh_progress(out, i)
    return typed_projects(out), orphans


def _refresh_progress(projects: gpd.GeoDataFrame, i: object) -> None:
    year = projects.loc[i, "as_of_year"]
    if pd.isna(year):
        return
    progress = progress_as_of(statements_from_text(projects.loc[i, "statements"]), int(year))
    values = {
        "known_stage": progress.known_stage, "status": progress.known_stage,
        "planned_stage": progress.planned_stage, "target_stage": progress.target_stage,
        "target_year": progress.target_year, "overdue": progress.overdue,
        "info_date": progress.info_date.isoformat() if progress.info_date else None,
    }  # fmt: skip
    for column, value in values.items():
        projects[column] = projects[column].astype(object)
        projects.loc[i, column] = getattr(value, "value", value)


def applied_count(corrections: pd.DataFrame, orphans: list[str], doc_ids: frozenset[str]) -> int:
    """How many project corrections took effect in a build (for its summary)."""
    project_level = ~corrections["field"].fillna("").str.startswith(RECORD_PREFIX)
    live = corrections["doc_id"].isna() | corrections["doc_id"].isin(doc_ids)
    return int((project_level & live).sum()) - len(orphans)
