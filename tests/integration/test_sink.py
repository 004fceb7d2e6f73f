"""PostgresSink against a real PostgreSQL (tests.fixtures.postgres): DDL, upserts, ledger, atomicity."""

from __future__ import annotations

import datetime as dt
import hashlib
import threading
from collections.abc import Callable
from typing import Any

import pytest
import sqlalchemy as sa

from airflow_provider_faceid import sink as sink_module
from airflow_provider_faceid.sink import (
    SCHEMA_VERSION,
    PostgresSink,
    SchemaVersionError,
    SinkWriteError,
    SourceStatus,
)

pytestmark = pytest.mark.integration


def sha(label: str) -> str:
    return hashlib.sha256(label.encode()).hexdigest()


def result_row(label: str, **overrides: Any) -> dict[str, Any]:
    row: dict[str, Any] = {
        "image_sha256": sha(label),
        "side": "front",
        "name": "张三",
        "gender": "男",
        "race": "汉",
        "birthday": dt.date(1989, 4, 3),
        "birthday_year": "1989",
        "birthday_month": "4",
        "birthday_day": "3",
        "address": "北京市海淀区中关村大街1号",
        "id_card_number": "11010519890403001X",
        "id_card_number_masked": "110*************1X",
        "head_rect": {"lt": {"x": 0.59965634, "y": 0.19160387}, "rb": {"x": 0.89415807, "y": 0.71905273}},
        "legality": {"ID Photo": 1, "Temporary ID Photo": 0, "Photocopy": 0, "Screen": 0, "Edited": 0},
        "request_id": "1505962912,9066edb8-719e-4ee3-8eaf-312b863fcce3",
        "time_used": 1144.0,
        "number_check": 1,
        "flags": [],
        "needs_recapture": False,
        "source_uri": f"file:///scans/{label}.jpg",
        "source_size": 61_234,
        "dag_id": "faceid_daily",
        "run_id": "manual__2024-01-01",
        "task_id": "ocr",
        "logical_date": dt.datetime(2024, 1, 1, tzinfo=dt.timezone.utc),
    }
    row.update(overrides)
    return row


def source_row(label: str, *, uri: str | None = None, **overrides: Any) -> dict[str, Any]:
    row: dict[str, Any] = {
        "source_uri": uri or f"file:///scans/{label}.jpg",
        "source_size": 61_234,
        "source_etag": f"etag-{label}",
        "image_sha256": sha(label),
        "dag_id": "faceid_daily",
        "run_id": "manual__2024-01-01",
    }
    row.update(overrides)
    return row


def failure_row(uri: str, **overrides: Any) -> dict[str, Any]:
    row: dict[str, Any] = {
        "source_uri": uri,
        "image_sha256": None,
        "source_size": 0,
        "code": "EMPTY_FILE",
        "http_status": None,
        "message": "object is empty",
        "retryable": False,
        "dag_id": "faceid_daily",
        "run_id": "manual__2024-01-01",
        "task_id": "ocr",
    }
    row.update(overrides)
    return row


@pytest.fixture
def sink(pg_engine: sa.Engine, pg_schema: str) -> PostgresSink:
    created = PostgresSink(engine=pg_engine, schema=pg_schema)
    created.create_tables()
    return created


def fetch(engine: sa.Engine, query: str, **params: Any) -> list[tuple[Any, ...]]:
    with engine.connect() as conn:
        return [tuple(row) for row in conn.execute(sa.text(query), params)]


def tables_in(engine: sa.Engine, schema: str) -> set[str]:
    rows = fetch(engine, "SELECT tablename FROM pg_tables WHERE schemaname = :s", s=schema)
    return {r[0] for r in rows}


# -- DDL -------------------------------------------------------------------------------------------


def test_create_tables_twice_is_fine_and_makes_tables_indexes_and_version(
    pg_engine: sa.Engine, pg_schema: str
) -> None:
    sink = PostgresSink(engine=pg_engine, schema=pg_schema)
    assert sink.schema_version() is None
    sink.create_tables()
    sink.create_tables()
    assert tables_in(pg_engine, pg_schema) == {
        "faceid_idcard",
        "faceid_idcard_source",
        "faceid_idcard_failure",
        "faceid_idcard_meta",
        "faceid_idcard_document",
        "faceid_idcard_document_history",
        "faceid_idcard_erasure",
        "faceid_idcard_tombstone",
    }
    views = fetch(pg_engine, "SELECT viewname FROM pg_views WHERE schemaname = :s", s=pg_schema)
    assert views == [("faceid_idcard_masked",)]
    indexes = {
        r[0] for r in fetch(pg_engine, "SELECT indexname FROM pg_indexes WHERE schemaname = :s", s=pg_schema)
    }
    assert {
        "faceid_idcard_number_idx",
        "faceid_idcard_loaded_at_idx",
        "faceid_idcard_run_idx",
        "faceid_idcard_source_sha_idx",
        "faceid_idcard_doc_number_idx",
        "faceid_idcard_doc_key_idx",
    } <= indexes
    assert "faceid_idcard_side_idx" not in indexes
    assert sink.schema_version() == SCHEMA_VERSION
    assert fetch(pg_engine, f'SELECT count(*) FROM "{pg_schema}".faceid_idcard_meta')[0][0] == 1


def test_create_tables_creates_a_missing_schema_and_honours_custom_names(
    pg_engine: sa.Engine, pg_schema: str
) -> None:
    schema = pg_schema + "_new"
    try:
        sink = PostgresSink(engine=pg_engine, schema=schema, table="Cards", failures_table="card_errors")
        sink.create_tables()
        assert tables_in(pg_engine, schema) == {
            "Cards",
            "Cards_source",
            "card_errors",
            "Cards_meta",
            "Cards_document",
            "Cards_document_history",
            "Cards_erasure",
            "Cards_tombstone",
        }
    finally:
        with pg_engine.begin() as conn:
            conn.exec_driver_sql(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE')


def test_schema_none_uses_the_search_path(pg_engine: sa.Engine, pg_schema: str) -> None:
    sink = PostgresSink(engine=pg_engine, schema=None)
    sink.create_tables()
    sink.write_batch(results=[result_row("a")])
    assert "faceid_idcard" in tables_in(pg_engine, pg_schema)
    assert sink.known_sha256([sha("a")]) == {sha("a")}


def test_concurrent_create_tables_from_threads_does_not_race(pg_engine: sa.Engine, pg_schema: str) -> None:
    threads_n = 4
    barrier = threading.Barrier(threads_n)
    errors: list[BaseException] = []

    def create() -> None:
        sink = PostgresSink(engine=pg_engine, schema=pg_schema + "_race")
        barrier.wait()
        try:
            sink.create_tables()
        except BaseException as exc:
            errors.append(exc)

    threads = [threading.Thread(target=create) for _ in range(threads_n)]
    try:
        for t in threads:
            t.start()
        for t in threads:
            t.join(timeout=60)
        assert errors == []
        assert len(tables_in(pg_engine, pg_schema + "_race")) == 8
        assert PostgresSink(engine=pg_engine, schema=pg_schema + "_race").schema_version() == SCHEMA_VERSION
    finally:
        with pg_engine.begin() as conn:
            conn.exec_driver_sql(f'DROP SCHEMA IF EXISTS "{pg_schema}_race" CASCADE')


def test_newer_schema_version_is_refused(sink: PostgresSink, pg_engine: sa.Engine, pg_schema: str) -> None:
    with pg_engine.begin() as conn:
        conn.exec_driver_sql(
            f'UPDATE "{pg_schema}".faceid_idcard_meta SET schema_version = {SCHEMA_VERSION + 1}'
        )
    with pytest.raises(
        SchemaVersionError, match=f"schema version {SCHEMA_VERSION + 1}, newer than {SCHEMA_VERSION}"
    ):
        PostgresSink(engine=pg_engine, schema=pg_schema).create_tables()
    with pytest.raises(SchemaVersionError, match="newer"):
        PostgresSink(engine=pg_engine, schema=pg_schema).write_batch(results=[result_row("a")])
    assert fetch(pg_engine, f'SELECT count(*) FROM "{pg_schema}".faceid_idcard')[0][0] == 0


def test_version_1_tables_are_migrated_in_place(pg_engine: sa.Engine, pg_schema: str) -> None:
    sink = PostgresSink(engine=pg_engine, schema=pg_schema)
    sink.create_tables()
    sink.write_batch(results=[result_row("a")])
    # Back to the version 1 layout: no document_key column, no document tables (nor the view).
    with pg_engine.begin() as conn:
        conn.exec_driver_sql(f'DROP VIEW "{pg_schema}".faceid_idcard_masked')
        conn.exec_driver_sql(f'ALTER TABLE "{pg_schema}".faceid_idcard DROP COLUMN document_key')
        conn.exec_driver_sql(f'DROP TABLE "{pg_schema}".faceid_idcard_document')
        conn.exec_driver_sql(f'DROP TABLE "{pg_schema}".faceid_idcard_document_history')
        conn.exec_driver_sql(f'UPDATE "{pg_schema}".faceid_idcard_meta SET schema_version = 1')
    with pytest.raises(SchemaVersionError, match=f"older than {SCHEMA_VERSION}: call create_tables"):
        PostgresSink(engine=pg_engine, schema=pg_schema).write_batch(results=[result_row("b")])
    migrated = PostgresSink(engine=pg_engine, schema=pg_schema)
    migrated.create_tables()
    assert migrated.schema_version() == SCHEMA_VERSION
    assert {"faceid_idcard_document", "faceid_idcard_document_history"} <= tables_in(pg_engine, pg_schema)
    migrated.write_batch(results=[{**result_row("b"), "document_key": "doc-b"}])
    keys = fetch(pg_engine, f'SELECT document_key FROM "{pg_schema}".faceid_idcard ORDER BY document_key')
    assert keys == [("doc-b",), (None,)]


def test_version_3_tables_are_migrated_in_place(pg_engine: sa.Engine, pg_schema: str) -> None:
    sink = PostgresSink(engine=pg_engine, schema=pg_schema)
    sink.create_tables()
    sink.write_batch(results=[result_row("a")])
    # Back to the version 3 layout: no personal-data columns, tables or view.
    with pg_engine.begin() as conn:
        conn.exec_driver_sql(f'DROP VIEW "{pg_schema}".faceid_idcard_masked')
        for column in ("name_masked", "address_masked", "id_card_number_encrypted"):
            conn.exec_driver_sql(f'ALTER TABLE "{pg_schema}".faceid_idcard DROP COLUMN {column}')
        conn.exec_driver_sql(
            f'ALTER TABLE "{pg_schema}".faceid_idcard_document DROP COLUMN id_card_number_encrypted'
        )
        conn.exec_driver_sql(f'DROP TABLE "{pg_schema}".faceid_idcard_erasure')
        conn.exec_driver_sql(f'DROP TABLE "{pg_schema}".faceid_idcard_tombstone')
        conn.exec_driver_sql(f'UPDATE "{pg_schema}".faceid_idcard_meta SET schema_version = 3')
    migrated = PostgresSink(engine=pg_engine, schema=pg_schema)
    migrated.create_tables()
    assert migrated.schema_version() == SCHEMA_VERSION
    assert {"faceid_idcard_erasure", "faceid_idcard_tombstone"} <= tables_in(pg_engine, pg_schema)
    # The row of version 3 shows in the masked view with the masks computed in SQL, as in the logs.
    masked = fetch(pg_engine, f'SELECT name, address, name_masked FROM "{pg_schema}".faceid_idcard_masked')
    assert masked == [("张**", "北京市海**", None)]
    migrated.write_batch(results=[{**result_row("b"), "name_masked": "李**"}])


def test_write_before_create_tables_says_what_to_do(pg_engine: sa.Engine, pg_schema: str) -> None:
    with pytest.raises(SchemaVersionError, match=r"call create_tables\(\) first"):
        PostgresSink(engine=pg_engine, schema=pg_schema).write_batch(results=[result_row("a")])


# -- identifiers -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "kwargs",
    [
        {"table": "x; drop table y"},
        {"table": 'x"; DROP TABLE y; --'},
        {"schema": "public; drop table y"},
        {"failures_table": "f; drop table y"},
    ],
)
def test_injection_attempt_fails_before_any_sql(
    pg_engine: sa.Engine, pg_schema: str, kwargs: dict[str, str]
) -> None:
    with pg_engine.begin() as conn:
        conn.exec_driver_sql("CREATE TABLE y (id int)")
    statements: list[str] = []

    def record(*args: Any) -> None:
        statements.append(str(args[2]))

    sa.event.listen(pg_engine, "before_cursor_execute", record)
    try:
        with pytest.raises(ValueError, match="invalid"):
            PostgresSink(engine=pg_engine, **{"schema": pg_schema, **kwargs}).create_tables()
    finally:
        sa.event.remove(pg_engine, "before_cursor_execute", record)
    assert statements == []
    assert tables_in(pg_engine, pg_schema) == {"y"}


# -- upserts ---------------------------------------------------------------------------------------


def test_same_digest_twice_is_one_row_updated_keeping_the_first_source(
    sink: PostgresSink, pg_engine: sa.Engine, pg_schema: str
) -> None:
    first = sink.write_batch(results=[result_row("a")], sources=[source_row("a")])
    assert (first.results_inserted, first.results_updated, first.sources) == (1, 0, 1)
    loaded_before = fetch(pg_engine, f'SELECT loaded_at FROM "{pg_schema}".faceid_idcard')[0][0]

    again = result_row("a", name="李四", source_uri="file:///other/copy.jpg", source_size=1, run_id="r2")
    second = sink.write_batch(results=[again], sources=[source_row("a", uri="file:///other/copy.jpg")])
    assert (second.results_inserted, second.results_updated) == (0, 1)

    rows = fetch(
        pg_engine, f'SELECT name, source_uri, source_size, run_id, loaded_at FROM "{pg_schema}".faceid_idcard'
    )
    assert len(rows) == 1
    name, source_uri, source_size, run_id, loaded_at = rows[0]
    assert (name, run_id) == ("李四", "r2")
    assert (source_uri, source_size) == ("file:///scans/a.jpg", 61_234)
    assert loaded_at > loaded_before
    # The same bytes under two names: two sources, one result.
    sources = fetch(pg_engine, f'SELECT source_uri, image_sha256 FROM "{pg_schema}".faceid_idcard_source')
    assert sorted(sources) == [("file:///other/copy.jpg", sha("a")), ("file:///scans/a.jpg", sha("a"))]
    assert {
        s.status for s in sink.known_sources(["file:///other/copy.jpg", "file:///scans/a.jpg"]).values()
    } == {SourceStatus.LOADED}


def test_a_digest_repeated_within_one_batch_keeps_last_values_and_first_source(
    sink: PostgresSink, pg_engine: sa.Engine, pg_schema: str
) -> None:
    counts = sink.write_batch(
        results=[result_row("a", name="甲"), result_row("a", name="乙", source_uri="file:///z.jpg")]
    )
    assert counts.results_inserted == 1
    rows = fetch(pg_engine, f'SELECT name, source_uri FROM "{pg_schema}".faceid_idcard')
    assert rows == [("乙", "file:///scans/a.jpg")]


def test_cjk_text_round_trips_exactly(sink: PostgresSink, pg_engine: sa.Engine, pg_schema: str) -> None:
    texts = {
        "name": "欧阳𠮷娜",  # 𠮷 is outside the BMP: 4 bytes in UTF-8
        "race": "维吾尔",
        "address": "新疆维吾尔自治区乌鲁木齐市天山区\t解放南路\\号\n“引号”",
        "issued_by": "乌鲁木齐市公安局天山分局",
        "valid_date": "2016.02.29-长期",
    }
    sink.write_batch(results=[result_row("cjk", **texts)])
    row = fetch(
        pg_engine, f'SELECT name, race, address, issued_by, valid_date FROM "{pg_schema}".faceid_idcard'
    )[0]
    assert dict(zip(texts, row, strict=True)) == texts


def test_jsonb_arrays_dates_and_nulls_round_trip(
    sink: PostgresSink, pg_engine: sa.Engine, pg_schema: str
) -> None:
    flags = ["NUMBER_CHECK_FAILED", 'with "quotes"', "back\\slash", "comma,brace}{", "", "空格 有"]
    head_rect = {"lt": {"x": -0.0123, "y": 1.5}, "rt": {"x": 0.5, "y": 0.25}, "label": "人像"}
    row = result_row(
        "types",
        flags=flags,
        head_rect=head_rect,
        legality='{"ID Photo": 0.99, "Screen": 0.01}',  # JSON text is accepted as is
        valid_from=dt.date(2016, 2, 29),
        valid_to=None,
        long_term=True,
        birthday=None,
        number_check=-1,
        time_used=0.125,
    )
    sink.write_batch(results=[row, result_row("empty", flags=[], head_rect=None, legality=None)])
    got = fetch(
        pg_engine,
        "SELECT flags, head_rect, legality, valid_from, valid_to, long_term, birthday, number_check,"
        f' time_used, logical_date FROM "{pg_schema}".faceid_idcard WHERE image_sha256 = :h',
        h=sha("types"),
    )[0]
    assert got == (
        flags,
        head_rect,
        {"ID Photo": 0.99, "Screen": 0.01},
        dt.date(2016, 2, 29),
        None,
        True,
        None,
        -1,
        0.125,
        dt.datetime(2024, 1, 1, tzinfo=dt.timezone.utc),
    )
    empty = fetch(
        pg_engine,
        f'SELECT flags, head_rect, legality FROM "{pg_schema}".faceid_idcard WHERE image_sha256 = :h',
        h=sha("empty"),
    )
    assert empty == [([], None, None)]


# -- failures ledger -------------------------------------------------------------------------------


def test_failure_attempts_increment_and_a_later_success_deletes_the_failure(
    sink: PostgresSink, pg_engine: sa.Engine, pg_schema: str
) -> None:
    uri = "file:///scans/a.jpg"
    fail = failure_row(uri, image_sha256=sha("a"), code="INTERNAL_ERROR", http_status=500, retryable=True)
    sink.write_batch(failures=[fail])
    sink.write_batch(failures=[fail])
    ledger = f'SELECT attempts, first_seen, last_seen, code FROM "{pg_schema}".faceid_idcard_failure'
    attempts, first_seen, last_seen, code = fetch(pg_engine, ledger)[0]
    assert (attempts, code) == (2, "INTERNAL_ERROR")
    assert last_seen > first_seen
    state = sink.known_sources([uri])[uri]
    assert (state.status, state.attempts, state.code) == (SourceStatus.FAILED_RETRYABLE, 2, "INTERNAL_ERROR")

    counts = sink.write_batch(results=[result_row("a")], sources=[source_row("a")])
    assert counts.failures_cleared == 1
    assert fetch(pg_engine, ledger) == []
    assert sink.known_sources([uri])[uri].status is SourceStatus.LOADED


def test_repeated_failures_in_one_batch_count_each_attempt(sink: PostgresSink, pg_engine: sa.Engine) -> None:
    uri = "file:///scans/bad.jpg"
    sink.write_batch(failures=[failure_row(uri), failure_row(uri, code="READ_ERROR", retryable=True)])
    state = sink.known_sources([uri])[uri]
    assert (state.attempts, state.code, state.status) == (2, "READ_ERROR", SourceStatus.FAILED_RETRYABLE)


def test_known_sources_reports_each_state_and_omits_unknown(sink: PostgresSink) -> None:
    sink.write_batch(
        results=[result_row("ok")],
        sources=[source_row("ok", source_size=10, source_etag="e1"), source_row("orphan")],
        failures=[
            failure_row("file:///perm.jpg", code="IMAGE_UNDECODABLE", image_sha256=sha("perm")),
            failure_row(
                "file:///retry.jpg", code="CONCURRENCY_LIMIT_EXCEEDED", http_status=403, retryable=True
            ),
        ],
    )
    states = sink.known_sources(
        [
            "file:///scans/ok.jpg",
            "file:///perm.jpg",
            "file:///retry.jpg",
            "file:///scans/orphan.jpg",
            "file:///new.jpg",
        ]
    )
    assert {uri: s.status for uri, s in states.items()} == {
        "file:///scans/ok.jpg": SourceStatus.LOADED,
        "file:///perm.jpg": SourceStatus.FAILED_PERMANENT,
        "file:///retry.jpg": SourceStatus.FAILED_RETRYABLE,
    }
    ok = states["file:///scans/ok.jpg"]
    assert (ok.image_sha256, ok.source_size, ok.source_etag) == (sha("ok"), 10, "e1")
    assert ok.same_object(size=10, etag="e1") and ok.same_object(size=10, etag=None)
    assert not ok.same_object(size=10, etag="e2") and not ok.same_object(size=11, etag="e1")
    assert states["file:///perm.jpg"].image_sha256 == sha("perm")


def test_lookups_are_batched_across_chunks(sink: PostgresSink, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(sink_module, "_LOOKUP_CHUNK", 3)
    labels = [f"img{i}" for i in range(10)]
    sink.write_batch(results=[result_row(x) for x in labels], sources=[source_row(x) for x in labels])
    uris = [f"file:///scans/{x}.jpg" for x in labels]
    assert set(sink.known_sources([*uris, "file:///absent.jpg"])) == set(uris)
    assert sink.known_sha256([sha(x) for x in [*labels, "absent"]]) == {sha(x) for x in labels}
    # A string that is not a digest cannot be stored, so it is simply not known (and cannot split the list).
    assert sink.known_sha256([f"{sha('img1')},{sha('img2')}", "", sha("img3")]) == {sha("img3")}


def test_a_failure_replaces_a_stale_mapping_to_older_bytes(sink: PostgresSink, pg_engine: sa.Engine) -> None:
    uri = "file:///scans/a.jpg"
    sink.write_batch(results=[result_row("a")], sources=[source_row("a")])
    sink.write_batch(failures=[failure_row(uri, code="READ_ERROR", retryable=True)])
    assert sink.known_sources([uri])[uri].status is SourceStatus.FAILED_RETRYABLE
    # The results row stays: other names may carry the same bytes.
    assert sink.known_sha256([sha("a")]) == {sha("a")}


def test_failure_messages_are_scrubbed_of_id_numbers(
    sink: PostgresSink, pg_engine: sa.Engine, pg_schema: str
) -> None:
    sink.write_batch(
        failures=[failure_row("file:///x.jpg", message="checksum mismatch for 11010519491231002X")]
    )
    message = fetch(pg_engine, f'SELECT message FROM "{pg_schema}".faceid_idcard_failure')[0][0]
    assert "11010519491231002X" not in message
    assert message == "checksum mismatch for 110*************2X"


# -- atomicity and errors --------------------------------------------------------------------------


def _count_all(engine: sa.Engine, schema: str) -> tuple[int, ...]:
    return tuple(
        fetch(
            engine,
            f'SELECT (SELECT count(*) FROM "{schema}".faceid_idcard),'
            f' (SELECT count(*) FROM "{schema}".faceid_idcard_source),'
            f' (SELECT count(*) FROM "{schema}".faceid_idcard_failure)',
        )[0]
    )


@pytest.mark.parametrize(
    ("bad", "column"),
    [
        (lambda: result_row("bad", birthday="1990-02-30"), "birthday"),
        (lambda: result_row("bad", number_check=70_000), "number_check"),
        (lambda: result_row("bad", head_rect="{not json"), "head_rect"),
    ],
)
def test_a_bad_row_leaves_nothing_half_written_and_leaks_no_values(
    sink: PostgresSink, pg_engine: sa.Engine, pg_schema: str, bad: Callable[[], dict[str, Any]], column: str
) -> None:
    sink.write_batch(failures=[failure_row("file:///scans/ok0.jpg")])
    before = _count_all(pg_engine, pg_schema)
    with pytest.raises(SinkWriteError) as caught:
        sink.write_batch(
            results=[result_row("ok0"), result_row("ok1"), bad()],
            sources=[source_row("ok0"), source_row("ok1")],
            failures=[failure_row("file:///scans/other.jpg")],
        )
    assert _count_all(pg_engine, pg_schema) == before
    message = str(caught.value)
    assert column in message and "rolled back" in message
    for secret in ("张三", "11010519890403001X", "北京市", "1990-02-30", "70000"):
        assert secret not in message
    assert caught.value.__cause__ is None and caught.value.__suppress_context__


def test_an_error_in_the_last_step_rolls_back_results_and_sources_too(
    sink: PostgresSink, pg_engine: sa.Engine, pg_schema: str
) -> None:
    # The failures are staged after results and sources were upserted; http_status overflows integer.
    with pytest.raises(SinkWriteError, match="22003"):
        sink.write_batch(
            results=[result_row("a")],
            sources=[source_row("a")],
            failures=[failure_row("file:///x.jpg", http_status=2**40)],
        )
    assert _count_all(pg_engine, pg_schema) == (0, 0, 0)
    assert sink.write_batch(results=[result_row("a")]).results_inserted == 1  # the session is usable after


def test_a_value_that_cannot_be_encoded_mid_copy_rolls_the_batch_back(
    sink: PostgresSink, pg_engine: sa.Engine, pg_schema: str
) -> None:
    # JSON is encoded while the COPY streams; the bad row sorts last, after ~200 kB went to the server.
    rows = [result_row(f"ok{i}", address="北京市" * 40) for i in range(400)]
    rows.append(result_row("bad", image_sha256="f" * 64, legality={"Screen": object()}))
    with pytest.raises(ValueError, match="column legality: Encoding objects of type object is unsupported"):
        sink.write_batch(results=rows, sources=[source_row("ok0")])
    assert _count_all(pg_engine, pg_schema) == (0, 0, 0)
    assert sink.write_batch(results=rows[:2]).results_inserted == 2  # the session is usable after


def test_staging_tables_live_with_the_connection_one_per_target_table(
    pg_engine: sa.Engine, pg_schema: str
) -> None:
    # One pooled connection for both sinks: each keeps its own staging table across batches.
    engine = sa.create_engine(
        pg_engine.url.render_as_string(hide_password=False), pool_size=1, max_overflow=0
    )
    try:
        sinks = {t: PostgresSink(engine=engine, schema=pg_schema, table=t) for t in ("cards_a", "cards_b")}
        for sink in sinks.values():
            sink.create_tables()
        for round_no in range(3):
            for table, sink in sinks.items():
                counts = sink.write_batch(
                    results=[result_row("x", name=f"{table}{round_no}"), result_row("y")]
                )
                assert (counts.results_inserted, counts.results_updated) == (
                    (2, 0) if round_no == 0 else (0, 2)
                )
        with engine.connect() as conn:
            staged = conn.scalar(
                sa.text(
                    "SELECT count(*) FROM pg_class WHERE relpersistence = 't' "
                    "AND relname LIKE 'faceid_stage_results_%'"
                )
            )
        assert staged == 2
    finally:
        engine.dispose()
    for table in ("cards_a", "cards_b"):
        rows = fetch(pg_engine, f'SELECT name FROM "{pg_schema}".{table} ORDER BY image_sha256')
        assert sorted(r[0] for r in rows) == sorted([f"{table}2", "张三"])


def test_invalid_rows_are_rejected_before_any_sql(sink: PostgresSink, pg_engine: sa.Engine) -> None:
    statements: list[str] = []

    def record(*args: Any) -> None:
        statements.append(str(args[2]))

    sa.event.listen(pg_engine, "before_cursor_execute", record)
    try:
        with pytest.raises(ValueError, match=r"unknown column\(s\) \['nmae'\]"):
            sink.write_batch(results=[result_row("a") | {"nmae": "x"}])
        with pytest.raises(ValueError, match="image_sha256"):
            sink.write_batch(results=[result_row("a", image_sha256="A" * 64)])
        with pytest.raises(ValueError, match="code is required"):
            sink.write_batch(failures=[failure_row("file:///x.jpg", code="")])
        with pytest.raises(ValueError, match="retryable"):
            sink.write_batch(failures=[failure_row("file:///x.jpg", retryable=None)])
    finally:
        sa.event.remove(pg_engine, "before_cursor_execute", record)
    assert statements == []


@pytest.mark.parametrize("digest", ["A" * 64, "a" * 63, "a" * 65, "g" * 64, "a" * 63 + "\n"])
def test_the_database_itself_rejects_malformed_digests(
    sink: PostgresSink, pg_engine: sa.Engine, pg_schema: str, digest: str
) -> None:
    # Other writers than this sink may use the tables: the CHECK constraints hold without Python.
    for table in ("faceid_idcard", "faceid_idcard_source"):
        with pytest.raises(sa.exc.IntegrityError, match="sha_check"), pg_engine.begin() as conn:
            conn.execute(
                sa.text(f'INSERT INTO "{pg_schema}".{table} (image_sha256, source_uri) VALUES (:d, :u)'),
                {"d": digest, "u": "u"},
            )


def test_a_digest_inserted_concurrently_after_the_probe_falls_back_to_the_upsert(
    sink: PostgresSink, pg_engine: sa.Engine, pg_schema: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Another task commits the digest between the "any known?" probe and the COPY: simulated by a
    # probe that answers "none" although the row is there. The COPY hits the primary key, the savepoint
    # is rolled back and the batch is upserted instead, in the same transaction.
    sink.write_batch(results=[result_row("a")])
    monkeypatch.setattr(PostgresSink, "_any_known", lambda self, conn, digests: False)
    counts = sink.write_batch(
        results=[result_row("a", name="王五"), result_row("b")],
        sources=[source_row("a"), source_row("b")],
    )
    assert (counts.results_inserted, counts.results_updated, counts.sources) == (1, 1, 2)
    rows = fetch(pg_engine, f'SELECT image_sha256, name FROM "{pg_schema}".faceid_idcard ORDER BY 1')
    assert rows == sorted([(sha("a"), "王五"), (sha("b"), "张三")])


def test_version_2_tables_get_the_page_indexes(pg_engine: sa.Engine, pg_schema: str) -> None:
    sink = PostgresSink(engine=pg_engine, schema=pg_schema)
    sink.create_tables()
    page_indexes = {
        "faceid_idcard_fail_seen_idx",
        "faceid_idcard_recapture_idx",
        "faceid_idcard_fail_perm_idx",
        "faceid_idcard_fail_run_idx",
    }
    with pg_engine.begin() as conn:
        for name in page_indexes:
            conn.exec_driver_sql(f'DROP INDEX "{pg_schema}"."{name}"')
        conn.exec_driver_sql(f'UPDATE "{pg_schema}".faceid_idcard_meta SET schema_version = 2')
    statements = sink_module.migration_statements(sink.tables, 2)
    creates = [s for s in statements if s.startswith("CREATE INDEX IF NOT EXISTS")]
    # Version 3's four first; version 5 adds one more (the document key's).
    assert creates[:4] == statements[:4] and len(creates) == 5
    PostgresSink(engine=pg_engine, schema=pg_schema).create_tables()
    found = fetch(pg_engine, f"SELECT indexname FROM pg_indexes WHERE schemaname = '{pg_schema}'")
    assert page_indexes <= {name for (name,) in found}
    assert PostgresSink(engine=pg_engine, schema=pg_schema).schema_version() == SCHEMA_VERSION


def test_version_4_tables_get_the_document_key_index(pg_engine: sa.Engine, pg_schema: str) -> None:
    sink = PostgresSink(engine=pg_engine, schema=pg_schema)
    sink.create_tables()
    with pg_engine.begin() as conn:
        conn.exec_driver_sql(f'DROP INDEX "{pg_schema}"."faceid_idcard_doc_key_idx"')
        conn.exec_driver_sql(f'UPDATE "{pg_schema}".faceid_idcard_meta SET schema_version = 4')
    assert sink_module.migration_statements(sink.tables, 4) == [
        f'CREATE INDEX IF NOT EXISTS "faceid_idcard_doc_key_idx" ON "{pg_schema}"."faceid_idcard" '
        '("document_key") WHERE "document_key" IS NOT NULL'
    ]
    PostgresSink(engine=pg_engine, schema=pg_schema).create_tables()
    found = fetch(
        pg_engine,
        f"SELECT indexdef FROM pg_indexes WHERE schemaname = '{pg_schema}' AND indexname LIKE '%doc_key%'",
    )
    assert [d for (d,) in found] == [
        f"CREATE INDEX faceid_idcard_doc_key_idx ON {pg_schema}.faceid_idcard USING btree (document_key) "
        "WHERE (document_key IS NOT NULL)"
    ]
    assert PostgresSink(engine=pg_engine, schema=pg_schema).schema_version() == SCHEMA_VERSION
    # A document's image rows are found through it, not by reading the table.
    with pg_engine.begin() as conn:
        conn.exec_driver_sql("SET LOCAL enable_seqscan = off")
        plan = conn.exec_driver_sql(
            f"EXPLAIN SELECT image_sha256 FROM \"{pg_schema}\".faceid_idcard WHERE document_key = 'K'"
        ).all()
    assert "faceid_idcard_doc_key_idx" in " ".join(line for (line,) in plan)


def test_a_re_read_without_a_document_key_keeps_the_key_it_had(
    sink: PostgresSink, pg_engine: sa.Engine, pg_schema: str
) -> None:
    sink.write_batch(results=[{**result_row("a"), "document_key": "K1"}, result_row("b")])
    # Read again by a task without pair_by (reprocess=True): its rows carry no key.
    sink.write_batch(results=[result_row("a", run_id="r2"), result_row("b", run_id="r2")])
    query = f'SELECT image_sha256, document_key, run_id FROM "{pg_schema}".faceid_idcard ORDER BY 1'
    assert fetch(pg_engine, query) == sorted([(sha("a"), "K1", "r2"), (sha("b"), None, "r2")])
    # A pairing run that files the image under another document moves it.
    sink.write_batch(results=[{**result_row("a"), "document_key": "K2"}])
    key_of_a = f'SELECT document_key FROM "{pg_schema}".faceid_idcard WHERE image_sha256 = :s'
    assert fetch(pg_engine, key_of_a, s=sha("a")) == [("K2",)]
