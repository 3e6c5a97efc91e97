#!/usr/bin/env bash
# The bus timetables for public transport times: imports every GTFS zip in a folder
# (`manage.py import_gtfs`), each with the OpenStreetMap extract of the same place and day when
# one is beside it in ../osm (its name starts with the same place: newport-20230613_gtfs.zip and
# newport-2023-06-13.osm.pbf), for real walking; otherwise walking is estimated. Idempotent: an
# unchanged zip is skipped by its hash. Each feed is named after its place ("Chester"), which
# the search says ("Chester timetable"). Used by `make demo` (and so `make run`).
#   timetables.sh [FOLDER]     (default ../shared/data/gtfs)
set -euo pipefail

ROOT=$(cd "$(dirname "$0")/../.." && pwd)
cd "$ROOT"
FOLDER=${1:-$(dirname "$ROOT")/shared/data/gtfs}
UV=$(command -v uv 2>/dev/null || echo "python3 -m uv")

if [[ ! -d "$FOLDER" ]]; then
  echo "No timetables folder at $FOLDER: public transport times will say there is no timetable"
  exit 0
fi
shopt -s nullglob
for zip in "$FOLDER"/*.zip; do
  place=$(basename "$zip")
  place=${place%%-*}
  extract=""
  for pbf in "$FOLDER"/../osm/"$place"-*.osm.pbf; do extract=$pbf; done
  if [[ -n "$extract" ]]; then
    $UV run --frozen python manage.py import_gtfs "$zip" --name "${place^}" --walking-extract "$extract" --commit
  else
    $UV run --frozen python manage.py import_gtfs "$zip" --name "${place^}" --commit
  fi
done
