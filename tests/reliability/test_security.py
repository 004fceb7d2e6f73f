"""Security end to end: secrets and card contents stay where they belong, names are validated,
the HTTPS policy holds through the operator, and faceid-local refuses what it must.

Already covered elsewhere, not repeated here (see docs/security.md), in tests/integration/local/:
- wrong api_key / api_secret -> 403 AUTHORIZATION_ERROR, checked before the image:
  test_api_contract.py::test_wrong_credentials, ::test_credentials_come_before_the_image_check
- the 2 MiB body limit without reading past it (Content-Length, Expect: 100-continue, chunked):
  test_transport.py::test_content_length_over_limit_is_refused_before_any_body,
  ::test_expect_100_continue_client_is_refused_without_sending,
  ::test_chunked_body_is_refused_while_it_streams
- malformed / truncated multipart -> clean 400: test_api_contract.py::test_malformed_form_is_a_clean_400
- slow uploads bounded by the read timeout: test_transport.py::test_trickled_body_is_cut_off_with_408,
  ::test_trickled_head_is_cut_off
- the server log never shows the secret or card fields:
  test_api_contract.py::test_log_never_shows_the_secret_or_card_fields
"""

from __future__ import annotations

import json
import logging
import select
import shutil
import socket
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import requests
import sqlalchemy as sa

from airflow_provider_faceid.operators.faceid import FaceIdOcrToPostgresOperator
from tests.fixtures.faceid_local import FaceIdLocalServer
from tests.reliability.bad_input_scenarios import (
    card_secrets,
    exception_texts,
    front_specimen,
    run_bad_inputs,
    table_texts,
)
from tests.reliability.leaks import find_leaks
from tests.reliability.scenarios import (
    FACEID_CONN_ID,
    FAST_RETRIES,
    POSTGRES_CONN_ID,
    connection_env,
    requests_served,
    task_context,
)

pytestmark = [pytest.mark.integration]

SECRET = "s3cr3t-bad-inputs-\u00e9\u5bc6"  # non-ASCII too: a JSON dump would escape it


@pytest.fixture(scope="module")
def specimen(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return front_specimen(tmp_path_factory.mktemp("specimen"))


@pytest.fixture
def server(faceid_local_factory: Callable[..., FaceIdLocalServer]) -> FaceIdLocalServer:
    return faceid_local_factory(api_secret=SECRET, concurrency_limit=4, workers=2)


def use_connections(
    monkeypatch: pytest.MonkeyPatch, server: FaceIdLocalServer, postgres_url: str, **faceid: Any
) -> None:
    env = connection_env(server=server, postgres_url=postgres_url, extra=FAST_RETRIES)
    key = f"AIRFLOW_CONN_{FACEID_CONN_ID.upper()}"
    env[key] = json.dumps({**json.loads(env[key]), **faceid})
    for name, value in env.items():
        monkeypatch.setenv(name, value)


def operator(schema: str, source: Path, **kwargs: Any) -> FaceIdOcrToPostgresOperator:
    return FaceIdOcrToPostgresOperator(
        task_id="security",
        source=str(source),
        faceid_conn_id=FACEID_CONN_ID,
        postgres_conn_id=POSTGRES_CONN_ID,
        schema=schema,
        **kwargs,
    )


def execute(op: FaceIdOcrToPostgresOperator, run_id: str) -> tuple[dict[str, Any] | None, list[str]]:
    """Run the operator; returns its summary (None if it raised) and the raised exception's texts."""
    try:
        return op.execute(task_context(run_id)), []  # type: ignore[arg-type]
    except Exception as exc:
        return None, exception_texts(exc)


# -- secrets and card contents ---------------------------------------------------------------------


@pytest.mark.slow
def test_secret_and_card_contents_appear_only_in_the_results_table(
    monkeypatch: pytest.MonkeyPatch,
    server: FaceIdLocalServer,
    postgres_url: str,
    pg_schema: str,
    pg_engine: sa.Engine,
    specimen: Path,
    tmp_path: Path,
    caplog: pytest.LogCaptureFixture,
    capsys: pytest.CaptureFixture[str],
) -> None:
    use_connections(monkeypatch, server, postgres_url)
    cards = card_secrets(specimen)
    exceptions: list[str] = []
    with caplog.at_level(logging.DEBUG):
        run = run_bad_inputs(
            folder=tmp_path / "staged",
            specimen=specimen,
            server=server,
            engine=pg_engine,
            schema=pg_schema,
            faceid_conn_id=FACEID_CONN_ID,
            postgres_conn_id=POSTGRES_CONN_ID,
        )
        # Two runs that fail: too many failures, then a wrong secret (its text must not show either).
        summary, texts = execute(operator(pg_schema, run.folder, reprocess=True, max_failures=0), "fail__1")
        assert summary is None and "images failed" in texts[0]
        exceptions += texts
        use_connections(monkeypatch, server, postgres_url, password=SECRET + "-wrong")
        summary, texts = execute(operator(pg_schema, run.folder, reprocess=True), "fail__2")
        assert summary is None and "refused the account" in texts[0]
        exceptions += texts
    assert run.invariants.ok and len(run.results) == 10  # the card's text is in the results table

    captured = capsys.readouterr()
    logs = [caplog.text, *(r.getMessage() for r in caplog.records), captured.out, captured.err]
    assert "FaceID summary" in captured.out + caplog.text, "the capture must see the operator's log"
    tables = table_texts(pg_engine, pg_schema)
    summaries = [json.dumps(run.summary), json.dumps(run.rerun)]
    everywhere_but_results = [
        *logs,
        *summaries,
        *exceptions,
        *tables["faceid_idcard_source"],
        *tables["faceid_idcard_failure"],
        server.log(),
    ]
    assert find_leaks(everywhere_but_results, [SECRET, SECRET + "-wrong", *cards]) == []
    assert find_leaks(tables["faceid_idcard"], [SECRET]) == []
    # The grep can fail: the results table does hold the card's text, in a spelling it looks for.
    assert find_leaks(tables["faceid_idcard"], cards) == cards


# -- identifiers -----------------------------------------------------------------------------------


def all_tables(engine: sa.Engine) -> set[tuple[str, str]]:
    query = (
        "SELECT table_schema, table_name FROM information_schema.tables WHERE table_schema <> 'pg_catalog'"
    )
    with engine.connect() as conn:
        return {(r[0], r[1]) for r in conn.execute(sa.text(query))}


@pytest.mark.parametrize(
    "names",
    [
        {"table": "x; drop table canary"},
        {"table": 'x"; DROP TABLE canary; --'},
        {"failures_table": "f) ; drop table canary"},
        {"schema": 'public"--'},
        {"schema": "a b"},
        {"table": "x" * 64},  # one over PostgreSQL's 63
        {"table": "名字"},
        {"table": ""},
    ],
    ids=lambda names: repr(names)[:40],
)
def test_identifier_injection_fails_before_any_sql(
    monkeypatch: pytest.MonkeyPatch,
    server: FaceIdLocalServer,
    postgres_url: str,
    pg_schema: str,
    pg_engine: sa.Engine,
    tmp_path: Path,
    names: dict[str, str],
) -> None:
    use_connections(monkeypatch, server, postgres_url)
    with pg_engine.begin() as conn:
        conn.exec_driver_sql("CREATE TABLE canary (id int)")
    before = all_tables(pg_engine)
    (tmp_path / "card.jpg").write_bytes(b"never read")
    kwargs: dict[str, Any] = {"schema": pg_schema, **names}
    with pytest.raises(ValueError, match=r"(schema|table) name") as raised:
        FaceIdOcrToPostgresOperator(
            task_id="inject",
            source=str(tmp_path),
            faceid_conn_id=FACEID_CONN_ID,
            postgres_conn_id=POSTGRES_CONN_ID,
            **kwargs,
        ).execute(task_context("inject__1"))  # type: ignore[arg-type]
    assert all_tables(pg_engine) == before
    assert requests_served(server) == 0
    assert "Traceback" not in str(raised.value)


# -- HTTPS policy through the operator ---------------------------------------------------------------


def test_plain_http_to_a_non_loopback_host_stops_the_task_before_sending(
    monkeypatch: pytest.MonkeyPatch,
    server: FaceIdLocalServer,
    postgres_url: str,
    pg_schema: str,
    pg_engine: sa.Engine,
    specimen: Path,
    tmp_path: Path,
) -> None:
    # 0.0.0.0 is not a loopback address, yet on Linux connecting to it reaches this machine's own
    # listeners: a policy that let it through would show up in faceid-local's counters, and no
    # packet can leave the machine either way.
    port = server.url.rsplit(":", 1)[1]
    folder = tmp_path / "cards"
    folder.mkdir()
    shutil.copy(specimen, folder / "card.jpg")
    use_connections(monkeypatch, server, postgres_url, host=f"http://0.0.0.0:{port}")

    summary, texts = execute(operator(pg_schema, folder), "http__1")
    assert summary is None
    assert "requires HTTPS" in texts[0] and "allow_insecure_http" in texts[0], texts[0]
    assert requests_served(server) == 0
    with pg_engine.connect() as conn:
        assert conn.execute(sa.text("SELECT count(*) FROM faceid_idcard_failure")).scalar_one() == 0

    # The control: with the explicit opt-in the very same connection does reach the server.
    use_connections(
        monkeypatch,
        server,
        postgres_url,
        host=f"http://0.0.0.0:{port}",
        extra={**FAST_RETRIES, "allow_insecure_http": True},
    )
    summary, texts = execute(operator(pg_schema, folder), "http__2")
    assert texts == [] and summary is not None and summary["loaded"] == 1
    assert requests_served(server) == 1


# -- faceid-local: what test_api_contract.py and test_transport.py do not cover yet ------------------


def post_form(server: FaceIdLocalServer, fields: list[tuple[str, bytes]]) -> requests.Response:
    files: list[tuple[str, tuple[str | None, bytes, str]]] = [
        (name, (None, value, "text/plain")) for name, value in fields
    ]
    files.append(("image", ("card.jpg", b"not an image", "image/jpeg")))
    return requests.post(server.ocr_url, files=files, timeout=10)


@pytest.mark.parametrize(
    "secret",
    [
        SECRET.encode()[:-1],  # a prefix, cut inside a multi-byte character
        SECRET.encode() + b"x",
        SECRET.upper().encode(),
        SECRET.encode() + b" ",
        SECRET.encode() + b"\n",
        b"\xff\xfe not UTF-8",
        SECRET.encode() * 4000,  # ~100 kB
    ],
    ids=["prefix", "suffix", "case", "space", "newline", "not-utf8", "huge"],
)
def test_near_miss_secrets_are_refused(server: FaceIdLocalServer, secret: bytes) -> None:
    response = post_form(server, [("api_key", server.api_key.encode()), ("api_secret", secret)])
    assert response.status_code == 403 and response.json()["error_message"] == "AUTHORIZATION_ERROR"
    assert SECRET not in server.log()


def test_a_second_secret_field_does_not_get_a_wrong_first_one_in(server: FaceIdLocalServer) -> None:
    fields = [("api_key", server.api_key.encode()), ("api_secret", b"wrong"), ("api_secret", SECRET.encode())]
    response = post_form(server, fields)
    assert response.status_code == 403 and response.json()["error_message"] == "AUTHORIZATION_ERROR"


def test_an_oversized_request_head_is_refused_and_the_server_carries_on(server: FaceIdLocalServer) -> None:
    host, port = server.url.removeprefix("http://").rsplit(":", 1)
    with socket.create_connection((host, int(port)), timeout=10) as sock:
        sock.sendall(b"POST /faceid/v1/ocridcard HTTP/1.1\r\nHost: x\r\n")
        sent = 0
        # Up to 1 MiB of headers in 16 KiB lines, far past the 16 KiB head limit; the client stops
        # as soon as the server answers, as a real one would.
        while sent < 64 and not select.select([sock], [], [], 0.05)[0]:
            sock.sendall(b"X-Pad: " + b"a" * 16_000 + b"\r\n")
            sent += 1
        answer = b""
        while chunk := sock.recv(65536):
            answer += chunk
    assert sent < 64, "the server read 1 MiB of headers without answering"
    assert answer.startswith(b"HTTP/1.1 431 "), answer[:200]
    assert requests.get(f"{server.url}/_local/health", timeout=10).status_code == 200


def test_a_body_of_forty_thousand_tiny_parts_is_a_clean_400(server: FaceIdLocalServer) -> None:
    part = b'--b\r\nContent-Disposition: form-data; name="p"\r\n\r\nv\r\n'
    body = part * 40_000 + b"--b--\r\n"  # 2.0 MB: just under the limit, as many parts as fit
    response = requests.post(
        server.ocr_url, data=body, headers={"Content-Type": "multipart/form-data; boundary=b"}, timeout=30
    )
    assert response.status_code == 400 and response.json()["error_message"] == "MISSING_ARGUMENTS: api_key"
    assert requests.get(f"{server.url}/_local/health", timeout=10).status_code == 200
