#!/usr/bin/env bash
# The whole test suite from a fresh clone: set-up (fonts, .venv from the pins), lint, type check,
# then pytest. Tests find or start their own PostgreSQL and faceid-local processes.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh
.venv/bin/ruff check airflow_provider_faceid tests benchmarks dags
.venv/bin/ruff format --check airflow_provider_faceid tests benchmarks dags
.venv/bin/mypy
exec .venv/bin/pytest "$@"
