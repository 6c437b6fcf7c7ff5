PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-dev

.PHONY: test lint pytest demo bench clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

$(STAMP): pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	touch $(STAMP)

# The demo needs the package only, without the dev extras.
DEMO_STAMP := $(VENV)/.installed
# `make demo ENGINE=duckdb` builds the same shop in a DuckDB file (installs dqcheck[duckdb]).
ENGINE ?= sqlite
DEMO_DB := .dqcheck/demo.$(if $(filter duckdb,$(ENGINE)),duckdb,db)
DEMO_URL := $(ENGINE):///$(DEMO_DB)
DEMO_JSON := .dqcheck/demo.json

$(DEMO_STAMP): pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e .
	touch $(DEMO_STAMP)

# Build a small shop database with deliberate defects, then check it with the suites in
# checks/. dqcheck exits 1 because of those defects. Any other exit code, or an exit 1 without
# a written report (a crash also exits 1), fails the demo.
demo: $(DEMO_STAMP)
	@test "$(ENGINE)" = sqlite || test "$(ENGINE)" = duckdb \
		|| { echo "make demo: ENGINE is sqlite or duckdb, not $(ENGINE)" >&2; exit 2; }
	@test "$(ENGINE)" = sqlite || $(BIN)/python -c "import duckdb_engine" 2>/dev/null \
		|| $(BIN)/python -m pip install --quiet -e '.[duckdb]'
	$(BIN)/python demo/make_demo_db.py --engine $(ENGINE) --output $(DEMO_DB)
	@rm -f $(DEMO_JSON)
	@echo "$(BIN)/dqcheck run checks/ --url $(DEMO_URL) --json $(DEMO_JSON)"
	@code=0; \
	$(BIN)/dqcheck run checks/ --url $(DEMO_URL) --json $(DEMO_JSON) --explain-exit \
		|| code=$$?; \
	if [ $$code -eq 1 ] && [ -s $(DEMO_JSON) ]; then \
		echo "That is the expected result: the demo data has deliberate defects (the FAIL rows)," \
			"so a pipeline task running this command would fail and stop bad data."; \
	elif [ $$code -eq 1 ]; then \
		echo "make demo: dqcheck exited 1 without writing $(DEMO_JSON):" \
			"it crashed; see the messages above." >&2; \
		exit 1; \
	else \
		echo "make demo: dqcheck exited $$code, but the demo expects 1" \
			"(its deliberate failures); see the messages above." >&2; \
		exit 1; \
	fi

lint: $(STAMP)
	$(BIN)/ruff check dqcheck tests tests_airflow demo bench examples
	$(BIN)/ruff format --check dqcheck tests tests_airflow demo bench examples
	$(BIN)/mypy
	$(BIN)/lint-imports

pytest: $(STAMP)
	$(BIN)/python -m pytest

test: lint pytest

clean:
	rm -rf $(VENV) $(AIRFLOW_VENV) .dqcheck .pytest_cache .mypy_cache .ruff_cache

# Not a test: the scale curve (BENCH_ROWS, default 1M,5M,20M rows) of dqcheck's two plans against
# the one-SELECT floor and the naive way, on a throwaway PostgreSQL (bench/RESULTS.md).
# bench/run.py is the detailed single-size report (start-up, --jobs, diagnostics).
BENCH_ROWS ?= 1000000,5000000,20000000
bench: $(STAMP)
	BENCH_ROWS=$(BENCH_ROWS) $(BIN)/python bench/curve.py $(BENCH_ARGS)

# Airflow 3 in its own venv (dqcheck[airflow]), never in .venv: real `airflow dags test` runs of
# the operators and of the BashOperator path (.venv's dqcheck by absolute path) against a
# throwaway PostgreSQL, each in a fresh AIRFLOW_HOME with a SQLite metastore (tests_airflow/).
AIRFLOW_VENV := .venv-airflow
AIRFLOW_STAMP := $(AIRFLOW_VENV)/.installed-airflow

$(AIRFLOW_STAMP): pyproject.toml
	test -x $(AIRFLOW_VENV)/bin/python || $(PYTHON) -m venv $(AIRFLOW_VENV)
	$(AIRFLOW_VENV)/bin/python -m pip install --quiet --upgrade pip
	$(AIRFLOW_VENV)/bin/python -m pip install --quiet -e '.[airflow]' pytest psycopg2-binary
	touch $(AIRFLOW_STAMP)

.PHONY: test-airflow
test-airflow: $(STAMP) $(AIRFLOW_STAMP)
	$(AIRFLOW_VENV)/bin/python -m pytest tests_airflow -p no:cacheprovider
