"""The documents step of a batch: sides in, document and history rows out, in the batch's transaction.

:class:`DocumentWriter` is handed to the :class:`~airflow_provider_faceid.loader.Loader`, which
gives it every loaded image with a document key and passes :meth:`DocumentWriter.write` to
:meth:`~airflow_provider_faceid.sink.PostgresSink.write_batch` as the batch's last step: the image
rows and the documents they make commit together, or not at all.

Per batch, whatever its size, in the usual case (new documents): ONE read (the documents the
batch's keys name, and the other holders of its numbers, for the duplicate-applicant check), the
checks in Python (one implementation of each rule, see :mod:`.checks`), and ONE binary ``COPY`` of
the full rows, merged fields included: the sides carry them as this transaction wrote them to the
image rows. When a key existed already (a back completing an earlier front, a re-capture), the
batch's documents take the upsert instead: its rows carry only what pairing decided (sides,
status, flags, verdict) and the server copies the merged fields from the sides' image rows. A key a
concurrent task inserted after the read makes the COPY fail on the primary key: it is rolled back
to its savepoint and the batch is read again and upserted. History rows and the other holders of a
shared number take one statement each when there are any.
"""

from __future__ import annotations

import threading
import time
from collections import Counter, defaultdict
from collections.abc import Mapping, Sequence
from typing import Any

import msgspec
import psycopg
import sqlalchemy as sa
from psycopg.rows import dict_row

from airflow_provider_faceid import idnumber
from airflow_provider_faceid.documents.checks import (
    BACK_FIELDS,
    DUPLICATE_APPLICANT,
    FRONT_FIELDS,
    Document,
    Replaced,
    Side,
    document_from_row,
    document_row,
    judge,
    merge,
)
from airflow_provider_faceid.documents.pairing import DocumentRef, PairingRule
from airflow_provider_faceid.records import IdCardRecord
from airflow_provider_faceid.sink_schema import SinkTables
from airflow_provider_faceid.staging import StagedObject

_encode = msgspec.json.Encoder().encode
# Filled by the database (updated_at, replaced_at): left out of the JSON so their defaults apply.
_SERVER_SET = frozenset({"updated_at", "replaced_at"})
# The merged fields a document takes from its sides' image rows, by the alias of the side's row in
# the upsert. ``region_code`` is not among them: the image row has no such column, the writer
# derives it from the plain number before it is stored (perhaps as an HMAC).
_FROM_IMAGES = {
    **{f: "f" for f in FRONT_FIELDS if f != "region_code"},
    **{f: "b" for f in BACK_FIELDS},
}
# The order of the rows of :meth:`DocumentWriter._copy_rows`: what pairing decides, then the
# sides' fields, then lineage. COPY names its columns, so the table's order does not matter.
_COPY_COLUMNS = (
    "document_key",
    "status",
    "verdict",
    "reasons",
    "flags",
    "front_sha256",
    "back_sha256",
    "conflict_sha256",
    "front_captured_at",
    "back_captured_at",
    "captured_at",
    *FRONT_FIELDS,
    *BACK_FIELDS,
    "dag_id",
    "run_id",
)
_NO_FRONT = (None,) * len(FRONT_FIELDS)
_NO_BACK = (None,) * len(BACK_FIELDS)
# A JSON array of strings as a set of text values: one parameter, whatever the number of values.
_JSON_TEXTS = "ARRAY(SELECT jsonb_array_elements_text(CAST({} AS jsonb)))"


class DocumentWriter:
    """Pairs the loaded sides of a run into documents, one batch at a time.

    :param rule: which document a scan belongs to (see :mod:`.pairing`).
    :param tables: the sink's tables (``documents`` and ``document_history`` are written).
    :param dag_id: lineage written into document rows.
    :param run_id: lineage written into document and history rows.
    """

    def __init__(
        self, *, rule: PairingRule, tables: SinkTables, dag_id: str | None = None, run_id: str | None = None
    ) -> None:
        self.rule = rule
        self.tables = tables
        self.dag_id = dag_id
        self.run_id = run_id
        # Time spent here: in the batch step (``seconds``), and queueing images as they load
        # (``pairing_seconds``: the rule and the side of each image), for the benchmark.
        self.seconds = 0.0
        self.pairing_seconds = 0.0
        self._pending: dict[str, list[Side]] = defaultdict(list)
        # Last state of every document this run touched: the summary counts each document once.
        self._states: dict[str, tuple[str, str]] = {}
        self._lock = threading.Lock()
        dialect = sa.dialects.postgresql.dialect()
        self._documents_name = dialect.identifier_preparer.format_table(tables.documents)
        self._history_name = dialect.identifier_preparer.format_table(tables.document_history)
        self._results_name = dialect.identifier_preparer.format_table(tables.results)
        self._document_columns = [c.name for c in tables.documents.columns if c.name not in _SERVER_SET]
        self._history_columns = [c.name for c in tables.document_history.columns if c.name not in _SERVER_SET]
        self._insert = self._build_insert()
        updates = ", ".join(f'"{c}" = excluded."{c}"' for c in self._document_columns if c != "document_key")
        self._read_statement = self._read_query()
        assert sorted(_COPY_COLUMNS) == sorted(self._document_columns), "documents table changed"
        names = ", ".join(f'"{c}"' for c in _COPY_COLUMNS)
        self._copy_statement = f"COPY {self._documents_name} ({names}) FROM STDIN (FORMAT BINARY)"
        self._copy_types = [
            tables.documents.c[c].type.compile(dialect=dialect).lower() for c in _COPY_COLUMNS
        ]
        self._upsert_statement = sa.text(
            f'{self._insert} ON CONFLICT ("document_key") DO UPDATE SET {updates}, "updated_at" = now()'
        )

    def __repr__(self) -> str:
        return f"DocumentWriter(rule={self.rule!r}, table={self._documents_name})"

    def document_of(self, obj: StagedObject) -> DocumentRef | None:
        started = time.monotonic()
        ref = self.rule.document_of(obj)
        self.pairing_seconds += time.monotonic() - started
        return ref

    def add(self, ref: DocumentRef, *, sha256: str, record: IdCardRecord, row: Mapping[str, Any]) -> None:
        """Queue one loaded image (``row`` as the results table stores it) for the next batch."""
        started = time.monotonic()
        front = record.side == "front"
        fields = {f: row.get(f) for f in (FRONT_FIELDS if front else BACK_FIELDS)}
        if front:
            # The region is kept apart from the number: with HMAC storage the number is gone by the
            # time a back arrives in a later run, and the authority check needs the region.
            number = record.id_card_number
            fields["region_code"] = idnumber.region_code_of(number) if number else None
        side = Side(
            side=record.side,
            sha256=sha256,
            captured_at=ref.captured_at,
            needs_recapture=record.needs_recapture,
            fields=fields,
        )
        with self._lock:
            self._pending[ref.key].append(side)
            self.pairing_seconds += time.monotonic() - started

    def counts(self) -> dict[str, dict[str, int]]:
        """Documents this run touched, by their last status and verdict."""
        with self._lock:
            states = list(self._states.values())
        return {
            "by_status": dict(Counter(status for status, _ in states)),
            "by_verdict": dict(Counter(verdict for _, verdict in states)),
        }

    def write(self, conn: sa.Connection, results: Sequence[Mapping[str, Any]]) -> None:
        """The batch step: merge the queued sides into their documents (``results`` is unused: the
        sides were queued with what the checks need, the plain region code included)."""
        with self._lock:
            pending, self._pending = self._pending, defaultdict(list)
        if not pending:
            return
        started = time.monotonic()
        keys = sorted(pending)
        existing, documents, history, numbers, holders = self._gather(conn, keys, pending)
        # The usual batch: every document new. Its rows, merged fields included (the sides carry
        # them as this transaction wrote them to the image rows), go in by COPY: no JSON to parse,
        # no probe of the image rows. A key a concurrent task inserted since the read fails the
        # COPY; the batch then takes the upsert path with what that task wrote.
        if existing or not self._copy_new(conn, documents, numbers, holders):
            if not existing:
                existing, documents, history, numbers, holders = self._gather(conn, keys, pending)
            self._upsert(conn, self._decide(documents, numbers, holders))
        others = sorted({k for n in set(numbers.values()) for k in holders.get(n, ())} - documents.keys())
        self._write(conn, history, others)
        self.seconds += time.monotonic() - started

    def _gather(
        self, conn: sa.Connection, keys: Sequence[str], pending: Mapping[str, list[Side]]
    ) -> tuple[
        dict[str, dict[str, Any]],
        dict[str, Document],
        list[tuple[str, Replaced]],
        dict[str, str],
        defaultdict[str, set[str]],
    ]:
        """What was there (one round trip: the documents ``keys`` and the other holders of the
        batch's numbers), the batch's documents merged into it, their numbers and their holders."""
        asked = _numbers_of(pending)
        existing, holders = self._read(conn, keys, asked)
        documents, history = self._merge(keys, pending, existing)
        numbers = _numbers(documents)
        # A back completing an earlier front brings no number: the front's holders are looked up
        # now, or the document would lose the duplicate flag it had.
        unasked = set(numbers.values()) - set(asked)
        if unasked:
            for number, found in self._read(conn, keys, sorted(unasked))[1].items():
                holders[number] |= found
        return existing, documents, history, numbers, holders

    def _copy_new(
        self,
        conn: sa.Connection,
        documents: Mapping[str, Document],
        numbers: Mapping[str, str],
        holders: Mapping[str, set[str]],
    ) -> bool:
        """COPY ``documents`` (all new) into the documents table; False, with nothing written,
        when a concurrent task inserted one of them meanwhile."""
        rows = self._copy_rows(documents, numbers, holders)
        raw = conn.connection.driver_connection
        assert isinstance(raw, psycopg.Connection)
        savepoint = conn.begin_nested()
        try:
            # Binary, with the column types declared: ~4 us a row against ~14 in text, where
            # psycopg picks a dumper for every value and the server parses every one.
            with raw.cursor() as cur, cur.copy(self._copy_statement) as copy:
                copy.set_types(self._copy_types)
                for row in rows:
                    copy.write_row(row)
        except psycopg.errors.UniqueViolation:
            savepoint.rollback()
            return False
        savepoint.commit()
        return True

    def _copy_rows(
        self, documents: Mapping[str, Document], numbers: Mapping[str, str], holders: Mapping[str, set[str]]
    ) -> list[tuple[Any, ...]]:
        """The full rows of new ``documents``, in :data:`_COPY_COLUMNS` order: what :meth:`_decide`
        decides, and the merged fields as the sides carry them (as this transaction wrote them to
        the image rows). Tuples, not dicts: a dict per row cost more than the checks."""
        in_batch = Counter(numbers.values())
        lineage = (self.dag_id, self.run_id)
        rows = []
        for key, document in documents.items():
            number = numbers.get(key)
            shared = number is not None and (in_batch[number] > 1 or number in holders)
            judgement = judge(document, duplicate_applicant=shared)
            front, back = document.front, document.back
            self._states[key] = (document.status, judgement.verdict)
            rows.append(
                (
                    key,
                    document.status,
                    judgement.verdict,
                    list(judgement.reasons),
                    list(judgement.flags),
                    front.sha256 if front else None,
                    back.sha256 if back else None,
                    list(document.conflicts) if document.conflicts else None,
                    front.captured_at if front else None,
                    back.captured_at if back else None,
                    document.captured_at,
                )
                + (tuple(map(front.fields.get, FRONT_FIELDS)) if front else _NO_FRONT)
                + (tuple(map(back.fields.get, BACK_FIELDS)) if back else _NO_BACK)
                + lineage
            )
        return rows

    def _merge(
        self,
        keys: Sequence[str],
        pending: Mapping[str, list[Side]],
        existing: Mapping[str, Mapping[str, Any]],
    ) -> tuple[dict[str, Document], list[tuple[str, Replaced]]]:
        documents: dict[str, Document] = {}
        history: list[tuple[str, Replaced]] = []
        for key in keys:
            found = existing.get(key)
            before = document_from_row(found) if found else Document(key)
            documents[key], replaced = merge(before, pending[key])
            if replaced:
                history += [(key, r) for r in replaced]
        return documents, history

    def _decide(
        self, documents: Mapping[str, Document], numbers: Mapping[str, str], holders: Mapping[str, set[str]]
    ) -> list[dict[str, Any]]:
        """The rows of ``documents``; ``numbers`` are those of the whole batch, ``holders`` the
        documents outside it holding one of them."""
        in_batch = Counter(numbers.values())
        rows = []
        for key, document in documents.items():
            number = numbers.get(key)
            shared = number is not None and (in_batch[number] > 1 or number in holders)
            judgement = judge(document, duplicate_applicant=shared)
            rows.append({**document_row(document, judgement), "dag_id": self.dag_id, "run_id": self.run_id})
            self._states[key] = (document.status, judgement.verdict)
        return rows

    def _read(
        self, conn: sa.Connection, keys: Sequence[str], numbers: Sequence[str]
    ) -> tuple[dict[str, dict[str, Any]], defaultdict[str, set[str]]]:
        """The rows of documents ``keys``, and number -> keys of the other documents holding one of
        ``numbers`` (for the duplicate-applicant check)."""
        existing: dict[str, dict[str, Any]] = {}
        holders: defaultdict[str, set[str]] = defaultdict(set)
        raw = conn.connection.driver_connection
        assert isinstance(raw, psycopg.Connection)
        # Prepared, with the keys and numbers as text[] parameters: parsed and planned once per
        # connection, and nothing to unpack from JSON on the server.
        with raw.cursor(row_factory=dict_row) as cur:
            found_rows = cur.execute(
                self._read_statement, {"keys": list(keys), "numbers": sorted(numbers)}, prepare=True
            )
            for row in found_rows:
                if row.pop("touched"):
                    existing[row["document_key"]] = row
                else:
                    holders[row["id_card_number"]].add(row["document_key"])
        return existing, holders

    def _read_query(self) -> str:
        # Two index look-ups: an OR of the two conditions would scan the whole table every batch.
        return (
            f"SELECT d.*, true AS touched FROM {self._documents_name} AS d "
            "WHERE d.document_key = ANY(%(keys)s::text[]) "
            f"UNION ALL SELECT d.*, false FROM {self._documents_name} AS d "
            "WHERE d.id_card_number = ANY(%(numbers)s::text[]) AND NOT d.document_key = ANY(%(keys)s::text[])"
        )

    def _write(self, conn: sa.Connection, history: list[tuple[str, Replaced]], others: list[str]) -> None:
        if history:
            entries = [
                {
                    "document_key": key,
                    "side": r.side.side,
                    "image_sha256": r.side.sha256,
                    "captured_at": r.side.captured_at,
                    "replaced_by": r.replaced_by,
                    "run_id": self.run_id,
                }
                for key, r in history
            ]
            names = ", ".join(f'"{c}"' for c in self._history_columns)
            conn.execute(
                sa.text(
                    f"INSERT INTO {self._history_name} ({names}) SELECT {names} FROM "
                    f"jsonb_populate_recordset(NULL::{self._history_name}, CAST(:rows AS jsonb)) "
                    "ON CONFLICT DO NOTHING"
                ),
                {"rows": _encode(entries).decode()},
            )
        if others:
            # Documents of earlier runs that now share a number with this batch: flagged too, their
            # verdict unchanged (the flag is a warning).
            conn.execute(
                sa.text(
                    f"UPDATE {self._documents_name} "
                    "SET flags = array_append(flags, :flag), updated_at = now() "
                    f"WHERE document_key = ANY({_JSON_TEXTS.format(':keys')}) AND NOT (:flag = ANY(flags))"
                ),
                {"flag": DUPLICATE_APPLICANT, "keys": _encode(others).decode()},
            )

    def _upsert(self, conn: sa.Connection, rows: list[dict[str, Any]]) -> None:
        conn.execute(self._upsert_statement, {"rows": _encode(rows).decode()})

    def _build_insert(self) -> str:
        """One statement for a batch's documents: the rows carry the decisions (sides, status,
        flags, verdict); the server copies the merged fields from the sides' image rows, which this
        transaction has just written or which earlier runs wrote."""
        dialect = sa.dialects.postgresql.dialect()
        table = self.tables.documents
        decided = ", ".join(
            f'"{c}" {table.c[c].type.compile(dialect=dialect)}'
            for c in self._document_columns
            if c not in _FROM_IMAGES
        )
        names = ", ".join(f'"{c}"' for c in self._document_columns)
        values = ", ".join(
            f'{_FROM_IMAGES[c]}."{c}"' if c in _FROM_IMAGES else f'd."{c}"' for c in self._document_columns
        )
        # Key order ("C") in every writer: two tasks pairing into the same documents never deadlock.
        return (
            f"INSERT INTO {self._documents_name} ({names}) SELECT {values} "
            f"FROM jsonb_to_recordset(CAST(:rows AS jsonb)) AS d({decided}) "
            f"{self._side_join('f', 'front')} {self._side_join('b', 'back')} "
            'ORDER BY d."document_key" COLLATE "C"'
        )

    def _side_join(self, alias: str, side: str) -> str:
        # LIMIT keeps the planner from flattening the look-up into a join: it cannot know that the
        # function yields a batch, not the whole table, and with stale statistics it hashed the
        # whole results table every batch. One primary-key probe per side, whatever the table size.
        picked = ", ".join(f'r."{c}"' for c, at in _FROM_IMAGES.items() if at == alias)
        return (
            f"LEFT JOIN LATERAL (SELECT {picked} FROM {self._results_name} AS r "
            f"WHERE r.image_sha256 = d.{side}_sha256 LIMIT 1) AS {alias} ON true"
        )


def _numbers(documents: Mapping[str, Document]) -> dict[str, str]:
    """Key -> stored number of the documents whose front has one."""
    return {
        key: number
        for key, document in documents.items()
        if document.front is not None and (number := document.front.fields.get("id_card_number"))
    }


def _numbers_of(pending: Mapping[str, list[Side]]) -> list[str]:
    """The stored numbers the batch's fronts carry."""
    return sorted(
        {
            s.fields["id_card_number"]
            for sides in pending.values()
            for s in sides
            if s.fields.get("id_card_number")
        }
    )
