# Two commands on a fresh machine: `make demo` and `make test`. See README.md.
SHELL := /bin/sh
VENV ?= .venv
BIN := $(VENV)/bin
PYTHON_FOUND = $(shell PYTHON="$(PYTHON)" scripts/find-python)
export JAVOB_DATA_DIR ?= $(CURDIR)/var
PYTEST_ARGS ?=

.PHONY: demo test test-postgres check install install-dev messages bench clean

$(BIN)/python:
	@py="$(PYTHON_FOUND)"; [ -n "$$py" ] || exit 1; \
	echo "Creating $(VENV) with $$py"; "$$py" -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade "pip>=25"

$(VENV)/.installed: $(BIN)/python requirements.lock pyproject.toml
	$(BIN)/pip install --quiet --require-hashes -r requirements.lock
	$(BIN)/pip install --quiet --no-deps -e .
	@touch $@

$(VENV)/.installed-dev: $(VENV)/.installed requirements-dev.lock
	$(BIN)/pip install --quiet --require-hashes -r requirements-dev.lock
	@touch $@

install: $(VENV)/.installed
install-dev: $(VENV)/.installed-dev

demo: install
	$(BIN)/javob demo

test: install-dev
	$(BIN)/pytest -n 2 $(PYTEST_ARGS)

# The same suite against PostgreSQL; DATABASE_URL must point at a server you may create databases on.
test-postgres: install-dev
	DATABASE_URL=$${DATABASE_URL:-postgres://postgres@127.0.0.1:5432/javob} $(BIN)/pytest -n 2 $(PYTEST_ARGS)

check: install-dev
	$(BIN)/ruff format --check .
	$(BIN)/ruff check .
	$(BIN)/mypy javob bench tests conftest.py
	JAVOB_DEBUG=0 SECRET_KEY=check-deploy-$$(od -An -N32 -tx1 /dev/urandom | tr -d ' \n') \
	  ALLOWED_HOSTS=javob.example.com EMAIL_URL=smtp://mail.javob.example.com \
	  $(BIN)/javob check --deploy --fail-level WARNING
	$(BIN)/javob makemigrations --check --dry-run
	BIN=$(BIN) scripts/check-messages

messages: install-dev
	cd javob && ../$(BIN)/javob makemessages --no-obsolete -l uz -l uz_Cyrl -l ru -l en \
	  --ignore 'tests/*' && ../$(BIN)/javob compilemessages

bench: install-dev
	$(BIN)/python bench/ingest.py
	$(BIN)/python bench/inbox.py
	$(BIN)/python bench/inbox_view.py
	$(BIN)/python bench/intelligence.py
	$(BIN)/python bench/email_parse.py
	$(BIN)/python bench/widget_sockets.py
	$(BIN)/python bench/settings_pages.py
	$(BIN)/python bench/sla_sweep.py
	$(BIN)/python bench/rules.py
	$(BIN)/python bench/email_imap.py
	$(BIN)/python bench/webhooks.py

clean:
	rm -rf $(VENV) var .mypy_cache .ruff_cache
