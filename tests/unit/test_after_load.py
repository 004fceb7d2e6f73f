"""Scan handling after a commit: moves within and across stores, deletes, errors that fail nothing."""

from __future__ import annotations

import logging
from pathlib import Path

import fsspec
import pytest

from airflow_provider_faceid.after_load import ScanDisposer, archive_uri, delete_object, move_object
from airflow_provider_faceid.staging import StagedObject

SHA = "ab" * 32


def test_archive_uri_is_the_digest_then_the_file_name() -> None:
    assert archive_uri("s3://bucket/archive/", SHA, "s3://staging/2026-11-01/a.jpg") == (
        f"s3://bucket/archive/{SHA}/a.jpg"
    )


def test_move_across_stores_copies_then_deletes_and_a_redone_move_is_a_no_op(tmp_path: Path) -> None:
    source = tmp_path / "a.jpg"
    source.write_bytes(b"scan bytes")
    target = f"memory://archive-{tmp_path.name}/{SHA}/a.jpg"
    move_object(str(source), None, target, None)
    memory = fsspec.filesystem("memory")
    assert not source.exists() and memory.cat_file(target.removeprefix("memory://")) == b"scan bytes"
    move_object(str(source), None, target, None)  # the crash-then-rerun case: already there
    # And back, from the object store to a local folder.
    back = tmp_path / "back" / "a.jpg"
    move_object(target, None, str(back), None)
    assert back.read_bytes() == b"scan bytes" and not memory.exists(target.removeprefix("memory://"))
    assert delete_object(str(back), None) and not back.exists()
    assert not delete_object(str(back), None)


def test_a_scan_that_cannot_be_handled_is_counted_not_raised(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    disposer = ScanDisposer(after_load="move", archive_to=str(tmp_path / "archive"))
    gone = StagedObject(uri=str(tmp_path / "张三.jpg"), size=1, etag=None)
    with caplog.at_level(logging.WARNING):
        disposer.committed([(gone, SHA)], [])
    assert disposer.counts == {"move_errors": 1}
    assert "张三" not in caplog.text


def test_modes_are_checked() -> None:
    with pytest.raises(ValueError, match="needs archive_to"):
        ScanDisposer(after_load="move")
    with pytest.raises(ValueError, match="on_failure must be one of"):
        ScanDisposer(on_failure="shred")  # type: ignore[arg-type]
    assert not ScanDisposer().acts
