# The two commands of the README: `make run` and `make test`. Each sets up .venv first.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed-stamp
OUT    ?= out
DAY    ?= 2026-12-07

.PHONY: run test lint unit setup clean

setup: $(STAMP)

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade pip 2>/dev/null || true
	$(BIN)/python -m pip install -q -e '.[test,dev]'
	$(BIN)/python -c 'from planner.roster.labelling import ready; ready()'  # numba's cache
	touch $(STAMP)

run: $(STAMP)
	$(BIN)/planner scenario check scenarios/baotun
	$(BIN)/planner roster --scenario scenarios/baotun --week 2026-12-07 --seed 1 --time-limit 60 --out $(OUT)/rota
	$(BIN)/planner check --scenario scenarios/baotun --rota $(OUT)/rota/rota.csv
	$(BIN)/planner routes --scenario scenarios/baotun --date $(DAY) --rota $(OUT)/rota/rota.csv --seed 1 --out $(OUT)/routes
	$(BIN)/planner check --scenario scenarios/baotun --routes $(OUT)/routes/routes.csv --rota $(OUT)/rota/rota.csv

lint: $(STAMP)
	$(BIN)/ruff check planner tests benchmarks
	$(BIN)/ruff format --check planner tests benchmarks
	$(BIN)/mypy

unit: $(STAMP)
	$(BIN)/pytest -q

test: lint unit

clean:
	rm -rf $(VENV) $(OUT) .pytest_cache .mypy_cache .ruff_cache
