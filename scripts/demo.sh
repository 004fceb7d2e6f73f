#!/usr/bin/env bash
# The one-command demo: set up (scripts/setup.sh), then 40 synthetic ID cards through faceid-local and
# the example DAG faceid_idcards_daily (airflow dags test, run twice) into PostgreSQL, rows printed
# masked. Needs no Docker; uses the PostgreSQL on 127.0.0.1:5432 if it answers, else a throwaway
# cluster. Arguments go to scripts/demo.py (--count, --date, --database, --drop-database).
# demo.py stops and removes everything it started on exit, Ctrl-C and SIGTERM (exec: it gets them).
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh
exec .venv/bin/python scripts/demo.py "$@"
