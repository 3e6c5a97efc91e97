#!/usr/bin/env bash
# Project-local PostgreSQL (with PostGIS) and Redis for development and tests, without systemd.
#   services.sh start   start both if they are not running (idempotent) and write .env
#   services.sh stop    stop what start started, by PID
#   services.sh status  say what is running
# Data lives in var/ (git-ignored). The database cluster is disposable: it runs with fsync off.
set -euo pipefail

ROOT=$(cd "$(dirname "$0")/../.." && pwd)
VAR="$ROOT/var"
PG_DIR="$VAR/postgres"
PG_DATA="$PG_DIR/data"
PG_LOG="$PG_DIR/postgres.log"
PG_SOCK="$PG_DIR/run"
PG_BIN=${PG_BIN:-/usr/lib/postgresql/15/bin}
REDIS_DIR="$VAR/redis"
ENV_FILE="$ROOT/.env"
DB_NAME=placement
DB_USER=placement

as_postgres() {
  if [[ $(id -u) -eq 0 ]]; then runuser -u postgres -- "$@"; else "$@"; fi
}

port_in_use() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }

free_port() {
  local port=$1
  while port_in_use "$port"; do port=$((port + 1)); done
  echo "$port"
}

# set_env KEY VALUE: replace KEY in .env, or append it; other lines are kept as they are.
set_env() {
  touch "$ENV_FILE"
  if grep -q "^$1=" "$ENV_FILE"; then
    local tmp
    tmp=$(mktemp)
    awk -v k="$1" -v v="$2" 'BEGIN{FS=OFS="="} $1==k {print k "=" v; next} {print}' "$ENV_FILE" >"$tmp"
    mv "$tmp" "$ENV_FILE"
  else
    echo "$1=$2" >>"$ENV_FILE"
  fi
}

# default_env KEY VALUE: append KEY only when .env does not set it yet.
default_env() { grep -q "^$1=" "$ENV_FILE" 2>/dev/null || echo "$1=$2" >>"$ENV_FILE"; }

pg_running() { [[ -f "$PG_DATA/postmaster.pid" ]] && as_postgres "$PG_BIN/pg_ctl" -D "$PG_DATA" status >/dev/null 2>&1; }

pg_start() {
  mkdir -p "$PG_DIR"
  if [[ $(id -u) -eq 0 ]]; then chown postgres:postgres "$PG_DIR"; fi
  if ! as_postgres test -w "$PG_DIR"; then
    echo "The postgres user cannot write to $PG_DIR: put the project in a folder every user can enter." >&2
    exit 1
  fi
  if [[ ! -f "$PG_DATA/PG_VERSION" ]]; then
    local password
    password=$(head -c 18 /dev/urandom | base64 | tr -d '/+=')
    as_postgres mkdir -p "$PG_SOCK"
    echo "Creating the database cluster in $PG_DATA"
    as_postgres "$PG_BIN/initdb" -D "$PG_DATA" -U postgres --auth-local=trust --auth-host=scram-sha-256 \
      -E UTF8 --locale=C.UTF-8 >"$VAR/initdb.log"
    cat <<CONF | as_postgres tee -a "$PG_DATA/postgresql.conf" >/dev/null
# Local development cluster: disposable, so durability is traded for speed.
listen_addresses = '127.0.0.1'
unix_socket_directories = '$PG_SOCK'
fsync = off
synchronous_commit = off
full_page_writes = off
CONF
    umask 077
    echo "$password" >"$PG_DIR/app-password"
    umask 022
  fi
  local port
  port=$(grep -s "^port=" "$PG_DIR/port" | cut -d= -f2 || true)
  if pg_running; then
    port=$(sed -n 4p "$PG_DATA/postmaster.pid")
  else
    port=$(free_port "${port:-54320}")
    as_postgres "$PG_BIN/pg_ctl" -D "$PG_DATA" -l "$PG_LOG" -w -o "-p $port" start >/dev/null
    echo "PostgreSQL started on 127.0.0.1:$port"
  fi
  echo "port=$port" >"$PG_DIR/port"
  local password
  password=$(cat "$PG_DIR/app-password")
  local psql=(env PGOPTIONS="-c client_min_messages=warning" "$PG_BIN/psql" -h "$PG_SOCK" -p "$port" -U postgres -v ON_ERROR_STOP=1 -qAt)
  if [[ -z $(as_postgres "${psql[@]}" -d postgres -c "SELECT 1 FROM pg_roles WHERE rolname='$DB_USER'") ]]; then
    # Superuser so that the test runner can create its database and the PostGIS extension.
    as_postgres "${psql[@]}" -d postgres -c "CREATE ROLE $DB_USER LOGIN SUPERUSER PASSWORD '$password'"
  fi
  if [[ -z $(as_postgres "${psql[@]}" -d postgres -c "SELECT 1 FROM pg_database WHERE datname='$DB_NAME'") ]]; then
    as_postgres "${psql[@]}" -d postgres -c "CREATE DATABASE $DB_NAME OWNER $DB_USER"
  fi
  as_postgres "${psql[@]}" -d "$DB_NAME" -c "CREATE EXTENSION IF NOT EXISTS postgis"
  set_env DATABASE_URL "postgis://$DB_USER:$password@127.0.0.1:$port/$DB_NAME"
}

redis_pid() { [[ -f "$REDIS_DIR/redis.pid" ]] && cat "$REDIS_DIR/redis.pid"; }

redis_running() { local pid; pid=$(redis_pid) && kill -0 "$pid" 2>/dev/null; }

redis_start() {
  mkdir -p "$REDIS_DIR"
  local port
  if redis_running; then
    port=$(cut -d= -f2 "$REDIS_DIR/port")
  else
    port=$(free_port "$(grep -s "^port=" "$REDIS_DIR/port" | cut -d= -f2 || echo 63790)")
    redis-server --bind 127.0.0.1 --port "$port" --daemonize yes --save '' --appendonly no \
      --dir "$REDIS_DIR" --pidfile "$REDIS_DIR/redis.pid" --logfile "$REDIS_DIR/redis.log"
    for _ in $(seq 50); do redis-cli -p "$port" ping >/dev/null 2>&1 && break; sleep 0.1; done
    echo "Redis started on 127.0.0.1:$port"
  fi
  echo "port=$port" >"$REDIS_DIR/port"
  set_env REDIS_URL "redis://127.0.0.1:$port/0"
}

start() {
  mkdir -p "$VAR"
  pg_start
  redis_start
  default_env DJANGO_SETTINGS_MODULE config.settings.local
  default_env DJANGO_SECRET_KEY "$(head -c 48 /dev/urandom | base64 | tr -d '/+=\n')"
  default_env EMAIL_FILE_PATH "$VAR/mail"
}

stop() {
  if pg_running; then
    as_postgres "$PG_BIN/pg_ctl" -D "$PG_DATA" -m fast -w stop >/dev/null
    echo "PostgreSQL stopped"
  fi
  if redis_running; then
    local pid
    pid=$(redis_pid)
    kill "$pid"
    for _ in $(seq 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
    echo "Redis stopped"
  fi
}

status() {
  if pg_running; then echo "PostgreSQL: running on port $(cut -d= -f2 "$PG_DIR/port")"; else echo "PostgreSQL: stopped"; fi
  if redis_running; then echo "Redis: running on port $(cut -d= -f2 "$REDIS_DIR/port")"; else echo "Redis: stopped"; fi
}

case "${1:-}" in
  start) start ;;
  stop) stop ;;
  status) status ;;
  *) echo "usage: $0 start|stop|status" >&2; exit 2 ;;
esac
