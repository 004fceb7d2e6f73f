#!/usr/bin/env bash
# Runs once, on the first start of the postgres service (an empty data volume), from
# /docker-entrypoint-initdb.d. Creates two databases on the one server, each owned by its own
# unprivileged role:
#   ${AIRFLOW_DB_NAME}      Airflow's metadata (role ${AIRFLOW_DB_USER})
#   ${FACEID_RESULTS_DB}    the OCR results the DAGs load (role ${FACEID_RESULTS_USER})
# Neither role may connect to the other's database, so `airflow db clean`/downgrade can never touch
# the results and a DAG's results connection cannot read Airflow's connections table.
set -euo pipefail

: "${POSTGRES_USER:=postgres}" "${POSTGRES_DB:=postgres}"
: "${AIRFLOW_DB_NAME:?}" "${AIRFLOW_DB_USER:?}" "${AIRFLOW_DB_PASSWORD:?}"
: "${FACEID_RESULTS_DB:?}" "${FACEID_RESULTS_USER:?}" "${FACEID_RESULTS_PASSWORD:?}"

# psql variables (:"name" identifiers, :'value' literals) quote the values, so passwords may hold
# any character.
psql --no-psqlrc -v ON_ERROR_STOP=1 --username "${POSTGRES_USER}" --dbname "${POSTGRES_DB}" \
    -v airflow_db="${AIRFLOW_DB_NAME}" -v airflow_user="${AIRFLOW_DB_USER}" \
    -v airflow_password="${AIRFLOW_DB_PASSWORD}" \
    -v results_db="${FACEID_RESULTS_DB}" -v results_user="${FACEID_RESULTS_USER}" \
    -v results_password="${FACEID_RESULTS_PASSWORD}" <<'SQL'
CREATE ROLE :"airflow_user" LOGIN PASSWORD :'airflow_password';
CREATE DATABASE :"airflow_db" OWNER :"airflow_user";
REVOKE ALL ON DATABASE :"airflow_db" FROM PUBLIC;

CREATE ROLE :"results_user" LOGIN PASSWORD :'results_password';
CREATE DATABASE :"results_db" OWNER :"results_user";
REVOKE ALL ON DATABASE :"results_db" FROM PUBLIC;
SQL
