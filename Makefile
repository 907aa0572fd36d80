# Two commands matter: `make run` and `make test`. Both work on a fresh machine, repeatedly.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
HOST ?= 127.0.0.1
PORT ?= 8000
WORKERS ?= 2
CATALOGUES := ideation/translations
PYTEST_ARGS ?=

.PHONY: run test install install-dev translations translations-update chromium wrk lint bench clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade pip

$(VENV)/.installed: pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install -q -e .
	touch $@

$(VENV)/.installed-dev: pyproject.toml $(VENV)/.installed
	$(BIN)/python -m pip install -q -e '.[dev]'
	touch $@

install: $(VENV)/.installed translations
install-dev: $(VENV)/.installed-dev translations

# The .mo files are build output: compiled here from the .po catalogues, never by hand.
translations: $(VENV)/.installed
	$(BIN)/pybabel compile -d $(CATALOGUES)

# For developers: collect new strings into the catalogues (then translate them).
translations-update: $(VENV)/.installed
	$(BIN)/pybabel extract -F $(CATALOGUES)/babel.cfg -k _l --ignore-dirs '.* __pycache__' -o $(CATALOGUES)/messages.pot --no-location --omit-header .
	$(BIN)/pybabel update -N -i $(CATALOGUES)/messages.pot -d $(CATALOGUES) --no-fuzzy-matching

run: install
	$(BIN)/flask --app ideation db upgrade
	$(BIN)/flask --app ideation demo --if-empty
	$(BIN)/gunicorn --bind $(HOST):$(PORT) --workers $(WORKERS) --access-logfile - 'ideation:create_app()'

# Browser tests use Debian's Chromium; install it when missing and we are allowed to (root).
chromium:
	@if [ ! -x /usr/bin/chromium ]; then \
	  if [ "$$(id -u)" = 0 ]; then \
	    echo "Installing Debian's chromium for the browser tests"; \
	    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null; \
	  else \
	    echo "NOTE: /usr/bin/chromium is missing; run 'sudo apt-get install chromium' for browser tests"; \
	  fi; \
	fi

test: install-dev chromium
	$(BIN)/python -m pytest $(PYTEST_ARGS)

lint: install-dev
	$(BIN)/ruff check ideation tests bench
	$(BIN)/ruff format --check ideation tests bench

# The web benchmark loads the server with Debian's wrk; install it when missing (as root).
wrk:
	@if ! command -v wrk >/dev/null; then \
	  if [ "$$(id -u)" = 0 ]; then \
	    echo "Installing Debian's wrk for the web benchmark"; \
	    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq wrk >/dev/null; \
	  else \
	    echo "NOTE: wrk is missing; run 'sudo apt-get install wrk' for the web benchmark"; \
	  fi; \
	fi

bench: install-dev wrk
	$(BIN)/python -m bench

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache
	find $(CATALOGUES) -name '*.mo' -delete
