# Two commands matter: `make run` and `make test`. Everything else is a step of those.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
FLASK := APP_ENV=$${APP_ENV:-development} $(BIN)/flask --app wsgi
PORT ?= 5000

.PHONY: run worker test install install-dev setup static lint format bench load perf clean translations i18n-extract i18n-update i18n-compile

# A stamp per requirements file: re-install only when the pins change.
$(VENV)/.installed: requirements.txt
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --disable-pip-version-check -r requirements.txt
	touch $@

$(VENV)/.installed-dev: requirements.txt requirements-dev.txt $(VENV)/.installed
	$(BIN)/pip install --quiet --disable-pip-version-check -r requirements-dev.txt
	touch $@

install: $(VENV)/.installed
install-dev: $(VENV)/.installed-dev

# A random secret per checkout, kept out of git in instance/.
instance/config.py:
	mkdir -p instance
	$(BIN)/python -c "import secrets; print('SECRET_KEY = ' + repr(secrets.token_hex(32)))" > $@

# The interface's catalogues (app/translations/<language>/LC_MESSAGES/messages.po), English
# the source. Extract the strings of the code into messages.pot, merge them into each
# language's .po (then translate what is new), compile the .mo files the app reads. Compiled
# catalogues are build output: made by `make run` and `make test`, never committed.
PYBABEL := $(BIN)/pybabel
POT := app/translations/messages.pot
PO_FILES := $(wildcard app/translations/*/LC_MESSAGES/messages.po)
MO_FILES := $(PO_FILES:.po=.mo)
EXTRACT_KEYWORDS := -k _l -k lazy_gettext -k _ln:1,2 -k lazy_ngettext:1,2 -k lazy_pgettext:1c,2

i18n-extract: install
	$(PYBABEL) -q extract -F babel.cfg $(EXTRACT_KEYWORDS) --no-location --sort-output --no-wrap \
	  --project "Staff Capacity Planner" --copyright-holder "Staff Capacity Planner" \
	  --msgid-bugs-address "" -o $(POT) app

i18n-update: i18n-extract
	$(PYBABEL) -q update --no-wrap -i $(POT) -d app/translations --no-fuzzy-matching --ignore-obsolete

%.mo: %.po
	$(PYBABEL) -q compile -i $< -o $@

i18n-compile translations: install $(MO_FILES)

# A .gz and a .br beside each static file (WhiteNoise sends them to browsers that accept
# them), written again only when a file changed. Build output, never committed. plotly.js
# is copied in first from the plotly package (app/charts/assets.py), so that it is one of them.
STATIC_FILES := $(shell find app/static -type f ! -name '*.gz' ! -name '*.br')
instance/.static-compressed: $(STATIC_FILES) $(VENV)/.installed
	$(BIN)/python -m app.charts.assets app/static
	$(BIN)/python -m whitenoise.compress --quiet app/static
	mkdir -p instance
	touch $@

static: instance/.static-compressed

setup: install instance/config.py translations static
	$(FLASK) db upgrade
	$(FLASK) data load
	$(FLASK) practices sync

# The web server and, beside it, the job queue's worker (emails, scheduled work) on the
# embedded queue, instance/jobs.sqlite3: no other server. Ctrl-C stops both (the worker after
# the task it runs); so does the web server's end for any other reason.
run: setup
	@export PUBLIC_BASE_URL=$${PUBLIC_BASE_URL:-http://127.0.0.1:$(PORT)}; \
	$(FLASK) jobs worker & worker=$$!; \
	trap 'kill $$worker 2>/dev/null; wait $$worker' EXIT; \
	trap 'exit 130' INT TERM; \
	$(FLASK) run --host 127.0.0.1 --port $(PORT)

# The job queue's worker alone (beside gunicorn, or a second one for more throughput).
worker: setup
	$(FLASK) jobs worker

# In parallel: one pytest-xdist worker per core, each with a database of its own (tests/conftest.py).
# Not --dist loadfile or loadscope: they run one of the Schemathesis cases, which share a test id.
# TEST_WORKERS=0 runs in one process.
TEST_WORKERS ?= auto
test: install-dev translations static
	$(BIN)/python -m pytest -n $(TEST_WORKERS)

lint: install-dev
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

format: install-dev
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

bench: install-dev
	$(BIN)/python bench/sync_bench.py
	$(BIN)/python bench/scale_bench.py
	$(BIN)/python bench/markdown_bench.py

# 50 users for 60 s against gunicorn (4 workers) with the large data set: on SQLite, and on
# PostgreSQL too when LOAD_DATABASE_URL names a database (emptied first).
load: install-dev
	$(BIN)/python bench/load/run.py
	@if [ -n "$(LOAD_DATABASE_URL)" ]; then $(BIN)/python bench/load/run.py --database-url "$(LOAD_DATABASE_URL)"; fi

# Each page's throughput against a bare Flask page's, both under gunicorn (2 workers) and wrk
# (16 connections, 10 s a page), at the shipped and the large scale: on SQLite, and on
# PostgreSQL too when PERF_DATABASE_URL names a database (emptied first). PERF_ARGS adds
# options of bench/perf.py (e.g. PERF_ARGS="--scale small --seconds 5").
perf: install-dev
	@command -v wrk >/dev/null || { echo "perf needs wrk: apt-get install wrk"; exit 1; }
	$(BIN)/python bench/perf.py $(PERF_ARGS)
	@if [ -n "$(PERF_DATABASE_URL)" ]; then $(BIN)/python bench/perf.py --database-url "$(PERF_DATABASE_URL)" $(PERF_ARGS); fi

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache instance/.static-compressed
	find app/static \( -name '*.gz' -o -name '*.br' \) -delete
