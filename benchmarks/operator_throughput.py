"""Operator throughput against the ideal C/L and the sequential loop most users write.

faceid-local replays every image (distinct COM-segment copies of a few specimens, see _common.py)
after ``--latency-ms`` L and admits at most ``--limit`` C requests in flight, like the cloud account.
Side by side in this process, alternating rounds, each in a fresh schema:

(a) FaceIdOcrToPostgresOperator.execute with max_in_flight = pool_slots = C;
(b) the loop most users write: for each file, read it, ``requests.post`` it (multipart), insert the
    answer with ``PostgresHook.insert_rows`` (one row, one commit);
(c) the ideal, C / L images/s: C requests always in flight, zero cost outside the API.

Printed: images/s of each, operator / ideal (target >= 0.95), operator / sequential, and the server's
max_in_flight (must be <= C) and concurrency rejections (should be 0). The sequential loop runs a
slice of the images (its rate is per image; the full set would take N x L seconds per round).

    .venv/bin/python benchmarks/operator_throughput.py                      # ~2 min on 2 busy cores
    .venv/bin/python benchmarks/operator_throughput.py --images 400 --rounds 3

Where the time goes (all threads: the planner feeds from its own thread, calls run on workers):

    .venv/bin/py-spy record --threads --format speedscope -o /tmp/operator.json -- \\
        .venv/bin/python benchmarks/operator_throughput.py --rounds 1
"""

from __future__ import annotations

import argparse
import json
import logging
import statistics
import tempfile
import time
from pathlib import Path

import requests
from _common import (
    POSTGRES_CONN_ID,
    FaceIdLocalServer,
    base_specimens,
    count_rows,
    database,
    fresh_schema,
    publish_connections,
    replaying_faceid_local,
    run_operator,
    write_copies,
)


def sequential_loop(files: list[Path], *, server: FaceIdLocalServer, schema: str) -> float:
    """The straightforward loop; returns images/s."""
    from airflow.providers.postgres.hooks.postgres import PostgresHook

    hook = PostgresHook(postgres_conn_id=POSTGRES_CONN_ID)
    table = f'"{schema}".naive_idcard'
    hook.run(f"CREATE TABLE {table} (path text PRIMARY KEY, answer jsonb)")
    started = time.perf_counter()
    for path in files:
        with path.open("rb") as image:
            response = requests.post(
                server.ocr_url,
                data={"api_key": server.api_key, "api_secret": server.api_secret},
                files={"image": (path.name, image, "image/jpeg")},
                timeout=60,
            )
        response.raise_for_status()
        hook.insert_rows(table, [(str(path), json.dumps(response.json()))], target_fields=["path", "answer"])
    return len(files) / (time.perf_counter() - started)


def operator_round(
    folder: Path, *, url: str, server: FaceIdLocalServer, limit: int
) -> tuple[float, dict[str, int]]:
    """One operator run in a fresh schema; returns images/s (wall clock of execute) and counters."""
    expected = sum(1 for _ in folder.iterdir())
    with fresh_schema(url) as schema:
        server.reset()
        started = time.perf_counter()
        summary = run_operator(source=folder, schema=schema, max_in_flight=limit)
        seconds = time.perf_counter() - started
        counters = server.counters()
        if summary["loaded"] != expected or count_rows(url, schema) != expected:
            raise SystemExit(f"operator loaded {summary['loaded']} of {expected}: {summary}")
    return expected / seconds, counters


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--images", type=int, default=200, help="distinct files the operator loads")
    parser.add_argument("--latency-ms", type=float, default=300.0, help="L: server time per request")
    parser.add_argument("--limit", type=int, default=4, help="C: the account's concurrency limit")
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument("--sequential-images", type=int, default=40, help="slice the loop runs per round")
    parser.add_argument("--bases", type=int, default=4, help="specimens the copies are made of")
    args = parser.parse_args()
    logging.getLogger("airflow").setLevel(logging.WARNING)  # one "Loaded 1 rows" line per image otherwise

    latency = args.latency_ms / 1000
    ideal = args.limit / latency
    with tempfile.TemporaryDirectory(prefix="faceid-bench-") as tmp:
        work = Path(tmp)
        bases = base_specimens(count=args.bases, out_dir=work / "bases")
        folder = work / "images"
        files = write_copies(bases, count=args.images, out_dir=folder)
        with (
            database() as url,
            replaying_faceid_local(
                bases=bases, latency_ms=args.latency_ms, concurrency_limit=args.limit
            ) as server,
        ):
            publish_connections(faceid=server, postgres_url=url)
            warm = work / "warm-up"
            write_copies(bases, count=args.limit * 2, out_dir=warm, tag="warm")
            with fresh_schema(url) as schema:  # imports, engine creation: not what is measured
                run_operator(source=warm, schema=schema, max_in_flight=args.limit)

            operator_rates: list[float] = []
            sequential_rates: list[float] = []
            peaks: list[int] = []
            rejections = 0
            for number in range(1, args.rounds + 1):
                rate, counters = operator_round(folder, url=url, server=server, limit=args.limit)
                operator_rates.append(rate)
                peaks.append(counters["max_in_flight"])
                rejections += counters["concurrency_rejections"]
                with fresh_schema(url) as schema:
                    sequential_rates.append(
                        sequential_loop(files[: args.sequential_images], server=server, schema=schema)
                    )
                print(
                    f"round {number}: operator {rate:.2f} images/s "
                    f"(engine_calls={counters['engine_calls']}, max_in_flight={counters['max_in_flight']}), "
                    f"sequential {sequential_rates[-1]:.2f} images/s",
                    flush=True,
                )

    operator = statistics.median(operator_rates)
    sequential = statistics.median(sequential_rates)
    print(
        f"\nN={args.images} images, L={args.latency_ms:.0f} ms, C={args.limit}, "
        f"rounds={args.rounds} (medians)\n"
        f"  (a) operator            {operator:7.2f} images/s\n"
        f"  (b) sequential loop     {sequential:7.2f} images/s\n"
        f"  (c) ideal C/L           {ideal:7.2f} images/s\n"
        f"  operator / ideal        {operator / ideal:7.3f}   (target >= 0.95)\n"
        f"  operator / sequential   {operator / sequential:7.2f}\n"
        f"  server max_in_flight    {max(peaks):7d}   (must be <= {args.limit})\n"
        f"  concurrency rejections  {rejections:7d}   (should be 0)"
    )


if __name__ == "__main__":
    main()
