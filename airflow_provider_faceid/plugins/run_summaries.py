"""Per DAG run figures only the operator knows (listed, duplicates, OCR calls), from its XCom summaries.

The results and failures tables say what was loaded and what failed, but not how many files a run
listed, how many were byte-identical copies, or how many calls it paid for: those are in the summary
the operator returns (its ``return_value`` XCom). The api-server reads them from Airflow's metadata
database, for the tasks that wrote the rows on the page only (a DAG's own roll-up task, such as the
backfill's ``summarize``, would count them twice), and adds up mapped tasks.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

SUMMARY_KEYS = ("listed", "duplicates", "ocr_calls")
MAX_XCOM_ROWS = 10_000

TaskKey = tuple[str, str, str]
"""(dag_id, run_id, task_id)"""
RunSummaries = Callable[[Sequence[TaskKey]], dict[tuple[str, str], dict[str, int]]]


def add_up(values: Sequence[tuple[str, str, Any]]) -> dict[tuple[str, str], dict[str, int]]:
    """Sum :data:`SUMMARY_KEYS` per (dag_id, run_id) over the values that look like operator summaries."""
    totals: dict[tuple[str, str], dict[str, int]] = {}
    for dag_id, run_id, value in values:
        if not isinstance(value, dict) or not all(isinstance(value.get(k), int) for k in SUMMARY_KEYS):
            continue
        run = totals.setdefault((dag_id, run_id), dict.fromkeys(SUMMARY_KEYS, 0))
        for key in SUMMARY_KEYS:
            run[key] += value[key]
    return totals


def from_airflow(tasks: Sequence[TaskKey]) -> dict[tuple[str, str], dict[str, int]]:
    """The summaries in Airflow's metadata database (the api-server's own session)."""
    if not tasks:
        return {}
    import sqlalchemy as sa
    from airflow.models.xcom import XComModel
    from airflow.utils.session import create_session

    with create_session() as session:
        rows = session.execute(
            sa.select(XComModel.dag_id, XComModel.run_id, XComModel.task_id, XComModel.value)
            .where(
                XComModel.key == "return_value",
                sa.tuple_(XComModel.dag_id, XComModel.run_id, XComModel.task_id).in_(list(tasks)),
            )
            .limit(MAX_XCOM_ROWS)
        ).all()
        return add_up([(row.dag_id, row.run_id, XComModel.deserialize_value(row)) for row in rows])
