"""The lifecycle operators: erasure on request, retention, key rotation. None of them calls the API.

Each reads and changes the tables of one load operator, ``FaceIdOcrToPostgresOperator`` (same
``postgres_conn_id``, ``schema``, ``table``) and returns a summary with counts only.
"""

from __future__ import annotations

import contextlib
import datetime as dt
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Any

from airflow.sdk import BaseOperator

from airflow_provider_faceid.after_load import archive_uri, delete_object
from airflow_provider_faceid.erasure import (
    KEY_KINDS,
    KeyKind,
    erase,
    number_storages,
    record_deleted_objects,
)
from airflow_provider_faceid.fieldcrypt import Keyring
from airflow_provider_faceid.idnumber import normalize as normalize_number
from airflow_provider_faceid.keys import read_secret
from airflow_provider_faceid.loader import hmac_storage
from airflow_provider_faceid.retention import AGE_FROM, AgeFrom, apply_retention
from airflow_provider_faceid.rotation import rotate_keys
from airflow_provider_faceid.staging import StagedObject, StagingError, read_staged

if TYPE_CHECKING:
    from airflow.sdk import Context

    from airflow_provider_faceid.sink import PostgresSink


class _TablesOperator(BaseOperator):
    """Shared by the lifecycle operators: which tables, built lazily in ``execute``."""

    template_fields: Sequence[str] = ("schema", "table")

    def __init__(
        self,
        *,
        postgres_conn_id: str = "postgres_default",
        schema: str | None = None,
        table: str = "faceid_idcard",
        failures_table: str | None = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(**kwargs)
        self.postgres_conn_id = postgres_conn_id
        self.schema = schema
        self.table = table
        self.failures_table = failures_table

    def _sink(self) -> PostgresSink:
        from airflow_provider_faceid.operators.faceid import build_sink

        sink = build_sink(self.postgres_conn_id, self.schema, self.table, self.failures_table)
        sink.create_tables()  # migrates older tables; a no-op on current ones
        return sink


class FaceIdEraseOperator(_TablesOperator):
    """
    Erase everything about one person: rows in every table, optionally the scans; an audit row stays.

    The person is named by one key: an ID number, a document key or a source URI. The key is read
    from the run's ``conf`` (``key_from_conf``) or given as ``key``; it is never templated, logged or
    stored (rendered template fields are kept in Airflow's database). Erased images are tombstoned:
    a later load of the same bytes records an ``ERASED`` failure instead of calling the API.

    .. seealso::
        README.md, "Personal data".

    :param key_kind: ``"id_number"``, ``"document_key"`` or ``"source_uri"``.
    :param key: the key itself, for programmatic use; else ``key_from_conf`` is read.
    :param key_from_conf: the entry of ``dag_run.conf`` holding the key.
    :param request_ref: the request's reference (ticket), kept in the audit row. (templated)
    :param hmac_key_conn_id: connection whose password is the HMAC key, when numbers are stored hashed.
    :param hmac_key_variable: Airflow Variable holding that HMAC key.
    :param delete_scans: delete the person's staged scans too (after the rows are committed).
    :param source_conn_id: connection of the staging store; not needed for local paths.
    :param archive_to: the loads' ``archive_to``: archived copies are deleted too. (templated)
    :param archive_conn_id: connection of the archive's store.
    :param postgres_conn_id: the Postgres connection of the results database.
    :param schema: schema of the tables. (templated)
    :param table: results table. (templated)
    :param failures_table: failures table, default ``<table>_failure``.
    """

    template_fields: Sequence[str] = ("schema", "table", "request_ref", "archive_to")

    def __init__(
        self,
        *,
        key_kind: KeyKind,
        key: str | None = None,
        key_from_conf: str | None = "key",
        request_ref: str | None = None,
        hmac_key_conn_id: str | None = None,
        hmac_key_variable: str | None = None,
        delete_scans: bool = False,
        source_conn_id: str | None = None,
        archive_to: str | None = None,
        archive_conn_id: str | None = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(**kwargs)
        if key_kind not in KEY_KINDS:
            raise ValueError(f"key_kind must be one of {KEY_KINDS}, got {key_kind!r}")
        if key is None and not key_from_conf:
            raise ValueError("give key or key_from_conf")
        self.key_kind = key_kind
        self.key = key
        self.key_from_conf = key_from_conf
        self.request_ref = request_ref
        self.hmac_key_conn_id = hmac_key_conn_id
        self.hmac_key_variable = hmac_key_variable
        self.delete_scans = delete_scans
        self.source_conn_id = source_conn_id
        self.archive_to = archive_to
        self.archive_conn_id = archive_conn_id

    def execute(self, context: Context) -> dict[str, Any]:
        key = self._key(context)
        sink = self._sink()
        store_number: Callable[[str], str] = normalize_number
        hashed = bool(self.hmac_key_conn_id or self.hmac_key_variable)
        if self.key_kind == "id_number":
            self._check_number_storage(sink, hashed=hashed)
        if hashed:
            secret = read_secret(
                conn_id=self.hmac_key_conn_id, variable=self.hmac_key_variable, what="HMAC key"
            )
            store_number = hmac_storage(secret.encode())
        extra: list[str] = []
        if self.key_kind == "source_uri":
            # A scan not loaded yet (or whose rows are gone) is still tombstoned by its bytes.
            with contextlib.suppress(StagingError):
                extra.append(
                    read_staged(
                        StagedObject(uri=key, size=None, etag=None, conn_id=self.source_conn_id)
                    ).sha256
                )
        ti = context.get("ti")
        dag_run = context.get("dag_run")
        report = erase(
            sink.engine,
            sink.tables,
            key_kind=self.key_kind,
            key=key,
            store_number=store_number,
            extra_digests=extra,
            request_ref=self.request_ref,
            dag_id=getattr(ti, "dag_id", None),
            run_id=getattr(dag_run, "run_id", None) or getattr(ti, "run_id", None),
        )
        summary = report.as_dict()
        if self.delete_scans:
            deleted = self._delete_scans(report.objects, report.digests)
            record_deleted_objects(sink.engine, sink.tables, report.erasure_id, deleted)
            summary["objects_deleted"] = len(deleted)
        self.log.info("FaceID erasure: %s", summary)
        return summary

    def _check_number_storage(self, sink: PostgresSink, *, hashed: bool) -> None:
        found = number_storages(sink.engine, sink.tables)
        if found == {"hmac"} and not hashed:
            raise ValueError(
                "the numbers in these tables are HMACs: give hmac_key_conn_id or hmac_key_variable "
                "(the loads' key), or the erasure would match nothing"
            )
        if found == {"plain"} and hashed:
            raise ValueError("the numbers in these tables are stored as read: drop the HMAC key parameters")

    def _key(self, context: Context) -> str:
        if self.key is not None:
            key = self.key
        else:
            dag_run = context.get("dag_run")
            conf = getattr(dag_run, "conf", None) or {}
            key = conf.get(str(self.key_from_conf), "")
        if not isinstance(key, str) or not key.strip():
            raise ValueError(f"no erasure key: set key, or dag_run.conf[{self.key_from_conf!r}]")
        from airflow.sdk.log import mask_secret

        mask_secret(key.strip())
        return key.strip()

    def _delete_scans(self, objects: Sequence[str], digests: Sequence[str]) -> list[str]:
        targets = [(uri, self.source_conn_id) for uri in objects]
        if self.archive_to:
            for sha in digests:
                for uri in objects:
                    targets.append((archive_uri(self.archive_to, sha, uri), self.archive_conn_id))
        deleted = []
        for uri, conn_id in targets:
            try:
                if delete_object(uri, conn_id):
                    deleted.append(uri)
            except (OSError, ValueError) as exc:
                self.log.warning(
                    "a scan could not be deleted (%s); the audit row lists it as not deleted",
                    type(exc).__name__,
                )
        return deleted


class FaceIdRetentionOperator(_TablesOperator):
    """
    Delete result, document, source and failure rows older than a retention period, in small batches.

    Safe beside running loads (rows they hold locked are skipped, not waited for); each batch is its own
    short transaction. The erasure audit and the tombstones are kept.

    :param retention: how long rows are kept: a ``timedelta`` or a number of days.
    :param age_from: ``"loaded_at"`` (when last written) or ``"captured_at"`` (when scanned; for
        images outside documents, ``loaded_at``).
    :param batch_size: images per transaction.
    :param max_batches: stop after this many batches (the next run goes on); default: until done.
    :param postgres_conn_id: the Postgres connection of the results database.
    :param schema: schema of the tables. (templated)
    :param table: results table. (templated)
    :param failures_table: failures table, default ``<table>_failure``.
    """

    def __init__(
        self,
        *,
        retention: dt.timedelta | int,
        age_from: AgeFrom = "loaded_at",
        batch_size: int = 1000,
        max_batches: int | None = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(**kwargs)
        if age_from not in AGE_FROM:
            raise ValueError(f"age_from must be one of {AGE_FROM}, got {age_from!r}")
        period = retention if isinstance(retention, dt.timedelta) else dt.timedelta(days=retention)
        if period <= dt.timedelta(0):
            raise ValueError(f"retention must be positive, got {retention!r}")
        self.retention = period
        self.age_from = age_from
        self.batch_size = batch_size
        self.max_batches = max_batches

    def execute(self, context: Context) -> dict[str, Any]:
        sink = self._sink()
        older_than = dt.datetime.now(dt.timezone.utc) - self.retention
        report = apply_retention(
            sink.engine,
            sink.tables,
            older_than=older_than,
            age_from=self.age_from,
            batch_size=self.batch_size,
            max_batches=self.max_batches,
        )
        summary = {"older_than": older_than.isoformat(), **report.as_dict()}
        self.log.info("FaceID retention: %s", summary)
        return summary


class FaceIdRotateKeyOperator(_TablesOperator):
    """
    Re-encrypt the values written under older field encryption keys with the current one.

    Batched and resumable; loads may run meanwhile (configure them with the new key first). Ends
    with the count of values still under another key (``left``): 0 when the rotation is complete,
    after which the old keys can be retired.

    :param encryption_key_conn_id: connection whose password is the current (new) key.
    :param encryption_key_variable: Airflow Variable holding the current key.
    :param previous_key_conn_ids: connections holding older keys still found in the tables.
    :param previous_key_variables: Variables holding older keys.
    :param batch_size: rows per transaction.
    :param max_batches: stop after this many batches (the next run goes on); default: until done.
    :param postgres_conn_id: the Postgres connection of the results database.
    :param schema: schema of the tables. (templated)
    :param table: results table. (templated)
    :param failures_table: failures table, default ``<table>_failure``.
    """

    def __init__(
        self,
        *,
        encryption_key_conn_id: str | None = None,
        encryption_key_variable: str | None = None,
        previous_key_conn_ids: Sequence[str] = (),
        previous_key_variables: Sequence[str] = (),
        batch_size: int = 500,
        max_batches: int | None = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(**kwargs)
        if not (encryption_key_conn_id or encryption_key_variable):
            raise ValueError("give encryption_key_conn_id or encryption_key_variable (the new key)")
        if not (previous_key_conn_ids or previous_key_variables):
            raise ValueError("give previous_key_conn_ids or previous_key_variables (the keys to retire)")
        self.encryption_key_conn_id = encryption_key_conn_id
        self.encryption_key_variable = encryption_key_variable
        self.previous_key_conn_ids = list(previous_key_conn_ids)
        self.previous_key_variables = list(previous_key_variables)
        self.batch_size = batch_size
        self.max_batches = max_batches

    def execute(self, context: Context) -> dict[str, Any]:
        what = "field encryption key"
        current = read_secret(
            conn_id=self.encryption_key_conn_id, variable=self.encryption_key_variable, what=what
        )
        previous = [read_secret(conn_id=c, variable=None, what=what) for c in self.previous_key_conn_ids]
        previous += [read_secret(conn_id=None, variable=v, what=what) for v in self.previous_key_variables]
        sink = self._sink()
        report = rotate_keys(
            sink.engine,
            sink.tables,
            Keyring(current, previous),
            batch_size=self.batch_size,
            max_batches=self.max_batches,
        )
        summary = report.as_dict()
        self.log.info("FaceID key rotation: %s", summary)
        return summary
