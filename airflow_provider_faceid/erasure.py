"""Erasure on request: everything about one person out of every table, an audit row, tombstones.

A request names the person by one key: an ID number (stored form: plain or HMAC, as the loads store
it), a document key, or a source URI. From that seed the erasure widens to what belongs to the
same person, until nothing new comes: the other scans of the same number, the documents holding
those scans or that number, the other sides (and replaced or conflicting captures) of those
documents, and the numbers these carry. Then, in ONE transaction:

* their rows go from the results, sources, failures, documents and document history tables;
* their image digests go to the tombstone table, which the planner checks: a later run over the
  same folder records an ``ERASED`` failure for them instead of calling the API;
* one audit row says what kind of key was used (never the key), how many rows left each table, which
  scans are to be deleted, the request reference, the run and when.

Scans (when asked) are deleted after the commit, and the audit row then lists those deleted: a crash
in between leaves the rows erased and the scans listed, never a scan deleted with its rows still there.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Iterable
from typing import Any, Literal

import sqlalchemy as sa

from airflow_provider_faceid.idnumber import normalize as normalize_number
from airflow_provider_faceid.sink_schema import SinkTables, is_sha256_hex

KeyKind = Literal["id_number", "document_key", "source_uri"]
KEY_KINDS: tuple[KeyKind, ...] = ("id_number", "document_key", "source_uri")
_MAX_ROUNDS = 4
ERASED = "ERASED"
"""Failure code of a staged file whose bytes were erased on request."""


@dataclasses.dataclass(frozen=True)
class ErasureReport:
    """What one erasure did; safe to log (counts, digests' number, URIs of scans only)."""

    erasure_id: int
    key_kind: KeyKind
    images_erased: int
    rows_deleted: dict[str, int]
    objects: tuple[str, ...]
    digests: tuple[str, ...] = ()

    def as_dict(self) -> dict[str, Any]:
        return {
            "erasure_id": self.erasure_id,
            "key_kind": self.key_kind,
            "images_erased": self.images_erased,
            "rows_deleted": dict(self.rows_deleted),
            "objects": len(self.objects),
        }


def number_storages(engine: sa.Engine, tables: SinkTables) -> set[str]:
    """How the tables store numbers: ``{"hmac"}``, ``{"plain"}``, both, or none (no numbers yet).

    An erasure by number with the wrong form would match nothing and say so only by its zero counts.
    """
    r = tables.results
    hashed = sa.func.length(r.c.id_card_number) == 64
    found = set()
    with engine.connect() as conn:
        for name, condition in (("hmac", hashed), ("plain", ~hashed)):
            probe = sa.exists().where(r.c.id_card_number.is_not(None), condition)
            if conn.scalar(sa.select(probe)):
                found.add(name)
    return found


def tombstoned(engine: sa.Engine, tables: SinkTables, digests: Iterable[str]) -> set[str]:
    """The digests among ``digests`` that were erased and must not be loaded again."""
    wanted = sorted({d for d in digests if is_sha256_hex(d)})
    if not wanted:
        return set()
    t = tables.tombstones
    with engine.connect() as conn:
        return set(conn.scalars(sa.select(t.c.image_sha256).where(t.c.image_sha256.in_(wanted))))


def erase(
    engine: sa.Engine,
    tables: SinkTables,
    *,
    key_kind: KeyKind,
    key: str,
    store_number: Callable[[str], str] = normalize_number,
    extra_digests: Iterable[str] = (),
    request_ref: str | None = None,
    dag_id: str | None = None,
    run_id: str | None = None,
) -> ErasureReport:
    """Erase one person's rows and record it; see the module docstring.

    :param engine: the sink's engine.
    :param tables: the sink's tables.
    :param key_kind: ``"id_number"``, ``"document_key"`` or ``"source_uri"``.
    :param key: the number, document key or URI. Never stored, never logged.
    :param store_number: how loads stored numbers (the HMAC of the load's key, or as read).
    :param extra_digests: digests to tombstone besides those found (a scan not loaded yet).
    :param request_ref: the request's reference (a ticket number), kept in the audit row.
    :param dag_id: lineage of the audit row.
    :param run_id: lineage of the audit row.
    """
    if key_kind not in KEY_KINDS:
        raise ValueError(f"key_kind must be one of {KEY_KINDS}, got {key_kind!r}")
    if not key:
        raise ValueError("the erasure key is empty")
    t = tables
    r, s, f, d, h = t.results, t.sources, t.failures, t.documents, t.document_history
    with engine.begin() as conn:
        shas: set[str] = {x for x in extra_digests if is_sha256_hex(x)}
        numbers: set[str] = set()
        documents: set[str] = set()
        uris: set[str] = set()
        if key_kind == "id_number":
            numbers.add(store_number(normalize_number(key)))
        elif key_kind == "document_key":
            documents.add(key)
        else:
            uris.add(key)
            shas |= set(conn.scalars(sa.select(s.c.image_sha256).where(s.c.source_uri == key)))
            shas |= set(
                conn.scalars(
                    sa.select(f.c.image_sha256).where(f.c.source_uri == key, f.c.image_sha256.is_not(None))
                )
            )
        # Widen to the person: scans -> their numbers and documents -> the scans those hold, until
        # nothing new comes (a few rounds: a person has few cards and few documents).
        for _round in range(_MAX_ROUNDS):
            before = (len(shas), len(numbers), len(documents))
            _widen(conn, tables, shas, numbers, documents)
            if (len(shas), len(numbers), len(documents)) == before:
                break
        digests = sorted(shas)
        if digests:
            uris |= set(conn.scalars(sa.select(s.c.source_uri).where(s.c.image_sha256.in_(digests))))
            uris |= set(conn.scalars(sa.select(f.c.source_uri).where(f.c.image_sha256.in_(digests))))
        objects = sorted(uris)

        deleted: dict[str, int] = {}

        def delete(name: str, table: sa.Table, *conditions: sa.ColumnElement[bool]) -> None:
            deleted[name] = (
                conn.execute(sa.delete(table).where(sa.or_(*conditions))).rowcount if conditions else 0
            )

        delete("results", r, *([r.c.image_sha256.in_(digests)] if digests else []))
        delete(
            "sources",
            s,
            *([s.c.image_sha256.in_(digests)] if digests else []),
            *([s.c.source_uri.in_(objects)] if objects else []),
        )
        delete(
            "failures",
            f,
            *([f.c.image_sha256.in_(digests)] if digests else []),
            *([f.c.source_uri.in_(objects)] if objects else []),
        )
        delete("documents", d, *([d.c.document_key.in_(sorted(documents))] if documents else []))
        delete(
            "document_history",
            h,
            *([h.c.document_key.in_(sorted(documents))] if documents else []),
            *([h.c.image_sha256.in_(digests)] if digests else []),
        )
        e = t.erasures
        erasure_id = int(
            conn.execute(
                sa.insert(e)
                .values(
                    key_kind=key_kind,
                    request_ref=request_ref,
                    images_erased=len(digests),
                    rows_deleted=deleted,
                    objects=objects,
                    dag_id=dag_id,
                    run_id=run_id,
                )
                .returning(e.c.erasure_id)
            ).scalar_one()
        )
        if digests:
            stones = sa.dialects.postgresql.insert(t.tombstones).values(
                [{"image_sha256": x, "erasure_id": erasure_id} for x in digests]
            )
            conn.execute(stones.on_conflict_do_nothing(index_elements=["image_sha256"]))
    return ErasureReport(
        erasure_id=erasure_id,
        key_kind=key_kind,
        images_erased=len(digests),
        rows_deleted=deleted,
        objects=tuple(objects),
        digests=tuple(digests),
    )


def _widen(
    conn: sa.Connection, t: SinkTables, shas: set[str], numbers: set[str], documents: set[str]
) -> None:
    """One round of widening, in place."""
    r, d, h = t.results, t.documents, t.document_history
    if shas:
        found = conn.execute(
            sa.select(r.c.id_card_number, r.c.document_key).where(r.c.image_sha256.in_(sorted(shas)))
        ).all()
        numbers |= {n for n, _ in found if n}
        documents |= {k for _, k in found if k}
    if numbers:
        found = conn.execute(
            sa.select(r.c.image_sha256, r.c.document_key).where(r.c.id_card_number.in_(sorted(numbers)))
        ).all()
        shas |= {x for x, _ in found}
        documents |= {k for _, k in found if k}
    held = [d.c.document_key.in_(sorted(documents))] if documents else []
    if numbers:
        held.append(d.c.id_card_number.in_(sorted(numbers)))
    if shas:
        held += [d.c.front_sha256.in_(sorted(shas)), d.c.back_sha256.in_(sorted(shas))]
    if held:
        query = sa.select(d.c.document_key, d.c.front_sha256, d.c.back_sha256, d.c.conflict_sha256)
        for key, front, back, conflicts in conn.execute(query.where(sa.or_(*held))):
            documents.add(key)
            shas |= {x for x in (front, back, *(conflicts or ())) if x}
    if documents:
        keys = sorted(documents)
        shas |= set(conn.scalars(sa.select(h.c.image_sha256).where(h.c.document_key.in_(keys))))
        shas |= set(conn.scalars(sa.select(r.c.image_sha256).where(r.c.document_key.in_(keys))))


def record_deleted_objects(
    engine: sa.Engine, tables: SinkTables, erasure_id: int, deleted: list[str]
) -> None:
    """Complete an erasure's audit row with the scans actually deleted."""
    e = tables.erasures
    with engine.begin() as conn:
        conn.execute(
            sa.update(e)
            .where(e.c.erasure_id == erasure_id)
            .values(objects_deleted=sorted(deleted), scans_done_at=sa.func.now())
        )
