"""Daily, one row per ID card: pair each applicant's front and back into a checked document.

How to use it
-------------
Scans for a logical date go in ``<documents root>/<YYYY-MM-DD>/<applicant id>/`` (one folder per
document: ``front.jpg``, ``back.jpg``; the file names do not matter, the API tells the sides apart).
Each run reads the folder of its own ``ds`` like ``faceid_idcards_daily`` and, with
``pair_by="folder"``, writes ``faceid_kyc`` (one row per image, ``document_key`` = the applicant
folder's name) and ``faceid_kyc_document`` (one row per applicant: merged fields, ``status``,
``flags``, ``verdict``). A side that arrives on a later day (its own day folder, same applicant
folder name) completes the document then; a newer capture of a side replaces the older one, which
is kept in ``faceid_kyc_document_history``.

Create once (as for ``faceid_idcards_daily``: the ``faceid_default`` and ``faceid_results``
connections, and the pool; the task takes ``FACEID_POOL_SLOTS`` slots, default 2)::

    airflow pools set faceid_api 4 "FaceID account: slots = its concurrency limit"
    airflow variables set faceid_documents_root /opt/airflow/kyc     # or s3://conn_id@bucket/kyc

Try it with synthetic pairs (two incomplete and one conflicting document among ten)::

    faceid-local specimens --layout folder --count 10 --incomplete 2 --conflicting 1 \\
        --out /opt/airflow/kyc/2026-11-01
    airflow dags test faceid_documents_daily 2026-11-01          # in-process, no scheduler
    airflow dags trigger faceid_documents_daily --logical-date 2026-11-01T00:00:00+00:00

The task's XCom adds ``documents``: the documents the run touched, by status and by verdict.
"""

from __future__ import annotations

import os
from datetime import datetime, timedelta, timezone

from airflow.sdk import DAG, CronDataIntervalTimetable, ObjectStoragePath, task

from airflow_provider_faceid.operators.faceid import FaceIdOcrToPostgresOperator

DAY_FOLDER = "{{ var.value.get('faceid_documents_root', '/opt/airflow/kyc') }}/{{ ds }}"

with DAG(
    dag_id="faceid_documents_daily",
    description="Applicants' ID-card scans of the day -> FaceID OCR -> one checked row per card",
    schedule=CronDataIntervalTimetable("@daily", timezone="UTC"),  # ds = the day that just ended
    start_date=datetime(2026, 1, 1, tzinfo=timezone.utc),
    catchup=False,
    # Two days pairing into the same applicants would only wait on each other's row locks.
    max_active_runs=1,
    default_args={"retries": 3, "retry_delay": timedelta(minutes=2), "retry_exponential_backoff": 2.0},
    tags=["faceid", "ocr", "idcard", "documents"],
    doc_md=__doc__,
) as dag:

    @task.short_circuit
    def applicants_staged(folder: str) -> bool:
        """False (skip the OCR task) when no applicant folder was staged for the day."""
        return bool(ObjectStoragePath(folder).exists())

    pair_documents = FaceIdOcrToPostgresOperator(
        task_id="pair_documents",
        source=DAY_FOLDER,
        faceid_conn_id="faceid_default",
        postgres_conn_id="faceid_results",
        table="faceid_kyc",
        pair_by="folder",
        pool="faceid_api",
        pool_slots=int(os.environ.get("FACEID_POOL_SLOTS", "2")),
        max_failures=0.05,
        execution_timeout=timedelta(hours=6),
    )

    applicants_staged(DAY_FOLDER) >> pair_documents
