# Two commands matter: `make run` and `make test`. Both work on a fresh machine, repeatedly.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
HOST ?= 127.0.0.1
PORT ?= 8000
WORKERS ?= 2
CATALOGUES := ideation/translations
PYTEST_ARGS ?=
# The suite runs on every core (pytest-xdist); a test file stays on one worker, as some files
# share a Redis queue or a port between their tests.
PYTEST_PARALLEL ?= -n auto --dist loadfile

.PHONY: run test stress install install-dev translations translations-update chromium pango wrk lint bench clean

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
	$(BIN)/pybabel extract -F $(CATALOGUES)/babel.cfg -k _l --sort-output --ignore-dirs '.* __pycache__' -o $(CATALOGUES)/messages.pot --no-location --omit-header .
	$(BIN)/pybabel update -N -i $(CATALOGUES)/messages.pot -d $(CATALOGUES) --no-fuzzy-matching --ignore-obsolete

run: install pango
	$(BIN)/flask --app ideation db upgrade
	$(BIN)/flask --app ideation demo --if-empty
	$(BIN)/gunicorn --bind $(HOST):$(PORT) --workers $(WORKERS) --access-logfile - 'ideation:create_app()'

# Debian packages the tests and benchmarks need: installed when missing and we may (root).
# $(call apt_tool,<command to check>,<package>,<what it is for>)
define apt_tool
	@if ! command -v $(1) >/dev/null; then \
	  if [ "$$(id -u)" = 0 ]; then \
	    echo "Installing Debian's $(2) for $(3)"; \
	    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $(2) >/dev/null; \
	  else \
	    echo "NOTE: $(2) is missing; run 'sudo apt-get install $(2)' for $(3)"; \
	  fi; \
	fi
endef

# The same for a shared library: $(call apt_lib,<library file>,<packages>,<what it is for>)
define apt_lib
	@if ! /sbin/ldconfig -p 2>/dev/null | grep -q '$(1)'; then \
	  if [ "$$(id -u)" = 0 ]; then \
	    echo "Installing Debian's $(2) for $(3)"; \
	    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $(2) >/dev/null; \
	  else \
	    echo "NOTE: $(2) is missing; run 'sudo apt-get install $(2)' for $(3)"; \
	  fi; \
	fi
endef

chromium:
	$(call apt_tool,/usr/bin/chromium,chromium,the browser tests)

# WeasyPrint (the agenda's PDF) draws text with Pango; Debian's libpango is all it needs.
pango:
	$(call apt_lib,libpango-1.0.so.0,libpango-1.0-0 libpangoft2-1.0-0,the PDF of the agenda)

test: install-dev chromium pango
	$(BIN)/python -m pytest $(PYTEST_PARALLEL) $(PYTEST_ARGS)

# The long tests (tests/stress): SIGKILL under load on SQLite and PostgreSQL, the stored-XSS
# check in Chromium, fuzzing with many more examples and the accessibility sweep, on every core
# (each file on one worker). `.ci/run` runs them after the suite.
stress: install-dev chromium pango
	$(BIN)/python -m pytest -m stress --timeout 1800 $(PYTEST_PARALLEL) tests/stress $(PYTEST_ARGS)

# ruff's rules (the code is wrapped by hand at 100 columns, not by ruff format), then vulture
# for dead code (its settings in pyproject.toml, names it cannot see in .ci/vulture_whitelist.py).
lint: install-dev
	$(BIN)/ruff check ideation tests bench migrations
	$(BIN)/vulture

wrk:
	$(call apt_tool,wrk,wrk,the web benchmark)

bench: install-dev wrk pango
	$(BIN)/python -m bench

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache
	find $(CATALOGUES) -name '*.mo' -delete
