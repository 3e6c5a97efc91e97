#!/usr/bin/env bash
# The road network for travel times, built from an OpenStreetMap extract when it is missing or
# older than the extract (`manage.py build_road_network`, OSRM car profile, CH). Idempotent.
#   road-network.sh [PBF [OUT]]
# PBF defaults to $OSM_EXTRACT, else the Rutland extract in ../shared/data/osm (the one the demo
# uses); OUT to var/osrm/<name>/. Prints the network's base path (what TRAVEL_NETWORK and
# osrm-routed take) on stdout, progress on stderr. Exits 3, printing nothing on stdout, when the
# extract is absent, so that a caller can fall back to estimates. Used by app.sh (`make run`)
# and by docker-compose.yml's osrm-build service.
set -euo pipefail

ROOT=$(cd "$(dirname "$0")/../.." && pwd)
cd "$ROOT"
PBF=${1:-${OSM_EXTRACT:-$(dirname "$ROOT")/shared/data/osm/rutland-latest-2021.osm.pbf}}
NAME=$(basename "$PBF")
NAME=${NAME%.pbf}
NAME=${NAME%.osm}
OUT=${2:-$ROOT/var/osrm/$NAME}
NETWORK="$OUT/$NAME.osrm"
# The project's virtualenv locally; the image's python (already on PATH) in a container.
PYTHON=python
[[ -x "$ROOT/.venv/bin/python" ]] && PYTHON="$ROOT/.venv/bin/python"

if [[ ! -f "$PBF" ]]; then
  echo "No OpenStreetMap extract at $PBF" >&2
  exit 3
fi
# osrm-contract writes the .hsgr (the contracted graph) last: present and newer than the extract
# means a complete build of this extract.
if [[ -f "$NETWORK.hsgr" && "$NETWORK.hsgr" -nt "$PBF" ]]; then
  echo "$NETWORK"
  exit 0
fi
echo "Building the road network from $PBF into $OUT" >&2
"$PYTHON" manage.py build_road_network "$PBF" --out "$OUT" --commit >&2
echo "$NETWORK"
