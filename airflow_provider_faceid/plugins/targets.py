"""Which result tables the FaceID page reads: the configured targets, or the operator's defaults.

A target is a Postgres connection id, a schema and a results table (the failures table derived as the
sink derives it, unless named). They come from, in order:

1. the ``[faceid] dashboard_targets`` option of Airflow's configuration
   (``AIRFLOW__FACEID__DASHBOARD_TARGETS``),
2. the Airflow Variable ``faceid_dashboard_targets``,
3. the operator's defaults: ``postgres_default``, the connection's search_path, ``faceid_idcard``.

Both hold a JSON list of objects ``{"conn_id": ..., "schema": ..., "table": ..., "failures_table": ...}``
(every key optional). Names are validated with the sink's identifier rule before any SQL exists.
"""

from __future__ import annotations

import dataclasses
import json
from collections.abc import Callable
from typing import Any

from airflow_provider_faceid.sink_schema import DEFAULT_TABLE, SinkNames

CONFIG_SECTION = "faceid"
CONFIG_KEY = "dashboard_targets"
VARIABLE_KEY = "faceid_dashboard_targets"
DEFAULT_CONN_ID = "postgres_default"
MAX_TARGETS = 20


class TargetConfigError(ValueError):
    """The configured targets cannot be used; the message says where they came from and why."""


@dataclasses.dataclass(frozen=True)
class Target:
    conn_id: str
    names: SinkNames

    @property
    def key(self) -> str:
        """What the page's target selector sends back: stable and free of anything secret."""
        where = f"{self.names.schema}." if self.names.schema else ""
        return f"{self.conn_id}:{where}{self.names.results}"


def parse_targets(text: str, *, origin: str) -> list[Target]:
    """Targets from the JSON text of ``origin`` (a config option or a Variable, named in errors)."""
    try:
        value = json.loads(text)
    except json.JSONDecodeError as exc:
        raise TargetConfigError(f"{origin}: not JSON ({exc.msg} at position {exc.pos})") from None
    if isinstance(value, dict):
        value = [value]
    if not isinstance(value, list) or not value:
        raise TargetConfigError(f"{origin}: expected a non-empty JSON list of objects")
    if len(value) > MAX_TARGETS:
        raise TargetConfigError(f"{origin}: at most {MAX_TARGETS} targets, got {len(value)}")
    targets: list[Target] = []
    for index, item in enumerate(value):
        if not isinstance(item, dict):
            raise TargetConfigError(f"{origin}: item {index} is not an object")
        unknown = set(item) - {"conn_id", "schema", "table", "failures_table"}
        if unknown:
            raise TargetConfigError(f"{origin}: item {index} has unknown keys {sorted(unknown)}")
        conn_id = item.get("conn_id", DEFAULT_CONN_ID)
        if not isinstance(conn_id, str) or not conn_id:
            raise TargetConfigError(f"{origin}: item {index}: conn_id must be a non-empty string")
        try:
            names = SinkNames.build(
                schema=item.get("schema"),
                table=item.get("table", DEFAULT_TABLE),
                failures_table=item.get("failures_table"),
            )
        except ValueError as exc:
            raise TargetConfigError(f"{origin}: item {index}: {exc}") from None
        targets.append(Target(conn_id=conn_id, names=names))
    keys = [t.key for t in targets]
    if len(set(keys)) != len(keys):
        raise TargetConfigError(f"{origin}: the same target is listed twice")
    return targets


def default_targets() -> list[Target]:
    return [Target(conn_id=DEFAULT_CONN_ID, names=SinkNames.build(schema=None, table=DEFAULT_TABLE))]


def configured_targets(
    *,
    read_config: Callable[[], str | None] | None = None,
    read_variable: Callable[[], str | None] | None = None,
) -> list[Target]:
    """The targets in force now (read on every request: a Variable may change while the server runs)."""
    config_text = (read_config or _config_option)()
    if config_text:
        return parse_targets(config_text, origin=f"[{CONFIG_SECTION}] {CONFIG_KEY}")
    variable_text = (read_variable or _variable)()
    if variable_text:
        return parse_targets(variable_text, origin=f"Variable {VARIABLE_KEY}")
    return default_targets()


def _config_option() -> str | None:
    from airflow.configuration import conf

    value: Any = conf.get(CONFIG_SECTION, CONFIG_KEY, fallback=None)
    return value or None


def _variable() -> str | None:
    from airflow.models.variable import Variable

    value: Any = Variable.get(VARIABLE_KEY, default_var=None)
    return value or None
