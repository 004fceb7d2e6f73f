"""Argument checks of the personal-data parameters and the lifecycle operators: at DAG parse time,
before any run, connection or call."""

from __future__ import annotations

import datetime as dt

import pytest

from airflow_provider_faceid.operators.faceid import FaceIdOcrToPostgresOperator
from airflow_provider_faceid.operators.lifecycle import (
    FaceIdEraseOperator,
    FaceIdRetentionOperator,
    FaceIdRotateKeyOperator,
)


def load(**kwargs: object) -> FaceIdOcrToPostgresOperator:
    return FaceIdOcrToPostgresOperator(task_id="ocr", source="/staging", **kwargs)  # type: ignore[arg-type]


def test_encryption_needs_a_key_and_hmac_numbers() -> None:
    with pytest.raises(ValueError, match="needs encryption_key_conn_id or encryption_key_variable"):
        load(encrypt_fields=True, id_number_storage="hmac", hmac_key_variable="h")
    with pytest.raises(ValueError, match='needs id_number_storage="hmac"'):
        load(encrypt_fields=True, encryption_key_variable="k")
    operator = load(
        encrypt_fields=True, encryption_key_variable="k", id_number_storage="hmac", hmac_key_variable="h"
    )
    assert operator.encrypt_fields and operator.encryption_key_variable == "k"


def test_after_load_modes_are_checked_at_parse_time() -> None:
    with pytest.raises(ValueError, match="needs archive_to"):
        load(after_load="move")
    with pytest.raises(ValueError, match="after_load must be one of"):
        load(after_load="shred")
    with pytest.raises(ValueError, match="needs archive_to"):
        load(after_load_failures="move")
    operator = load(after_load="move", archive_to="s3://archive/{{ ds }}")
    assert "archive_to" in operator.template_fields


def test_lifecycle_operators_check_their_arguments() -> None:
    with pytest.raises(ValueError, match="key_kind must be one of"):
        FaceIdEraseOperator(task_id="e", key_kind="name")  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="give key or key_from_conf"):
        FaceIdEraseOperator(task_id="e", key_kind="id_number", key_from_conf=None)
    assert "key" not in FaceIdEraseOperator.template_fields
    with pytest.raises(ValueError, match="retention must be positive"):
        FaceIdRetentionOperator(task_id="r", retention=0)
    with pytest.raises(ValueError, match="age_from must be one of"):
        FaceIdRetentionOperator(task_id="r", retention=30, age_from="modified_at")  # type: ignore[arg-type]
    assert FaceIdRetentionOperator(task_id="r", retention=30).retention == dt.timedelta(days=30)
    with pytest.raises(ValueError, match="the new key"):
        FaceIdRotateKeyOperator(task_id="k", previous_key_variables=["old"])
    with pytest.raises(ValueError, match="the keys to retire"):
        FaceIdRotateKeyOperator(task_id="k", encryption_key_variable="new")
