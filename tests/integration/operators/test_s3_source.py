"""FaceIdOcrToPostgresOperator reading scans from a bucket over the S3 protocol.

The store is moto's S3 server on loopback (tests/fixtures/s3.py), reached the production way: an
Airflow ``aws`` connection with ``endpoint_url`` in its extra, Airflow's ObjectStoragePath, the
Amazon provider's s3fs filesystem, HTTP. The API is a real faceid-local, the sink a real
PostgreSQL. What stands in for AWS is moto's implementation of S3 behind the protocol; the
server's request log tells list pages, HEADs and GETs apart.
"""

from __future__ import annotations

import hashlib
import threading
import uuid
from collections.abc import Iterable, Iterator
from typing import Any

import pytest
import sqlalchemy as sa
from airflow.sdk.exceptions import AirflowException

from airflow_provider_faceid import planner
from airflow_provider_faceid.local.specimens.generate import generate, read_truth, with_jpeg_comment
from airflow_provider_faceid.local.specimens.seeds import TEST_SEEDS
from airflow_provider_faceid.operators.faceid import FaceIdOcrToPostgresOperator
from airflow_provider_faceid.staging import StagingError, list_staged, read_staged_many
from tests.fixtures.faceid_local import FaceIdLocalServer
from tests.fixtures.s3 import MotoS3Server, S3Request, empty_bucket
from tests.integration.operators.test_faceid_operator import FACEID_CONN_ID, context, faceid_connection, rows

pytestmark = [pytest.mark.integration, pytest.mark.slow]


@pytest.fixture(scope="module")
def cards(tmp_path_factory: pytest.TempPathFactory) -> dict[str, list[bytes]]:
    """Two fronts and two backs (seeded) as JPEG bytes."""
    out = tmp_path_factory.mktemp("s3-specimens")
    paths = generate(count=6, out_dir=out, seed=TEST_SEEDS["operator"])
    by_side: dict[str, list[bytes]] = {"front": [], "back": []}
    for path in paths:
        by_side[read_truth(path)["side"]].append(path.read_bytes())
    return {side: found[:2] for side, found in by_side.items()}


@pytest.fixture
def server(faceid_local: FaceIdLocalServer, monkeypatch: pytest.MonkeyPatch) -> FaceIdLocalServer:
    faceid_connection(monkeypatch, faceid_local)
    faceid_local.reset()
    return faceid_local


@pytest.fixture
def bucket(s3_server: MotoS3Server, s3_conn_id: str) -> Iterator[str]:
    name = f"scans-{uuid.uuid4().hex[:12]}"
    client = s3_server.client()
    client.create_bucket(Bucket=name)
    yield name
    if name in {b["Name"] for b in client.list_buckets()["Buckets"]}:
        empty_bucket(client, name)
        client.delete_bucket(Bucket=name)


def put(s3_server: MotoS3Server, bucket: str, objects: dict[str, bytes]) -> None:
    client = s3_server.client()
    for key, data in objects.items():
        client.put_object(Bucket=bucket, Key=key, Body=data)


def operator(
    s3_conn_id: str, postgres_conn_id: str, schema: str, source: str, **kwargs: Any
) -> FaceIdOcrToPostgresOperator:
    return FaceIdOcrToPostgresOperator(
        task_id="ocr",
        source=source,
        source_conn_id=s3_conn_id,
        faceid_conn_id=FACEID_CONN_ID,
        postgres_conn_id=postgres_conn_id,
        schema=schema,
        **kwargs,
    )


def object_gets(s3_server: MotoS3Server, bucket: str) -> list[str]:
    return [r.key for r in s3_server.requests if r.bucket == bucket and r.kind == "GET"]


def object_heads(s3_server: MotoS3Server, bucket: str, keys: Iterable[str]) -> list[str]:
    """HEADs of staged objects (s3fs HEADs the source prefix itself to tell an object from a prefix)."""
    wanted = set(keys)
    return [r.key for r in s3_server.requests if r.bucket == bucket and r.kind == "HEAD" and r.key in wanted]


def test_nested_prefixes_and_odd_keys_load_a_rerun_downloads_nothing_a_replaced_object_is_read_again(
    s3_server: MotoS3Server,
    s3_conn_id: str,
    bucket: str,
    server: FaceIdLocalServer,
    postgres_conn_id: str,
    pg_schema: str,
    pg_engine: sa.Engine,
    cards: dict[str, list[bytes]],
) -> None:
    day = {
        "2026-11-01/front 1.jpg": cards["front"][0],
        "2026-11-01/A/张三+李四 正面.jpg": cards["front"][1],
        "2026-11-01/A/b/c/back+1.JPG": cards["back"][0],
        "2026-11-01/B/国徽面 2.jpeg": cards["back"][1],
    }
    put(s3_server, bucket, day)
    # Not staged: not an image name, another day, and a sibling whose name merely starts alike.
    put(
        s3_server,
        bucket,
        {
            "2026-11-01/A/notes.txt": b"not an image",
            "2026-11-02/front.jpg": cards["front"][0],
            "2026-11-010/front.jpg": cards["front"][1],
        },
    )
    source = f"s3://{bucket}/2026-11-01/"
    s3_server.reset_log()

    first = operator(s3_conn_id, postgres_conn_id, pg_schema, source, max_in_flight=2).execute(context())

    assert (first["listed"], first["loaded"], first["failed"], first["ocr_calls"]) == (4, 4, 0, 4)
    # One GET per staged object and no HEAD of any: the listing carried size and ETag.
    assert sorted(object_gets(s3_server, bucket)) == sorted(day)
    assert object_heads(s3_server, bucket, day) == []
    sources = {r["source_uri"]: r for r in rows(pg_engine, pg_schema, "faceid_idcard_source")}
    assert set(sources) == {f"s3://{bucket}/{key}" for key in day}
    sides = {r["image_sha256"]: r["side"] for r in rows(pg_engine, pg_schema, "faceid_idcard")}
    assert sorted(sides[s["image_sha256"]] for s in sources.values()) == ["back", "back", "front", "front"]
    etag = s3_server.client().head_object(Bucket=bucket, Key="2026-11-01/front 1.jpg")["ETag"].strip('"')
    assert sources[f"s3://{bucket}/2026-11-01/front 1.jpg"]["source_etag"] == etag

    s3_server.reset_log()
    server.reset()
    again = operator(s3_conn_id, postgres_conn_id, pg_schema, source).execute(context("manual__2"))

    assert (again["listed"], again["skipped"], again["processed"], again["ocr_calls"]) == (4, 4, 0, 0)
    assert object_gets(s3_server, bucket) == []
    assert s3_server.counts(bucket)["LIST"] >= 1
    assert server.counters()["requests"] == 0

    # The same key, other bytes: a new ETag, so it is read (only it) and its row points at them.
    replaced = "2026-11-01/A/张三+李四 正面.jpg"
    put(s3_server, bucket, {replaced: cards["front"][0]})
    s3_server.reset_log()
    third = operator(s3_conn_id, postgres_conn_id, pg_schema, source).execute(context("manual__3"))

    assert object_gets(s3_server, bucket) == [replaced]
    assert (third["skipped"], third["processed"], third["duplicates"], third["ocr_calls"]) == (3, 1, 1, 0)
    row = {r["source_uri"]: r for r in rows(pg_engine, pg_schema, "faceid_idcard_source")}[
        f"s3://{bucket}/{replaced}"
    ]
    assert row["image_sha256"] == sources[f"s3://{bucket}/2026-11-01/front 1.jpg"]["image_sha256"]
    assert row["source_etag"] != sources[f"s3://{bucket}/{replaced}"]["source_etag"]


def test_two_thousand_objects_over_several_list_pages(
    s3_server: MotoS3Server,
    s3_conn_id: str,
    bucket: str,
    server: FaceIdLocalServer,
    postgres_conn_id: str,
    pg_schema: str,
    pg_engine: sa.Engine,
    cards: dict[str, list[bytes]],
) -> None:
    bases = [*cards["front"], *cards["back"]]
    # Eight distinct pictures (one API call each), the rest byte-identical copies under other keys.
    distinct = [with_jpeg_comment(bases[i % 4], f"s3 bulk {i}".encode()) for i in range(8)]
    objects = {f"bulk/{i % 7}/{i // 7 % 3}/scan {i:05d}.jpg": distinct[i % 8] for i in range(2050)}
    put(s3_server, bucket, objects)
    s3_server.reset_log()

    summary = operator(
        s3_conn_id, postgres_conn_id, pg_schema, f"s3://{s3_conn_id}@{bucket}/bulk", commit_every=1000
    ).execute(context())

    counts = (summary["listed"], summary["loaded"], summary["duplicates"], summary["failed"])
    assert counts == (2050, 8, 2042, 0)
    assert summary["ocr_calls"] == server.counters()["requests"] == 8
    uris = {r["source_uri"] for r in rows(pg_engine, pg_schema, "faceid_idcard_source")}
    assert uris == {f"s3://{bucket}/{key}" for key in objects}
    flat_pages = [
        r for r in s3_server.requests if r.bucket == bucket and r.kind == "LIST" and "delimiter=&" in r.query
    ]
    assert len(flat_pages) == 3  # S3 answers at most 1,000 keys a page
    assert len(object_gets(s3_server, bucket)) == 2050
    assert object_heads(s3_server, bucket, objects) == []


def test_a_key_deleted_after_the_listing_is_one_read_error_an_empty_object_one_empty_file(
    s3_server: MotoS3Server,
    s3_conn_id: str,
    bucket: str,
    server: FaceIdLocalServer,
    postgres_conn_id: str,
    pg_schema: str,
    pg_engine: sa.Engine,
    cards: dict[str, list[bytes]],
) -> None:
    objects = {f"day/{i}.jpg": with_jpeg_comment(cards["front"][i % 2], b"%d" % i) for i in range(6)}
    put(s3_server, bucket, {**objects, "day/empty.jpg": b""})
    victim = "day/3.jpg"
    deleted = threading.Event()
    lock = threading.Lock()
    client = s3_server.client()

    def delete_after_listing(request: S3Request) -> None:
        # The first download means the listing is complete: the victim is listed, then removed.
        # Downloads run concurrently: each waits on the lock, so none is answered before the delete.
        if request.kind != "GET" or request.bucket != bucket or not request.key:
            return
        with lock:
            if not deleted.is_set():
                client.delete_object(Bucket=bucket, Key=victim)
                deleted.set()

    s3_server.on_request(delete_after_listing)
    summary = operator(s3_conn_id, postgres_conn_id, pg_schema, f"s3://{bucket}/day").execute(context())

    assert deleted.is_set()
    assert (summary["listed"], summary["loaded"], summary["failed"]) == (7, 5, 2)
    assert summary["failed_by_code"] == {"READ_ERROR": 1, "EMPTY_FILE": 1}
    failures = rows(pg_engine, pg_schema, "faceid_idcard_failure")
    assert sorted((f["source_uri"], f["code"], f["message"]) for f in failures) == [
        (f"s3://{bucket}/{victim}", "READ_ERROR", "not found: deleted after it was listed"),
        (f"s3://{bucket}/day/empty.jpg", "EMPTY_FILE", "0 bytes"),
    ]
    loaded = {r["source_uri"] for r in rows(pg_engine, pg_schema, "faceid_idcard_source")}
    assert loaded == {f"s3://{bucket}/{key}" for key in objects if key != victim}


def test_the_bucket_going_away_mid_run_fails_the_task_and_keeps_what_was_loaded(
    s3_server: MotoS3Server,
    s3_conn_id: str,
    bucket: str,
    server: FaceIdLocalServer,
    postgres_conn_id: str,
    pg_schema: str,
    pg_engine: sa.Engine,
    cards: dict[str, list[bytes]],
) -> None:
    # The planner reads a group of SHA_LOOKUP_FILES objects (concurrently) before their calls start;
    # the bucket goes away while the second group is read, after the first group's calls were made.
    group = planner.SHA_LOOKUP_FILES
    objects = {
        f"day/{i:03d}.jpg": with_jpeg_comment(cards["front"][i % 2], b"%d" % i) for i in range(group + 8)
    }
    put(s3_server, bucket, objects)
    gets = 0
    lock = threading.Lock()
    client = s3_server.client()

    def delete_bucket_at(request: S3Request, at: int = group + 3) -> None:
        nonlocal gets
        if request.kind != "GET" or request.bucket != bucket or not request.key:
            return
        # Under the lock: a download counted after this one is answered after the bucket is gone.
        with lock:
            gets += 1
            if gets == at:
                empty_bucket(client, bucket)
                client.delete_bucket(Bucket=bucket)

    s3_server.on_request(delete_bucket_at)
    task = operator(s3_conn_id, postgres_conn_id, pg_schema, f"s3://{bucket}/day", commit_every=10)
    with pytest.raises(AirflowException, match=rf"went away mid-run .*bucket '{bucket}' no longer exists"):
        task.execute(context())

    loaded = sorted(r["source_uri"] for r in rows(pg_engine, pg_schema, "faceid_idcard_source"))
    assert loaded == [f"s3://{bucket}/{key}" for key in sorted(objects)[:group]]
    assert rows(pg_engine, pg_schema, "faceid_idcard_failure") == []
    assert len(rows(pg_engine, pg_schema, "faceid_idcard")) == group


def test_a_group_of_objects_is_fetched_concurrently(
    s3_server: MotoS3Server, s3_conn_id: str, bucket: str, cards: dict[str, list[bytes]]
) -> None:
    objects = {f"day/{i}.jpg": with_jpeg_comment(cards["back"][0], b"%d" % i) for i in range(4)}
    put(s3_server, bucket, objects)
    second_arrived = threading.Event()
    arrived: list[str] = []
    held_first_until_second: list[bool] = []
    lock = threading.Lock()

    def hold_the_first_until_a_second(request: S3Request) -> None:
        # Read one by one, no GET of another object could arrive while the first is held: the
        # wait would run out.
        if request.kind != "GET" or request.bucket != bucket or not request.key:
            return
        with lock:
            arrived.append(request.key)
            first = len(arrived) == 1
        if first:
            held_first_until_second.append(second_arrived.wait(timeout=10))
        elif request.key != arrived[0]:  # not a retry of the held one
            second_arrived.set()

    s3_server.on_request(hold_the_first_until_a_second)
    listed = list(list_staged(f"s3://{bucket}/day", conn_id=s3_conn_id))
    read = read_staged_many(listed)

    assert held_first_until_second == [True]
    assert [r.sha256 for r in read if not isinstance(r, Exception)] == [
        hashlib.sha256(objects[key]).hexdigest() for key in sorted(objects)
    ]


def test_after_load_moves_loaded_objects_to_an_archive_prefix_and_deletes_failed_ones(
    s3_server: MotoS3Server,
    s3_conn_id: str,
    bucket: str,
    server: FaceIdLocalServer,
    postgres_conn_id: str,
    pg_schema: str,
    pg_engine: sa.Engine,
    cards: dict[str, list[bytes]],
) -> None:
    # after_load on s3://: a move is a copy and a delete through the same S3 connection, to
    # <archive_to>/<sha256>/<name>; a re-run of the emptied prefix has nothing left to do.
    staged = {
        "in/front 1.jpg": cards["front"][0],
        "in/back+1.jpg": cards["back"][0],
        "in/bad.jpg": b"no image",
    }
    put(s3_server, bucket, staged)
    summary = operator(
        s3_conn_id,
        postgres_conn_id,
        pg_schema,
        f"s3://{bucket}/in/",
        after_load="move",
        after_load_failures="delete",
        archive_to=f"s3://{bucket}/archive",
        archive_conn_id=s3_conn_id,
    ).execute(context())

    assert (summary["loaded"], summary["failed"]) == (2, 1)
    assert summary["scans"] == {"moved": 2, "deleted": 1}
    keys = {o["Key"] for o in s3_server.client().list_objects_v2(Bucket=bucket).get("Contents", [])}
    expected = {
        f"archive/{hashlib.sha256(data).hexdigest()}/{key.rsplit('/', 1)[1]}"
        for key, data in staged.items()
        if key != "in/bad.jpg"
    }
    assert keys == expected
    archived = s3_server.client().get_object(Bucket=bucket, Key=sorted(expected)[0])["Body"].read()
    assert archived in (cards["front"][0], cards["back"][0])
    assert len(rows(pg_engine, pg_schema, "faceid_idcard")) == 2
    assert [r["code"] for r in rows(pg_engine, pg_schema, "faceid_idcard_failure")] == ["IMAGE_UNDECODABLE"]

    # On an object store an emptied prefix no longer exists: a re-run of it is told so, as a
    # mistyped prefix is, and calls and writes nothing.
    server.reset()
    with pytest.raises(StagingError, match=r"SOURCE_NOT_FOUND: .*no object, folder or prefix"):
        operator(s3_conn_id, postgres_conn_id, pg_schema, f"s3://{bucket}/in/").execute(context("manual__2"))
    assert server.counters()["engine_calls"] == 0
    assert len(rows(pg_engine, pg_schema, "faceid_idcard")) == 2
