# brkdoc: every target sets up what it needs. `make help` lists them.
SHELL := /bin/bash
.SHELLFLAGS := -eu -o pipefail -c
.DEFAULT_GOAL := help

PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
# System tools the tests run. `scripts/ensure-system-packages` installs them with apt when it can.
# Material prints a banner about MkDocs 2.0 on every build; we pin mkdocs<2 (see pyproject.toml).
export NO_MKDOCS_2_WARNING := 1

SYSTEM_PACKAGES ?= strace gcc make libc6-dev musl-tools libjemalloc2 libtcmalloc-minimal4 libmimalloc2.0 chromium nodejs npm

.PHONY: help install check-workflows system-packages glibcs glibc-lock serve build test test-docs test-unit lint typecheck update-examples regen-outputs lock clean

help: ## Show this help
	@awk 'BEGIN {FS = ":.*## "} /^[a-zA-Z_-]+:.*## / {printf "  \033[36m%-16s\033[0m %s\n", $$1, $$2}' $(MAKEFILE_LIST) \
	  | { if [ -t 1 ]; then cat; else sed 's/\x1b\[[0-9;]*m//g'; fi; }

$(STAMP): requirements.lock pyproject.toml
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check --upgrade "pip>=24"
	$(BIN)/python -m pip install --quiet --disable-pip-version-check --require-hashes --no-deps -r requirements.lock
	$(BIN)/python -m pip install --quiet --disable-pip-version-check --no-deps --no-build-isolation -e .
	@touch $@

node_modules/.installed: package.json package-lock.json
	npm ci --ignore-scripts --no-audit --no-fund --loglevel=error
	@touch $@

install: $(STAMP) ## Create .venv from the committed lock (requirements.lock)

system-packages: ## Install the system packages the tests need (apt, as root), or name what is missing
	@scripts/ensure-system-packages $(SYSTEM_PACKAGES)

glibcs: install ## Fetch the locked glibc builds (2.31, 2.41, 2.43, 2.44) into the cache; no network when cached
	$(BIN)/python -m brkdoc.native.glibc_fetch fetch

glibc-lock: install ## Lock the libc6 builds the Debian registry serves now (src/brkdoc/native/glibc.lock)
	$(BIN)/python -m brkdoc.native.glibc_fetch lock

serve: install glibcs node_modules/.installed ## Build and serve the site on http://127.0.0.1:8000 with live reload
	BRKDOC_SITE_URL=http://127.0.0.1:8000/ $(BIN)/mkdocs serve --dev-addr 127.0.0.1:8000 --livereload

build: install glibcs node_modules/.installed ## Strict static build into site/ (copies Pyodide in from node_modules)
	$(BIN)/mkdocs build --strict --clean

test: install system-packages node_modules/.installed glibcs ## Run everything: docs blocks, unit tests, lint and type checks
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy
	@# Demos run in fresh interpreters; without cached bytecode each one compiles brkdoc first,
	@# and the compiler's large frees move glibc's dynamic thresholds before the demo starts.
	@# A wheel install has .pyc files already; an editable checkout gets them here.
	$(BIN)/python -m compileall -q src/brkdoc
	$(BIN)/pytest

check-workflows: install node_modules/.installed ## zizmor and actionlint over .github/workflows
	scripts/check-workflows

lint: install ## ruff lint and format check only
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

typecheck: install ## mypy --strict only
	$(BIN)/mypy

update-examples: install system-packages ## Rewrite `#>` print output in docs and regenerate examples/ expected output
	$(BIN)/pytest tests/test_docs_examples.py --update-examples -q
	$(BIN)/python -m brkdoc.doccheck.regen examples

lock: ## Re-resolve requirements.lock from pyproject.toml (needs uv)
	uv pip compile pyproject.toml --extra dev --universal --python-version 3.11 --generate-hashes -o requirements.lock

clean: ## Remove the virtual environment, the built site and caches
	rm -rf $(VENV) site .cache .pytest_cache .mypy_cache .ruff_cache
