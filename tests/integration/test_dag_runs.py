"""The example DAGs run by Airflow itself (`airflow dags test` in a throwaway AIRFLOW_HOME) against a
real faceid-local and a real PostgreSQL: a day without scans is skipped, the backfill maps over chunks,
a day staged in a bucket (moto's S3 server, over HTTP) is read through an ``aws`` connection, and that
run's OpenLineage events (file transport) name the datasets and nothing personal.
"""

from __future__ import annotations

import contextlib
import json
import os
import sqlite3
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa

from airflow_provider_faceid.local.specimens.generate import generate, read_truth
from airflow_provider_faceid.local.specimens.seeds import TEST_SEEDS
from tests.fixtures.faceid_local import FaceIdLocalServer
from tests.fixtures.postgres import acquire_database, airflow_connection_json
from tests.fixtures.s3 import S3_CONN_ID, MotoS3Server, empty_bucket

REPO = Path(__file__).resolve().parents[2]
AIRFLOW = str(Path(sys.executable).with_name("airflow"))
FACEID_LOCAL = str(Path(sys.executable).with_name("faceid-local"))

pytestmark = [pytest.mark.integration, pytest.mark.slow]


@pytest.fixture(scope="module")
def results_url() -> Iterator[str]:
    """A database of its own: the DAGs write to the connection's default schema."""
    with acquire_database() as url:
        yield url


@pytest.fixture(scope="module")
def airflow_home(tmp_path_factory: pytest.TempPathFactory) -> Path:
    home = tmp_path_factory.mktemp("airflow-home")
    subprocess.run(
        [AIRFLOW, "db", "migrate"], env=base_env(home), check=True, capture_output=True, timeout=300
    )
    return home


def base_env(home: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("AIRFLOW_", "AIRFLOW__"))}
    env.update(
        AIRFLOW_HOME=str(home),
        AIRFLOW__DATABASE__SQL_ALCHEMY_CONN=f"sqlite:///{home / 'airflow.db'}",
        AIRFLOW__CORE__DAGS_FOLDER=str(REPO / "dags"),
        AIRFLOW__CORE__LOAD_EXAMPLES="False",
        FACEID_POOL_SLOTS="2",
    )
    return env


def dags_env(
    home: Path, *, faceid: FaceIdLocalServer, results_url: str, staging_root: Path
) -> dict[str, str]:
    faceid_conn = {
        "conn_type": "faceid",
        "host": faceid.url,
        "login": faceid.api_key,
        "password": faceid.api_secret,
    }
    return {
        **base_env(home),
        "AIRFLOW_CONN_FACEID_DEFAULT": json.dumps(faceid_conn),
        "AIRFLOW_CONN_FACEID_RESULTS": airflow_connection_json(results_url),
        "AIRFLOW_VAR_FACEID_STAGING_ROOT": str(staging_root),
    }


def dags_test(env: dict[str, str], *args: str) -> None:
    result = subprocess.run(
        [AIRFLOW, "dags", "test", *args], env=env, capture_output=True, text=True, timeout=480, cwd=REPO
    )
    assert result.returncode == 0, (result.stdout + result.stderr)[-4000:]


def task_states(home: Path, dag_id: str, *, logical_day: str = "") -> dict[tuple[str, int], str]:
    """States of the DAG's task instances, of the runs whose logical date is ``logical_day`` if given."""
    with contextlib.closing(sqlite3.connect(home / "airflow.db")) as db:
        rows = db.execute(
            "SELECT ti.task_id, ti.map_index, ti.state FROM task_instance ti JOIN dag_run dr "
            "ON dr.dag_id = ti.dag_id AND dr.run_id = ti.run_id "
            "WHERE ti.dag_id = ? AND coalesce(dr.logical_date, '') LIKE ?",
            (dag_id, f"{logical_day}%"),
        ).fetchall()
    return {(task_id, map_index): state for task_id, map_index, state in rows}


def xcom_value(home: Path, dag_id: str, task_id: str) -> Any:
    """The return value of the newest run's task."""
    with contextlib.closing(sqlite3.connect(home / "airflow.db")) as db:
        row = db.execute(
            "SELECT value FROM xcom WHERE dag_id = ? AND task_id = ? AND key = 'return_value' "
            "AND map_index = -1 ORDER BY timestamp DESC LIMIT 1",
            (dag_id, task_id),
        ).fetchone()
    assert row is not None, f"no XCom from {dag_id}.{task_id}"
    return json.loads(row[0])


def test_a_day_without_a_folder_is_skipped_not_failed(
    airflow_home: Path, faceid_local: FaceIdLocalServer, results_url: str, tmp_path: Path
) -> None:
    faceid_local.reset()
    env = dags_env(airflow_home, faceid=faceid_local, results_url=results_url, staging_root=tmp_path)
    dags_test(env, "faceid_idcards_daily", "2026-03-01")
    states = task_states(airflow_home, "faceid_idcards_daily")
    assert states == {("day_folder_exists", -1): "success", ("ocr_idcards", -1): "skipped"}
    assert faceid_local.counters()["requests"] == 0


def test_backfill_maps_over_chunks_and_loads_everything(
    airflow_home: Path, faceid_local: FaceIdLocalServer, results_url: str, tmp_path: Path
) -> None:
    archive = tmp_path / "archive"
    for year, count in (("2019", 7), ("2020", 5)):
        seed = TEST_SEEDS[f"dag_runs_{year}"]
        subprocess.run(
            [
                FACEID_LOCAL,
                "specimens",
                "--count",
                str(count),
                "--out",
                str(archive / year),
                "--seed",
                str(seed),
            ],
            check=True,
            capture_output=True,
            timeout=120,
        )
    (archive / "2020" / "scan-list.pdf").write_bytes(b"%PDF-1.4 not staged: not an image name")
    faceid_local.reset()
    env = dags_env(airflow_home, faceid=faceid_local, results_url=results_url, staging_root=tmp_path)
    conf = json.dumps({"prefix": str(archive), "chunk_size": 5})

    dags_test(env, "faceid_idcards_backfill", "-c", conf)

    states = task_states(airflow_home, "faceid_idcards_backfill")
    assert {key: state for key, state in states.items() if key[0] == "ocr_chunk"} == {
        ("ocr_chunk", 0): "success",
        ("ocr_chunk", 1): "success",
        ("ocr_chunk", 2): "success",
    }
    totals = xcom_value(airflow_home, "faceid_idcards_backfill", "summarize")
    assert (totals["chunks"], totals["listed"], totals["loaded"], totals["failed"]) == (3, 12, 12, 0)
    assert totals["ocr_calls"] == faceid_local.counters()["requests"] == 12
    engine = sa.create_engine(results_url, poolclass=sa.NullPool)
    with engine.connect() as conn:
        uris = conn.execute(
            sa.text("SELECT source_uri FROM faceid_idcard_source ORDER BY source_uri")
        ).scalars()
        assert [Path(uri).relative_to(archive).parts[0] for uri in uris] == ["2019"] * 7 + ["2020"] * 5
    engine.dispose()

    # Triggered again over the same archive: everything is skipped, nothing is paid for.
    faceid_local.reset()
    dags_test(env, "faceid_idcards_backfill", "-c", conf)
    again = xcom_value(airflow_home, "faceid_idcards_backfill", "summarize")
    assert (again["listed"], again["skipped"], again["ocr_calls"]) == (12, 12, 0)
    assert faceid_local.counters()["requests"] == 0


@pytest.fixture(scope="module")
def s3_day(
    airflow_home: Path,
    faceid_local: FaceIdLocalServer,
    s3_server: MotoS3Server,
    tmp_path_factory: pytest.TempPathFactory,
) -> Iterator[S3DayRun]:
    """One ``airflow dags test`` of the daily DAG whose staging root is a bucket of the moto S3
    server, with OpenLineage's file transport on: its own results database, its own events file."""
    cards = generate(count=3, out_dir=tmp_path_factory.mktemp("s3-day"), seed=TEST_SEEDS["dag_runs_2019"])
    bucket = "faceid-staging"
    client = s3_server.client()
    client.create_bucket(Bucket=bucket)
    keys = [f"daily/2026-11-01/kiosk {i}/{card.name}" for i, card in enumerate(cards)]
    for key, card in zip(keys, cards, strict=True):
        client.put_object(Bucket=bucket, Key=key, Body=card.read_bytes())
    events = tmp_path_factory.mktemp("lineage") / "events.jsonl"
    with acquire_database() as results_url:
        faceid_local.reset()
        env = dags_env(
            airflow_home, faceid=faceid_local, results_url=results_url, staging_root=Path("/unused")
        )
        env.update(
            AIRFLOW_CONN_S3_IT=s3_server.connection_json(),
            AIRFLOW_VAR_FACEID_STAGING_ROOT=f"s3://{S3_CONN_ID}@{bucket}/daily",
            AIRFLOW__OPENLINEAGE__NAMESPACE="faceid_it",
            AIRFLOW__OPENLINEAGE__TRANSPORT=json.dumps(
                {"type": "file", "log_file_path": str(events), "append": True}
            ),
        )
        dags_test(env, "faceid_idcards_daily", "2026-11-01")
        yield S3DayRun(
            home=airflow_home,
            bucket=bucket,
            keys=keys,
            cards=cards,
            results_url=results_url,
            events=[json.loads(line) for line in events.read_text().splitlines() if line.strip()],
            faceid_requests=faceid_local.counters()["requests"],
        )
    empty_bucket(client, bucket)
    client.delete_bucket(Bucket=bucket)


@dataclass(frozen=True)
class S3DayRun:
    home: Path
    bucket: str
    keys: list[str]
    cards: list[Path]
    results_url: str
    events: list[dict[str, Any]]
    faceid_requests: int


def test_the_daily_dag_reads_its_day_from_a_bucket(s3_day: S3DayRun) -> None:
    states = task_states(s3_day.home, "faceid_idcards_daily", logical_day="2026-11-01")
    assert states == {("day_folder_exists", -1): "success", ("ocr_idcards", -1): "success"}
    summary = xcom_value(s3_day.home, "faceid_idcards_daily", "ocr_idcards")
    assert (summary["listed"], summary["loaded"], summary["failed"]) == (3, 3, 0)
    assert summary["ocr_calls"] == s3_day.faceid_requests == 3
    engine = sa.create_engine(s3_day.results_url, poolclass=sa.NullPool)
    with engine.connect() as conn:
        uris = conn.execute(sa.text("SELECT source_uri FROM faceid_idcard_source")).scalars().all()
    engine.dispose()
    assert sorted(uris) == sorted(f"s3://{s3_day.bucket}/{key}" for key in s3_day.keys)


def test_the_bucket_run_emits_lineage_naming_datasets_and_nothing_personal(
    s3_day: S3DayRun, faceid_local: FaceIdLocalServer
) -> None:
    events = [e for e in s3_day.events if e["job"]["name"] == "faceid_idcards_daily.ocr_idcards"]
    assert [e["eventType"] for e in events] == ["START", "COMPLETE"]
    database = sa.make_url(s3_day.results_url).database
    staging = {"namespace": f"s3://{s3_day.bucket}", "name": "daily/2026-11-01"}
    results, failures = (f"{database}.public.faceid_idcard", f"{database}.public.faceid_idcard_failure")
    for event in events:
        assert [{k: d[k] for k in ("namespace", "name")} for d in event["inputs"]] == [staging]
        outputs = {d["name"]: d for d in event["outputs"]}
        assert set(outputs) == {results, failures}
        assert {d["namespace"] for d in outputs.values()} == {"postgres://127.0.0.1:5432"}
        columns = {f["name"]: f["type"] for f in outputs[results]["facets"]["schema"]["fields"]}
        assert columns["image_sha256"] == "TEXT" and columns["birthday"] == "DATE"
        number_from = outputs[results]["facets"]["columnLineage"]["fields"]["id_card_number"]["inputFields"]
        assert [{k: f[k] for k in ("namespace", "name", "field")} for f in number_from] == [
            {**staging, "field": "image"}
        ]
        assert "columnLineage" not in outputs[failures]["facets"]
    completed = {d["name"]: d["facets"] for d in events[-1]["outputs"]}
    assert completed[results]["outputStatistics"]["rowCount"] == 3
    assert completed[results]["outputStatistics"]["size"] > 0
    assert completed[failures]["outputStatistics"]["rowCount"] == 0
    assert "outputStatistics" not in {k for d in events[0]["outputs"] for k in d["facets"]}

    sent = json.dumps(s3_day.events, ensure_ascii=False)
    private = [faceid_local.api_secret, *(key.rsplit("/", 1)[1] for key in s3_day.keys)]
    for card in s3_day.cards:
        truth = read_truth(card)
        private += [v for k, v in truth.items() if k in ("name", "id_card_number", "address") and v]
    assert len(private) > len(s3_day.keys) + 1  # the fronts' names, numbers and addresses are in it
    assert [value for value in private if value in sent] == []
