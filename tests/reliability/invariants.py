"""The ledger invariant every reliability scenario checks, read straight from the tables.

Every staged image must end in exactly one place: a ``<table>_source`` row pointing at a ``<table>``
row (loaded), or a ``<table>_failure`` row saying why (failed). Nothing is read from the operator's
own summary: the tables are the truth a re-run and the users see.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

import sqlalchemy as sa

from airflow_provider_faceid.sink_schema import validate_identifier


@dataclass(frozen=True)
class Ledger:
    """The three tables of one results table, keyed as the sink keys them."""

    sources: dict[str, str | None]  # source_uri -> image_sha256
    results: dict[str, dict[str, Any]]  # image_sha256 -> results row
    failures: dict[str, dict[str, Any]]  # source_uri -> failure row
    duplicate_keys: int  # rows beyond the first per key, over the three tables


@dataclass(frozen=True)
class InvariantReport:
    """How the staged images are recorded. ``ok`` is the invariant."""

    staged: int
    loaded: frozenset[str]  # staged URIs whose source row points at a results row
    failed: frozenset[str]  # staged URIs with a failure row (and no result)
    duplicates: int
    lost: frozenset[str]  # staged URIs in neither place
    both: frozenset[str]  # staged URIs both loaded and failed
    dangling: frozenset[str] = field(default=frozenset())  # source rows whose digest has no result row
    unexplained: frozenset[str] = field(default=frozenset())  # failure rows without code or message

    @property
    def ok(self) -> bool:
        return not (self.duplicates or self.lost or self.both or self.dangling or self.unexplained)

    def describe(self) -> str:
        """Counts and the first offending file names (URIs of test files, never card contents)."""
        parts = [f"staged={self.staged} loaded={len(self.loaded)} failed={len(self.failed)}"]
        for label, uris in (
            ("lost", self.lost),
            ("both", self.both),
            ("dangling", self.dangling),
            ("unexplained", self.unexplained),
        ):
            if uris:
                parts.append(f"{label}={len(uris)} e.g. {sorted(uris)[:3]}")
        if self.duplicates:
            parts.append(f"duplicates={self.duplicates}")
        return "; ".join(parts)


def _qualified(schema: str, table: str) -> str:
    return f'"{validate_identifier(schema, what="schema")}"."{validate_identifier(table, what="table")}"'


def _duplicates(conn: sa.Connection, schema: str, table: str, key: str) -> int:
    # The primary keys should make this 0 by construction; counting proves it on the real tables.
    counts = f"SELECT count(*) AS n FROM {_qualified(schema, table)} GROUP BY {key}"
    query = f"SELECT coalesce(sum(n - 1), 0) FROM ({counts}) AS g"
    return int(conn.execute(sa.text(query)).scalar_one())


def ledger(engine: sa.Engine, schema: str, *, table: str = "faceid_idcard") -> Ledger:
    """Read the results, sources and failures of ``table`` in ``schema``."""
    source_table, failure_table = f"{table}_source", f"{table}_failure"
    with engine.connect() as conn:
        sources = {
            str(r.source_uri): r.image_sha256
            for r in conn.execute(
                sa.text(f"SELECT source_uri, image_sha256 FROM {_qualified(schema, source_table)}")
            )
        }
        results = {
            str(r["image_sha256"]): dict(r)
            for r in conn.execute(sa.text(f"SELECT * FROM {_qualified(schema, table)}")).mappings()
        }
        failures = {
            str(r["source_uri"]): dict(r)
            for r in conn.execute(sa.text(f"SELECT * FROM {_qualified(schema, failure_table)}")).mappings()
        }
        duplicate_keys = (
            _duplicates(conn, schema, table, "image_sha256")
            + _duplicates(conn, schema, source_table, "source_uri")
            + _duplicates(conn, schema, failure_table, "source_uri")
        )
    return Ledger(sources=sources, results=results, failures=failures, duplicate_keys=duplicate_keys)


def check_invariants(
    engine: sa.Engine, schema: str, staged: Iterable[str], *, table: str = "faceid_idcard"
) -> InvariantReport:
    """Where each staged URI ended; see :class:`InvariantReport` for what counts as a violation."""
    book = ledger(engine, schema, table=table)
    staged_uris = frozenset(staged)
    loaded = frozenset(u for u in staged_uris if book.sources.get(u) in book.results)
    failed = frozenset(u for u in staged_uris if u in book.failures)
    dangling = frozenset(u for u, sha in book.sources.items() if sha not in book.results)
    unexplained = frozenset(
        u for u, row in book.failures.items() if not row.get("code") or not (row.get("message") or "").strip()
    )
    return InvariantReport(
        staged=len(staged_uris),
        loaded=loaded - failed,
        failed=failed - loaded,
        duplicates=book.duplicate_keys,
        lost=staged_uris - loaded - failed,
        both=loaded & failed,
        dangling=dangling,
        unexplained=unexplained,
    )
