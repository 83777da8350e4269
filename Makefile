# Two commands on a fresh machine: `make site` and `make test`.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: site test check lint bench system-deps clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[test]'
	touch $(STAMP)

site: $(STAMP)
	$(BIN)/paperpress check
	$(BIN)/paperpress build

check: $(STAMP)
	$(BIN)/paperpress check

lint: $(STAMP)
	$(BIN)/ruff check generator tests bench

# Chromium and a Java runtime for the browser and HTML-validator tests (Debian packages).
system-deps:
	@if [ ! -x /usr/bin/chromium ] || ! command -v java >/dev/null; then \
		SUDO=$$( [ "$$(id -u)" = 0 ] || echo sudo ); \
		$$SUDO apt-get update -qq && \
		$$SUDO env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium default-jre-headless; \
	fi

test: $(STAMP) system-deps
	$(BIN)/ruff check generator tests
	$(BIN)/python -m pytest -q

clean:
	rm -rf site .paperpress-cache test-artifacts
