"""``airflow connections add`` + ``airflow connections test`` on a faceid connection, end to end.

The real Airflow CLI runs in subprocesses with a throwaway AIRFLOW_HOME (migrated SQLite metadata
DB); the peer is a local HTTP server that checks credentials in the order faceid-local does.
"""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from pytest_httpserver import HTTPServer

from tests.fixtures.faceid_api import OCR_PATH, faceid_like, unused_loopback_port

pytestmark = [pytest.mark.integration, pytest.mark.slow]

KEY = "cli-api-key-42"
SECRET = "cli-right-secret-5d1e"
WRONG = "cli-wrong-secret-77a9"
AIRFLOW = str(Path(sys.executable).with_name("airflow"))


@pytest.fixture(scope="module")
def airflow_env(tmp_path_factory: pytest.TempPathFactory) -> dict[str, str]:
    home = tmp_path_factory.mktemp("airflow_home")
    env = {k: v for k, v in os.environ.items() if not k.startswith(("AIRFLOW_CONN_", "AIRFLOW__"))}
    env.update(
        AIRFLOW_HOME=str(home),
        AIRFLOW__DATABASE__SQL_ALCHEMY_CONN=f"sqlite:///{home / 'airflow.db'}",
        AIRFLOW__CORE__LOAD_EXAMPLES="False",
        AIRFLOW__CORE__TEST_CONNECTION="Enabled",
    )
    subprocess.run([AIRFLOW, "db", "migrate"], env=env, check=True, capture_output=True, timeout=300)
    return env


@pytest.fixture(scope="module")
def faceid_peer() -> Iterator[HTTPServer]:
    server = HTTPServer(host="127.0.0.1", port=0, threaded=True)
    server.expect_request(OCR_PATH, method="POST").respond_with_handler(faceid_like(KEY, SECRET))
    server.start()
    yield server
    server.stop()


def airflow(env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    result = subprocess.run([AIRFLOW, *args], env=env, capture_output=True, text=True, timeout=180)
    for secret in (SECRET, WRONG):
        assert secret not in result.stdout + result.stderr
    return result


def test_connections_test_reports_wrong_credentials(airflow_env, faceid_peer):
    uri = f"faceid://{KEY}:{WRONG}@127.0.0.1:{faceid_peer.port}?allow_insecure_http=true"
    assert airflow(airflow_env, "connections", "add", "faceid_bad", "--conn-uri", uri).returncode == 0

    result = airflow(airflow_env, "connections", "test", "faceid_bad")

    assert result.returncode == 1, result.stdout + result.stderr
    assert "Connection failed!" in result.stdout
    assert "rejected the api_key/api_secret" in result.stdout
    assert "'faceid_bad'" in result.stdout


def test_connections_test_accepts_right_credentials(airflow_env, faceid_peer):
    uri = f"faceid://{KEY}:{SECRET}@127.0.0.1:{faceid_peer.port}"
    assert airflow(airflow_env, "connections", "add", "faceid_good", "--conn-uri", uri).returncode == 0

    result = airflow(airflow_env, "connections", "test", "faceid_good")

    assert result.returncode == 0, result.stdout + result.stderr
    assert "Connection success!" in result.stdout


def test_connections_test_reports_an_unreachable_host(airflow_env):
    port = unused_loopback_port()
    env = {**airflow_env, "AIRFLOW_CONN_FACEID_DOWN": f"faceid://{KEY}:{SECRET}@127.0.0.1:{port}"}

    result = airflow(env, "connections", "test", "faceid_down")

    assert result.returncode == 1
    assert f"cannot reach http://127.0.0.1:{port}" in result.stdout
