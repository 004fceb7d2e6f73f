"""Rows/s of the sink path with encrypt_fields on against off, same records, same process.

The path measured is what the operator runs per loaded image once the API answered: the loader
builds the row (masks, HMAC of the number) and, with encryption on, seals name, address and number
with AES-GCM; PostgresSink.write_batch then writes each batch (COPY). Both variants write fresh
digests into identical tables of their own schema, HMAC storage in both (encryption needs it), and
alternate within each round so that machine noise hits both alike.

Usage:
    .venv/bin/python benchmarks/encryption_overhead.py [--rows 10000] [--batch 500] [--rounds 7]

Each round times both variants back to back; the figure is the median of the rounds' ratios, which
holds up better than a ratio of medians when other processes share the two cores.

The database is FACEID_TEST_DATABASE_URL if set, else postgres@127.0.0.1:5432/postgres. The schemas
are dropped at the end. The target (issue 15): encryption costs < 15 % of sink throughput.
"""

from __future__ import annotations

import argparse
import datetime as dt
import hashlib
import os
import secrets
import statistics
import time

import sqlalchemy as sa

from airflow_provider_faceid.fieldcrypt import FieldCipher
from airflow_provider_faceid.loader import Lineage, Loader, hmac_storage
from airflow_provider_faceid.records import IdCardRecord
from airflow_provider_faceid.sink import PostgresSink
from airflow_provider_faceid.staging import StagedObject

DEFAULT_URL = "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"
SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗"
GIVEN = "伟芳娜秀英敏静丽强磊军洋勇艳杰娟涛明超秀兰霞平刚桂英"


def make_records(count: int) -> list[IdCardRecord]:
    records = []
    for i in range(count):
        birthday = dt.date(1950, 1, 1) + dt.timedelta(days=(i * 37) % 20000)
        records.append(
            IdCardRecord(
                side="front",
                name=SURNAMES[i % len(SURNAMES)] + GIVEN[i % len(GIVEN)] + GIVEN[(i * 7) % len(GIVEN)],
                gender="男" if i % 3 else "女",
                race="汉",
                birthday=birthday,
                birthday_year=str(birthday.year),
                birthday_month=str(birthday.month),
                birthday_day=str(birthday.day),
                address=f"北京市海淀区中关村大街{i % 300}号院{i % 17}号楼",
                id_card_number=f"110105{birthday:%Y%m%d}{i % 1000:03d}X",
                head_rect={"lt": {"x": 0.6, "y": 0.19}, "rb": {"x": 0.89, "y": 0.72}},
                legality={"ID Photo": 0.98, "Temporary ID Photo": 0.0, "Photocopy": 0.01, "Screen": 0.01},
                request_id=f"1505962912,{secrets.token_hex(16)}",
                time_used=400.0 + i % 700,
                number_check=1,
                flags=("REGION_UNKNOWN",) if i % 10 == 0 else (),
            )
        )
    return records


def load(
    sink: PostgresSink, records: list[IdCardRecord], *, salt: str, batch: int, cipher: FieldCipher | None
) -> tuple[float, float]:
    """Wall seconds and this process's CPU seconds of loading ``records``."""
    loader = Loader(
        sink=sink,
        lineage=Lineage(dag_id="bench", run_id="bench", task_id="ocr"),
        commit_every=batch,
        store_number=hmac_storage(b"benchmark hmac key"),
        cipher=cipher,
    )
    objects = [
        (
            StagedObject(uri=f"s3://scans/{salt}/{i:08d}.jpg", size=60_000 + i, etag=None),
            hashlib.sha256(f"{salt}:{i}".encode()).hexdigest(),
        )
        for i in range(len(records))
    ]
    start, cpu = time.perf_counter(), time.process_time()
    for (obj, sha), record in zip(objects, records, strict=True):
        loader.loaded(obj, sha256=sha, record=record)
    loader.flush()
    return time.perf_counter() - start, time.process_time() - cpu


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--rows", type=int, default=10_000)
    parser.add_argument("--batch", type=int, default=500)
    parser.add_argument("--rounds", type=int, default=7)
    args = parser.parse_args()

    url = sa.make_url(os.environ.get("FACEID_TEST_DATABASE_URL") or DEFAULT_URL).set(
        drivername="postgresql+psycopg"
    )
    engine = sa.create_engine(url)
    tag = secrets.token_hex(4)
    schemas = {"off": f"bench_plain_{tag}", "on": f"bench_encrypted_{tag}"}
    sinks = {name: PostgresSink(engine=engine, schema=schema) for name, schema in schemas.items()}
    for sink in sinks.values():
        sink.create_tables()
    ciphers = {"off": None, "on": FieldCipher("benchmark field encryption key")}
    records = make_records(args.rows)
    timings: dict[str, list[float]] = {"off": [], "on": []}
    cpu: dict[str, list[float]] = {"off": [], "on": []}
    try:
        for round_no in range(args.rounds):
            order = ["off", "on"] if round_no % 2 == 0 else ["on", "off"]
            for name in order:
                seconds, cpu_seconds = load(
                    sinks[name], records, salt=f"{tag}:{round_no}", batch=args.batch, cipher=ciphers[name]
                )
                timings[name].append(seconds)
                cpu[name].append(cpu_seconds)
        with engine.connect() as conn:
            encrypted = conn.scalar(
                sa.text(f"SELECT count(*) FROM \"{schemas['on']}\".faceid_idcard WHERE name LIKE 'enc1:%%'")
            )
            assert encrypted == args.rows * args.rounds, encrypted
    finally:
        with engine.begin() as conn:
            for schema in schemas.values():
                conn.exec_driver_sql(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE')
        engine.dispose()

    off = args.rows / statistics.median(timings["off"])
    on = args.rows / statistics.median(timings["on"])
    costs = [1 - t_off / t_on for t_off, t_on in zip(timings["off"], timings["on"], strict=True)]
    print(f"{args.rows} front rows x {args.rounds} rounds, batches of {args.batch}, {url.render_as_string()}")
    print(f"{'encrypt_fields':<16}{'rows/s (median)':>18}")
    print(f"{'off':<16}{off:>18,.0f}")
    print(f"{'on':<16}{on:>18,.0f}")
    print("cost per round: " + ", ".join(f"{c * 100:.1f} %" for c in costs))
    print(
        f"encryption costs {statistics.median(costs) * 100:.1f} % of sink throughput (median; target < 15 %)"
    )
    cpu_cost = 1 - statistics.median(cpu["off"]) / statistics.median(cpu["on"])
    per_row = (statistics.median(cpu["on"]) - statistics.median(cpu["off"])) / args.rows * 1e6
    print(
        f"this process's CPU: +{cpu_cost * 100:.1f} % ({per_row:.1f} us a row, "
        "a figure the other processes' noise spares)"
    )


if __name__ == "__main__":
    main()
