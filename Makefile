# `make build` and `make test` do all set-up on a fresh Debian machine:
# system packages (when missing), the virtual environment, the project.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed
# Fonts (Latin + Persian/Arabic script), PDF tools for tests, a browser for browser tests.
DEB_PACKAGES := fonts-noto-core fonts-dejavu-core poppler-utils chromium

# Checkers the browser tests run over the built sites (tests/test_site_*.py): axe-core in
# Chromium and the Nu HTML checker (a Java program), from the npm registry, pinned.
NODE_DIR      := .node
NODE_PACKAGES := axe-core@4.14.1 vnu-jar@26.9.27
NODE_STAMP    := $(NODE_DIR)/.installed

.PHONY: build test quick docs check lint system clean checkers

build: $(STAMP)
	$(BIN)/dossier build

check: $(STAMP)
	$(BIN)/dossier check

# Every check CI runs (.ci/run is `make test`): lint, formatting and types first (they
# fail fastest), then the manual's strict build, then the whole suite, slow tests too
# (among them the wheel installed into a new virtual environment outside the repository).
test: lint docs checkers
	$(BIN)/python -m pytest -q -n 2

# The quick run while writing code: no PDFs, no pandoc over whole corpora, and pandoc's
# answers kept for the session by their inputs (tests/conftest.py; never in `make test`);
# pytest may keep its rewritten test modules (this machine sets PYTHONDONTWRITEBYTECODE).
quick: $(STAMP)
	PYTHONDONTWRITEBYTECODE= DOSSIER_TEST_PANDOC_MEMO=1 $(BIN)/python -m pytest -q -n 2 -m "not slow"

# The manual is a dossier project; warnings fail it.
docs: $(STAMP)
	$(BIN)/dossier build -C docs --strict -q

lint: $(STAMP)
	$(BIN)/ruff check dossier tests bench
	$(BIN)/ruff format --check dossier tests bench
	$(BIN)/mypy dossier

system:
	@missing=""; for p in $(DEB_PACKAGES); do \
	  dpkg -s $$p >/dev/null 2>&1 || missing="$$missing $$p"; done; \
	if [ -n "$$missing" ]; then \
	  echo "installing Debian packages:$$missing"; \
	  SUDO=""; [ "$$(id -u)" = 0 ] || SUDO=sudo; \
	  $$SUDO apt-get update -qq && \
	  DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq --no-install-recommends $$missing; \
	fi

$(STAMP): pyproject.toml
	@$(MAKE) --no-print-directory system
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade pip
	$(BIN)/python -m pip install -q -e '.[dev]'
	@# bytecode, as a regular install has (an editable one does not)
	$(BIN)/python -m compileall -q dossier
	touch $(STAMP)

checkers: $(NODE_STAMP)

$(NODE_STAMP): Makefile
	npm install --silent --no-save --no-package-lock --no-audit --no-fund --ignore-scripts \
	  --prefix $(NODE_DIR) $(NODE_PACKAGES)
	touch $(NODE_STAMP)

clean:
	rm -rf build $(VENV) $(NODE_DIR) .pytest_cache .mypy_cache .ruff_cache
