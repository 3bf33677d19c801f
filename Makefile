# The two commands a newcomer needs: `make run` and `make test`. See README.md.
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
PY := $(VENV)/bin/python
HOST ?= 127.0.0.1
PORT ?= 8000
# Size of the demo network `make run` loads when the database is empty.
DEMO_ARGS ?= --skus 200 --locations 6 --weeks 104 --seed 7

.PHONY: run test bench lint install

$(VENV)/.installed: requirements.txt requirements-dev.txt
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -r requirements-dev.txt
	touch $@

install: $(VENV)/.installed

run: export DEBUG ?= 1
run: $(VENV)/.installed
	$(PY) manage.py migrate --no-input
	$(PY) manage.py load_demo --if-empty $(DEMO_ARGS)
	$(PY) manage.py demo_users
	$(PY) manage.py optimize --if-no-runs --description "First run over the demo network"
	$(PY) manage.py forecast --sync --if-no-runs --description "Statistical baseline of the demo"
	$(PY) manage.py kpi_snapshots --sync
	@echo "Starting the django-q2 worker and the web server on http://$(HOST):$(PORT)/ (Ctrl-C stops both)"
	@$(PY) manage.py qcluster & worker=$$!; \
	trap 'kill $$worker 2>/dev/null; wait $$worker 2>/dev/null' EXIT INT TERM; \
	$(PY) manage.py runserver $(HOST):$(PORT)

test: $(VENV)/.installed
	$(VENV)/bin/pytest $(PYTEST_ARGS)

lint: $(VENV)/.installed
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .

# Figures go to docs/benchmarks.md. All but the first four need PostgreSQL (about an hour and
# 25 GB of disk at the peak; bench/backfill.py adds about 5 minutes and 3 GB, bench/kpis.py
# about 35 minutes and 45 GB, which it drops at the end).
bench: $(VENV)/.installed
	$(PY) bench/engine.py
	$(PY) bench/real_demand.py
	$(PY) bench/history_engine.py --rows 20000 --optimize
	$(PY) bench/forecasting.py
	$(PY) bench/bulk_load.py
	$(PY) bench/backfill.py
	$(PY) bench/load_demo.py
	$(PY) bench/runs.py
	$(PY) bench/governance.py
	$(PY) bench/diagnostic.py
	$(PY) bench/scorecard.py
	$(PY) bench/workspace.py
	$(PY) bench/kpis.py
	$(PY) bench/forecast_runs.py
