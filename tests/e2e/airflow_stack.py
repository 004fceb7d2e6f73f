"""A real Airflow deployment for end-to-end tests: its own AIRFLOW_HOME, metadata DB and processes.

``AirflowStack`` runs ``airflow db migrate`` and then the separate Airflow 3 components as child
processes: ``api-server`` (REST API, and the execution API that task processes talk to),
``scheduler`` (with the executor inside it), ``dag-processor``, plus ``celery worker`` processes when
the executor is ``CeleryExecutor``. Separate components rather than ``airflow standalone``: each one
has its own log file and process group, and none of them is started that the test does not need.

Everything is isolated from the caller's Airflow: the environment is rebuilt from scratch
(every inherited ``AIRFLOW*`` variable is dropped), AIRFLOW_HOME is a throwaway folder, secrets are
random per stack, every listener binds 127.0.0.1 on a free port, and the worker log servers (which
bind every interface) are not started: task logs stay in files under AIRFLOW_HOME.

Each component leads its own session (``start_new_session``); Airflow's own children (executor
workers, task supervisors, task processes) may take new process *groups* but stay in that session.
Every process also inherits a marker environment variable (``FACEID_E2E_STACK=<token>``), which
catches a process that left the session (``setsid``) unless it also rewrote its environment block
(``setproctitle`` does, which is why the session is the primary key). ``stop()`` uses both to prove
the shutdown left nothing behind: after the components exit, any process still found is a
straggler; it is killed and reported.
"""

from __future__ import annotations

import contextlib
import dataclasses
import os
import secrets
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator, Mapping, Sequence
from pathlib import Path
from typing import Any

import requests
from cryptography.fernet import Fernet
from sqlalchemy.engine import make_url

from tests.e2e.worker_identity import WORKER_HOSTNAME_VARIABLE
from tests.fixtures.faceid_local import FaceIdLocalServer

REPO_ROOT = Path(__file__).resolve().parents[2]
MARKER_VARIABLE = "FACEID_E2E_STACK"
LOOPBACK = "127.0.0.1"
LOCAL_EXECUTOR = "LocalExecutor"
CELERY_EXECUTOR = "CeleryExecutor"
# Components stop in this order: the scheduler first, so nothing new is handed out, the api-server
# last, because task processes still finishing report to its execution API.
STOP_ORDER = ("scheduler", "celery-worker", "dag-processor", "api-server")


@dataclasses.dataclass(frozen=True)
class StackOptions:
    """What to deploy. ``config`` holds extra ``section.key`` settings (``{"core.parallelism": "4"}``)."""

    home: Path
    dags_folder: Path
    metadata_db_url: str
    executor: str = LOCAL_EXECUTOR
    parallelism: int = 2
    celery_workers: int = 0
    celery_worker_concurrency: int = 1
    config: Mapping[str, str] = dataclasses.field(default_factory=dict)
    env: Mapping[str, str] = dataclasses.field(default_factory=dict)
    startup_timeout: float = 180.0
    # Source of $AIRFLOW_HOME/config/airflow_local_settings.py (cluster policies), "" for none.
    local_settings: str = ""

    def __post_init__(self) -> None:
        if self.executor == CELERY_EXECUTOR and self.celery_workers < 1:
            raise ValueError("CeleryExecutor needs celery_workers >= 1")
        if self.executor != CELERY_EXECUTOR and self.celery_workers:
            raise ValueError("celery_workers is only for CeleryExecutor")


@dataclasses.dataclass(frozen=True)
class Straggler:
    """A process of the stack still alive after its component had exited (killed by ``stop``)."""

    pid: int
    cmdline: str


@dataclasses.dataclass
class StopReport:
    """How the stack went down: a clean stop has every component exiting on SIGINT, nothing left."""

    exit_codes: dict[str, int | None] = dataclasses.field(default_factory=dict)
    escalated: list[str] = dataclasses.field(default_factory=list)  # needed SIGTERM/SIGKILL
    stragglers: list[Straggler] = dataclasses.field(default_factory=list)
    seconds: float = 0.0

    @property
    def clean(self) -> bool:
        return not self.escalated and not self.stragglers


@dataclasses.dataclass
class _Component:
    name: str
    process: subprocess.Popen[bytes]
    log_path: Path


class AirflowApiError(RuntimeError):
    """The REST API answered with an error status; the message carries the status and body."""


class AirflowStack:
    """One Airflow deployment. Use as a context manager, or ``start()`` then ``stop()``."""

    def __init__(self, options: StackOptions) -> None:
        self.options = options
        self.token = secrets.token_hex(8)
        self.api_port = _free_loopback_port()
        self.base_url = f"http://{LOOPBACK}:{self.api_port}"
        self._components: list[_Component] = []
        self._session = requests.Session()
        self._stop_report: StopReport | None = None
        self.env = self._build_env()

    # -- environment -------------------------------------------------------------------------

    def _build_env(self) -> dict[str, str]:
        o = self.options
        env = {k: v for k, v in os.environ.items() if not k.startswith("AIRFLOW")}
        settings = {
            "core.executor": o.executor,
            "core.parallelism": str(o.parallelism),
            "core.dags_folder": str(o.dags_folder),
            "core.load_examples": "False",
            "core.fernet_key": Fernet.generate_key().decode(),
            "core.execution_api_server_url": f"{self.base_url}/execution/",
            # The REST API of a throwaway, loopback-only deployment: no login needed.
            "core.simple_auth_manager_all_admins": "True",
            "database.sql_alchemy_conn": _airflow_db_url(o.metadata_db_url),
            "api.host": LOOPBACK,
            "api.port": str(self.api_port),
            "api.base_url": self.base_url,
            "api.workers": "1",
            "api.secret_key": secrets.token_urlsafe(32),
            "api_auth.jwt_secret": secrets.token_urlsafe(32),
            "scheduler.scheduler_health_check_server_host": LOOPBACK,
            "scheduler.scheduler_health_check_server_port": str(_free_loopback_port()),
            "logging.worker_log_server_port": str(_free_loopback_port()),
            "logging.trigger_log_server_port": str(_free_loopback_port()),
            # Test pace: new and changed DAG files are seen within seconds, not minutes.
            "dag_processor.refresh_interval": "5",
            "dag_processor.bundle_refresh_check_interval": "2",
            "dag_processor.min_file_process_interval": "30",
            "dag_processor.parsing_processes": "1",
            "scheduler.scheduler_idle_sleep_time": "0.5",
            **o.config,
        }
        for dotted, value in settings.items():
            section, key = dotted.split(".", 1)
            env[f"AIRFLOW__{section.upper()}__{key.upper()}"] = value
        env["AIRFLOW_HOME"] = str(o.home)
        env[MARKER_VARIABLE] = self.token
        env.update(o.env)
        return env

    @property
    def airflow_executable(self) -> str:
        return str(Path(sys.executable).with_name("airflow"))

    # -- lifecycle ---------------------------------------------------------------------------

    def __enter__(self) -> AirflowStack:
        self.start()
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.stop()

    def start(self) -> None:
        """Migrate the metadata DB, start every component, return once the health endpoint is green."""
        self.options.home.mkdir(parents=True, exist_ok=True)
        (self.options.home / "component-logs").mkdir(exist_ok=True)
        if self.options.local_settings:
            # $AIRFLOW_HOME/config is on every component's sys.path: Airflow imports it from there.
            (self.options.home / "config").mkdir(exist_ok=True)
            (self.options.home / "config" / "airflow_local_settings.py").write_text(
                self.options.local_settings, encoding="utf-8"
            )
        try:
            self.cli("db", "migrate", timeout=300)
            self._spawn("api-server", "api-server", "--host", LOOPBACK, "--port", str(self.api_port))
            self._spawn("scheduler", "scheduler", "--skip-serve-logs")
            self._spawn("dag-processor", "dag-processor")
            for name in self.celery_worker_names:
                self._spawn_celery_worker(name)
            deadline = time.monotonic() + self.options.startup_timeout
            self._wait_healthy(deadline=deadline)
            self._wait_celery_workers_ready(deadline=deadline)
        except BaseException:
            self.stop()
            raise

    @property
    def celery_worker_names(self) -> list[str]:
        """``worker1``, ``worker2``...: the ``hostname`` the task instances of each worker record."""
        return [f"worker{index}" for index in range(1, self.options.celery_workers + 1)]

    def _spawn_celery_worker(self, name: str) -> None:
        # The task processes a worker forks inherit this environment: they report the worker's name
        # as their hostname (tests.e2e.worker_identity), importable through PYTHONPATH.
        python_path = os.pathsep.join(p for p in (str(REPO_ROOT), self.env.get("PYTHONPATH", "")) if p)
        self._spawn(
            "celery-worker",
            "celery",
            "worker",
            "--skip-serve-logs",
            "--concurrency",
            str(self.options.celery_worker_concurrency),
            # Unique per stack: workers of concurrent stacks on one broker must not be mistaken.
            "--celery-hostname",
            f"{name}-{self.token}@%h",
            # One pid file per worker: they share AIRFLOW_HOME, and the default pid file is per home.
            "--pid",
            str(self.options.home / f"airflow-{name}.pid"),
            log_name=f"celery-{name}",
            extra_env={
                WORKER_HOSTNAME_VARIABLE: name,
                "AIRFLOW__CORE__HOSTNAME_CALLABLE": "tests.e2e.worker_identity.hostname",
                "PYTHONPATH": python_path,
            },
        )

    def _wait_celery_workers_ready(self, *, deadline: float) -> None:
        """Celery prints ``<hostname> ready.`` once it consumes; before that, tasks would pile up on one."""
        waiting = list(self.celery_worker_names)
        while waiting and time.monotonic() < deadline:
            for component in self._components:
                if component.name == "celery-worker" and component.process.poll() is not None:
                    raise RuntimeError(
                        f"{component.log_path.stem} exited with {component.process.returncode}:\n"
                        f"{self.log_tail(component.log_path.stem)}"
                    )
            waiting = [name for name in waiting if not self._celery_worker_ready(name)]
            if waiting:
                time.sleep(0.5)
        if waiting:
            raise TimeoutError(f"Celery workers not ready in time: {waiting}\n{self.diagnostics()}")

    def _celery_worker_ready(self, name: str) -> bool:
        signature = f"{name}-{self.token}@"
        lines = self.log_tail(f"celery-{name}", lines=400).splitlines()
        # "worker1-<token>@host ready." (structlog appends the logger name and location after it)
        return any(signature in line and " ready." in line for line in lines)

    def kill_celery_worker(self, name: str) -> list[int]:
        """SIGKILL a worker and every process of its session (its task processes too), as a lost node.

        Returns the pids killed. The worker's task instances stay ``running`` in the metadata DB until
        the scheduler's ``task_instance_heartbeat_timeout`` marks them failed (then up for retry).
        """
        component = next(c for c in self._components if c.log_path.stem == f"celery-{name}")
        session = component.process.pid
        killed = [pid for pid, _ in self._session_processes(session)]
        self._signal_session(session, signal.SIGKILL)
        _wait(component.process, 15)
        return killed

    def _session_processes(self, session: int) -> list[tuple[int, str]]:
        found = []
        for entry in Path("/proc").iterdir():
            if not entry.name.isdigit():
                continue
            with contextlib.suppress(OSError, ValueError, IndexError):
                if _proc_state_and_session(entry)[1] == session:
                    cmdline = (entry / "cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
                    found.append((int(entry.name), cmdline.strip()))
        return found

    def _spawn(
        self, name: str, *args: str, log_name: str | None = None, extra_env: Mapping[str, str] | None = None
    ) -> None:
        log_path = self.options.home / "component-logs" / f"{log_name or name}.log"
        with log_path.open("wb") as log:
            # Own session and process group: a signal to the group reaches the component's children.
            process = subprocess.Popen(
                [self.airflow_executable, *args],
                env={**self.env, **(extra_env or {})},
                cwd=self.options.home,
                stdin=subprocess.DEVNULL,
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        self._components.append(_Component(name=name, process=process, log_path=log_path))

    def _wait_healthy(self, *, deadline: float) -> None:
        last: Any = None
        while time.monotonic() < deadline:
            for component in self._components:
                if component.process.poll() is not None:
                    raise RuntimeError(
                        f"{component.name} exited with {component.process.returncode} during start-up:\n"
                        f"{self.log_tail(component.log_path.stem)}"
                    )
            with contextlib.suppress(requests.RequestException):
                answer = self._session.get(f"{self.base_url}/api/v2/monitor/health", timeout=5)
                last = answer.json() if answer.ok else answer.status_code
                if answer.ok and all(
                    (last.get(part) or {}).get("status") == "healthy"
                    for part in ("metadatabase", "scheduler", "dag_processor")
                ):
                    return
            time.sleep(1)
        raise TimeoutError(f"Airflow was not healthy in time (last health answer: {last})")

    def stop(self, *, grace: float = 45.0) -> StopReport:
        """SIGINT each component (as Ctrl-C), escalate to its process group only if it hangs.

        Idempotent: a second call returns the first report.
        """
        if self._stop_report is not None:
            return self._stop_report
        report = StopReport()
        started = time.monotonic()
        order = {name: rank for rank, name in enumerate(STOP_ORDER)}
        for component in sorted(self._components, key=lambda c: order.get(c.name, len(order))):
            name = component.log_path.stem
            process = component.process
            if process.poll() is None:
                with contextlib.suppress(ProcessLookupError):
                    process.send_signal(signal.SIGINT)
                if not _wait(process, grace):
                    report.escalated.append(name)
                    self._signal_session(process.pid, signal.SIGTERM)
                    if not _wait(process, 15):
                        self._signal_session(process.pid, signal.SIGKILL)
                        _wait(process, 15)
            report.exit_codes[name] = process.returncode
        # Children outlive a leader for a moment while they finish; give them that moment.
        settle_until = time.monotonic() + 10
        while self.processes() and time.monotonic() < settle_until:
            time.sleep(0.2)
        for pid, cmdline in self.processes():
            report.stragglers.append(Straggler(pid=pid, cmdline=cmdline))
            with contextlib.suppress(ProcessLookupError, PermissionError):
                os.kill(pid, signal.SIGKILL)
        self._session.close()
        report.seconds = round(time.monotonic() - started, 1)
        self._stop_report = report
        return report

    def processes(self) -> list[tuple[int, str]]:
        """(pid, command line) of every live process of this stack (see the module docstring)."""
        sessions = {c.process.pid for c in self._components}
        needle = f"{MARKER_VARIABLE}={self.token}".encode()
        found: list[tuple[int, str]] = []
        for entry in Path("/proc").iterdir():
            if not entry.name.isdigit() or int(entry.name) == os.getpid():
                continue
            try:
                state, session = _proc_state_and_session(entry)
                if state == "Z":  # dead, only not yet reaped by its parent
                    continue
                if session not in sessions and needle not in (entry / "environ").read_bytes().split(b"\0"):
                    continue
                cmdline = (entry / "cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
            except (OSError, ValueError, IndexError):
                continue  # gone meanwhile, or not ours to read
            found.append((int(entry.name), cmdline.strip()))
        return found

    def _signal_session(self, session: int, signum: signal.Signals) -> None:
        """Signal every process of a component's session (task processes sit in groups of their own)."""
        for entry in Path("/proc").iterdir():
            if not entry.name.isdigit():
                continue
            with contextlib.suppress(OSError, ValueError, IndexError):
                if _proc_state_and_session(entry)[1] == session:
                    os.kill(int(entry.name), signum)

    # -- CLI and logs ------------------------------------------------------------------------

    def cli(self, *args: str, timeout: float = 120.0) -> subprocess.CompletedProcess[str]:
        """Run ``airflow <args>`` against this deployment; raise with its output if it fails."""
        proc = subprocess.run(
            [self.airflow_executable, *args],
            env=self.env,
            cwd=self.options.home,
            capture_output=True,
            text=True,
            timeout=timeout,
            stdin=subprocess.DEVNULL,
        )
        if proc.returncode != 0:
            raise RuntimeError(
                f"airflow {' '.join(args)} exited with {proc.returncode}:\n{proc.stdout[-3000:]}\n"
                f"{proc.stderr[-3000:]}"
            )
        return proc

    def log_tail(self, name: str, *, lines: int = 60) -> str:
        path = self.options.home / "component-logs" / f"{name}.log"
        if not path.exists():
            return f"(no log {path})"
        return "\n".join(path.read_text(encoding="utf-8", errors="replace").splitlines()[-lines:])

    def diagnostics(self) -> str:
        """Tails of every component log: what a failed test prints."""
        return "\n".join(
            f"===== {c.log_path.stem} (exit {c.process.poll()}) =====\n{self.log_tail(c.log_path.stem)}"
            for c in self._components
        )

    # -- REST API ----------------------------------------------------------------------------

    def api(
        self, method: str, path: str, *, json: Any = None, params: Mapping[str, Any] | None = None
    ) -> Any:
        """Call the public REST API (``/api/v2`` + ``path``); return the decoded JSON answer."""
        answer = self._session.request(
            method, f"{self.base_url}/api/v2{path}", json=json, params=params, timeout=30
        )
        if not answer.ok:
            raise AirflowApiError(f"{method} {path}: {answer.status_code} {answer.text[:2000]}")
        return answer.json() if answer.content else None

    def create_pool(self, *, name: str, slots: int, description: str = "") -> None:
        self.api(
            "POST",
            "/pools",
            json={"name": name, "slots": slots, "description": description, "include_deferred": False},
        )

    def create_connection(self, *, conn_id: str, conn_type: str, **fields: Any) -> None:
        """``fields``: host, login, password, port, schema, extra (a JSON string)."""
        self.api("POST", "/connections", json={"connection_id": conn_id, "conn_type": conn_type, **fields})

    def set_variable(self, *, key: str, value: str) -> None:
        self.api("POST", "/variables", json={"key": key, "value": value})

    def wait_for_dags(self, dag_ids: Sequence[str], *, timeout: float = 120.0) -> None:
        """Wait until the dag-processor has stored every DAG; fail at once on an import error."""
        deadline = time.monotonic() + timeout
        missing = list(dag_ids)
        while time.monotonic() < deadline:
            errors = self.api("GET", "/importErrors").get("import_errors", [])
            if errors:
                raise RuntimeError(f"DAG import errors: {errors}")
            missing = [d for d in dag_ids if not self._dag_exists(d)]
            if not missing:
                return
            time.sleep(1)
        raise TimeoutError(f"DAGs not parsed in time: {missing}\n{self.log_tail('dag-processor')}")

    def _dag_exists(self, dag_id: str) -> bool:
        try:
            self.api("GET", f"/dags/{dag_id}")
        except AirflowApiError:
            return False
        return True

    def unpause(self, dag_id: str) -> None:
        self.api("PATCH", f"/dags/{dag_id}", json={"is_paused": False})

    def trigger(
        self,
        dag_id: str,
        *,
        logical_date: str | None = None,
        conf: Mapping[str, Any] | None = None,
        run_id: str | None = None,
    ) -> str:
        """Create a manual DAG run; return its run id."""
        body: dict[str, Any] = {"logical_date": logical_date, "conf": dict(conf or {})}
        if run_id is not None:
            body["dag_run_id"] = run_id
        return str(self.api("POST", f"/dags/{dag_id}/dagRuns", json=body)["dag_run_id"])

    def dag_runs(self, dag_id: str) -> list[dict[str, Any]]:
        return list(self.api("GET", f"/dags/{dag_id}/dagRuns", params={"limit": 100})["dag_runs"])

    def task_instances(self) -> list[dict[str, Any]]:
        """Every task instance of every DAG run (mapped ones one row per map index)."""
        return list(
            self.api("GET", "/dags/~/dagRuns/~/taskInstances", params={"limit": 1000})["task_instances"]
        )

    def task_log(self, ti: Mapping[str, Any], *, lines: int = 80) -> str:
        """The last ``lines`` of a task instance's log (its latest try), as the UI shows it."""
        answer = self._session.get(
            f"{self.base_url}/api/v2/dags/{ti['dag_id']}/dagRuns/{ti['dag_run_id']}/taskInstances/"
            f"{ti['task_id']}/logs/{max(ti['try_number'], 1)}",
            params={"map_index": ti["map_index"], "full_content": "true"},
            headers={"Accept": "application/json"},
            timeout=30,
        )
        if not answer.ok:
            return f"(log not available: {answer.status_code})"
        content = answer.json().get("content", [])
        text = [e.get("event", str(e)) if isinstance(e, dict) else str(e) for e in content]
        return "\n".join(text[-lines:])

    def wait_for_runs(
        self,
        dag_ids: Sequence[str],
        *,
        expected: int,
        timeout: float,
        fail_on: Sequence[str] = ("up_for_retry", "failed", "upstream_failed"),
    ) -> list[dict[str, Any]]:
        """Wait until ``expected`` runs of ``dag_ids`` exist and all are finished; return them.

        A task instance entering a ``fail_on`` state ends the wait at once with its log: a task that
        would be retried minutes later must not turn a clear failure into a timeout.
        """
        deadline = time.monotonic() + timeout
        runs: list[dict[str, Any]] = []
        while time.monotonic() < deadline:
            runs = [run for dag_id in dag_ids for run in self.dag_runs(dag_id)]
            if len(runs) >= expected and all(run["state"] in ("success", "failed") for run in runs):
                return runs
            broken = [ti for ti in self.task_instances() if ti["state"] in fail_on]
            if broken:
                ti = broken[0]
                raise AssertionError(
                    f"{ti['dag_id']}.{ti['task_id']}[{ti['map_index']}] of {ti['dag_run_id']} is "
                    f"{ti['state']}; its log:\n{self.task_log(ti)}"
                )
            time.sleep(2)
        states = {run["dag_run_id"]: run["state"] for run in runs}
        tis = {(t["dag_id"], t["task_id"], t["map_index"]): t["state"] for t in self.task_instances()}
        raise TimeoutError(f"runs not finished in {timeout:.0f} s: {states}; task instances: {tis}")


@contextlib.contextmanager
def running_stack(options: StackOptions) -> Iterator[AirflowStack]:
    """Start a stack and always stop it, even when the body raises."""
    stack = AirflowStack(options)
    stack.start()
    try:
        yield stack
    finally:
        stack.stop()


def _airflow_db_url(url: str) -> str:
    """Airflow's metadata DB through psycopg2, its best-trodden Postgres driver."""
    parsed = make_url(url)
    if parsed.get_backend_name() == "postgresql":
        parsed = parsed.set(drivername="postgresql+psycopg2")
    return parsed.render_as_string(hide_password=False)


def _free_loopback_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind((LOOPBACK, 0))
        return int(sock.getsockname()[1])


def _wait(process: subprocess.Popen[bytes], timeout: float) -> bool:
    try:
        process.wait(timeout=timeout)
    except subprocess.TimeoutExpired:
        return False
    return True


def _proc_state_and_session(entry: Path) -> tuple[str, int]:
    # /proc/<pid>/stat: "pid (comm) state ppid pgrp session ...", comm may hold spaces and ")".
    fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
    return fields[0], int(fields[3])


def configure_faceid_deployment(
    stack: AirflowStack,
    *,
    faceid: FaceIdLocalServer,
    results_url: str,
    pool_slots: int,
    staging_root: Path | None = None,
) -> None:
    """The pool, connections (and Variable) the example DAGs' docstrings tell an operator to create."""
    stack.create_pool(name="faceid_api", slots=pool_slots, description="FaceID account: slots = its limit")
    stack.create_connection(
        conn_id="faceid_default",
        conn_type="faceid",
        host=faceid.url,
        login=faceid.api_key,
        password=faceid.api_secret,
    )
    db = make_url(results_url)
    stack.create_connection(
        conn_id="faceid_results",
        conn_type="postgres",
        host=db.host,
        port=db.port,
        login=db.username,
        password=db.password,
        schema=db.database,
    )
    if staging_root is not None:
        stack.set_variable(key="faceid_staging_root", value=str(staging_root))
