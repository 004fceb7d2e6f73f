"""Key rotation: re-encrypt the values written under older keys, in batches, resumably.

A batch picks at most ``batch_size`` rows holding a value under a key other than the current one
(``FOR UPDATE SKIP LOCKED``: rows a load is writing are left to a later pass), decrypts them with the
keyring (all or nothing: one value no key opens fails the batch with a clear error, nothing written),
re-encrypts them under the current key and commits. Stopping anywhere loses nothing: the rows done
no longer match, the next run takes the rest.

Loads keep running meanwhile. Once they write under the new key, the only old values left are those
the rotation has not reached yet, or those a document merge carried over from an older row; passes
go on until one finds nothing to rewrite.
"""

from __future__ import annotations

import dataclasses
from collections import Counter
from collections.abc import Sequence
from typing import Any

import sqlalchemy as sa

from airflow_provider_faceid.fieldcrypt import ENCRYPTED_COLUMNS, Keyring
from airflow_provider_faceid.sink_schema import SinkTables

_PREFIX = "enc1:"


@dataclasses.dataclass
class RotationReport:
    key_id: str
    batches: int = 0
    rewritten: Counter[str] = dataclasses.field(default_factory=Counter)
    left: int = 0

    def as_dict(self) -> dict[str, object]:
        return {
            "key_id": self.key_id,
            "batches": self.batches,
            "rewritten": dict(self.rewritten),
            "left": self.left,
        }


def rotate_keys(
    engine: sa.Engine,
    tables: SinkTables,
    keyring: Keyring,
    *,
    batch_size: int = 500,
    max_batches: int | None = None,
) -> RotationReport:
    """Rewrite every value not under ``keyring.current``; see the module docstring.

    :param engine: the sink's engine.
    :param tables: the sink's tables.
    :param keyring: the current key and the older ones still found in the tables.
    :param batch_size: rows per transaction.
    :param max_batches: stop after this many batches (the next run goes on); ``None``: until done.
    """
    if batch_size < 1:
        raise ValueError(f"batch_size must be >= 1, got {batch_size}")
    report = RotationReport(key_id=keyring.current.key_id)
    targets = ((tables.results, "image_sha256"), (tables.documents, "document_key"))
    for table, key in targets:
        # Walk the key order from where the last batch stopped (one index walk over the table in
        # all); at the end, one pass from the start takes the rows skipped as locked or carried over
        # by a merge meanwhile, until a pass from the start finds nothing.
        after: Any = None
        while max_batches is None or report.batches < max_batches:
            with engine.begin() as conn:
                done, last = _batch(conn, table, key, keyring, batch_size, after=after)
            if not done:
                if after is None:
                    break
                after = None
                continue
            after = last
            report.batches += 1
            report.rewritten[table.name] += done
    with engine.connect() as conn:
        report.left = sum(
            int(conn.scalar(sa.select(sa.func.count()).where(_stale(t, keyring))) or 0) for t, _ in targets
        )
    return report


def _stale(table: sa.Table, keyring: Keyring) -> sa.ColumnElement[bool]:
    current = f"{_PREFIX}{keyring.current.key_id}:"
    return sa.or_(
        *(
            sa.and_(sa.func.starts_with(table.c[c], _PREFIX), ~sa.func.starts_with(table.c[c], current))
            for c in ENCRYPTED_COLUMNS
        )
    )


def _batch(
    conn: sa.Connection, table: sa.Table, key: str, keyring: Keyring, batch_size: int, *, after: Any
) -> tuple[int, Any]:
    columns: Sequence[str] = ENCRYPTED_COLUMNS
    query = sa.select(table.c[key], *(table.c[c] for c in columns)).where(_stale(table, keyring))
    if after is not None:
        query = query.where(table.c[key] > after)
    found = conn.execute(
        query.order_by(table.c[key]).limit(batch_size).with_for_update(skip_locked=True)
    ).all()
    if not found:
        return 0, None
    updates = []
    for row_key, *values in found:
        # Every value of the batch is decrypted before anything is written.
        new = {c: keyring.reencrypt(c, v) for c, v in zip(columns, values, strict=True)}
        updates.append({"k": row_key, **{f"v_{c}": v for c, v in new.items()}})
    statement = (
        sa.update(table)
        .where(table.c[key] == sa.bindparam("k"))
        .values({c: sa.bindparam(f"v_{c}") for c in columns})
    )
    conn.execute(statement, updates)
    return len(updates), found[-1][0]
