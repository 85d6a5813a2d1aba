# Two commands: `make run` and `make test`. Everything else is a helper they use.
PY ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
DEV_STAMP := $(VENV)/.installed-dev
# pytest-xdist workers for `make test`: the machines here have two cores.
WORKERS ?= 2
# Where `make run` serves: `make run PORT=8001` when 8000 is taken.
HOST ?= 127.0.0.1
PORT ?= 8000

.PHONY: run test lint typecheck check messages clean

$(BIN)/python:
	$(PY) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip

$(STAMP): $(BIN)/python pyproject.toml
	$(BIN)/pip install --quiet -e .
	touch $@

$(DEV_STAMP): $(STAMP)
	$(BIN)/pip install --quiet -e '.[dev]'
	touch $@

# The demo's messages link to the public pages where this run serves them (as `tousu serve`
# makes TOUSU_PUBLIC_URL when it is not set), not to the default port.
SERVED_NAME := $(if $(filter 0.0.0.0 ::,$(HOST)),localhost,$(HOST))

run: $(STAMP)
	$(BIN)/tousu init
	TOUSU_PUBLIC_URL="$${TOUSU_PUBLIC_URL:-http://$(SERVED_NAME):$(PORT)}" $(BIN)/tousu demo --if-empty
	$(BIN)/tousu serve --host $(HOST) --port $(PORT)

test: $(DEV_STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy tousu
	$(BIN)/lint-imports --no-cache
	$(BIN)/tousu makemigrations --check --dry-run
	$(BIN)/python -m pytest -n $(WORKERS) $(PYTEST_ARGS)

lint: $(DEV_STAMP)
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

messages: $(DEV_STAMP)
	$(BIN)/python -m tousu.core.i18n_compile

clean:
	rm -rf $(VENV) build *.egg-info
