"""Fault scenarios with real processes, shared by tests/reliability/test_faults.py and
benchmarks/reliability_report.py.

Each scenario stages a few distinct images (copies of rendered specimens that differ only by a JPEG
COM segment, so faceid-local's replay cache answers most of them without OCR), runs
FaceIdOcrToPostgresOperator in this process (or in a child process it kills), injects one fault
with a real process (500s, slow answers, a killed and restarted server, a concurrency-limit storm,
a restarted PostgreSQL, a killed task), re-runs the task once the fault is gone, and checks the
ledger invariant (tests/reliability/invariants.py) on the tables. A scenario never raises for a
broken invariant: it returns the violations in ``ScenarioResult.problems`` so the report can print
every scenario and the test can assert on it.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import functools
import io
import json
import logging
import os
import secrets
import signal
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import sqlalchemy as sa

from airflow_provider_faceid.local.specimens.generate import generate, read_truth
from airflow_provider_faceid.local.specimens.generate import with_jpeg_comment as with_comment
from airflow_provider_faceid.local.specimens.seeds import TEST_SEEDS
from tests.fixtures.faceid_local import FaceIdLocalServer, start_faceid_local
from tests.fixtures.postgres import (
    PgServer,
    airflow_connection_json,
    find_server_bindir,
    free_loopback_port,
    throwaway_cluster,
    throwaway_database,
)
from tests.reliability.invariants import InvariantReport, check_invariants, ledger
from tests.reliability.leaks import find_leaks
from tests.waiting import wait_for

FACEID_CONN_ID = "faceid_reliability"
POSTGRES_CONN_ID = "postgres_reliability"
BASE_SPECIMENS = 4
SPECIMEN_SEED = TEST_SEEDS["reliability"]


@dataclass(frozen=True)
class ScenarioResult:
    """One row of the reliability table: the ledger after the scenario (fault run + re-run).

    ``problems`` lists every violated expectation (empty when the scenario passed); ``notes`` says
    what the fault run left behind and what the re-run cost.
    """

    name: str
    staged: int
    loaded: int
    failed: int
    duplicates: int
    lost: int
    leaks: int
    notes: str = ""
    problems: tuple[str, ...] = ()


@dataclass(frozen=True)
class Bench:
    """What every scenario needs: a database, a scratch folder and the base specimens."""

    workdir: Path
    postgres_url: str
    bases: tuple[bytes, ...] = field(repr=False)
    card_secrets: tuple[str, ...] = field(repr=False)  # names and ID numbers printed on the bases


def prepare_bench(*, workdir: Path, postgres_url: str) -> Bench:
    """Render the base specimens once (two fronts, two backs) and note what is printed on them."""
    paths = generate(count=BASE_SPECIMENS, out_dir=workdir / "specimens", seed=SPECIMEN_SEED)
    card_secrets: list[str] = []
    for path in paths:
        truth = read_truth(path)
        card_secrets += [str(truth[k]) for k in ("name", "id_card_number") if truth.get(k)]
    return Bench(
        workdir=workdir,
        postgres_url=postgres_url,
        bases=tuple(p.read_bytes() for p in paths),
        card_secrets=tuple(card_secrets),
    )


def stage_copies(bench: Bench, *, name: str, count: int) -> tuple[Path, list[str]]:
    """``count`` distinct images in a new folder; returns the folder and the URIs the operator records."""
    folder = bench.workdir / name
    folder.mkdir(parents=True)
    uris = []
    for n in range(count):
        path = folder / f"card-{n:03d}.jpg"
        path.write_bytes(with_comment(bench.bases[n % len(bench.bases)], f"{name} copy {n}".encode()))
        uris.append(str(path))
    return folder, uris


# -- the task: connections, context, one run ------------------------------------------------------


def connection_env(*, server: FaceIdLocalServer, postgres_url: str, extra: dict[str, Any]) -> dict[str, str]:
    """The AIRFLOW_CONN_* variables through which the operator finds faceid-local and Postgres."""
    faceid = {
        "conn_type": "faceid",
        "host": server.url,
        "login": server.api_key,
        "password": server.api_secret,
        "extra": extra,
    }
    return {
        f"AIRFLOW_CONN_{FACEID_CONN_ID.upper()}": json.dumps(faceid),
        f"AIRFLOW_CONN_{POSTGRES_CONN_ID.upper()}": airflow_connection_json(postgres_url),
    }


@contextlib.contextmanager
def environment(values: dict[str, str]) -> Iterator[None]:
    saved = {k: os.environ.get(k) for k in values}
    os.environ.update(values)
    try:
        yield
    finally:
        for key, old in saved.items():
            if old is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = old


def task_context(run_id: str) -> dict[str, Any]:
    ti = SimpleNamespace(dag_id="faceid_reliability", task_id="ocr", run_id=run_id)
    return {"ti": ti, "dag_run": SimpleNamespace(run_id=run_id), "logical_date": dt.datetime(2026, 11, 25)}


@dataclass
class TaskRun:
    """How one execution of the operator ended, and every text it produced (for the leak check)."""

    summary: dict[str, Any] | None
    error: BaseException | None
    log: str

    def texts(self) -> list[str]:
        texts = [self.log, json.dumps(self.summary, ensure_ascii=False)]
        error: BaseException | None = self.error
        while error is not None:  # the whole chain: a cause may quote what the message does not
            texts += [str(error), repr(error)]
            error = error.__cause__ or error.__context__
        return texts


@contextlib.contextmanager
def captured_output() -> Iterator[list[str]]:
    """Everything written meanwhile, whichever way: stdlib log records (every logger, DEBUG up),
    ``sys.stdout``/``sys.stderr`` (Airflow's structlog task logger prints there) and the raw file
    descriptors 1 and 2 (a stream object bound before the redirect still writes to them).
    The texts are appended to the yielded list on exit."""
    collected: list[str] = []
    records = io.StringIO()
    handler = logging.StreamHandler(records)
    handler.setLevel(logging.DEBUG)
    handler.setFormatter(logging.Formatter("%(levelname)s %(name)s %(message)s"))
    root = logging.getLogger()
    old_level = root.level
    streams = io.StringIO()
    with tempfile.TemporaryFile() as raw:
        for stream in (sys.stdout, sys.stderr, sys.__stdout__, sys.__stderr__):
            if stream is not None:
                stream.flush()
        saved = [os.dup(1), os.dup(2)]
        os.dup2(raw.fileno(), 1)
        os.dup2(raw.fileno(), 2)
        root.addHandler(handler)
        root.setLevel(logging.DEBUG)
        try:
            with contextlib.redirect_stdout(streams), contextlib.redirect_stderr(streams):
                yield collected
        finally:
            root.removeHandler(handler)
            root.setLevel(old_level)
            for stream in (sys.stdout, sys.stderr, sys.__stdout__, sys.__stderr__):
                if stream is not None:
                    stream.flush()
            os.dup2(saved[0], 1)
            os.dup2(saved[1], 2)
            for fd in saved:
                os.close(fd)
            raw.seek(0)
            collected += [records.getvalue(), streams.getvalue(), raw.read().decode(errors="replace")]


def run_task(
    *, source: Path, schema: str, run_id: str, capture: bool = True, **operator_kwargs: Any
) -> TaskRun:
    """``execute`` the operator here, capturing every log line and everything printed (unless
    ``capture`` is False: a task process about to be killed must write straight to its parent)."""
    from airflow_provider_faceid.operators.faceid import FaceIdOcrToPostgresOperator

    summary: dict[str, Any] | None = None
    error: BaseException | None = None
    capturing: contextlib.AbstractContextManager[list[str]] = (
        captured_output() if capture else contextlib.nullcontext([])
    )
    with capturing as output:
        try:
            operator = FaceIdOcrToPostgresOperator(
                task_id="ocr",
                source=str(source),
                faceid_conn_id=FACEID_CONN_ID,
                postgres_conn_id=POSTGRES_CONN_ID,
                schema=schema,
                **operator_kwargs,
            )
            summary = operator.execute(task_context(run_id))  # type: ignore[arg-type]
        except Exception as exc:  # the scenario decides whether failing was acceptable
            error = exc
    return TaskRun(summary=summary, error=error, log="\n".join(output))


def requests_served(server: FaceIdLocalServer) -> int:
    return sum(int(n) for n in server.counters()["requests_by_status"].values())


def table_texts(engine: sa.Engine, schema: str) -> list[str]:
    """The failure and source ledgers as text. The results table holds the cards' fields by design."""
    book = ledger(engine, schema)
    return [repr(sorted(book.failures.items())), repr(sorted(book.sources.items()))]


def count_leaks(texts: Iterable[str], card_secrets: Iterable[str]) -> list[str]:
    """Which secrets appear in ``texts``, in any spelling :mod:`tests.reliability.leaks` knows."""
    return find_leaks(texts, card_secrets)


@contextlib.contextmanager
def fresh_schema(url: str) -> Iterator[tuple[str, sa.Engine]]:
    name = f"rel_{secrets.token_hex(5)}"
    engine = sa.create_engine(url, poolclass=sa.NullPool)
    with engine.begin() as conn:
        conn.exec_driver_sql(f'CREATE SCHEMA "{name}"')
    try:
        yield name, engine
    finally:
        with contextlib.suppress(sa.exc.SQLAlchemyError), engine.begin() as conn:
            conn.exec_driver_sql(f'DROP SCHEMA IF EXISTS "{name}" CASCADE')
        engine.dispose()


def source_rows(engine: sa.Engine, schema: str) -> int:
    """Committed source rows; 0 while the tables do not exist yet or the server is down."""
    try:
        with engine.connect() as conn:
            return int(
                conn.execute(sa.text(f'SELECT count(*) FROM "{schema}".faceid_idcard_source')).scalar_one()
            )
    except sa.exc.SQLAlchemyError:
        return 0


# -- the common shape: fault run, checks, re-run on a calm server, final ledger ---------------------

FAST_RETRIES = {"backoff_initial": 0.05, "backoff_max": 0.5, "max_attempts": 8, "retry_deadline": 60}


@dataclass
class Scenario:
    """Bookkeeping of one scenario: what was staged, the texts to grep, the problems found."""

    name: str
    bench: Bench
    uris: list[str]
    engine: sa.Engine
    schema: str
    api_secret: str = field(default_factory=lambda: f"rel-secret-{secrets.token_hex(8)}", repr=False)
    texts: list[str] = field(default_factory=list, repr=False)
    problems: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    def server(self, **options: Any) -> FaceIdLocalServer:
        return start_faceid_local(api_key="rel-key", api_secret=self.api_secret, **options)

    def check(self, condition: bool, problem: str) -> None:
        if not condition:
            self.problems.append(problem)

    def keep(self, run: TaskRun) -> None:
        self.texts += run.texts()
        # A leak check that sees no task log would pass vacuously.
        self.check(run.summary is None or "FaceID summary" in run.log, "the task log was not captured")

    def keep_server_log(self, server: FaceIdLocalServer) -> None:
        with contextlib.suppress(OSError):
            self.texts.append(server.log())

    def invariants(self, stage: str) -> InvariantReport:
        report = check_invariants(self.engine, self.schema, self.uris)
        self.check(
            not (report.duplicates or report.both or report.dangling or report.unexplained),
            f"{stage}: {report.describe()}",
        )
        return report

    def failures_are_retryable(self, stage: str, *, codes: set[str]) -> None:
        for uri, row in ledger(self.engine, self.schema).failures.items():
            self.check(
                bool(row["retryable"]) and row["code"] in codes,
                f"{stage}: {Path(uri).name} failed {row['code']} retryable={row['retryable']}, "
                f"expected a retryable one of {sorted(codes)}",
            )

    def rerun_on_calm_server(self, *, source: Path, in_flight: int = 4) -> TaskRun:
        """Re-run after the fault: exactly one call per image not loaded yet, none for loaded ones."""
        before = check_invariants(self.engine, self.schema, self.uris)
        server = self.server(concurrency_limit=4, workers=1)
        try:
            env = connection_env(server=server, postgres_url=self.bench.postgres_url, extra=FAST_RETRIES)
            with environment(env):
                run = run_task(source=source, schema=self.schema, run_id="rerun__1", max_in_flight=in_flight)
            self.keep(run)
            calls = requests_served(server)
        finally:
            self.keep_server_log(server)
            server.stop()
        unloaded = len(self.uris) - len(before.loaded)
        self.check(run.error is None, f"re-run raised {type(run.error).__name__}: {run.error}")
        self.check(calls == unloaded, f"re-run sent {calls} requests for {unloaded} images not loaded")
        after = self.invariants("after re-run")
        self.check(
            len(after.loaded) == len(self.uris),
            f"after re-run only {len(after.loaded)} of {len(self.uris)} loaded",
        )
        skipped = int((run.summary or {}).get("skipped_by_reason", {}).get("loaded", 0))
        self.check(skipped == len(before.loaded), f"re-run skipped {skipped} of {len(before.loaded)} loaded")
        zero = calls == unloaded and skipped == len(before.loaded)
        self.notes.append(
            f"re-run: {calls} calls for {unloaded} not loaded" + (", 0 for loaded" if zero else "")
        )
        return run

    def result(self) -> ScenarioResult:
        final = check_invariants(self.engine, self.schema, self.uris)
        leaked = count_leaks(
            [*self.texts, *table_texts(self.engine, self.schema)],
            [self.api_secret, *self.bench.card_secrets],
        )
        self.check(not leaked, f"{len(leaked)} secret(s) appear in logs, summary, tables or errors")
        return ScenarioResult(
            name=self.name,
            staged=final.staged,
            loaded=len(final.loaded),
            failed=len(final.failed),
            duplicates=final.duplicates,
            lost=len(final.lost) + len(final.both),
            leaks=len(leaked),
            notes="; ".join(self.notes),
            problems=tuple(self.problems),
        )


@contextlib.contextmanager
def scenario(
    bench: Bench, *, name: str, count: int, url: str | None = None
) -> Iterator[tuple[Scenario, Path]]:
    source, uris = stage_copies(bench, name=name, count=count)
    with fresh_schema(url or bench.postgres_url) as (schema, engine):
        yield Scenario(name=name, bench=bench, uris=uris, engine=engine, schema=schema), source


def fault_run(
    sc: Scenario,
    server: FaceIdLocalServer,
    *,
    source: Path,
    extra: dict[str, Any],
    postgres_url: str | None = None,
    **operator_kwargs: Any,
) -> TaskRun:
    env = connection_env(server=server, postgres_url=postgres_url or sc.bench.postgres_url, extra=extra)
    with environment(env):
        run = run_task(source=source, schema=sc.schema, run_id="fault__1", **operator_kwargs)
    sc.keep(run)
    return run


def loaded_failed(sc: Scenario, stage: str, *, finished: bool) -> InvariantReport:
    """The ledger after the fault run; a task that ended on its own must have settled every image."""
    report = sc.invariants(stage)
    sc.check(
        not (finished and report.lost),
        f"{stage}: the task finished but {len(report.lost)} images are unsettled",
    )
    sc.notes.append(
        f"{stage}: {len(report.loaded)} loaded, {len(report.failed)} failed, {len(report.lost)} unsettled"
    )
    return report


# -- the scenarios --------------------------------------------------------------------------------


def injected_500s(bench: Bench, *, count: int = 16) -> ScenarioResult:
    """20 % of admitted requests answered 500: the hook retries them, everything loads."""
    with scenario(bench, name="injected_500s", count=count) as (sc, source):
        server = sc.server(concurrency_limit=4, workers=1, fail_rate=0.2, seed=3)
        try:
            run = fault_run(sc, server, source=source, extra=FAST_RETRIES, max_in_flight=4)
            injected = int(server.counters()["injected_failures"])
            sc.check(run.error is None, f"the task raised {type(run.error).__name__}")
            sc.check(injected > 0, "the fail rate injected no 500: the scenario tested nothing")
            report = loaded_failed(sc, "fault run", finished=run.error is None)
            sc.check(
                len(report.loaded) == count, f"only {len(report.loaded)} of {count} loaded despite retries"
            )
            sc.notes.append(f"{injected} injected 500s retried")
            before = requests_served(server)
            env = connection_env(server=server, postgres_url=bench.postgres_url, extra=FAST_RETRIES)
            with environment(env):
                sc.keep(run_task(source=source, schema=sc.schema, run_id="rerun__1", max_in_flight=4))
            again = requests_served(server) - before
            sc.check(again == 0, f"the re-run of a loaded folder sent {again} requests")
            sc.notes.append(f"re-run: {again} calls")
        finally:
            sc.keep_server_log(server)
            server.stop()
        return sc.result()


def latency_spikes(bench: Bench, *, count: int = 12) -> ScenarioResult:
    """Answers take 200 ms + up to 1.5 s against a 1 s read timeout: retried, else retryable TIMEOUT rows."""
    with scenario(bench, name="latency_spikes", count=count) as (sc, source):
        # Enough slots that requests the client abandoned (the server still works on them) do not
        # turn the scenario into a concurrency-limit one.
        server = sc.server(concurrency_limit=12, workers=1, latency_ms=200, latency_jitter_ms=1500, seed=5)
        extra = {"timeout": 1.0, "backoff_initial": 0.05, "backoff_max": 0.2, "max_attempts": 3}
        try:
            run = fault_run(sc, server, source=source, extra=extra, max_in_flight=4)
        finally:
            sc.keep_server_log(server)
            server.stop()
        sc.check(run.error is None, f"the task raised {type(run.error).__name__}")
        summary = run.summary or {}
        timeouts = int(summary.get("failed_by_code", {}).get("TIMEOUT", 0))
        sc.check(
            summary.get("retries", 0) > 0 or timeouts > 0, "no request timed out: the scenario tested nothing"
        )
        loaded_failed(sc, "fault run", finished=run.error is None)
        sc.failures_are_retryable("fault run", codes={"TIMEOUT"})
        sc.notes.append(f"{summary.get('retries', 0)} retries, {timeouts} TIMEOUT rows")
        sc.rerun_on_calm_server(source=source)
        return sc.result()


def server_killed_and_restarted(bench: Bench, *, count: int = 16) -> ScenarioResult:
    """faceid-local SIGKILLed mid-run and started again on the same port 1 s later."""
    with scenario(bench, name="server_killed", count=count) as (sc, source):
        port = free_loopback_port()
        options: dict[str, Any] = {
            "concurrency_limit": 4,
            "workers": 1,
            "latency_ms": 300,
            "extra_args": (f"--port={port}",),  # after --port=0 in the fixture's arguments: this one wins
        }
        first = sc.server(**options)
        restarted: list[FaceIdLocalServer] = []
        served_before_kill: list[int] = []

        def kill_and_restart() -> None:
            wait_for(lambda: source_rows(sc.engine, sc.schema) > 0 or requests_served(first) >= 3, timeout=30)
            served_before_kill.append(requests_served(first))
            first.process.send_signal(signal.SIGKILL)
            first.process.wait(timeout=10)
            time.sleep(1.0)  # connections refused meanwhile
            restarted.append(sc.server(**options))

        extra = {"backoff_initial": 0.2, "backoff_max": 1.0, "max_attempts": 12, "retry_deadline": 60}
        killer = threading.Thread(target=kill_and_restart, daemon=True)
        try:
            killer.start()
            run = fault_run(sc, first, source=source, extra=extra, max_in_flight=2, commit_every=4)
            killer.join(timeout=60)
        finally:
            for server in (first, *restarted):
                sc.keep_server_log(server)
                server.stop()
        sc.check(bool(restarted), "faceid-local was not restarted")
        sc.check(run.error is None, f"the task raised {type(run.error).__name__}")
        served = served_before_kill[0] if served_before_kill else 0
        sc.check(served < count, "the kill landed after the run: the scenario tested nothing")
        summary = run.summary or {}
        sc.notes.append(f"killed after {served} requests, {summary.get('retries', 0)} retries")
        loaded_failed(sc, "fault run", finished=run.error is None)
        sc.failures_are_retryable("fault run", codes={"CONNECTION_ERROR", "TIMEOUT", "INTERNAL_ERROR"})
        sc.rerun_on_calm_server(source=source)
        return sc.result()


def concurrency_storm(bench: Bench, *, count: int = 12) -> ScenarioResult:
    """Account limit 1, 8 requests in flight: CONCURRENCY_LIMIT_EXCEEDED storms, AIMD, nothing dropped."""
    with scenario(bench, name="concurrency_storm", count=count) as (sc, source):
        server = sc.server(concurrency_limit=1, workers=1, latency_ms=150)
        try:
            run = fault_run(sc, server, source=source, extra=FAST_RETRIES, max_in_flight=8)
            counters = server.counters()
        finally:
            sc.keep_server_log(server)
            server.stop()
        rejections = int(counters["concurrency_rejections"])
        sc.check(run.error is None, f"the task raised {type(run.error).__name__}")
        sc.check(rejections > 0, "the limit was never hit: the scenario tested nothing")
        sc.check(int(counters["max_in_flight"]) <= 1, "faceid-local let more than its limit in")
        report = loaded_failed(sc, "fault run", finished=run.error is None)
        sc.check(
            len(report.loaded) == count, f"{count - len(report.loaded)} images dropped for limit answers"
        )
        sc.notes.append(f"{rejections} limit answers")
        sc.rerun_on_calm_server(source=source)
        return sc.result()


def pg_ctl(cluster_data_dir: Path, *args: str) -> subprocess.CompletedProcess[str]:
    bindir = find_server_bindir()
    if bindir is None:
        raise RuntimeError("no pg_ctl found")
    prefix = ["runuser", "-u", "postgres", "--"] if os.geteuid() == 0 else []
    log = cluster_data_dir.parent / "server.log"
    return subprocess.run(
        [*prefix, str(bindir / "pg_ctl"), "-D", str(cluster_data_dir), "-l", str(log), *args],
        capture_output=True,
        text=True,
        timeout=60,
        stdin=subprocess.DEVNULL,
    )


def bounce_postgres(cluster: PgServer, *, down_seconds: float) -> list[subprocess.CompletedProcess[str]]:
    """Fast shutdown of the throwaway cluster, then start it again ``down_seconds`` later."""
    assert cluster.data_dir is not None
    if not down_seconds:
        return [pg_ctl(cluster.data_dir, "-m", "fast", "-w", "-t", "30", "restart")]
    stopped = pg_ctl(cluster.data_dir, "-m", "fast", "-w", "-t", "30", "stop")
    time.sleep(down_seconds)
    # Same options as tests/fixtures/postgres.py's start (``restart`` would reuse them by itself).
    options = f"-p {cluster.port} -k {cluster.data_dir.parent / 'sock'} -c listen_addresses={cluster.host}"
    return [stopped, pg_ctl(cluster.data_dir, "-o", f"{options} -c fsync=off", "-w", "-t", "30", "start")]


def postgres_restarted(bench: Bench, *, count: int = 16, down_seconds: float = 0.0) -> ScenarioResult:
    """The results database goes away after the first committed batch: a fast restart (pooled
    connections die; pre-ping replaces them) or, with ``down_seconds``, an outage a write runs into
    (the task fails; the re-run redoes what was not committed)."""
    name = "postgres_outage" if down_seconds else "postgres_restarted"
    with (
        throwaway_cluster() as cluster,
        throwaway_database(cluster) as url,
        scenario(bench, name=name, count=count, url=url) as (sc, source),
    ):
        sc.bench = Bench(
            workdir=bench.workdir, postgres_url=url, bases=bench.bases, card_secrets=bench.card_secrets
        )
        server = sc.server(concurrency_limit=4, workers=1, latency_ms=250)
        restarts: list[subprocess.CompletedProcess[str]] = []
        restarted_at: list[float] = []

        def restart() -> None:
            wait_for(lambda: source_rows(sc.engine, sc.schema) >= 2, timeout=30)
            restarted_at.append(time.monotonic())
            restarts.extend(bounce_postgres(cluster, down_seconds=down_seconds))

        restarter = threading.Thread(target=restart, daemon=True)
        try:
            restarter.start()
            run = fault_run(
                sc,
                server,
                source=source,
                extra=FAST_RETRIES,
                postgres_url=url,
                max_in_flight=2,
                commit_every=2,
            )
            run_ended = time.monotonic()
            restarter.join(timeout=60)
            served = requests_served(server)
        finally:
            sc.keep_server_log(server)
            server.stop()
        sc.check(
            bool(restarts) and all(r.returncode == 0 for r in restarts),
            f"pg_ctl failed: {[r.stderr.strip() for r in restarts if r.returncode]}",
        )
        outcome = "survived" if run.error is None else f"failed with {type(run.error).__name__}"
        loaded_failed(sc, "fault run", finished=run.error is None)
        sc.notes.insert(0, f"task {outcome} after {served} calls")
        sc.check(bool(restarted_at) and restarted_at[0] < run_ended, "the restart landed after the run")
        sc.rerun_on_calm_server(source=source)
        return sc.result()


def task_killed(
    bench: Bench, *, count: int = 16, commit_every: int = 4, max_in_flight: int = 2
) -> ScenarioResult:
    """The task process SIGKILLed between two commits; the re-run redoes only the uncommitted images."""
    with scenario(bench, name="task_killed", count=count) as (sc, source):
        server = sc.server(concurrency_limit=4, workers=1, latency_ms=300)
        try:
            env = connection_env(server=server, postgres_url=bench.postgres_url, extra=FAST_RETRIES)
            command = [
                sys.executable,
                "-m",
                "tests.reliability.task_runner",
                f"--source={source}",
                f"--schema={sc.schema}",
                f"--commit-every={commit_every}",
                f"--max-in-flight={max_in_flight}",
            ]
            # A file, not a pipe: a child writing into a full pipe nobody reads would block.
            child_output = sc.bench.workdir / "task_killed.log"
            with child_output.open("wb") as out:
                child = subprocess.Popen(
                    command,
                    env={**os.environ, **env, "PYTHONPATH": str(Path(__file__).resolve().parents[2])},
                    stdout=out,
                    stderr=subprocess.STDOUT,
                )
            # Kill after the first commit, once an answer of the next batch has arrived: an event, so
            # neither a slow machine nor a fast one moves the kill out of the batch.
            committed = wait_for(
                lambda: commit_every <= source_rows(sc.engine, sc.schema) < requests_served(server),
                timeout=60,
            )
            child.send_signal(signal.SIGKILL)
            child.wait(timeout=30)
            output = child_output.read_text(errors="replace")
            sc.texts.append(output)
            # The requests the child had in flight are answered (and paid) after its death too.
            wait_for(lambda: server.counters()["in_flight"] == 0, timeout=60)
            served = requests_served(server)
        finally:
            sc.keep_server_log(server)
            server.stop()
        sc.check(committed, "the child never committed a batch")
        sc.check("Reading ID cards" in output, "the killed task's log was not captured")
        sc.check(
            child.returncode == -signal.SIGKILL, f"the child exited with {child.returncode}, not by SIGKILL"
        )
        report = loaded_failed(sc, "after kill", finished=False)
        settled = len(report.loaded) + len(report.failed)
        sc.check(settled < count, "the kill landed after the run")
        sc.check(
            settled % commit_every == 0, f"{settled} images committed: not whole batches of {commit_every}"
        )
        # Paid for and lost: the images of the batch being built (commit_every at most, while it is
        # written) and the answers the runner holds for the consumer (in flight and queued: twice
        # max_in_flight, its default queue).
        wasted = served - settled
        at_most = commit_every + 2 * max_in_flight
        sc.check(wasted <= at_most, f"{wasted} calls lost to the kill, more than {at_most}")
        sc.notes.append(f"{served} calls before the kill, {wasted} of them for images not committed")
        sc.rerun_on_calm_server(source=source)
        return sc.result()


FAULT_SCENARIOS: dict[str, Callable[[Bench], ScenarioResult]] = {
    "injected_500s": injected_500s,
    "latency_spikes": latency_spikes,
    "server_killed": server_killed_and_restarted,
    "concurrency_storm": concurrency_storm,
    "postgres_restarted": postgres_restarted,
    "postgres_outage": functools.partial(postgres_restarted, down_seconds=2.0),
    "task_killed": task_killed,
}
