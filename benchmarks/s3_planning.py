"""Listing and planning 10k objects in a bucket against a plain boto3 download loop, side by side.

One moto S3 server on loopback (tests/fixtures/s3.py: the S3 HTTP protocol, every request counted)
holds ``--objects`` distinct objects under nested prefixes; every client reaches it over HTTP in this
one process, one after the other:

* **boto3 loop** (the baseline): ``list_objects_v2`` pages, then ``get_object`` + sha256 of every
  object: what a hand-written S3Hook/boto3 task does on every run.
* **first run**: ``list_staged`` + reading through ObjectStoragePath and an ``aws`` connection,
  i.e. the staging half of the planner for objects it has never seen (the image preparation that
  follows costs the same for any source): once one ``read_staged`` at a time, once as the planner
  reads, ``read_staged_many`` over groups of ``SHA_LOOKUP_FILES`` (fetched concurrently).
* **re-run**: the planner itself over the same prefix when every object is recorded in Postgres
  (URI + size + ETag): listing plus the batched look-ups, nothing downloaded.

Prints objects/s and requests per object (LIST pages, HEADs, GETs) for each, and the ratios.

    .venv/bin/python benchmarks/s3_planning.py                 # 10,000 objects of 8 KiB; ~5 min
    .venv/bin/python benchmarks/s3_planning.py --objects 2000  # quicker
"""

from __future__ import annotations

import argparse
import hashlib
import itertools
import os
import sys
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

os.environ.setdefault("AIRFLOW__LOGGING__LOGGING_LEVEL", "WARNING")
ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:  # the fixtures live in tests/, importable from the repository root
    sys.path.insert(0, str(ROOT))

import sqlalchemy as sa  # noqa: E402

from airflow_provider_faceid.loader import Lineage, Loader, store_plain  # noqa: E402
from airflow_provider_faceid.planner import SHA_LOOKUP_FILES, Planner  # noqa: E402
from airflow_provider_faceid.sink import PostgresSink  # noqa: E402
from airflow_provider_faceid.staging import (  # noqa: E402
    DEFAULT_MAX_BYTES,
    list_staged,
    read_staged,
    read_staged_many,
)
from tests.fixtures.postgres import acquire_database  # noqa: E402
from tests.fixtures.s3 import ACCESS_KEY, REGION, S3_CONN_ID, SECRET_KEY, MotoS3Server  # noqa: E402

BUCKET = "bench-scans"
PREFIX = "scans"


def fill(server: MotoS3Server, count: int, size: int) -> None:
    client = server.client()
    client.create_bucket(Bucket=BUCKET)

    def put(n: int) -> None:
        body = n.to_bytes(8, "big") * (size // 8)
        client.put_object(Bucket=BUCKET, Key=f"{PREFIX}/{n % 10}/{n // 10 % 10}/扫描 {n:06d}.jpg", Body=body)

    with ThreadPoolExecutor(8) as pool:
        list(pool.map(put, range(count)))


def boto3_loop(server: MotoS3Server) -> int:
    client = server.client()
    count = 0
    for page in client.get_paginator("list_objects_v2").paginate(Bucket=BUCKET, Prefix=f"{PREFIX}/"):
        for item in page.get("Contents", []):
            body = client.get_object(Bucket=BUCKET, Key=item["Key"])["Body"].read()
            hashlib.sha256(body).hexdigest()
            count += 1
    return count


def first_run_one_by_one() -> int:
    count = 0
    for obj in list_staged(f"s3://{S3_CONN_ID}@{BUCKET}/{PREFIX}"):
        read_staged(obj, max_bytes=DEFAULT_MAX_BYTES)
        count += 1
    return count


def first_run_in_groups() -> int:
    """How the planner reads: groups of SHA_LOOKUP_FILES objects, each group fetched concurrently."""
    listed = iter(list_staged(f"s3://{S3_CONN_ID}@{BUCKET}/{PREFIX}"))
    count = 0
    while group := list(itertools.islice(listed, SHA_LOOKUP_FILES)):
        read = read_staged_many(group, max_bytes=DEFAULT_MAX_BYTES)
        assert not any(isinstance(r, Exception) for r in read)
        count += len(read)
    return count


def record_all_as_loaded(sink: PostgresSink) -> None:
    """A results row and one source row per listed object, with its listed size and ETag."""
    sha = "0" * 64
    objects = list(list_staged(f"s3://{S3_CONN_ID}@{BUCKET}/{PREFIX}"))
    with sink.engine.begin() as conn:
        conn.execute(sa.insert(sink.tables.results).values(image_sha256=sha))
        conn.execute(
            sa.insert(sink.tables.sources),
            [
                {"source_uri": o.uri, "source_size": o.size, "source_etag": o.etag, "image_sha256": sha}
                for o in objects
            ],
        )


def rerun(sink: PostgresSink) -> int:
    loader = Loader(sink=sink, lineage=Lineage(), commit_every=500, store_number=store_plain)
    planner = Planner(sink=sink, loader=loader, max_file_bytes=DEFAULT_MAX_BYTES)
    items = list(planner.work_items(list_staged(f"s3://{S3_CONN_ID}@{BUCKET}/{PREFIX}")))
    assert items == [], "every object is recorded: nothing should be planned for a call"
    assert sum(loader.counts.skipped.values()) == loader.counts.listed
    return loader.counts.listed


def measure(server: MotoS3Server, label: str, run: Callable[[], int]) -> dict[str, Any]:
    server.reset_log()
    started = time.perf_counter()
    count = run()
    seconds = time.perf_counter() - started
    kinds = server.counts(BUCKET)
    row = {
        "label": label,
        "objects": count,
        "seconds": seconds,
        "per_s": count / seconds,
        **{k: kinds[k] / count for k in ("LIST", "HEAD", "GET")},
    }
    print(
        f"  {label:<36} {seconds:7.2f} s  {row['per_s']:8.0f} objects/s  "
        f"LIST {row['LIST']:.4f}  HEAD {row['HEAD']:.4f}  GET {row['GET']:.4f} per object"
    )
    return row


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--objects", type=int, default=10_000)
    parser.add_argument("--size", type=int, default=8192, help="bytes per object")
    args = parser.parse_args()
    server = MotoS3Server()
    os.environ[f"AIRFLOW_CONN_{S3_CONN_ID.upper()}"] = server.connection_json()
    os.environ.update(
        AWS_ACCESS_KEY_ID=ACCESS_KEY, AWS_SECRET_ACCESS_KEY=SECRET_KEY, AWS_DEFAULT_REGION=REGION
    )
    try:
        fill(server, args.objects, args.size)
        with acquire_database() as url:
            engine = sa.create_engine(url, poolclass=sa.NullPool)
            sink = PostgresSink(engine=engine, schema=None, table="faceid_idcard")
            sink.create_tables()
            print(f"{args.objects} objects of {args.size} B in s3://{BUCKET}/{PREFIX}/ (moto, loopback)")
            base = measure(server, "boto3 list + get_object loop", lambda: boto3_loop(server))
            single = measure(server, "first run, read one by one", first_run_one_by_one)
            first = measure(server, "first run, planner groups", first_run_in_groups)
            record_all_as_loaded(sink)
            again = measure(server, "re-run: planner, all recorded", lambda: rerun(sink))
            engine.dispose()
        assert base["objects"] == single["objects"] == first["objects"] == again["objects"] == args.objects
        print(
            f"  objects/s / boto3 loop: first run one by one {single['per_s'] / base['per_s']:.2f}x,"
            f" in groups {first['per_s'] / base['per_s']:.2f}x; re-run {again['per_s'] / base['per_s']:.1f}x"
        )
    finally:
        server.stop()


if __name__ == "__main__":
    main()
