# Every target sets itself up: a fresh clone needs nothing but python3 >= 3.11.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-stamp
BENCH_STAMP := $(VENV)/.bench-stamp
PYTEST_ARGS ?=

.PHONY: install lint format test demo bench soak clean

$(STAMP): pyproject.toml
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check --upgrade pip
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -e '.[dev,cli]'
	@touch $(STAMP)

$(BENCH_STAMP): $(STAMP)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -e '.[dev,cli,bench]'
	@touch $(BENCH_STAMP)

install: $(STAMP)

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy --strict heygen_async

format: $(STAMP)
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

test: lint
	$(BIN)/python -m pytest -n 2 $(PYTEST_ARGS)

demo: $(STAMP)
	$(BIN)/python -m heygen_async._demo

# Every figure of benchmarks/README.md, measured in one run; writes benchmarks/results/.
bench: $(BENCH_STAMP)
	$(BIN)/python -m benchmarks $(BENCH_ARGS)

# The full chaos batch, repeated kill -9 and 10x the fuzzing (make test runs each smaller).
soak: $(STAMP)
	HEYGEN_SOAK=1 $(BIN)/python -m pytest --timeout 1800 -s tests/reliability/test_chaos.py tests/reliability/test_crash.py tests/reliability/test_fuzz.py $(PYTEST_ARGS)

clean:
	rm -rf $(VENV) demo-out .mypy_cache .ruff_cache .pytest_cache
