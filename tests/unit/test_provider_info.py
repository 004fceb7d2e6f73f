"""get_provider_info() against Airflow's own schemas and Airflow's own ProvidersManager."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import airflow
import jsonschema
import pytest

from airflow_provider_faceid import get_provider_info
from airflow_provider_faceid.hooks.faceid import FaceIdHook
from airflow_provider_faceid.hooks.faceid_settings import KNOWN_EXTRAS

AIRFLOW_DIR = Path(airflow.__file__).parent


def _schema(name: str) -> dict[str, Any]:
    path = AIRFLOW_DIR / name
    if not path.exists():
        pytest.skip(f"{name} is not shipped by this Airflow")
    return json.loads(path.read_text())


@pytest.fixture(scope="module")
def faceid_type() -> dict[str, Any]:
    (conn_type,) = get_provider_info()["connection-types"]
    return conn_type


def test_matches_the_provider_info_schema():
    jsonschema.validate(get_provider_info(), _schema("provider_info.schema.json"))


def test_connection_type_matches_the_stricter_provider_yaml_schema(faceid_type):
    # provider_info.schema.json does not describe conn-fields / ui-field-behaviour; provider.yaml's does.
    item_schema = _schema("provider.yaml.schema.json")["properties"]["connection-types"]["items"]
    jsonschema.validate(faceid_type, item_schema)


def test_hook_class_agrees_with_the_connection_type(faceid_type):
    assert faceid_type["hook-class-name"] == f"{FaceIdHook.__module__}.{FaceIdHook.__qualname__}"
    assert (faceid_type["connection-type"], faceid_type["hook-name"]) == (
        FaceIdHook.conn_type,
        FaceIdHook.hook_name,
    )
    assert FaceIdHook.conn_name_attr == "faceid_conn_id" and FaceIdHook.default_conn_name == "faceid_default"
    (hooks,) = get_provider_info()["hooks"]
    assert FaceIdHook.__module__ in hooks["python-modules"]


def test_conn_fields_cover_every_extra_with_the_hooks_defaults(faceid_type, monkeypatch):
    fields = faceid_type["conn-fields"]
    assert set(fields) == set(KNOWN_EXTRAS)
    monkeypatch.setenv("AIRFLOW_CONN_FACEID_EMPTY", json.dumps({"conn_type": "faceid", "login": "k"}))
    settings = FaceIdHook("faceid_empty").settings
    for name, field in fields.items():
        assert field["label"] and field["description"]
        assert field["schema"]["default"] == getattr(settings, name), name


def test_ui_behaviour_relabels_and_passes_airflows_form_schema(faceid_type):
    behaviour = faceid_type["ui-field-behaviour"]
    assert behaviour["relabeling"] == {"host": "API base URL", "login": "API Key", "password": "API Secret"}
    assert behaviour["placeholders"]["host"] == "https://api.faceid.com"
    assert "schema" in behaviour["hidden-fields"] and "host" not in behaviour["hidden-fields"]
    as_loaded = {k.replace("-", "_"): v for k, v in behaviour.items()}
    jsonschema.validate(as_loaded, _schema("customized_form_field_behaviours.schema.json"))


def test_airflow_providers_manager_loads_the_form():
    from airflow.providers_manager import ProvidersManager
    from airflow.sdk.providers_manager_runtime import ProvidersManagerTaskRuntime

    hook_info = ProvidersManagerTaskRuntime().hooks["faceid"]
    assert hook_info is not None and hook_info.hook_class_name.endswith("FaceIdHook")
    assert hook_info.connection_id_attribute_name == "faceid_conn_id"
    manager = ProvidersManager()
    assert manager.field_behaviours["faceid"]["relabeling"]["password"] == "API Secret"
    widgets = {k for k in manager.connection_form_widgets if k.startswith("extra__faceid__")}
    assert widgets == {f"extra__faceid__{name}" for name in KNOWN_EXTRAS}
