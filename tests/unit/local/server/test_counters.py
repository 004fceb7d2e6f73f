"""Counters: exact under concurrent use, and the in-flight gate never admits past its limit."""

from __future__ import annotations

import threading

import pytest

from airflow_provider_faceid.local.server.counters import Counters


def test_gate_admits_up_to_the_limit_and_counts_refusals() -> None:
    counters = Counters()
    assert [counters.try_enter(limit=2) for _ in range(3)] == [True, True, False]
    counters.leave()
    assert counters.try_enter(limit=2)
    snapshot = counters.snapshot()
    assert snapshot["in_flight"] == 2
    assert snapshot["max_in_flight"] == 2
    assert snapshot["concurrency_rejections"] == 1


def test_leave_without_enter_is_a_bug() -> None:
    with pytest.raises(RuntimeError):
        Counters().leave()


def test_exact_under_threads() -> None:
    counters = Counters()
    admitted = []

    def work() -> None:
        for _ in range(2000):
            if counters.try_enter(limit=3):
                admitted.append(1)
                counters.record_engine_call()
                counters.record_answer(status=200, error=None)
                counters.leave()
            else:
                counters.record_answer(status=403, error="CONCURRENCY_LIMIT_EXCEEDED")

    threads = [threading.Thread(target=work) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    snapshot = counters.snapshot()
    assert snapshot["requests"] == 16000
    assert snapshot["engine_calls"] == len(admitted) == snapshot["requests_by_status"]["200"]
    assert snapshot["concurrency_rejections"] == snapshot["requests_by_status"].get("403", 0)
    assert snapshot["max_in_flight"] <= 3
    assert snapshot["in_flight"] == 0


def test_reset_keeps_running_requests() -> None:
    counters = Counters()
    counters.try_enter(limit=5)
    counters.record_answer(status=400, error="MISSING_ARGUMENTS")
    counters.record_cache_hit()
    counters.record_injected_failure()
    counters.reset()
    snapshot = counters.snapshot()
    assert snapshot["requests"] == snapshot["cache_hits"] == snapshot["injected_failures"] == 0
    assert snapshot["requests_by_error"] == {}
    assert snapshot["in_flight"] == snapshot["max_in_flight"] == 1
    counters.leave()
