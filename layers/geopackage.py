"""The GeoPackage backend: the store as one file on one laptop.

A full build is written to a temporary file beside the old store and moved over
it in one rename, so a reader sees the old store or the new one, never half of
either; a write that fails (a full disk, a folder that cannot be written) leaves
the old file byte for byte and removes its temporary file, and temporary files
that killed builds left behind are removed by the next write. Incremental
changes (:meth:`GeoPackage.apply`) edit the file in place in one SQLite
transaction instead (:mod:`layers.gpkgsqlite`): rewriting 600 MB to change a
hundred rows would take seconds, and SQLite's journal makes the edit as atomic
as the rename. Every failure becomes one :class:`StoreError` a person can act on.
"""

from __future__ import annotations

import contextlib
import errno
import fcntl
import logging
import os
import re
import sqlite3
from collections.abc import Iterator, Sequence
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import pyogrio

from layers.backend import (
    CORE_TABLES,
    Changes,
    StoreContents,
    contents_from_tables,
    empty_table,
    layers_of,
    non_spatial_schema,
    ordered,
    said,
    tables_of,
    typed_columns,
)
from layers.errors import StoreError
from layers.gpkgsqlite import apply_to_file, connect_to_read, geometries_from_blobs
from layers.schema import (
    CRS,
    LAYER_NAMES,
    ON_DEMAND_TABLES,
    TABLE_SCHEMAS,
    plain_dtypes,
    typed,
    typed_projects,
)
from layers.viewport import (
    ProjectSummary,
    View,
    ViewRequest,
    cells_from_centres,
    cells_from_rows,
    cells_sql,
    centres_sql,
    count_sql,
    empty_projects,
    features_sql,
    projects_from_rows,
    simplify_tolerance,
    summary_from_rows,
    summary_from_values,
    summary_sql,
    view_params,
)

logger = logging.getLogger(__name__)

# What writing or reading a GeoPackage raises when the disk, the folder or the file
# fails us (GDAL errors come through pyogrio; sqlite3 and OSError from Python itself).
_GPKG_ERRORS: tuple[type[Exception], ...] = (
    pyogrio.errors.DataSourceError,
    pyogrio.errors.DataLayerError,
    OSError,
    sqlite3.Error,
)
# GDAL rarely says "disk full" plainly (a full disk may surface as "Failed to commit
# transaction" or "no such table"), so a failure with less than this free is read as one.
_LOW_SPACE_BYTES = 1 << 20
_DISK_FULL_TEXT = re.compile(r"disk is full|no space left|not enough space", re.IGNORECASE)
_QUOTA_TEXT = re.compile(r"quota", re.IGNORECASE)
_NO_PERMISSION_TEXT = re.compile(r"permission denied|readonly database|read-only", re.IGNORECASE)
_TEMP_SIDE_FILES = ("", "-journal", "-wal", "-shm")  # SQLite's companions of a database file


class GeoPackage:
    """The store in the GeoPackage file at ``path`` (see :class:`layers.backend.Backend`)."""

    def __init__(self, path: Path) -> None:
        self.path = path

    def __str__(self) -> str:
        return str(self.path)

    def __repr__(self) -> str:
        return f"GeoPackage({str(self.path)!r})"

    @property
    def spec(self) -> str:
        return str(self.path)

    def local_file(self) -> Path | None:
        return self.path

    def version(self) -> str:
        """The file's modification time and inode: a rebuild renames a new file over
        the old one, and an in-place change moves its modification time."""
        try:
            stat = self.path.stat()
        except FileNotFoundError:
            return "missing"
        return f"{stat.st_mtime_ns}-{stat.st_ino}"

    def exists(self) -> bool:
        return self.path.exists()

    def read(self) -> StoreContents:
        path = self.path
        with _read_errors(path):
            if not path.exists():
                raise StoreError(f"No store at {path}.",
                                 ["Run `python scripts/build_layers.py` first."])  # fmt: skip
            present = {name for name, _ in pyogrio.list_layers(path)}
            missing = [n for n in (*LAYER_NAMES.values(), *CORE_TABLES) if n not in present]
            if missing:
                raise StoreError(f"The store at {path} is incomplete:",
                                 [f"no layer {n}" for n in missing])  # fmt: skip
            layers = [pyogrio.read_dataframe(path, layer=layer) for layer in LAYER_NAMES.values()]
            tables = {name: pyogrio.read_dataframe(path, layer=name, read_geometry=False)
                      for name in TABLE_SCHEMAS
                      if name in present and name not in ON_DEMAND_TABLES}  # fmt: skip
        projects = gpd.GeoDataFrame(pd.concat(layers, ignore_index=True), geometry="geometry",
                                    crs=CRS)  # fmt: skip
        return contents_from_tables(projects, tables)

    def read_rows(
        self, name: str, *, columns: Sequence[str], where: tuple[str, frozenset[str]] | None
    ) -> pd.DataFrame:
        """Some columns of the rows wanted, filtered by OGR's SQL in the file, not here."""
        condition = None
        if where is not None:
            column, values = where
            if not values:
                return typed_columns(name, None, columns)
            quoted = ", ".join("'" + str(v).replace("'", "''") + "'" for v in sorted(values))
            condition = f'"{column}" IN ({quoted})'
        with _read_errors(self.path):
            present = (
                {n for n, _ in pyogrio.list_layers(self.path)} if self.path.exists() else set()
            )
            if name not in present:
                return typed_columns(name, None, columns)
            frame = pyogrio.read_dataframe(self.path, layer=name, read_geometry=False,
                                           columns=list(columns), where=condition)  # fmt: skip
        return typed_columns(name, frame, columns)

    def read_view(self, request: ViewRequest) -> View:
        """The projects in a view, or their counts per cell (:mod:`layers.viewport`), by
        SQL on the layers joined to their R-trees; geometry simplified here."""
        params = view_params(request)
        with _read_errors(self.path), contextlib.closing(connect_to_read(self.path)) as conn:
            found = conn.execute(count_sql(request, dialect="gpkg"), params).fetchone()
            if int(found[0] if found else 0) > request.limit:
                if request.area_wkb is None:
                    rows = pd.read_sql(cells_sql(request, dialect="gpkg"), conn, params=params)
                    cells = cells_from_rows(rows)
                else:  # no spatial SQL in plain SQLite: centres tested in Python
                    centres = np.asarray(
                        conn.execute(centres_sql(request, dialect="gpkg"), params).fetchall(),
                        dtype=float,
                    )
                    centres = centres.reshape(-1, 2)
                    cells = cells_from_centres(centres[:, 0], centres[:, 1], request=request)
                return View(request, int(cells["count"].sum()), empty_projects(), cells)
            rows = pd.read_sql(features_sql(request, dialect="gpkg"), conn, params=params)
        geometries = geometries_from_blobs(rows.pop("geometry_blob").tolist())
        projects = projects_from_rows(rows, geometries,
                                      tolerance=simplify_tolerance(request.zoom))  # fmt: skip
        return View(request, len(projects), projects)

    def read_projects(self, project_ids: Sequence[str]) -> gpd.GeoDataFrame:
        """The stored projects of these ids, every column (a project opened from a large store)."""
        wanted = sorted({str(i) for i in project_ids})
        if not wanted:
            return empty_projects()
        quoted = ", ".join("'" + i.replace("'", "''") + "'" for i in wanted)
        with _read_errors(self.path):
            frames = [pyogrio.read_dataframe(self.path, layer=layer,
                                             where=f"project_id IN ({quoted})")
                      for layer in LAYER_NAMES.values()]  # fmt: skip
        found = [f for f in frames if len(f)]
        frame = pd.concat(found, ignore_index=True) if found else frames[0]
        return typed_projects(gpd.GeoDataFrame(frame, geometry="geometry", crs=CRS))

    def project_summary(self) -> ProjectSummary:
        """How many projects, their target years and the store's year: one small query."""
        if not self.path.is_file():
            return summary_from_values(0, None, None, None)
        with _read_errors(self.path), contextlib.closing(connect_to_read(self.path)) as conn:
            tables = {str(n) for (n,) in conn.execute(
                "SELECT name FROM sqlite_master WHERE type = 'table'")}  # fmt: skip
            present = [layer for layer in LAYER_NAMES.values() if layer in tables]
            if not present:  # not a store (yet): reading it says what is missing
                return summary_from_values(0, None, None, None)
            query = summary_sql(present, qualified=[f'"{t}"' for t in present])
            rows = conn.execute(query).fetchall()
        return summary_from_rows(rows)

    def read_tables(self, names: Sequence[str]) -> dict[str, pd.DataFrame]:
        """The named non-spatial tables, typed (one the file lacks is empty)."""
        schemas = {name: non_spatial_schema(name) for name in names}
        with _read_errors(self.path):
            present = (
                {n for n, _ in pyogrio.list_layers(self.path)} if self.path.exists() else set()
            )
            frames = {name: pyogrio.read_dataframe(self.path, layer=name, read_geometry=False)
                      for name in names if name in present}  # fmt: skip
        return {name: ordered(name, typed(frames[name], schema)) if name in frames
                else empty_table(name) for name, schema in schemas.items()}  # fmt: skip

    def read_uploads(self) -> pd.DataFrame:
        return self.read_tables(["uploads"])["uploads"]

    def latest_build(self) -> str | None:
        with _read_errors(self.path):
            if not self.path.exists():
                return None
            frame = pyogrio.read_dataframe(self.path, layer="builds", read_geometry=False)
        built = frame["built_at"].dropna()
        return str(built.max()) if len(built) else None

    def replace(self, contents: StoreContents) -> None:
        """Write every table to a temporary file, then move it over the store at once.

        Raises
        ------
        StoreError
            If the folder or the disk refuses the write; the old store is left as
            it was and the temporary file is removed.
        """
        path = self.path
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise write_error(path, exc, free=_free_bytes(path.parent)) from exc
        if _is_dir(path):  # found before the write, not after minutes of it
            raise StoreError(
                f"Could not write the store at {path}: it is a folder, not a GeoPackage file.",
                ["Give --store (or PORTAL_STORE) the path of a .gpkg file."],
            )
        _remove_dead_temp_files(path)
        tmp = _temp_path(path, os.getpid())
        _remove_quietly(tmp)
        try:
            for layer, frame in layers_of(contents.projects):
                _write_layer(frame, tmp, layer, spatial=True)
            for name, frame in tables_of(contents):
                _write_layer(frame, tmp, name, spatial=False)
            os.replace(tmp, path)
        except _GPKG_ERRORS as exc:  # free space is measured while the temporary file holds it
            raise write_error(path, exc, free=_free_bytes(path.parent)) from exc
        finally:
            _remove_quietly(tmp)
        _sync_directory(path.parent)

    def append_corrections(self, rows: pd.DataFrame) -> None:
        self._change(Changes(added={"corrections": rows}), what="record the corrections")

    def apply(self, changes: Changes) -> None:
        """Delete, then insert, in one SQLite transaction on the file in place.

        Raises
        ------
        StoreError
            If the changes do not fit the schema, there is no store, or the file
            refuses the change; the store is then unchanged.
        """
        self._change(changes, what="apply the changes")

    def _change(self, changes: Changes, *, what: str) -> None:
        if not self.path.is_file():
            if _is_dir(self.path):
                raise StoreError(f"Could not {what} at {self.path}: it is a folder, not a "
                                 "GeoPackage file. The store is unchanged.", [])  # fmt: skip
            raise StoreError(f"No store at {self.path}.",
                             ["Run `python scripts/build_layers.py` first."])  # fmt: skip
        try:
            apply_to_file(self.path, changes, what=what)
        except (OSError, sqlite3.Error) as exc:
            free = _free_bytes(self.path.parent)
            raise write_error(self.path, exc, free=free, what=what) from exc

    @contextlib.contextmanager
    def lock(self) -> Iterator[None]:
        """A lock file beside the store (``flock``), held until the block ends."""
        path = self.path
        lock_path = path.with_name(path.name + ".lock")
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            handle = open(lock_path, "a+b")  # closed by the with below
        except OSError as exc:
            free = _free_bytes(path.parent)
            raise write_error(path, exc, free=free, what="lock the store") from exc
        with handle:
            fcntl.flock(handle, fcntl.LOCK_EX)
            try:
                yield
            finally:
                fcntl.flock(handle, fcntl.LOCK_UN)


def _write_layer(frame: pd.DataFrame, path: Path, layer: str, *, spatial: bool) -> None:
    if spatial:
        pyogrio.write_dataframe(plain_dtypes(frame), path, layer=layer, driver="GPKG",
                                geometry_type="Unknown", spatial_index=True)  # fmt: skip
    else:
        pyogrio.write_dataframe(plain_dtypes(frame), path, layer=layer, driver="GPKG")


def _temp_path(path: Path, pid: int) -> Path:
    """Where process ``pid`` writes the next version of the store at ``path``."""
    return path.with_name(f".{path.stem}.{pid}.tmp.gpkg")


def _remove_quietly(path: Path) -> None:
    """Remove a temporary file and its SQLite companions; a failure here must not hide
    the error being reported."""
    for suffix in _TEMP_SIDE_FILES:
        with contextlib.suppress(OSError):
            path.with_name(path.name + suffix).unlink(missing_ok=True)


def _pid_alive(pid: int) -> bool:
    """Whether process ``pid`` may still be running; unsure counts as running."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except (OSError, OverflowError):  # another user's process, or not a pid at all
        return True
    return True


def _remove_dead_temp_files(path: Path) -> int:
    """Remove the temporary files of writers of ``path`` that are no longer running.

    A build that is killed (Ctrl-C twice, an OOM kill, a power cut) leaves its
    ``.<stem>.<pid>.tmp.gpkg`` behind, and nothing else ever removes it. Only a
    file whose process is gone is removed: a live writer's file is its work in
    progress. Returns how many files were removed (and logs it).
    """
    pattern = re.compile(rf"\.{re.escape(path.stem)}\.([0-9]+)\.tmp\.gpkg(?:-journal|-wal|-shm)?")
    try:
        names = sorted(os.listdir(path.parent))
    except OSError:
        return 0
    removed: list[str] = []
    for name in names:
        match = pattern.fullmatch(name)
        if not match or int(match.group(1)) == os.getpid() or _pid_alive(int(match.group(1))):
            continue
        try:
            (path.parent / name).unlink()
        except FileNotFoundError:
            continue  # another writer removed it first
        except OSError as exc:
            logger.warning("store %s: cannot remove leftover temporary file %s: %s",
                           path, name, exc)  # fmt: skip
            continue
        removed.append(name)
    if removed:
        logger.warning("store %s: removed %d temporary file(s) left by killed builds: %s",
                       path, len(removed), ", ".join(removed))  # fmt: skip
    return len(removed)


def _free_bytes(folder: Path) -> int | None:
    """Space left to ordinary users on the disk holding ``folder`` (None if unknown)."""
    try:
        stats = os.statvfs(folder)
    except OSError:
        return None
    return stats.f_bavail * stats.f_frsize


def _is_dir(path: Path) -> bool:
    try:
        return path.is_dir()
    except OSError:
        return False


def _write_reason(path: Path, exc: BaseException, free: int | None) -> str:
    """What went wrong writing ``path``, in words a person can act on."""
    code = exc.errno if isinstance(exc, OSError) else None
    text = str(exc)
    folder = path.parent
    by_code = {
        errno.EDQUOT: f"the disk quota for {folder} is used up",
        errno.ENOSPC: f"the disk holding {folder} is full",
        errno.EROFS: f"{folder} is on a read-only disk",
        errno.EACCES: f"there is no permission to write in {folder}",
        errno.EPERM: f"there is no permission to write in {folder}",
        errno.ENOTDIR: f"{folder} (or a folder above it) is a file, not a folder",
        errno.EEXIST: f"{folder} (or a folder above it) is a file, not a folder",
    }
    if code in by_code:
        return by_code[code]
    if _QUOTA_TEXT.search(text):
        return by_code[errno.EDQUOT]
    if _DISK_FULL_TEXT.search(text) or (free is not None and free < _LOW_SPACE_BYTES):
        return by_code[errno.ENOSPC]
    if _NO_PERMISSION_TEXT.search(text):
        return by_code[errno.EACCES]
    if _is_dir(path):
        return f"{path} is a folder, not a GeoPackage file"
    if isinstance(exc, sqlite3.DatabaseError) and not isinstance(exc, sqlite3.OperationalError):
        return "it is not a GeoPackage file, or it is damaged"
    if isinstance(exc, sqlite3.Error):  # a table or column the change expects is not there
        return "the GeoPackage refused the change"
    return "the file system refused the write"


def write_error(
    path: Path, exc: BaseException, *, free: int | None, what: str = "write the store"
) -> StoreError:
    """The StoreError for a failed GeoPackage write (``free`` measured at the failure)."""
    details = [f"The system reported: {said(exc)}."]
    if free is not None:
        details.append(f"{free / 1e6:.1f} MB is free on the disk holding {path.parent}.")
    return StoreError(
        f"Could not {what} at {path}: {_write_reason(path, exc, free)}. The store is unchanged.",
        details,
    )


def _read_reason(path: Path, exc: BaseException) -> str:
    if _is_dir(path):
        return "it is a folder, not a GeoPackage file"
    code = exc.errno if isinstance(exc, OSError) else None
    if code in (errno.EACCES, errno.EPERM) or _NO_PERMISSION_TEXT.search(str(exc)):
        return "there is no permission to read it"
    return "it is not a GeoPackage file, or it is damaged"


@contextlib.contextmanager
def _read_errors(path: Path) -> Iterator[None]:
    """A store that cannot be read (a folder, no permission, not a GeoPackage) becomes
    one StoreError naming it, not a GDAL traceback."""
    try:
        yield
    except _GPKG_ERRORS as exc:
        if _is_dir(path):
            details = ["Give --store (or PORTAL_STORE) the path of a .gpkg file."]
        else:
            details = [f"The system reported: {said(exc)}."]
        raise StoreError(
            f"Cannot read the store at {path}: {_read_reason(path, exc)}.", details
        ) from exc


def _sync_directory(folder: Path) -> None:
    """Make the rename durable (a power cut must not bring back the old store)."""
    with contextlib.suppress(OSError):
        fd = os.open(folder, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)
