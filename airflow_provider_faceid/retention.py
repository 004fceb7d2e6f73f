"""Retention: delete what is older than the retention period, in small transactions, beside loads.

The unit is a document (its sides go together) or a lone image. Its age is taken from

* ``"loaded_at"``: when it was last written (the document's ``updated_at``, else the image's
  ``loaded_at``);
* ``"captured_at"``: when it was captured (the document's ``captured_at``), for images in no
  document the ``loaded_at``.

Each batch is one short transaction: at most ``batch_size`` images are picked with ``FOR UPDATE SKIP
LOCKED`` (rows a running load is writing are skipped, not waited for, and taken by a later batch or
run), then their documents' other sides, their sources, failures, documents and history go with them.
Failure rows older than the period go in batches of their own, and so do source rows left without
their result (a name linked by a load while retention deleted the image). The erasure audit and the tombstones
are never deleted: they are the proof, and hold no personal data.

Safe beside a load: a load that links a new name to an image deleted meanwhile leaves a source row
whose result is gone; the planner counts it as not loaded, so the next run reads the file again.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections import Counter
from collections.abc import Callable
from typing import Literal

import sqlalchemy as sa

from airflow_provider_faceid.sink_schema import SinkTables

AgeFrom = Literal["loaded_at", "captured_at"]
AGE_FROM: tuple[AgeFrom, ...] = ("loaded_at", "captured_at")
# Row locks wait at most this long: a batch that cannot get its locks fails fast and is redone.
_LOCK_TIMEOUT = "5s"
_ATTEMPTS = 3
_CONTENDED = frozenset({"55P03", "40P01"})  # lock_not_available, deadlock_detected


@dataclasses.dataclass
class RetentionReport:
    batches: int = 0
    deleted: Counter[str] = dataclasses.field(default_factory=Counter)

    def as_dict(self) -> dict[str, object]:
        return {"batches": self.batches, "deleted": dict(self.deleted)}


def apply_retention(
    engine: sa.Engine,
    tables: SinkTables,
    *,
    older_than: dt.datetime,
    age_from: AgeFrom = "loaded_at",
    batch_size: int = 1000,
    max_batches: int | None = None,
) -> RetentionReport:
    """Delete every row older than ``older_than``; returns the rows deleted per table.

    :param engine: the sink's engine.
    :param tables: the sink's tables.
    :param older_than: the cut-off (timezone-aware).
    :param age_from: ``"loaded_at"`` or ``"captured_at"``.
    :param batch_size: images (or failure rows) per transaction.
    :param max_batches: stop after this many batches (the next run goes on); ``None``: until done.
    """
    if age_from not in AGE_FROM:
        raise ValueError(f"age_from must be one of {AGE_FROM}, got {age_from!r}")
    if older_than.tzinfo is None:
        raise ValueError("older_than must be timezone-aware")
    if batch_size < 1:
        raise ValueError(f"batch_size must be >= 1, got {batch_size}")
    report = RetentionReport()
    for step in (_images_batch, _failures_batch, _orphan_sources_batch):
        while max_batches is None or report.batches < max_batches:
            deleted = _run_batch(engine, step, tables, older_than, age_from, batch_size)
            if not deleted:
                break
            report.batches += 1
            report.deleted.update(deleted)
    return report


def _run_batch(
    engine: sa.Engine,
    step: Callable[[sa.Connection, SinkTables, dt.datetime, AgeFrom, int], Counter[str]],
    tables: SinkTables,
    older_than: dt.datetime,
    age_from: AgeFrom,
    batch_size: int,
) -> Counter[str]:
    """One batch in its own transaction; a lock wait past the timeout, or a deadlock with a load
    (the load is let through), rolls it back and it is tried again."""
    for attempt in range(_ATTEMPTS):
        try:
            with engine.begin() as conn:
                conn.exec_driver_sql(f"SET LOCAL lock_timeout = '{_LOCK_TIMEOUT}'")
                return step(conn, tables, older_than, age_from, batch_size)
        except sa.exc.OperationalError as exc:
            if getattr(exc.orig, "sqlstate", None) not in _CONTENDED or attempt == _ATTEMPTS - 1:
                raise
    raise AssertionError("unreachable")


def _images_batch(
    conn: sa.Connection, t: SinkTables, older_than: dt.datetime, age_from: AgeFrom, batch_size: int
) -> Counter[str]:
    r, s, f, d, h = t.results, t.sources, t.failures, t.documents, t.document_history
    document_age = d.c.captured_at if age_from == "captured_at" else d.c.updated_at
    old = [sa.func.coalesce(document_age, r.c.loaded_at) < older_than]
    if age_from == "loaded_at":
        # Implied (a document is updated whenever a side is written) and served by the loaded_at index.
        old.append(r.c.loaded_at < older_than)
    picked = conn.execute(
        sa.select(r.c.image_sha256, r.c.document_key)
        .select_from(r.outerjoin(d, d.c.document_key == r.c.document_key))
        .where(*old)
        .order_by(r.c.image_sha256)
        .limit(batch_size)
        .with_for_update(of=r, skip_locked=True)
    ).all()
    if not picked:
        return Counter()
    digests = {sha for sha, _ in picked}
    keys = sorted({k for _, k in picked if k})
    if keys:
        # The document's other sides go with it, whatever their own age: a document is kept whole.
        digests |= set(conn.scalars(sa.select(r.c.image_sha256).where(r.c.document_key.in_(keys))))
    shas = sorted(digests)
    deleted: Counter[str] = Counter()
    deleted["results"] = conn.execute(sa.delete(r).where(r.c.image_sha256.in_(shas))).rowcount
    deleted["sources"] = conn.execute(sa.delete(s).where(s.c.image_sha256.in_(shas))).rowcount
    deleted["failures"] = conn.execute(sa.delete(f).where(f.c.image_sha256.in_(shas))).rowcount
    if keys:
        deleted["documents"] = conn.execute(sa.delete(d).where(d.c.document_key.in_(keys))).rowcount
        deleted["document_history"] = conn.execute(sa.delete(h).where(h.c.document_key.in_(keys))).rowcount
    return deleted


def _failures_batch(
    conn: sa.Connection, t: SinkTables, older_than: dt.datetime, age_from: AgeFrom, batch_size: int
) -> Counter[str]:
    f = t.failures
    picked = (
        sa.select(f.c.source_uri)
        .where(f.c.last_seen < older_than)
        .order_by(f.c.source_uri)
        .limit(batch_size)
        .with_for_update(skip_locked=True)
        .scalar_subquery()
    )
    count = conn.execute(sa.delete(f).where(f.c.source_uri.in_(picked))).rowcount
    return Counter({"failures": count}) if count else Counter()


def _orphan_sources_batch(
    conn: sa.Connection, t: SinkTables, older_than: dt.datetime, age_from: AgeFrom, batch_size: int
) -> Counter[str]:
    s, r = t.sources, t.results
    picked = (
        sa.select(s.c.source_uri)
        .where(s.c.last_seen < older_than, ~sa.exists().where(r.c.image_sha256 == s.c.image_sha256))
        .order_by(s.c.source_uri)
        .limit(batch_size)
        .with_for_update(of=s, skip_locked=True)
        .scalar_subquery()
    )
    count = conn.execute(sa.delete(s).where(s.c.source_uri.in_(picked))).rowcount
    return Counter({"sources": count}) if count else Counter()
