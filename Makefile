# Digest: the commands a newcomer needs. Each works on a fresh machine with Python 3.11+ and make.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
PORT ?= 8000

.PHONY: build serve test golden clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)

# Reinstall only when the project's metadata changes.
$(STAMP): pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet --disable-pip-version-check --upgrade pip
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -e '.[test,fast]'
	touch $(STAMP)

build: $(STAMP)
	$(BIN)/digest build

# Builds for http://127.0.0.1:$(PORT)/ and serves output/ there; rebuilds on every save and
# reloads the open pages (README: Previewing). Ctrl-C stops it.
serve: $(STAMP)
	$(BIN)/digest serve --port $(PORT)

test: $(STAMP)
	$(BIN)/python -m pytest

# Rebuilds the expected output trees in tests/golden/ after an intended change to the output;
# commit them with the change (README: Development).
golden: $(STAMP)
	$(BIN)/python tests/golden/regenerate.py

clean:
	rm -rf output .digest-cache .pytest_cache
	find . -name __pycache__ -type d -not -path './$(VENV)/*' -prune -exec rm -rf {} +
