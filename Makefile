# The two commands: `make demo` (a full publish on the sandbox) and `make test`.
# Both bootstrap a fresh clone: .venv with pinned deps, Azurite via npm into ./node_modules.
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed
AZURITE := node_modules/.bin/azurite-queue
# Wheels of the runtime requirements: tests/infra installs them into a clean venv offline.
WHEELHOUSE := .wheelhouse
WHEELS_STAMP := $(WHEELHOUSE)/.downloaded

.PHONY: demo demo-nightly test test-long lint typecheck pytest bootstrap bench clean browser screenshots reliability repeat soak

bootstrap: $(STAMP) $(AZURITE) $(WHEELS_STAMP)

# The `galleryflow` command and its dashboard (pyproject.toml) go in editable: .venv/bin/galleryflow.
$(STAMP): requirements.txt requirements-dev.txt pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --disable-pip-version-check --upgrade pip
	$(BIN)/pip install --quiet --disable-pip-version-check -r requirements.txt -r requirements-dev.txt
	$(BIN)/pip install --quiet --disable-pip-version-check -e ".[ui]"
	touch $@

# Runtime wheels, plus what `pip install ".[ui]"` needs (its pins and the build backend), so
# tests/infra installs both into clean venvs offline.
$(WHEELS_STAMP): requirements.txt pyproject.toml $(STAMP)
	rm -rf $(WHEELHOUSE)
	$(BIN)/python -c "import tomllib; p = tomllib.load(open('pyproject.toml', 'rb')); \
		print('\n'.join(p['build-system']['requires'] + p['project']['dependencies'] \
		+ p['project']['optional-dependencies']['ui']))" > $(VENV)/cli-requirements.txt
	$(BIN)/pip download --quiet --disable-pip-version-check --only-binary=:all: \
		--python-version 3.11 -d $(WHEELHOUSE) -r requirements.txt -r $(VENV)/cli-requirements.txt
	touch $@

$(AZURITE): package.json
	npm install --no-audit --no-fund --loglevel=error
	touch $@

demo: bootstrap
	$(BIN)/python -m sandbox demo

demo-nightly: bootstrap
	$(BIN)/python -m sandbox demo-nightly

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

typecheck: $(STAMP)
	$(BIN)/mypy

# pytest exits 5 when it collected no tests: that is a failure here, like any other.
pytest: bootstrap browser
	$(BIN)/python -m pytest -m "not long"; rc=$$?; \
	if [ $$rc -eq 5 ]; then echo "pytest collected no tests: failing" >&2; exit 1; fi; exit $$rc

# The tests marked `long` (a clean-venv `pip install .`, whole-matrix slices, 40-region runs):
# kept out of `make test` so it stays under 10 minutes; .ci/run runs them after it.
test-long: bootstrap browser
	$(BIN)/python -m pytest -m long; rc=$$?; \
	if [ $$rc -eq 5 ]; then echo "pytest collected no long tests: failing" >&2; exit 1; fi; exit $$rc

test: browser lint typecheck checkov pytest

# The dashboard's browser tests drive Debian's Chromium (never a downloaded browser build).
browser:
	@command -v chromium >/dev/null && command -v chromedriver >/dev/null || { echo "make test needs Chromium for the browser tests: apt-get install -y chromium chromium-driver" >&2; exit 1; }

# The README's dashboard pictures: the browser test, saving its screenshots in docs/img/.
screenshots: bootstrap browser
	GALLERYFLOW_SCREENSHOTS=docs/img $(BIN)/python -m pytest -q tests/ui/test_dashboard_browser.py

# checkov scans infra/ (Bicep, and the Azure DevOps pipelines) in its own venv: its many pins clash with the runtime's.
# infra/checkov_gate.py fails on failed checks, parse errors and skips without a reason.
CHECKOV_VENV  := .venv-checkov
CHECKOV_STAMP := $(CHECKOV_VENV)/.installed
.PHONY: checkov

$(CHECKOV_STAMP): requirements-checkov.txt
	$(PYTHON) -m venv $(CHECKOV_VENV)
	$(CHECKOV_VENV)/bin/pip install --quiet --disable-pip-version-check -r requirements-checkov.txt
	touch $@

checkov: $(CHECKOV_STAMP)
	$(CHECKOV_VENV)/bin/python infra/checkov_gate.py

# The fault matrix (tests/reliability/): every declared ARM operation x fault kind, plus
# whole-run scenarios; last line `reliability: S scenarios, C consistent, F failed`.
reliability: bootstrap
	$(BIN)/python -m tests.reliability.runner

# The 20-publish race, the shared VM, SIGKILL during capture and the safe deploy, 20 rounds
# in a row (each round a fresh pytest process); last line `repeat: T tests x N rounds: ...`.
repeat: bootstrap
	$(BIN)/python -m tests.reliability.repeat --rounds 20

# benchmarks/soak.py at the issue's full size (500 publishes, 20 definitions); not in make test.
soak: bootstrap
	$(BIN)/python benchmarks/soak.py

# The soak (40 min at full size) has its own target: make soak.
bench: bootstrap
	for b in $(filter-out benchmarks/soak.py,$(wildcard benchmarks/*.py)); do $(BIN)/python $$b || exit 1; done

clean:
	rm -rf $(VENV) $(CHECKOV_VENV) $(WHEELHOUSE) node_modules .pytest_cache .mypy_cache .ruff_cache
