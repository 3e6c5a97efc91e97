#!/usr/bin/env bash
# The app's own processes for `make run`: a local mail sink, a Celery worker and beat in the
# background, the web server in the foreground. PID files and logs are in var/.
#   app.sh serve   build the road networks if missing (road-network.sh), start the mail sink,
#                  worker and beat if not running, print URL and logins, serve until Ctrl-C
#   app.sh stop    stop the web server, beat, worker and mail sink, by PID
#   app.sh status  say which are running
set -euo pipefail

ROOT=$(cd "$(dirname "$0")/../.." && pwd)
RUN="${APP_RUN_DIR:-$ROOT/var/run}"  # APP_RUN_DIR: for tests/test_app_script.py only
LOG="$ROOT/var/log"
HOST=${HOST:-127.0.0.1}
PORT=${PORT:-8000}
BIN="$ROOT/.venv/bin"
mkdir -p "$RUN" "$LOG"
cd "$ROOT"

running() { [[ -f "$RUN/$1.pid" ]] && kill -0 "$(cat "$RUN/$1.pid")" 2>/dev/null; }

start_bg() {
  local name=$1
  shift
  if running "$name"; then
    echo "$name already running (PID $(cat "$RUN/$name.pid"))"
    return
  fi
  nohup "$@" >>"$LOG/$name.log" 2>&1 &
  echo $! >"$RUN/$name.pid"
  echo "$name started (PID $!, log var/log/$name.log)"
}

stop_one() {
  local name=$1
  if running "$name"; then
    local pid
    pid=$(cat "$RUN/$name.pid")
    # The web server's autoreloader and Celery's pool run children: stop them too. Not the
    # mail sink, worker and beat, though: the shell that became the web server started them,
    # so they are its children too, and each is stopped (and says so) on its own.
    local tracked child
    tracked=" $(cat "$RUN"/*.pid 2>/dev/null | tr '\n' ' ' || true) "
    for child in $(pgrep -P "$pid" 2>/dev/null || true); do
      [[ $tracked == *" $child "* ]] || kill -TERM "$child" 2>/dev/null || true
    done
    kill "$pid" 2>/dev/null || true
    for _ in $(seq 100); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
    echo "$name stopped"
  fi
  rm -f "$RUN/$name.pid"
}

# Travel times by road for the web server and worker: a network for every OpenStreetMap extract
# in ../shared/data/osm (or $OSM_EXTRACT, comma-separated paths or URLs), built into var/osrm/
# when missing or changed (road-network.sh), all served at once through TRAVEL_NETWORKS.
# Exported here rather than written to .env, because the test settings read .env too and the
# tests expect no network unless they choose one. TRAVEL_* already set in the environment or
# in .env are left as they are. Without any extract the app uses straight-line estimates.
TRAVEL=""
travel_network() {
  if [[ -n "${TRAVEL_ENGINE:-}${TRAVEL_NETWORKS:-}${TRAVEL_NETWORK:-}${TRAVEL_OSRM_URLS:-}${TRAVEL_OSRM_URL:-}" ]] \
    || grep -qE '^TRAVEL_(ENGINE|NETWORKS?|OSRM_URLS?)=.' "$ROOT/.env" 2>/dev/null; then
    TRAVEL="as set by TRAVEL_ENGINE / TRAVEL_NETWORKS / TRAVEL_NETWORK / TRAVEL_OSRM_URLS / TRAVEL_OSRM_URL"
    return
  fi
  local networks status=0
  networks=$(bash "$ROOT/scripts/dev/road-network.sh") || status=$?
  if [[ $status -eq 0 || $status -eq 4 ]]; then
    TRAVEL_NETWORKS=$(paste -sd, <<<"$networks")
    export TRAVEL_NETWORKS
    local count listed
    count=$(wc -l <<<"$networks")
    listed=$(sed "s|^$ROOT/|      |" <<<"$networks")
    TRAVEL="by road on $count network(s), estimated beyond their roads:"$'\n'"$listed"
    # An `if`, not `[[ … ]] && …`: as the function's last command a false test would be its
    # status, and `set -e` would stop `make run` here.
    if [[ $status -eq 4 ]]; then
      TRAVEL+=$'\n'"      (some extracts failed to build: see above)"
    fi
  elif [[ $status -eq 3 ]]; then
    TRAVEL="estimated (straight line): no OpenStreetMap extract, TRAVEL_NETWORKS left empty"
  else
    TRAVEL="estimated (straight line): the road networks failed to build (see above)"
  fi
}

# Email for the web server and worker: through Django's SMTP backend, as in production, to a
# local sink (scripts/dev/mail_sink.py) that writes each message to var/mail/ as an .eml file.
# Exported here rather than written to .env, because the test settings read .env too. The sink
# keeps the port it had last time (var/run/mail_sink.port) when it is free, else takes the next
# free one. If it does not start, nothing is exported and config.settings.local's file backend
# writes to var/mail/ instead. EMAIL_BACKEND already set in the environment or .env is left.
MAIL=""
mail_sink() {
  if [[ -n "${EMAIL_BACKEND:-}" ]] || grep -qE '^EMAIL_BACKEND=.' "$ROOT/.env" 2>/dev/null; then
    MAIL="Emails: as set by EMAIL_BACKEND"
    return
  fi
  local port_file="$RUN/mail_sink.port"
  if ! running mail_sink; then
    local preferred
    preferred=$(cat "$port_file" 2>/dev/null || echo 1025)
    rm -f "$port_file"
    start_bg mail_sink "$BIN/python" "$ROOT/scripts/dev/mail_sink.py" --host 127.0.0.1 \
      --port "$preferred" --dir "$ROOT/var/mail" --port-file "$port_file"
  fi
  for _ in $(seq 100); do
    [[ -s "$port_file" ]] && break
    running mail_sink || break
    sleep 0.1
  done
  if running mail_sink && [[ -s "$port_file" ]]; then
    export EMAIL_BACKEND=django.core.mail.backends.smtp.EmailBackend
    export EMAIL_HOST=127.0.0.1
    EMAIL_PORT=$(cat "$port_file")
    export EMAIL_PORT
    MAIL="Emails go through a local SMTP sink on 127.0.0.1:$EMAIL_PORT into var/mail/"
  else
    MAIL="Emails are written to var/mail/ (the local SMTP sink did not start: var/log/mail_sink.log)"
  fi
}

serve() {
  if (exec 3<>"/dev/tcp/$HOST/$PORT") 2>/dev/null && ! running web; then
    echo "Port $PORT on $HOST is in use by another program. Try: make run PORT=8001" >&2
    exit 1
  fi
  # Links in emails (sent by the worker) must point where the web server listens.
  export SITE_URL="${SITE_URL:-http://$HOST:$PORT}"
  travel_network
  mail_sink
  start_bg worker "$BIN/celery" -A config worker --loglevel=INFO --concurrency=2
  start_bg beat "$BIN/celery" -A config beat --loglevel=INFO \
    --schedule "$ROOT/var/celerybeat-schedule"
  if running web; then
    echo "The web server is already running (PID $(cat "$RUN/web.pid"))."
    print_welcome
    exit 0
  fi
  print_welcome
  echo "$$" >"$RUN/web.pid"
  exec "$BIN/python" manage.py runserver "$HOST:$PORT"
}

print_welcome() {
  cat <<TXT

  Find a placement is running at http://$HOST:$PORT/
  Health: http://$HOST:$PORT/healthz
  $MAIL
  Travel times: $TRAVEL
  Demo logins, password for all: demo-placement-2026
    Hub admin           hub.admin@example.org
    LA manager          la.manager@example.org
    Placement officer   placement.officer@example.org
    Provider admin      provider.admin@example.org
    Provider user       provider.user@example.org
  Stop everything with: make stop

TXT
}

case "${1:-}" in
  serve) serve ;;
  stop)
    stop_one web
    stop_one beat
    stop_one worker
    stop_one mail_sink
    ;;
  status)
    for name in web worker beat mail_sink; do
      if running "$name"; then echo "$name: running (PID $(cat "$RUN/$name.pid"))"; else echo "$name: stopped"; fi
    done
    ;;
  *) echo "usage: $0 serve|stop|status" >&2; exit 2 ;;
esac
