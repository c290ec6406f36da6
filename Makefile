# carrierdesk — `make run` serves the app, `make test` runs every test.
# Needs only Python 3.11+, Node/npm and make: everything else is installed here.
PYTHON ?= $(shell for p in python3.13 python3.12 python3.11 python3; do command -v $$p >/dev/null 2>&1 && $$p -c 'import sys; sys.exit(sys.version_info < (3, 11))' 2>/dev/null && { echo $$p; break; }; done)
UV_VERSION := 0.13.9
TOOLS := .tools
UV := $(TOOLS)/bin/uv
VENV := .venv
BIN := $(VENV)/bin
VENDOR := src/carrierdesk/web/static/vendor
export UV_PROJECT_ENVIRONMENT := $(abspath $(VENV))
PYTEST_ARGS ?=

.PHONY: install run test lint bench clean test-tools screenshots

install: $(VENV)/.synced $(VENDOR)/.copied

$(UV):
	@test -n "$(PYTHON)" || { echo "Python 3.11 or newer is needed (python3 --version)"; exit 1; }
	$(PYTHON) -m venv $(TOOLS)
	$(TOOLS)/bin/pip install --quiet --disable-pip-version-check uv==$(UV_VERSION)

$(VENV)/.synced: $(UV) pyproject.toml uv.lock
	$(UV) sync --frozen --python $(PYTHON)
	@touch $@

node_modules/.package-lock.json: package.json package-lock.json
	npm ci --no-audit --no-fund

$(VENDOR)/.copied: node_modules/.package-lock.json scripts/copy-vendor.sh
	sh scripts/copy-vendor.sh $(VENDOR)
	@touch $@

run: install
	$(BIN)/carrierdesk migrate
	$(BIN)/carrierdesk demo --if-empty
	$(BIN)/carrierdesk serve --host 127.0.0.1 --port 8000

test-tools:
	@sh scripts/ensure-test-tools.sh

lint: install
	$(BIN)/ruff format --check src tests bench migrations scripts
	$(BIN)/ruff check src tests bench migrations scripts
	$(BIN)/mypy

test: install test-tools lint
	$(BIN)/pytest -n 2 --dist loadgroup --durations=30 $(PYTEST_ARGS)

# `make bench` runs every benchmark; `make bench load` (or any part of a name) runs those only.
ifeq (bench,$(firstword $(MAKECMDGOALS)))
BENCH_NAMES := $(wordlist 2,$(words $(MAKECMDGOALS)),$(MAKECMDGOALS))
$(eval $(BENCH_NAMES):;@:)
endif

bench: install
	$(BIN)/python -m bench $(BENCH_NAMES) $(BENCH_ARGS)

# The operator guide's pictures (docs/images/*.png), taken with Chromium on a fresh demo.
screenshots: install test-tools
	$(BIN)/python scripts/screenshots.py

clean:
	rm -rf $(VENV) $(TOOLS) node_modules $(VENDOR) var .pytest_cache .mypy_cache .ruff_cache
