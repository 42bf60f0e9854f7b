# goaltrack developer tasks (GNU make).
#
#   make demo    create .venv if missing, install goaltrack + first-party plugins, run the demo
#   make test    the same install, then ruff, mypy and pytest
#
# Installing is idempotent: it re-runs only when a pyproject.toml changed (stamp file
# $(STAMP)), so a second `make test` goes straight to the checks. Delete the stamp (or
# run `make reinstall`) to force it.

SHELL := /bin/bash
.SHELLFLAGS := -eu -o pipefail -c
.DEFAULT_GOAL := help
.NOTPARALLEL:

PYTHON ?= python3
VENV ?= .venv
PY ?= $(VENV)/bin/python
PIP_FLAGS ?= -q --disable-pip-version-check
PYTEST_ARGS ?=
DEMO_OUT ?= demo-output

STAMP := $(VENV)/.installed
PLUGIN_PYPROJECTS := $(sort $(wildcard plugins/*/pyproject.toml))
PLUGIN_DIRS := $(patsubst %/pyproject.toml,%,$(PLUGIN_PYPROJECTS))
LINT_DIRS := $(wildcard src tests plugins benchmarks) examples

.PHONY: help venv install reinstall demo serve test lint ruff mypy pytest bench bench-web clean distclean

help: ## Show this help
	@echo "goaltrack make targets:"
	@grep -E '^[a-z][a-z-]*:.*## ' $(MAKEFILE_LIST) | sort \
	  | awk 'BEGIN {FS = ":.*## "}; {printf "  make %-10s %s\n", $$1, $$2}'

$(PY):
	$(PYTHON) -m venv $(VENV)

venv: $(PY) ## Create .venv if it is missing

$(STAMP): pyproject.toml $(PLUGIN_PYPROJECTS) | $(PY)
	$(PY) -m pip install $(PIP_FLAGS) -e '.[dev]' $(foreach d,$(PLUGIN_DIRS),-e $(d))
	@touch $@

install: $(STAMP) ## Install goaltrack[dev] and plugins/*/ into .venv (only when needed)

reinstall: ## Force a re-install into .venv
	rm -f $(STAMP)
	$(MAKE) install

demo: install ## Load the bundled plan and write the demo into demo-output/
	$(VENV)/bin/goaltrack demo --out $(DEMO_OUT)

serve: install ## Run the web application on the demo database (after make demo)
	@test -f $(DEMO_OUT)/goaltrack.db || { echo "no $(DEMO_OUT)/goaltrack.db: run make demo first" >&2; exit 2; }
	$(VENV)/bin/goaltrack --db $(DEMO_OUT)/goaltrack.db serve

lint: ruff mypy ## ruff + mypy

ruff: install ## ruff check on src, tests, plugins, benchmarks, examples
	$(VENV)/bin/ruff check $(LINT_DIRS)

mypy: install ## mypy (settings in pyproject.toml)
	$(VENV)/bin/mypy

pytest: install ## pytest only (PYTEST_ARGS='-k name -x' to narrow)
	$(PY) -m pytest -q $(PYTEST_ARGS)

test: lint pytest ## ruff, mypy, then the whole test suite

bench: install ## Benchmarks (benchmarks/run.py); not part of make test
	$(PY) benchmarks/run.py

bench-web: install ## Only the web load benchmark (benchmarks/web_load.py via run.py --only web)
	$(PY) benchmarks/run.py --only web

clean: ## Remove demo output and caches (keeps .venv)
	rm -rf $(DEMO_OUT) .pytest_cache .mypy_cache .ruff_cache build dist
	find . -path ./$(VENV) -prune -o -type d \( -name __pycache__ -o -name '*.egg-info' \) \
	  -prune -exec rm -rf {} +

distclean: clean ## clean, and remove .venv too
	rm -rf $(VENV)
