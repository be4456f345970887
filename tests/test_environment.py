"""A fresh machine: conda gets the design card's stack; the test command sets up the system."""

from __future__ import annotations

import re
import subprocess

from layers import REPO_ROOT

DESIGN_CARD = ("geopandas", "shapely", "folium", "streamlit", "pyproj", "pytest")


def _locked() -> dict[str, str]:
    lines = (REPO_ROOT / "requirements.lock").read_text().splitlines()
    pins = (re.match(r"^([A-Za-z0-9_.-]+)==([^\s;]+)", line) for line in lines)
    return {m.group(1).lower(): m.group(2) for m in pins if m}


def _conda_packages() -> dict[str, str]:
    """``- name=version`` entries of environment.yml's conda (not pip) dependencies."""
    found = {}
    for line in (REPO_ROOT / "environment.yml").read_text().splitlines():
        entry = re.match(r"^  - ([a-z0-9_.-]+)=([^\s#]+)\s*$", line)
        if entry:
            found[entry.group(1)] = entry.group(2)
    return found


def test_environment_yml_takes_the_design_card_from_conda_forge_at_the_locked_versions() -> None:
    text = (REPO_ROOT / "environment.yml").read_text()
    assert "  - conda-forge" in text
    conda, locked = _conda_packages(), _locked()
    for package in DESIGN_CARD:
        assert package in conda, f"{package} is not a conda dependency"
        assert conda[package] == locked[package], package
    assert conda["python"] == "3.11"


def test_the_test_command_and_ci_share_the_system_setup() -> None:
    makefile = (REPO_ROOT / "Makefile").read_text()
    recipe = makefile[makefile.index("\ntest:") :].split("\n\n")[0]
    assert "bash scripts/system_setup.sh" in recipe
    assert "REQUIRE_BROWSER=1 REQUIRE_POSTGIS=1" in recipe
    assert "bash scripts/system_setup.sh" in (REPO_ROOT / ".ci" / "run").read_text()
    checked = subprocess.run(["bash", "-n", str(REPO_ROOT / "scripts" / "system_setup.sh")],
                             capture_output=True, text=True)  # fmt: skip
    assert checked.returncode == 0, checked.stderr


def test_without_root_a_missing_package_stops_with_the_install_command(tmp_path) -> None:
    script = (REPO_ROOT / "scripts" / "system_setup.sh").read_text()
    # The same script, asked for a browser no machine has, as a user who is not root.
    probe = tmp_path / "system_setup.sh"
    probe.write_text(
        script.replace("command -v chromium ", "command -v no-such-browser-xyz ").replace(
            "$(id -u)", "1000"
        )
    )
    run = subprocess.run(["bash", str(probe)], capture_output=True, text=True, cwd=tmp_path)
    assert run.returncode == 1
    assert "missing: chromium" in run.stderr
    assert "sudo apt-get install -y --no-install-recommends chromium" in run.stderr
