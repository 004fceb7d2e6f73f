"""Rows/s of PostgresSink.write_batch against PostgresHook.insert_rows, same rows, same process.

Both load the same generated ID-card result rows into identical results tables (created by the sink's
own DDL, in two throwaway schemas), in batches, with upsert semantics on image_sha256 (the hook through
``replace=True, replace_index="image_sha256"``, its executemany mode, which is its fastest). Each round
loads fresh digests (insert path) and then the same digests again (update path); the two methods
alternate within a round so that machine noise hits both alike.

Usage:
    .venv/bin/python benchmarks/sink_throughput.py [--rows 20000] [--batch 1000] [--rounds 2]

The database is FACEID_TEST_DATABASE_URL if set, else postgres@127.0.0.1:5432/postgres. The schemas
are dropped at the end.
"""

from __future__ import annotations

import argparse
import datetime as dt
import functools
import hashlib
import json
import logging
import os
import secrets
import statistics
import time
from collections.abc import Callable, Sequence
from typing import Any

import sqlalchemy as sa
import structlog

from airflow_provider_faceid.sink import RESULT_COLUMNS, PostgresSink

DEFAULT_URL = "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"
CONN_ID = "faceid_bench_postgres"
SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗"
GIVEN = "伟芳娜秀英敏静丽强磊军洋勇艳杰娟涛明超秀兰霞平刚桂英"


def make_rows(count: int, *, salt: str) -> list[dict[str, Any]]:
    rows = []
    for i in range(count):
        birthday = dt.date(1950, 1, 1) + dt.timedelta(days=(i * 37) % 20000)
        front = i % 2 == 0
        rows.append(
            {
                "image_sha256": hashlib.sha256(f"{salt}:{i}".encode()).hexdigest(),
                "side": "front" if front else "back",
                "name": SURNAMES[i % len(SURNAMES)] + GIVEN[i % len(GIVEN)] + GIVEN[(i * 7) % len(GIVEN)],
                "gender": "男" if i % 3 else "女",
                "race": "汉",
                "birthday": birthday,
                "birthday_year": str(birthday.year),
                "birthday_month": str(birthday.month),
                "birthday_day": str(birthday.day),
                "address": f"北京市海淀区中关村大街{i % 300}号院{i % 17}号楼",
                "id_card_number": hashlib.sha256(f"n{i}".encode()).hexdigest(),
                "id_card_number_masked": "110***********123X",
                "issued_by": None if front else "北京市公安局海淀分局",
                "valid_date": None if front else "2016.02.29-2036.02.28",
                "valid_from": None if front else dt.date(2016, 2, 29),
                "valid_to": None if front else dt.date(2036, 2, 28),
                "long_term": False,
                "head_rect": {"lt": {"x": 0.6, "y": 0.19}, "rb": {"x": 0.89, "y": 0.72}} if front else None,
                "legality": {"ID Photo": 0.98, "Temporary ID Photo": 0.0, "Photocopy": 0.01, "Screen": 0.01},
                "request_id": f"1505962912,{secrets.token_hex(16)}",
                "time_used": 400.0 + i % 700,
                "number_check": 1,
                "flags": ["REGION_UNKNOWN"] if i % 10 == 0 else [],
                "needs_recapture": False,
                "source_uri": f"s3://scans/2024/{i:08d}.jpg",
                "source_size": 60_000 + i,
                "dag_id": "faceid_daily",
                "run_id": "scheduled__2024-01-01T00:00:00+00:00",
                "task_id": "ocr",
                "logical_date": dt.datetime(2024, 1, 1, tzinfo=dt.timezone.utc),
            }
        )
    return rows


def hook_tuples(rows: Sequence[dict[str, Any]]) -> list[tuple[Any, ...]]:
    """What a user of insert_rows must pass: dicts become Json there, but a list would too, so text[]
    values go as array literals."""
    flags_at = RESULT_COLUMNS.index("flags")
    out = []
    for row in rows:
        values = [row[c] for c in RESULT_COLUMNS]
        flags = values[flags_at]
        if flags is not None:
            values[flags_at] = "{" + ",".join(json.dumps(f, ensure_ascii=False) for f in flags) + "}"
        out.append(tuple(values))
    return out


def timed(fn: Callable[[], None]) -> float:
    start = time.perf_counter()
    fn()
    return time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--rows", type=int, default=20_000)
    parser.add_argument("--batch", type=int, default=1_000)
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument(
        "--hook-executemany",
        action="store_true",
        help="give insert_rows executemany=True (psycopg 3 pipeline mode); default: its defaults, "
        "one INSERT per row, which is what most DAGs call",
    )
    parser.add_argument(
        "--no-secondary-indexes",
        action="store_true",
        help="diagnosis: drop the 3 secondary indexes of both results tables (server work both pay)",
    )
    args = parser.parse_args()

    url = sa.make_url(os.environ.get("FACEID_TEST_DATABASE_URL") or DEFAULT_URL).set(
        drivername="postgresql+psycopg"
    )
    os.environ[f"AIRFLOW_CONN_{CONN_ID.upper()}"] = json.dumps(
        {
            "conn_type": "postgres",
            "host": url.host,
            "port": url.port or 5432,
            "login": url.username,
            "password": url.password,
            "schema": url.database,
        }
    )
    from airflow.providers.postgres.hooks.postgres import PostgresHook

    # The hook logs every chunk at INFO through structlog; keep the output to the figures.
    structlog.configure(wrapper_class=structlog.make_filtering_bound_logger(logging.WARNING))

    engine = sa.create_engine(url)
    tag = secrets.token_hex(4)
    sink_schema, hook_schema = f"bench_sink_{tag}", f"bench_hook_{tag}"
    sink = PostgresSink(engine=engine, schema=sink_schema)
    sink.create_tables()
    PostgresSink(engine=engine, schema=hook_schema).create_tables()
    if args.no_secondary_indexes:
        with engine.begin() as conn:
            for schema in (sink_schema, hook_schema):
                for index in ("number", "loaded_at", "run"):
                    conn.exec_driver_sql(f'DROP INDEX "{schema}".faceid_idcard_{index}_idx')
    hook = PostgresHook(postgres_conn_id=CONN_ID)
    hook_table = f"{hook_schema}.faceid_idcard"
    batch = args.batch

    def run_sink(rows: list[dict[str, Any]]) -> None:
        for start in range(0, len(rows), batch):
            sink.write_batch(results=rows[start : start + batch])

    def run_hook(rows: list[dict[str, Any]]) -> None:
        # Row conversion counts: the sink's time includes its own.
        hook.insert_rows(
            hook_table,
            hook_tuples(rows),
            target_fields=list(RESULT_COLUMNS),
            commit_every=batch,
            replace=True,
            replace_index="image_sha256",
            executemany=args.hook_executemany,
        )

    timings: dict[str, list[float]] = {
        "sink insert": [],
        "hook insert": [],
        "sink update": [],
        "hook update": [],
    }
    try:
        for round_no in range(args.rounds):
            rows = make_rows(args.rows, salt=f"{tag}:{round_no}")
            order: list[tuple[str, Callable[[list[dict[str, Any]]], None]]] = [
                ("sink", run_sink),
                ("hook", run_hook),
            ]
            if round_no % 2:
                order.reverse()
            for phase in ("insert", "update"):
                for name, load in order:
                    timings[f"{name} {phase}"].append(timed(functools.partial(load, rows)))
        with engine.connect() as conn:
            for schema in (sink_schema, hook_schema):
                count = conn.scalar(sa.text(f'SELECT count(*) FROM "{schema}".faceid_idcard'))
                assert count == args.rows * args.rounds, (schema, count)
    finally:
        with engine.begin() as conn:
            for schema in (sink_schema, hook_schema):
                conn.exec_driver_sql(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE')
        engine.dispose()

    indexes = "PK only" if args.no_secondary_indexes else "PK + 3 secondary indexes"
    hook_mode = (
        "executemany=True (pipeline)" if args.hook_executemany else "its defaults (a statement per row)"
    )
    print(f"{args.rows} rows x {args.rounds} rounds, batches of {batch}, {indexes}, {url.render_as_string()}")
    print(f"insert_rows with {hook_mode}, replace=True")
    print(f"{'path':<8}{'PostgresSink.write_batch':>26}{'PostgresHook.insert_rows':>26}{'ratio':>8}")
    for phase in ("insert", "update"):
        sink_rate = args.rows / statistics.median(timings[f"sink {phase}"])
        hook_rate = args.rows / statistics.median(timings[f"hook {phase}"])
        print(f"{phase:<8}{sink_rate:>20,.0f} rows/s{hook_rate:>20,.0f} rows/s{sink_rate / hook_rate:>7.1f}x")


if __name__ == "__main__":
    main()
