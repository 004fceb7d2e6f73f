"""The FaceID page in a real browser: Airflow's api-server with the plugin, Debian's chromium headless.

Rows come from the operator (real faceid-local, real Postgres); Airflow runs as its own processes
(tests.e2e.airflow_stack) with the simple auth manager and a user whose password the test sets.
The browser logs in through Airflow's login page, opens "FaceID" from the menu, and reads the page
inside Airflow's frame. A screenshot is saved as an artifact (path printed; FACEID_SCREENSHOT_DIR
to keep it elsewhere).
"""

from __future__ import annotations

import csv
import io
import json
import os
import secrets
import shutil
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
import requests
import sqlalchemy as sa

from tests.e2e.airflow_stack import AirflowStack
from tests.fixtures.faceid_local import FaceIdLocalServer
from tests.fixtures.postgres import airflow_connection_json
from tests.integration.plugins.loaded_target import (
    XCOM_DAG_ID,
    LoadedTarget,
    faceid_connection_env,
    load,
    xcom_dag,
)

pytestmark = [pytest.mark.e2e, pytest.mark.slow]

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
CHROMEDRIVER = shutil.which("chromedriver") or "/usr/bin/chromedriver"
POSTGRES_CONN_ID = "faceid_page_pg"
USER, ROLE = "viewer", "viewer"


@pytest.fixture
def target(
    postgres_url: str, faceid_local: FaceIdLocalServer, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> Iterator[LoadedTarget]:
    for key, value in faceid_connection_env(faceid_local).items():
        monkeypatch.setenv(key, value)
    monkeypatch.setenv(f"AIRFLOW_CONN_{POSTGRES_CONN_ID.upper()}", airflow_connection_json(postgres_url))
    schema = f"browser_{secrets.token_hex(4)}"
    try:
        yield load(root=tmp_path / "scans", postgres_conn_id=POSTGRES_CONN_ID, schema=schema)
    finally:
        engine = sa.create_engine(postgres_url, poolclass=sa.NullPool)
        with engine.begin() as conn:
            conn.exec_driver_sql(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE')
        engine.dispose()


def browser(downloads: Path) -> object:
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM
    for argument in ("--headless=new", "--no-sandbox", "--disable-gpu", "--window-size=1440,1700"):
        options.add_argument(argument)
    options.add_experimental_option("prefs", {"download.default_directory": str(downloads)})
    # An explicit driver path: Selenium Manager never looks for (or downloads) a browser or driver.
    return webdriver.Chrome(service=Service(executable_path=CHROMEDRIVER), options=options)


def counts(postgres_url: str, schema: str) -> dict[str, int]:
    engine = sa.create_engine(postgres_url, poolclass=sa.NullPool)
    with engine.connect() as conn:
        one = lambda q: int(conn.exec_driver_sql(q.format(s=f'"{schema}"')).scalar_one())  # noqa: E731
        found = {
            "loaded": one("SELECT count(*) FROM {s}.faceid_idcard"),
            "front": one("SELECT count(*) FROM {s}.faceid_idcard WHERE side = 'front'"),
            "failed": one("SELECT count(*) FROM {s}.faceid_idcard_failure"),
            "flagged": one("SELECT count(*) FROM {s}.faceid_idcard WHERE needs_recapture"),
            "permanent": one("SELECT count(*) FROM {s}.faceid_idcard_failure WHERE NOT retryable"),
        }
    engine.dispose()
    return found


def test_the_page_in_chromium_after_an_airflow_login(
    airflow_stack_factory: Callable[..., AirflowStack],
    target: LoadedTarget,
    faceid_local: FaceIdLocalServer,
    postgres_url: str,
    tmp_path: Path,
) -> None:
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support import expected_conditions as ec
    from selenium.webdriver.support.ui import WebDriverWait

    dags = tmp_path / "dags"
    dags.mkdir()
    dag_source, _ = xcom_dag(root=target.folder, postgres_conn_id=POSTGRES_CONN_ID, schema=target.schema)
    (dags / "faceid_page_xcom.py").write_text(dag_source, encoding="utf-8")
    password = secrets.token_urlsafe(12)
    passwords = tmp_path / "passwords.json"
    passwords.write_text(json.dumps({USER: password}))
    stack = airflow_stack_factory(
        config={
            "core.simple_auth_manager_all_admins": "False",
            "core.simple_auth_manager_users": f"{USER}:{ROLE}",
            "core.simple_auth_manager_passwords_file": str(passwords),
        },
        env={
            f"AIRFLOW_CONN_{POSTGRES_CONN_ID.upper()}": airflow_connection_json(postgres_url),
            **faceid_connection_env(faceid_local),
        },
        dags_folder=dags,
    )
    listed = json.loads(stack.cli("plugins", "--output", "json").stdout)
    assert "faceid" in [plugin["name"] for plugin in listed]
    # A run by Airflow itself, so that its summary is in the metadata database's XCom.
    stack.cli("dags", "test", XCOM_DAG_ID, timeout=300)
    # The targets as a Variable (the config option is read in tests/unit/plugins/test_targets.py).
    targets = json.dumps([{"conn_id": POSTGRES_CONN_ID, "schema": target.schema}])
    stack.cli("variables", "set", "faceid_dashboard_targets", targets)
    expected = counts(postgres_url, target.schema)
    assert expected["flagged"] >= 1 and expected["permanent"] >= 1  # the data the page must show

    # Anonymous: refused by the plugin's routes themselves, with or without a forged token.
    assert requests.get(f"{stack.base_url}/faceid/", timeout=30).status_code == 401
    assert requests.get(f"{stack.base_url}/faceid/api/summary", timeout=30).status_code == 401
    forged = {"Authorization": "Bearer eyJhbGciOiJIUzUxMiJ9.e30.AAAA"}
    assert requests.get(f"{stack.base_url}/faceid/api/summary", headers=forged, timeout=30).status_code in (
        401,
        403,
    )

    downloads = tmp_path / "downloads"
    downloads.mkdir()
    driver = browser(downloads)
    wait = WebDriverWait(driver, 60)
    artifact_dir = Path(os.environ.get("FACEID_SCREENSHOT_DIR") or tmp_path)
    try:
        driver.get(f"{stack.base_url}/")
        wait.until(ec.presence_of_element_located((By.NAME, "username"))).send_keys(USER)
        driver.find_element(By.NAME, "password").send_keys(password)
        driver.find_element(By.CSS_SELECTOR, "button[type=submit]").click()
        # Airflow's menu: Browse, then the plugin's entry.
        wait.until(ec.element_to_be_clickable((By.XPATH, "//button[normalize-space()='Browse']"))).click()
        wait.until(ec.element_to_be_clickable((By.XPATH, "//*[normalize-space(text())='FaceID']"))).click()
        frame = wait.until(ec.presence_of_element_located((By.TAG_NAME, "iframe")))
        assert frame.get_attribute("src").endswith("/faceid/")
        driver.switch_to.frame(frame)
        wait.until(ec.presence_of_element_located((By.ID, "chart-loads")))

        def total(element_id: str) -> int:
            return int(driver.find_element(By.ID, element_id).get_attribute("data-total"))

        assert total("chart-loads") == expected["loaded"]
        assert int(driver.find_element(By.ID, "total-loaded").text) == expected["loaded"]
        assert total("chart-failures") == expected["failed"]
        assert total("chart-number-check") == expected["front"]
        assert (
            int(driver.find_element(By.ID, "total-recapture").text)
            == expected["flagged"] + expected["permanent"]
        )
        queued = driver.find_elements(By.CSS_SELECTOR, "#queue tr.queued")
        assert len(queued) == expected["flagged"] + expected["permanent"]
        assert [r.get_attribute("data-kind") for r in queued].count("flagged") == expected["flagged"]
        assert any("number covered.jpg" in r.text and "number_missing" in r.text for r in queued)
        # The run Airflow made: its listed / duplicates / calls come from its XCom summary.
        (xcom_run,) = [
            r for r in driver.find_elements(By.CSS_SELECTOR, "#runs tr.run") if XCOM_DAG_ID in r.text
        ]
        cell = lambda name: xcom_run.find_element(By.CSS_SELECTOR, f"td.{name}").text  # noqa: E731
        assert (cell("listed"), cell("duplicates"), cell("calls")) == ("2", "1", "1")
        assert xcom_run.get_attribute("data-loaded") == "1"
        text = driver.find_element(By.TAG_NAME, "body").text
        assert not [s for s in target.secrets if s in text]
        csv_href = driver.find_element(By.ID, "csv").get_attribute("href")
        driver.switch_to.default_content()
        shot = artifact_dir / "faceid-page.png"
        driver.save_screenshot(str(shot))
        print(f"screenshot: {shot}")

        # The CSV link, with the browser's own session cookie.
        jar = {c["name"]: c["value"] for c in driver.get_cookies()}
        answer = requests.get(csv_href, cookies=jar, timeout=30)
        assert answer.status_code == 200 and "attachment" in answer.headers["content-disposition"]
        rows = list(csv.DictReader(io.StringIO(answer.text)))
        assert len(rows) == expected["flagged"] + expected["permanent"]
        assert not [s for s in target.secrets if s in answer.text]

        # Logged out (cookies gone), the same browser is refused.
        driver.delete_all_cookies()
        driver.get(f"{stack.base_url}/faceid/")
        assert "Not authenticated" in driver.find_element(By.TAG_NAME, "body").text
    finally:
        driver.quit()
