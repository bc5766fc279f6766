# Entry points for developers and CI; the work is done by the scripts in scripts/.
# Variables are read from the environment, e.g. ODOO_SRC=/opt/odoo/18.0 make demo
# (see README.md for the full list).

SHELL := /bin/bash

.PHONY: help demo test test-odoo lint bench screenshots venv pg-stop

help:
	@echo "make demo     create or upgrade the French demo database and serve it on 127.0.0.1:8069 (DEMO_PORT changes the port)"
	@echo "make test     run the test suite in a new database that is dropped afterwards"
	@echo "make test-odoo run Odoo's crm, sale_crm, sale and payment tests with digirules installed"
	@echo "make lint     run ruff and pylint-odoo on digirules/"
	@echo "make screenshots  refresh docs/screenshots/ from the running demo server (DEMO_PORT)"
	@echo "make bench    measure the rule engine in a new database and regenerate docs/benchmarks.md (long: docs/benchmarks.md gives the last duration)"
	@echo "make venv     create or update the Python environment in .venv"
	@echo "make pg-stop  stop the project-local PostgreSQL cluster if one is running"

demo:
	@bash scripts/demo.sh

test:
	@bash scripts/test.sh

test-odoo:
	@bash scripts/test_odoo.sh

lint:
	@bash scripts/lint.sh

screenshots:
	@bash scripts/screenshots.sh

bench:
	@bash scripts/bench.sh

venv:
	@bash -c 'set -euo pipefail; source scripts/common.sh; check_odoo_src "make venv"; ensure_venv'

pg-stop:
	@bash -c 'set -euo pipefail; source scripts/common.sh; stop_any_local_cluster'
