"""Progress reporting for long batches: counts, rate and ETA, never item contents."""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable


class ProgressReporter:
    """Log ``done/total, rate, ETA`` every ``every_items`` items or ``every_seconds``, whichever first.

    Only counts reach the log: callers pass numbers, never file names or card fields, so nothing
    here can leak PII. Thread-safe, so workers may call :meth:`update` directly.

    :param total: items expected, or ``None`` when unknown (no percentage, no ETA).
    :param label: what is counted, e.g. ``"images"``; a fixed word chosen by the caller.
    :param clock: seconds source; ``time.monotonic`` unless a test needs another.
    """

    def __init__(
        self,
        total: int | None,
        *,
        every_items: int = 500,
        every_seconds: float = 30.0,
        label: str = "images",
        log: logging.Logger | None = None,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        if every_items < 1 or every_seconds <= 0:
            raise ValueError("every_items must be >= 1 and every_seconds > 0")
        self.total = total
        self.every_items = every_items
        self.every_seconds = every_seconds
        self.label = label
        self.log = log or logging.getLogger(__name__)
        self._clock = clock
        self._lock = threading.Lock()
        self._started = clock()
        self._done = 0
        self._last_items = 0
        self._last_time = self._started
        self.reports = 0

    @property
    def done(self) -> int:
        return self._done

    def update(self, n: int = 1) -> None:
        """Count ``n`` more finished items and log when a threshold was crossed."""
        with self._lock:
            self._done += n
            now = self._clock()
            if (
                self._done - self._last_items < self.every_items
                and now - self._last_time < self.every_seconds
            ):
                return
            self._last_items, self._last_time = self._done, now
            message = self._message(now)
            self.reports += 1
        self.log.info("%s", message)

    def finish(self) -> str:
        """Log and return the final line, whatever the thresholds."""
        with self._lock:
            message = self._message(self._clock())
            self.reports += 1
        self.log.info("%s", message)
        return message

    def rate(self) -> float:
        elapsed = self._clock() - self._started
        return self._done / elapsed if elapsed > 0 else 0.0

    def _message(self, now: float) -> str:
        elapsed = now - self._started
        rate = self._done / elapsed if elapsed > 0 else 0.0
        if self.total is None:
            return (
                f"{self._done} {self.label} done, {rate:.1f} {self.label}/s, {_clock_text(elapsed)} elapsed"
            )
        pct = 100.0 * self._done / self.total if self.total else 100.0
        remaining = max(0, self.total - self._done)
        eta = _clock_text(remaining / rate) if rate > 0 else "unknown"
        return (
            f"{self._done}/{self.total} {self.label} ({pct:.1f}%), {rate:.1f} {self.label}/s, "
            f"ETA {eta}, {_clock_text(elapsed)} elapsed"
        )


def _clock_text(seconds: float) -> str:
    hours, rest = divmod(round(seconds), 3600)
    minutes, secs = divmod(rest, 60)
    return f"{hours}:{minutes:02d}:{secs:02d}" if hours else f"{minutes}:{secs:02d}"
