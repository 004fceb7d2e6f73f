"""FaceIdOcrToPostgresOperator: a folder of ID-card scans in, validated rows in Postgres out."""

from __future__ import annotations

import functools
import itertools
import threading
import time
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from airflow.sdk import Asset, BaseOperator
from airflow.sdk.exceptions import AirflowException

from airflow_provider_faceid.after_load import AfterLoad, ScanDisposer
from airflow_provider_faceid.documents import DocumentWriter, parse_pair_by
from airflow_provider_faceid.erasure import tombstoned
from airflow_provider_faceid.exceptions import (
    API_NOT_FOUND,
    AUTHORIZATION_ERROR,
    INSECURE_CONNECTION,
    FaceIdError,
)
from airflow_provider_faceid.fieldcrypt import FieldCipher
from airflow_provider_faceid.keys import read_secret
from airflow_provider_faceid.loader import (
    Failure,
    IdNumberStorage,
    Lineage,
    Loader,
    hmac_storage,
    store_plain,
)
from airflow_provider_faceid.planner import Planner, WorkItem
from airflow_provider_faceid.progress import ProgressReporter
from airflow_provider_faceid.records import build_record
from airflow_provider_faceid.runner import Outcome, run_calls
from airflow_provider_faceid.staging import DEFAULT_MAX_BYTES, SourceUnavailableError, list_staged

if TYPE_CHECKING:
    from airflow.providers.openlineage.extractors import OperatorLineage
    from airflow.sdk import Context

    from airflow_provider_faceid.hooks.faceid import FaceIdHook
    from airflow_provider_faceid.sink import PostgresSink

# Answers that say the account or the connection is wrong, not the image: every further call would
# fail the same way (and some would be billed), so the task stops instead of recording N failures.
FATAL_CODES = frozenset({AUTHORIZATION_ERROR, API_NOT_FOUND, INSECURE_CONNECTION})
ID_NUMBER_STORAGES = ("plain", "hmac")


class FaceIdOcrToPostgresOperator(BaseOperator):
    """
    Read every ID-card image under ``source`` with the FaceID OCR API and upsert validated rows into Postgres.

    Each staged image ends in exactly one place: a row of ``table`` (keyed on the image's sha256) or a
    row of ``failures_table`` with the reason. Images already loaded, or failed for good, are skipped
    by URI + size/etag before they are even downloaded, and identical bytes under two names cost one
    call, so re-runs and backfills pay only for what is new. At most ``max_in_flight`` requests are in
    flight; put the task in a pool whose slots equal the account's concurrency limit and give it
    ``pool_slots=max_in_flight`` so all tasks together never exceed the limit.

    .. seealso::
        README.md, "The operator", for the tables' DDL, the flags and the sizing rules.

    :param source: folder, key prefix or glob of the scans, as an ObjectStoragePath URL (``file://``,
        ``s3://``, ``gs://``, anything fsspec supports) or a plain absolute path; or a list of them,
        e.g. one chunk of file URIs per mapped task of a backfill. (templated)
    :param pattern: fnmatch pattern(s) of file names to stage, case-insensitive; default: common image
        extensions. (templated)
    :param source_conn_id: Airflow connection of a remote store; not needed for local paths.
    :param faceid_conn_id: the ``faceid`` connection (API base URL, api_key, api_secret).
    :param postgres_conn_id: the Postgres connection of the results database.
    :param schema: schema of the tables; default: the connection's search_path. (templated)
    :param table: results table, created if missing. (templated)
    :param failures_table: failures ledger, created if missing; default ``<table>_failure``. (templated)
    :param max_in_flight: requests in flight at most; default: the task's ``pool_slots``.
    :param legality: ask the API for the legality scores (ID Photo, Photocopy, Screen, ...).
    :param commit_every: images settled per Postgres transaction.
    :param max_failures: failures tolerated before the task fails (after loading everything good):
        a count (``int``) or a ratio of the images processed (not skipped) in this run (``float`` below 1);
        ``None`` tolerates any number (they are all in the failures table).
    :param reprocess: send every image again, even if already loaded or failed for good.
    :param id_number_storage: ``"plain"`` stores ID numbers as read; ``"hmac"`` stores
        HMAC-SHA256(key, number) hex, with the key from ``hmac_key_conn_id`` or ``hmac_key_variable``.
    :param hmac_key_conn_id: connection whose password is the HMAC key.
    :param hmac_key_variable: Airflow Variable holding the HMAC key.
    :param encrypt_fields: store ``name``, ``address`` and the number AES-GCM encrypted (the number in
        ``id_card_number_encrypted``; ``id_card_number`` keeps the HMAC, so this needs
        ``id_number_storage="hmac"``). See README, "Personal data".
    :param encryption_key_conn_id: connection whose password is the field encryption key.
    :param encryption_key_variable: Airflow Variable holding the field encryption key.
    :param max_file_bytes: staged files larger than this fail with FILE_TOO_LARGE without being read.
    :param progress_every: log a progress line every this many images (and every 30 s).
    :param after_load: what becomes of a scan once its row is committed: ``"keep"`` (default),
        ``"delete"`` or ``"move"`` (to ``archive_to``, as ``<archive_to>/<sha256>/<file name>``).
        Never before the commit; a re-run finishes what a crash interrupted, without an API call.
    :param after_load_failures: the same for scans that failed for good; default ``"keep"``, for
        inspection. Retryable failures are always kept. (ERASED scans count as failed for good.)
    :param archive_to: folder or object-store URL for ``"move"``. (templated)
    :param archive_conn_id: connection of the archive's store; not needed for local folders.
    :param pair_by: pair fronts and backs into ``<table>_document`` rows by ``"folder"``, a file-name
        regular expression with a named group ``document``, or ``"manifest:<file name>"``; ``None``
        (default) pairs nothing. (templated)
    """

    template_fields: Sequence[str] = (
        "source",
        "pattern",
        "schema",
        "table",
        "failures_table",
        "pair_by",
        "archive_to",
    )
    ui_color = "#e8f4fd"

    def __init__(
        self,
        *,
        source: str | Sequence[str],
        pattern: str | Sequence[str] | None = None,
        source_conn_id: str | None = None,
        faceid_conn_id: str = "faceid_default",
        postgres_conn_id: str = "postgres_default",
        schema: str | None = None,
        table: str = "faceid_idcard",
        failures_table: str | None = None,
        max_in_flight: int | None = None,
        legality: bool = False,
        commit_every: int = 500,
        max_failures: int | float | None = None,
        reprocess: bool = False,
        id_number_storage: str = "plain",
        hmac_key_conn_id: str | None = None,
        hmac_key_variable: str | None = None,
        encrypt_fields: bool = False,
        encryption_key_conn_id: str | None = None,
        encryption_key_variable: str | None = None,
        max_file_bytes: int = DEFAULT_MAX_BYTES,
        progress_every: int = 500,
        pair_by: str | None = None,
        after_load: AfterLoad = "keep",
        after_load_failures: AfterLoad = "keep",
        archive_to: str | None = None,
        archive_conn_id: str | None = None,
        **kwargs: Any,
    ) -> None:
        if "outlets" not in kwargs:
            kwargs["outlets"] = [results_asset(postgres_conn_id, schema, table)]
        super().__init__(**kwargs)
        if id_number_storage not in ID_NUMBER_STORAGES:
            raise ValueError(
                f"id_number_storage must be one of {ID_NUMBER_STORAGES}, got {id_number_storage!r}"
            )
        if id_number_storage == "hmac" and not (hmac_key_conn_id or hmac_key_variable):
            raise ValueError('id_number_storage="hmac" needs hmac_key_conn_id or hmac_key_variable')
        if encrypt_fields:
            if not (encryption_key_conn_id or encryption_key_variable):
                raise ValueError(
                    "encrypt_fields=True needs encryption_key_conn_id or encryption_key_variable"
                )
            if id_number_storage != "hmac":
                # A random-nonce ciphertext cannot be joined, compared across fronts or found for an
                # erasure: the HMAC is that key, the ciphertext only the recoverable value.
                raise ValueError(
                    'encrypt_fields=True needs id_number_storage="hmac" (the join and erasure key)'
                )
        if max_in_flight is not None and max_in_flight < 1:
            raise ValueError(f"max_in_flight must be >= 1, got {max_in_flight}")
        _check_max_failures(max_failures)
        # Checked now: a wrong mode must fail the DAG file's import, not a run after its calls.
        ScanDisposer(after_load=after_load, on_failure=after_load_failures, archive_to=archive_to)
        if pair_by is not None and "{{" not in pair_by:
            parse_pair_by(pair_by)  # a bad rule fails the DAG file's import, not a run
        self.source = source
        self.pattern = pattern
        self.source_conn_id = source_conn_id
        self.faceid_conn_id = faceid_conn_id
        self.postgres_conn_id = postgres_conn_id
        self.schema = schema
        self.table = table
        self.failures_table = failures_table
        self.max_in_flight = max_in_flight
        self.legality = legality
        self.commit_every = commit_every
        self.max_failures = max_failures
        self.reprocess = reprocess
        self.id_number_storage = id_number_storage
        self.hmac_key_conn_id = hmac_key_conn_id
        self.hmac_key_variable = hmac_key_variable
        self.encrypt_fields = encrypt_fields
        self.encryption_key_conn_id = encryption_key_conn_id
        self.encryption_key_variable = encryption_key_variable
        self.max_file_bytes = max_file_bytes
        self.progress_every = progress_every
        self.pair_by = pair_by
        self.after_load = after_load
        self.after_load_failures = after_load_failures
        self.archive_to = archive_to
        self.archive_conn_id = archive_conn_id

    def execute(self, context: Context) -> dict[str, Any]:
        started = time.monotonic()
        in_flight = self.max_in_flight or self.pool_slots
        sink = self._sink()
        sink.create_tables()
        progress = ProgressReporter(None, every_items=self.progress_every)
        lineage = _lineage(context)
        documents = None
        if self.pair_by is not None:
            documents = DocumentWriter(
                rule=parse_pair_by(self.pair_by),
                tables=sink.tables,
                dag_id=lineage.dag_id,
                run_id=lineage.run_id,
            )
        scans = ScanDisposer(
            after_load=self.after_load,
            on_failure=self.after_load_failures,
            archive_to=self.archive_to,
            archive_conn_id=self.archive_conn_id,
        )
        loader = Loader(
            sink=sink,
            lineage=lineage,
            commit_every=self.commit_every,
            store_number=self._id_number_storage(),
            on_settled=progress.update,
            documents=documents,
            cipher=self._cipher(),
            on_committed=scans.committed if scans.acts else None,
        )
        planner = Planner(
            sink=sink,
            loader=loader,
            reprocess=self.reprocess,
            max_file_bytes=self.max_file_bytes,
            tombstones=functools.partial(tombstoned, sink.engine, sink.tables),
        )
        retries = _Counter()
        hook = self._faceid_hook(in_flight, on_retry=lambda _error, _attempt: retries.add())
        # Resolve the connection now: a missing connection, bad extras or the HTTPS policy must fail
        # the task before anything is listed, not become one failure row per image.
        api = hook.settings.base_url
        self.log.info(
            "Reading ID cards under %s through %s with at most %d requests in flight into %s",
            self.source if isinstance(self.source, str) else f"{len(self.source)} sources",
            api,
            in_flight,
            sink,
        )

        def call(item: WorkItem) -> dict:
            name = f"image.{item.image.ext}"
            return hook.ocr_idcard(item.image.data, filename=name, legality=self.legality)

        sources = [self.source] if isinstance(self.source, str) else list(self.source)
        listed = itertools.chain.from_iterable(
            list_staged(source, pattern=self.pattern, conn_id=self.source_conn_id) for source in sources
        )
        fatal: FaceIdError | None = None
        source_gone: SourceUnavailableError | None = None
        with hook, run_calls(planner.work_items(listed), call, max_in_flight=in_flight) as outcomes:
            try:
                for outcome in outcomes:
                    fatal = self._settle(outcome, planner, loader)
                    if fatal is not None:
                        break
            except SourceUnavailableError as gone:
                # Raised by the listing side after every call already started was settled above.
                source_gone = gone
            stats = outcomes.stats
        loader.flush()
        progress.total = loader.counts.listed
        progress.finish()
        summary = _summary(loader, stats.as_dict(), retries.value, time.monotonic() - started, in_flight)
        if documents is not None:
            summary["documents"] = documents.counts()
        if scans.acts:
            summary["scans"] = dict(scans.counts)
        self.log.info("FaceID summary: %s", summary)
        if source_gone is not None:
            raise AirflowException(
                f"Stopped: the staging source went away mid-run ({source_gone.reason}). "
                f"The {summary['processed']} images settled before are kept; "
                "re-run when the source is back (they are skipped)."
            )
        if fatal is not None:
            raise AirflowException(
                f"Stopped: the FaceID API refused the account or the URL ({fatal}). "
                f"Fix connection {self.faceid_conn_id!r}; images already loaded are kept."
            )
        self._check_failures(summary)
        return summary

    def _settle(
        self, outcome: Outcome[WorkItem, dict], planner: Planner, loader: Loader
    ) -> FaceIdError | None:
        item = outcome.item
        error = outcome.error
        if error is None and outcome.result is not None:
            try:
                record = build_record(outcome.result)
            except FaceIdError as invalid:
                error = invalid
            else:
                loader.loaded(item.staged, sha256=item.sha256, record=record)
                for same in planner.settle(item.sha256, None):
                    loader.duplicate(same, sha256=item.sha256)
                return None
        if isinstance(error, FaceIdError) and error.code in FATAL_CODES:
            return error
        failure = _failure(error)
        for obj in [item.staged, *planner.settle(item.sha256, failure)]:
            loader.failed(obj, sha256=item.sha256, failure=failure)
        return None

    def _check_failures(self, summary: dict[str, Any]) -> None:
        if self.max_failures is None:
            return
        failed, processed = summary["failed"], summary["processed"]
        limit = self.max_failures if isinstance(self.max_failures, int) else self.max_failures * processed
        if failed > limit:
            raise AirflowException(
                f"{failed} of {processed} images failed (max_failures={self.max_failures}); "
                f"by code: {summary['failed_by_code']}. Every good image was loaded; see the failures table."
            )

    # -- OpenLineage: called by the OpenLineage provider only, so nothing of it is imported otherwise --

    def get_openlineage_facets_on_start(self) -> OperatorLineage:
        """The staging location as input; the results, failures (and documents) tables as outputs."""
        from airflow_provider_faceid.lineage.openlineage import operator_lineage

        return operator_lineage(self)

    def get_openlineage_facets_on_complete(self, task_instance: Any) -> OperatorLineage:
        """As on start, plus the rows and bytes this run wrote to each table."""
        from airflow_provider_faceid.lineage.openlineage import operator_lineage

        return operator_lineage(self, run=(task_instance.dag_id, task_instance.run_id))

    # -- hooks, built in execute so that parsing a DAG file opens no connection ----------------------

    def _faceid_hook(self, in_flight: int, *, on_retry: Any) -> FaceIdHook:
        from airflow_provider_faceid.hooks.faceid import FaceIdHook

        # The runner adapts to CONCURRENCY_LIMIT_EXCEEDED itself (AIMD); the hook retries the rest.
        return FaceIdHook(
            self.faceid_conn_id, pool_maxsize=in_flight, retry_concurrency_limit=False, on_retry=on_retry
        )

    def _sink(self) -> PostgresSink:
        return build_sink(self.postgres_conn_id, self.schema, self.table, self.failures_table)

    def _id_number_storage(self) -> IdNumberStorage:
        if self.id_number_storage == "plain":
            return store_plain
        key = read_secret(conn_id=self.hmac_key_conn_id, variable=self.hmac_key_variable, what="HMAC key")
        return hmac_storage(key.encode())

    def _cipher(self) -> FieldCipher | None:
        if not self.encrypt_fields:
            return None
        key = read_secret(
            conn_id=self.encryption_key_conn_id,
            variable=self.encryption_key_variable,
            what="field encryption key",
        )
        return FieldCipher(key)


def build_sink(
    postgres_conn_id: str, schema: str | None, table: str, failures_table: str | None = None
) -> PostgresSink:
    """The sink on connection ``postgres_conn_id``, for the load and the lifecycle operators alike."""
    from airflow.providers.postgres.hooks.postgres import PostgresHook

    from airflow_provider_faceid.sink import PostgresSink

    # pre_ping: a pooled connection that died between batches (database restarted or failed over)
    # is replaced at checkout instead of failing the task, and the paid calls of its batch with it.
    engine = PostgresHook(postgres_conn_id=postgres_conn_id).get_sqlalchemy_engine(
        engine_kwargs={"pool_pre_ping": True}
    )
    return PostgresSink(engine=engine, schema=schema, table=table, failures_table=failures_table)


def results_asset(postgres_conn_id: str, schema: str | None, table: str) -> Asset:
    """The Asset a run updates: one per connection, schema and results table."""
    return Asset(
        name=f"faceid_idcard:{postgres_conn_id}:{schema or 'default'}.{table}",
        uri=f"faceid+postgres://{postgres_conn_id}/{schema or 'default'}/{table}",
    )


class _Counter:
    """A counter the hook's retry callback can bump from worker threads."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self.value = 0

    def add(self) -> None:
        with self._lock:
            self.value += 1


def _check_max_failures(value: int | float | None) -> None:
    if value is None:
        return
    if isinstance(value, bool) or not isinstance(value, (int, float)) or value < 0:
        raise ValueError(f"max_failures must be a count >= 0 or a ratio in [0, 1), got {value!r}")
    if isinstance(value, float) and value >= 1:
        raise ValueError(f"a float max_failures is a ratio and must be below 1, got {value!r}")


def _failure(error: BaseException | None) -> Failure:
    if isinstance(error, FaceIdError):
        return Failure(
            code=error.code, message=error.message, retryable=error.retryable, http_status=error.http_status
        )
    # Not an API answer: a bug or an environment problem. Only the type is kept (a message could
    # quote card contents); retryable, so a re-run tries again.
    return Failure(code="CLIENT_ERROR", message=f"unexpected {type(error).__name__}", retryable=True)


def _lineage(context: Context) -> Lineage:
    ti = context.get("ti")
    dag_run = context.get("dag_run")
    return Lineage(
        dag_id=getattr(ti, "dag_id", None),
        run_id=getattr(dag_run, "run_id", None) or getattr(ti, "run_id", None),
        task_id=getattr(ti, "task_id", None),
        logical_date=context.get("logical_date"),
    )


def _summary(
    loader: Loader, runner: dict[str, int], hook_retries: int, seconds: float, in_flight: int
) -> dict[str, Any]:
    counts = loader.counts
    failed = sum(counts.failed.values())
    processed = counts.loaded + failed + counts.duplicates
    return {
        "listed": counts.listed,
        "skipped": sum(counts.skipped.values()),
        "skipped_by_reason": dict(counts.skipped),
        "processed": processed,
        "duplicates": counts.duplicates,
        "ocr_calls": runner["calls"] + hook_retries,
        "loaded": counts.loaded,
        "flagged": counts.flagged,
        "needs_recapture": counts.needs_recapture,
        "failed": failed,
        "failed_by_code": dict(counts.failed),
        "retries": hook_retries + runner["retries"],
        "limit_answers": runner["limit_answers"],
        "max_in_flight": in_flight,
        "batches": counts.batches,
        "seconds": round(seconds, 3),
        "images_per_s": round(processed / seconds, 3) if seconds > 0 else 0.0,
    }
