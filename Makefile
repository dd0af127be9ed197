# Two commands do everything on a fresh machine: `make demo` and `make test`.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed-dev
DEMO_DB ?= .demo/marsad.db

.PHONY: demo test lint typecheck pytest install clean system-deps bench-deps

# Debian packages the test suite drives for real: Chromium for the web UI, Noto Arabic fonts,
# PostgreSQL server binaries. Installed only when missing (CI machines start bare).
APT_PACKAGES := chromium chromium-driver fonts-noto-core postgresql

$(PY):
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip

# Re-install only when the package metadata changes.
$(STAMP): pyproject.toml | $(PY)
	$(PY) -m pip install --quiet -e '.[dev]'
	touch $(STAMP)

install: $(STAMP)

DEMO_HOST ?= 127.0.0.1
DEMO_PORT ?= 8000

demo: $(STAMP)
	@mkdir -p $(dir $(DEMO_DB))
	$(VENV)/bin/marsad ingest samples/ --db $(DEMO_DB)
	$(VENV)/bin/marsad digest --db $(DEMO_DB)
	@echo "Serving the sample at http://$(DEMO_HOST):$(DEMO_PORT)/  (Ctrl-C stops)"
	$(VENV)/bin/marsad serve --db $(DEMO_DB) --host $(DEMO_HOST) --port $(DEMO_PORT)

lint: $(STAMP)
	$(VENV)/bin/ruff check src tests bench scripts fuzz
	$(VENV)/bin/lint-imports

typecheck: $(STAMP)
	$(VENV)/bin/mypy

pytest: $(STAMP)
	$(VENV)/bin/pytest -q

system-deps:
	@missing=""; \
	command -v chromium >/dev/null 2>&1 || missing="$$missing chromium chromium-driver"; \
	dpkg -s fonts-noto-core >/dev/null 2>&1 || missing="$$missing fonts-noto-core"; \
	{ command -v initdb >/dev/null 2>&1 || ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1; } || missing="$$missing postgresql"; \
	if [ -n "$$missing" ]; then \
		echo "installing:$$missing"; \
		if [ "$$(id -u)" = 0 ]; then SUDO=""; else SUDO="sudo"; fi; \
		$$SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq $$missing >/dev/null \
			|| echo "warning: could not install$$missing; the tests that need them will skip"; \
	fi

test: system-deps lint typecheck pytest

# The search benchmark's Lucene peer (bench/lucene_peer.py): pyjnius, and Anserini's fat jar
# (Lucene 9.5 with its ArabicAnalyzer) taken from the pyserini 0.22.1 wheel on PyPI. Benchmarks only.
LUCENE_JAR := .cache/lucene/anserini-0.22.1-fatjar.jar
bench-deps: $(STAMP)
	$(PY) -m pip install --quiet -e '.[bench]'
	@if [ ! -f $(LUCENE_JAR) ]; then \
		mkdir -p .cache/lucene/wheel && \
		$(PY) -m pip download --quiet --no-deps pyserini==0.22.1 -d .cache/lucene/wheel && \
		$(PY) -c "import zipfile,glob,shutil; z=zipfile.ZipFile(glob.glob('.cache/lucene/wheel/pyserini-0.22.1-*.whl')[0]); shutil.copyfileobj(z.open('pyserini/resources/jars/anserini-0.22.1-fatjar.jar'), open('$(LUCENE_JAR)','wb'))" && \
		rm -rf .cache/lucene/wheel; \
	fi

clean:
	rm -rf $(VENV) .demo .pytest_cache .mypy_cache .ruff_cache
