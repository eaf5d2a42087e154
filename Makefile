# relcommerce — the two commands a newcomer needs are `make run` and `make test`.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
HOST ?= 127.0.0.1
PORT ?= 8000

.PHONY: run test install install-dev lock lint format worker beat bench clean

# Installs come from the lock files (exact versions, with hashes: `make lock` writes them
# from pyproject.toml); reinstall only when one of them changes.
$(VENV)/.installed: pyproject.toml requirements.lock
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet --require-hashes -r requirements.lock
	$(PY) -m pip install --quiet --no-deps -e .
	touch $@

$(VENV)/.installed-dev: $(VENV)/.installed requirements-dev.lock
	$(PY) -m pip install --quiet --require-hashes -r requirements-dev.lock
	touch $@

# After changing dependencies in pyproject.toml: pin them again (the dev lock keeps every
# version the runtime lock chose).
lock: install-dev
	$(VENV)/bin/uv pip compile pyproject.toml --quiet --python-version 3.11 --generate-hashes \
		--custom-compile-command "make lock" -o requirements.lock
	$(VENV)/bin/uv pip compile pyproject.toml --quiet --python-version 3.11 --generate-hashes \
		--extra dev -c requirements.lock --custom-compile-command "make lock" -o requirements-dev.lock

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
