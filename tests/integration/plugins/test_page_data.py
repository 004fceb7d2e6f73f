"""The FaceID page's queries, JSON API, HTML and CSV against rows the operator loaded.

Real Postgres, real faceid-local (see conftest). Authentication is Airflow's and is exercised by
tests/unit/plugins (anonymous callers) and tests/e2e/test_faceid_page_browser.py (a real login);
here the app is built without it to look at what it shows.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterator
from typing import Any

import pytest
import sqlalchemy as sa
from fastapi.testclient import TestClient

from airflow_provider_faceid.plugins.app import create_app
from airflow_provider_faceid.plugins.database import Engines
from airflow_provider_faceid.plugins.run_summaries import add_up
from airflow_provider_faceid.plugins.targets import parse_targets
from tests.integration.plugins.conftest import POSTGRES_CONN_ID
from tests.integration.plugins.loaded_target import DAG_ID, LoadedTarget

pytestmark = [pytest.mark.integration, pytest.mark.slow]


@pytest.fixture(scope="module")
def client(loaded: LoadedTarget) -> Iterator[TestClient]:
    targets = parse_targets(
        json.dumps(
            [
                {"conn_id": POSTGRES_CONN_ID, "schema": loaded.schema},
                {"conn_id": POSTGRES_CONN_ID, "schema": "nowhere"},
            ]
        ),
        origin="test",
    )
    engines = Engines()  # Airflow's PostgresHook, through the AIRFLOW_CONN_ variable of conftest
    asked.clear()

    def xcom(tasks: list[tuple[str, str, str]]) -> dict[tuple[str, str], dict[str, int]]:
        # In place of Airflow's XCom table (the browser test reads the real one): the summaries the
        # operator returned, for the tasks the page asks about.
        asked.extend(tasks)
        return add_up([(d, r, loaded.summaries[r]) for d, r, _t in tasks if r in loaded.summaries])

    app = create_app(engines=engines, targets=lambda: targets, auth_loader=lambda: (), run_summaries=xcom)
    yield TestClient(app)
    engines.dispose()


asked: list[tuple[str, str, str]] = []


def sql(postgres_url: str, statement: str) -> list[Any]:
    engine = sa.create_engine(postgres_url, poolclass=sa.NullPool)
    with engine.connect() as conn:
        return list(conn.exec_driver_sql(statement))


def test_summary_numbers_are_the_tables_counts(
    client: TestClient, loaded: LoadedTarget, postgres_url: str
) -> None:
    data = client.get("/api/summary", params={"days": 7}).json()
    s = f'"{loaded.schema}"'
    by_side = dict(sql(postgres_url, f"SELECT side, count(*) FROM {s}.faceid_idcard GROUP BY side"))
    assert {r["side"]: r["count"] for r in data["loads_per_day"]} == by_side
    assert data["totals"]["loaded"] == sum(by_side.values()) == 6
    codes = dict(sql(postgres_url, f"SELECT code, count(*) FROM {s}.faceid_idcard_failure GROUP BY code"))
    assert (
        {r["code"]: r["count"] for r in data["failures_per_day"]}
        == codes
        == {"EMPTY_FILE": 1, "IMAGE_UNDECODABLE": 1}
    )
    assert all(r["retryable"] is False for r in data["failures_per_day"])
    checks = dict(
        sql(
            postgres_url,
            f"SELECT number_check, count(*) FROM {s}.faceid_idcard WHERE side = 'front' GROUP BY 1",
        )
    )
    assert {r["number_check"]: r["count"] for r in data["number_check"]} == checks
    flags = dict(sql(postgres_url, f"SELECT f, count(*) FROM {s}.faceid_idcard, unnest(flags) f GROUP BY f"))
    assert {r["flag"]: r["count"] for r in data["flags"]} == flags and "number_missing" in flags
    assert sum(r["count"] for r in data["legality"]) == 6  # every image was loaded with legality=True
    flagged = sql(postgres_url, f"SELECT count(*) FROM {s}.faceid_idcard WHERE needs_recapture")[0][0]
    assert data["totals"]["needs_recapture"] == flagged + 2 == 3
    runs = {r["run_id"]: r for r in data["runs"]}
    assert set(runs) == set(loaded.summaries)
    for run_id, summary in loaded.summaries.items():
        for key in ("listed", "loaded", "duplicates", "failed", "ocr_calls", "needs_recapture"):
            assert runs[run_id][key] == summary[key], (run_id, key)
    assert sorted(set(asked)) == sorted((DAG_ID, run_id, "ocr") for run_id in loaded.summaries)


def test_runs_without_a_readable_xcom_still_show_what_the_tables_say(loaded: LoadedTarget) -> None:
    targets = parse_targets(json.dumps({"conn_id": POSTGRES_CONN_ID, "schema": loaded.schema}), origin="t")

    def unavailable(tasks: Any) -> Any:
        raise RuntimeError("no metadata database")

    engines = Engines()
    app = create_app(
        engines=engines, targets=lambda: targets, auth_loader=lambda: (), run_summaries=unavailable
    )
    with TestClient(app) as client:
        runs = client.get("/api/summary", params={"days": 7}).json()["runs"]
        assert {r["listed"] for r in runs} == {None} and sum(r["loaded"] for r in runs) == 6
        page = client.get("/", params={"days": 7})
        assert page.status_code == 200 and "<td class='n listed'>–</td>" in page.text
    engines.dispose()


def test_a_range_without_rows_is_empty_not_an_error(client: TestClient) -> None:
    data = client.get("/api/summary", params={"start": "2020-01-01", "end": "2020-01-31"}).json()
    assert data["totals"] == {"loaded": 0, "failed": 0, "needs_recapture": 0}
    page = client.get("/", params={"start": "2020-01-01", "end": "2020-01-31"})
    assert page.status_code == 200 and "No loads and no failures in this range." in page.text


def test_the_recapture_queue_pages_and_its_csv_has_the_same_rows(client: TestClient) -> None:
    whole = client.get("/api/recapture", params={"days": 7, "limit": 50}).json()
    assert whole["total"] == 3 and len(whole["rows"]) == 3
    assert [r["kind"] for r in whole["rows"]].count("flagged") == 1
    flagged = next(r for r in whole["rows"] if r["kind"] == "flagged")
    assert flagged["source_uri"].endswith("number covered.jpg") and "number_missing" in flagged["reason"]
    pages = [
        client.get("/api/recapture", params={"days": 7, "limit": 1, "offset": i}).json()["rows"]
        for i in range(4)
    ]
    assert [p[0]["source_uri"] for p in pages[:3]] == [r["source_uri"] for r in whole["rows"]]
    assert pages[3] == []
    first = client.get("/", params={"days": 7}).text
    assert f'href="/dags/{DAG_ID}/runs/manual__page_2" target="_top"' in first  # Airflow's run page
    second = client.get("/", params={"days": 7, "offset": 2})
    assert "3-3 of 3" in second.text and 'class="previous"' in second.text
    assert 'class="next"' not in second.text
    assert second.headers["content-security-policy"].endswith("frame-ancestors 'self'")
    answer = client.get("/recapture.csv", params={"days": 7})
    assert answer.headers["content-type"].startswith("text/csv")
    rows = list(csv.DictReader(io.StringIO(answer.text)))
    assert [r["source_uri"] for r in rows] == [r["source_uri"] for r in whole["rows"]]


def test_bounds_are_enforced(client: TestClient) -> None:
    assert client.get("/api/recapture", params={"limit": 10_000}).status_code == 422
    assert client.get("/api/summary", params={"start": "2020-01-01", "end": "2024-01-01"}).status_code == 400
    assert client.get("/api/summary", params={"target": "elsewhere:x"}).status_code == 404


def test_no_full_name_number_or_address_is_ever_shown(client: TestClient, loaded: LoadedTarget) -> None:
    texts = [
        client.get("/", params={"days": 7}).text,
        client.get("/api/summary", params={"days": 7}).text,
        json.dumps(client.get("/api/recapture", params={"days": 7}).json(), ensure_ascii=False),
        client.get("/recapture.csv", params={"days": 7}).text,
    ]
    assert len(loaded.secrets) >= 9
    leaked = [secret for secret in loaded.secrets for text in texts if secret in text]
    assert leaked == []
    # The masked forms are there: the flagged front's surname and the masks' marker.
    assert "**" in texts[0]


def test_missing_tables_and_a_database_that_is_down_give_messages(
    client: TestClient, loaded: LoadedTarget, postgres_url: str
) -> None:
    missing = f"{POSTGRES_CONN_ID}:nowhere.faceid_idcard"
    page = client.get("/", params={"target": missing})
    assert page.status_code == 200 and "the tables do not exist yet" in page.text
    assert "Traceback" not in page.text
    assert client.get("/api/summary", params={"target": missing}).status_code == 404

    down = parse_targets('[{"conn_id": "faceid_page_down"}]', origin="test")
    dead = Engines(lambda _conn: sa.create_engine("postgresql+psycopg://postgres@127.0.0.1:1/none"))
    app = TestClient(create_app(engines=dead, targets=lambda: down, auth_loader=lambda: ()))
    page = app.get("/")
    assert page.status_code == 503 and "cannot be reached" in page.text and "Traceback" not in page.text
    assert app.get("/api/summary").json()["detail"].endswith("try again later")

    elsewhere = postgres_url.rsplit("/", 1)[0] + "/faceid_no_such_db"
    no_database = Engines(lambda _conn: sa.create_engine(elsewhere))
    app = TestClient(create_app(engines=no_database, targets=lambda: down, auth_loader=lambda: ()))
    assert "the database (or role) does not exist" in app.get("/api/summary").json()["detail"]
    assert "faceid_no_such_db" not in app.get("/").text


def test_an_undefined_connection_is_named() -> None:
    targets = parse_targets('[{"conn_id": "faceid_page_undefined"}]', origin="test")
    app = TestClient(create_app(targets=lambda: targets, auth_loader=lambda: ()))
    answer = app.get("/api/summary")
    assert answer.status_code == 404
    assert "Airflow has no connection 'faceid_page_undefined'" in answer.json()["detail"]
    page = app.get("/")
    assert page.status_code == 200 and "Admin &gt; Connections" in page.text
