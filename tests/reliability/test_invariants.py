"""The invariant checker itself, on real tables: it must see every kind of violation, or the fault
scenarios would pass vacuously."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from airflow_provider_faceid.sink import PostgresSink
from tests.reliability.invariants import check_invariants

pytestmark = pytest.mark.integration

LOADED, FAILED, BOTH, LOST, DANGLING = (f"/staged/{n}.jpg" for n in ("loaded", "failed", "both", "lost", "x"))
SHA, MISSING_SHA = "a" * 64, "b" * 64


def test_checker_sees_lost_double_dangling_and_unexplained(pg_engine: sa.Engine, pg_schema: str) -> None:
    sink = PostgresSink(engine=pg_engine, schema=pg_schema, table="faceid_idcard")
    sink.create_tables()
    sink.write_batch(
        results=[{"image_sha256": SHA, "source_uri": LOADED}],
        sources=[{"source_uri": LOADED, "image_sha256": SHA}],
        failures=[{"source_uri": FAILED, "code": "TIMEOUT", "message": "read timed out", "retryable": True}],
    )
    healthy = check_invariants(pg_engine, pg_schema, [LOADED, FAILED])
    assert healthy.ok and healthy.loaded == {LOADED} and healthy.failed == {FAILED}

    # States the sink never writes, made by hand: the checker must report each one.
    with pg_engine.begin() as conn:
        conn.execute(
            sa.text(
                f'INSERT INTO "{pg_schema}".faceid_idcard_source (source_uri, image_sha256) VALUES (:u, :s)'
            ),
            [{"u": BOTH, "s": SHA}, {"u": DANGLING, "s": MISSING_SHA}],
        )
        conn.execute(
            sa.text(
                f'INSERT INTO "{pg_schema}".faceid_idcard_failure (source_uri, code, message, retryable) '
                "VALUES (:u, 'TIMEOUT', '', true)"
            ),
            {"u": BOTH},
        )
    report = check_invariants(pg_engine, pg_schema, [LOADED, FAILED, BOTH, LOST])
    assert not report.ok
    assert report.loaded == {LOADED} and report.failed == {FAILED}
    assert report.both == {BOTH} and report.lost == {LOST}
    assert report.dangling == {DANGLING} and report.unexplained == {BOTH}
    assert report.duplicates == 0


@pytest.mark.parametrize(
    ("table", "key_column"),
    [
        ("faceid_idcard", "image_sha256"),
        ("faceid_idcard_source", "source_uri"),
        ("faceid_idcard_failure", "source_uri"),
    ],
)
def test_checker_counts_a_duplicate_the_primary_key_would_have_refused(
    pg_engine: sa.Engine, pg_schema: str, table: str, key_column: str
) -> None:
    # The sink's primary keys make duplicates impossible, so the "duplicates 0" of every scenario
    # means something only if the checker does count one once the key is out of the way.
    sink = PostgresSink(engine=pg_engine, schema=pg_schema, table="faceid_idcard")
    sink.create_tables()
    sink.write_batch(
        results=[{"image_sha256": SHA, "source_uri": LOADED}],
        sources=[{"source_uri": LOADED, "image_sha256": SHA}],
        failures=[{"source_uri": FAILED, "code": "TIMEOUT", "message": "read timed out", "retryable": True}],
    )
    assert check_invariants(pg_engine, pg_schema, [LOADED, FAILED]).duplicates == 0
    qualified = f'"{pg_schema}"."{table}"'
    with pg_engine.begin() as conn:
        (constraint,) = conn.execute(
            sa.text(
                "SELECT conname FROM pg_constraint WHERE contype = 'p' AND conrelid = CAST(:t AS regclass)"
            ),
            {"t": qualified},
        ).scalars()
        conn.exec_driver_sql(f'ALTER TABLE {qualified} DROP CONSTRAINT "{constraint}"')
        # The same row once more: only its key matters to the count.
        conn.exec_driver_sql(
            f"INSERT INTO {qualified} SELECT * FROM {qualified} WHERE {key_column} IN (%(a)s, %(b)s)",
            {"a": SHA if key_column == "image_sha256" else LOADED, "b": FAILED},
        )
    report = check_invariants(pg_engine, pg_schema, [LOADED, FAILED])
    assert report.duplicates == 1
    assert not report.ok
