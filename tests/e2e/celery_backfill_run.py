"""One backfill through Airflow's CeleryExecutor, measured: the core of the e2e test and the benchmark.

``faceid_idcards_backfill`` (``dags/``) is triggered on an archive of distinct scans; its chunks
run on Celery workers (Redis broker, results in the metadata Postgres) under the ``faceid_api`` pool,
against a faceid-local whose concurrency limit is the pool's size. ``run_backfill`` optionally
SIGKILLs one worker (and its task processes) mid-run, then gathers what a reader needs to judge the
run: Airflow's task instances (which worker, which try), the server's counters (requests, peak in
flight, limit answers) and the results database (rows per image and per file).
"""

from __future__ import annotations

import dataclasses
import json
import os
import time
from collections import Counter
from collections.abc import Mapping
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

import requests
import sqlalchemy as sa
from sqlalchemy.engine import make_url

from tests.e2e.airflow_stack import AirflowStack
from tests.fixtures.faceid_local import FaceIdLocalServer

BACKFILL = "faceid_idcards_backfill"


@dataclasses.dataclass(frozen=True)
class BackfillPlan:
    """The sizing under test: an account limit, the pool, the chunks, the workers."""

    images: int
    account_limit: int  # faceid-local's --concurrency-limit, and the pool's slots
    task_slots: int  # FACEID_POOL_SLOTS: slots per chunk = requests it keeps in flight
    chunk_size: int
    latency_ms: float = 300.0
    workers: int = 2
    worker_concurrency: int = 1
    parallelism: int = 4
    kill_worker_after: float | None = None  # seconds after the first chunk started
    heartbeat_timeout: int = 20  # [scheduler] task_instance_heartbeat_timeout, for the kill case
    # [workers] min_heartbeat_interval: a task's supervisor notices its task process has exited only
    # at its next wake-up, up to this many seconds later, and the worker slot stays busy meanwhile
    # (Airflow's default 5 s cost a 250-image chunk 20% of its time here). 1 s: 1 heartbeat/s per task.
    min_heartbeat_interval: int = 1
    # A cluster policy's fixed retry delay instead of the DAG's (2 min, exponential); None: the DAG's.
    retry_delay_seconds: float | None = None
    run_timeout: float = 900.0
    # One unmeasured run over an empty folder first: a fresh api-server answers its first Execution API
    # call in ~6 s (lazy start-up), a cost a long-running deployment pays once, not per backfill.
    warm_up: bool = True

    @property
    def limit_rate(self) -> float:
        """C / L: the most images per second the account allows."""
        return self.account_limit / (self.latency_ms / 1000.0)


@dataclasses.dataclass
class BackfillOutcome:
    run_state: str
    run_seconds: float  # the DAG run, start to end (listing and summary included)
    ocr_seconds: float  # first ocr_chunk start to last ocr_chunk end
    images: int
    counters: dict[str, Any]
    rows: int
    distinct_rows: int
    sources: dict[str, str]
    failures: int
    chunk_tis: list[dict[str, Any]]
    images_by_worker: dict[str, int]
    chunk_summaries: dict[int, dict[str, Any]]  # map index -> the operator's summary (XCom)
    run_start: str | None = None  # REST API timestamps of the DAG run
    other_tis: list[dict[str, Any]] = dataclasses.field(default_factory=list)  # list_chunks, summarize
    warm_up_seconds: float | None = None  # the unmeasured run over an empty folder, if any
    killed_worker: str | None = None
    killed_chunks: list[int] = dataclasses.field(default_factory=list)
    load_average: tuple[float, float, float] = (0.0, 0.0, 0.0)

    @property
    def ok_answers(self) -> int:
        return int(self.counters.get("requests_by_status", {}).get("200", 0))

    @property
    def extra_api_calls(self) -> int:
        """Requests beyond one per image: the cost of a retried chunk (images in flight when killed)."""
        return int(self.counters.get("requests", 0)) - self.images

    def throughput(self, seconds: float) -> float:
        return self.images / seconds if seconds > 0 else 0.0


def celery_stack_options(*, plan: BackfillPlan, redis_url: str, metadata_db_url: str) -> dict[str, Any]:
    """``StackOptions`` fields (all but home, dags folder, metadata DB) for ``plan`` on CeleryExecutor."""
    result_db = make_url(metadata_db_url).set(drivername="postgresql")
    return {
        "executor": "CeleryExecutor",
        "parallelism": plan.parallelism,
        "celery_workers": plan.workers,
        "celery_worker_concurrency": plan.worker_concurrency,
        "config": {
            "scheduler.use_job_schedule": "False",
            "celery.broker_url": f"{redis_url}/0",
            "celery.result_backend": "db+" + result_db.render_as_string(hide_password=False),
            # A lost worker's task instance is failed (then retried) this long after its last heartbeat.
            "scheduler.task_instance_heartbeat_timeout": str(plan.heartbeat_timeout),
            "scheduler.task_instance_heartbeat_timeout_detection_interval": "5",
            "workers.min_heartbeat_interval": str(plan.min_heartbeat_interval),
        },
        "env": {"FACEID_POOL_SLOTS": str(plan.task_slots)},
        "local_settings": retry_delay_policy(plan.retry_delay_seconds)
        if plan.retry_delay_seconds is not None
        else "",
    }


def retry_delay_policy(seconds: float) -> str:
    """``airflow_local_settings.py`` source: a task policy giving every retried task a fixed, short delay.

    The deployment-level way to retune retries without editing DAG files (the dag-processor applies
    it at parse time): the backfill DAG waits 2 minutes and more before a retry, which would make a
    test of a lost worker mostly waiting.
    """
    return (
        "from datetime import timedelta\n\n\n"
        "def task_policy(task):\n"
        "    if task.retries:\n"
        f"        task.retry_delay = timedelta(seconds={seconds!r})\n"
        "        task.retry_exponential_backoff = 0\n"
    )


def warm_replay_cache(faceid: FaceIdLocalServer, bases: list[bytes]) -> None:
    """OCR each distinct picture once, then zero the counters: the run then measures Airflow, not OCR."""
    fields = {"api_key": faceid.api_key, "api_secret": faceid.api_secret, "legality": "0"}
    for image in bases:
        requests.post(faceid.ocr_url, data=fields, files={"image": image}, timeout=180).raise_for_status()
    faceid.reset()


def run_backfill(
    stack: AirflowStack,
    *,
    plan: BackfillPlan,
    faceid: FaceIdLocalServer,
    results_url: str,
    archive: Path,
    images: int,
) -> BackfillOutcome:
    """Trigger the backfill on ``archive``, kill a worker if the plan says so, wait, and measure."""
    stack.wait_for_dags([BACKFILL])
    stack.unpause(BACKFILL)
    warm_up_seconds = _warm_up(stack, empty=archive.parent / "warm-up") if plan.warm_up else None
    run_id = stack.trigger(BACKFILL, conf={"prefix": str(archive), "chunk_size": plan.chunk_size})
    killed_worker: str | None = None
    killed_chunks: list[int] = []
    if plan.kill_worker_after is not None:
        killed_worker, killed_chunks = _kill_a_busy_worker(stack, run_id=run_id, after=plan.kill_worker_after)
    # A killed chunk comes back as up_for_retry: that is the point of the exercise, not a failure.
    fail_on = (
        ("failed", "upstream_failed") if killed_worker else ("up_for_retry", "failed", "upstream_failed")
    )
    try:
        runs = stack.wait_for_runs(
            [BACKFILL], expected=1 + plan.warm_up, timeout=plan.run_timeout, fail_on=fail_on
        )
    except (AssertionError, TimeoutError) as exc:
        raise AssertionError(f"{exc}\n{stack.diagnostics()}") from exc
    load_average = os.getloadavg()
    run = next(r for r in runs if r["dag_run_id"] == run_id)
    tis = [ti for ti in stack.task_instances() if ti["dag_run_id"] == run_id]
    chunk_tis = sorted((ti for ti in tis if ti["task_id"] == "ocr_chunk"), key=lambda ti: ti["map_index"])
    images_by_worker: Counter[str] = Counter()
    chunk_summaries: dict[int, dict[str, Any]] = {}
    for ti in chunk_tis:
        summary = _xcom(stack, ti) or {}
        chunk_summaries[int(ti["map_index"])] = summary
        images_by_worker[str(ti["hostname"])] += int(summary.get("listed", 0))
    loaded = loaded_rows(results_url)
    return BackfillOutcome(
        run_state=run["state"],
        run_seconds=seconds_between(run["start_date"], run["end_date"]),
        ocr_seconds=seconds_between(
            min(ti["start_date"] for ti in chunk_tis), max(ti["end_date"] for ti in chunk_tis)
        )
        if chunk_tis
        else 0.0,
        images=images,
        counters=faceid.counters(),
        rows=loaded["rows"],
        distinct_rows=loaded["distinct_rows"],
        sources=loaded["sources"],
        failures=loaded["failures"],
        chunk_tis=chunk_tis,
        images_by_worker=dict(sorted(images_by_worker.items())),
        chunk_summaries=chunk_summaries,
        run_start=run["start_date"],
        warm_up_seconds=warm_up_seconds,
        other_tis=[ti for ti in tis if ti["task_id"] != "ocr_chunk"],
        killed_worker=killed_worker,
        killed_chunks=killed_chunks,
        load_average=(round(load_average[0], 2), round(load_average[1], 2), round(load_average[2], 2)),
    )


def _warm_up(stack: AirflowStack, *, empty: Path) -> float:
    """Run the backfill once over an empty folder (nothing to map, no API call); return its seconds."""
    empty.mkdir(parents=True, exist_ok=True)
    run_id = stack.trigger(BACKFILL, conf={"prefix": str(empty)})
    runs = stack.wait_for_runs([BACKFILL], expected=1, timeout=300)
    run = next(r for r in runs if r["dag_run_id"] == run_id)
    if run["state"] != "success":
        raise AssertionError(f"warm-up run ended {run['state']}\n{stack.diagnostics()}")
    return seconds_between(run["start_date"], run["end_date"])


def _kill_a_busy_worker(stack: AirflowStack, *, run_id: str, after: float) -> tuple[str, list[int]]:
    """Wait until a chunk has run ``after`` seconds, then SIGKILL the worker running it."""
    deadline = time.monotonic() + 600
    while time.monotonic() < deadline:
        running = [
            ti
            for ti in stack.task_instances()
            if ti["dag_run_id"] == run_id and ti["task_id"] == "ocr_chunk" and ti["state"] == "running"
        ]
        started = [ti for ti in running if ti.get("start_date") and ti.get("hostname")]
        if started:
            oldest = min(started, key=lambda ti: ti["start_date"])
            if seconds_between(oldest["start_date"], None) >= after:
                victim = str(oldest["hostname"])
                stack.kill_celery_worker(victim)
                return victim, sorted(ti["map_index"] for ti in running if ti["hostname"] == victim)
        time.sleep(0.5)
    raise TimeoutError("no chunk ran long enough to kill its worker")


def _xcom(stack: AirflowStack, ti: Mapping[str, Any]) -> dict[str, Any] | None:
    answer = stack.api(
        "GET",
        f"/dags/{ti['dag_id']}/dagRuns/{ti['dag_run_id']}/taskInstances/{ti['task_id']}/xcomEntries/return_value",
        params={"map_index": ti["map_index"], "deserialize": "true"},
    )
    value = answer.get("value") if answer else None
    if isinstance(value, str):  # some API versions hand back the JSON text
        value = json.loads(value)
    return value if isinstance(value, dict) else None


def loaded_rows(url: str) -> dict[str, Any]:
    """What the results database holds: rows per image, file -> image, failures."""
    engine = sa.create_engine(url, poolclass=sa.NullPool)
    try:
        with engine.connect() as conn:
            rows, distinct = conn.execute(
                sa.text("SELECT count(*), count(DISTINCT image_sha256) FROM faceid_idcard")
            ).one()
            sources: dict[str, str] = dict(
                conn.execute(sa.text("SELECT source_uri, image_sha256 FROM faceid_idcard_source")).all()
            )
            failures = conn.execute(sa.text("SELECT count(*) FROM faceid_idcard_failure")).scalar_one()
    finally:
        engine.dispose()
    return {
        "rows": int(rows),
        "distinct_rows": int(distinct),
        "sources": {str(uri).removeprefix("file://"): str(sha) for uri, sha in sources.items()},
        "failures": int(failures),
    }


def seconds_between(start: str | None, end: str | None) -> float:
    """Seconds from one REST API timestamp to another (``end`` None: now)."""
    if start is None:
        return 0.0
    begin = datetime.fromisoformat(start.replace("Z", "+00:00"))
    finish = datetime.fromisoformat(end.replace("Z", "+00:00")) if end else datetime.now(timezone.utc)
    return (finish - begin).total_seconds()
