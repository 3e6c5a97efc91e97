# Two commands do everything on a fresh Debian 12 machine: `make run` and `make test`.
# Every target is idempotent: a second run installs nothing and reuses running services.
SHELL := /bin/bash
.DEFAULT_GOAL := help

# Python 3.12 from pyenv when present (the routing engine wheels need >= 3.12).
PYTHON_312 := $(firstword $(wildcard $(HOME)/.pyenv/versions/3.12*/bin/python3.12) $(shell command -v python3.12 2>/dev/null))
export UV_PYTHON ?= $(PYTHON_312)
UV = $(shell command -v uv 2>/dev/null || echo python3 -m uv)
MANAGE = $(UV) run --frozen python manage.py
HOST ?= 127.0.0.1
PORT ?= 8000

.PHONY: help install system services stop status migrate demo road-network run test test-calendar lint audit bench fuzz load

help:
	@echo "make run       install what is missing, start services, migrate, load demo data, serve"
	@echo "make test      the same set-up without serving, then lint and the whole test suite"
	@echo "make services  start PostgreSQL/PostGIS and Redis only, and write .env"
	@echo "make stop      stop the app, worker, beat, mail sink, PostgreSQL and Redis started here"
	@echo "make status    say what is running"
	@echo "make test-calendar  the unit tests again with the clock a year and a day on"
	@echo "make lint      ruff (with a complexity limit), formatting, mypy, the one direction of imports, missing migrations"
	@echo "make audit     known vulnerabilities in the locked dependencies, one JSON line (make test runs it)"
	@echo "make bench     one JSON line per figure: imports and postcode loading, time and memory"
	@echo "make fuzz      schemathesis on the API with each role's real credentials: 5xx, schema, leaks; one JSON line"
	@echo "make load      locust, 50 users for 60 s on gunicorn with the production settings; JSON lines"
	@echo "make road-network  build the road networks of ../shared/data/osm into var/osrm/ (make run does it too)"

system:
	@bash scripts/dev/install-system.sh

.venv/.installed: pyproject.toml uv.lock
	$(UV) sync --frozen
	@touch $@

node_modules/.installed: package.json package-lock.json
	npm ci --no-audit --no-fund
	@touch $@

static/dist/.built: node_modules/.installed scripts/build-frontend.mjs $(shell find static/src static/js -type f)
	npm run --silent build
	@touch $@

install: system .venv/.installed static/dist/.built

services: system
	@bash scripts/dev/services.sh start

status:
	@bash scripts/dev/services.sh status
	@bash scripts/dev/app.sh status

stop:
	@bash scripts/dev/app.sh stop
	@bash scripts/dev/services.sh stop

migrate: install services
	$(MANAGE) migrate --no-input

# The DfE's national distance-from-home figures the distance dashboard compares with (real, not
# demo): loaded from its published CSV, by default the copy in ../shared/data.
NATIONAL_DISTANCE ?= ../shared/data/cla_stats/national_cla_on_31_march_by_placement_distance_and_placement_locality.csv

# Bus timetables (GTFS) for public transport times: every zip in ../shared/data/gtfs (or GTFS=…),
# each with the OpenStreetMap extract of the same place when there is one (real walking; Newport),
# otherwise walking estimated (Chester). An unchanged zip is skipped by its hash.
GTFS_DIR ?= ../shared/data/gtfs

demo: migrate
	$(MANAGE) seed_demo
	$(MANAGE) load_national_distance $(NATIONAL_DISTANCE)
	@bash scripts/dev/timetables.sh $(GTFS_DIR)
	$(MANAGE) seed_demo_requests

# Builds a network for every extract in ../shared/data/osm (or OSM_EXTRACT=a,b: paths or URLs)
# when missing or changed; prints their paths. `make run` does the same through app.sh and serves
# them all (TRAVEL_NETWORKS), falling back to estimates.
road-network: install
	@bash scripts/dev/road-network.sh

run: demo
	@HOST=$(HOST) PORT=$(PORT) bash scripts/dev/app.sh serve

# The migrations check reads the settings from .env, which `make services` writes.
lint: install services
	$(UV) run --frozen ruff check .
	$(UV) run --frozen ruff format --check .
	$(UV) run --frozen mypy .
	$(UV) run --frozen lint-imports --no-cache
	$(MANAGE) makemigrations --check --dry-run

test: lint audit
	$(UV) run --frozen pytest
	$(MAKE) --no-print-directory test-calendar

# Known vulnerabilities in the locked dependencies (pip-audit, and PyPI's own list for packages
# pinned at their newest release): one JSON line; fails on any found. STRICT=1 also fails on a
# package that could not be audited (pinned below its newest release where pip-audit cannot ask).
audit: .venv/.installed
	@mkdir -p var
	@$(UV) export --frozen --format requirements-txt --no-hashes --no-emit-project -q > var/requirements.txt
	@$(UV) run --frozen python scripts/audit/dependencies.py var/requirements.txt $(if $(STRICT),--strict)

# The same unit tests a year and a day from now (time-machine moves the clock before collection),
# so a test that depends on today's date fails today rather than on the day it rots. Browser and
# worker tests are left out: the first run covers them, and a worker process keeps the real clock.
test-calendar: install services
	$(UV) run --frozen pytest -q --clock-offset-days=366 -m "not browser and not worker"

bench: install services
	$(UV) run --frozen python scripts/bench/run.py

# Both on a scratch database made afresh from the demo data (placement_fuzz, placement_load) and
# gunicorn with the production settings on 127.0.0.1: docs/proof.md says what they check.
fuzz: install services
	$(UV) run --frozen python scripts/fuzz/fuzz.py $(if $(EXAMPLES),--examples=$(EXAMPLES))

load: install services
	$(UV) run --frozen python scripts/load/load.py $(if $(USERS),--users=$(USERS)) $(if $(SECONDS),--seconds=$(SECONDS))
