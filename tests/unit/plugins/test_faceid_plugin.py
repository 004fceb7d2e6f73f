"""FaceIdPlugin: registered by the package, cheap to import, mounted under /faceid, never open."""

from __future__ import annotations

import json
import subprocess
import sys
from importlib.metadata import entry_points

from fastapi.testclient import TestClient

from airflow_provider_faceid.plugins import auth
from airflow_provider_faceid.plugins.app import CSP, create_app
from airflow_provider_faceid.plugins.faceid import URL_PREFIX, FaceIdPlugin, LazyPageApp


def test_the_entry_point_names_the_plugin() -> None:
    (point,) = [p for p in entry_points(group="airflow.plugins") if p.name == "faceid"]
    assert point.load() is FaceIdPlugin


def test_airflow_loads_it_with_its_app_and_menu_entry() -> None:
    from airflow import plugins_manager

    loaded = [p for p in plugins_manager._get_plugins()[0] if p.name == "faceid"]
    assert [type(p) for p in loaded] == [FaceIdPlugin]
    (app,) = [a for a in plugins_manager.get_fastapi_plugins()[0] if a.get("url_prefix") == URL_PREFIX]
    assert isinstance(app["app"], LazyPageApp)
    views, _ = plugins_manager._get_ui_plugins()
    (view,) = [v for v in views if v.get("url_route") == "faceid"]
    assert view["destination"] == "nav" and view["href"] == "/faceid/"


def test_importing_the_plugin_imports_no_fastapi_nor_database_code() -> None:
    # After Airflow's own plugin machinery (what every component has anyway), the plugin adds nothing
    # heavy: its app and queries load with the first request.
    probe = (
        "import sys, json; import airflow.plugins_manager; before = set(sys.modules); "
        "import airflow_provider_faceid.plugins.faceid; "
        "print(json.dumps(sorted(set(sys.modules) - before)))"
    )
    added = json.loads(subprocess.run([sys.executable, "-c", probe], capture_output=True, check=True).stdout)
    heavy = [m for m in added if m.split(".")[0] in {"fastapi", "starlette", "psycopg", "psycopg2"}]
    lazy = {"airflow_provider_faceid.plugins.app", "airflow_provider_faceid.plugins.queries"}
    ours = [m for m in added if m in lazy]
    assert heavy == [] and ours == []
    assert "airflow_provider_faceid.plugins.faceid" in added


def test_without_airflow_security_every_route_refuses() -> None:
    def broken() -> tuple:
        raise ImportError("no airflow.api_fastapi here")

    client = TestClient(create_app(targets=lambda: [], auth_loader=broken))
    for path in ("/", "/api/targets", "/api/summary", "/api/recapture", "/recapture.csv"):
        answer = client.get(path)
        assert answer.status_code == 403, path
        assert auth.UNAVAILABLE in answer.text


def test_anonymous_callers_get_401_from_airflow_security() -> None:
    client = TestClient(create_app(targets=lambda: []))
    for path in ("/", "/api/targets", "/api/summary", "/api/recapture", "/recapture.csv"):
        answer = client.get(path)
        assert answer.status_code == 401, path
        assert answer.headers["content-security-policy"] == CSP
