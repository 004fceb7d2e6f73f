"""The timeline arithmetic the end-to-end pool test relies on (pure, fast: no Airflow needed)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from tests.e2e.pool_timeline import peak_occupancy, pool_waits, running_at, timeline

T0 = "2026-01-05T00:00:"


def ti(name: str, *, ready: int, queued: int, end: int, slots: int = 2, pool: str = "p") -> dict[str, Any]:
    return {
        "dag_id": "d",
        "task_id": name,
        "map_index": -1,
        "dag_run_id": "r",
        "pool": pool,
        "pool_slots": slots,
        "scheduled_when": f"{T0}{ready:02d}Z",
        "queued_when": f"{T0}{queued:02d}Z",
        "start_date": f"{T0}{queued:02d}Z",
        "end_date": f"{T0}{end:02d}Z",
    }


def test_back_to_back_holders_do_not_overlap() -> None:
    # b is queued the instant a ends: the slots change hands, they are never held twice.
    a, b = ti("a", ready=0, queued=1, end=5), ti("b", ready=0, queued=5, end=9)
    assert peak_occupancy([a, b]) == 2


def test_overlapping_holders_add_up() -> None:
    a, b = ti("a", ready=0, queued=1, end=5), ti("b", ready=0, queued=4, end=9, slots=1)
    assert peak_occupancy([a, b]) == 3


def test_tasks_ready_together_wait_for_the_one_let_in() -> None:
    # Ready at the same instant; a got the pool a moment later, so b and c waited for it.
    a = ti("a", ready=0, queued=1, end=5)
    b = ti("b", ready=0, queued=5, end=9)
    c = ti("c", ready=0, queued=9, end=12)
    waits = pool_waits([a, b, c], [a, b, c], pool_size=2)
    assert [(w.waiter.split(".")[1].split("@")[0], w.holders) for w in waits] == [
        ("b", ("d.a@r",)),
        ("c", ("d.a@r",)),
    ]
    assert waits[0].seconds == 5 and waits[0].tasks_running == 1


def test_a_task_that_fits_did_not_wait() -> None:
    a = ti("a", ready=0, queued=1, end=5, slots=1)
    b = ti("b", ready=2, queued=3, end=6, slots=1)
    assert pool_waits([a, b], [a, b], pool_size=2) == []


def test_running_counts_every_pool_and_the_timeline_reads_in_start_order() -> None:
    a, other = ti("a", ready=0, queued=1, end=5), ti("x", ready=0, queued=2, end=3, pool="default_pool")
    assert running_at([a, other], datetime.fromisoformat(f"{T0}02Z")) == 2
    lines = timeline([other, a])
    assert [line.split()[-1] for line in lines] == ["d.a@r", "d.x@r"]
    assert lines[0].startswith("ready    0.0 queued    1.0 start    1.0 end    5.0")
