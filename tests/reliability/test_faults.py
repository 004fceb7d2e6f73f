"""Fault injection with real processes: after each fault and one re-run, every staged image is in
exactly one of results/failures, nothing is duplicated, the re-run calls the API only for images
not loaded yet, and no secret reaches a log, summary, table or exception."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from tests.reliability.scenarios import FAULT_SCENARIOS, Bench, ScenarioResult, prepare_bench

pytestmark = [pytest.mark.integration, pytest.mark.slow]


@pytest.fixture(scope="module")
def bench(tmp_path_factory: pytest.TempPathFactory, postgres_url: str) -> Bench:
    return prepare_bench(workdir=tmp_path_factory.mktemp("reliability"), postgres_url=postgres_url)


@pytest.mark.timeout(180)
@pytest.mark.parametrize("name", list(FAULT_SCENARIOS))
def test_fault_keeps_the_ledger_whole(name: str, bench: Bench) -> None:
    run: Callable[[Bench], ScenarioResult] = FAULT_SCENARIOS[name]
    result = run(bench)
    assert result.problems == (), "\n".join(result.problems) + f"\nnotes: {result.notes}"
    assert (result.lost, result.duplicates, result.leaks) == (0, 0, 0)
    assert result.loaded + result.failed == result.staged > 0
