# keystead: `make run` serves the demo on 127.0.0.1:8000; `make test` runs the whole suite.
VENV ?= .venv
PYTHON ?= python3
BIN := $(VENV)/bin

.PHONY: run test bench check lint format clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

$(VENV)/.installed: pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e .
	touch $@

$(VENV)/.installed-dev: pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	touch $@ $(VENV)/.installed

$(VENV)/.installed-bench: pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e '.[dev,bench]'
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
	$(BIN)/pytest --cov --cov-report=

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

clean:
	rm -rf $(VENV) build dist src/*.egg-info .pytest_cache .ruff_cache .mypy_cache
