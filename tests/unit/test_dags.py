"""The example DAGs in dags/: they import cleanly through Airflow's own DagBag and have the shape the
README promises (schedule, pool, params, mapping over chunks, the staging folder of a ``ds``).

Running them for real is tests/integration/test_dag_runs.py and the demo (tests/integration/test_demo.py).
"""

from __future__ import annotations

import copy
import datetime as dt
import importlib.util
from pathlib import Path
from types import ModuleType
from typing import Any

import pendulum
import pytest
from airflow.dag_processing.dagbag import DagBag
from airflow.sdk.definitions.mappedoperator import MappedOperator
from airflow.sdk.definitions.param import ParamsDict
from airflow.sdk.exceptions import ParamValidationError
from airflow.sdk.execution_time.context import VariableAccessor
from airflow.serialization.decoders import decode_timetable
from airflow.serialization.encoders import encode_timetable
from airflow.timetables.base import TimeRestriction

from airflow_provider_faceid.operators.faceid import FaceIdOcrToPostgresOperator
from airflow_provider_faceid.operators.lifecycle import (
    FaceIdEraseOperator,
    FaceIdRetentionOperator,
    FaceIdRotateKeyOperator,
)
from airflow_provider_faceid.staging import StagedObject

DAGS_FOLDER = Path(__file__).resolve().parents[2] / "dags"
DAILY = "faceid_idcards_daily"
BACKFILL = "faceid_idcards_backfill"
DOCUMENTS = "faceid_documents_daily"
PERSONAL_DATA = "faceid_personal_data"
LIFECYCLE = {"faceid_retention_daily", "faceid_erasure", "faceid_key_rotation"}


@pytest.fixture
def dagbag(monkeypatch: pytest.MonkeyPatch) -> DagBag:
    monkeypatch.setenv("AIRFLOW__CORE__LOAD_EXAMPLES", "False")
    monkeypatch.setenv("FACEID_POOL_SLOTS", "3")
    return DagBag(dag_folder=str(DAGS_FOLDER))


@pytest.fixture
def backfill_module() -> ModuleType:
    """The backfill DAG file as a module, for its helper functions."""
    spec = importlib.util.spec_from_file_location(
        "faceid_idcards_backfill_under_test", DAGS_FOLDER / f"{BACKFILL}.py"
    )
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def task_of(bag: DagBag, dag_id: str, task_id: str) -> Any:
    """The task as its own class (get_task's declared union hides the operator's attributes)."""
    return bag.dags[dag_id].get_task(task_id)


def render_context(ds: str) -> Any:
    return {
        "ds": ds,
        "var": {
            "value": VariableAccessor(deserialize_json=False),
            "json": VariableAccessor(deserialize_json=True),
        },
    }


def test_dags_import_without_errors(dagbag: DagBag) -> None:
    assert dagbag.import_errors == {}
    assert set(dagbag.dag_ids) == {DAILY, BACKFILL, DOCUMENTS, *LIFECYCLE}
    assert {path.name for path in DAGS_FOLDER.iterdir() if path.suffix == ".py"} == {
        f"{DAILY}.py",
        f"{BACKFILL}.py",
        f"{DOCUMENTS}.py",
        f"{PERSONAL_DATA}.py",
    }


def test_the_lifecycle_dags_never_touch_the_api_and_keep_the_key_out_of_templates(dagbag: DagBag) -> None:
    retention = task_of(dagbag, "faceid_retention_daily", "apply_retention")
    assert isinstance(retention, FaceIdRetentionOperator)
    assert retention.retention == dt.timedelta(days=365) and retention.batch_size == 1000
    erase = task_of(dagbag, "faceid_erasure", "erase_person")
    assert isinstance(erase, FaceIdEraseOperator)
    assert (erase.key_kind, erase.key_from_conf, erase.key) == ("id_number", "key", None)
    assert "key" not in erase.template_fields and "request_ref" in erase.template_fields
    assert dagbag.dags["faceid_erasure"].schedule is None
    rotate = task_of(dagbag, "faceid_key_rotation", "rotate_key")
    assert isinstance(rotate, FaceIdRotateKeyOperator)
    assert rotate.previous_key_conn_ids == ["faceid_field_key_old"]
    for dag_id in LIFECYCLE:
        assert all(t.pool != "faceid_api" for t in dagbag.dags[dag_id].tasks)


def test_the_documents_dag_pairs_by_folder_into_its_own_tables(dagbag: DagBag) -> None:
    operator = task_of(dagbag, DOCUMENTS, "pair_documents")
    assert isinstance(operator, FaceIdOcrToPostgresOperator)
    assert (operator.pair_by, operator.table, operator.pool) == ("folder", "faceid_kyc", "faceid_api")
    assert "pair_by" in operator.template_fields
    assert operator.source.endswith("/{{ ds }}")
    assert task_of(dagbag, DAILY, "ocr_idcards").pair_by is None


@pytest.mark.parametrize("dag_id", [DAILY, BACKFILL, DOCUMENTS])
def test_each_dag_file_says_how_to_use_it(dag_id: str) -> None:
    source = (DAGS_FOLDER / f"{dag_id}.py").read_text(encoding="utf-8")
    docstring = source.split('"""')[1]
    for needle in ("faceid_default", "faceid_results", "airflow pools set faceid_api", "FACEID_POOL_SLOTS"):
        assert needle in docstring, needle
    assert "airflow dags trigger" in docstring


def test_daily_schedule_and_retries(dagbag: DagBag) -> None:
    dag = dagbag.dags[DAILY]
    assert type(dag.timetable).__name__ == "CronDataIntervalTimetable"
    timetable: Any = dag.timetable
    assert timetable.expression == "0 0 * * *"  # what "@daily" expands to
    assert dag.start_date == dt.datetime(2026, 1, 1, tzinfo=dt.timezone.utc)
    assert dag.catchup is False
    assert 1 <= dag.max_active_runs <= 4
    task = task_of(dagbag, DAILY, "ocr_idcards")
    assert isinstance(task, FaceIdOcrToPostgresOperator)
    assert task.retries == 3
    assert task.retry_exponential_backoff > 1
    assert task.pool == "faceid_api"
    assert task.pool_slots == 3  # from FACEID_POOL_SLOTS at parse time
    assert task.max_in_flight is None  # so the operator keeps pool_slots requests in flight
    assert (task.faceid_conn_id, task.postgres_conn_id, task.table) == (
        "faceid_default",
        "faceid_results",
        "faceid_idcard",
    )
    assert task.upstream_task_ids == {"day_folder_exists"}


def test_daily_schedule_reads_the_day_that_just_ended(dagbag: DagBag) -> None:
    """The run the scheduler starts at 00:00 on Nov 2 must have ds = Nov 1 (the day's scans are all in)."""
    # The scheduler works on the core timetable the DAG serialises to: ask that one.
    core = decode_timetable(encode_timetable(dagbag.dags[DAILY].timetable))
    restriction = TimeRestriction(
        earliest=pendulum.datetime(2026, 11, 1, tz="UTC"), latest=None, catchup=True
    )
    info = core.next_dagrun_info(last_automated_data_interval=None, restriction=restriction)
    assert info is not None and info.data_interval is not None
    assert info.run_after == dt.datetime(2026, 11, 2, tzinfo=dt.timezone.utc)
    assert info.data_interval.start.date().isoformat() == "2026-11-01"  # logical date, i.e. ds


def test_pool_slots_default_to_two(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("FACEID_POOL_SLOTS", raising=False)
    bag = DagBag(dag_folder=str(DAGS_FOLDER))
    assert task_of(bag, DAILY, "ocr_idcards").pool_slots == 2
    assert task_of(bag, BACKFILL, "ocr_chunk").partial_kwargs["pool_slots"] == 2


def test_daily_source_renders_to_the_folder_of_the_ds(
    dagbag: DagBag, monkeypatch: pytest.MonkeyPatch
) -> None:
    task = task_of(dagbag, DAILY, "ocr_idcards")
    monkeypatch.delenv("AIRFLOW_VAR_FACEID_STAGING_ROOT", raising=False)
    assert (
        task.render_template(task.source, render_context("2026-11-01")) == "/opt/airflow/staging/2026-11-01"
    )
    monkeypatch.setenv("AIRFLOW_VAR_FACEID_STAGING_ROOT", "s3://scans_conn@kyc-scans/daily")
    assert (
        task.render_template(task.source, render_context("2026-02-28"))
        == "s3://scans_conn@kyc-scans/daily/2026-02-28"
    )


def test_day_folder_check_gets_the_same_folder(dagbag: DagBag) -> None:
    check = task_of(dagbag, DAILY, "day_folder_exists")
    assert list(check.op_args) == [task_of(dagbag, DAILY, "ocr_idcards").source]
    assert check.retries == 3  # a store that does not answer is retried, not taken for "no folder"


def test_missing_day_folder_short_circuits(dagbag: DagBag, tmp_path: Path) -> None:
    exists = task_of(dagbag, DAILY, "day_folder_exists").python_callable
    day = tmp_path / "2026-11-01"
    assert exists(str(day)) is False
    day.mkdir()
    assert exists(str(day)) is True  # an empty folder runs (and loads nothing)
    assert exists(f"file://{day}") is True


def test_backfill_shape(dagbag: DagBag) -> None:
    dag = dagbag.dags[BACKFILL]
    assert type(dag.timetable).__name__ == "NullTimetable"  # schedule=None: triggered by hand
    assert dag.max_active_runs == 1
    assert set(dag.task_ids) == {"list_chunks", "ocr_chunk", "summarize"}
    mapped = task_of(dagbag, BACKFILL, "ocr_chunk")
    assert isinstance(mapped, MappedOperator)
    assert mapped.operator_class is FaceIdOcrToPostgresOperator
    assert mapped.partial_kwargs["pool"] == "faceid_api"
    assert mapped.partial_kwargs["pool_slots"] == 3
    assert mapped.partial_kwargs["retries"] == 3
    # Mapped over the chunks list_chunks returns: one task per chunk, never per image.
    expanded: Any = mapped.expand_input.value
    assert list(expanded) == ["source"]
    assert expanded["source"].operator.task_id == "list_chunks"
    assert dag.get_task("list_chunks").downstream_task_ids == {"ocr_chunk"}
    assert mapped.downstream_task_ids == {"summarize"}


def test_backfill_params(dagbag: DagBag) -> None:
    params = dagbag.dags[BACKFILL].params
    assert params["chunk_size"] == 500
    assert params["pattern"] is None
    with pytest.raises(ParamValidationError, match="prefix"):
        params.validate()  # prefix is required
    assert with_conf(params, {"prefix": "/data/archive"}) == {
        "prefix": "/data/archive",
        "chunk_size": 500,
        "pattern": None,
    }
    for bad in ({"prefix": ""}, {"prefix": "/a", "chunk_size": 0}, {"prefix": "/a", "chunk_size": "many"}):
        with pytest.raises(ParamValidationError):
            with_conf(params, bad)


def with_conf(params: ParamsDict, conf: dict[str, Any]) -> dict[str, Any]:
    """What a trigger with ``--conf`` validates: the DAG's params updated with the conf."""
    merged = copy.deepcopy(params)
    merged.update(conf)
    return merged.validate()


def test_list_chunks_lists_once_into_uri_chunks(dagbag: DagBag, tmp_path: Path) -> None:
    for year in ("2019", "2020"):
        (tmp_path / year).mkdir()
        for index in range(5):
            (tmp_path / year / f"{index:03d}.jpg").write_bytes(b"x")
    (tmp_path / "2019" / "notes.txt").write_text("not a scan")
    (tmp_path / "2020" / "scan.PNG").write_bytes(b"x")
    list_chunks = task_of(dagbag, BACKFILL, "list_chunks").python_callable

    chunks = list_chunks(params={"prefix": str(tmp_path), "chunk_size": 4, "pattern": None})
    flat = [uri for chunk in chunks for uri in chunk]
    assert [len(chunk) for chunk in chunks] == [4, 4, 3]
    assert flat == sorted(flat)
    assert len(flat) == 11 and not any(uri.endswith(".txt") for uri in flat)
    assert flat[0] == str(tmp_path / "2019" / "000.jpg")

    only_jpg = list_chunks(params={"prefix": str(tmp_path), "chunk_size": 500, "pattern": "*.jpg"})
    assert len(only_jpg) == 1 and len(only_jpg[0]) == 10


def test_chunk_size_grows_to_stay_under_the_map_limit(backfill_module: ModuleType) -> None:
    chunk_uris = backfill_module.chunk_uris
    uris = [f"/a/{i:07d}.jpg" for i in range(1_234_567)]
    chunks = chunk_uris(uris, chunk_size=500)
    assert len(chunks) <= 1000
    assert [uri for chunk in chunks for uri in chunk] == uris
    assert chunk_uris(uris[:2500], chunk_size=500) == [uris[i : i + 500] for i in range(0, 2500, 500)]
    assert chunk_uris([], chunk_size=500) == []
    with pytest.raises(ValueError, match="chunk_size"):
        chunk_uris(uris[:3], chunk_size=0)


def test_readable_uri_keeps_the_connection(backfill_module: ModuleType) -> None:
    readable_uri = backfill_module.readable_uri
    remote = StagedObject(uri="s3://bucket/2019/a.jpg", size=1, etag="e", conn_id="scans_conn")
    assert readable_uri(remote) == "s3://scans_conn@bucket/2019/a.jpg"
    assert readable_uri(StagedObject(uri="/data/a.jpg", size=1, etag=None)) == "/data/a.jpg"


def test_summaries_are_summed(backfill_module: ModuleType) -> None:
    totals = backfill_module.sum_summaries(
        [
            {"listed": 3, "loaded": 2, "failed": 1, "ocr_calls": 3, "failed_by_code": {"EMPTY_FILE": 1}},
            {"listed": 2, "skipped": 2, "failed_by_code": {}},
            {"listed": 1, "failed": 1, "ocr_calls": 2, "retries": 1, "failed_by_code": {"EMPTY_FILE": 1}},
        ]
    )
    assert totals["chunks"] == 3
    assert (totals["listed"], totals["loaded"], totals["skipped"], totals["failed"]) == (6, 2, 2, 2)
    assert (totals["ocr_calls"], totals["retries"]) == (5, 1)
    assert totals["failed_by_code"] == {"EMPTY_FILE": 2}
