"""The Postgres fixture itself: it must hand out real, isolated databases, and its fallback must work."""

from __future__ import annotations

import os
import pwd
import time
from pathlib import Path

import pytest
import sqlalchemy as sa

from tests.fixtures.postgres import acquire_database, airflow_connection_json, normalise_url

pytestmark = pytest.mark.integration


def test_database_is_real_and_utf8(postgres_url: str) -> None:
    assert postgres_url.startswith("postgresql+psycopg://")
    engine = sa.create_engine(postgres_url, poolclass=sa.NullPool)
    with engine.connect() as conn:
        assert conn.scalar(sa.text("SELECT current_setting('server_encoding')")) == "UTF8"
        assert conn.scalar(sa.text("SELECT '身份证'::text")) == "身份证"


def test_each_test_gets_its_own_schema_on_the_search_path(pg_engine: sa.Engine, pg_schema: str) -> None:
    with pg_engine.begin() as conn:
        assert conn.scalar(sa.text("SELECT current_schema()")) == pg_schema
        conn.execute(sa.text("CREATE TABLE private_to_this_test (x int)"))
        schema_of = conn.scalar(
            sa.text(
                "SELECT table_schema FROM information_schema.tables WHERE table_name = 'private_to_this_test'"
            )
        )
    assert schema_of == pg_schema


def test_a_previous_tests_tables_are_gone(pg_engine: sa.Engine) -> None:
    with pg_engine.connect() as conn:
        count = conn.scalar(
            sa.text(
                "SELECT count(*) FROM information_schema.tables WHERE table_name = 'private_to_this_test'"
            )
        )
    assert count == 0


def test_airflow_resolves_the_connection(postgres_conn_id: str, postgres_url: str) -> None:
    from airflow.providers.postgres.hooks.postgres import PostgresHook

    hook = PostgresHook(postgres_conn_id=postgres_conn_id)
    assert hook.get_first("SELECT current_database()")[0] == sa.make_url(postgres_url).database


def test_connection_json_carries_the_database_as_schema() -> None:
    text = airflow_connection_json("postgresql+psycopg://u:p@db.example:6543/things")
    assert '"schema": "things"' in text and '"port": 6543' in text and '"conn_type": "postgres"' in text


def test_normalise_url_forces_psycopg3() -> None:
    assert normalise_url("postgres://u@h:1/d") == "postgresql+psycopg://u@h:1/d"
    assert normalise_url("postgresql+psycopg2://u@h/d") == "postgresql+psycopg://u@h/d"


@pytest.mark.slow
def test_throwaway_cluster_fallback_runs_as_postgres_and_cleans_up() -> None:
    # Postgres refuses root; as any other user the cluster simply runs as that user.
    expected_user = "postgres" if os.geteuid() == 0 else pwd.getpwuid(os.geteuid()).pw_name
    with acquire_database(prefer="cluster") as url:
        assert sa.make_url(url).port != 5432
        engine = sa.create_engine(url, poolclass=sa.NullPool)
        with engine.connect() as conn:
            data_dir = Path(str(conn.scalar(sa.text("SHOW data_directory"))))
            backend_pid = int(conn.scalar(sa.text("SELECT pg_backend_pid()")))
            user_tables = conn.scalar(
                sa.text(
                    "SELECT count(*) FROM pg_tables"
                    " WHERE schemaname NOT IN ('pg_catalog', 'information_schema')"
                )
            )
            postmaster_pid = int((data_dir / "postmaster.pid").read_text().split()[0])
            assert pwd.getpwuid(_real_uid(backend_pid)).pw_name == expected_user
            assert pwd.getpwuid(_real_uid(postmaster_pid)).pw_name == expected_user
        engine.dispose()
        assert user_tables == 0
        assert data_dir.name == "data" and data_dir.parent.name.startswith("faceid-pg-")
    assert not data_dir.parent.exists()
    assert not _alive_after(postmaster_pid, seconds=5.0)


def _real_uid(pid: int) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("Uid:"):
            return int(line.split()[1])
    raise AssertionError(f"no Uid line for pid {pid}")


def _alive_after(pid: int, *, seconds: float) -> bool:
    """True if ``pid`` is still a live (non-zombie) process after ``seconds``; reaping may lag the stop."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            state = next(
                line.split()[1]
                for line in Path(f"/proc/{pid}/status").read_text().splitlines()
                if line.startswith("State:")
            )
        except FileNotFoundError:
            return False
        if state == "Z":
            return False
        time.sleep(0.1)
    return True
