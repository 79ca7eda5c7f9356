#!/usr/bin/env bash
# The judge of what the harvester stores: a pinned udata (PyPI `udata`, UDATA_VERSION) in a cached
# virtualenv. The tests load every document the harvester wrote through udata's own models and REST
# API, and compare the mapping with udata's own on the same input (tests/udata/judge.py).
#   scripts/udata-venv.sh          install if missing, print the venv's python path
# Installing takes about 3 minutes the first time; later runs reuse the cache.
set -euo pipefail
UDATA_VERSION="${UDATA_VERSION:-17.18.0}"
VENV="${HARVEST_TOOLS:-$HOME/.cache/harvest-tools}/udata-$UDATA_VERSION"
PY="$VENV/bin/python"

ready() { [ -x "$PY" ] && [ "$("$PY" -c "import importlib.metadata as m; print(m.version(\"udata\"))" 2>/dev/null)" = "$UDATA_VERSION" ]; }

if ! ready; then
  echo "udata-venv: installing udata $UDATA_VERSION into $VENV (one-time, about 3 minutes)..." >&2
  if ! python3 -m venv --help >/dev/null 2>&1; then
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq && apt-get install -y -qq python3-venv >/dev/null
  fi
  rm -rf "$VENV"
  mkdir -p "$(dirname "$VENV")"
  python3 -m venv "$VENV"
  "$VENV/bin/pip" install --quiet --disable-pip-version-check "udata==$UDATA_VERSION"
  ready || { echo "udata-venv: udata $UDATA_VERSION did not import after install" >&2; exit 1; }
fi
echo "$PY"
