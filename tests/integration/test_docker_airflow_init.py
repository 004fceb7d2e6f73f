"""docker/airflow-init.sh run for real, outside a container: Airflow 3.3 from .venv, a fresh metadata
database on the test PostgreSQL, and the environment docker-compose.yaml gives the airflow-init
service (resolved by the Compose CLI), with only the container paths and hosts swapped for local ones.
"""

from __future__ import annotations

import contextlib
import json
import os
import secrets
import signal
import socket
import stat
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any

import psycopg
import pytest
from cryptography.fernet import Fernet
from psycopg import sql
from sqlalchemy.engine import make_url

from airflow_provider_faceid.hooks.faceid_settings import resolve_settings
from tests.fixtures.compose_cli import HOW_TO_GET_COMPOSE, ROOT, compose_command, resolve_compose

pytestmark = [pytest.mark.integration, pytest.mark.slow, pytest.mark.e2e]

SCRIPT = ROOT / "docker" / "airflow-init.sh"
CONTAINER_UID = 50000


@pytest.fixture(scope="module")
def compose_env(tmp_path_factory: pytest.TempPathFactory) -> dict[str, str]:
    cli = compose_command()
    if cli is None:
        pytest.fail(HOW_TO_GET_COMPOSE, pytrace=False)
    model = resolve_compose(cli, workdir=tmp_path_factory.mktemp("compose"))
    environment: dict[str, Any] = model["services"]["airflow-init"]["environment"]
    return {key: str(value) for key, value in environment.items()}


@pytest.fixture
def metadata_db(postgres_url: str) -> Iterator[dict[str, str]]:
    """A fresh, empty database for Airflow's metadata, dropped afterwards."""
    url = make_url(postgres_url)
    server = {
        "host": url.host or "127.0.0.1",
        "port": str(url.port or 5432),
        "user": url.username or "postgres",
        "password": url.password or "",
        "test_db": url.database or "postgres",
    }
    name = f"airflow_init_{secrets.token_hex(4)}"
    with admin_connect(server) as conn:
        conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
    try:
        yield {**server, "name": name}
    finally:
        with admin_connect(server) as conn:
            conn.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name)))


def admin_connect(server: Mapping[str, str]) -> psycopg.Connection:
    return connect(server, dbname=server["test_db"], autocommit=True)


def connect(server: Mapping[str, str], *, dbname: str, autocommit: bool = False) -> psycopg.Connection:
    return psycopg.connect(
        host=server["host"],
        port=server["port"],
        user=server["user"],
        password=server["password"],
        dbname=dbname,
        autocommit=autocommit,
        connect_timeout=5,
    )


def local_env(compose_env: Mapping[str, str], db: Mapping[str, str], tmp_path: Path) -> dict[str, str]:
    credentials = db["user"] + (f":{db['password']}" if db["password"] else "")
    return {
        **compose_env,
        # Only what differs between the container and this machine.
        "PATH": f"{Path(sys.executable).parent}:/usr/bin:/bin",
        "HOME": str(tmp_path),
        "AIRFLOW_HOME": str(tmp_path / "airflow"),
        "AIRFLOW__DATABASE__SQL_ALCHEMY_CONN": (
            f"postgresql+psycopg2://{credentials}@{db['host']}:{db['port']}/{db['name']}"
        ),
        "AIRFLOW__CORE__SIMPLE_AUTH_MANAGER_PASSWORDS_FILE": str(tmp_path / "auth" / "passwords.json"),
        "FACEID_STAGING_ROOT": str(tmp_path / "staging"),
        "FACEID_RESULTS_HOST": db["host"],
        "FACEID_RESULTS_PORT": db["port"],
        "FACEID_RESULTS_DB": db["test_db"],
        "FACEID_RESULTS_USER": db["user"],
        "FACEID_RESULTS_PASSWORD": db["password"] or "unused-with-trust",
    }


def run_init(env: Mapping[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        ["bash", str(SCRIPT)], env=dict(env), capture_output=True, text=True, timeout=400, check=False
    )


def metadata_rows(db: Mapping[str, str], query: str) -> list[tuple[Any, ...]]:
    with connect(db, dbname=db["name"]) as conn:
        return conn.execute(query).fetchall()


def free_loopback_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


@contextlib.contextmanager
def api_server(env: Mapping[str, str], log: Path) -> Iterator[str]:
    """``airflow api-server`` on a loopback port, as the airflow-apiserver service runs it."""
    port = free_loopback_port()
    with log.open("w") as output:
        process = subprocess.Popen(
            ["airflow", "api-server", "--host", "127.0.0.1", "--port", str(port)],
            env=dict(env),
            stdout=output,
            stderr=subprocess.STDOUT,
            start_new_session=True,  # its uvicorn workers are children: stop the whole group
        )
    base_url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 180
        while True:
            assert process.poll() is None, log.read_text()[-3000:]
            with (
                contextlib.suppress(OSError),
                urllib.request.urlopen(f"{base_url}/api/v2/monitor/health", timeout=2),
            ):
                break
            assert time.monotonic() < deadline, "api-server not healthy after 180 s"
            time.sleep(1)
        yield base_url
    finally:
        os.killpg(process.pid, signal.SIGTERM)
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait(timeout=10)


def token_status(base_url: str, *, username: str, password: str) -> int:
    request = urllib.request.Request(
        f"{base_url}/auth/token",
        data=json.dumps({"username": username, "password": password}).encode(),
        headers={"Content-Type": "application/json"},
    )
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            assert "access_token" in json.load(response)
            status: int = response.status
            return status
    except urllib.error.HTTPError as error:
        return error.code


def decrypt(fernet: Fernet, value: str | None, encrypted: bool) -> str | None:
    if value is None or not encrypted:
        return value
    return fernet.decrypt(value.encode()).decode()


def test_init_script_converges_to_the_promised_state(
    compose_env: dict[str, str], metadata_db: dict[str, str], tmp_path: Path
) -> None:
    if os.geteuid() != 0:
        pytest.skip("the script hands folders to uid 50000 with chown, as the container's root does")
    env = local_env(compose_env, metadata_db, tmp_path)
    fernet = Fernet(env["AIRFLOW__CORE__FERNET_KEY"])

    first = run_init(env)
    assert first.returncode == 0, first.stdout[-3000:] + first.stderr[-3000:]
    assert first.stdout.rstrip().endswith("airflow-init: done")
    assert env["FACEID_API_SECRET"] not in first.stdout + first.stderr

    # It runs on every `docker compose up`: a second run with other settings must converge too.
    changed = {**env, "FACEID_CONCURRENCY_LIMIT": "6", "FACEID_API_KEY": "second-key"}
    second = run_init(changed)
    assert second.returncode == 0, second.stdout[-3000:] + second.stderr[-3000:]

    pools = dict(metadata_rows(metadata_db, "SELECT pool, slots FROM slot_pool"))
    assert pools["faceid_api"] == 6

    rows = metadata_rows(
        metadata_db,
        "SELECT conn_id, conn_type, host, port, schema, login, password, is_encrypted, extra, "
        "is_extra_encrypted FROM connection ORDER BY conn_id",
    )
    connections = {row[0]: row for row in rows}
    assert set(connections) == {"faceid_default", "faceid_results"}

    _, conn_type, host, port, schema, login, password, encrypted, extra, extra_encrypted = connections[
        "faceid_default"
    ]
    extras = json.loads(decrypt(fernet, extra, extra_encrypted) or "{}")
    assert (conn_type, host, login) == ("faceid", "http://faceid-local:8866", "second-key")
    assert decrypt(fernet, password, encrypted) == env["FACEID_API_SECRET"]
    # What the hook will make of it: plain HTTP to faceid-local is accepted only through the extra.
    settings = resolve_settings(
        conn_id="faceid_default",
        host=host,
        port=port,
        schema=schema,
        login=login,
        password=decrypt(fernet, password, encrypted),
        extras=extras,
        overrides={},
    )
    assert settings.base_url == "http://faceid-local:8866"
    assert settings.allow_insecure_http is True

    _, conn_type, host, port, schema, login, password, encrypted, _, _ = connections["faceid_results"]
    assert (conn_type, host, str(port), schema, login) == (
        "postgres",
        env["FACEID_RESULTS_HOST"],
        env["FACEID_RESULTS_PORT"],
        env["FACEID_RESULTS_DB"],
        env["FACEID_RESULTS_USER"],
    )
    assert decrypt(fernet, password, encrypted) == env["FACEID_RESULTS_PASSWORD"]

    ((value, encrypted),) = metadata_rows(
        metadata_db, "SELECT val, is_encrypted FROM variable WHERE key = 'faceid_staging_root'"
    )
    assert decrypt(fernet, value, encrypted) == env["FACEID_STAGING_ROOT"]

    password_file = Path(env["AIRFLOW__CORE__SIMPLE_AUTH_MANAGER_PASSWORDS_FILE"])
    assert json.loads(password_file.read_text()) == {env["AIRFLOW_ADMIN_USER"]: env["AIRFLOW_ADMIN_PASSWORD"]}
    info = password_file.stat()
    assert (stat.S_IMODE(info.st_mode), info.st_uid) == (0o600, CONTAINER_UID)
    for folder in (env["FACEID_STAGING_ROOT"], Path(env["AIRFLOW_HOME"]) / "logs"):
        assert Path(folder).stat().st_uid == CONTAINER_UID

    # The login the docs promise, checked by SimpleAuthManager itself against the file just written.
    with api_server(env, tmp_path / "api-server.log") as base_url:
        user, password = env["AIRFLOW_ADMIN_USER"], env["AIRFLOW_ADMIN_PASSWORD"]
        assert token_status(base_url, username=user, password=password) == 201
        assert token_status(base_url, username=user, password=password + "x") == 401
    assert json.loads(password_file.read_text()) == {user: password}, "the api-server generated a password"
