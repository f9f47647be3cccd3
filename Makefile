# Two commands on a fresh machine with Python 3.11: `make run` and `make test`.
PYTHON ?= python3.11
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed

.PHONY: run test bench lint typecheck setup clean serve demo

$(STAMP): pyproject.toml
	@command -v $(PYTHON) >/dev/null 2>&1 || { echo "need $(PYTHON) (set PYTHON=...)"; exit 1; }
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[dev]'
	@touch $(STAMP)

setup: $(STAMP)

## The main job: start the service on SQLite with the sample data (prints URL and key).
run: $(STAMP)
	$(BIN)/wfm serve --init

demo: $(STAMP)
	$(BIN)/wfm demo

## The test suite (unit, integration, end-to-end; benchmarks apart).
test: $(STAMP)
	$(BIN)/python -m pytest -q -n 2 -p no:cacheprovider

lint: $(STAMP)
	$(BIN)/ruff check optimizer service tests bench
	$(BIN)/ruff format --check optimizer service tests bench
	$(BIN)/mypy

typecheck: $(STAMP)
	$(BIN)/mypy

## Benchmarks: a table per engine, never part of `make test`.
bench: $(STAMP)
	$(BIN)/python -m bench.run

clean:
	rm -rf $(VENV) var .pytest_cache .mypy_cache .ruff_cache
