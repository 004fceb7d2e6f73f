"""Backfill: read a whole archive of historical ID-card scans with the FaceID OCR API into Postgres.

How to use it
-------------
Trigger it by hand with the folder, key prefix or glob of the archive (sub-folders are read too)::

    airflow dags trigger faceid_idcards_backfill \\
        --conf '{"prefix": "s3://scans_conn@kyc-archive/2019/", "chunk_size": 500}'
    airflow dags trigger faceid_idcards_backfill --conf '{"prefix": "/data/archive", "pattern": "*.jpg"}'

Params: ``prefix`` (required; a local folder, ``file://``/``s3://``/``gs://`` URL, with the
connection id the Airflow way, ``s3://conn_id@bucket/prefix``), ``chunk_size`` (images per mapped
task, default 500), ``pattern`` (fnmatch pattern of file names, default: the image extensions).

``list_chunks`` lists the archive ONCE and returns lists of file URIs; ``ocr_chunk`` is mapped over
them, one task per chunk, never one per image. The chunk size is raised when needed so there are at
most 1000 chunks (``max_map_length`` is 1024 by default). The URI lists travel through XCom (about
100 bytes per image): split archives of several million images into one run per year or month.
``summarize`` logs the totals of all chunks.

It needs the same connections and pool as ``faceid_idcards_daily``::

    airflow connections add faceid_default --conn-type faceid \\
        --conn-host https://api.faceid.com --conn-login API_KEY --conn-password API_SECRET
    airflow connections add faceid_results --conn-uri postgresql://USER:PASSWORD@HOST:5432/DB
    airflow pools set faceid_api 4 "FaceID account: slots = its concurrency limit"

Every chunk takes ``FACEID_POOL_SLOTS`` (environment variable read at parse time, default 2) slots
of ``faceid_api``, so the scheduler runs ``pool size / FACEID_POOL_SLOTS`` chunks at once and the
account's concurrency limit holds whatever the number of chunks. Re-triggering with the same prefix
is cheap and safe: images already loaded (same URI and size, or same sha256) cost no API call, so a
failed or interrupted backfill is resumed by triggering it again (or clearing the failed chunks).
"""

from __future__ import annotations

import logging
import math
import os
from collections.abc import Iterator
from datetime import datetime, timedelta, timezone
from typing import Any

from airflow.sdk import DAG, Param, task

from airflow_provider_faceid.operators.faceid import FaceIdOcrToPostgresOperator
from airflow_provider_faceid.staging import StagedObject, list_staged

log = logging.getLogger(__name__)

FACEID_POOL = "faceid_api"
POOL_SLOTS = int(os.environ.get("FACEID_POOL_SLOTS", "2"))
# Below the scheduler's default max_map_length (1024), with room for a config that lowers it a bit.
MAX_CHUNKS = 1000
SUMMED_KEYS = (
    "listed",
    "skipped",
    "processed",
    "duplicates",
    "ocr_calls",
    "loaded",
    "flagged",
    "needs_recapture",
    "failed",
    "retries",
    "limit_answers",
)


def chunk_uris(uris: list[str], *, chunk_size: int, max_chunks: int = MAX_CHUNKS) -> list[list[str]]:
    """Consecutive chunks of ``chunk_size`` URIs, the size raised so that there are at most ``max_chunks``."""
    if chunk_size < 1:
        raise ValueError(f"chunk_size must be >= 1, got {chunk_size}")
    size = max(chunk_size, math.ceil(len(uris) / max_chunks))
    return [uris[start : start + size] for start in range(0, len(uris), size)]


def readable_uri(obj: StagedObject) -> str:
    """The URI a mapped task can open on its own: the connection id put back, the Airflow way."""
    if obj.conn_id and "://" in obj.uri:
        scheme, rest = obj.uri.split("://", 1)
        return f"{scheme}://{obj.conn_id}@{rest}"
    return obj.uri


def sum_summaries(summaries: Iterator[dict[str, Any]] | list[dict[str, Any]]) -> dict[str, Any]:
    """Totals of the operator's per-chunk summaries (counts only: no card contents in them)."""
    totals: dict[str, Any] = {key: 0 for key in SUMMED_KEYS}
    failed_by_code: dict[str, int] = {}
    chunks = 0
    for summary in summaries:
        chunks += 1
        for key in SUMMED_KEYS:
            totals[key] += int(summary.get(key, 0))
        for code, count in summary.get("failed_by_code", {}).items():
            failed_by_code[code] = failed_by_code.get(code, 0) + int(count)
    return {"chunks": chunks, **totals, "failed_by_code": failed_by_code}


with DAG(
    dag_id="faceid_idcards_backfill",
    description="Historical ID-card scans -> FaceID OCR -> validated rows in Postgres, mapped over chunks",
    schedule=None,
    start_date=datetime(2026, 1, 1, tzinfo=timezone.utc),
    catchup=False,
    max_active_runs=1,
    params={
        "prefix": Param(
            type="string",
            minLength=1,
            title="Archive",
            description="Folder, key prefix or glob of the scans (s3://conn_id@bucket/prefix, /data/scans).",
        ),
        "chunk_size": Param(
            500, type="integer", minimum=1, title="Chunk size", description="Images per mapped task."
        ),
        "pattern": Param(
            None,
            type=["null", "string"],
            title="File name pattern",
            description="fnmatch pattern, e.g. *.jpg; empty: the usual image extensions.",
        ),
    },
    default_args={
        "retries": 3,
        "retry_delay": timedelta(minutes=2),
        "retry_exponential_backoff": 2.0,
        "max_retry_delay": timedelta(minutes=30),
    },
    tags=["faceid", "ocr", "idcard", "backfill"],
    doc_md=__doc__,
) as dag:

    @task
    def list_chunks(params: dict[str, Any] | None = None) -> list[list[str]]:
        """List the archive once and cut it into chunks of file URIs (``params`` comes from the context)."""
        assert params is not None
        prefix = str(params["prefix"])
        uris = [readable_uri(obj) for obj in list_staged(prefix, pattern=params.get("pattern") or None)]
        chunks = chunk_uris(uris, chunk_size=int(params["chunk_size"]))
        log.info("Listed %d images under %s: %d chunks", len(uris), prefix, len(chunks))
        return chunks

    chunks = list_chunks()

    ocr_chunk = FaceIdOcrToPostgresOperator.partial(
        task_id="ocr_chunk",
        faceid_conn_id="faceid_default",
        postgres_conn_id="faceid_results",
        table="faceid_idcard",
        pool=FACEID_POOL,
        pool_slots=POOL_SLOTS,
        # Historical archives hold bad scans; each failure is a row of faceid_idcard_failure, so a
        # chunk fails only when something systematic is wrong.
        max_failures=0.2,
        # A chunk whose worker dies is retried whole; committing every 100 images bounds the calls
        # the retry pays again to 100 (the operator's default, 500, would exceed a typical chunk).
        commit_every=100,
        execution_timeout=timedelta(hours=6),
    ).expand(source=chunks)

    @task
    def summarize(summaries: list[dict[str, Any]]) -> dict[str, Any]:
        totals = sum_summaries(list(summaries))
        log.info("FaceID backfill totals: %s", totals)
        return totals

    summarize(ocr_chunk.output)  # type: ignore[arg-type]  # an XComArg, resolved to the list at run time
