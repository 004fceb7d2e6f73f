"""Postgres sink: idempotent, batched upserts of ID-card results, the sources they came from and failures.

Three tables, all keyed for re-runs (see docs/sink.md for the DDL):

* results, keyed by the image's sha256: the same bytes are stored once whatever their names;
* sources, keyed by the staged object's URI: lets a re-run skip an object by URI + size/etag before
  downloading it;
* failures, keyed by URI: the ledger of objects that did not load, with an attempts counter.

Every staged object ends in exactly one place: a source row pointing at a results row, or a failure row.
``write_batch`` keeps that true in one transaction. Rows go through ``COPY`` into temporary tables and
then ``INSERT ... SELECT ... ON CONFLICT``, which is several times faster than row-by-row inserts.

Errors raised for bad data never carry row values: names, numbers and addresses would otherwise reach the
task log through Postgres's "Failing row contains (...)" details.
"""

from __future__ import annotations

import dataclasses
import enum
import hashlib
import re
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from typing import Any

import msgspec
import psycopg
import sqlalchemy as sa
from psycopg import sql
from psycopg.copy import LibpqWriter
from sqlalchemy.dialects import postgresql as pg

from airflow_provider_faceid import idnumber
from airflow_provider_faceid.sink_schema import (
    DEFAULT_TABLE,
    FAILURE_COLUMNS,
    RESULT_COLUMNS,
    SCHEMA_VERSION,
    SOURCE_COLUMNS,
    SchemaVersionError,
    SinkNames,
    SinkTables,
    build_tables,
    ddl_statements,
    is_sha256_hex,
    migration_statements,
)

__all__ = [
    "FAILURE_COLUMNS",
    "RESULT_COLUMNS",
    "SOURCE_COLUMNS",
    "PostgresSink",
    "SchemaVersionError",
    "SinkWriteError",
    "SourceState",
    "SourceStatus",
    "WriteCounts",
]

Row = Mapping[str, Any]
BatchStep = Callable[[sa.Connection, Sequence[Row]], None]
"""More writes of a batch, run by :meth:`PostgresSink.write_batch` inside its transaction."""

_JSONB_COLUMNS = frozenset({"head_rect", "legality"})
# By column name, in every table: the documents table's lists are text[] too.
_ARRAY_COLUMNS = frozenset({"flags", "reasons", "conflict_sha256"})
_LOOKUP_CHUNK = 10_000
_MESSAGE_LIMIT = 2_000
_COPY_FLUSH_BYTES = 64 * 1024
# 18-character numbers (last may be X) and old 15-digit ones: masked even inside free text.
_ID_NUMBER_IN_TEXT = re.compile(r"(?<![0-9A-Za-z])(?:\d{17}[\dXx]|\d{15})(?![0-9A-Za-z])")
_COPY_CONTEXT = re.compile(r"COPY \S+, line (\d+)(?:, column (\w+))?")


class SourceStatus(str, enum.Enum):
    LOADED = "loaded"
    FAILED_PERMANENT = "failed_permanent"
    FAILED_RETRYABLE = "failed_retryable"


@dataclasses.dataclass(frozen=True)
class SourceState:
    """What the sink knows about one staged object."""

    source_uri: str
    status: SourceStatus
    source_size: int | None
    source_etag: str | None
    image_sha256: str | None
    code: str | None = None
    attempts: int = 0

    def same_object(self, *, size: int | None, etag: str | None) -> bool:
        """True if a listed object is the recorded one: same size, and same etag when both are known."""
        if self.source_size is None or size is None or self.source_size != size:
            return False
        return self.source_etag is None or etag is None or self.source_etag == etag


@dataclasses.dataclass(frozen=True)
class WriteCounts:
    results_inserted: int = 0
    results_updated: int = 0
    sources: int = 0
    failures: int = 0
    failures_cleared: int = 0


class SinkWriteError(RuntimeError):
    """A batch was rejected by Postgres and rolled back; the message names the column, never the value."""

    def __init__(self, message: str, *, sqlstate: str | None) -> None:
        super().__init__(message)
        self.sqlstate = sqlstate


class PostgresSink:
    """Writes results, sources and failures to Postgres through one SQLAlchemy engine (psycopg 3 driver).

    :param engine: a ``postgresql+psycopg`` engine.
    :param schema: schema of the tables; ``None`` uses the connection's ``search_path``.
    :param table: name of the results table; the others are derived from it.
    :param failures_table: name of the failures table, default ``<table>_failure``.
    """

    def __init__(
        self,
        *,
        engine: sa.Engine,
        schema: str | None = None,
        table: str = DEFAULT_TABLE,
        failures_table: str | None = None,
    ) -> None:
        # Names are validated here, before the engine is ever used.
        self.names = SinkNames.build(schema=schema, table=table, failures_table=failures_table)
        self.tables: SinkTables = build_tables(self.names)
        if engine.dialect.name != "postgresql" or engine.dialect.driver != "psycopg":
            raise ValueError(
                "PostgresSink needs a postgresql+psycopg engine, "
                f"not {engine.dialect.name}+{engine.dialect.driver}"
            )
        self.engine = engine
        self._version_checked = False

    def __repr__(self) -> str:
        where = f"{self.names.schema}." if self.names.schema else ""
        return f"PostgresSink(table={where}{self.names.results}, engine={self.engine.url.render_as_string()})"

    # -- DDL ---------------------------------------------------------------------------------------

    def create_tables(self) -> None:
        """Create the schema, tables and indexes if missing, and stamp or check the schema version.

        Idempotent and safe to call from parallel tasks: it runs in one transaction under an advisory lock
        (plain ``IF NOT EXISTS`` races on the catalog's unique indexes). Refuses tables created by a
        newer version of the provider.
        """
        with self.engine.begin() as conn:
            conn.execute(sa.select(sa.func.pg_advisory_xact_lock(self._lock_key())))
            schema = self.names.schema
            if schema is not None and not self._schema_exists(conn, schema):
                # Only when missing: CREATE SCHEMA IF NOT EXISTS still needs CREATE on the database.
                conn.execute(sa.schema.CreateSchema(sa.sql.quoted_name(schema, True)))
            statements = ddl_statements(self.tables)
            conn.exec_driver_sql(statements[0])  # the meta table, so the version is checked first
            found = self._read_version(conn)
            if found is None:
                conn.execute(sa.insert(self.tables.meta).values(id=1, schema_version=SCHEMA_VERSION))
            elif found < SCHEMA_VERSION:
                for statement in migration_statements(self.tables, found):
                    conn.exec_driver_sql(statement)
                meta = self.tables.meta
                conn.execute(
                    sa.update(meta)
                    .where(meta.c.id == 1)
                    .values(schema_version=SCHEMA_VERSION, updated_at=sa.func.now())
                )
            else:
                self._check_version(found)
            for statement in statements[1:]:
                conn.exec_driver_sql(statement)
        self._version_checked = True

    def schema_version(self) -> int | None:
        """The version stamped in the meta table, ``None`` if the tables were never created."""
        with self.engine.connect() as conn:
            return self._read_version(conn)

    def _read_version(self, conn: sa.Connection) -> int | None:
        meta = self.tables.meta
        if conn.scalar(sa.select(sa.func.to_regclass(self._qualified(meta)))) is None:
            return None
        value = conn.scalar(sa.select(meta.c.schema_version).where(meta.c.id == 1))
        return None if value is None else int(value)

    def _check_version(self, found: int) -> None:
        if found > SCHEMA_VERSION:
            raise SchemaVersionError(
                f"tables {self._qualified(self.tables.results)} have schema version {found}, newer than "
                f"{SCHEMA_VERSION} which this version of airflow-provider-faceid writes; upgrade the "
                "provider (versions only move forward, never downgrade the tables)"
            )
        if found < SCHEMA_VERSION:
            raise SchemaVersionError(
                f"tables {self._qualified(self.tables.results)} have schema version {found}, older than "
                f"{SCHEMA_VERSION}: call create_tables() to migrate them"
            )

    @staticmethod
    def _schema_exists(conn: sa.Connection, schema: str) -> bool:
        return bool(
            conn.scalar(
                sa.text("SELECT EXISTS (SELECT 1 FROM pg_namespace WHERE nspname = :n)"), {"n": schema}
            )
        )

    def _lock_key(self) -> int:
        # One lock per set of tables: unrelated sinks in the same database do not wait for each other.
        digest = hashlib.sha256(
            f"airflow-provider-faceid:{self._qualified(self.tables.results)}".encode()
        ).digest()
        return int.from_bytes(digest[:8], "big", signed=True)

    def _qualified(self, table: sa.Table) -> str:
        return self.engine.dialect.identifier_preparer.format_table(table)

    # -- lookups -----------------------------------------------------------------------------------

    def known_sha256(self, digests: Iterable[str]) -> set[str]:
        """The digests among ``digests`` that already have a results row."""
        # Anything else cannot be stored (the tables CHECK the digest's shape), so it is not known.
        wanted = sorted({d for d in digests if is_sha256_hex(d)})
        results = self.tables.results
        found: set[str] = set()
        with self.engine.connect() as conn:
            for chunk in _chunks(wanted, _LOOKUP_CHUNK):
                query = sa.select(results.c.image_sha256).where(
                    results.c.image_sha256 == sa.any_(_digest_array(chunk))
                )
                found.update(conn.scalars(query))
        return found

    def known_sources(self, uris: Iterable[str]) -> dict[str, SourceState]:
        """State of the objects among ``uris`` the sink has seen; unknown URIs are absent from the answer.

        A failure row wins over a source row (it is the newer outcome: a success deletes the failure).
        A source row counts as loaded only while its results row exists.
        """
        wanted = sorted(set(uris))
        r, s, f = self.tables.results, self.tables.sources, self.tables.failures
        states: dict[str, SourceState] = {}
        with self.engine.connect() as conn:
            for chunk in _chunks(wanted, _LOOKUP_CHUNK):
                failed = sa.select(
                    f.c.source_uri,
                    sa.case(
                        (f.c.retryable, SourceStatus.FAILED_RETRYABLE.value),
                        else_=SourceStatus.FAILED_PERMANENT.value,
                    ),
                    f.c.source_size,
                    f.c.source_etag,
                    f.c.image_sha256,
                    f.c.code,
                    f.c.attempts,
                ).where(f.c.source_uri == sa.any_(_text_array(chunk)))
                loaded = (
                    sa.select(
                        s.c.source_uri,
                        sa.literal(SourceStatus.LOADED.value),
                        s.c.source_size,
                        s.c.source_etag,
                        s.c.image_sha256,
                        sa.null(),
                        sa.literal(0),
                    )
                    .join(r, r.c.image_sha256 == s.c.image_sha256)
                    .where(
                        s.c.source_uri == sa.any_(_text_array(chunk)),
                        ~sa.exists().where(f.c.source_uri == s.c.source_uri),
                    )
                )
                for uri, status, size, etag, sha, code, attempts in conn.execute(
                    sa.union_all(failed, loaded)
                ):
                    states[uri] = SourceState(
                        source_uri=uri,
                        status=SourceStatus(status),
                        source_size=size,
                        source_etag=etag,
                        image_sha256=sha,
                        code=code,
                        attempts=int(attempts),
                    )
        return states

    # -- writes ------------------------------------------------------------------------------------

    def write_batch(
        self,
        *,
        results: Sequence[Row] = (),
        sources: Sequence[Row] = (),
        failures: Sequence[Row] = (),
        also: BatchStep | None = None,
    ) -> WriteCounts:
        """Upsert one batch in ONE transaction: all of it is written, or none of it.

        * results: upsert on ``image_sha256``; a repeated digest updates the row, keeps the first
          ``source_uri``/``source_size`` seen and sets ``loaded_at`` to now.
        * sources: upsert on ``source_uri`` (size, etag, digest, last_seen, run).
        * failures: upsert on ``source_uri``, ``attempts`` + 1 per occurrence, ``last_seen`` now; a source
          row the failure makes stale (other or no digest) is deleted.
        * failure rows of sources that now point at a results row are deleted.

        Rows are dicts keyed by column name (see ``RESULT_COLUMNS``, ``SOURCE_COLUMNS``,
        ``FAILURE_COLUMNS``); missing keys are NULL, unknown keys raise :class:`ValueError` before any SQL.

        ``also(conn, results)`` runs last, inside the same transaction, with the batch's results rows:
        rows derived from them (documents) commit or roll back with the batch.
        """
        result_rows = _prepare_results(results)
        source_rows = _prepare_sources(sources)
        failure_rows = _prepare_failures(failures)
        if not (result_rows or source_rows or failure_rows):
            return WriteCounts()
        try:
            with self.engine.begin() as conn:
                if not self._version_checked:
                    self._verify_ready(conn)
                counts = self._write(conn, result_rows, source_rows, failure_rows)
                if also is not None:
                    also(conn, results)
                return counts
        except (sa.exc.DBAPIError, psycopg.Error) as exc:
            raise _sanitised(exc) from None

    def _verify_ready(self, conn: sa.Connection) -> None:
        found = self._read_version(conn)
        if found is None:
            raise SchemaVersionError(
                f"{self._qualified(self.tables.results)}: sink tables missing, call create_tables() first"
            )
        self._check_version(found)
        self._version_checked = True

    def _write(
        self,
        conn: sa.Connection,
        result_rows: list[tuple[Any, ...]],
        source_rows: list[tuple[Any, ...]],
        failure_rows: list[tuple[Any, ...]],
    ) -> WriteCounts:
        t = self.tables
        inserted = updated = n_sources = n_failures = cleared = 0
        if result_rows:
            if self._copy_new_results(conn, result_rows):
                inserted = len(result_rows)
            else:
                stage = self._stage(conn, t.results, "faceid_stage_results", RESULT_COLUMNS, result_rows)
                inserted, updated = self._upsert_results(conn, stage)
        stage_sources = None
        if source_rows:
            stage_sources = self._stage(conn, t.sources, "faceid_stage_sources", SOURCE_COLUMNS, source_rows)
            n_sources = self._upsert_sources(conn, stage_sources)
        if failure_rows:
            failure_columns = (*FAILURE_COLUMNS, "attempts")
            stage_failures = self._stage(
                conn, t.failures, "faceid_stage_failures", failure_columns, failure_rows
            )
            n_failures = self._upsert_failures(conn, stage_failures, stage_sources)
        if stage_sources is not None:
            cleared = self._clear_failures(conn, stage_sources)
        return WriteCounts(
            results_inserted=inserted,
            results_updated=updated,
            sources=n_sources,
            failures=n_failures,
            failures_cleared=cleared,
        )

    def _copy_new_results(self, conn: sa.Connection, rows: list[tuple[Any, ...]]) -> bool:
        """COPY straight into the results table when no digest of the batch is there yet.

        The usual case (the operator skips known digests before calling the API), and one pass on the
        server instead of two. A digest inserted meanwhile by a concurrent task makes the COPY fail on
        the primary key: the savepoint is rolled back and the caller takes the upsert path.
        """
        if self._any_known(conn, [row[0] for row in rows]):
            return False
        savepoint = conn.begin_nested()
        try:
            copy_rows(conn, self._qualified(self.tables.results), RESULT_COLUMNS, rows)
        except psycopg.errors.UniqueViolation:
            savepoint.rollback()
            return False
        savepoint.commit()
        return True

    def _any_known(self, conn: sa.Connection, digests: list[str]) -> bool:
        results = self.tables.results
        probe = sa.exists().where(results.c.image_sha256 == sa.any_(_digest_array(digests)))
        return bool(conn.scalar(sa.select(probe)))

    def _stage(
        self,
        conn: sa.Connection,
        like: sa.Table,
        name: str,
        columns: Sequence[str],
        rows: list[tuple[Any, ...]],
    ) -> sa.TableClause:
        """COPY ``rows`` into a temporary copy of ``like``, emptied at commit.

        The table lives as long as the (pooled) connection: creating one per batch cost ~3 ms of
        catalog writes, ~3 us a row. Named after ``like``, so two sinks sharing a connection never
        share a staging table.
        """
        target = self._qualified(like)
        name = f"{name}_{hashlib.sha256(target.encode()).hexdigest()[:12]}"
        stage = sa.table(name, *(sa.column(c) for c in columns), schema="pg_temp")
        raw = conn.connection.driver_connection
        assert isinstance(raw, psycopg.Connection)
        with raw.cursor() as cur:
            cur.execute(
                sql.SQL(
                    "CREATE TEMPORARY TABLE IF NOT EXISTS {} (LIKE {} INCLUDING DEFAULTS)"
                    " ON COMMIT DELETE ROWS"
                ).format(sql.Identifier(name), sql.SQL(target))
            )
        copy_rows(conn, f'pg_temp."{name}"', columns, rows)
        return stage

    def _upsert_results(self, conn: sa.Connection, stage: sa.TableClause) -> tuple[int, int]:
        target = self.tables.results
        insert = pg.insert(target).from_select(
            list(RESULT_COLUMNS), sa.select(*stage.c).order_by(_lock_order(stage.c.image_sha256))
        )
        keep_first = {"source_uri", "source_size", "image_sha256"}
        updates: dict[str, Any] = {c: insert.excluded[c] for c in RESULT_COLUMNS if c not in keep_first}
        first_unknown = target.c.source_uri.is_(None)
        updates["source_uri"] = sa.case(
            (first_unknown, insert.excluded.source_uri), else_=target.c.source_uri
        )
        updates["source_size"] = sa.case(
            (first_unknown, insert.excluded.source_size), else_=target.c.source_size
        )
        updates["loaded_at"] = sa.func.now()
        # A re-read without pair_by carries no key: the image still belongs to its document.
        updates["document_key"] = sa.func.coalesce(insert.excluded.document_key, target.c.document_key)
        # xmax is 0 for a freshly inserted tuple and set for an updated one: one round trip gives both counts.
        upsert = (
            insert.on_conflict_do_update(index_elements=[target.c.image_sha256], set_=updates)
            .returning(sa.literal_column("xmax = 0", sa.Boolean).label("inserted"))
            .cte("upserted")
        )
        counts = conn.execute(
            sa.select(sa.func.count().filter(upsert.c.inserted), sa.func.count()).select_from(upsert)
        ).one()
        return int(counts[0]), int(counts[1]) - int(counts[0])

    def _upsert_sources(self, conn: sa.Connection, stage: sa.TableClause) -> int:
        target = self.tables.sources
        insert = pg.insert(target).from_select(
            list(SOURCE_COLUMNS), sa.select(*stage.c).order_by(_lock_order(stage.c.source_uri))
        )
        updates: dict[str, Any] = {c: insert.excluded[c] for c in SOURCE_COLUMNS if c != "source_uri"}
        updates["last_seen"] = sa.func.now()
        return _count(conn, insert.on_conflict_do_update(index_elements=[target.c.source_uri], set_=updates))

    def _upsert_failures(
        self, conn: sa.Connection, stage: sa.TableClause, stage_sources: sa.TableClause | None
    ) -> int:
        target = self.tables.failures
        columns = [*FAILURE_COLUMNS, "attempts"]
        insert = pg.insert(target).from_select(
            columns, sa.select(*stage.c).order_by(_lock_order(stage.c.source_uri))
        )
        updates: dict[str, Any] = {c: insert.excluded[c] for c in FAILURE_COLUMNS if c != "source_uri"}
        updates["attempts"] = target.c.attempts + insert.excluded.attempts
        updates["last_seen"] = sa.func.now()
        written = _count(
            conn, insert.on_conflict_do_update(index_elements=[target.c.source_uri], set_=updates)
        )
        # The object under this URI failed now: a mapping to other (older) bytes no longer describes it,
        # unless this same batch also records the URI as a source (then that row is the current mapping).
        sources = self.tables.sources
        stale = sa.delete(sources).where(
            sources.c.source_uri == stage.c.source_uri,
            sources.c.image_sha256.is_distinct_from(stage.c.image_sha256),
        )
        if stage_sources is not None:
            stale = stale.where(~sa.exists().where(stage_sources.c.source_uri == stage.c.source_uri))
        conn.execute(stale)
        return written

    def _clear_failures(self, conn: sa.Connection, stage_sources: sa.TableClause) -> int:
        failures, results = self.tables.failures, self.tables.results
        return _count(
            conn,
            sa.delete(failures).where(
                failures.c.source_uri == stage_sources.c.source_uri,
                results.c.image_sha256 == stage_sources.c.image_sha256,
            ),
        )


def copy_rows(
    conn: sa.Connection, target: str, columns: Sequence[str], rows: Iterable[tuple[Any, ...]]
) -> None:
    """``COPY target (columns) FROM STDIN`` of ``rows`` on ``conn``'s psycopg connection, streaming.

    ``target`` is an already quoted (validated) table name; JSON and array columns are converted
    as the rows stream (see :func:`_converted`).
    """
    raw = conn.connection.driver_connection
    assert isinstance(raw, psycopg.Connection)
    copy_sql = sql.SQL("COPY {} ({}) FROM STDIN").format(
        sql.SQL(target), sql.SQL(", ").join(map(sql.Identifier, columns))
    )
    with raw.cursor() as cur:
        # psycopg buffers 1 MiB before sending, about a whole batch: the server would sit idle while
        # the rows are formatted, then work while Python waits. Small sends overlap the two.
        writer = LibpqWriter(cur, flush_threshold=_COPY_FLUSH_BYTES)
        with cur.copy(copy_sql, writer=writer) as copy:
            for row in _converted(rows, columns):
                copy.write_row(row)


def _lock_order(key: sa.ColumnElement[Any]) -> sa.ColumnElement[Any]:
    """The order upserts take row locks in: the same in every writer, so two never deadlock.

    Byte order ("C"): any fixed total order serves, and the database's default collation compares
    through the C library's strcoll, several times slower for keys that are plain ASCII anyway.
    """
    return key.collate("C")


def _count(conn: sa.Connection, statement: sa.Insert | sa.Delete) -> int:
    # CursorResult.rowcount is -1 for INSERT ... SELECT ... ON CONFLICT here; RETURNING counts exactly.
    affected = statement.returning(sa.literal_column("1")).cte("affected")
    return int(conn.execute(sa.select(sa.func.count()).select_from(affected)).scalar_one())


# -- row preparation (pure) ------------------------------------------------------------------------


def _prepare_results(rows: Sequence[Row]) -> list[tuple[Any, ...]]:
    """Validate and order results rows for COPY; a repeated digest keeps its first source, last values."""
    by_sha: dict[str, tuple[Any, ...]] = {}
    uri_at, size_at = RESULT_COLUMNS.index("source_uri"), RESULT_COLUMNS.index("source_size")
    for i, row in enumerate(rows):
        values = _values(row, columns=RESULT_COLUMNS, allowed=_RESULT_SET, kind="results", index=i)
        sha = values[0]
        if not is_sha256_hex(sha):
            raise ValueError(f"results row {i}: image_sha256 must be 64 lower-case hex characters")
        first = by_sha.get(sha)
        if first is not None and first[uri_at] is not None:
            values = (*values[:uri_at], first[uri_at], first[size_at], *values[size_at + 1 :])
        by_sha[sha] = values
    return [by_sha[k] for k in sorted(by_sha)]


def _prepare_sources(rows: Sequence[Row]) -> list[tuple[Any, ...]]:
    by_uri: dict[str, tuple[Any, ...]] = {}
    for i, row in enumerate(rows):
        values = _values(row, columns=SOURCE_COLUMNS, allowed=_SOURCE_SET, kind="sources", index=i)
        _require_uri(values[0], kind="sources", index=i)
        if not is_sha256_hex(row.get("image_sha256")):
            raise ValueError(f"sources row {i}: image_sha256 must be 64 lower-case hex characters")
        by_uri[values[0]] = values
    return [by_uri[k] for k in sorted(by_uri)]


def _prepare_failures(rows: Sequence[Row]) -> list[tuple[Any, ...]]:
    """Failures by URI, last occurrence wins, with the number of occurrences as the attempts increment."""
    by_uri: dict[str, tuple[Any, ...]] = {}
    counts: dict[str, int] = {}
    message_at = FAILURE_COLUMNS.index("message")
    for i, row in enumerate(rows):
        values = _values(row, columns=FAILURE_COLUMNS, allowed=_FAILURE_SET, kind="failures", index=i)
        uri = values[0]
        _require_uri(uri, kind="failures", index=i)
        sha = row.get("image_sha256")
        if sha is not None and not is_sha256_hex(sha):
            raise ValueError(f"failures row {i}: image_sha256 must be None or 64 lower-case hex characters")
        if not isinstance(row.get("code"), str) or not row["code"]:
            raise ValueError(f"failures row {i}: code is required")
        if not isinstance(row.get("retryable"), bool):
            raise ValueError(f"failures row {i}: retryable must be a bool")
        message = values[message_at]
        if message is not None:
            values = (*values[:message_at], scrub_message(str(message)), *values[message_at + 1 :])
        by_uri[uri] = values
        counts[uri] = counts.get(uri, 0) + 1
    return [(*by_uri[k], counts[k]) for k in sorted(by_uri)]


_RESULT_SET = frozenset(RESULT_COLUMNS)
_SOURCE_SET = frozenset(SOURCE_COLUMNS)
_FAILURE_SET = frozenset(FAILURE_COLUMNS)


def _values(
    row: Row, *, columns: Sequence[str], allowed: frozenset[str], kind: str, index: int
) -> tuple[Any, ...]:
    if not allowed.issuperset(row):
        unknown = sorted(str(k) for k in row if k not in allowed)
        raise ValueError(f"{kind} row {index}: unknown column(s) {unknown}")
    return tuple(map(row.get, columns))


def _converted(rows: Iterable[tuple[Any, ...]], columns: Sequence[str]) -> Iterator[tuple[Any, ...]]:
    """``rows`` with JSON and array values as the text COPY takes, one row at a time.

    Converted while the COPY streams rather than up front, so the server is already storing rows while
    later ones are encoded. A value that cannot be converted fails the COPY and rolls the batch back.
    """
    converters = _converters(columns)
    for row in rows:
        values = list(row)
        for at, convert in converters:
            if values[at] is not None:
                try:
                    values[at] = convert(values[at])
                except (
                    TypeError,
                    ValueError,
                    OverflowError,
                    msgspec.EncodeError,
                ) as exc:
                    # These messages name the value's type, never the value.
                    raise ValueError(f"column {columns[at]}: {exc}") from None
        yield tuple(values)


# msgspec (already an Airflow dependency) encodes the legality and head_rect objects in ~1 us, the
# standard library's encoder in ~6: a tenth of a row's whole cost in the sink. Compact, UTF-8 text;
# NaN becomes null (JSON has no NaN; Postgres would reject the batch).
_encode_json = msgspec.json.Encoder().encode


def _to_jsonb_text(value: Any) -> str:
    # A str is taken as JSON text already; Postgres parses it and rejects invalid JSON.
    if isinstance(value, str):
        return value
    return _encode_json(value).decode()


def _to_text_array_literal(value: Any) -> str:
    """A Postgres array literal: as a plain str it takes COPY's fast path, unlike a list (array dumper)."""
    if isinstance(value, str):
        raise ValueError("flags must be a sequence of strings, not a string")
    items = []
    for item in value:
        if item is None:
            items.append("NULL")
        else:
            items.append('"' + str(item).replace("\\", "\\\\").replace('"', '\\"') + '"')
    return "{" + ",".join(items) + "}"


_CONVERTER_CACHE: dict[tuple[str, ...], list[tuple[int, Callable[[Any], Any]]]] = {}


def _converters(columns: Sequence[str]) -> list[tuple[int, Callable[[Any], Any]]]:
    key = tuple(columns)
    found = _CONVERTER_CACHE.get(key)
    if found is None:
        found = [(i, _to_jsonb_text) for i, c in enumerate(columns) if c in _JSONB_COLUMNS]
        found += [(i, _to_text_array_literal) for i, c in enumerate(columns) if c in _ARRAY_COLUMNS]
        _CONVERTER_CACHE[key] = found
    return found


def _require_uri(uri: Any, *, kind: str, index: int) -> None:
    if not isinstance(uri, str) or not uri:
        raise ValueError(f"{kind} row {index}: source_uri is required")


def scrub_message(message: str) -> str:
    """Mask anything shaped like an ID-card number and bound the length: failure messages reach dashboards."""
    masked = _ID_NUMBER_IN_TEXT.sub(lambda m: idnumber.mask(m.group(0)), message)
    return masked if len(masked) <= _MESSAGE_LIMIT else masked[: _MESSAGE_LIMIT - 1] + "…"


def _text_array(values: Sequence[str]) -> sa.BindParameter[list[str]]:
    array_type: Any = pg.ARRAY(sa.Text)
    return sa.bindparam(None, list(values), type_=array_type)


def _digest_array(digests: Sequence[str]) -> sa.ColumnElement[Any]:
    """A text[] of validated sha256 digests, sent as ONE comma-joined string.

    psycopg adapts a list element by element, ~7 us each: for a batch of 1000 that was most of the
    cost of asking which digests are known. Hex digests hold no comma, so the split is exact.
    """
    joined = sa.bindparam(None, ",".join(digests), type_=sa.Text)
    return sa.func.string_to_array(joined, sa.literal(",", sa.Text), type_=pg.ARRAY(sa.Text))


def _chunks(items: Sequence[str], size: int) -> Iterable[Sequence[str]]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


def _sanitised(exc: BaseException) -> SinkWriteError:
    """A message with the SQLSTATE, the error class and where it failed, without the offending values."""
    orig = exc.orig if isinstance(exc, sa.exc.DBAPIError) else exc
    sqlstate = getattr(orig, "sqlstate", None)
    diag = getattr(orig, "diag", None)
    where: list[str] = []
    if diag is not None:
        if diag.table_name:
            where.append(f"table {diag.table_name}")
        if diag.column_name:
            where.append(f"column {diag.column_name}")
        if diag.constraint_name:
            where.append(f"constraint {diag.constraint_name}")
        match = _COPY_CONTEXT.search(diag.context or "")
        if match:
            where.append(f"staged row {match.group(1)} in key order")
            if match.group(2):
                where.append(f"column {match.group(2)}")
    # Data and constraint errors (classes 22, 23) quote the values; other messages are safe and useful.
    if diag is not None and diag.message_primary and not str(sqlstate or "").startswith(("22", "23")):
        where.insert(0, diag.message_primary)
    detail = f" ({', '.join(where)})" if where else ""
    return SinkWriteError(
        f"batch rolled back: SQLSTATE {sqlstate} {type(orig).__name__}{detail}", sqlstate=sqlstate
    )
