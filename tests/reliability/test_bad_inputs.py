"""Hostile and odd files in the staged folder: each one ends as a clear failure row or a result.

Real faceid-local (real OCR engine), real PostgreSQL, the operator run in this process over the folder
of :func:`tests.reliability.bad_inputs.make_bad_inputs`, then run again.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
import sqlalchemy as sa

from airflow_provider_faceid import idnumber
from airflow_provider_faceid.local.specimens.generate import read_truth
from tests.fixtures.faceid_local import FaceIdLocalServer
from tests.reliability.bad_input_scenarios import (
    BadInputRun,
    bad_inputs_scenario,
    front_specimen,
    run_bad_inputs,
)
from tests.reliability.bad_inputs import ODD_NAMES, RESULT
from tests.reliability.scenarios import (
    FACEID_CONN_ID,
    FAST_RETRIES,
    POSTGRES_CONN_ID,
    connection_env,
    prepare_bench,
)

pytestmark = [pytest.mark.integration, pytest.mark.slow]

CARD_COPIES = ("png named.jpg", "photo 30MB.png", "upside down.jpg", *ODD_NAMES)


@pytest.fixture(scope="module")
def specimen(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return front_specimen(tmp_path_factory.mktemp("specimen"))


@pytest.fixture
def run(
    monkeypatch: pytest.MonkeyPatch,
    faceid_local_factory: Callable[..., FaceIdLocalServer],
    postgres_url: str,
    pg_schema: str,
    pg_engine: sa.Engine,
    specimen: Path,
    tmp_path: Path,
) -> Iterator[BadInputRun]:
    server = faceid_local_factory(concurrency_limit=4, workers=2)
    for key, value in connection_env(server=server, postgres_url=postgres_url, extra=FAST_RETRIES).items():
        monkeypatch.setenv(key, value)
    yield run_bad_inputs(
        folder=tmp_path / "staged",
        specimen=specimen,
        server=server,
        engine=pg_engine,
        schema=pg_schema,
        faceid_conn_id=FACEID_CONN_ID,
        postgres_conn_id=POSTGRES_CONN_ID,
    )


def test_every_bad_input_has_its_documented_fate(run: BadInputRun, specimen: Path) -> None:
    assert run.fates == run.expected
    report = run.invariants
    assert report.ok, report.describe()
    assert len(report.loaded) + len(report.failed) == len(run.expected)

    # The batch went on past every bad file: all were processed in the one run.
    summary = run.summary
    failures = sum(fate != RESULT for fate in run.expected.values())
    assert summary["listed"] == summary["processed"] == len(run.expected)
    assert summary["failed"] == failures
    assert summary["loaded"] + summary["duplicates"] == len(run.expected) - failures

    for name, row in run.failures.items():
        assert row["message"].strip(), f"{name!r}: a failure row must say why"
        assert row["retryable"] is False, f"{name!r}: a bad file does not get better by retrying"
    assert "symlink loop" in run.failures["loop.jpg"]["message"]
    assert "dangling symlink" in run.failures["dangling.jpg"]["message"]
    assert "not a regular file" in run.failures["fifo.jpg"]["message"]
    assert "400000000" in run.failures["bomb.png"]["message"]  # refused from the header
    assert "9000x9000 exceeds 60000000 pixels" in run.failures["bomb 81MP.png"]["message"]


def test_card_variants_are_read_correctly(run: BadInputRun, specimen: Path) -> None:
    truth = read_truth(specimen)
    for name in CARD_COPIES:
        row = run.results[name]
        assert row["side"] == "front", name
        assert row["id_card_number"] == truth["id_card_number"], name
        assert row["name"] == truth["name"], name
        assert row["number_check"] == 1, name
        assert row["id_card_number_masked"] == idnumber.mask(truth["id_card_number"])


def test_a_photo_of_no_card_is_a_result_flagged_for_recapture(run: BadInputRun) -> None:
    """docs/records.md: the API answers 200 with nothing read; the record says so, it is not a failure."""
    row = run.results["landscape.jpg"]
    assert row["side"] == "front"
    assert all(row[k] is None for k in ("name", "gender", "race", "address", "id_card_number", "birthday"))
    assert row["number_check"] == -1  # nothing to check
    assert row["needs_recapture"] is True
    assert "number_missing" in row["flags"] and "field_missing:name" in row["flags"]


def test_a_rerun_sends_nothing(run: BadInputRun) -> None:
    """Loaded and failed-for-good files are skipped by URI + size/etag, before any read.

    Entries listing could not stat (loop, dangling link, FIFO) have no size to compare, so each run
    looks at them again: no read, no call, and the same failure row is rewritten (a link fixed
    meanwhile is then picked up).
    """
    unstattable = sorted(n for n, code in run.expected.items() if code == "READ_ERROR")
    assert run.rerun_requests == 0 and run.rerun["ocr_calls"] == 0
    assert run.rerun["processed"] == run.rerun["failed"] == len(unstattable)
    assert run.rerun["failed_by_code"] == {"READ_ERROR": len(unstattable)}
    assert run.rerun["skipped"] == len(run.expected) - len(unstattable)
    assert run.invariants.ok


def test_the_report_scenario_passes(postgres_url: str, tmp_path: Path) -> None:
    """The scenario the reliability report prints, run as the report runs it."""
    result = bad_inputs_scenario(prepare_bench(workdir=tmp_path, postgres_url=postgres_url))
    assert result.problems == (), result.problems
    assert (result.lost, result.duplicates, result.leaks) == (0, 0, 0)
    assert result.staged == result.loaded + result.failed == 20
