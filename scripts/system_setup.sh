#!/usr/bin/env bash
# The system side of the test suite, shared by `make test` and `.ci/run`:
#   - Debian chromium (the browser tests), fonts-noto-cjk (figures and screenshots),
#     postgresql-15-postgis-3 (the PostGIS store tests);
#   - a local PostGIS server: cluster 15/main on port 5432, role `portal`, database
#     `portal_test` (the tests make and drop their own schemas).
# As root it installs and starts what is missing. As anyone else it stops at once
# with the exact command to run, rather than letting the suite skip or fail later.
# It writes build/test.env (CHROMIUM_PATH, PORTAL_TEST_DSN) for the test run to read.
set -euo pipefail
cd "$(dirname "$0")/.."

PACKAGES=()
command -v chromium >/dev/null 2>&1 || PACKAGES+=(chromium)
fc-list 2>/dev/null | grep -i "Noto Sans CJK" >/dev/null || PACKAGES+=(fonts-noto-cjk)
[ -f /usr/share/postgresql/15/extension/postgis.control ] \
  || PACKAGES+=(postgresql-15 postgresql-15-postgis-3)

if [ "${#PACKAGES[@]}" -gt 0 ]; then
  if [ "$(id -u)" -ne 0 ]; then
    echo "error: the tests need system packages that are missing: ${PACKAGES[*]}" >&2
    echo "install them with:" >&2
    echo "  sudo apt-get update && sudo apt-get install -y --no-install-recommends ${PACKAGES[*]}" >&2
    echo "then run make test again (or run it as root, which installs them)." >&2
    exit 1
  fi
  export DEBIAN_FRONTEND=noninteractive
  echo "installing ${PACKAGES[*]} ..." >&2
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends "${PACKAGES[@]}" >/dev/null
fi

LOCAL_DSN=postgresql://portal:portal@localhost:5432/portal_test
DSN=${PORTAL_TEST_DSN:-$LOCAL_DSN}
answers() { psql "$1" -qtAc "SELECT 1" >/dev/null 2>&1; }
if ! answers "$DSN"; then
  if [ "$DSN" != "$LOCAL_DSN" ] || [ "$(id -u)" -ne 0 ]; then
    echo "error: no PostGIS test server answers at $DSN" >&2
    echo "run this script as root to start the local one:  sudo bash scripts/system_setup.sh" >&2
    echo "or name a server you have: PORTAL_TEST_DSN=postgresql://user:password@host:port/db" >&2
    exit 1
  fi
  pg_lsclusters -h 2>/dev/null | grep '^15 main' >/dev/null || pg_createcluster 15 main >/dev/null
  pg_lsclusters -h | grep '^15 main .* online' >/dev/null || pg_ctlcluster 15 main start
  for _ in $(seq 1 30); do pg_isready -q -h localhost -p 5432 && break; sleep 1; done
  su postgres -c "psql -qtAc \"SELECT 1 FROM pg_roles WHERE rolname='portal'\"" | grep 1 >/dev/null \
    || su postgres -c "psql -qc \"CREATE ROLE portal LOGIN PASSWORD 'portal' SUPERUSER\""
  su postgres -c "psql -qtAc \"SELECT 1 FROM pg_database WHERE datname='portal_test'\"" | grep 1 >/dev/null \
    || su postgres -c "createdb -O portal portal_test"
fi

mkdir -p build
{
  echo "CHROMIUM_PATH=${CHROMIUM_PATH:-$(command -v chromium)}"
  echo "PORTAL_TEST_DSN=$DSN"
} > build/test.env
