"""One target per module, filled by the operator (the slow part: ~15 s of OCR), shared by its tests."""

from __future__ import annotations

import secrets
from collections.abc import Iterator

import pytest
import sqlalchemy as sa

from tests.fixtures.faceid_local import FaceIdLocalServer
from tests.fixtures.postgres import airflow_connection_json
from tests.integration.plugins.loaded_target import LoadedTarget, faceid_connection_env, load

POSTGRES_CONN_ID = "faceid_page_postgres"


@pytest.fixture(scope="module")
def page_env(postgres_url: str, faceid_local: FaceIdLocalServer) -> Iterator[pytest.MonkeyPatch]:
    with pytest.MonkeyPatch.context() as mp:
        for key, value in faceid_connection_env(faceid_local).items():
            mp.setenv(key, value)
        mp.setenv(f"AIRFLOW_CONN_{POSTGRES_CONN_ID.upper()}", airflow_connection_json(postgres_url))
        yield mp


@pytest.fixture(scope="module")
def loaded(
    page_env: pytest.MonkeyPatch, postgres_url: str, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[LoadedTarget]:
    schema = f"page_{secrets.token_hex(5)}"
    engine = sa.create_engine(postgres_url, poolclass=sa.NullPool)
    try:
        yield load(root=tmp_path_factory.mktemp("page"), postgres_conn_id=POSTGRES_CONN_ID, schema=schema)
    finally:
        with engine.begin() as conn:
            conn.exec_driver_sql(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE')
        engine.dispose()
