# The same targets CI and the README use. Everything runs from the project's .venv.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
PORT ?= 8000

.PHONY: install check test demo bench bench-smoke clean

$(BIN)/runplane: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip
	$(BIN)/pip install -q -e '.[dev]'
	touch $@

install: $(BIN)/runplane

check: install
	$(BIN)/ruff check src tests bench
	$(BIN)/ruff format --check src tests bench
	$(BIN)/mypy

# Test processes; most of the suite's time is waiting on real servers, so one per core.
TEST_WORKERS ?= 2

test: check
	$(BIN)/pytest -n $(TEST_WORKERS) --dist loadgroup

demo: install
	$(BIN)/runplane demo --port $(PORT)

# Every benchmark at full size; figures merged into bench/out/results.json.
bench: install
	$(BIN)/python bench/run_all.py

# Small sizes in a few minutes; fails only on a figure worse than 3x its target (CI runs it).
bench-smoke: install
	$(BIN)/python bench/run_all.py --smoke

clean:
	rm -rf $(VENV) .runplane test-output
