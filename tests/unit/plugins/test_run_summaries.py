"""Adding up the operator's XCom summaries per DAG run."""

from __future__ import annotations

from airflow_provider_faceid.plugins.run_summaries import add_up


def test_mapped_tasks_add_up_and_other_values_are_ignored() -> None:
    chunk = {"listed": 10, "duplicates": 1, "ocr_calls": 9, "loaded": 9}
    values = [
        ("d", "r1", chunk),
        ("d", "r1", {**chunk, "listed": 5, "ocr_calls": 4}),
        ("d", "r1", "not a summary"),
        ("d", "r1", {"listed": "10", "duplicates": 0, "ocr_calls": 0}),  # not the operator's
        ("d", "r2", {**chunk, "duplicates": 0}),
    ]
    assert add_up(values) == {
        ("d", "r1"): {"listed": 15, "duplicates": 2, "ocr_calls": 13},
        ("d", "r2"): {"listed": 10, "duplicates": 0, "ocr_calls": 9},
    }
