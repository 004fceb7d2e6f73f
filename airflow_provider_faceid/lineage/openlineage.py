"""OpenLineage datasets and facets of one FaceIdOcrToPostgresOperator run.

Imported only from the operator's ``get_openlineage_facets_on_start/complete`` methods, which only
the OpenLineage provider calls (``lineage`` extra). What is sent: the staging location (scheme,
bucket, folder or prefix), the Postgres host, port, database, schema and table names, the tables'
column names and types, and for a finished run the rows and bytes it wrote. What is never sent: an
object key, a value of any row, a connection's credentials.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import sqlalchemy as sa
from airflow.providers.common.compat.openlineage.facet import (
    ColumnLineageDatasetFacet,
    Dataset,
    Fields,
    InputField,
    OutputStatisticsOutputDatasetFacet,
    SchemaDatasetFacet,
    SchemaDatasetFacetFields,
)
from airflow.providers.openlineage.extractors import OperatorLineage
from sqlalchemy.dialects import postgresql as pg

from airflow_provider_faceid.lineage.datasets import DatasetName, postgres_dataset, staging_datasets
from airflow_provider_faceid.records import FIELD_NAMES
from airflow_provider_faceid.sink_schema import SinkNames, SinkTables, build_tables

if TYPE_CHECKING:
    from airflow_provider_faceid.operators.faceid import FaceIdOcrToPostgresOperator

IMAGE_FIELD = "image"
"""The one field of the staging dataset: the scan itself."""

# Columns of the results table read off the card by OCR (and checked), i.e. derived from the image:
# the record's fields but the API's own request metadata, and the number's mask.
_API_METADATA = frozenset({"request_id", "time_used"})
CARD_COLUMNS = (*(field for field in FIELD_NAMES if field not in _API_METADATA), "id_card_number_masked")


def operator_lineage(
    operator: FaceIdOcrToPostgresOperator, *, run: tuple[str, str] | None = None
) -> OperatorLineage:
    """Inputs and outputs of ``operator``; with ``run`` = (dag_id, run_id), the rows and bytes it wrote."""
    tables = build_tables(
        SinkNames.build(schema=operator.schema, table=operator.table, failures_table=operator.failures_table)
    )
    engine = _engine(operator.postgres_conn_id)
    try:
        with engine.connect() as conn:
            database, schema = conn.execute(sa.text("SELECT current_database(), current_schema()")).one()
            statistics = _statistics(conn, tables, run, operator.pair_by is not None) if run else {}
    finally:
        engine.dispose()
    connection = _connection(operator.postgres_conn_id)
    inputs = [Dataset(namespace=d.namespace, name=d.name) for d in staging_datasets(operator.source)]

    def name_of(table: sa.Table) -> DatasetName:
        return postgres_dataset(
            host=connection.host or "localhost",
            port=connection.port or 5432,
            database=database,
            schema=operator.schema or schema,
            table=table.name,
        )

    def output(table: sa.Table, lineage: dict[str, list[InputField]] | None) -> Dataset:
        name = name_of(table)
        facets: dict[str, Any] = {"schema": _schema_facet(table)}
        if lineage:
            facets["columnLineage"] = ColumnLineageDatasetFacet(
                fields={
                    column: Fields(
                        inputFields=sources,
                        transformationType="",
                        transformationDescription="read by the FaceID ID-card OCR API, then validated",
                    )
                    for column, sources in lineage.items()
                }
            )
        if table.name in statistics:
            rows, size = statistics[table.name]
            facets["outputStatistics"] = OutputStatisticsOutputDatasetFacet(rowCount=rows, size=size)
        return Dataset(namespace=name.namespace, name=name.name, facets=facets)

    results_name = name_of(tables.results)
    from_image = {
        column: [InputField(namespace=d.namespace, name=d.name, field=IMAGE_FIELD) for d in inputs]
        for column in CARD_COLUMNS
    }
    outputs = [output(tables.results, from_image), output(tables.failures, None)]
    if operator.pair_by is not None:
        from_results = {
            column: [InputField(namespace=results_name.namespace, name=results_name.name, field=column)]
            # A document merges its sides' results columns into the columns of the same name.
            for column in CARD_COLUMNS
            if column in tables.documents.c
        }
        outputs.append(output(tables.documents, from_results))
    return OperatorLineage(inputs=inputs, outputs=outputs)


def _schema_facet(table: sa.Table) -> SchemaDatasetFacet:
    dialect = pg.dialect()
    return SchemaDatasetFacet(
        fields=[
            SchemaDatasetFacetFields(name=column.name, type=str(column.type.compile(dialect=dialect)))
            for column in table.columns
        ]
    )


def _statistics(
    conn: sa.Connection, tables: SinkTables, run: tuple[str, str], documents: bool
) -> dict[str, tuple[int, int]]:
    """Rows of each output table written by the run, and their bytes on disk (``pg_column_size``)."""
    dag_id, run_id = run
    written = [tables.results, tables.failures, *([tables.documents] if documents else [])]
    found: dict[str, tuple[int, int]] = {}
    for table in written:
        alias = table.alias("t")
        size = sa.func.coalesce(sa.func.sum(sa.func.pg_column_size(sa.literal_column("t.*"))), 0)
        query = sa.select(sa.func.count(), size).where(alias.c.dag_id == dag_id, alias.c.run_id == run_id)
        rows, nbytes = conn.execute(query).one()
        found[table.name] = (int(rows), int(nbytes))
    return found


def _connection(conn_id: str) -> Any:
    from airflow.sdk import BaseHook

    return BaseHook.get_connection(conn_id)


def _engine(conn_id: str) -> sa.Engine:
    from airflow.providers.postgres.hooks.postgres import PostgresHook

    hook = PostgresHook(postgres_conn_id=conn_id)
    return hook.get_sqlalchemy_engine(engine_kwargs={"poolclass": sa.NullPool})
