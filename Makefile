# The two commands: `make run` and `make test`. Both set everything up themselves.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
DEMO_STAFF ?= csm01
SIZE ?= default

.PHONY: run test lint typecheck pytest demo bench clean

# Each step says what it is doing: the first run installs for a minute or so.
$(BIN)/python:
	@echo "==> Creating the virtual environment in $(VENV) ($(PYTHON))"
	$(PYTHON) -m venv $(VENV)

$(STAMP): pyproject.toml | $(BIN)/python
	@echo "==> Installing csm-tui and its dependencies into $(VENV) (the first time takes a minute or so)"
	$(BIN)/python -m pip install --disable-pip-version-check --progress-bar on -e '.[dev]'
	touch $(STAMP)
	@echo "==> Installed."

## Open the workstation on the demo branch (built in the user data directory on first run).
run: $(STAMP)
	@echo "==> Building the demo branch unless it is already there (the first time takes some seconds)"
	$(BIN)/csm demo --if-missing
	@echo "==> Opening the workstation as $(DEMO_STAFF)"
	$(BIN)/csm --staff $(DEMO_STAFF)

## Lint, type-check and run the whole test suite.
test: lint typecheck pytest

lint: $(STAMP)
	$(BIN)/ruff check --no-cache csm_tui storage screens widgets bench tests
	$(BIN)/ruff format --no-cache --check csm_tui storage screens widgets bench tests

typecheck: $(STAMP)
	$(BIN)/mypy csm_tui storage screens widgets bench

pytest: $(STAMP)
	$(BIN)/pytest -q

demo: $(STAMP)
	$(BIN)/csm demo

## Measure the performance figures on a 60,000-client demo branch (SIZE=large: 300,000), on SQLite and, when its
## binaries are installed, on a throwaway PostgreSQL server; SIZE=xl: a region's 1,000,000 clients and 330 CSMs, on
## PostgreSQL only; see bench/results.json.
bench: $(STAMP)
	$(BIN)/python -m bench --pg $(if $(filter large xl,$(SIZE)),--size $(SIZE),)

clean:
	rm -rf $(VENV) build *.egg-info .mypy_cache .ruff_cache .pytest_cache
