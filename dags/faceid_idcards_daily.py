"""Daily: read the ID-card scans staged for one day with the FaceID OCR API into Postgres.

How to use it
-------------
Scans for a logical date go in ``<staging root>/<YYYY-MM-DD>/`` (sub-folders are read too). Each
run reads the folder of its own ``ds``: the scheduled run starting at 00:00 UTC on D+1 reads day D
(the schedule is ``@daily`` with data intervals). Runs are independent and a backfill re-reads only
the days you ask for. Rows are keyed on the image's sha256: re-running a day, or a backfill over days already
done, makes no new API call for images already loaded.

Create once (CLI shown; the UI or ``AIRFLOW_CONN_*``/``AIRFLOW_VAR_*`` variables work too)::

    airflow connections add faceid_default --conn-type faceid \\
        --conn-host https://api.faceid.com --conn-login API_KEY --conn-password API_SECRET
    airflow connections add faceid_results --conn-uri postgresql://USER:PASSWORD@HOST:5432/DB
    airflow pools set faceid_api 4 "FaceID account: slots = its concurrency limit"
    airflow variables set faceid_staging_root /opt/airflow/staging     # or s3://conn_id@bucket/scans

The task takes ``FACEID_POOL_SLOTS`` (environment variable read when the file is parsed, default 2)
slots of the pool and keeps that many requests in flight, so all FaceID tasks together never exceed
the account's limit. ``airflow dags test`` ignores pools (only a scheduler enforces them).

Run one day, or a range of past days::

    airflow dags test faceid_idcards_daily 2026-11-01          # in-process, no scheduler
    airflow dags trigger faceid_idcards_daily --logical-date 2026-11-01T00:00:00+00:00
    airflow backfill create --dag-id faceid_idcards_daily --from-date 2026-01-01 --to-date 2026-01-31

A day without a folder (nothing was scanned) is not an error: ``day_folder_exists`` short-circuits
and ``ocr_idcards`` is skipped, so a backfill over weekends and holidays stays green. An empty folder
runs and loads nothing. More than 5 % of a day's images failing (undecodable, rejected by the API...)
fails the task after everything good is loaded; each failure is a row of ``faceid_idcard_failure``.
"""

from __future__ import annotations

import logging
import os
from datetime import datetime, timedelta, timezone

from airflow.sdk import DAG, CronDataIntervalTimetable, ObjectStoragePath, task

from airflow_provider_faceid.operators.faceid import FaceIdOcrToPostgresOperator

FACEID_POOL = "faceid_api"
# Read at parse time from the environment, never from the metadata DB: parsing stays cheap.
POOL_SLOTS = int(os.environ.get("FACEID_POOL_SLOTS", "2"))
log = logging.getLogger(__name__)

DAY_FOLDER = "{{ var.value.get('faceid_staging_root', '/opt/airflow/staging') }}/{{ ds }}"

with DAG(
    dag_id="faceid_idcards_daily",
    description="ID-card scans of the day -> FaceID OCR -> validated rows in Postgres",
    # "@daily" with data intervals, whatever [scheduler] create_cron_data_intervals says: the run that
    # starts at 00:00 on D+1 has ds = D and reads the folder of the day that just ended. With the
    # plain "@daily" string Airflow 3 defaults to a trigger timetable (ds = D+1: today's folder,
    # still empty at midnight).
    schedule=CronDataIntervalTimetable("@daily", timezone="UTC"),
    start_date=datetime(2026, 1, 1, tzinfo=timezone.utc),
    # Days are independent partitions keyed by ds: catch up explicitly with `airflow backfill create`.
    catchup=False,
    # Runs share the FaceID pool anyway; a small bound keeps a backfill from flooding the queue.
    max_active_runs=2,
    default_args={
        "retries": 3,
        "retry_delay": timedelta(minutes=2),
        "retry_exponential_backoff": 2.0,
        "max_retry_delay": timedelta(minutes=30),
    },
    tags=["faceid", "ocr", "idcard"],
    doc_md=__doc__,
) as dag:

    @task.short_circuit
    def day_folder_exists(folder: str) -> bool:
        """False (skip the OCR task) when nothing was staged for the day."""
        exists = ObjectStoragePath(folder).exists()
        if not exists:
            log.info("No staging folder %s: nothing scanned that day, skipping the OCR task.", folder)
        return bool(exists)

    ocr_idcards = FaceIdOcrToPostgresOperator(
        task_id="ocr_idcards",
        source=DAY_FOLDER,
        faceid_conn_id="faceid_default",
        postgres_conn_id="faceid_results",
        table="faceid_idcard",
        pool=FACEID_POOL,
        pool_slots=POOL_SLOTS,
        max_failures=0.05,
        execution_timeout=timedelta(hours=6),
    )

    day_folder_exists(DAY_FOLDER) >> ocr_idcards
