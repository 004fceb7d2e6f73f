"""The bad-input scenario: the operator over :func:`bad_inputs.make_bad_inputs`'s folder, then a re-run.

:func:`run_bad_inputs` is the measurement (tests assert on its :class:`BadInputRun`); the scenario
function :func:`bad_inputs_scenario` wraps it for ``benchmarks/reliability_report.py``: it makes its
own schema and Airflow connections, captures every log line and counts secret leaks.
"""

from __future__ import annotations

import contextlib
import io
import json
import logging
import secrets as token
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import sqlalchemy as sa

from airflow_provider_faceid.local.specimens.generate import generate, read_truth
from airflow_provider_faceid.local.specimens.seeds import TEST_SEEDS
from airflow_provider_faceid.operators.faceid import FaceIdOcrToPostgresOperator
from tests.fixtures.faceid_local import FaceIdLocalServer, start_faceid_local
from tests.reliability.bad_inputs import PATTERNS, RESULT, make_bad_inputs
from tests.reliability.invariants import InvariantReport, check_invariants, ledger
from tests.reliability.leaks import find_leaks
from tests.reliability.scenarios import (
    FACEID_CONN_ID,
    FAST_RETRIES,
    POSTGRES_CONN_ID,
    Bench,
    ScenarioResult,
    connection_env,
    environment,
    fresh_schema,
    requests_served,
    task_context,
)

SPECIMEN_SEED = TEST_SEEDS["bad_inputs"]
CARD_FIELDS = ("name", "id_card_number", "address")


@dataclass(frozen=True)
class BadInputRun:
    """What one run over the bad-input folder left behind. Keys of the dicts are file names."""

    folder: Path
    expected: dict[str, str]  # file name -> failure code or "result"
    fates: dict[str, str]  # what the tables say: "result", a failure code, or "lost"
    results: dict[str, dict[str, Any]]  # file name -> its results row
    failures: dict[str, dict[str, Any]]  # file name -> its failure row
    summary: dict[str, Any]
    rerun: dict[str, Any]
    rerun_requests: int  # HTTP requests faceid-local received during the re-run
    invariants: InvariantReport

    @property
    def staged_uris(self) -> list[str]:
        return [str(self.folder / name) for name in self.expected]


def front_specimen(out_dir: Path) -> Path:
    """One seeded front-side specimen (with its ``.json`` truth beside it)."""
    (front,) = [p for p in generate(count=1, out_dir=out_dir, seed=SPECIMEN_SEED)]
    assert read_truth(front)["side"] == "front"
    return front


def card_secrets(specimen: Path) -> list[str]:
    """The card contents that must never show outside the results table."""
    truth = read_truth(specimen)
    return [str(truth[k]) for k in CARD_FIELDS if truth.get(k)]


def run_bad_inputs(
    *,
    folder: Path,
    specimen: Path,
    server: FaceIdLocalServer,
    engine: sa.Engine,
    schema: str,
    faceid_conn_id: str,
    postgres_conn_id: str,
) -> BadInputRun:
    """Make the folder, run the operator over it, then run it again; the connections must exist."""
    expected = make_bad_inputs(folder, specimen=specimen)

    def operator() -> FaceIdOcrToPostgresOperator:
        return FaceIdOcrToPostgresOperator(
            task_id="bad_inputs",
            source=str(folder),
            pattern=PATTERNS,
            faceid_conn_id=faceid_conn_id,
            postgres_conn_id=postgres_conn_id,
            schema=schema,
            max_in_flight=2,
        )

    # A dict with the keys the operator reads stands in for the task context (see scenarios.py).
    summary = operator().execute(task_context("bad_inputs__1"))  # type: ignore[arg-type]
    before = requests_served(server)
    rerun = operator().execute(task_context("bad_inputs__2"))  # type: ignore[arg-type]
    rerun_requests = requests_served(server) - before

    book = ledger(engine, schema)
    by_uri = {str(folder / name): name for name in expected}
    results = {by_uri[u]: book.results[sha] for u, sha in book.sources.items() if sha in book.results}
    failures = {by_uri[u]: row for u, row in book.failures.items() if u in by_uri}
    fates = {
        name: RESULT if name in results else failures[name]["code"] if name in failures else "lost"
        for name in expected
    }
    return BadInputRun(
        folder=folder,
        expected=expected,
        fates=fates,
        results=results,
        failures=failures,
        summary=summary,
        rerun=rerun,
        rerun_requests=rerun_requests,
        invariants=check_invariants(engine, schema, [str(folder / name) for name in expected]),
    )


def table_texts(engine: sa.Engine, schema: str, *, table: str = "faceid_idcard") -> dict[str, list[str]]:
    """Every column of every row, as text, per table (JSON columns as their JSON)."""
    book = ledger(engine, schema, table=table)
    with engine.connect() as conn:
        query = sa.text(f'SELECT * FROM "{schema}"."{table}_source"')
        source_rows = [dict(r) for r in conn.execute(query).mappings()]
    return {
        table: [_row_text(r) for r in book.results.values()],
        f"{table}_source": [_row_text(r) for r in source_rows],
        f"{table}_failure": [_row_text(r) for r in book.failures.values()],
    }


def exception_texts(error: BaseException | None) -> list[str]:
    """str and repr of an exception and of every cause or context behind it."""
    texts: list[str] = []
    while error is not None:
        texts += [str(error), repr(error)]
        error = error.__cause__ or error.__context__
    return texts


def _row_text(row: Mapping[str, Any]) -> str:
    return json.dumps({k: v for k, v in row.items()}, ensure_ascii=False, default=str)


class _Collect(logging.Handler):
    def __init__(self) -> None:
        super().__init__(level=logging.DEBUG)
        self.lines: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        text = record.getMessage()
        if record.exc_info:
            text += "\n" + logging.Formatter().formatException(record.exc_info)
        self.lines.append(text)


@contextlib.contextmanager
def captured_logs() -> Iterator[list[str]]:
    """Every log record at DEBUG and above (message + traceback), plus what was printed meanwhile."""
    handler = _Collect()
    root = logging.getLogger()
    old_level = root.level
    root.addHandler(handler)
    root.setLevel(logging.DEBUG)
    out, err = io.StringIO(), io.StringIO()
    try:
        with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
            yield handler.lines
    finally:
        root.removeHandler(handler)
        root.setLevel(old_level)
        handler.lines += [out.getvalue(), err.getvalue()]


def bad_inputs_scenario(bench: Bench) -> ScenarioResult:
    """Run the bad-input folder end to end in a throwaway schema and count what landed where.

    ``leaks`` counts secrets (api_secret anywhere; the card's name, number and address anywhere but
    the results table) found in the log lines, the summaries, the tables and the server's log.
    """
    api_secret = f"bad-inputs-secret-{token.token_hex(8)}"
    workdir = bench.workdir / "bad_inputs"
    specimen = front_specimen(workdir / "specimen")
    server = start_faceid_local(
        api_key="bad-inputs-key", api_secret=api_secret, concurrency_limit=4, workers=1
    )
    problems: list[str] = []
    lines: list[str] = []
    texts: dict[str, list[str]] = {}
    run: BadInputRun | None = None
    try:
        env = connection_env(server=server, postgres_url=bench.postgres_url, extra=FAST_RETRIES)
        with (
            fresh_schema(bench.postgres_url) as (schema, engine),
            environment(env),
            captured_logs() as logged,
        ):
            try:
                run = run_bad_inputs(
                    folder=workdir / "staged",
                    specimen=specimen,
                    server=server,
                    engine=engine,
                    schema=schema,
                    faceid_conn_id=FACEID_CONN_ID,
                    postgres_conn_id=POSTGRES_CONN_ID,
                )
            except Exception as exc:  # the report shows a failed scenario instead of dying
                problems.append(f"the task raised {type(exc).__name__}: {exc}")
                lines += exception_texts(exc)
            texts = table_texts(engine, schema)
        lines += logged
    finally:
        server.stop(keep_log=True)
        lines.append(server.log())
        server.log_path.unlink(missing_ok=True)
    outside_results = [*lines, *problems, *texts.get("faceid_idcard_source", [])]
    outside_results += texts.get("faceid_idcard_failure", [])
    if run is not None:
        outside_results += [json.dumps(run.summary), json.dumps(run.rerun)]
    leaks = find_leaks(outside_results, [api_secret, *card_secrets(specimen)])
    leaks += find_leaks(texts.get("faceid_idcard", []), [api_secret])
    if leaks:
        problems.append(f"{len(leaks)} secret(s) in logs, summaries, tables or errors")
    if run is None:
        return ScenarioResult("bad_inputs", 0, 0, 0, 0, 0, len(leaks), problems=tuple(problems))
    report = run.invariants
    if not report.ok:
        problems.append(report.describe())
    wrong = {
        n: f"{run.expected[n]} != {run.fates[n]}" for n in run.expected if run.expected[n] != run.fates[n]
    }
    if wrong:
        problems.append(f"unexpected fates: {sorted(wrong.items())!r}")
    if run.rerun_requests or run.rerun["ocr_calls"]:
        problems.append(f"the re-run sent {run.rerun_requests} requests")
    expected_failures = sum(f != RESULT for f in run.expected.values())
    notes = f"{len(run.expected)} odd files, {expected_failures} expected failure rows; re-run: 0 calls"
    return ScenarioResult(
        name="bad_inputs",
        staged=report.staged,
        loaded=len(report.loaded),
        failed=len(report.failed),
        duplicates=report.duplicates,
        lost=len(report.lost) + len(report.both),
        leaks=len(leaks),
        notes=notes if not run.rerun_requests else notes.replace("0 calls", f"{run.rerun_requests} calls"),
        problems=tuple(problems),
    )
