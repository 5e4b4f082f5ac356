# vungxanh — two commands set everything up on a fresh machine:
#   make run    install, migrate, load Quảng Ninh, generate demo data, serve on 127.0.0.1:8000
#   make test   install dev tools and run every check (PostgreSQL when DATABASE_URL is set)
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
HOST ?= 127.0.0.1
PORT ?= 8000
DEMO_SIZE ?= small
PROVINCE ?= 22
VX := $(BIN)/vungxanh

.PHONY: install run serve worker test lint typecheck imports i18n messages pytest test-browser bench clean

$(VENV)/.installed: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[dev]'
	@touch $@

node_modules/.installed: package.json package-lock.json
	npm ci --no-audit --no-fund --loglevel=error
	@touch $@

messages: $(VENV)/.installed
	$(VX) compilemessages --ignore=.venv --ignore=node_modules --ignore=var -v 0

install: $(VENV)/.installed node_modules/.installed messages

## make run: the demo on an embedded SQLite file under var/ (or DATABASE_URL), with the task worker
run: install
	$(VX) migrate --noinput -v 0
	$(VX) createcachetable
	$(VX) load_units --province $(PROVINCE) --structure 2021
	$(VX) demo --size $(DEMO_SIZE) --if-empty
	@echo ""
	@echo "Serving on http://$(HOST):$(PORT)/  (task worker running; Ctrl-C stops both)"
	@$(VX) db_worker --interval 1 --no-startup-delay >var/worker.log 2>&1 & \
	  WORKER=$$!; trap 'kill $$WORKER 2>/dev/null' EXIT INT TERM; \
	  $(VX) runserver $(HOST):$(PORT) --noreload

worker: install
	$(VX) db_worker

## make test: lint, types, import layers, translations, tests
test: install lint typecheck imports i18n pytest

lint:
	$(BIN)/ruff check vungxanh conftest.py
	$(BIN)/ruff format --check vungxanh conftest.py

typecheck:
	$(BIN)/mypy

imports:
	$(BIN)/lint-imports

# Every user-facing string has a Vietnamese translation: refresh the catalogue from the code
# and fail on any untranslated or fuzzy entry.
# Each app keeps its own catalogue (vungxanh/<app>/locale); the shell's is vungxanh/locale.
i18n: $(VENV)/.installed
	$(VX) makemessages -l vi --no-location --no-obsolete -i node_modules -i var -v 0
	@# makemessages stamps the time into every catalogue; blank it so that an unchanged
	@# catalogue stays unchanged in git.
	@find vungxanh -path '*/locale/vi/LC_MESSAGES/django.po' \
	  -exec sed -i 's/^"POT-Creation-Date: .*\\n"$$/"POT-Creation-Date: \\n"/' {} +
	@status=0; for po in $$(find vungxanh -path '*/locale/vi/LC_MESSAGES/django.po' | sort); do \
	  stats=$$(LC_ALL=C msgfmt --statistics -o /dev/null $$po 2>&1); \
	  echo "$$po: $$stats"; \
	  case "$$stats" in *fuzzy*|*untranslated*) status=1; \
	    msgattrib --untranslated $$po | grep -A1 '^msgid ' | head -40; \
	    msgattrib --only-fuzzy $$po | grep -A1 '^msgid ' | head -40;; esac; \
	done; exit $$status
	@$(MAKE) -s messages

pytest:
	$(BIN)/pytest -q $(PYTEST_ARGS)

test-browser: install
	$(BIN)/pytest -q -m browser $(PYTEST_ARGS)

bench: install
	$(VX) bench --list

clean:
	rm -rf $(VENV) node_modules var
