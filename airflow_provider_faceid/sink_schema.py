"""Names, tables and DDL of the Postgres sink (schema version 4), and the migrations between versions.

The tables are SQLAlchemy Core objects: one definition gives the DDL, the statements of the sink and the
column lists of COPY, so they cannot drift apart. Every identifier a user can choose is checked against
:data:`IDENTIFIER_RE` before any SQL exists, and every name is emitted quoted, verbatim.
"""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Callable

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql as pg
from sqlalchemy.sql import quoted_name

SCHEMA_VERSION = 5
"""Version of the table layout this code writes. Bump it with a migration step, never silently."""

IDENTIFIER_RE = re.compile(r"[A-Za-z_][A-Za-z0-9_]{0,62}")
SHA256_RE = re.compile(r"[0-9a-f]{64}")
# Same meaning as ~ '^[0-9a-f]{64}$', but Postgres's regex engine unrolls bounded repetition: that
# form cost ~11 us a row (a third of an insert's server time), this one ~1 us.
_SHA256_CHECK = "length(image_sha256) = 64 AND image_sha256 ~ '^[0-9a-f]*$'"

DEFAULT_TABLE = "faceid_idcard"

# Postgres silently truncates identifiers past 63 bytes; two truncated index names could then collide,
# so every derived name is validated with the same rule as the names given by the user.
_INDEX_SUFFIXES = {
    "number": "_number_idx",
    "loaded_at": "_loaded_at_idx",
    "run": "_run_idx",
    # Short on purpose: with "_document_number_idx" the longest table name would drop below 45.
    "document_number": "_doc_number_idx",
    "recapture": "_recapture_idx",
    # On the failures table, named after the results table: a custom failures_table may be 63 long.
    "failure_last_seen": "_fail_seen_idx",
    "failure_permanent": "_fail_perm_idx",
    "failure_run": "_fail_run_idx",
    "document_key": "_doc_key_idx",
}


class SchemaVersionError(RuntimeError):
    """The tables were created by a newer version of the provider; this version must not write to them."""


def validate_identifier(value: object, *, what: str) -> str:
    """Return ``value`` if it is a safe Postgres identifier, else raise :class:`ValueError`.

    The offending value is shown with ``repr`` so that control characters and quotes are visible.
    """
    if not isinstance(value, str) or IDENTIFIER_RE.fullmatch(value) is None:
        shown = repr(value) if len(repr(value)) <= 80 else repr(value)[:77] + "..."
        raise ValueError(
            f"invalid {what} {shown}: a Postgres identifier here must match {IDENTIFIER_RE.pattern} "
            "(letters, digits and underscores, not starting with a digit, at most 63 characters)"
        )
    return value


def is_sha256_hex(value: object) -> bool:
    return isinstance(value, str) and SHA256_RE.fullmatch(value) is not None


@dataclasses.dataclass(frozen=True)
class SinkNames:
    """Validated names of the sink's tables and indexes."""

    schema: str | None
    results: str
    sources: str
    failures: str
    meta: str
    documents: str
    document_history: str
    erasures: str
    tombstones: str
    masked_view: str

    @classmethod
    def build(cls, *, schema: str | None, table: str, failures_table: str | None = None) -> SinkNames:
        if schema is not None:
            validate_identifier(schema, what="schema name")
        validate_identifier(table, what="table name")
        names = cls(
            schema=schema,
            results=table,
            sources=f"{table}_source",
            failures=f"{table}_failure" if failures_table is None else failures_table,
            meta=f"{table}_meta",
            documents=f"{table}_document",
            document_history=f"{table}_document_history",
            erasures=f"{table}_erasure",
            tombstones=f"{table}_tombstone",
            masked_view=f"{table}_masked",
        )
        validate_identifier(names.sources, what="sources table name (table name + '_source')")
        validate_identifier(names.failures, what="failures table name")
        validate_identifier(names.meta, what="meta table name (table name + '_meta')")
        validate_identifier(names.documents, what="documents table name (table name + '_document')")
        validate_identifier(
            names.document_history, what="document history table name (table name + '_document_history')"
        )
        validate_identifier(names.erasures, what="erasure audit table name (table name + '_erasure')")
        validate_identifier(names.tombstones, what="tombstone table name (table name + '_tombstone')")
        validate_identifier(names.masked_view, what="masked view name (table name + '_masked')")
        derived = {
            names.sources,
            names.meta,
            names.documents,
            names.document_history,
            names.erasures,
            names.tombstones,
            names.masked_view,
        }
        if names.failures in derived | {names.results}:
            raise ValueError(
                "failures_table must differ from the results, sources, meta, document, erasure, "
                "tombstone and masked view names"
            )
        return names

    def index_name(self, key: str) -> str:
        return self.results + _INDEX_SUFFIXES[key]


@dataclasses.dataclass(frozen=True)
class SinkTables:
    names: SinkNames
    metadata: sa.MetaData
    results: sa.Table
    sources: sa.Table
    failures: sa.Table
    meta: sa.Table
    documents: sa.Table
    document_history: sa.Table
    erasures: sa.Table
    tombstones: sa.Table

    @property
    def all(self) -> tuple[sa.Table, ...]:
        """Creation order: the meta table first, so a version check can run before anything else."""
        return (
            self.meta,
            self.results,
            self.sources,
            self.failures,
            self.documents,
            self.document_history,
            self.erasures,
            self.tombstones,
        )


def _q(name: str) -> quoted_name:
    # Always quoted: the name the user validated is the name Postgres stores, case included.
    return quoted_name(name, True)


def _col(
    name: str,
    type_: sa.types.TypeEngine | type[sa.types.TypeEngine],
    *args: sa.schema.SchemaItem,
    **kw: object,
) -> sa.Column:
    return sa.Column(_q(name), type_, *args, **kw)  # type: ignore[arg-type]


def build_tables(names: SinkNames) -> SinkTables:
    metadata = sa.MetaData()
    schema = _q(names.schema) if names.schema is not None else None
    now = sa.text("now()")

    def sha_check(table: str) -> sa.CheckConstraint:
        return sa.CheckConstraint(_SHA256_CHECK, name=_q(f"{table}_sha_check"))

    results = sa.Table(
        _q(names.results),
        metadata,
        _col("image_sha256", sa.Text, primary_key=True),
        _col("side", sa.Text),
        _col("name", sa.Text),
        _col("gender", sa.Text),
        _col("race", sa.Text),
        _col("birthday", sa.Date),
        _col("birthday_year", sa.Text),
        _col("birthday_month", sa.Text),
        _col("birthday_day", sa.Text),
        _col("address", sa.Text),
        _col("id_card_number", sa.Text),
        _col("id_card_number_masked", sa.Text),
        _col("issued_by", sa.Text),
        _col("valid_date", sa.Text),
        _col("valid_from", sa.Date),
        _col("valid_to", sa.Date),
        _col("long_term", sa.Boolean),
        _col("head_rect", pg.JSONB),
        _col("legality", pg.JSONB),
        _col("request_id", sa.Text),
        _col("time_used", pg.DOUBLE_PRECISION),
        _col("number_check", sa.SmallInteger),
        _col("flags", pg.ARRAY(sa.Text)),
        _col("needs_recapture", sa.Boolean),
        _col("source_uri", sa.Text),
        _col("source_size", sa.BigInteger),
        _col("dag_id", sa.Text),
        _col("run_id", sa.Text),
        _col("task_id", sa.Text),
        _col("logical_date", sa.DateTime(timezone=True)),
        _col("loaded_at", sa.DateTime(timezone=True), nullable=False, server_default=now),
        # Version 2. Last, as ALTER TABLE ADD COLUMN puts it on upgraded tables: COPY names columns,
        # but a `SELECT *` should look the same on a new and an upgraded database.
        _col("document_key", sa.Text),
        # Version 4 (personal data): the masks of the logs, for the masked view whatever the
        # storage, and the number's AES-GCM envelope when encrypt_fields is on.
        *_personal_data_result_columns(),
        sha_check(names.results),
        schema=schema,
    )
    # No index on side: with two values it never narrows a query enough for the planner to use it,
    # and every insert and update would maintain it (~1/8 of an upsert's server work).
    sa.Index(_q(names.index_name("number")), results.c.id_card_number)
    sa.Index(_q(names.index_name("loaded_at")), results.c.loaded_at)
    sa.Index(_q(names.index_name("run")), results.c.dag_id, results.c.run_id)

    sources = sa.Table(
        _q(names.sources),
        metadata,
        _col("source_uri", sa.Text, primary_key=True),
        _col("source_size", sa.BigInteger),
        _col("source_etag", sa.Text),
        _col("image_sha256", sa.Text, nullable=False),
        _col("first_seen", sa.DateTime(timezone=True), nullable=False, server_default=now),
        _col("last_seen", sa.DateTime(timezone=True), nullable=False, server_default=now),
        _col("dag_id", sa.Text),
        _col("run_id", sa.Text),
        sha_check(names.sources),
        schema=schema,
    )
    sa.Index(_q(names.sources + "_sha_idx"), sources.c.image_sha256)

    failures = sa.Table(
        _q(names.failures),
        metadata,
        _col("source_uri", sa.Text, primary_key=True),
        _col("image_sha256", sa.Text),
        _col("source_size", sa.BigInteger),
        _col("source_etag", sa.Text),
        _col("code", sa.Text, nullable=False),
        _col("http_status", sa.Integer),
        _col("message", sa.Text),
        _col("attempts", sa.Integer, nullable=False, server_default=sa.text("1")),
        _col("retryable", sa.Boolean, nullable=False),
        _col("first_seen", sa.DateTime(timezone=True), nullable=False, server_default=now),
        _col("last_seen", sa.DateTime(timezone=True), nullable=False, server_default=now),
        _col("dag_id", sa.Text),
        _col("run_id", sa.Text),
        _col("task_id", sa.Text),
        sha_check(names.failures),
        schema=schema,
    )

    meta = sa.Table(
        _q(names.meta),
        metadata,
        # A single-row table: the CHECK makes a second row impossible, not merely unexpected.
        _col("id", sa.SmallInteger, primary_key=True, server_default=sa.text("1")),
        _col("schema_version", sa.Integer, nullable=False),
        _col("created_at", sa.DateTime(timezone=True), nullable=False, server_default=now),
        _col("updated_at", sa.DateTime(timezone=True), nullable=False, server_default=now),
        sa.CheckConstraint("id = 1", name=_q(f"{names.meta}_single_row")),
        schema=schema,
    )
    documents, document_history = _document_tables(names, metadata, schema)
    _page_indexes(names, results, failures)
    erasures, tombstones = _personal_data_tables(names, metadata, schema)
    _document_key_index(names, results)
    tables = SinkTables(
        names=names,
        metadata=metadata,
        results=results,
        sources=sources,
        failures=failures,
        meta=meta,
        documents=documents,
        document_history=document_history,
        erasures=erasures,
        tombstones=tombstones,
    )
    for table in tables.all:
        named: list[sa.Index | sa.Constraint] = [*table.indexes, *table.constraints]
        for item in named:
            if item.name is not None and not isinstance(item, sa.PrimaryKeyConstraint):
                validate_identifier(
                    str(item.name), what=f"derived {type(item).__name__} name (table name too long)"
                )
    return tables


def _document_tables(
    names: SinkNames, metadata: sa.MetaData, schema: quoted_name | None
) -> tuple[sa.Table, sa.Table]:
    """One row per ID card (both sides merged, checked, judged) and the sides it no longer uses.

    Written by :mod:`airflow_provider_faceid.documents` when the operator pairs sides; created
    with the other tables either way, so the layout has one version whatever a task does.
    """
    now = sa.text("now()")
    text_array = pg.ARRAY(sa.Text)
    documents = sa.Table(
        _q(names.documents),
        metadata,
        _col("document_key", sa.Text, primary_key=True),
        _col("status", sa.Text, nullable=False),
        _col("verdict", sa.Text, nullable=False),
        _col("reasons", text_array, nullable=False),
        _col("flags", text_array, nullable=False),
        _col("front_sha256", sa.Text),
        _col("back_sha256", sa.Text),
        _col("conflict_sha256", text_array),
        _col("front_captured_at", sa.DateTime(timezone=True)),
        _col("back_captured_at", sa.DateTime(timezone=True)),
        _col("captured_at", sa.DateTime(timezone=True)),
        _col("name", sa.Text),
        _col("gender", sa.Text),
        _col("race", sa.Text),
        _col("birthday", sa.Date),
        _col("address", sa.Text),
        _col("id_card_number", sa.Text),
        _col("id_card_number_masked", sa.Text),
        _col("region_code", sa.Text),
        _col("number_check", sa.SmallInteger),
        _col("issued_by", sa.Text),
        _col("valid_date", sa.Text),
        _col("valid_from", sa.Date),
        _col("valid_to", sa.Date),
        _col("long_term", sa.Boolean),
        _col("dag_id", sa.Text),
        _col("run_id", sa.Text),
        _col("updated_at", sa.DateTime(timezone=True), nullable=False, server_default=now),
        # Version 4: last, as on upgraded tables.
        _col("id_card_number_encrypted", sa.Text),
        sa.CheckConstraint(
            "status IN ('complete', 'front_only', 'back_only', 'conflict')",
            name=_q(f"{names.documents}_status"),
        ),
        sa.CheckConstraint(
            "verdict IN ('usable', 'needs_recapture', 'rejected')", name=_q(f"{names.documents}_verdict")
        ),
        schema=schema,
    )
    # The duplicate-applicant check looks numbers (plain or HMAC) up across documents every batch.
    sa.Index(_q(names.index_name("document_number")), documents.c.id_card_number)
    history = sa.Table(
        _q(names.document_history),
        metadata,
        _col("document_key", sa.Text, primary_key=True),
        _col("side", sa.Text, primary_key=True),
        _col("image_sha256", sa.Text, primary_key=True),
        _col("captured_at", sa.DateTime(timezone=True)),
        _col("replaced_by", sa.Text, nullable=False),
        _col("replaced_at", sa.DateTime(timezone=True), nullable=False, server_default=now),
        _col("run_id", sa.Text),
        schema=schema,
    )
    return documents, history


def _page_index_names(names: SinkNames) -> tuple[str, str, str, str]:
    return (
        names.index_name("failure_last_seen"),
        names.index_name("recapture"),
        names.index_name("failure_permanent"),
        names.index_name("failure_run"),
    )


def _page_indexes(names: SinkNames, results: sa.Table, failures: sa.Table) -> None:
    """Version 3: what the FaceID page's bounded queries range over (airflow_provider_faceid.plugins).

    Failures by the day they were last seen and by DAG run (as the results already are), and the
    re-capture queue (flagged results, permanent failures) newest first; partial, so that writing
    clean rows does not maintain them.
    """
    last_seen, recapture, permanent, run = _page_index_names(names)
    sa.Index(_q(last_seen), failures.c.last_seen)
    sa.Index(_q(recapture), results.c.loaded_at, postgresql_where=results.c.needs_recapture.is_(True))
    sa.Index(_q(permanent), failures.c.last_seen, postgresql_where=failures.c.retryable.is_(False))
    sa.Index(_q(run), failures.c.dag_id, failures.c.run_id)


def _migrate_2_to_3(tables: SinkTables, dialect: sa.Dialect) -> list[str]:
    """Only the indexes of :func:`_page_indexes` (the page reads; nothing else changed)."""
    wanted = set(_page_index_names(tables.names))
    return [
        str(sa.schema.CreateIndex(index, if_not_exists=True).compile(dialect=dialect))
        for table in (tables.results, tables.failures)
        for index in sorted(table.indexes, key=lambda i: str(i.name))
        if str(index.name) in wanted
    ]


# -- version 4: personal data (masks, encrypted number, erasure audit, tombstones, masked view) ----


def _personal_data_result_columns() -> list[sa.Column]:
    return [
        _col("name_masked", sa.Text),
        _col("address_masked", sa.Text),
        _col("id_card_number_encrypted", sa.Text),
    ]


def _personal_data_tables(
    names: SinkNames, metadata: sa.MetaData, schema: quoted_name | None
) -> tuple[sa.Table, sa.Table]:
    """The erasure audit (what was erased, never whom) and the digests a load must never read again.

    Written by :mod:`airflow_provider_faceid.erasure`; the tombstones are read by the planner.
    """
    now = sa.text("now()")
    erasures = sa.Table(
        _q(names.erasures),
        metadata,
        _col("erasure_id", sa.BigInteger, sa.Identity(always=True), primary_key=True),
        _col("key_kind", sa.Text, nullable=False),
        _col("request_ref", sa.Text),
        _col("images_erased", sa.Integer, nullable=False),
        _col("rows_deleted", pg.JSONB, nullable=False),
        _col("objects", pg.ARRAY(sa.Text), nullable=False),
        _col("objects_deleted", pg.ARRAY(sa.Text)),
        _col("dag_id", sa.Text),
        _col("run_id", sa.Text),
        _col("erased_at", sa.DateTime(timezone=True), nullable=False, server_default=now),
        _col("scans_done_at", sa.DateTime(timezone=True)),
        sa.CheckConstraint(
            "key_kind IN ('id_number', 'document_key', 'source_uri')", name=_q(f"{names.erasures}_key_kind")
        ),
        schema=schema,
    )
    tombstones = sa.Table(
        _q(names.tombstones),
        metadata,
        _col("image_sha256", sa.Text, primary_key=True),
        _col("erasure_id", sa.BigInteger, nullable=False),
        _col("erased_at", sa.DateTime(timezone=True), nullable=False, server_default=now),
        sa.CheckConstraint(_SHA256_CHECK, name=_q(f"{names.tombstones}_sha")),
        schema=schema,
    )
    return erasures, tombstones


def _migrate_3_to_4(tables: SinkTables, dialect: sa.Dialect) -> list[str]:
    """Version 3 -> 4 (personal data): the new columns; the new tables and the view follow as for
    a new database."""
    quote = dialect.identifier_preparer.format_table
    results, documents = quote(tables.results), quote(tables.documents)
    added = [c.name for c in _personal_data_result_columns()]
    return [
        *(f'ALTER TABLE {results} ADD COLUMN IF NOT EXISTS "{c}" TEXT' for c in added),
        # IF EXISTS: tables of version 1 have no documents table yet (it is created after the steps).
        f'ALTER TABLE IF EXISTS {documents} ADD COLUMN IF NOT EXISTS "id_card_number_encrypted" TEXT',
    ]


# -- version 5: the image rows of a document ---------------------------------------------------


def _document_key_index(names: SinkNames, results: sa.Table) -> sa.Index:
    """The image rows of a document, by its key: what an erasure by document key and a document's
    audit ("which scans made it") read. Partial: loads without ``pair_by`` leave the key NULL and
    do not maintain it."""
    return sa.Index(
        _q(names.index_name("document_key")),
        results.c.document_key,
        postgresql_where=results.c.document_key.is_not(None),
    )


def _migrate_4_to_5(tables: SinkTables, dialect: sa.Dialect) -> list[str]:
    """Version 4 -> 5: only the index of :func:`_document_key_index`."""
    wanted = tables.names.index_name("document_key")
    (index,) = (i for i in tables.results.indexes if i.name == wanted)
    return [str(sa.schema.CreateIndex(index, if_not_exists=True).compile(dialect=dialect))]


# The masks of privacy.py in SQL, for rows loaded before version 4 (no stored mask, clear values).
_SQL_MASKS = {
    "name": (
        'CASE WHEN r."name" IS NULL OR r."name" = \'\' THEN r."name" '
        "WHEN starts_with(r.\"name\", 'enc1:') OR char_length(btrim(r.\"name\")) <= 1 THEN '**' "
        "ELSE left(btrim(r.\"name\"), 1) || '**' END"
    ),
    "address": (
        'CASE WHEN r."address" IS NULL OR r."address" = \'\' THEN r."address" '
        "WHEN starts_with(r.\"address\", 'enc1:') THEN '**' "
        'ELSE left(btrim(r."address"), least(6, char_length(btrim(r."address")) / 3)) || \'**\' END'
    ),
}


def masked_view_statement(tables: SinkTables) -> str:
    """``<table>_masked``: the results table's columns, personal values as the logs show them.

    Created only when missing (a DO block): replacing it on every task start would wait behind any
    analyst's open query on it, and hold up the load. A later migration that adds result columns
    drops and re-creates it.
    """
    prep = pg.dialect().identifier_preparer
    results = prep.format_table(tables.results)
    view = prep.quote(tables.names.masked_view)
    if tables.names.schema is not None:
        view = f"{prep.quote(tables.names.schema)}.{view}"
    masked = {
        "name": f'COALESCE(r."name_masked", {_SQL_MASKS["name"]})',
        "address": f'COALESCE(r."address_masked", {_SQL_MASKS["address"]})',
        "id_card_number": 'r."id_card_number_masked"',
        "id_card_number_encrypted": "CAST(NULL AS text)",
    }
    columns = ", ".join(
        f'{masked[c.name]} AS "{c.name}"' if c.name in masked else f'r."{c.name}"'
        for c in tables.results.columns
    )
    create = f"CREATE VIEW {view} AS SELECT {columns} FROM {results} AS r"
    regclass = view.replace("'", "''")
    return f"DO $$ BEGIN IF to_regclass('{regclass}') IS NULL THEN {create}; END IF; END $$"


# Steps from version N to N + 1, run in order inside create_tables' transaction. A step only adds
# (columns, tables): the CREATE ... IF NOT EXISTS statements that follow make the new tables.
_MIGRATIONS: dict[int, Callable[[SinkTables, sa.Dialect], list[str]]] = {
    1: lambda tables, dialect: [
        f"ALTER TABLE {dialect.identifier_preparer.format_table(tables.results)} "
        'ADD COLUMN IF NOT EXISTS "document_key" TEXT'
    ],
    2: _migrate_2_to_3,
    3: _migrate_3_to_4,
    4: _migrate_4_to_5,
}


def migration_statements(tables: SinkTables, found: int) -> list[str]:
    """The SQL that brings tables of version ``found`` to :data:`SCHEMA_VERSION`."""
    dialect = pg.dialect()
    statements: list[str] = []
    for version in range(found, SCHEMA_VERSION):
        statements += _MIGRATIONS[version](tables, dialect)
    return statements


def ddl_statements(tables: SinkTables) -> list[str]:
    """``CREATE TABLE/INDEX IF NOT EXISTS`` statements, in creation order, as Postgres SQL text."""
    dialect = pg.dialect()
    statements: list[str] = []
    for table in tables.all:
        statements.append(
            str(sa.schema.CreateTable(table, if_not_exists=True).compile(dialect=dialect)).strip()
        )
        for index in sorted(table.indexes, key=lambda i: str(i.name)):
            statements.append(str(sa.schema.CreateIndex(index, if_not_exists=True).compile(dialect=dialect)))
    statements.append(masked_view_statement(tables))
    return statements


SERVER_SET_COLUMNS = frozenset({"loaded_at", "first_seen", "last_seen", "attempts"})
"""Columns the database fills (defaults, ``now()``, the attempts counter); rows must not carry them."""


def writable_columns(table: sa.Table) -> tuple[str, ...]:
    return tuple(c.name for c in table.columns if c.name not in SERVER_SET_COLUMNS)


_DEFAULT_TABLES = build_tables(SinkNames.build(schema=None, table=DEFAULT_TABLE))
RESULT_COLUMNS = writable_columns(_DEFAULT_TABLES.results)
SOURCE_COLUMNS = writable_columns(_DEFAULT_TABLES.sources)
FAILURE_COLUMNS = writable_columns(_DEFAULT_TABLES.failures)
