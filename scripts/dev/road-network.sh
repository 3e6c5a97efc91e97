#!/usr/bin/env bash
# Road networks for travel times, one per OpenStreetMap extract, built when missing or changed
# (`manage.py build_road_network`, OSRM car profile, CH, a versioned folder swapped in once it
# answers: docs/road-network.md). Idempotent, and quick when nothing changed.
#   road-network.sh [EXTRACT...]
# EXTRACT is a path or an http(s) URL. Without any: $OSM_EXTRACT (comma-separated), else every
# *.osm.pbf in ../shared/data/osm. Each goes to $ROAD_NETWORKS_DIR/<name>/ (default var/osrm/,
# <name> being the file name without .osm.pbf). Prints each network's base path
# (…/<name>/current/<name>.osrm, what TRAVEL_NETWORKS and osrm-routed take) on stdout, one a
# line, progress on stderr. Exits 3, printing nothing on stdout, when there is no extract; 4 when
# some built and others failed (those that built are printed); 1 when every one failed. Used by
# app.sh (`make run`) and by docker-compose.yml's osrm-build service.
set -euo pipefail

ROOT=$(cd "$(dirname "$0")/../.." && pwd)
cd "$ROOT"
NETWORKS_DIR=${ROAD_NETWORKS_DIR:-$ROOT/var/osrm}
# The project's virtualenv locally; the image's python (already on PATH) in a container.
PYTHON=python
[[ -x "$ROOT/.venv/bin/python" ]] && PYTHON="$ROOT/.venv/bin/python"

EXTRACTS=("$@")
if [[ ${#EXTRACTS[@]} -eq 0 && -n "${OSM_EXTRACT:-}" ]]; then
  IFS=, read -r -a EXTRACTS <<<"$OSM_EXTRACT"
fi
if [[ ${#EXTRACTS[@]} -eq 0 ]]; then
  shopt -s nullglob
  EXTRACTS=("$(dirname "$ROOT")"/shared/data/osm/*.osm.pbf)
  shopt -u nullglob
fi

built=0 failed=0
for source in "${EXTRACTS[@]}"; do
  if [[ $source != http://* && $source != https://* && ! -f "$source" ]]; then
    echo "No OpenStreetMap extract at $source" >&2
    continue
  fi
  name=$(basename "${source%%\?*}")
  name=${name%.pbf}
  name=${name%.osm}
  network="$NETWORKS_DIR/$name/current/$name.osrm"
  # Without starting Python: the served version's contracted graph (.hsgr, written last) is
  # newer than the local extract, so that extract was built (its sha256 is checked otherwise).
  if [[ -f "$source" && -f "$network.hsgr" && "$network.hsgr" -nt "$source" ]]; then
    echo "$network"
    built=$((built + 1))
    continue
  fi
  echo "Road network from $source into $NETWORKS_DIR/$name/" >&2
  if "$PYTHON" manage.py build_road_network "$source" --out "$NETWORKS_DIR/$name" --commit >&2; then
    echo "$network"
    built=$((built + 1))
  else
    echo "The road network from $source failed to build (any served version is kept)" >&2
    failed=$((failed + 1))
  fi
done

if [[ $built -eq 0 && $failed -eq 0 ]]; then exit 3; fi
if [[ $built -eq 0 ]]; then exit 1; fi
if [[ $failed -gt 0 ]]; then exit 4; fi
