"""Progress lines: thresholds by count and by time, rate and ETA, nothing but numbers."""

from __future__ import annotations

import logging

import pytest

from airflow_provider_faceid.progress import ProgressReporter


class _Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def test_reports_every_n_items_or_s_seconds(caplog: pytest.LogCaptureFixture) -> None:
    clock = _Clock()
    log = logging.getLogger("test.progress")
    reporter = ProgressReporter(1000, every_items=100, every_seconds=60, log=log, clock=clock)
    with caplog.at_level(logging.INFO, logger="test.progress"):
        for _ in range(99):
            clock.now += 0.1
            reporter.update()
        assert reporter.reports == 0
        clock.now += 0.1
        reporter.update()  # 100 items in 10 s
        assert caplog.messages[-1] == "100/1000 images (10.0%), 10.0 images/s, ETA 1:30, 0:10 elapsed"
        clock.now += 61  # slow patch: the time threshold fires before the count one
        reporter.update(5)
        assert reporter.reports == 2
        assert caplog.messages[-1] == "105/1000 images (10.5%), 1.5 images/s, ETA 10:05, 1:11 elapsed"
        final = reporter.finish()
    assert final == caplog.messages[-1]
    assert reporter.done == 105


def test_unknown_total_and_hours() -> None:
    clock = _Clock()
    reporter = ProgressReporter(None, every_items=1, clock=clock, label="calls")
    clock.now += 3725
    reporter.update(10)
    assert reporter.finish() == "10 calls done, 0.0 calls/s, 1:02:05 elapsed"
    with pytest.raises(ValueError):
        ProgressReporter(10, every_items=0)
