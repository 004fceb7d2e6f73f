"""FaceIdOcrToPostgresOperator against a real faceid-local process and a real PostgreSQL.

Nothing is mocked: the operator lists a real folder, calls faceid-local over HTTP (real OCR engine)
and writes through psycopg 3 into a throwaway schema. The Airflow task context is a plain dict with
the keys the operator reads; running it under a scheduler is the e2e suite's job.
"""

from __future__ import annotations

import datetime as dt
import io
import json
import logging
import shutil
from collections.abc import Callable
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest
import sqlalchemy as sa
from airflow.sdk.exceptions import AirflowException
from PIL import Image

from airflow_provider_faceid.local.specimens.generate import generate, read_truth
from airflow_provider_faceid.local.specimens.seeds import TEST_SEEDS
from airflow_provider_faceid.operators.faceid import FaceIdOcrToPostgresOperator
from tests.fixtures.faceid_local import FaceIdLocalServer

pytestmark = [pytest.mark.integration, pytest.mark.slow]

FACEID_CONN_ID = "faceid_it"
TWO_MB = 2 * 1024 * 1024


@pytest.fixture(scope="module")
def specimens(tmp_path_factory: pytest.TempPathFactory) -> list[Path]:
    """Two fronts and two backs (seeded), made once for the module."""
    out = tmp_path_factory.mktemp("specimens")
    paths = generate(count=6, out_dir=out, seed=TEST_SEEDS["operator"])
    fronts = [p for p in paths if read_truth(p)["side"] == "front"][:2]
    backs = [p for p in paths if read_truth(p)["side"] == "back"][:2]
    assert len(fronts) == 2 and len(backs) == 2
    return fronts + backs


def faceid_connection(
    monkeypatch: pytest.MonkeyPatch, server: FaceIdLocalServer, *, secret: str = ""
) -> None:
    conn = {
        "conn_type": "faceid",
        "host": server.url,
        "login": server.api_key,
        "password": secret or server.api_secret,
        "extra": {"backoff_initial": 0.05, "backoff_max": 0.5, "max_attempts": 8},
    }
    monkeypatch.setenv(f"AIRFLOW_CONN_{FACEID_CONN_ID.upper()}", json.dumps(conn))


def context(run_id: str = "manual__1") -> dict[str, Any]:
    ti = SimpleNamespace(dag_id="faceid_it", task_id="ocr", run_id=run_id)
    return {"ti": ti, "dag_run": SimpleNamespace(run_id=run_id), "logical_date": dt.datetime(2026, 11, 1)}


def big_photo(card: Path, out: Path) -> None:
    """The card upscaled on a grainy 4000x3000 'photo' at q95: well over the API's 2 MB body limit."""
    photo = Image.effect_noise((4000, 3000), 60).convert("RGB")
    photo.paste(Image.open(card).convert("RGB").resize((3424, 2160)), (288, 420))
    photo.save(out, format="JPEG", quality=95)
    assert out.stat().st_size > TWO_MB


def make_operator(
    postgres_conn_id: str, schema: str, source: Path | list[str], **kwargs: Any
) -> FaceIdOcrToPostgresOperator:
    return FaceIdOcrToPostgresOperator(
        task_id="ocr",
        source=source if isinstance(source, list) else str(source),
        faceid_conn_id=FACEID_CONN_ID,
        postgres_conn_id=postgres_conn_id,
        schema=schema,
        **kwargs,
    )


def rows(engine: sa.Engine, schema: str, table: str) -> list[dict[str, Any]]:
    with engine.connect() as conn:
        return [dict(r._mapping) for r in conn.execute(sa.text(f'SELECT * FROM "{schema}"."{table}"'))]


def assert_each_file_in_exactly_one_place(engine: sa.Engine, schema: str, folder: Path) -> None:
    sources = {r["source_uri"] for r in rows(engine, schema, "faceid_idcard_source")}
    failures = {r["source_uri"] for r in rows(engine, schema, "faceid_idcard_failure")}
    files = {str(p) for p in folder.rglob("*") if p.is_file() or p.is_symlink()}
    assert sources.isdisjoint(failures)
    assert sources | failures == files


@pytest.fixture
def server(faceid_local_factory: Callable[..., FaceIdLocalServer]) -> FaceIdLocalServer:
    return faceid_local_factory(concurrency_limit=4, workers=2)


@pytest.fixture
def mixed_folder(tmp_path: Path, specimens: list[Path]) -> Path:
    folder = tmp_path / "2026-11-01"
    folder.mkdir()
    for path in specimens:
        shutil.copy(path, folder / path.name)
    shutil.copy(specimens[0], folder / "same bytes, other name.jpg")
    (folder / "empty.jpg").write_bytes(b"")
    (folder / "corrupt.jpg").write_bytes(specimens[1].read_bytes()[:3000])
    (folder / "scan.pdf").write_bytes(b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer\n%%EOF\n")
    big_photo(specimens[0], folder / "photo over 2MB.jpg")
    return folder


def test_every_file_lands_once_and_a_rerun_costs_nothing(
    monkeypatch: pytest.MonkeyPatch,
    server: FaceIdLocalServer,
    postgres_conn_id: str,
    pg_schema: str,
    pg_engine: sa.Engine,
    specimens: list[Path],
    mixed_folder: Path,
    caplog: pytest.LogCaptureFixture,
    capsys: pytest.CaptureFixture[str],
) -> None:
    faceid_connection(monkeypatch, server)
    operator = make_operator(
        postgres_conn_id, pg_schema, mixed_folder, pattern=("*.jpg", "*.pdf"), max_in_flight=2
    )
    with caplog.at_level(logging.DEBUG):
        summary = operator.execute(context())

    by_sha = {r["image_sha256"]: r for r in rows(pg_engine, pg_schema, "faceid_idcard")}
    sources = rows(pg_engine, pg_schema, "faceid_idcard_source")
    results = {s["source_uri"]: by_sha[s["image_sha256"]] for s in sources}
    failures = {Path(r["source_uri"]).name: r for r in rows(pg_engine, pg_schema, "faceid_idcard_failure")}
    assert {name: f["code"] for name, f in failures.items()} == {
        "empty.jpg": "EMPTY_FILE",
        "corrupt.jpg": "IMAGE_UNDECODABLE",
        "scan.pdf": "IMAGE_UNDECODABLE",
    }
    assert all(not f["retryable"] for f in failures.values())
    # 4 specimens + the big photo (re-encoded under the limit); the copy shares its original's row.
    assert len(by_sha) == 5 and len(results) == 6
    assert (
        results[str(mixed_folder / "same bytes, other name.jpg")]
        is results[str(mixed_folder / specimens[0].name)]
    )
    for path in specimens:
        row = results[str(mixed_folder / path.name)]
        truth = read_truth(path)
        assert row["side"] == truth["side"]
        if truth["side"] == "front":
            assert row["id_card_number"] == truth["id_card_number"]
            assert row["number_check"] == 1
            assert row["id_card_number_masked"] != truth["id_card_number"]
        else:
            assert row["valid_date"] == truth["valid_date"]
    photo = results[str(mixed_folder / "photo over 2MB.jpg")]
    assert photo["side"] == "front" and photo["id_card_number"] == read_truth(specimens[0])["id_card_number"]
    assert_each_file_in_exactly_one_place(pg_engine, pg_schema, mixed_folder)

    assert summary["listed"] == 9 and summary["loaded"] == 5 and summary["duplicates"] == 1
    assert summary["failed_by_code"] == {"EMPTY_FILE": 1, "IMAGE_UNDECODABLE": 2}
    assert summary["ocr_calls"] == 5 == server.counters()["engine_calls"]

    # Privacy: nothing the cards say, nor the secret, reached the log or the summary.
    secrets = [server.api_secret]
    for path in specimens:
        truth = read_truth(path)
        secrets += [v for k, v in truth.items() if k in ("name", "id_card_number", "address") and v]
    captured = capsys.readouterr()
    text = caplog.text + captured.out + captured.err + server.log() + json.dumps(summary, ensure_ascii=False)
    leaked = [s for s in secrets if s in text]
    assert not leaked

    # Re-run: everything is skipped by URI + size/etag before download; not a single request.
    requests_before = sum(server.counters()["requests_by_status"].values())
    rerun = make_operator(postgres_conn_id, pg_schema, mixed_folder, pattern=("*.jpg", "*.pdf")).execute(
        context("manual__2")
    )
    assert rerun["ocr_calls"] == 0 and rerun["skipped"] == 9 and rerun["loaded"] == 0
    assert sum(server.counters()["requests_by_status"].values()) == requests_before


def test_same_bytes_under_a_new_name_cost_no_call(
    monkeypatch: pytest.MonkeyPatch,
    server: FaceIdLocalServer,
    postgres_conn_id: str,
    pg_schema: str,
    pg_engine: sa.Engine,
    specimens: list[Path],
    tmp_path: Path,
) -> None:
    faceid_connection(monkeypatch, server)
    first = tmp_path / "day1"
    first.mkdir()
    shutil.copy(specimens[2], first / "a.jpg")
    make_operator(postgres_conn_id, pg_schema, first).execute(context())
    second = tmp_path / "day2"
    second.mkdir()
    shutil.copy(specimens[2], second / "renamed.jpg")
    summary = make_operator(postgres_conn_id, pg_schema, second).execute(context("manual__2"))
    assert summary["ocr_calls"] == 0 and summary["duplicates"] == 1
    sources = rows(pg_engine, pg_schema, "faceid_idcard_source")
    assert len({s["image_sha256"] for s in sources}) == 1 and len(sources) == 2


@pytest.fixture
def twelve_cards(tmp_path: Path, specimens: list[Path]) -> Path:
    """Twelve distinct images (specimens re-encoded at different qualities) in one folder."""
    folder = tmp_path / "cards"
    folder.mkdir()
    for i in range(12):
        image = Image.open(specimens[i % len(specimens)])
        buffer = io.BytesIO()
        image.save(buffer, format="JPEG", quality=80 + i)
        (folder / f"card-{i:02d}.jpg").write_bytes(buffer.getvalue())
    return folder


def test_limit_2_with_4_in_flight_loses_nothing(
    monkeypatch: pytest.MonkeyPatch,
    faceid_local_factory: Callable[..., FaceIdLocalServer],
    postgres_conn_id: str,
    pg_schema: str,
    pg_engine: sa.Engine,
    twelve_cards: Path,
) -> None:
    server = faceid_local_factory(concurrency_limit=2, workers=2, latency_ms=300)
    faceid_connection(monkeypatch, server)
    summary = make_operator(postgres_conn_id, pg_schema, twelve_cards, max_in_flight=4).execute(context())
    counters = server.counters()
    assert counters["concurrency_rejections"] > 0, "the test must actually hit the limit"
    assert summary["limit_answers"] == counters["concurrency_rejections"]
    assert summary["loaded"] == 12 and summary["failed"] == 0
    assert len(rows(pg_engine, pg_schema, "faceid_idcard")) == 12
    assert counters["max_in_flight"] <= 2


def test_injected_500s_are_retried_until_everything_loads(
    monkeypatch: pytest.MonkeyPatch,
    faceid_local_factory: Callable[..., FaceIdLocalServer],
    postgres_conn_id: str,
    pg_schema: str,
    pg_engine: sa.Engine,
    twelve_cards: Path,
) -> None:
    server = faceid_local_factory(concurrency_limit=4, workers=2, fail_rate=0.2, seed=3)
    faceid_connection(monkeypatch, server)
    summary = make_operator(postgres_conn_id, pg_schema, twelve_cards, max_in_flight=4).execute(context())
    counters = server.counters()
    assert counters["injected_failures"] > 0, "the seed must inject at least one 500"
    assert summary["retries"] >= counters["injected_failures"]
    assert summary["loaded"] == 12 and summary["failed"] == 0
    assert rows(pg_engine, pg_schema, "faceid_idcard_failure") == []


def test_hmac_storage_keeps_numbers_out_of_the_table(
    monkeypatch: pytest.MonkeyPatch,
    server: FaceIdLocalServer,
    postgres_conn_id: str,
    pg_schema: str,
    pg_engine: sa.Engine,
    specimens: list[Path],
    tmp_path: Path,
) -> None:
    faceid_connection(monkeypatch, server)
    monkeypatch.setenv("AIRFLOW_VAR_FACEID_HMAC_KEY", "k3y-for-tests")
    folder = tmp_path / "fronts"
    folder.mkdir()
    shutil.copy(specimens[0], folder / "front.jpg")
    make_operator(
        postgres_conn_id, pg_schema, folder, id_number_storage="hmac", hmac_key_variable="faceid_hmac_key"
    ).execute(context())
    (row,) = rows(pg_engine, pg_schema, "faceid_idcard")
    number = read_truth(specimens[0])["id_card_number"]
    assert row["id_card_number"] != number and len(row["id_card_number"]) == 64
    assert row["id_card_number_masked"] == number[:3] + "*" * 13 + number[-2:]


def test_wrong_secret_stops_the_task_without_failure_rows(
    monkeypatch: pytest.MonkeyPatch,
    server: FaceIdLocalServer,
    postgres_conn_id: str,
    pg_schema: str,
    pg_engine: sa.Engine,
    twelve_cards: Path,
) -> None:
    faceid_connection(monkeypatch, server, secret="not-the-secret")
    with pytest.raises(AirflowException, match="refused the account") as raised:
        make_operator(postgres_conn_id, pg_schema, twelve_cards).execute(context())
    assert "not-the-secret" not in str(raised.value)
    assert rows(pg_engine, pg_schema, "faceid_idcard_failure") == []
    assert server.counters()["engine_calls"] == 0


def test_max_failures_fails_the_task_after_loading_the_good_ones(
    monkeypatch: pytest.MonkeyPatch,
    server: FaceIdLocalServer,
    postgres_conn_id: str,
    pg_schema: str,
    pg_engine: sa.Engine,
    specimens: list[Path],
    tmp_path: Path,
) -> None:
    faceid_connection(monkeypatch, server)
    folder = tmp_path / "half-bad"
    folder.mkdir()
    shutil.copy(specimens[3], folder / "good.jpg")
    (folder / "bad.jpg").write_bytes(b"not an image at all")
    with pytest.raises(AirflowException, match="1 of 2 images failed"):
        make_operator(postgres_conn_id, pg_schema, folder, max_failures=0).execute(context())
    assert len(rows(pg_engine, pg_schema, "faceid_idcard")) == 1


def test_a_list_of_uris_is_staged_exactly(
    monkeypatch: pytest.MonkeyPatch,
    server: FaceIdLocalServer,
    postgres_conn_id: str,
    pg_schema: str,
    pg_engine: sa.Engine,
    specimens: list[Path],
    tmp_path: Path,
) -> None:
    """The backfill DAG hands each mapped task one chunk of file URIs."""
    faceid_connection(monkeypatch, server)
    folder = tmp_path / "chunked"
    folder.mkdir()
    for path in specimens:
        shutil.copy(path, folder / path.name)
    chunk = [str(folder / specimens[1].name), f"file://{folder / specimens[3].name}"]
    summary = make_operator(postgres_conn_id, pg_schema, chunk).execute(context())
    assert summary["listed"] == 2 and summary["loaded"] == 2
    assert {r["source_uri"] for r in rows(pg_engine, pg_schema, "faceid_idcard_source")} == set(chunk)
