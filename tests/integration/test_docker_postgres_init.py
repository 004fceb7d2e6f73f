"""docker/postgres/10-create-databases.sh, run by psql against a real PostgreSQL as the postgres image
runs it on first start: two databases, each reachable by its own role only."""

from __future__ import annotations

import os
import secrets
import subprocess
from collections.abc import Iterator
from pathlib import Path

import psycopg
import pytest
from psycopg import sql
from psycopg.conninfo import make_conninfo
from sqlalchemy.engine import make_url

pytestmark = pytest.mark.integration

SCRIPT = Path(__file__).resolve().parents[2] / "docker" / "postgres" / "10-create-databases.sh"
# Quotes, spaces and a backslash: the script must pass them to PostgreSQL untouched.
AWKWARD_PASSWORD = "it's a \\pass word\""


@pytest.fixture
def superuser(postgres_url: str) -> dict[str, str]:
    """libpq settings of a superuser on the test server (CREATE ROLE needs one)."""
    url = make_url(postgres_url)
    settings = {
        "host": url.host or "127.0.0.1",
        "port": str(url.port or 5432),
        "user": url.username or "postgres",
        "password": url.password or "",
        "dbname": url.database or "postgres",
    }
    with connect(settings) as conn:
        row = conn.execute("SELECT rolsuper FROM pg_roles WHERE rolname = current_user").fetchone()
    if not row or not row[0]:
        pytest.skip("the test database's user is not a superuser: cannot create roles")
    return settings


@pytest.fixture
def names(superuser: dict[str, str]) -> Iterator[dict[str, str]]:
    suffix = secrets.token_hex(4)
    created = {
        "AIRFLOW_DB_NAME": f"airflow_meta_{suffix}",
        "AIRFLOW_DB_USER": f"airflow_{suffix}",
        "AIRFLOW_DB_PASSWORD": AWKWARD_PASSWORD,
        "FACEID_RESULTS_DB": f"faceid_results_{suffix}",
        "FACEID_RESULTS_USER": f"faceid_{suffix}",
        "FACEID_RESULTS_PASSWORD": AWKWARD_PASSWORD + "2",
    }
    yield created
    with connect(superuser, autocommit=True) as conn:
        for database in (created["AIRFLOW_DB_NAME"], created["FACEID_RESULTS_DB"]):
            conn.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(database)))
        for role in (created["AIRFLOW_DB_USER"], created["FACEID_RESULTS_USER"]):
            conn.execute(sql.SQL("DROP ROLE IF EXISTS {}").format(sql.Identifier(role)))


def connect(settings: dict[str, str], *, autocommit: bool = False, **overrides: str) -> psycopg.Connection:
    conninfo = make_conninfo("", **{**settings, **overrides})
    return psycopg.connect(conninfo, connect_timeout=5, autocommit=autocommit)


def run_script(superuser: dict[str, str], names: dict[str, str]) -> subprocess.CompletedProcess[str]:
    env = {
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        "PGHOST": superuser["host"],
        "PGPORT": superuser["port"],
        "PGPASSWORD": superuser["password"],
        "POSTGRES_USER": superuser["user"],
        "POSTGRES_DB": superuser["dbname"],
        **names,
    }
    return subprocess.run(["bash", str(SCRIPT)], env=env, capture_output=True, text=True, timeout=60)


def connect_as(superuser: dict[str, str], *, user: str, password: str, dbname: str) -> psycopg.Connection:
    return connect(superuser, user=user, password=password, dbname=dbname)


def test_creates_two_databases_each_owned_by_its_own_unprivileged_role(
    superuser: dict[str, str], names: dict[str, str]
) -> None:
    done = run_script(superuser, names)
    assert done.returncode == 0, done.stderr

    with connect(superuser) as conn:
        owners: dict[str, str] = dict(
            conn.execute(
                "SELECT d.datname, r.rolname FROM pg_database d JOIN pg_roles r ON r.oid = d.datdba "
                "WHERE d.datname = ANY(%s)",
                ([names["AIRFLOW_DB_NAME"], names["FACEID_RESULTS_DB"]],),
            ).fetchall()
        )
        roles = conn.execute(
            "SELECT rolname, rolsuper, rolcreatedb, rolcreaterole, rolcanlogin FROM pg_roles "
            "WHERE rolname = ANY(%s)",
            ([names["AIRFLOW_DB_USER"], names["FACEID_RESULTS_USER"]],),
        ).fetchall()
    assert owners == {
        names["AIRFLOW_DB_NAME"]: names["AIRFLOW_DB_USER"],
        names["FACEID_RESULTS_DB"]: names["FACEID_RESULTS_USER"],
    }
    assert sorted(roles) == sorted(
        [
            (names["AIRFLOW_DB_USER"], False, False, False, True),
            (names["FACEID_RESULTS_USER"], False, False, False, True),
        ]
    )


def test_each_role_reaches_its_own_database_only(superuser: dict[str, str], names: dict[str, str]) -> None:
    assert run_script(superuser, names).returncode == 0
    pairs = [
        ("AIRFLOW_DB_USER", "AIRFLOW_DB_PASSWORD", "AIRFLOW_DB_NAME", "FACEID_RESULTS_DB"),
        ("FACEID_RESULTS_USER", "FACEID_RESULTS_PASSWORD", "FACEID_RESULTS_DB", "AIRFLOW_DB_NAME"),
    ]
    for role, password, own, other in pairs:
        login = {"user": names[role], "password": names[password]}
        # The owner can create its tables (Airflow's migrations, the sink's table).
        with connect_as(superuser, **login, dbname=names[own]) as conn:
            conn.execute("CREATE TABLE probe (id int)")
        # CONNECT is checked whatever the authentication method, trust included.
        with pytest.raises(psycopg.OperationalError, match="permission denied"):
            connect_as(superuser, **login, dbname=names[other]).close()


def test_passwords_with_quotes_are_stored_as_given(superuser: dict[str, str], names: dict[str, str]) -> None:
    assert run_script(superuser, names).returncode == 0
    # A SCRAM verifier can be checked without knowing how the server authenticates: recompute it
    # from the stored salt and iteration count.
    with connect(superuser) as conn:
        row = conn.execute(
            "SELECT rolpassword FROM pg_authid WHERE rolname = %s", (names["FACEID_RESULTS_USER"],)
        ).fetchone()
    assert row is not None and row[0] is not None
    assert scram_matches(row[0], names["FACEID_RESULTS_PASSWORD"])


def scram_matches(verifier: str, password: str) -> bool:
    """``SCRAM-SHA-256$<iterations>:<salt>$<StoredKey>:<ServerKey>`` against ``password`` (RFC 5802)."""
    import base64
    import hashlib
    import hmac

    method, rest = verifier.split("$", 1)
    assert method == "SCRAM-SHA-256", method
    iterations_salt, keys = rest.split("$")
    iterations, salt = iterations_salt.split(":")
    stored_key = keys.split(":")[0]
    salted = hashlib.pbkdf2_hmac("sha256", password.encode(), base64.b64decode(salt), int(iterations))
    client_key = hmac.new(salted, b"Client Key", hashlib.sha256).digest()
    return hmac.compare_digest(hashlib.sha256(client_key).digest(), base64.b64decode(stored_key))
