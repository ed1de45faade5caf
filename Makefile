# The front door. `make` lists the targets; each is idempotent and quick the second time.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed

.DEFAULT_GOAL := help
.PHONY: help setup engine images demo test test-fast lint golden bench clean

help:  ## List the targets
	@awk 'BEGIN {FS = ":.*## "} /^[a-z-]+:.*## / {printf "  make %-10s %s\n", $$1, $$2}' $(MAKEFILE_LIST)

$(STAMP): pyproject.toml
	@$(PYTHON) -c 'import sys; assert sys.version_info >= (3, 11), "Python 3.11+ is needed"'
	@test -d $(VENV) || $(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --disable-pip-version-check -e '.[dev]'
	@touch $(STAMP)

setup: $(STAMP)  ## Create the virtualenv and install the project with its dev tools

engine:  ## Make sure Docker (with gVisor), Redis and Chromium are installed and running (needs root to install)
	@bash scripts/engine.sh --redis --gvisor --browser

images: setup engine  ## Build the base and sandbox images that are missing or out of date
	@$(BIN)/grader images

demo: images  ## Grade three sample submissions in real sandboxes and print their reports
	@$(BIN)/grader demo

test: images postgres  ## Run the whole test suite (unit, Docker, attacks, SQLite and PostgreSQL)
	GRADER_TEST_POSTGRES_URL="$$(bash scripts/postgres.sh)" $(BIN)/python -m pytest

test-fast: setup postgres  ## Only the tests that need no Docker engine
	GRADER_TEST_POSTGRES_URL="$$(bash scripts/postgres.sh)" $(BIN)/python -m pytest -m "not docker"

lint: setup  ## ruff and mypy
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy

golden: images  ## Regenerate the golden reports in tests/golden (review the diff!)
	GRADER_REGENERATE_GOLDEN=1 $(BIN)/python -m pytest tests/golden -q

bench: images  ## Time the grader against the physical limit and a naive grader, then the similarity check (BENCH_ARGS="--runs 5")
	$(BIN)/python -m scripts.bench $(BENCH_ARGS)
	$(BIN)/python -m scripts.bench_similarity

.PHONY: postgres soak
postgres:  ## Make sure PostgreSQL runs with the test database; prints its URL (installs as root)
	@bash scripts/postgres.sh

soak: images postgres  ## 200 gradings by two workers while a worker, Redis and Docker die (~10 min); SOAK_ARGS="--mode multihost --submissions 30"
	GRADER_TEST_POSTGRES_URL="$$(bash scripts/postgres.sh)" $(BIN)/python -m scripts.soak $(SOAK_ARGS)

clean:  ## Remove the virtualenv and local data (images stay in Docker)
	rm -rf $(VENV) .grader
