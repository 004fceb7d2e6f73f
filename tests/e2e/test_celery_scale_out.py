"""Two Celery workers share one FaceID concurrency budget over a backfill, under a real scheduler.

Airflow for real with the CeleryExecutor: a private Redis as broker, the metadata DB (and Celery's
result backend) in Postgres, scheduler, dag-processor, api-server and two ``airflow celery worker``
processes (``worker1``, ``worker2``). ``faceid_idcards_backfill`` reads 200 distinct scans in chunks
of 25; each chunk takes 2 slots of the 4-slot ``faceid_api`` pool and keeps 2 requests in flight,
against a faceid-local whose account limit is 4: two chunks at once, one per worker, at the limit.
The second test SIGKILLs a worker (with its task processes) in the middle of a chunk: the scheduler
fails that try once its heartbeat times out and Airflow retries it on the other worker; no image may
be lost or loaded twice. Sizing and measured figures: docs/scale-out.md.
"""

from __future__ import annotations

import json
import math
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from airflow_provider_faceid.local.specimens.generate import generate
from airflow_provider_faceid.local.specimens.seeds import TEST_SEEDS
from tests.e2e.airflow_stack import AirflowStack, configure_faceid_deployment
from tests.e2e.celery_backfill_run import (
    BackfillOutcome,
    BackfillPlan,
    celery_stack_options,
    run_backfill,
    warm_replay_cache,
)
from tests.e2e.redis_server import RedisUnavailable, running_redis
from tests.e2e.staged_scans import stage_copies
from tests.fixtures.faceid_local import FaceIdLocalServer

pytestmark = [pytest.mark.e2e, pytest.mark.slow, pytest.mark.timeout(600)]

DISTINCT_PICTURES = 3
PLAN = BackfillPlan(images=200, account_limit=4, task_slots=2, chunk_size=25, parallelism=4, run_timeout=300)


@pytest.fixture
def redis_url() -> Iterator[str]:
    """A private Redis on a free port: concurrent runs never share queues, no Redis needed beforehand."""
    try:
        with running_redis() as url:
            yield url
    except RedisUnavailable as exc:
        pytest.fail(f"CeleryExecutor tests need redis-server: {exc}", pytrace=False)


def _backfill(
    tmp_path: Path,
    plan: BackfillPlan,
    *,
    redis_url: str,
    airflow_stack_factory: Callable[..., AirflowStack],
    faceid_local_factory: Callable[..., FaceIdLocalServer],
    database_factory: Callable[[], str],
) -> tuple[BackfillOutcome, dict[Path, str], AirflowStack]:
    bases = [
        p.read_bytes()
        for p in generate(
            count=DISTINCT_PICTURES, out_dir=tmp_path / "specimens", seed=TEST_SEEDS["celery_scale_out"]
        )
    ]
    staged = stage_copies(bases, count=plan.images, folder=tmp_path / "archive", tag="celery")
    faceid = faceid_local_factory(concurrency_limit=plan.account_limit, latency_ms=plan.latency_ms, workers=1)
    warm_replay_cache(faceid, bases)
    results_url = database_factory()
    metadata_url = database_factory()
    stack = airflow_stack_factory(
        metadata_db_url=metadata_url,
        **celery_stack_options(plan=plan, redis_url=redis_url, metadata_db_url=metadata_url),
    )
    configure_faceid_deployment(stack, faceid=faceid, results_url=results_url, pool_slots=plan.account_limit)
    outcome = run_backfill(
        stack,
        plan=plan,
        faceid=faceid,
        results_url=results_url,
        archive=tmp_path / "archive",
        images=len(staged),
    )
    print(f"\n{plan}\nfaceid-local counters: {json.dumps(outcome.counters)}")
    print(f"images by worker: {outcome.images_by_worker}; run {outcome.run_seconds:.1f} s, "
          f"chunks {outcome.ocr_seconds:.1f} s = {outcome.throughput(outcome.ocr_seconds):.1f} img/s "
          f"(C/L = {plan.limit_rate:.1f}); load average {outcome.load_average}")  # fmt: skip
    return outcome, staged, stack


def _assert_every_image_once(outcome: BackfillOutcome, staged: dict[Path, str], plan: BackfillPlan) -> None:
    """The account's limit held, and every file is loaded, each image one row."""
    assert outcome.run_state == "success"
    assert outcome.counters["concurrency_rejections"] == 0
    assert outcome.counters["max_in_flight"] <= plan.account_limit
    assert outcome.failures == 0
    assert outcome.rows == outcome.distinct_rows == len(set(staged.values()))
    assert outcome.sources == {str(path): sha for path, sha in staged.items()}


def test_two_celery_workers_share_the_account_limit(
    tmp_path: Path,
    redis_url: str,
    airflow_stack_factory: Callable[..., AirflowStack],
    faceid_local_factory: Callable[..., FaceIdLocalServer],
    database_factory: Callable[[], str],
) -> None:
    outcome, staged, stack = _backfill(
        tmp_path,
        PLAN,
        redis_url=redis_url,
        airflow_stack_factory=airflow_stack_factory,
        faceid_local_factory=faceid_local_factory,
        database_factory=database_factory,
    )
    _assert_every_image_once(outcome, staged, PLAN)
    # No retry anywhere: each image was sent exactly once, answered 200.
    assert outcome.counters["requests_by_status"] == {"200": len(staged)}
    assert [ti["try_number"] for ti in outcome.chunk_tis] == [1] * math.ceil(PLAN.images / PLAN.chunk_size)
    # Both workers ran chunks, and the pool (not the executor) set the pace: 2 chunks at once, at the limit.
    assert set(outcome.images_by_worker) == set(stack.celery_worker_names)
    assert all(count > 0 for count in outcome.images_by_worker.values())
    assert sum(outcome.images_by_worker.values()) == len(staged)
    assert {ti["pool_slots"] for ti in outcome.chunk_tis} == {PLAN.task_slots}
    assert outcome.counters["max_in_flight"] == PLAN.account_limit
    shutdown = stack.stop()
    assert shutdown.clean, shutdown
    assert stack.processes() == []


KILL_PLAN = BackfillPlan(
    images=200,
    account_limit=4,
    task_slots=2,
    chunk_size=50,  # >= 7.5 s of API time per chunk: killed well inside it
    kill_worker_after=3.0,
    heartbeat_timeout=15,
    retry_delay_seconds=2.0,
    run_timeout=360,
)


def test_a_chunk_lost_with_its_worker_is_retried_without_losing_or_doubling_an_image(
    tmp_path: Path,
    redis_url: str,
    airflow_stack_factory: Callable[..., AirflowStack],
    faceid_local_factory: Callable[..., FaceIdLocalServer],
    database_factory: Callable[[], str],
) -> None:
    outcome, staged, stack = _backfill(
        tmp_path,
        KILL_PLAN,
        redis_url=redis_url,
        airflow_stack_factory=airflow_stack_factory,
        faceid_local_factory=faceid_local_factory,
        database_factory=database_factory,
    )
    tries = [(ti["map_index"], ti["try_number"], ti["hostname"]) for ti in outcome.chunk_tis]
    print(
        f"killed {outcome.killed_worker} running chunks {outcome.killed_chunks}; "
        f"extra API calls {outcome.extra_api_calls}; (chunk, try, worker): {tries}"
    )
    _assert_every_image_once(outcome, staged, KILL_PLAN)
    # The worker died with a chunk half done; Airflow failed that try on its missing heartbeat and
    # ran the chunk again on the surviving worker.
    assert outcome.killed_worker in stack.celery_worker_names
    assert outcome.killed_chunks
    survivor = next(name for name in stack.celery_worker_names if name != outcome.killed_worker)
    retried = {ti["map_index"]: ti for ti in outcome.chunk_tis if ti["map_index"] in outcome.killed_chunks}
    assert all(ti["try_number"] >= 2 and ti["hostname"] == survivor for ti in retried.values()), retried
    # The price: calls the killed try made for images it had not committed yet (the DAG commits every
    # 500 images, more than a chunk, so that is every call it made), at most one chunk per killed try.
    assert 0 <= outcome.extra_api_calls <= KILL_PLAN.chunk_size * len(outcome.killed_chunks)
    shutdown = stack.stop()
    assert not shutdown.stragglers, shutdown
    assert stack.processes() == []
