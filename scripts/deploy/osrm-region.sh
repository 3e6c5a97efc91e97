#!/usr/bin/env bash
# One region's road network served by osrm-routed, for the app's HTTP engine
# (TRAVEL_ENGINE=osrm_http, TRAVEL_OSRM_URLS): docs/road-network.md, "One osrm-routed per region".
#   osrm-region.sh SOURCE PORT [DIR]   build SOURCE (a .osm.pbf path or an http(s) URL, e.g.
#                                      Geofabrik's east-midlands-latest.osm.pbf) if it changed,
#                                      then serve it on PORT; print its TRAVEL_OSRM_URLS item
#   osrm-region.sh stop PORT DIR       stop the osrm-routed this script started on PORT
# DIR is the network's folder (default $ROAD_NETWORKS_DIR/<name>, i.e. var/osrm/<name>). The build
# is manage.py build_road_network (the osrm-bindings wheel's osrm-extract and osrm-contract, a new
# version swapped in once it answers, "unchanged" for the same extract). osrm-routed is the
# wheel's too, started on the served version's own folder with
# `--algorithm ch --max-table-size $OSRM_MAX_TABLE_SIZE` (default 10000, at least the app's
# TRAVEL_MAX_TABLE_SIZE) and --verbosity WARNING (at its default it logs every request's
# coordinates: children's homes). It listens on $OSRM_IP (default 127.0.0.1). Beside it goes
# DIR/osrm-routed-PORT.extent.json, the served version's extent, which the app reads to send this
# server only the pairs it covers; the line printed last is the item for TRAVEL_OSRM_URLS:
#   http://HOST:PORT|DIR/osrm-routed-PORT.extent.json
# Run again (e.g. weekly from cron, after the extract changed) to rebuild: when the served
# version is still current it does nothing; otherwise it stops the old server and starts the new
# one (a few seconds in which the app answers this region with estimates, logged). PID and log:
# DIR/osrm-routed-PORT.pid, DIR/osrm-routed-PORT.log.
set -euo pipefail

ROOT=$(cd "$(dirname "$0")/../.." && pwd)
cd "$ROOT"
PYTHON=python
[[ -x "$ROOT/.venv/bin/python" ]] && PYTHON="$ROOT/.venv/bin/python"
OSRM_BIN=$("$PYTHON" -c "import osrm, pathlib; print(pathlib.Path(osrm.__file__).parent / 'bin')")
IP=${OSRM_IP:-127.0.0.1}

usage() { echo "usage: $0 SOURCE PORT [DIR] | $0 stop PORT DIR" >&2; exit 2; }

stop_server() {
  local pid_file=$1
  if [[ -f "$pid_file" ]] && kill -0 "$(cat "$pid_file")" 2>/dev/null; then
    local pid
    pid=$(cat "$pid_file")
    kill -TERM "$pid"
    for _ in $(seq 100); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
    echo "osrm-routed (PID $pid) stopped" >&2
  fi
  rm -f "$pid_file" "${pid_file%.pid}.version"
}

if [[ ${1:-} == stop ]]; then
  [[ $# -eq 3 ]] || usage
  stop_server "$3/osrm-routed-$2.pid"
  exit 0
fi
[[ $# -ge 2 && $# -le 3 ]] || usage
SOURCE=$1
PORT=$2
NAME=$(basename "${SOURCE%%\?*}")
NAME=${NAME%.pbf}
NAME=${NAME%.osm}
DIR=${3:-${ROAD_NETWORKS_DIR:-$ROOT/var/osrm}/$NAME}
PID_FILE="$DIR/osrm-routed-$PORT.pid"
EXTENT_FILE="$DIR/osrm-routed-$PORT.extent.json"

echo "Building $SOURCE into $DIR (unchanged extracts are not rebuilt)" >&2
"$PYTHON" manage.py build_road_network "$SOURCE" --out "$DIR" --commit >&2
VERSION=$(readlink "$DIR/current")
NETWORK="$DIR/$VERSION/$NAME.osrm"

if [[ -f "$PID_FILE" ]] && kill -0 "$(cat "$PID_FILE")" 2>/dev/null \
  && [[ $(cat "$DIR/osrm-routed-$PORT.version" 2>/dev/null) == "$VERSION" ]]; then
  echo "osrm-routed (PID $(cat "$PID_FILE")) already serves version $VERSION on port $PORT" >&2
else
  stop_server "$PID_FILE"
  nohup "$OSRM_BIN/osrm-routed" --algorithm ch --max-table-size "${OSRM_MAX_TABLE_SIZE:-10000}" \
    --verbosity WARNING --ip "$IP" --port "$PORT" "$NETWORK" \
    >>"$DIR/osrm-routed-$PORT.log" 2>&1 &
  echo $! >"$PID_FILE"
  echo "$VERSION" >"$DIR/osrm-routed-$PORT.version"
  # Ready when it answers a nearest-road query at the middle of its extent.
  PROBE=$("$PYTHON" -c "
import json, sys
box = json.load(open(sys.argv[1]))
print(f\"{(box['west'] + box['east']) / 2:.6f},{(box['south'] + box['north']) / 2:.6f}\")
" "$NETWORK.extent.json")
  for _ in $(seq "$((${OSRM_START_SECONDS:-600} * 10))"); do
    curl -fsS "http://$IP:$PORT/nearest/v1/driving/$PROBE" >/dev/null 2>&1 && break
    kill -0 "$(cat "$PID_FILE")" 2>/dev/null \
      || { echo "osrm-routed exited: see $DIR/osrm-routed-$PORT.log" >&2; exit 1; }
    sleep 0.1
  done
  echo "osrm-routed (PID $(cat "$PID_FILE")) serves version $VERSION on $IP:$PORT" >&2
fi
cp "$NETWORK.extent.json" "$EXTENT_FILE.tmp"
mv "$EXTENT_FILE.tmp" "$EXTENT_FILE"
echo "http://$IP:$PORT|$EXTENT_FILE"
