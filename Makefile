# HOPE Coordinator: `make run` to try it, `make test` to check it. Nothing else to install.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
PIP_VERSION := 26.3
INSTALLED := $(VENV)/.installed
PYTEST_ARGS ?=
# pytest-xdist workers for `make test`: one per core of these 2-core machines. Each has its
# own test database and Redis database (hope/settings_test.py). 0 runs in one process.
PYTEST_WORKERS ?= 2

.PHONY: install run code test lint stop clean bench

$(PY):
	$(PYTHON) -m venv $(VENV)

# Reinstalls only when the lock file changes.
$(INSTALLED): requirements.lock build-constraints.txt | $(PY)
	$(PY) -m pip install --quiet --disable-pip-version-check "pip==$(PIP_VERSION)"
	$(PY) -m pip install --quiet --disable-pip-version-check \
		--build-constraint build-constraints.txt -r requirements.lock
	touch $@

install: $(INSTALLED)

# A developer's machine: DEBUG on, demo data, web + Celery worker + beat.
run: export DEBUG ?= true
# The demo tells the story of 2018/19, past HMRC's six years: keep money records longer
# here, or the nightly retention job would delete that year.
run: export RETENTION_MONEY_YEARS ?= 10
run: install
	$(PY) manage.py migrate --noinput
	$(PY) manage.py seed_demo
	$(PY) manage.py rundev

# The demo coordinator's, finance lead's, evidence viewer's and admin's current two-factor code.
code: export DEBUG ?= true
code: install
	@$(PY) manage.py demo_code

# Every page at ten years of data against the floor, the CSV export and claims at once
# (issue 17): var/bench/report.md. Loads the data into databases of its own the first time
# (BENCH_DEMO_DB, BENCH_SCALE_DB on DATABASE_URL's server; a few minutes), then
# takes about a minute. Not part of `make test`. BENCH_ARGS="--rounds 30 --workers 4".
bench: export DEBUG ?= true
bench: install
	$(PY) manage.py bench $(BENCH_ARGS)

lint: install
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .

# With DATABASE_URL / REDIS_URL unset the suite starts its own PostgreSQL and Redis
# under var/test/ and stops them afterwards, pass or fail.
test: export DJANGO_SETTINGS_MODULE := hope.settings_test
test: lint
	@status=0; \
	$(PY) manage.py makemigrations --check --dry-run && \
	$(PY) -m pytest -n $(PYTEST_WORKERS) $(PYTEST_ARGS) || status=$$?; \
	if [ -z "$$DATABASE_URL" ] || [ -z "$$REDIS_URL" ]; then \
		HOPE_VAR_DIR=var/test $(PY) -m hope.localservices stop; \
	fi; \
	exit $$status

# Stop the local PostgreSQL and Redis that `make run` started (data stays in var/).
stop:
	@[ ! -x $(PY) ] || $(PY) -m hope.localservices stop

clean: stop
	rm -rf $(VENV) var
