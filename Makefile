# Quick start: `make run` starts the sandbox on http://127.0.0.1:8000, `make test` runs
# every check. Both create .venv and install what they need on first use.

PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed
IMAGE  ?= mockserver:dev
PORT   ?= 8000
# The official Moneyhub npm client for tests/moneyhub/test_official_client.py, installed from
# package-lock.json; without npm the test skips and says so.
NODE_DIR   := tests/node/moneyhub
NODE_STAMP := $(NODE_DIR)/node_modules/.installed
NPM        := $(shell command -v npm 2>/dev/null)

.PHONY: run test node-deps lint typecheck pytest bench docker-build docker-run clean

$(STAMP): pyproject.toml
	@$(PYTHON) -c 'import sys; sys.exit(sys.version_info < (3, 11))' || \
		{ echo "Python 3.11 or newer is needed (set PYTHON=python3.x)"; exit 1; }
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	@touch $(STAMP)

run: $(STAMP)
	$(BIN)/mockserver serve --port $(PORT)

test: node-deps lint typecheck pytest

ifneq ($(NPM),)
node-deps: $(NODE_STAMP)
else
node-deps:
	@echo "npm not found: not installing $(NODE_DIR) (apt-get install nodejs npm);" \
		"the official Moneyhub client test will skip"
endif

$(NODE_STAMP): $(NODE_DIR)/package.json $(NODE_DIR)/package-lock.json
	cd $(NODE_DIR) && npm ci --no-audit --no-fund
	@touch $@

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/hadolint Dockerfile

typecheck: $(STAMP)
	$(BIN)/mypy

pytest: $(STAMP)
	$(BIN)/pytest

bench: $(STAMP)
	$(BIN)/python bench/bench_server.py

docker-build:
	docker build -t $(IMAGE) .

docker-run:
	docker run --rm -p $(PORT):8000 $(IMAGE)

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache
