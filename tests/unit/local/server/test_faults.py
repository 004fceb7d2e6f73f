"""Fault injection: off by default, seeded, within the configured bounds."""

from __future__ import annotations

import pytest

from airflow_provider_faceid.local.server.faults import FaultInjector


def test_off_by_default() -> None:
    faults = FaultInjector()
    assert faults.delay_seconds() == 0.0
    assert not any(faults.should_fail() for _ in range(1000))


def test_same_seed_same_sequence_and_rate_roughly_holds() -> None:
    def draws(seed: int) -> list[tuple[float, bool]]:
        faults = FaultInjector(latency_ms=100, latency_jitter_ms=50, fail_rate=0.3, seed=seed)
        return [(faults.delay_seconds(), faults.should_fail()) for _ in range(2000)]

    first = draws(7)
    assert first == draws(7)
    assert first != draws(8)
    assert all(0.1 <= delay < 0.15 for delay, _ in first)
    assert 0.25 < sum(failed for _, failed in first) / len(first) < 0.35


@pytest.mark.parametrize("options", [{"fail_rate": 1.5}, {"fail_rate": -0.1}, {"latency_ms": -1}])
def test_rejects_impossible_settings(options: dict[str, float]) -> None:
    with pytest.raises(ValueError):
        FaultInjector(**options)  # type: ignore[arg-type]
