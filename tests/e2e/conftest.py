"""Fixtures of the end-to-end tests: Airflow deployments (see ``airflow_stack``) and their databases."""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.e2e.airflow_stack import AirflowStack, StackOptions
from tests.fixtures.postgres import HOW_TO_GET_ONE, acquire_database

REPO_DAGS = Path(__file__).resolve().parents[2] / "dags"


@pytest.fixture
def database_factory() -> Iterator[Callable[[], str]]:
    """``database_factory()`` returns the URL of a new empty database, dropped at teardown."""
    with contextlib.ExitStack() as stack:

        def make() -> str:
            try:
                return stack.enter_context(acquire_database())
            except Exception as exc:
                pytest.fail(f"{HOW_TO_GET_ONE} (last error: {exc})", pytrace=False)

        yield make


@pytest.fixture
def airflow_stack_factory(
    tmp_path: Path, database_factory: Callable[[], str]
) -> Iterator[Callable[..., AirflowStack]]:
    """``airflow_stack_factory(**StackOptions fields)`` starts a deployment; every one is stopped after.

    Defaults: the repository's ``dags/``, a throwaway metadata database, AIRFLOW_HOME in ``tmp_path``
    (kept by pytest for the last runs: component logs in ``component-logs/``, task logs in ``logs/``).
    The stack database is declared before the stacks, so it is dropped only after they are stopped.
    """
    stacks: list[AirflowStack] = []

    def factory(**options: Any) -> AirflowStack:
        options.setdefault("home", tmp_path / f"airflow-home-{len(stacks)}")
        options.setdefault("dags_folder", REPO_DAGS)
        if "metadata_db_url" not in options:
            options["metadata_db_url"] = database_factory()
        stack = AirflowStack(StackOptions(**options))
        stacks.append(stack)
        stack.start()
        return stack

    try:
        yield factory
    finally:
        for stack in reversed(stacks):
            stack.stop()
