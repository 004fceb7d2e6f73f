"""What the task instances' timestamps say about a pool: peak occupancy, and who waited for it.

A task instance holds its pool slots from the moment the scheduler queues it (``queued_when``) until
it ends (``end_date``): Airflow counts queued and running instances against the pool. It waits for
the pool between becoming ready (``scheduled_when``) and being queued.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any

TaskInstance = Mapping[str, Any]


@dataclasses.dataclass(frozen=True)
class PoolWait:
    """While ``waiter`` was ready and not yet queued, ``holders`` held too many slots for it to fit."""

    waiter: str
    holders: tuple[str, ...]
    seconds: float  # from ready to queued
    tasks_running: int  # every task of the deployment holding an executor slot at that instant


def label(ti: TaskInstance) -> str:
    suffix = f"[{ti['map_index']}]" if ti["map_index"] >= 0 else ""
    return f"{ti['dag_id']}.{ti['task_id']}{suffix}@{ti['dag_run_id']}"


def _at(value: str) -> datetime:
    return datetime.fromisoformat(value)


def holding_interval(ti: TaskInstance) -> tuple[datetime, datetime]:
    return _at(ti["queued_when"]), _at(ti["end_date"])


def peak_occupancy(tis: Sequence[TaskInstance]) -> int:
    """Largest sum of ``pool_slots`` held at one instant (an end at t frees before a start at t)."""
    events: list[tuple[datetime, int]] = []
    for ti in tis:
        start, end = holding_interval(ti)
        events += [(start, ti["pool_slots"]), (end, -ti["pool_slots"])]
    held = peak = 0
    for _, delta in sorted(events, key=lambda event: (event[0], event[1])):
        held += delta
        peak = max(peak, held)
    return peak


def running_at(tis: Sequence[TaskInstance], instant: datetime) -> int:
    """Task instances holding an executor slot at ``instant`` (queued or running)."""
    return sum(
        1 for ti in tis if ti["queued_when"] and holding_interval(ti)[0] <= instant < _at(ti["end_date"])
    )


def pool_waits(
    pool_tis: Sequence[TaskInstance], all_tis: Sequence[TaskInstance], *, pool_size: int
) -> list[PoolWait]:
    """Task instances of the pool that were ready while the slots held by others left them no room.

    Looked at when the waiter became ready and whenever another instance took slots before the
    waiter was queued (instances ready at the same moment compete too: one gets in, the rest wait).
    """
    waits: list[PoolWait] = []
    for waiter in pool_tis:
        ready, queued = _at(waiter["scheduled_when"]), _at(waiter["queued_when"])
        others = [ti for ti in pool_tis if ti is not waiter]
        instants = [ready] + [s for s, _ in map(holding_interval, others) if ready < s < queued]
        for instant in sorted(instants):
            holders = [ti for ti in others if holding_interval(ti)[0] <= instant < holding_interval(ti)[1]]
            if sum(h["pool_slots"] for h in holders) + waiter["pool_slots"] > pool_size:
                waits.append(
                    PoolWait(
                        waiter=label(waiter),
                        holders=tuple(label(h) for h in holders),
                        seconds=round((queued - ready).total_seconds(), 2),
                        tasks_running=running_at(all_tis, instant),
                    )
                )
                break
    return waits


def timeline(tis: Sequence[TaskInstance]) -> list[str]:
    """One line per task instance: seconds from the first event to ready, queued, started, ended."""
    stamps = ("scheduled_when", "queued_when", "start_date", "end_date")
    origin = min(_at(ti[key]) for ti in tis for key in stamps if ti[key])

    def offset(value: str | None) -> str:
        return f"{(_at(value) - origin).total_seconds():6.1f}" if value else "     -"

    ordered = sorted(tis, key=lambda ti: ti["start_date"] or "")
    return [
        f"ready {offset(ti['scheduled_when'])} queued {offset(ti['queued_when'])} "
        f"start {offset(ti['start_date'])} end {offset(ti['end_date'])}  {ti['pool']:<12} {label(ti)}"
        for ti in ordered
    ]
