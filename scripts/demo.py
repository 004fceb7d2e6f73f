"""The one-command demo: synthetic ID cards -> faceid-local -> the daily example DAG -> PostgreSQL.

Run through ``scripts/demo.sh`` (which first runs ``scripts/setup.sh``). It starts everything it
needs on loopback, runs ``airflow dags test faceid_idcards_daily <date>`` twice in a throwaway
AIRFLOW_HOME, prints what landed (names and numbers masked) and the task's summary, and shows that
the second run sent no OCR request. Everything it started is stopped and removed on exit, Ctrl-C and
SIGTERM included; the ``faceid_demo`` database on a local server is kept for inspection unless
``--drop-database`` is given (a throwaway cluster goes away with everything in it).
"""

from __future__ import annotations

import argparse
import contextlib
import datetime as dt
import json
import os
import re
import secrets
import signal
import sqlite3
import subprocess
import sys
import tempfile
import time
import unicodedata
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parent.parent
# The test fixtures already know how to find or start PostgreSQL and faceid-local: reuse them.
sys.path.insert(0, str(REPO))

import psycopg  # noqa: E402

from airflow_provider_faceid.idnumber import mask as mask_number  # noqa: E402
from airflow_provider_faceid.local.specimens.seeds import DEMO_SEED  # noqa: E402
from airflow_provider_faceid.privacy import mask_name  # noqa: E402
from tests.fixtures.faceid_local import FaceIdLocalServer, start_faceid_local  # noqa: E402
from tests.fixtures.postgres import (  # noqa: E402
    PgServer,
    airflow_connection_json,
    local_server_answers,
    throwaway_cluster,
)

DAG_ID = "faceid_idcards_daily"
TASK_ID = "ocr_idcards"
TABLE = "faceid_idcard"
API_KEY = "demo-key"
CONCURRENCY_LIMIT = 4
AIRFLOW = str(Path(sys.executable).with_name("airflow"))
FACEID_LOCAL = str(Path(sys.executable).with_name("faceid-local"))
SHOWN_ROWS = 12
# The last line of a Python traceback: "package.module.SomeError: message".
EXCEPTION_LINE = re.compile(r"^[\w.]+(Error|Exception|Exit): ")
NO_POSTGRES = (
    "The demo needs PostgreSQL: a server on 127.0.0.1:5432 accepting user 'postgres' without a password, "
    "or the server binaries for a throwaway cluster (apt-get install postgresql; as root, an OS user "
    "'postgres' must exist, which that package creates)."
)
SUMMARY_KEYS = (
    "listed",
    "skipped",
    "processed",
    "loaded",
    "duplicates",
    "failed",
    "flagged",
    "needs_recapture",
    "ocr_calls",
    "retries",
    "limit_answers",
    "seconds",
)


@dataclass
class Demo:
    """What one demo run holds: where things are and the secret that must never be printed."""

    root: Path
    day: str
    database: str
    server: PgServer | None = None
    faceid: FaceIdLocalServer | None = None
    api_secret: str = field(default_factory=lambda: "demo-" + secrets.token_hex(12), repr=False)
    started: float = field(default_factory=time.monotonic)

    @property
    def airflow_home(self) -> Path:
        return self.root / "airflow"

    @property
    def staging_root(self) -> Path:
        return self.root / "staging"

    def say(self, message: str) -> None:
        print(f"[{time.monotonic() - self.started:6.1f}s] {message}", flush=True)

    def scrub(self, text: str) -> str:
        """Belt and braces over Airflow's own masking: the secret never reaches the terminal."""
        return text.replace(self.api_secret, "***")


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_args(argv)
    # SIGTERM/SIGHUP unwind like Ctrl-C, so every `finally` below stops what was started.
    for signum in (signal.SIGTERM, signal.SIGHUP):
        signal.signal(signum, _raise_interrupt)
    with tempfile.TemporaryDirectory(prefix="faceid-demo-") as tmp:
        demo = Demo(root=Path(tmp), day=args.date, database=args.database)
        print(
            f"faceid demo: {args.count} synthetic ID cards -> faceid-local -> Airflow DAG {DAG_ID} "
            f"({demo.day}) -> PostgreSQL",
            flush=True,
        )
        try:
            with postgres(demo, prefer=args.postgres, drop=args.drop_database), faceid_local(demo):
                make_specimens(demo, count=args.count, seed=args.seed)
                env = airflow_env(demo)
                migrate(demo, env)
                first = run_dag(demo, env, label="run 1")
                print_rows(demo)
                print_summary("run 1", first)
                before = demo.faceid.counters() if demo.faceid else {}
                second = run_dag(demo, env, label="run 2 (same day again)")
                after = demo.faceid.counters() if demo.faceid else {}
                print_summary("run 2", second)
                print_second_run_calls(second, before, after)
        except KeyboardInterrupt:
            print("\ninterrupted: stopped everything the demo started", file=sys.stderr, flush=True)
            return 130
        except DemoError as exc:
            print(f"demo failed: {demo.scrub(str(exc))}", file=sys.stderr, flush=True)
            return 1
    demo.say("done: faceid-local stopped, temporary files removed")
    return 0


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    yesterday = (dt.datetime.now(dt.timezone.utc).date() - dt.timedelta(days=1)).isoformat()
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--count", type=int, default=40, help="synthetic cards to stage (default 40)")
    parser.add_argument("--date", default=yesterday, help="logical date to run (default: yesterday, UTC)")
    parser.add_argument("--seed", type=int, default=DEMO_SEED, help="seed of the specimen generator")
    parser.add_argument(
        "--database",
        default="faceid_demo",
        help="database created (again, empty) on the PostgreSQL server (default faceid_demo)",
    )
    parser.add_argument(
        "--postgres",
        choices=("auto", "cluster"),
        default="auto",
        help="auto: the server on 127.0.0.1:5432 if it answers, else a throwaway cluster (cluster: always)",
    )
    parser.add_argument(
        "--drop-database",
        action="store_true",
        help="drop the database at the end (default: keep it on a local server to look at the rows)",
    )
    args = parser.parse_args(argv)
    dt.date.fromisoformat(args.date)
    return args


class DemoError(RuntimeError):
    """A step failed; the message says which and shows the end of its (masked) log."""


def _raise_interrupt(signum: int, _frame: object) -> None:
    raise KeyboardInterrupt(signal.Signals(signum).name)


@contextlib.contextmanager
def postgres(demo: Demo, *, prefer: str, drop: bool) -> Iterator[None]:
    """The server on 127.0.0.1:5432 if it answers (``prefer="auto"``), else a throwaway cluster."""
    local = local_server_answers() if prefer == "auto" else None
    if local is not None:
        demo.server = local
        recreate_database(local, demo.database)
        demo.say(f"PostgreSQL: server on {local.host}:{local.port}, database {demo.database} (created empty)")
        try:
            yield
        finally:
            if drop:
                with local.admin_connect() as conn:
                    conn.execute(f'DROP DATABASE IF EXISTS "{demo.database}" WITH (FORCE)')
        if not drop:
            demo.say(
                f"kept database {demo.database}: psql -h {local.host} -p {local.port} -U {local.user} "
                f"-d {demo.database} (or pass --drop-database to remove it at the end)"
            )
        return
    demo.say("PostgreSQL: starting a throwaway cluster (initdb in a temporary folder)")
    with contextlib.ExitStack() as stack:
        try:
            cluster = stack.enter_context(throwaway_cluster())
        except RuntimeError as exc:
            raise DemoError(f"{exc}. {NO_POSTGRES}") from None
        demo.server = cluster
        recreate_database(cluster, demo.database)
        demo.say(f"PostgreSQL: throwaway cluster on {cluster.host}:{cluster.port}, database {demo.database}")
        yield


def recreate_database(server: PgServer, name: str) -> None:
    # The demo shows a first run paying for every card and a second paying for none: it needs a
    # database without rows from an earlier demo.
    with server.admin_connect() as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        conn.execute(f"CREATE DATABASE \"{name}\" TEMPLATE template0 ENCODING 'UTF8' LOCALE 'C'")


@contextlib.contextmanager
def faceid_local(demo: Demo) -> Iterator[None]:
    workers = max(1, min(2, os.cpu_count() or 1))
    try:
        server = start_faceid_local(
            api_key=API_KEY,
            api_secret=demo.api_secret,
            concurrency_limit=CONCURRENCY_LIMIT,
            workers=workers,
        )
    except RuntimeError as exc:
        raise DemoError(str(exc)) from None
    demo.faceid = server
    demo.say(
        f"faceid-local: {server.url} (api_key {API_KEY}, concurrency limit {CONCURRENCY_LIMIT}, "
        f"{workers} OCR workers)"
    )
    try:
        yield
    finally:
        server.stop()


def make_specimens(demo: Demo, *, count: int, seed: int) -> None:
    folder = demo.staging_root / demo.day
    run_logged(
        demo,
        [FACEID_LOCAL, "specimens", "--count", str(count), "--out", str(folder), "--seed", str(seed)],
        env=dict(os.environ),
        log_name="specimens.log",
        step="faceid-local specimens",
    )
    demo.say(f"{count} synthetic cards (+ ground truth .json) in {folder}/")


def airflow_env(demo: Demo) -> dict[str, str]:
    assert demo.server is not None and demo.faceid is not None
    # A user's own Airflow settings must not leak into the demo (other DAGs, another metadata DB).
    env = {k: v for k, v in os.environ.items() if not k.startswith(("AIRFLOW_", "AIRFLOW__"))}
    faceid_conn = {
        "conn_type": "faceid",
        "host": demo.faceid.url,
        "login": API_KEY,
        "password": demo.api_secret,
    }
    env.update(
        AIRFLOW_HOME=str(demo.airflow_home),
        AIRFLOW__DATABASE__SQL_ALCHEMY_CONN=f"sqlite:///{demo.airflow_home / 'airflow.db'}",
        AIRFLOW__CORE__DAGS_FOLDER=str(REPO / "dags"),
        AIRFLOW__CORE__LOAD_EXAMPLES="False",
        AIRFLOW__CORE__UNIT_TEST_MODE="False",
        AIRFLOW_CONN_FACEID_DEFAULT=json.dumps(faceid_conn),
        AIRFLOW_CONN_FACEID_RESULTS=airflow_connection_json(demo.server.url(demo.database)),
        AIRFLOW_VAR_FACEID_STAGING_ROOT=str(demo.staging_root),
        # One task with as many requests in flight as the account allows (dags test ignores pools).
        FACEID_POOL_SLOTS=str(CONCURRENCY_LIMIT),
    )
    return env


def migrate(demo: Demo, env: dict[str, str]) -> None:
    demo.airflow_home.mkdir()
    run_logged(demo, [AIRFLOW, "db", "migrate"], env=env, log_name="migrate.log", step="airflow db migrate")
    demo.say(f"Airflow: throwaway AIRFLOW_HOME {demo.airflow_home} (SQLite metadata, migrated)")


def run_dag(demo: Demo, env: dict[str, str], *, label: str) -> dict[str, Any]:
    demo.say(f"{label}: airflow dags test {DAG_ID} {demo.day} ...")
    started = time.monotonic()
    run_logged(
        demo,
        [AIRFLOW, "dags", "test", DAG_ID, demo.day],
        env=env,
        log_name=f"dags-test-{label.split()[1]}.log",
        step=f"airflow dags test ({label})",
        watch=lambda: failed_try(demo),
    )
    summary = read_summary(demo)
    demo.say(f"{label}: finished in {time.monotonic() - started:.1f} s")
    return summary


def run_logged(
    demo: Demo,
    cmd: list[str],
    *,
    env: dict[str, str],
    log_name: str,
    step: str,
    watch: Callable[[], str | None] | None = None,
) -> None:
    """Run ``cmd`` with its output in a log file; on failure raise with an excerpt of the log.

    ``watch`` is polled every second while the command runs: a message from it stops the command
    (used to give up at a task's first failed try instead of sitting through its retry delays).
    """
    log_path = demo.root / log_name
    problem: str | None = None
    with log_path.open("wb") as log:
        process = subprocess.Popen(cmd, stdout=log, stderr=subprocess.STDOUT, env=env, cwd=REPO)
        try:
            while True:
                try:
                    code: int | None = process.wait(timeout=1)
                    break
                except subprocess.TimeoutExpired:
                    problem = watch() if watch else None
                    if problem:
                        stop(process)
                        code = None
                        break
        except BaseException:
            stop(process)
            raise
    if code != 0:
        excerpt = failure_excerpt(log_path.read_text(encoding="utf-8", errors="replace"))
        why = problem if code is None else f"exited with {code}"
        raise DemoError(f"{step}: {why}; its log ({log_path.name}) says:\n{excerpt}")


def stop(process: subprocess.Popen[bytes]) -> None:
    """SIGINT first, like Ctrl-C (airflow dags test ignores SIGTERM while it waits), then SIGKILL."""
    if process.poll() is not None:
        return
    process.send_signal(signal.SIGINT)
    try:
        process.wait(timeout=10)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait(timeout=10)


def failed_try(demo: Demo) -> str | None:
    """A task of the demo's run that failed a try: the run would now wait minutes for its retry."""
    try:
        with contextlib.closing(sqlite3.connect(demo.airflow_home / "airflow.db", timeout=1)) as db:
            row = db.execute(
                "SELECT task_id, state FROM task_instance WHERE dag_id = ? "
                "AND state IN ('up_for_retry', 'failed', 'upstream_failed') LIMIT 1",
                (DAG_ID,),
            ).fetchone()
    except sqlite3.Error:  # busy while Airflow writes: ask again next second
        return None
    return f"task {row[0]} is {row[1]} (the DAG would retry it after minutes)" if row else None


def failure_excerpt(log: str, *, lines: int = 12, tail: int = 5) -> str:
    """The log's error lines and exception messages (the cause is far above the end), then its end."""
    text = log.splitlines()
    flagged = [line for line in text[:-tail] if "[error" in line or EXCEPTION_LINE.match(line)][:lines]
    return "\n".join([*flagged, *(["..."] if flagged else []), *text[-tail:]])


def read_summary(demo: Demo) -> dict[str, Any]:
    """The operator's return value, from the XCom table of the run just finished.

    ``airflow dags test`` replaces an earlier run of the same logical date, so the newest row is it.
    """
    with contextlib.closing(sqlite3.connect(demo.airflow_home / "airflow.db")) as db:
        row = db.execute(
            "SELECT value FROM xcom WHERE dag_id = ? AND task_id = ? AND key = 'return_value' "
            "ORDER BY timestamp DESC LIMIT 1",
            (DAG_ID, TASK_ID),
        ).fetchone()
    if row is None:
        raise DemoError(f"no XCom from {TASK_ID}: was it skipped (no folder for {demo.day})?")
    value = json.loads(row[0]) if isinstance(row[0], str) else row[0]
    if not isinstance(value, dict):
        raise DemoError(f"unexpected XCom from {TASK_ID}: {type(value).__name__}")
    return value


def fetch_rows(demo: Demo) -> list[dict[str, Any]]:
    assert demo.server is not None
    server = demo.server
    with psycopg.connect(
        host=server.host, port=server.port, user=server.user, dbname=demo.database, connect_timeout=10
    ) as conn:
        cursor = conn.execute(
            "SELECT source_uri, side, name, gender, race, birthday_year, birthday_month, birthday_day, "
            "address, id_card_number, issued_by, valid_date, number_check, flags "
            f'FROM "{TABLE}" ORDER BY source_uri'
        )
        columns = [c.name for c in cursor.description or ()]
        return [dict(zip(columns, row, strict=True)) for row in cursor.fetchall()]


def fields_matching_truth(row: dict[str, Any]) -> tuple[int, int]:
    """How many printed fields of the card were read exactly (the specimen's ground-truth .json)."""
    truth_path = Path(row["source_uri"]).with_suffix(".json")
    try:
        truth = json.loads(truth_path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return (0, 0)
    if truth.get("side") == "back":
        pairs = [(row["issued_by"], truth.get("issued_by")), (row["valid_date"], truth.get("valid_date"))]
    else:
        birthday = truth.get("birthday") or {}
        pairs = [
            (row["name"], truth.get("name")),
            (row["gender"], truth.get("gender")),
            (row["race"], truth.get("race")),
            (
                _birthday(row["birthday_year"], row["birthday_month"], row["birthday_day"]),
                _birthday(birthday.get("year"), birthday.get("month"), birthday.get("day")),
            ),
            (row["address"], truth.get("address")),
            (row["id_card_number"], truth.get("id_card_number")),
        ]
    return (sum(1 for read, expected in pairs if read == expected), len(pairs))


def _birthday(year: str | None, month: str | None, day: str | None) -> tuple[int, ...] | None:
    try:
        return (int(year or ""), int(month or ""), int(day or ""))
    except ValueError:
        return None


def print_rows(demo: Demo) -> None:
    rows = fetch_rows(demo)
    print(f"\nWhat landed in {demo.database}.public.{TABLE} ({len(rows)} rows; names and numbers masked):")
    widths = (28, 5, 6, 19, 5, 22)
    print("  " + _row(("file", "side", "name", "id number", "check", "flags"), widths) + " read ok")
    print("  " + "-" * (sum(widths) + len(widths) + 7))
    matched = total = 0
    for index, row in enumerate(rows):
        ok, of = fields_matching_truth(row)
        matched, total = matched + ok, total + of
        if index >= SHOWN_ROWS:
            continue
        cells = (
            Path(row["source_uri"]).name,
            row["side"] or "-",
            mask_name(row["name"]) or "-",
            mask_number(row["id_card_number"]) or "-",
            "-" if row["number_check"] is None else str(row["number_check"]),
            ",".join(row["flags"] or []) or "-",
        )
        print("  " + _row(cells, widths) + f" {ok}/{of}")
    if len(rows) > SHOWN_ROWS:
        print(f"  ... and {len(rows) - SHOWN_ROWS} more rows")
    sides = {side: sum(1 for r in rows if r["side"] == side) for side in ("front", "back")}
    consistent = sum(1 for r in rows if r["number_check"] == 1)
    print(
        f"  {sides['front']} front, {sides['back']} back; number_check 1 (number, birthday and gender "
        f"consistent) on {consistent} of {sides['front']} fronts; {matched}/{total} printed fields read "
        "exactly as on the card",
        flush=True,
    )


def _row(cells: Sequence[str], widths: Sequence[int]) -> str:
    return " ".join(_pad(cell, width) for cell, width in zip(cells, widths, strict=True))


def _pad(text: str, width: int) -> str:
    """Left-align in ``width`` terminal columns: CJK characters take two."""
    used = sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)
    return text + " " * max(0, width - used)


def print_summary(label: str, summary: dict[str, Any]) -> None:
    shown = ", ".join(f"{key} {summary.get(key)}" for key in SUMMARY_KEYS if key in summary)
    print(f"\n{label} summary (XCom of {TASK_ID}): {shown}", flush=True)
    if summary.get("failed_by_code"):
        print(f"  failed by code: {summary['failed_by_code']}", flush=True)


def print_second_run_calls(summary: dict[str, Any], before: dict[str, Any], after: dict[str, Any]) -> None:
    requests_sent = int(after.get("requests", 0)) - int(before.get("requests", 0))
    engine_calls = int(after.get("engine_calls", 0)) - int(before.get("engine_calls", 0))
    print(
        f"run 2 OCR calls: {summary.get('ocr_calls')} (summary); faceid-local saw {requests_sent} requests "
        f"and ran its engine {engine_calls} times during run 2 "
        f"(totals: {after.get('requests')} requests, {after.get('engine_calls')} engine calls)",
        flush=True,
    )
    if summary.get("ocr_calls") == 0 and requests_sent == 0:
        print(
            "  -> every card was already loaded (rows keyed on the image's sha256): a re-run costs nothing\n",
            flush=True,
        )


if __name__ == "__main__":
    sys.exit(main())
