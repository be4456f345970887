# The two README commands: `make run` (the portal) and `make test` (the test suite).
# Each creates .venv when missing and installs the pinned dependencies first.

PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
PORT ?= 8501

.PHONY: run test lint prepare clean

$(STAMP): requirements.lock pyproject.toml
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info[:2] == (3, 11) else "Python 3.11 is required (found %d.%d); set PYTHON=/path/to/python3.11" % sys.version_info[:2])'
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -r requirements.lock
	$(BIN)/python -m pip install --quiet --no-deps -e .
	touch $(STAMP)

prepare: $(STAMP)
	$(BIN)/python scripts/prepare_portal.py
	$(BIN)/python scripts/build_layers.py --if-stale

# MALLOC_ARENA_MAX=2: each script run is a new thread, and glibc's per-thread malloc
# arenas kept what one rerun freed out of reach of the next; with it the portal's
# peak memory at 100,000 projects stays about a third lower (docs/benchmarks.md).
run: prepare
	MALLOC_ARENA_MAX=2 $(BIN)/streamlit run streamlit_app.py --server.port $(PORT)

# The system packages and the PostGIS test server first (scripts/system_setup.sh
# installs and starts them as root, else stops with the command to run), then mypy
# (layers/ type-checks; the record model and progress strictly), then pytest, where
# REQUIRE_* turn a skipped browser or PostGIS test into a failure.
test: $(STAMP)
	bash scripts/system_setup.sh
	$(BIN)/python -m mypy
	set -a && . build/test.env && set +a && \
	  REQUIRE_BROWSER=1 REQUIRE_POSTGIS=1 $(BIN)/python -m pytest

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

clean:
	rm -rf build static test-artifacts
