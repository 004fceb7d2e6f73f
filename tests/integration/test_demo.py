"""The README's first command, end to end: scripts/demo.sh (setup, faceid-local, PostgreSQL, the daily
example DAG run twice with `airflow dags test`), checked on what it prints."""

from __future__ import annotations

import re
import secrets
import socket
import subprocess
import time
from pathlib import Path

import pytest

from tests.fixtures.postgres import local_server_answers

REPO = Path(__file__).resolve().parents[2]
ID_NUMBER = re.compile(r"\d{17}[\dXx]")
DEMO_SECRET = re.compile(r"demo-[0-9a-f]{24}")

pytestmark = [pytest.mark.integration, pytest.mark.slow]


@pytest.fixture(scope="module")
def demo_output() -> tuple[str, float]:
    database = f"faceid_demo_test_{secrets.token_hex(4)}"
    started = time.monotonic()
    result = subprocess.run(
        [str(REPO / "scripts" / "demo.sh"), "--database", database, "--drop-database"],
        capture_output=True,
        text=True,
        timeout=600,
        cwd=REPO,
    )
    elapsed = time.monotonic() - started
    output = result.stdout + result.stderr
    assert result.returncode == 0, output[-4000:]
    server = local_server_answers()
    if server is not None:  # --drop-database: nothing left behind on a shared server
        with server.admin_connect() as conn:
            left = conn.execute("SELECT count(*) FROM pg_database WHERE datname = %s", (database,)).fetchone()
        assert left == (0,)
    return output, elapsed


def summary_of(output: str, label: str) -> dict[str, str]:
    line = next(line for line in output.splitlines() if line.startswith(f"{label} summary"))
    return dict(pair.split(" ", 1) for pair in line.split(": ", 1)[1].split(", "))


def test_demo_prints_the_rows_it_loaded(demo_output: tuple[str, float]) -> None:
    output, _ = demo_output
    assert "(40 rows; names and numbers masked)" in output
    rows = [line for line in output.splitlines() if re.match(r"\s+specimen-\S+\.jpg\s", line)]
    assert len(rows) >= 10
    fronts = [line for line in rows if " front " in line]
    assert fronts and all(re.search(r"\S\*\* +\d{3}\*{13}[\dX]{2} +1 ", line) for line in fronts), fronts
    assert "20 front, 20 back" in output
    first = summary_of(output, "run 1")
    assert (first["listed"], first["loaded"], first["failed"], first["ocr_calls"]) == ("40", "40", "0", "40")


def test_second_run_makes_no_ocr_call(demo_output: tuple[str, float]) -> None:
    output, _ = demo_output
    second = summary_of(output, "run 2")
    assert (second["listed"], second["skipped"], second["ocr_calls"], second["loaded"]) == (
        "40",
        "40",
        "0",
        "0",
    )
    assert "faceid-local saw 0 requests and ran its engine 0 times during run 2" in output


def test_demo_logs_nothing_unmasked(demo_output: tuple[str, float]) -> None:
    output, _ = demo_output
    assert not ID_NUMBER.search(output)
    assert not DEMO_SECRET.search(output)


def test_demo_cleans_up(demo_output: tuple[str, float]) -> None:
    output, elapsed = demo_output
    assert "done: faceid-local stopped, temporary files removed" in output
    folder = re.search(r"AIRFLOW_HOME (\S+)/airflow ", output)
    assert folder is not None and not Path(folder.group(1)).exists()
    # Not a timing assertion: the figure goes to the report (-rA shows it).
    print(f"demo wall time {elapsed:.1f} s")


def test_faceid_local_was_stopped(demo_output: tuple[str, float]) -> None:
    output, _ = demo_output
    url = re.search(r"faceid-local: http://127\.0\.0\.1:(\d+)", output)
    assert url is not None
    with (
        pytest.raises(ConnectionRefusedError),
        socket.create_connection(("127.0.0.1", int(url.group(1))), timeout=2),
    ):
        pass
