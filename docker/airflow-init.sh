#!/usr/bin/env bash
# One-shot initialisation of the docker-compose stack (service airflow-init). Idempotent: it runs
# on every `docker compose up` and converges to the same state.
#
# Runs as root so it can hand the shared volumes to the Airflow user; every other service runs
# as ${AIRFLOW_UID}:0. Reads only environment variables set in docker-compose.yaml.
set -euo pipefail

: "${AIRFLOW_UID:=50000}" "${AIRFLOW_HOME:=/opt/airflow}"
: "${FACEID_CONCURRENCY_LIMIT:?set it to the FaceID account concurrency limit}"
: "${FACEID_API_BASE_URL:?}" "${FACEID_API_KEY:?}" "${FACEID_API_SECRET:?}"
# faceid-local is reached over the compose network in plain HTTP, which the hook refuses for any
# host but loopback unless the connection allows it.
: "${FACEID_ALLOW_INSECURE_HTTP:=false}"
: "${FACEID_RESULTS_HOST:?}" "${FACEID_RESULTS_PORT:?}" "${FACEID_RESULTS_DB:?}"
: "${FACEID_RESULTS_USER:?}" "${FACEID_RESULTS_PASSWORD:?}"
: "${FACEID_STAGING_ROOT:=/opt/airflow/staging}"
: "${AIRFLOW_ADMIN_USER:?}" "${AIRFLOW_ADMIN_PASSWORD:?}"
: "${AIRFLOW__CORE__SIMPLE_AUTH_MANAGER_PASSWORDS_FILE:?}"

step() { echo "airflow-init: $*"; }

step "Airflow $(airflow version)"

step "preparing logs, staging and auth folders for uid ${AIRFLOW_UID}"
auth_dir=$(dirname "${AIRFLOW__CORE__SIMPLE_AUTH_MANAGER_PASSWORDS_FILE}")
mkdir -p "${AIRFLOW_HOME}/logs" "${FACEID_STAGING_ROOT}" "${auth_dir}"

step "migrating the metadata database"
airflow db migrate

# SimpleAuthManager (Airflow 3's default) generates a random password for a user missing from this
# file and prints it in the api-server log; writing it here makes the demo login predictable.
step "admin user '${AIRFLOW_ADMIN_USER}' (SimpleAuthManager)"
python - <<'PY'
import json, os
path = os.environ["AIRFLOW__CORE__SIMPLE_AUTH_MANAGER_PASSWORDS_FILE"]
with open(path, "w") as file:
    json.dump({os.environ["AIRFLOW_ADMIN_USER"]: os.environ["AIRFLOW_ADMIN_PASSWORD"]}, file)
    file.write("\n")
os.chmod(path, 0o600)
PY

# Every OCR task takes pool_slots = the requests it keeps in flight, so the pool's slots are the
# number of requests the whole deployment may have in flight: the account's concurrency limit.
step "pool faceid_api: ${FACEID_CONCURRENCY_LIMIT} slots"
airflow pools set faceid_api "${FACEID_CONCURRENCY_LIMIT}" "FaceID account concurrency limit"

# Delete + add rather than add-if-missing: a changed .env takes effect on the next `up`.
step "connection faceid_default -> ${FACEID_API_BASE_URL}"
airflow connections delete faceid_default >/dev/null 2>&1 || true
airflow connections add faceid_default \
    --conn-type faceid \
    --conn-host "${FACEID_API_BASE_URL}" \
    --conn-login "${FACEID_API_KEY}" \
    --conn-password "${FACEID_API_SECRET}" \
    --conn-extra "{\"allow_insecure_http\": \"${FACEID_ALLOW_INSECURE_HTTP}\"}" >/dev/null

step "connection faceid_results -> ${FACEID_RESULTS_HOST}:${FACEID_RESULTS_PORT}/${FACEID_RESULTS_DB}"
airflow connections delete faceid_results >/dev/null 2>&1 || true
airflow connections add faceid_results \
    --conn-type postgres \
    --conn-host "${FACEID_RESULTS_HOST}" \
    --conn-port "${FACEID_RESULTS_PORT}" \
    --conn-schema "${FACEID_RESULTS_DB}" \
    --conn-login "${FACEID_RESULTS_USER}" \
    --conn-password "${FACEID_RESULTS_PASSWORD}" >/dev/null

step "variable faceid_staging_root = ${FACEID_STAGING_ROOT}"
airflow variables set faceid_staging_root "${FACEID_STAGING_ROOT}" >/dev/null

# The results database is created by the postgres service's first start only; a volume made before
# that script existed lacks it. Say so here rather than in the first DAG run.
step "checking the results database"
python - <<'PY'
import os, sys
import psycopg
try:
    psycopg.connect(
        host=os.environ["FACEID_RESULTS_HOST"], port=int(os.environ["FACEID_RESULTS_PORT"]),
        dbname=os.environ["FACEID_RESULTS_DB"], user=os.environ["FACEID_RESULTS_USER"],
        password=os.environ["FACEID_RESULTS_PASSWORD"], connect_timeout=10,
    ).close()
except psycopg.OperationalError as error:
    sys.exit(
        f"airflow-init: cannot connect to the results database: {error}\n"
        "If the postgres volume predates docker/postgres/10-create-databases.sh, recreate it: "
        "docker compose down --volumes"
    )
PY

chown -R "${AIRFLOW_UID}:0" "${AIRFLOW_HOME}/logs" "${FACEID_STAGING_ROOT}" "${auth_dir}"
step "done"
