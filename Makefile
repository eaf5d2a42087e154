# relcommerce — the two commands a newcomer needs are `make run` and `make test`.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
HOST ?= 127.0.0.1
PORT ?= 8000

.PHONY: run test install install-dev lint format worker beat bench clean

# Reinstall only when pyproject.toml changes.
$(VENV)/.installed: pyproject.toml
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e .
	touch $@

$(VENV)/.installed-dev: $(VENV)/.installed
	$(PY) -m pip install --quiet -e ".[dev]"
	touch $@

install: $(VENV)/.installed
install-dev: $(VENV)/.installed-dev

# The embedded default (no REDIS_URL): honcho runs the web server and a Celery worker with
# beat (Procfile.dev), whose broker is a folder (EMBEDDED_WORKER_DIR); Ctrl-C (or closing
# the terminal: relcommerce/procfile.py) stops both.
# The real stack: the web server only (`make worker` and `make beat` beside it).
EMBEDDED_WORKER_DIR ?= .run
ifeq ($(REDIS_URL),)
RUN_ENV := EMBEDDED_WORKER_DIR="$(EMBEDDED_WORKER_DIR)"
endif

run: install
	$(RUN_ENV) $(PY) manage.py migrate --no-input
	$(RUN_ENV) $(PY) manage.py seed_demo --if-empty
ifeq ($(REDIS_URL),)
	$(RUN_ENV) PATH="$(CURDIR)/$(VENV)/bin:$$PATH" HOST=$(HOST) \
		$(PY) -m relcommerce.procfile --procfile Procfile.dev --env /dev/null start --port $(PORT)
else
	$(PY) manage.py runserver $(HOST):$(PORT)
endif

test: install-dev
	$(VENV)/bin/pytest $(PYTEST_ARGS)

lint: install-dev
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/lint-imports

format: install-dev
	$(VENV)/bin/ruff check --fix .
	$(VENV)/bin/ruff format .

worker: install
	$(VENV)/bin/celery -A relcommerce worker -l info -Q default,events,fanout,email,rollups

beat: install
	$(VENV)/bin/celery -A relcommerce beat -l info

bench: install-dev
	bash tests/bench/run.sh

clean:
	rm -rf $(VENV) staticfiles .pytest_cache .ruff_cache .run
