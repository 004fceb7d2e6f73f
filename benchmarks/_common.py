"""Shared set-up of the operator benchmarks: distinct files, a replaying faceid-local, Postgres.

Load runs need thousands of DISTINCT files (the operator de-duplicates identical bytes by sha256,
so copies would cost no call) while faceid-local should not run OCR thousands of times. Each file
is one of a few specimens with a unique JPEG COM segment inserted after SOI: distinct bytes, the
very same pixels, so faceid-local's replay cache (keyed on decoded pixels too) answers every copy
after one OCR run per specimen. Small upright JPEGs pass the operator's image preparation byte for
byte, so the copies reach the server distinct.

Run from the repository root (``.venv/bin/python benchmarks/<script>.py``): the test fixtures
(tests.fixtures.faceid_local / tests.fixtures.postgres) start the server and find a database
(``FACEID_TEST_DATABASE_URL`` or a throwaway database on 127.0.0.1:5432).
"""

from __future__ import annotations

import contextlib
import datetime as dt
import json
import os
import secrets
import sys
from collections.abc import Iterator
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import requests
import sqlalchemy as sa

# Airflow's task logger would print a line or two per image of the sequential loop otherwise.
os.environ.setdefault("AIRFLOW__LOGGING__LOGGING_LEVEL", "WARNING")

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:  # the fixtures live in tests/, importable from the repository root
    sys.path.insert(0, str(ROOT))

from airflow_provider_faceid.local.specimens.generate import with_jpeg_comment as with_comment  # noqa: E402
from tests.fixtures.faceid_local import FaceIdLocalServer, start_faceid_local  # noqa: E402
from tests.fixtures.postgres import acquire_database, airflow_connection_json  # noqa: E402

FACEID_CONN_ID = "faceid_bench"
POSTGRES_CONN_ID = "postgres_bench"


def base_specimens(*, count: int, out_dir: Path, seed: int = 20261125) -> list[bytes]:
    """``count`` rendered specimens (fronts and backs alternate), as JPEG bytes."""
    from airflow_provider_faceid.local.specimens.generate import generate

    return [path.read_bytes() for path in generate(count=count, out_dir=out_dir, seed=seed)]


def write_copies(bases: list[bytes], *, count: int, out_dir: Path, tag: str = "") -> list[Path]:
    """Write ``count`` distinct files, cycling through ``bases``, each with its own COM segment."""
    out_dir.mkdir(parents=True, exist_ok=True)
    paths = []
    for n in range(count):
        path = out_dir / f"card-{n:06d}.jpg"
        path.write_bytes(with_comment(bases[n % len(bases)], f"benchmark copy {tag}{n:09d}".encode()))
        paths.append(path)
    return paths


@contextlib.contextmanager
def replaying_faceid_local(
    *, bases: list[bytes], latency_ms: float, concurrency_limit: int
) -> Iterator[FaceIdLocalServer]:
    """A faceid-local whose replay cache already holds ``bases`` (counters reset afterwards)."""
    server = start_faceid_local(concurrency_limit=concurrency_limit, latency_ms=latency_ms)
    try:
        fields = {"api_key": server.api_key, "api_secret": server.api_secret, "legality": "0"}
        for image in bases:
            response = requests.post(server.ocr_url, data=fields, files={"image": image}, timeout=120)
            response.raise_for_status()
        server.reset()
        yield server
    finally:
        server.stop()


@contextlib.contextmanager
def database() -> Iterator[str]:
    """SQLAlchemy URL of an empty database (dropped at exit unless given by the environment)."""
    with acquire_database() as url:
        yield url


@contextlib.contextmanager
def fresh_schema(url: str) -> Iterator[str]:
    """A new empty schema, dropped with everything in it afterwards."""
    name = f"bench_{secrets.token_hex(5)}"
    engine = sa.create_engine(url, poolclass=sa.NullPool)
    try:
        with engine.begin() as conn:
            conn.exec_driver_sql(f'CREATE SCHEMA "{name}"')
        yield name
    finally:
        with engine.begin() as conn:
            conn.exec_driver_sql(f'DROP SCHEMA IF EXISTS "{name}" CASCADE')
        engine.dispose()


def faceid_connection_json(*, url: str, api_key: str, api_secret: str) -> str:
    return json.dumps({"conn_type": "faceid", "host": url, "login": api_key, "password": api_secret})


def publish_connections(*, faceid: FaceIdLocalServer, postgres_url: str) -> dict[str, str]:
    """Set the AIRFLOW_CONN_* variables the operator resolves; return them (for a subprocess)."""
    env = {
        f"AIRFLOW_CONN_{FACEID_CONN_ID.upper()}": faceid_connection_json(
            url=faceid.url, api_key=faceid.api_key, api_secret=faceid.api_secret
        ),
        f"AIRFLOW_CONN_{POSTGRES_CONN_ID.upper()}": airflow_connection_json(postgres_url),
    }
    os.environ.update(env)
    return env


def task_context(run_id: str = "benchmark__1") -> dict[str, Any]:
    """The keys of an Airflow task context the operator reads (no scheduler involved)."""
    ti = SimpleNamespace(dag_id="faceid_benchmark", task_id="ocr", run_id=run_id)
    return {"ti": ti, "dag_run": SimpleNamespace(run_id=run_id), "logical_date": dt.datetime(2026, 11, 25)}


def run_operator(*, source: Path, schema: str, max_in_flight: int, **kwargs: Any) -> dict[str, Any]:
    """Run FaceIdOcrToPostgresOperator.execute in this process, as a worker would; return its summary."""
    from airflow_provider_faceid.operators.faceid import FaceIdOcrToPostgresOperator

    operator = FaceIdOcrToPostgresOperator(
        task_id="ocr",
        source=str(source),
        faceid_conn_id=FACEID_CONN_ID,
        postgres_conn_id=POSTGRES_CONN_ID,
        schema=schema,
        max_in_flight=max_in_flight,
        pool_slots=max_in_flight,
        **kwargs,
    )
    return operator.execute(task_context())  # type: ignore[arg-type]


def count_rows(url: str, schema: str, table: str = "faceid_idcard_source") -> int:
    engine = sa.create_engine(url, poolclass=sa.NullPool)
    try:
        with engine.connect() as conn:
            return int(conn.execute(sa.text(f'SELECT count(*) FROM "{schema}"."{table}"')).scalar_one())
    finally:
        engine.dispose()
