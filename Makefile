# The two commands of the README:
#   make demo   set up a virtual environment and run the main job on the built-in default tables
#   make test   set up a virtual environment and run the test suite
#   make test-fast  the test suite without the tests marked slow (about 20 s or more each)
#   make check  static checks: ruff, mypy, the import layers (lint-imports)
#   make wheel  build dist/nbx11_data-VERSION-py3-none-any.whl (code, tables and checkpoints in one file)
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: demo test test-fast check wheel bench clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e ".[dev]"
	# Syne Tune for its integration test, without the 700 MB (xgboost, NCCL) it pulls in and never uses here
	$(BIN)/python -m pip install --quiet --no-deps "syne-tune==0.16.0"
	$(BIN)/python -m pip install --quiet dill statsmodels huggingface_hub
	touch $(STAMP)

demo: $(STAMP)
	$(BIN)/nbx11 demo

test: $(STAMP)
	$(BIN)/python -m pytest -n auto -q

test-fast: $(STAMP)
	$(BIN)/python -m pytest -n auto -q -m "not slow"

# mypy and lint-imports read the package laid out as installed, in build/package/: readers/ and builder/ are
# nbx11_data.readers and nbx11_data.builder there (pyproject's package-dir), which neither tool finds through
# the editable install. Real folders with a link per file (cp -as): grimp does not walk linked folders.
check: $(STAMP)
	$(BIN)/ruff check .
	rm -rf build/package && mkdir -p build/package
	cp -as $(CURDIR)/nbx11_data build/package/nbx11_data
	cp -as $(CURDIR)/readers build/package/nbx11_data/readers
	cp -as $(CURDIR)/builder build/package/nbx11_data/builder
	$(BIN)/mypy
	cd build/package && $(abspath $(BIN))/lint-imports --no-cache $(CURDIR)/pyproject.toml

wheel: $(STAMP)
	$(BIN)/python -m pip wheel --quiet --no-deps --no-build-isolation -w dist .

bench: $(STAMP)
	$(BIN)/python -m pip install --quiet -e ".[dev,bench]"
	for script in benchmarks/bench_*.py; do $(BIN)/python $$script || exit 1; done

clean:
	rm -rf $(VENV) .pytest_cache .hypothesis .mypy_cache build dist
