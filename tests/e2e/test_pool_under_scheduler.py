"""The `faceid_api` pool keeps every FaceID task together within the account's limit, under a real scheduler.

``airflow dags test`` and ``dag.test()`` ignore pools, so this deploys Airflow for real (api-server,
scheduler with LocalExecutor, dag-processor; metadata in Postgres) on the repository's ``dags/``, and
points it at a faceid-local whose concurrency limit is the pool's size: the server answers any
request over the limit with 403 CONCURRENCY_LIMIT_EXCEEDED and counts it. Three daily runs and one
backfill run (mapped over chunks) compete for the pool; each OCR task takes 2 slots and keeps 2
requests in flight, so two tasks at once would put 4 requests in flight. The executor
(parallelism 4) would happily run them together: only the pool stands in the way.
"""

from __future__ import annotations

import json
import math
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa

from airflow_provider_faceid.local.specimens.generate import generate
from airflow_provider_faceid.local.specimens.seeds import TEST_SEEDS
from tests.e2e.airflow_stack import AirflowStack, configure_faceid_deployment
from tests.e2e.pool_timeline import label, peak_occupancy, pool_waits, timeline
from tests.e2e.staged_scans import stage_copies
from tests.fixtures.faceid_local import FaceIdLocalServer

pytestmark = [pytest.mark.e2e, pytest.mark.slow, pytest.mark.timeout(600)]

DAILY = "faceid_idcards_daily"
BACKFILL = "faceid_idcards_backfill"
POOL = "faceid_api"
ACCOUNT_LIMIT = 2  # faceid-local's concurrency limit
POOL_SIZE = ACCOUNT_LIMIT  # the pool's slots = the account's limit, as the README prescribes
TASK_SLOTS = 2  # FACEID_POOL_SLOTS: slots (and requests in flight) per OCR task
PARALLELISM = 4  # executor slots: more than the pool lets through, so the pool is what limits
DAYS = ("2026-01-05", "2026-01-06", "2026-01-07")
IMAGES_PER_DAY = 8
ARCHIVE_IMAGES = 12
CHUNK_SIZE = 4
CHUNKS = math.ceil(ARCHIVE_IMAGES / CHUNK_SIZE)  # mapped ocr_chunk task instances
DISTINCT_PICTURES = 3  # the OCR engine reads these; every other file replays them by pixels
RUNS_TIMEOUT = 300.0


@pytest.mark.parametrize(
    "pool_size",
    # The second is the positive control: a pool bigger than the account lets two OCR tasks run
    # together, and the account must answer limit errors; it is what the first one rules out.
    [POOL_SIZE, 2 * POOL_SIZE],
    ids=["pool_at_the_account_limit", "pool_over_the_account_limit"],
)
def test_pool_holds_the_account_limit_under_a_real_scheduler(
    pool_size: int,
    tmp_path: Path,
    airflow_stack_factory: Callable[..., AirflowStack],
    faceid_local_factory: Callable[..., FaceIdLocalServer],
    database_factory: Callable[[], str],
) -> None:
    started = time.monotonic()
    staged = _stage_scans(tmp_path)
    faceid = faceid_local_factory(concurrency_limit=ACCOUNT_LIMIT, latency_ms=300, workers=1)
    results_url = database_factory()
    stack = airflow_stack_factory(
        executor="LocalExecutor",
        parallelism=PARALLELISM,
        # Only the runs this test creates: no scheduled run of the daily DAG for yesterday.
        config={"scheduler.use_job_schedule": "False"},
        env={"FACEID_POOL_SLOTS": str(TASK_SLOTS)},
    )
    configure_faceid_deployment(
        stack, faceid=faceid, results_url=results_url, pool_slots=pool_size, staging_root=tmp_path / "staging"
    )
    stack.wait_for_dags([DAILY, BACKFILL])
    for dag_id in (DAILY, BACKFILL):
        stack.unpause(dag_id)
    for day in DAYS:
        stack.trigger(DAILY, logical_date=f"{day}T00:00:00+00:00")
    stack.trigger(
        BACKFILL, logical_date=None, conf={"prefix": str(tmp_path / "archive"), "chunk_size": CHUNK_SIZE}
    )
    try:
        runs = stack.wait_for_runs([DAILY, BACKFILL], expected=len(DAYS) + 1, timeout=RUNS_TIMEOUT)
    except (AssertionError, TimeoutError) as exc:
        raise AssertionError(f"{exc}\n{stack.diagnostics()}") from exc
    tis = stack.task_instances()
    counters = faceid.counters()
    shutdown = stack.stop()
    print(f"\nruns finished and Airflow stopped {time.monotonic() - started:.0f} s after the start")
    print("task instances (seconds):", *timeline(tis), sep="\n  ")

    # Every run and task succeeded at the first try: no Airflow retry hid a failure.
    assert {run["dag_run_id"]: run["state"] for run in runs} == {run["dag_run_id"]: "success" for run in runs}
    assert [label(ti) for ti in tis if ti["state"] != "success" or ti["try_number"] != 1] == []

    # The pool: 3 daily OCR tasks and 3 backfill chunks, each holding 2 slots, never two at once.
    pool_tis = [ti for ti in tis if ti["pool"] == POOL]
    assert sorted((ti["dag_id"], ti["task_id"]) for ti in pool_tis) == sorted(
        [(DAILY, "ocr_idcards")] * len(DAYS) + [(BACKFILL, "ocr_chunk")] * CHUNKS
    )
    assert {ti["pool_slots"] for ti in pool_tis} == {TASK_SLOTS}
    print("faceid-local counters:", json.dumps(counters))
    loaded = _loaded(results_url)
    if pool_size > ACCOUNT_LIMIT:
        # Two tasks ran together, 4 requests in flight against a limit of 2: limit answers, which
        # the operator's limiter retried, so every image still loaded.
        assert peak_occupancy(pool_tis) > ACCOUNT_LIMIT
        assert counters["concurrency_rejections"] > 0
        assert counters["requests_by_error"] == {
            "CONCURRENCY_LIMIT_EXCEEDED": counters["concurrency_rejections"]
        }
        assert sorted(loaded["results"]) == sorted(staged.values())
        return
    assert peak_occupancy(pool_tis) == POOL_SIZE

    # They competed: tasks were ready while the pool was full and the executor had slots to spare,
    # and were queued only when the pool let them in. The 3 chunks become ready together: 2 must wait.
    waits = pool_waits(pool_tis, tis, pool_size=POOL_SIZE)
    print("waits for the pool:", *waits, sep="\n  ")
    assert len([w for w in waits if w.tasks_running < PARALLELISM]) >= 2, waits

    # The account's side: at the limit, never over it, each image sent once.
    assert counters["concurrency_rejections"] == 0
    assert counters["requests_by_error"] == {}
    assert counters["max_in_flight"] == ACCOUNT_LIMIT
    assert counters["requests_by_status"] == {"200": len(staged)}

    # Every image loaded exactly once, from the file it was staged as.
    assert loaded["failures"] == 0
    assert sorted(loaded["results"]) == sorted(staged.values())
    assert loaded["sources"] == {str(path): sha for path, sha in staged.items()}

    # Airflow went down on SIGINT alone and left no process behind.
    assert shutdown.clean, shutdown
    assert stack.processes() == []


def _stage_scans(root: Path) -> dict[Path, str]:
    """Daily folders under ``root/staging/<ds>`` and an archive under ``root/archive``: path -> sha256."""
    bases = [
        p.read_bytes()
        for p in generate(
            count=DISTINCT_PICTURES, out_dir=root / "specimens", seed=TEST_SEEDS["pool_under_scheduler"]
        )
    ]
    staged: dict[Path, str] = {}
    for day in DAYS:
        staged |= stage_copies(bases, count=IMAGES_PER_DAY, folder=root / "staging" / day, tag=day)
    staged |= stage_copies(bases, count=ARCHIVE_IMAGES, folder=root / "archive", tag="archive")
    return staged


def _loaded(url: str) -> dict[str, Any]:
    engine = sa.create_engine(url, poolclass=sa.NullPool)
    try:
        with engine.connect() as conn:
            results = [row[0] for row in conn.execute(sa.text("SELECT image_sha256 FROM faceid_idcard"))]
            sources: dict[str, str] = dict(
                conn.execute(sa.text("SELECT source_uri, image_sha256 FROM faceid_idcard_source")).all()
            )
            failures = conn.execute(sa.text("SELECT count(*) FROM faceid_idcard_failure")).scalar_one()
    finally:
        engine.dispose()
    return {
        "results": results,
        "sources": {_path_of(uri): sha for uri, sha in sources.items()},
        "failures": failures,
    }


def _path_of(uri: str) -> str:
    return uri.removeprefix("file://")
