# Two commands on a fresh machine (Python 3.11 and make): `make run` and `make test`.
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV   := .venv
BIN    := $(VENV)/bin
RUNTIME_STAMP := $(VENV)/.runtime-installed
DEV_STAMP     := $(VENV)/.dev-installed
PIP := $(BIN)/python -m pip install --quiet --disable-pip-version-check

.PHONY: run test test-fast lint bench build clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)

$(RUNTIME_STAMP): requirements.txt | $(BIN)/python
	$(PIP) -r requirements.txt
	touch $@

$(DEV_STAMP): requirements.txt requirements-dev.txt $(RUNTIME_STAMP)
	$(PIP) -r requirements-dev.txt
	touch $@

## run: build the KB if it changed, seed demo data into an empty store, serve on 127.0.0.1:5000
run: $(RUNTIME_STAMP)
	$(BIN)/python run.py

## build: build the KB into site/ (skipped when nothing changed)
build: $(RUNTIME_STAMP)
	$(BIN)/python run.py build

## lint: ruff (lint, the walls between layers, formatting) and mypy on portal/, forms/, kb/
lint: $(DEV_STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy

## test: lint, then the whole test suite (installs, as root, Debian's chromium and a CJK font for
## the browser tests and Debian's postgresql for the private test cluster when missing)
test: lint
	@bash .ci/browser-deps.sh
	@bash .ci/postgres-deps.sh
	$(BIN)/python -m pytest -n 2

## test-fast: unit and view tests: no browser, fuzz, processes or slow marks; temp data on tmpfs /dev/shm
test-fast: $(DEV_STAMP)
	TMPDIR=/dev/shm $(BIN)/python -m pytest -n 2 -m "not browser and not fuzz and not processes and not slow"

## bench: district-scale benchmarks on both stores (files and a private PostgreSQL), results in bench/RESULTS.md
bench: $(DEV_STAMP)
	@bash .ci/postgres-deps.sh
	$(BIN)/python -m bench --backend both

clean:
	rm -rf site .pytest_cache
