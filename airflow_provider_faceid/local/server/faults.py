"""Fault injection of faceid-local: added latency and random INTERNAL_ERROR answers, off by default."""

from __future__ import annotations

import random
from dataclasses import dataclass, field


@dataclass(kw_only=True)
class FaultInjector:
    """Draws the delay and the failure of each admitted request from one seeded generator.

    Draws happen on the event loop thread only, so a given ``seed`` and request order always give
    the same sequence of delays and failures.
    """

    latency_ms: float = 0.0
    latency_jitter_ms: float = 0.0
    fail_rate: float = 0.0
    seed: int = 0
    _random: random.Random = field(init=False, repr=False)

    def __post_init__(self) -> None:
        if self.latency_ms < 0 or self.latency_jitter_ms < 0:
            raise ValueError("latency must not be negative")
        if not 0.0 <= self.fail_rate <= 1.0:
            raise ValueError("fail_rate must be within [0, 1]")
        self._random = random.Random(self.seed)

    def delay_seconds(self) -> float:
        jitter = self._random.uniform(0.0, self.latency_jitter_ms) if self.latency_jitter_ms else 0.0
        return (self.latency_ms + jitter) / 1000.0

    def should_fail(self) -> bool:
        # fail_rate 0 must never consume a draw, so enabling jitter alone keeps its own sequence.
        return self.fail_rate > 0.0 and self._random.random() < self.fail_rate
