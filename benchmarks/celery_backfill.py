"""Scale-out: Celery workers share one FaceID concurrency budget over a large backfill.

Airflow for real with the CeleryExecutor: a private Redis (broker), the metadata DB and Celery's
result backend in Postgres, scheduler, dag-processor, api-server and ``--workers`` Celery workers
(``worker1``, ``worker2``...). faceid-local answers with ``--latency-ms`` per request and rejects
anything over ``--limit`` requests in flight (403 CONCURRENCY_LIMIT_EXCEEDED, counted); the
``faceid_api`` pool has ``--limit`` slots and every chunk of ``faceid_idcards_backfill`` takes
``--task-slots`` of them (= the requests it keeps in flight), so ``limit / task_slots`` chunks run at
once. The archive holds ``--images`` distinct files (copies of a few specimens with a unique JPEG
comment: distinct bytes, the same pixels, so faceid-local's replay cache answers them without OCR).

The baseline is the account's ceiling C/L (limit / latency): no client can do better, so the ratio
images/s / (C/L) says how much of the budget the deployment used. ``--kill-worker-after S`` SIGKILLs
the worker of the oldest running chunk S seconds after it started (the worker and its task
processes: a lost node); the scheduler fails that chunk once its heartbeat times out and Airflow
retries it; the report shows what that cost in time and in extra API calls.

    .venv/bin/python benchmarks/celery_backfill.py                      # 2,000 images, limit 8, 2 workers
    .venv/bin/python benchmarks/celery_backfill.py --kill-worker-after 10
"""

from __future__ import annotations

import argparse
import contextlib
import sys
import tempfile
import time
from pathlib import Path

from _common import ROOT, base_specimens, replaying_faceid_local, write_copies

from tests.e2e.airflow_stack import StackOptions, configure_faceid_deployment, running_stack
from tests.e2e.celery_backfill_run import (
    BackfillOutcome,
    BackfillPlan,
    celery_stack_options,
    run_backfill,
    seconds_between,
)
from tests.e2e.redis_server import running_redis
from tests.fixtures.postgres import acquire_database


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    plan = BackfillPlan(
        images=args.images,
        account_limit=args.limit,
        task_slots=args.task_slots,
        chunk_size=args.chunk_size,
        latency_ms=args.latency_ms,
        workers=args.workers,
        worker_concurrency=args.worker_concurrency,
        parallelism=args.parallelism,
        kill_worker_after=args.kill_worker_after,
        heartbeat_timeout=args.heartbeat_timeout,
        retry_delay_seconds=args.retry_delay,
        min_heartbeat_interval=args.min_heartbeat_interval,
        run_timeout=args.run_timeout,
    )
    started = time.monotonic()
    with contextlib.ExitStack() as cleanup:
        # --keep-dir keeps AIRFLOW_HOME (component and task logs) for a look afterwards.
        work = args.keep_dir or Path(
            cleanup.enter_context(tempfile.TemporaryDirectory(prefix="faceid-celery-"))
        )
        work.mkdir(parents=True, exist_ok=True)
        bases = base_specimens(count=args.distinct, out_dir=work / "specimens")
        files = write_copies(bases, count=plan.images, out_dir=work / "archive", tag="celery ")
        with (
            running_redis() as redis_url,
            acquire_database() as metadata_url,
            acquire_database() as results_url,
            replaying_faceid_local(
                bases=bases, latency_ms=plan.latency_ms, concurrency_limit=plan.account_limit
            ) as faceid,
        ):
            fields = celery_stack_options(plan=plan, redis_url=redis_url, metadata_db_url=metadata_url)
            fields["config"] = {**fields["config"], **dict(item.split("=", 1) for item in args.set)}
            options = StackOptions(
                home=work / "airflow", dags_folder=ROOT / "dags", metadata_db_url=metadata_url, **fields
            )
            with running_stack(options) as stack:
                configure_faceid_deployment(
                    stack, faceid=faceid, results_url=results_url, pool_slots=plan.account_limit
                )
                outcome = run_backfill(
                    stack,
                    plan=plan,
                    faceid=faceid,
                    results_url=results_url,
                    archive=work / "archive",
                    images=len(files),
                )
                shutdown = stack.stop()
    if args.set:
        print(f"extra settings: {', '.join(args.set)}")
    _report(plan, outcome, expected_sources={str(p) for p in files})
    print(f"shutdown: clean={shutdown.clean} in {shutdown.seconds} s; whole benchmark "
          f"{time.monotonic() - started:.0f} s")  # fmt: skip
    return 0


def _report(plan: BackfillPlan, outcome: BackfillOutcome, *, expected_sources: set[str]) -> None:
    ceiling = plan.limit_rate
    chunks = len(outcome.chunk_tis)
    print(
        f"plan: {plan.images} images, account limit C={plan.account_limit}, "
        f"latency L={plan.latency_ms:.0f} ms, pool {plan.account_limit} slots, "
        f"{plan.task_slots} slots/chunk -> "
        f"{plan.account_limit // plan.task_slots} chunks at once, chunk size {plan.chunk_size} -> "
        f"{chunks} chunks, "
        f"{plan.workers} workers x concurrency {plan.worker_concurrency}, parallelism {plan.parallelism}, "
        f"[workers] min_heartbeat_interval {plan.min_heartbeat_interval} s"
    )
    print(f"{'':28}{'seconds':>9}{'images/s':>10}{'C/L':>8}{'ratio':>7}")
    if outcome.warm_up_seconds is not None:
        print(f"(not measured: a warm-up run over an empty folder first, {outcome.warm_up_seconds:.1f} s)")
    for name, seconds in (
        ("chunks (first start-last end)", outcome.ocr_seconds),
        ("whole DAG run", outcome.run_seconds),
    ):
        rate = outcome.throughput(seconds)
        print(f"{name:28}{seconds:9.1f}{rate:10.1f}{ceiling:8.1f}{rate / ceiling:7.2f}")
    counters = outcome.counters
    print(
        f"server: requests {counters['requests']} {counters['requests_by_status']}, max in flight "
        f"{counters['max_in_flight']} (limit {plan.account_limit}), "
        f"limit answers {counters['concurrency_rejections']}"
    )
    print(
        f"results: rows {outcome.rows} (distinct images {outcome.distinct_rows}, duplicates "
        f"{outcome.rows - outcome.distinct_rows}), "
        f"files mapped {len(outcome.sources)}/{len(expected_sources)} "
        f"(all: {set(outcome.sources) == expected_sources}), failures {outcome.failures}"
    )
    share = ", ".join(
        f"{worker} {count} ({count / max(outcome.images, 1):.0%})"
        for worker, count in outcome.images_by_worker.items()
    )
    print(f"per-worker share (images of the chunks each ran, by task instance hostname): {share}")
    _print_timeline(outcome)
    tries = {ti["map_index"]: ti["try_number"] for ti in outcome.chunk_tis if ti["try_number"] != 1}
    print(f"chunks not done at try 1 (map index: try): {tries or 'none'}")
    if outcome.killed_worker:
        print(
            f"killed: {outcome.killed_worker} (SIGKILL, with its task processes) while running chunks "
            f"{outcome.killed_chunks}; extra API calls (requests - unique images): {outcome.extra_api_calls}"
        )
    print(f"load average at the end (1/5/15 min): {outcome.load_average}")


def _print_timeline(outcome: BackfillOutcome) -> None:
    """Seconds from the DAG run's start, per task: where the time between API calls goes."""
    if not outcome.chunk_tis:
        return
    origin = outcome.run_start or min(ti["queued_when"] or ti["start_date"] for ti in outcome.chunk_tis)
    print("task          queued  start    end   (seconds from the DAG run's start)")
    for ti in sorted(outcome.other_tis, key=lambda t: t["start_date"] or ""):
        print(
            f"{ti['task_id']:12} {seconds_between(origin, ti['queued_when'] or ti['start_date']):7.1f} "
            f"{seconds_between(origin, ti['start_date']):6.1f} {seconds_between(origin, ti['end_date']):6.1f}"
        )
    print(f"{'DAG run end':28}{outcome.run_seconds:6.1f}")
    print("chunk worker   try  queued  start    end  task s  operator s  start-up s  img/s (operator)")
    for ti in sorted(outcome.chunk_tis, key=lambda t: t["start_date"]):
        summary = outcome.chunk_summaries.get(int(ti["map_index"]), {})
        task_seconds = seconds_between(ti["start_date"], ti["end_date"])
        operator_seconds = float(summary.get("seconds", 0.0))
        print(
            f"{ti['map_index']:5} {ti['hostname']!s:8} {ti['try_number']:3} "
            f"{seconds_between(origin, ti['queued_when'] or ti['start_date']):7.1f} "
            f"{seconds_between(origin, ti['start_date']):6.1f} "
            f"{seconds_between(origin, ti['end_date']):6.1f} {task_seconds:7.1f} {operator_seconds:11.1f} "
            f"{task_seconds - operator_seconds:11.1f} {float(summary.get('images_per_s', 0.0)):8.1f}"
        )


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--images", type=int, default=2000)
    parser.add_argument("--distinct", type=int, default=4, help="distinct specimens the copies are made of")
    parser.add_argument("--limit", type=int, default=8, help="account concurrency limit C = pool slots")
    parser.add_argument("--latency-ms", type=float, default=300.0, help="faceid-local latency L per request")
    parser.add_argument("--task-slots", type=int, default=4, help="pool slots per chunk = its max_in_flight")
    parser.add_argument(
        "--chunk-size", type=int, default=500, help="images per mapped task (the DAG's default)"
    )
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--worker-concurrency", type=int, default=1)
    parser.add_argument("--parallelism", type=int, default=4)
    parser.add_argument("--kill-worker-after", type=float, default=None, metavar="S")
    parser.add_argument(
        "--heartbeat-timeout", type=int, default=20, help="[scheduler] task_instance_heartbeat_timeout"
    )
    parser.add_argument("--run-timeout", type=float, default=1200.0)
    parser.add_argument(
        "--retry-delay", type=float, default=None, help="fixed retry delay (cluster policy), s"
    )
    parser.add_argument(
        "--min-heartbeat-interval",
        type=int,
        default=1,
        help="[workers] min_heartbeat_interval, s (Airflow's default: 5)",
    )
    parser.add_argument(
        "--set",
        action="append",
        default=[],
        metavar="SECTION.KEY=VALUE",
        help="extra Airflow setting for every component, e.g. workers.min_heartbeat_interval=1",
    )
    parser.add_argument(
        "--keep-dir", type=Path, default=None, help="work folder to keep (logs), not a temp one"
    )
    return parser


if __name__ == "__main__":
    sys.exit(main())
