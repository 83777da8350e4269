# Two commands on a fresh machine: `make site` and `make test`.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: site test test-fast check lint bench golden system-deps clean screenshots

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	PYTHONWARNINGS=ignore $(BIN)/python -m pip install --quiet -e '.[test]'
	touch $(STAMP)

site: $(STAMP)
	$(BIN)/paperpress check
	$(BIN)/paperpress build

check: $(STAMP)
	$(BIN)/paperpress check

lint: $(STAMP)
	$(BIN)/ruff check generator tests bench

# Chromium, a Java runtime and a font for the browser and HTML-validator tests
# (Debian packages; the same recipe as CI's).
system-deps:
	@bash .ci/system-packages

test: $(STAMP) system-deps
	$(BIN)/ruff check generator tests
	$(BIN)/python -m pytest -q

# Everything but the slow tests (browser, HTML validator, virtualenvs, server and
# fault-injection subprocesses, see tests/conftest.py): no system packages needed,
# on both cores, well under 30 seconds.
test-fast: $(STAMP)
	$(BIN)/python -m pytest -q -m "not slow" -n 2

# The README's pictures: the browser test photographs the home page and a
# paper page, 390 and 1280 pixels wide, light and dark; keep those eight under
# docs/screenshots/.
screenshots: $(STAMP) system-deps
	rm -rf test-artifacts/screenshots/readme
	$(BIN)/pytest -q tests/test_browser.py -k readme_screenshots
	mkdir -p docs/screenshots
	cp test-artifacts/screenshots/readme/*.png docs/screenshots/

# The benchmark (bench/README.md): paperpress, Pelican and Hugo on synthetic archives.
# `make bench SIZES=100000 REPEAT=1` for the large one; Pelican and Hugo are skipped above
# 10,000 papers.
SIZES ?= 2000 10000
REPEAT ?= 3
bench: $(STAMP)
	@$(BIN)/python -c "import pelican, markdown" 2>/dev/null || \
		$(BIN)/python -m pip install --quiet -e '.[test,bench]'
	@if ! command -v hugo >/dev/null || [ ! -x /usr/bin/time ]; then \
		SUDO=$$( [ "$$(id -u)" = 0 ] || echo sudo ); \
		$$SUDO apt-get update -qq && \
		$$SUDO env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq hugo time; \
	fi
	$(BIN)/python -m bench.run --sizes $(SIZES) --repeat $(REPEAT)

# The identity manifest (tests/test_bench_identity.py): every output file's sha256 for a
# 300-paper bench archive. Rewrite it when a change is meant to change the output.
golden: $(STAMP)
	$(BIN)/python -m bench.identity --write

clean:
	rm -rf site .paperpress-cache test-artifacts
