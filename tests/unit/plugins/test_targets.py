"""Targets of the FaceID page: config option, then Variable, then the operator's defaults."""

from __future__ import annotations

import pytest

from airflow_provider_faceid.plugins.targets import (
    TargetConfigError,
    configured_targets,
    parse_targets,
)


def test_the_config_option_wins_over_the_variable() -> None:
    targets = configured_targets(
        read_config=lambda: '[{"conn_id": "pg_a", "schema": "ops", "table": "cards"}]',
        read_variable=lambda: '[{"conn_id": "pg_b"}]',
    )
    assert [t.key for t in targets] == ["pg_a:ops.cards"]
    assert targets[0].names.failures == "cards_failure"


def test_the_variable_then_the_operator_defaults() -> None:
    from_variable = configured_targets(read_config=lambda: None, read_variable=lambda: '{"conn_id": "pg_b"}')
    assert [t.key for t in from_variable] == ["pg_b:faceid_idcard"]
    default = configured_targets(read_config=lambda: "", read_variable=lambda: None)
    assert [t.key for t in default] == ["postgres_default:faceid_idcard"]
    assert default[0].names.schema is None


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("not json", "not JSON"),
        ("[]", "non-empty JSON list"),
        ('[{"table": "x; DROP TABLE y"}]', "invalid table name"),
        ('[{"tabel": "x"}]', "unknown keys"),
        ('[{"conn_id": ""}]', "conn_id"),
        ('[{"conn_id": "a"}, {"conn_id": "a"}]', "listed twice"),
    ],
)
def test_bad_targets_name_their_origin_and_the_problem(text: str, message: str) -> None:
    with pytest.raises(TargetConfigError, match=message) as caught:
        parse_targets(text, origin="[faceid] dashboard_targets")
    assert str(caught.value).startswith("[faceid] dashboard_targets")


def test_airflow_configuration_is_read_through_its_environment_variable(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("AIRFLOW__FACEID__DASHBOARD_TARGETS", '[{"conn_id": "from_env", "table": "cards"}]')
    assert [t.key for t in configured_targets()] == ["from_env:cards"]
