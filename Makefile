# Two commands do everything on a fresh machine: `make demo` and `make test`.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed-dev
DEMO_DB ?= .demo/marsad.db

.PHONY: demo test lint typecheck pytest install clean system-deps

$(PY):
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip

# Re-install only when the package metadata changes.
$(STAMP): pyproject.toml | $(PY)
	$(PY) -m pip install --quiet -e '.[dev]'
	touch $(STAMP)

install: $(STAMP)

demo: $(STAMP)
	@mkdir -p $(dir $(DEMO_DB))
	$(VENV)/bin/marsad ingest samples/ --db $(DEMO_DB)
	$(VENV)/bin/marsad digest --db $(DEMO_DB)

lint: $(STAMP)
	$(VENV)/bin/ruff check src tests bench scripts

typecheck: $(STAMP)
	$(VENV)/bin/mypy

pytest: $(STAMP)
	$(VENV)/bin/pytest -q

test: lint typecheck pytest

clean:
	rm -rf $(VENV) .demo .pytest_cache .mypy_cache .ruff_cache
