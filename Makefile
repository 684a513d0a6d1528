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

.PHONY: run demo test node-deps lint typecheck pytest bench soak docker-build docker-run clean

$(STAMP): pyproject.toml
	@$(PYTHON) -c 'import sys; sys.exit(sys.version_info < (3, 11))' || \
		{ echo "Python 3.11 or newer is needed (set PYTHON=python3.x)"; exit 1; }
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	@touch $(STAMP)

run: $(STAMP)
	$(BIN)/mockserver serve --port $(PORT)

# The server in demo mode: its default namespace filled with a story for the dashboard.
demo: $(STAMP)
	$(BIN)/mockserver serve --port $(PORT) --demo true

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

# Two pytest workers (pytest-xdist): the suite takes about 5.5 minutes on 2 cores instead of
# 8.5 in one process. PYTEST_WORKERS=0 runs it in one process (it passes both ways).
PYTEST_WORKERS ?= 2
pytest: $(STAMP)
	$(BIN)/pytest -n $(PYTEST_WORKERS)

# Every benchmark, one dated markdown section (bench/RESULTS.md says what each measures);
# BENCH_OUTPUT=file also writes it there. Prism, for the side-by-side row, comes from npm.
BENCH_NODE_DIR   := bench/node
BENCH_NODE_STAMP := $(BENCH_NODE_DIR)/node_modules/.installed
.PHONY: bench-node-deps

bench: $(STAMP) bench-node-deps
	$(BIN)/python bench/run_all.py $(if $(BENCH_OUTPUT),--output $(BENCH_OUTPUT))

ifneq ($(NPM),)
bench-node-deps: $(BENCH_NODE_STAMP)
else
bench-node-deps:
	@echo "npm not found: not installing Prism in $(BENCH_NODE_DIR); its benchmark column is skipped"
endif

# No install scripts: Prism needs none (one dependency's would only send usage telemetry).
$(BENCH_NODE_STAMP): $(BENCH_NODE_DIR)/package.json $(BENCH_NODE_DIR)/package-lock.json
	cd $(BENCH_NODE_DIR) && npm ci --no-audit --no-fund --ignore-scripts
	@touch $@

# Ten minutes of mixed traffic against a server of its own, memory measured (not in `test`).
soak: $(STAMP)
	$(BIN)/python bench/soak.py

docker-build:
	docker build -t $(IMAGE) .

docker-run:
	docker run --rm -p $(PORT):8000 $(IMAGE)

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache
