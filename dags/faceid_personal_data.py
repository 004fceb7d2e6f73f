"""Personal data lifecycle of the faceid_idcard tables: daily retention, erasure on request, key rotation.

None of these DAGs calls the FaceID API; they read and change the tables the loading DAGs write
(connection ``faceid_results``, table ``faceid_idcard``). Create once::

    airflow connections add faceid_results --conn-uri postgresql://USER:PASSWORD@HOST:5432/DB
    airflow connections add faceid_hmac_key --conn-type generic --conn-password "$(openssl rand -base64 32)"

``faceid_retention_daily`` deletes, every day, the cards loaded more than ``FACEID_RETENTION_DAYS``
days ago (environment variable read when the file is parsed, default 365), in batches of 1000
images, beside running loads.

``faceid_erasure`` erases one person when triggered, the ID number in the run's conf (numbers are
stored as HMACs under ``faceid_hmac_key``, as in the loading DAGs' ``id_number_storage="hmac"``)::

    airflow dags trigger faceid_erasure --conf '{"key": "11010519491231002X", "request_ref": "PIPL-42"}'

The run's conf is kept in Airflow's database like every conf: clear old erasure runs
(``airflow db clean --tables dag_run``) if the key must not stay there either.

``faceid_key_rotation`` re-encrypts the rows written under ``faceid_field_key_old`` with
``faceid_field_key`` (switch the loading DAGs to the new key first)::

    airflow dags trigger faceid_key_rotation
"""

from __future__ import annotations

import os
from datetime import datetime, timedelta, timezone

from airflow.sdk import DAG, CronDataIntervalTimetable, Param

from airflow_provider_faceid.operators.lifecycle import (
    FaceIdEraseOperator,
    FaceIdRetentionOperator,
    FaceIdRotateKeyOperator,
)

RETENTION_DAYS = int(os.environ.get("FACEID_RETENTION_DAYS", "365"))
START = datetime(2026, 1, 1, tzinfo=timezone.utc)

with DAG(
    dag_id="faceid_retention_daily",
    description="Delete ID-card rows older than the retention period",
    schedule=CronDataIntervalTimetable("@daily", timezone="UTC"),
    start_date=START,
    catchup=False,
    max_active_runs=1,
    default_args={"retries": 2, "retry_delay": timedelta(minutes=5)},
    tags=["faceid", "personal-data"],
    doc_md=__doc__,
):
    FaceIdRetentionOperator(
        task_id="apply_retention",
        postgres_conn_id="faceid_results",
        retention=RETENTION_DAYS,
        age_from="loaded_at",
        batch_size=1000,
    )

with DAG(
    dag_id="faceid_erasure",
    description="Erase one person's rows (and scans) on request, with an audit row",
    schedule=None,
    start_date=START,
    catchup=False,
    params={"key": Param("", type="string"), "request_ref": Param("", type="string")},
    tags=["faceid", "personal-data"],
    doc_md=__doc__,
):
    FaceIdEraseOperator(
        task_id="erase_person",
        postgres_conn_id="faceid_results",
        key_kind="id_number",
        key_from_conf="key",
        request_ref="{{ params.request_ref }}",
        hmac_key_conn_id="faceid_hmac_key",
        delete_scans=True,
    )

with DAG(
    dag_id="faceid_key_rotation",
    description="Re-encrypt ID-card fields written under the previous key",
    schedule=None,
    start_date=START,
    catchup=False,
    max_active_runs=1,
    tags=["faceid", "personal-data"],
    doc_md=__doc__,
):
    FaceIdRotateKeyOperator(
        task_id="rotate_key",
        postgres_conn_id="faceid_results",
        encryption_key_conn_id="faceid_field_key",
        previous_key_conn_ids=["faceid_field_key_old"],
        batch_size=500,
    )
