# The two commands of the README: `make run` starts the whole system, `make test` runs every test.
# Both set up .venv (and the front end's npm packages) on first use.

PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
PACKAGES := libs/servicekit services/cases services/tasks services/notify services/sla gateway deploy/embedded
INPUTS := constraints.txt requirements-dev.txt $(addsuffix /pyproject.toml,$(PACKAGES)) gateway/package-lock.json
STAMP := $(VENV)/.installed-$(shell cat $(INPUTS) 2>/dev/null | sha1sum | cut -c1-12)

UNIT_TESTS := $(wildcard libs/servicekit/tests/unit services/*/tests/unit gateway/tests/unit gateway/tests/web/unit)

.PHONY: run test unit install lint translations clean-data bench

run: install
	$(BIN)/servicedesk-embedded

test: install
	$(BIN)/pytest $(PYTEST_ARGS)

# The unit tier alone: no servers, some seconds (see docs/development.md).
unit: install
	$(BIN)/pytest $(UNIT_TESTS) $(PYTEST_ARGS)

install: $(STAMP)

$(STAMP): $(INPUTS)
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --disable-pip-version-check -c constraints.txt -r requirements-dev.txt \
		$(foreach p,$(PACKAGES),-e $(p))
	cd gateway && npm ci --no-audit --no-fund --loglevel=error
	rm -f $(VENV)/.installed-*
	touch $@

lint: install
	$(BIN)/ruff check .

# Re-extract, merge and compile the message catalogues of every package (see docs/development.md).
translations: install
	$(BIN)/python deploy/tools/translations.py

clean-data:
	rm -rf var

bench: install
	$(BIN)/python bench/run.py
