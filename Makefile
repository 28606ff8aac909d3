# Haven's two commands (README): `make run` and `make test`. Both are idempotent.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin

.PHONY: run test lint install install-test

run: install
	$(BIN)/haven serve

test: install-test
	$(BIN)/ruff check src tests benchmarks
	$(BIN)/mypy src
	$(BIN)/pytest

install: $(VENV)/.installed
install-test: $(VENV)/.installed-test

$(VENV)/bin/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip

$(VENV)/.installed: pyproject.toml scripts/system-deps.sh | $(VENV)/bin/python
	bash scripts/system-deps.sh
	$(BIN)/pip install -q -e .
	touch $@

$(VENV)/.installed-test: pyproject.toml scripts/system-deps.sh | $(VENV)/bin/python
	bash scripts/system-deps.sh --test
	$(BIN)/pip install -q -e '.[test]'
	touch $(VENV)/.installed $@

lint: install-test
	$(BIN)/ruff check src tests benchmarks
