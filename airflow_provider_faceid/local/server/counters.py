"""Request counters of faceid-local, exact under concurrency, served at GET /_local/counters."""

from __future__ import annotations

import threading
from collections import Counter
from typing import Any


class Counters:
    """Counts answers and engine work, and holds the non-blocking in-flight gate.

    One lock guards everything: the in-flight gate and the statistics must agree with each other
    (``max_in_flight`` can never exceed the limit that ``try_enter`` enforced).
    """

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._in_flight = 0
        self._clear_statistics()

    def _clear_statistics(self) -> None:
        self._by_status: Counter[int] = Counter()
        self._by_error: Counter[str] = Counter()
        self._engine_calls = 0
        self._cache_hits = 0
        self._max_in_flight = self._in_flight
        self._concurrency_rejections = 0
        self._injected_failures = 0

    def try_enter(self, *, limit: int) -> bool:
        """Take an in-flight slot if fewer than ``limit`` are taken; never waits."""
        with self._lock:
            if self._in_flight >= limit:
                self._concurrency_rejections += 1
                return False
            self._in_flight += 1
            self._max_in_flight = max(self._max_in_flight, self._in_flight)
            return True

    def leave(self) -> None:
        with self._lock:
            if self._in_flight <= 0:
                raise RuntimeError("leave() without a matching try_enter()")
            self._in_flight -= 1

    def record_answer(self, *, status: int, error: str | None) -> None:
        with self._lock:
            self._by_status[status] += 1
            if error is not None:
                self._by_error[error] += 1

    def record_engine_call(self) -> None:
        with self._lock:
            self._engine_calls += 1

    def record_cache_hit(self) -> None:
        with self._lock:
            self._cache_hits += 1

    def record_injected_failure(self) -> None:
        with self._lock:
            self._injected_failures += 1

    def snapshot(self) -> dict[str, Any]:
        with self._lock:
            return {
                "requests": sum(self._by_status.values()),
                "requests_by_status": {str(code): n for code, n in sorted(self._by_status.items())},
                "requests_by_error": dict(sorted(self._by_error.items())),
                "engine_calls": self._engine_calls,
                "cache_hits": self._cache_hits,
                "in_flight": self._in_flight,
                "max_in_flight": self._max_in_flight,
                "concurrency_rejections": self._concurrency_rejections,
                "injected_failures": self._injected_failures,
            }

    def reset(self) -> None:
        """Zero the statistics; requests still running keep their slots (and set max_in_flight)."""
        with self._lock:
            self._clear_statistics()
