# The two commands of the README: `make report` and `make test`.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed
PERIOD ?= 2023-01-01:2023-10-30
DB     ?= data/tthc.duckdb
SAMPLE := data/sample

.PHONY: report test test-fast sysdeps env lab sample bench fuzz clean

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade pip
	$(BIN)/python -m pip install -q -e '.[test]'
	touch $(STAMP)

env: $(STAMP)

# Debian packages the PDF and the browser tests need (Chromium, Vietnamese-complete fonts,
# poppler). Installed only when missing and when we may (root with apt-get).
sysdeps:
	@if ! command -v chromium >/dev/null || ! command -v pdftoppm >/dev/null || ! fc-list | grep -qi "Liberation Serif"; then \
	  if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null; then \
	    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq \
	      chromium fonts-liberation2 fonts-croscore poppler-utils >/dev/null; \
	  else echo "Cài đặt: chromium fonts-liberation2 fonts-croscore poppler-utils (apt-get)"; exit 1; fi; \
	fi

$(SAMPLE)/.done: $(STAMP)
	$(BIN)/tthc sample --out $(SAMPLE)
	touch $@

sample: $(SAMPLE)/.done

report: sysdeps $(STAMP) $(SAMPLE)/.done
	$(BIN)/tthc --db $(DB) ingest $(SAMPLE)/*.csv $(SAMPLE)/*.xlsx
	$(BIN)/tthc --db $(DB) report --period $(PERIOD) --unit all --to html,pdf --jobs 2

test: sysdeps $(STAMP)
	$(BIN)/python -m pytest -q

# The unit loop while coding: everything but the integration tests (conftest), under a minute.
test-fast: $(STAMP)
	$(BIN)/python -m pytest -q -m "not integration"

lab: $(STAMP)
	$(BIN)/python -m ipykernel install --sys-prefix --name tthc --display-name "tthc-report"
	cd notebooks && ../$(BIN)/jupyter lab

bench: $(STAMP)
	$(BIN)/python benchmarks/run_all.py

# Longer fuzzing of ingest than `make test` runs: random tables, bytes and dates, unbalanced
# quotes, huge fields, multi-sheet and cut-short workbooks; rows with missing and extra cells
# among personal values, control characters, pattern characters in names (issue 20). The
# count of examples of each of the 10 tests.
FUZZ_EXAMPLES ?= 55
fuzz: $(STAMP)
	TTHC_FUZZ_EXAMPLES=$(FUZZ_EXAMPLES) $(BIN)/python -m pytest -q -p no:cacheprovider --hypothesis-show-statistics tests/ingest/test_fuzz_ingest.py tests/ingest/test_fuzz_files.py tests/ingest/test_fuzz_hostile.py

clean:
	rm -rf data/sample data/tthc.duckdb outputs/*
