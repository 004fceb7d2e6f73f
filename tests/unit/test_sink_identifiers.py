"""Identifier validation and quoting of the Postgres sink: no user-chosen name reaches SQL unchecked."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from airflow_provider_faceid.sink import PostgresSink
from airflow_provider_faceid.sink_schema import SinkNames, build_tables, ddl_statements, validate_identifier

# create_engine does not connect: a sink built on this engine proves validation needs no database.
UNREACHABLE = "postgresql+psycopg://nobody@127.0.0.1:1/none"


@pytest.mark.parametrize("name", ["faceid_idcard", "_x", "Cards2024", "a", "a" * 63, "select"])
def test_valid_identifiers_pass(name: str) -> None:
    assert validate_identifier(name, what="table name") == name


@pytest.mark.parametrize(
    "name",
    [
        "x; drop table y",
        'x"; DROP TABLE y; --',
        "",
        "1abc",
        "a" * 64,
        "a-b",
        "a b",
        "naïve",
        "身份证",
        "abc\n",
        "a.b",
        "a\x00b",
        None,
        42,
    ],
)
def test_invalid_identifiers_raise_value_error_naming_the_value(name: object) -> None:
    with pytest.raises(ValueError, match="invalid table name") as caught:
        validate_identifier(name, what="table name")
    assert repr(name)[:20] in str(caught.value)


@pytest.mark.parametrize(
    "kwargs",
    [
        {"table": "x; drop table y"},
        {"schema": "s; drop table y"},
        {"failures_table": "f; drop table y"},
        {"failures_table": "faceid_idcard"},  # would collide with the results table
        {"table": "t" * 46},  # fine alone, but derived names (t..._failure_sha_check) exceed 63
    ],
)
def test_sink_refuses_bad_names_before_touching_the_engine(kwargs: dict[str, str]) -> None:
    engine = sa.create_engine(UNREACHABLE)
    with pytest.raises(ValueError):
        PostgresSink(engine=engine, **kwargs)


def test_longest_allowed_table_name_builds() -> None:
    names = SinkNames.build(schema=None, table="t" * 45)
    assert names.failures == "t" * 45 + "_failure"
    build_tables(names)


def test_sink_needs_the_psycopg3_driver() -> None:
    with pytest.raises(ValueError, match="postgresql\\+psycopg"):
        PostgresSink(engine=sa.create_engine("sqlite://"))
    PostgresSink(engine=sa.create_engine(UNREACHABLE))  # no connection is attempted


def test_every_identifier_in_the_ddl_is_quoted_verbatim() -> None:
    names = SinkNames.build(schema="Ops", table="Cards", failures_table="card_errors")
    ddl = "\n".join(ddl_statements(build_tables(names)))
    for qualified in ('"Ops"."Cards"', '"Ops"."Cards_source"', '"Ops"."card_errors"', '"Ops"."Cards_meta"'):
        assert f"CREATE TABLE IF NOT EXISTS {qualified}" in ddl
    assert 'CREATE INDEX IF NOT EXISTS "Cards_number_idx" ON "Ops"."Cards" ("id_card_number")' in ddl
    assert '"Cards_number_idx"' in ddl and '"Cards_run_idx"' in ddl and '("dag_id", "run_id")' in ddl


def test_no_schema_leaves_names_unqualified() -> None:
    ddl = ddl_statements(build_tables(SinkNames.build(schema=None, table="faceid_idcard")))
    assert ddl[0].startswith('CREATE TABLE IF NOT EXISTS "faceid_idcard_meta"')


def test_repr_hides_the_password() -> None:
    sink = PostgresSink(engine=sa.create_engine("postgresql+psycopg://u:s3cret@127.0.0.1:1/db"), schema="ops")
    assert "s3cret" not in repr(sink) and "ops.faceid_idcard" in repr(sink)
