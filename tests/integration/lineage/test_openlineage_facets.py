"""The operator's OpenLineage facets against a real PostgreSQL: names, schema, column lineage and
statistics of the documents table too (the e2e run of the daily DAG covers the emitted events)."""

from __future__ import annotations

from types import SimpleNamespace

import pytest
import sqlalchemy as sa

from airflow_provider_faceid.operators.faceid import FaceIdOcrToPostgresOperator
from airflow_provider_faceid.sink import PostgresSink

pytestmark = pytest.mark.integration


def test_paired_loads_add_the_documents_table_fed_by_the_results_table(
    postgres_conn_id: str, pg_schema: str, pg_engine: sa.Engine
) -> None:
    PostgresSink(engine=pg_engine, schema=pg_schema, table="kyc", failures_table="kyc_bad").create_tables()
    with pg_engine.begin() as conn:
        conn.execute(
            sa.text(
                f'INSERT INTO "{pg_schema}".kyc_bad (source_uri, code, retryable, dag_id, run_id) '
                "VALUES ('s3://b/x/1.jpg', 'EMPTY_FILE', false, 'd', 'r'), "
                "('s3://b/x/2.jpg', 'EMPTY_FILE', false, 'd', 'other run')"
            )
        )
    operator = FaceIdOcrToPostgresOperator(
        task_id="ocr",
        source="s3://aws_scans@kyc-scans/x/",
        postgres_conn_id=postgres_conn_id,
        schema=pg_schema,
        table="kyc",
        failures_table="kyc_bad",
        pair_by="folder",
    )

    lineage = operator.get_openlineage_facets_on_complete(SimpleNamespace(dag_id="d", run_id="r"))

    database = pg_engine.url.database
    assert [(d.namespace, d.name) for d in lineage.inputs] == [("s3://kyc-scans", "x")]
    outputs = {d.name.rsplit(".", 1)[1]: d for d in lineage.outputs}
    assert set(outputs) == {"kyc", "kyc_bad", "kyc_document"}
    assert {d.name.rsplit(".", 1)[0] for d in lineage.outputs} == {f"{database}.{pg_schema}"}
    stats = {name: d.facets["outputStatistics"] for name, d in outputs.items()}
    assert {name: s.rowCount for name, s in stats.items()} == {"kyc": 0, "kyc_bad": 1, "kyc_document": 0}
    assert stats["kyc_bad"].size > 0
    document_fields = outputs["kyc_document"].facets["columnLineage"].fields
    assert [(f.name, f.field) for f in document_fields["valid_to"].inputFields] == [
        (f"{database}.{pg_schema}.kyc", "valid_to")
    ]
    columns = {f.name for f in outputs["kyc_document"].facets["schema"].fields}
    assert set(document_fields) <= columns
    assert set(outputs["kyc"].facets["columnLineage"].fields) <= {
        f.name for f in outputs["kyc"].facets["schema"].fields
    }

    started = operator.get_openlineage_facets_on_start()
    assert [d.name for d in started.outputs] == [d.name for d in lineage.outputs]
    assert not any("outputStatistics" in d.facets for d in started.outputs)
