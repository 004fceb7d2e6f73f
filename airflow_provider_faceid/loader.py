"""Loading: the fate of every staged object, buffered into rows and written in batches.

The loader is the only place that turns outcomes into rows. It counts as it goes, so the task
summary and the rows can never disagree, and it flushes every ``commit_every`` objects, so a
killed task loses at most one batch of work (which the re-run then redoes: upserts make that safe).
Several threads report to it (the planner on the runner's feeder thread, the operator on the
main thread), hence the lock.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import threading
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from airflow_provider_faceid.fieldcrypt import FieldCipher, seal_row
from airflow_provider_faceid.idnumber import mask as mask_number
from airflow_provider_faceid.idnumber import normalize as normalize_number
from airflow_provider_faceid.privacy import mask_address, mask_name
from airflow_provider_faceid.records import IdCardRecord, as_row
from airflow_provider_faceid.sink import PostgresSink
from airflow_provider_faceid.staging import StagedObject

if TYPE_CHECKING:
    from airflow_provider_faceid.documents.writer import DocumentWriter


@dataclass(frozen=True)
class Failure:
    """Why one object has no result row. ``message`` names causes, never card contents."""

    code: str
    message: str
    retryable: bool = False
    http_status: int | None = None


@dataclass(frozen=True)
class Lineage:
    """Which Airflow task instance wrote a row."""

    dag_id: str | None = None
    run_id: str | None = None
    task_id: str | None = None
    logical_date: dt.datetime | None = None


IdNumberStorage = Callable[[str], str]
Committed = Callable[[list[tuple[StagedObject, str]], list[tuple[StagedObject, str | None]]], None]


def store_plain(number: str) -> str:
    return number


def hmac_storage(key: bytes) -> IdNumberStorage:
    """Store ``HMAC-SHA256(key, number)`` as hex: joinable across tables, useless without the key."""
    if not key:
        raise ValueError("the HMAC key for ID numbers is empty")

    def store(number: str) -> str:
        return hmac.new(key, normalize_number(number).encode(), hashlib.sha256).hexdigest()

    return store


@dataclass
class LoadCounts:
    """What happened to the objects of one run; every listed object is counted exactly once in
    ``skipped``, ``duplicates``, ``loaded`` or ``failed``."""

    listed: int = 0
    skipped: Counter[str] = field(default_factory=Counter)
    duplicates: int = 0
    loaded: int = 0
    failed: Counter[str] = field(default_factory=Counter)
    flagged: int = 0
    needs_recapture: int = 0
    batches: int = 0

    @property
    def settled(self) -> int:
        return sum(self.skipped.values()) + self.duplicates + self.loaded + sum(self.failed.values())


class Loader:
    """Buffers result, source and failure rows and writes them with :meth:`PostgresSink.write_batch`.

    :param sink: the Postgres tables.
    :param lineage: written into every row.
    :param commit_every: objects per transaction.
    :param store_number: how ``id_card_number`` is stored (plain or HMAC).
    :param on_settled: called once per settled object (progress reporting).
    :param documents: pairs loaded images into documents, written in each batch's transaction;
        ``None`` leaves images unpaired.
    :param on_committed: called after each commit with the (object, digest) pairs whose load (or
        permanent failure) is now recorded, including those skipped as already recorded: the
        after-load handling of the scans (see :mod:`.after_load`).
    :param cipher: encrypts name, address and number (see :mod:`.fieldcrypt`); ``None`` stores them
        as read (the number as ``store_number`` says).
    """

    def __init__(
        self,
        *,
        sink: PostgresSink,
        lineage: Lineage,
        commit_every: int = 500,
        store_number: IdNumberStorage = store_plain,
        on_settled: Callable[[], None] | None = None,
        documents: DocumentWriter | None = None,
        cipher: FieldCipher | None = None,
        on_committed: Committed | None = None,
    ) -> None:
        if commit_every < 1:
            raise ValueError(f"commit_every must be >= 1, got {commit_every}")
        self.sink = sink
        self.lineage = lineage
        self.commit_every = commit_every
        self.store_number = store_number
        self.on_settled = on_settled
        self.documents = documents
        self.cipher = cipher
        self.on_committed = on_committed
        self.counts = LoadCounts()
        self._done_loaded: list[tuple[StagedObject, str]] = []
        self._done_failed: list[tuple[StagedObject, str | None]] = []
        self._results: dict[str, dict[str, Any]] = {}
        self._sources: list[dict[str, Any]] = []
        self._failures: list[dict[str, Any]] = []
        self._lock = threading.RLock()
        self.write_seconds = 0.0

    def count_listed(self, n: int) -> None:
        with self._lock:
            self.counts.listed += n

    def skipped(self, obj: StagedObject, *, reason: str, sha256: str | None = None) -> None:
        """Recorded by an earlier run and unchanged: nothing to write (``reason`` is ``"loaded"`` or
        ``"failed_permanent"``; the after-load handling an earlier run may not have finished is redone)."""
        with self._lock:
            self.counts.skipped[reason] += 1
            if self.on_committed is not None:
                if reason == "loaded" and sha256 is not None:
                    self._done_loaded.append((obj, sha256))
                elif reason == "failed_permanent":
                    self._done_failed.append((obj, sha256))
            self._settled()

    def duplicate(self, obj: StagedObject, *, sha256: str) -> None:
        """Same bytes as a loaded image: link the source to its row, no call."""
        with self._lock:
            self.counts.duplicates += 1
            self._sources.append(self._source_row(obj, sha256))
            if self.on_committed is not None:
                self._done_loaded.append((obj, sha256))
            self._settled()

    def loaded(self, obj: StagedObject, *, sha256: str, record: IdCardRecord) -> None:
        with self._lock:
            self.counts.loaded += 1
            self.counts.flagged += bool(record.flags)
            self.counts.needs_recapture += record.needs_recapture
            row = self._result_row(obj, sha256, record)
            if self.documents is not None:
                ref = self.documents.document_of(obj)
                if ref is not None:
                    row["document_key"] = ref.key
                    self.documents.add(ref, sha256=sha256, record=record, row=row)
            self._results[sha256] = row
            self._sources.append(self._source_row(obj, sha256))
            if self.on_committed is not None:
                self._done_loaded.append((obj, sha256))
            self._settled()

    def failed(self, obj: StagedObject, *, sha256: str | None, failure: Failure) -> None:
        with self._lock:
            self.counts.failed[failure.code] += 1
            self._failures.append(
                {
                    "source_uri": obj.uri,
                    "image_sha256": sha256,
                    "source_size": obj.size,
                    "source_etag": obj.etag,
                    "code": failure.code,
                    "http_status": failure.http_status,
                    "message": failure.message,
                    "retryable": failure.retryable,
                    "dag_id": self.lineage.dag_id,
                    "run_id": self.lineage.run_id,
                    "task_id": self.lineage.task_id,
                }
            )
            if self.on_committed is not None and not failure.retryable:
                self._done_failed.append((obj, sha256))
            self._settled()

    def flush(self) -> None:
        """Write what is buffered in one transaction."""
        with self._lock:
            if not (self._results or self._sources or self._failures):
                self._after_commit()
                return
            started = time.monotonic()
            self.sink.write_batch(
                results=list(self._results.values()),
                sources=self._sources,
                failures=self._failures,
                also=self.documents.write if self.documents is not None else None,
            )
            self.write_seconds += time.monotonic() - started
            self.counts.batches += 1
            self._results, self._sources, self._failures = {}, [], []
            self._after_commit()

    def _after_commit(self) -> None:
        # Only here, once write_batch returned: the rows of these objects are committed.
        if self.on_committed is None or not (self._done_loaded or self._done_failed):
            return
        loaded, failed = self._done_loaded, self._done_failed
        self._done_loaded, self._done_failed = [], []
        self.on_committed(loaded, failed)

    def _settled(self) -> None:
        if self.counts.settled % self.commit_every == 0:
            self.flush()
        if self.on_settled is not None:
            self.on_settled()

    def _result_row(self, obj: StagedObject, sha256: str, record: IdCardRecord) -> dict[str, Any]:
        row = as_row(record)
        number = record.id_card_number
        row.update(
            image_sha256=sha256,
            id_card_number=self.store_number(number) if number else number,
            id_card_number_masked=mask_number(number) if number else None,
            name_masked=mask_name(record.name) if record.name else None,
            address_masked=mask_address(record.address) if record.address else None,
            source_uri=obj.uri,
            source_size=obj.size,
            dag_id=self.lineage.dag_id,
            run_id=self.lineage.run_id,
            task_id=self.lineage.task_id,
            logical_date=self.lineage.logical_date,
        )
        if self.cipher is not None:
            seal_row(row, self.cipher, clear_number=number)
        return row

    def _source_row(self, obj: StagedObject, sha256: str) -> dict[str, Any]:
        return {
            "source_uri": obj.uri,
            "source_size": obj.size,
            "source_etag": obj.etag,
            "image_sha256": sha256,
            "dag_id": self.lineage.dag_id,
            "run_id": self.lineage.run_id,
        }
