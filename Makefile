# keystead: `make run` serves the demo on 127.0.0.1:8000; `make test` runs the whole suite.
VENV ?= .venv
PYTHON ?= python3
BIN := $(VENV)/bin
# Exact versions of every package installed below (pip constraints); `make lock` rewrites it.
LOCK := requirements/lock.txt

.PHONY: run test bench check lint format clean lock

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

$(VENV)/.installed: pyproject.toml $(LOCK) | $(BIN)/python
	$(BIN)/python -m pip install --quiet -c $(LOCK) -e .
	touch $@

$(VENV)/.installed-dev: pyproject.toml $(LOCK) | $(BIN)/python
	$(BIN)/python -m pip install --quiet -c $(LOCK) -e '.[dev]'
	touch $@ $(VENV)/.installed

$(VENV)/.installed-bench: pyproject.toml $(LOCK) | $(BIN)/python
	$(BIN)/python -m pip install --quiet -c $(LOCK) -e '.[dev,bench]'
	touch $@ $(VENV)/.installed-dev $(VENV)/.installed

# The JavaScript clients the suite runs against a live server (npm registry, at install time).
NODE_CLIENTS := tests/node/node_modules/.installed

$(NODE_CLIENTS): tests/node/package.json tests/node/package-lock.json
	npm ci --prefix tests/node --no-audit --no-fund --silent
	touch $@

run: $(VENV)/.installed
	$(BIN)/keystead serve --demo

test: $(VENV)/.installed-dev $(NODE_CLIENTS)
	$(BIN)/ruff check src tests bench
	$(BIN)/mypy src tests bench
	$(BIN)/pytest -n auto --dist loadfile --cov --cov-report=

# Benchmarks (not part of `make test`): see docs/performance.md.
bench:
	bench/run

lint: $(VENV)/.installed-dev
	$(BIN)/ruff check src tests bench
	$(BIN)/ruff format --check src tests bench
	$(BIN)/mypy src tests bench

check: lint test

format: $(VENV)/.installed-dev
	$(BIN)/ruff format src tests bench
	$(BIN)/ruff check --fix src tests bench

# Rewrites $(LOCK) from a fresh virtualenv: the newest releases of everything
# `.[dev,bench]` needs, resolved from PyPI (README, "Installing from the lock file").
lock:
	@set -e; scratch=$$(mktemp -d); trap 'rm -rf "$$scratch"' EXIT; \
	$(PYTHON) -m venv "$$scratch/venv"; \
	"$$scratch/venv/bin/python" -m pip install --quiet --upgrade pip; \
	"$$scratch/venv/bin/python" -m pip install --quiet -e '.[dev,bench]'; \
	mkdir -p $(dir $(LOCK)); \
	{ echo "# Exact versions of everything pip install -e '.[dev,bench]' installs, resolved by"; \
	  echo "# make lock on $$("$$scratch/venv/bin/python" -c 'import platform; print(platform.python_implementation(), platform.python_version(), platform.system(), platform.machine())')."; \
	  echo "# Used as pip constraints (-c) by every install in the Makefile. Do not edit by hand."; \
	  "$$scratch/venv/bin/python" -m pip freeze --exclude-editable; } > $(LOCK).new; \
	mv $(LOCK).new $(LOCK); \
	echo "$(LOCK): $$(grep -vc '^#' $(LOCK)) packages"

clean:
	rm -rf $(VENV) build dist src/*.egg-info .pytest_cache .ruff_cache .mypy_cache
