"""The FaceID page's numbers: bounded, read-only queries over one target's results and failures tables.

Every query is limited twice: by a date range (at most :data:`MAX_RANGE_DAYS`, on an indexed column)
and by a row limit. Values that identify a person never leave this module unmasked: names go through
:func:`~airflow_provider_faceid.privacy.mask_name`, numbers come from the ``id_card_number_masked``
column written at load time, and addresses and plain numbers are never selected.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Mapping, Sequence
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql as pg

from airflow_provider_faceid import validation
from airflow_provider_faceid.privacy import mask_name
from airflow_provider_faceid.sink_schema import SinkTables

MAX_RANGE_DAYS = 366
MAX_PAGE_SIZE = 200
MAX_OFFSET = 100_000
MAX_EXPORT_ROWS = 10_000
MAX_RUNS = 50
MAX_FLAGS = 50
MAX_CODES_PER_DAY = 1000

# Baidu's idcard_number_type vocabulary, as validation.number_consistency computes it for fronts.
NUMBER_CHECK_MEANINGS: dict[int, str] = {
    validation.NUMBER_EMPTY: "nothing to check (no number, birthday or gender)",
    validation.NUMBER_INVALID: "number invalid (shape, check digit or date)",
    validation.NUMBER_CONSISTENT: "number, birthday and gender agree",
    validation.NUMBER_BIRTHDAY_AND_GENDER_MISMATCH: "birthday and gender disagree with the number",
    validation.NUMBER_BIRTHDAY_MISMATCH: "birthday disagrees with the number",
    validation.NUMBER_GENDER_MISMATCH: "gender disagrees with the number",
}


@dataclasses.dataclass(frozen=True)
class DateRange:
    """``[start, end)`` in UTC, whole days."""

    start: dt.date
    end: dt.date

    def __post_init__(self) -> None:
        if self.end <= self.start:
            raise ValueError("the range must end after it starts")
        if (self.end - self.start).days > MAX_RANGE_DAYS:
            raise ValueError(f"a range covers at most {MAX_RANGE_DAYS} days")

    @classmethod
    def last_days(cls, days: int, *, today: dt.date) -> DateRange:
        return cls(start=today - dt.timedelta(days=days - 1), end=today + dt.timedelta(days=1))

    @property
    def start_ts(self) -> dt.datetime:
        return dt.datetime.combine(self.start, dt.time(), tzinfo=dt.timezone.utc)

    @property
    def end_ts(self) -> dt.datetime:
        return dt.datetime.combine(self.end, dt.time(), tzinfo=dt.timezone.utc)

    @property
    def days(self) -> list[dt.date]:
        return [self.start + dt.timedelta(days=i) for i in range((self.end - self.start).days)]


class TablesMissing(LookupError):
    """The target's tables do not exist (yet): no load has run against it."""


def _day(column: sa.ColumnElement[Any]) -> sa.ColumnElement[Any]:
    # Days in UTC, whatever the session's TimeZone: the page and the CSV must agree with each other.
    return sa.cast(sa.func.timezone("UTC", column), sa.Date)


def tables_exist(conn: sa.Connection, tables: SinkTables) -> bool:
    preparer = conn.dialect.identifier_preparer
    found = conn.execute(
        sa.select(
            sa.func.to_regclass(preparer.format_table(tables.results)),
            sa.func.to_regclass(preparer.format_table(tables.failures)),
        )
    ).one()
    return found[0] is not None and found[1] is not None


def loads_per_day(conn: sa.Connection, tables: SinkTables, span: DateRange) -> list[dict[str, Any]]:
    r = tables.results
    day = _day(r.c.loaded_at).label("day")
    rows = conn.execute(
        sa.select(day, r.c.side, sa.func.count().label("n"))
        .where(r.c.loaded_at >= span.start_ts, r.c.loaded_at < span.end_ts)
        .group_by(day, r.c.side)
        .order_by(day, r.c.side)
        .limit(2 * MAX_RANGE_DAYS + 10)
    )
    return [{"day": row.day.isoformat(), "side": row.side, "count": row.n} for row in rows]


def failures_per_day(conn: sa.Connection, tables: SinkTables, span: DateRange) -> list[dict[str, Any]]:
    """By the day a failure was last seen: a failure retried today counts today."""
    f = tables.failures
    day = _day(f.c.last_seen).label("day")
    rows = conn.execute(
        sa.select(day, f.c.code, f.c.retryable, sa.func.count().label("n"))
        .where(f.c.last_seen >= span.start_ts, f.c.last_seen < span.end_ts)
        .group_by(day, f.c.code, f.c.retryable)
        .order_by(day, f.c.code, f.c.retryable)
        .limit(MAX_CODES_PER_DAY)
    )
    return [
        {"day": row.day.isoformat(), "code": row.code, "retryable": row.retryable, "count": row.n}
        for row in rows
    ]


def number_checks(conn: sa.Connection, tables: SinkTables, span: DateRange) -> list[dict[str, Any]]:
    r = tables.results
    rows = conn.execute(
        sa.select(r.c.number_check, sa.func.count().label("n"))
        .where(r.c.loaded_at >= span.start_ts, r.c.loaded_at < span.end_ts, r.c.side == "front")
        .group_by(r.c.number_check)
        .order_by(r.c.number_check)
        .limit(len(NUMBER_CHECK_MEANINGS) + 2)
    )
    return [
        {
            "number_check": row.number_check,
            "meaning": NUMBER_CHECK_MEANINGS.get(row.number_check, "not recorded")
            if row.number_check is not None
            else "not recorded",
            "count": row.n,
        }
        for row in rows
    ]


def flag_counts(conn: sa.Connection, tables: SinkTables, span: DateRange) -> list[dict[str, Any]]:
    r = tables.results
    flag = sa.func.unnest(r.c.flags).table_valued("flag").render_derived()
    rows = conn.execute(
        sa.select(flag.c.flag, sa.func.count().label("n"))
        .select_from(r)
        .join(flag, sa.true())
        .where(r.c.loaded_at >= span.start_ts, r.c.loaded_at < span.end_ts)
        .group_by(flag.c.flag)
        .order_by(sa.func.count().desc(), flag.c.flag)
        .limit(MAX_FLAGS)
    )
    return [{"flag": row.flag, "count": row.n} for row in rows]


def legality_classes(conn: sa.Connection, tables: SinkTables, span: DateRange) -> list[dict[str, Any]]:
    """The class with the highest score per image, for the images loaded with ``legality=True``."""
    r = tables.results
    entries = sa.func.jsonb_each(r.c.legality).table_valued("key", "value").render_derived()
    top = (
        sa.select(entries.c.key)
        .where(sa.func.jsonb_typeof(entries.c.value) == "number")
        .order_by(entries.c.value.desc(), entries.c.key)
        .limit(1)
        .lateral("top")
    )
    rows = conn.execute(
        sa.select(top.c.key.label("cls"), sa.func.count().label("n"))
        .select_from(r)
        .join(top, sa.true())
        .where(
            r.c.loaded_at >= span.start_ts,
            r.c.loaded_at < span.end_ts,
            sa.func.jsonb_typeof(r.c.legality) == "object",
        )
        .group_by(top.c.key)
        .order_by(sa.func.count().desc(), top.c.key)
        .limit(20)
    )
    return [{"class": row.cls, "count": row.n} for row in rows]


def _recapture_sources(tables: SinkTables, span: DateRange) -> tuple[sa.Select, sa.Select]:
    """Flagged results (a new photo may read better) and permanent failures (the image is unusable)."""
    r, f = tables.results, tables.failures
    flagged = sa.select(
        sa.literal("flagged").label("kind"),
        r.c.loaded_at.label("at"),
        r.c.image_sha256.label("sha256"),
        r.c.side,
        r.c.name,
        r.c.id_card_number_masked.label("number_masked"),
        r.c.source_uri,
        r.c.flags,
        sa.cast(sa.null(), sa.Text).label("code"),
        r.c.dag_id,
        r.c.run_id,
    ).where(r.c.needs_recapture.is_(True), r.c.loaded_at >= span.start_ts, r.c.loaded_at < span.end_ts)
    failed = sa.select(
        sa.literal("failed").label("kind"),
        f.c.last_seen.label("at"),
        f.c.image_sha256.label("sha256"),
        sa.cast(sa.null(), sa.Text).label("side"),
        sa.cast(sa.null(), sa.Text).label("name"),
        sa.cast(sa.null(), sa.Text).label("number_masked"),
        f.c.source_uri,
        sa.cast(sa.null(), pg.ARRAY(sa.Text)).label("flags"),
        f.c.code,
        f.c.dag_id,
        f.c.run_id,
    ).where(f.c.retryable.is_(False), f.c.last_seen >= span.start_ts, f.c.last_seen < span.end_ts)
    return flagged, failed


def recapture_count(conn: sa.Connection, tables: SinkTables, span: DateRange) -> int:
    flagged, failed = _recapture_sources(tables, span)
    total = 0
    for part in (flagged, failed):
        total += conn.scalar(sa.select(sa.func.count()).select_from(part.subquery())) or 0
    return total


def recapture_page(
    conn: sa.Connection, tables: SinkTables, span: DateRange, *, limit: int, offset: int
) -> list[dict[str, Any]]:
    """Newest first; each part is cut at ``offset + limit`` before the union, so a page stays bounded."""
    if not 1 <= limit <= MAX_PAGE_SIZE:
        raise ValueError(f"limit must be within 1..{MAX_PAGE_SIZE}")
    if not 0 <= offset <= MAX_OFFSET:
        raise ValueError(f"offset must be within 0..{MAX_OFFSET}")
    return _recapture(conn, tables, span, limit=limit, offset=offset)


def recapture_export(conn: sa.Connection, tables: SinkTables, span: DateRange) -> list[dict[str, Any]]:
    """The CSV's rows: the queue from its newest row, at most :data:`MAX_EXPORT_ROWS`."""
    return _recapture(conn, tables, span, limit=MAX_EXPORT_ROWS, offset=0)


def _recapture(
    conn: sa.Connection, tables: SinkTables, span: DateRange, *, limit: int, offset: int
) -> list[dict[str, Any]]:
    flagged, failed = _recapture_sources(tables, span)
    cut = offset + limit
    parts = [
        part.order_by(sa.desc("at"), sa.asc("source_uri")).limit(cut).subquery() for part in (flagged, failed)
    ]
    union = sa.union_all(*(sa.select(p) for p in parts)).subquery()
    rows = conn.execute(
        sa.select(union).order_by(union.c.at.desc(), union.c.source_uri).limit(limit).offset(offset)
    )
    return [_queue_row(row._mapping) for row in rows]


def _queue_row(row: Any) -> dict[str, Any]:
    reason = ", ".join(row["flags"] or ()) if row["kind"] == "flagged" else f"failed: {row['code']}"
    return {
        "kind": row["kind"],
        "at": row["at"].isoformat(),
        "side": row["side"],
        "name_masked": mask_name(row["name"]),
        "number_masked": row["number_masked"] or "",
        "source_uri": row["source_uri"],
        "reason": reason,
        "flags": list(row["flags"] or ()),
        "code": row["code"],
        "dag_id": row["dag_id"],
        "run_id": row["run_id"],
    }


def run_stats(conn: sa.Connection, tables: SinkTables, span: DateRange) -> list[dict[str, Any]]:
    """Per DAG run, newest first: what its rows say (loaded, flagged, failed) from both tables."""
    r, f = tables.results, tables.failures
    loaded = (
        sa.select(
            r.c.dag_id,
            r.c.run_id,
            sa.func.count().label("loaded"),
            sa.func.count().filter(r.c.needs_recapture.is_(True)).label("needs_recapture"),
            sa.literal(0).label("failed"),
            sa.func.max(r.c.loaded_at).label("last"),
        )
        .where(r.c.loaded_at >= span.start_ts, r.c.loaded_at < span.end_ts)
        .group_by(r.c.dag_id, r.c.run_id)
    )
    failed = (
        sa.select(
            f.c.dag_id,
            f.c.run_id,
            sa.literal(0).label("loaded"),
            sa.literal(0).label("needs_recapture"),
            sa.func.count().label("failed"),
            sa.func.max(f.c.last_seen).label("last"),
        )
        .where(f.c.last_seen >= span.start_ts, f.c.last_seen < span.end_ts)
        .group_by(f.c.dag_id, f.c.run_id)
    )
    both = sa.union_all(loaded, failed).subquery()
    rows = conn.execute(
        sa.select(
            both.c.dag_id,
            both.c.run_id,
            sa.func.sum(both.c.loaded).label("loaded"),
            sa.func.sum(both.c.needs_recapture).label("needs_recapture"),
            sa.func.sum(both.c.failed).label("failed"),
            sa.func.max(both.c.last).label("last"),
        )
        .group_by(both.c.dag_id, both.c.run_id)
        .order_by(sa.desc("last"), both.c.dag_id, both.c.run_id)
        .limit(MAX_RUNS)
    )
    return [
        {
            "dag_id": row.dag_id,
            "run_id": row.run_id,
            "loaded": int(row.loaded),
            "needs_recapture": int(row.needs_recapture),
            "failed": int(row.failed),
            "last": row.last.isoformat(),
        }
        for row in rows
    ]


def run_tasks(
    conn: sa.Connection, tables: SinkTables, runs: Sequence[Mapping[str, Any]]
) -> list[tuple[str, str, str]]:
    """(dag_id, run_id, task_id) of the tasks that wrote rows for ``runs`` (at most :data:`MAX_RUNS`)."""
    keys = [(r["dag_id"], r["run_id"]) for r in runs[:MAX_RUNS] if r["dag_id"] and r["run_id"]]
    if not keys:
        return []
    parts = [
        sa.select(t.c.dag_id, t.c.run_id, t.c.task_id)
        .where(sa.tuple_(t.c.dag_id, t.c.run_id).in_(keys), t.c.task_id.is_not(None))
        .distinct()
        for t in (tables.results, tables.failures)
    ]
    rows = conn.execute(sa.union(*parts).limit(MAX_RUNS * 20))
    return [(row.dag_id, row.run_id, row.task_id) for row in rows]


def summary(conn: sa.Connection, tables: SinkTables, span: DateRange) -> dict[str, Any]:
    """Everything the page's charts show, in one read-only transaction."""
    if not tables_exist(conn, tables):
        raise TablesMissing(tables.names.results)
    loads = loads_per_day(conn, tables, span)
    failures = failures_per_day(conn, tables, span)
    return {
        "range": {"start": span.start.isoformat(), "end": span.end.isoformat()},
        "totals": {
            "loaded": sum(row["count"] for row in loads),
            "failed": sum(row["count"] for row in failures),
            "needs_recapture": recapture_count(conn, tables, span),
        },
        "loads_per_day": loads,
        "failures_per_day": failures,
        "number_check": number_checks(conn, tables, span),
        "flags": flag_counts(conn, tables, span),
        "legality": legality_classes(conn, tables, span),
        "runs": run_stats(conn, tables, span),
    }


def csv_columns() -> Sequence[str]:
    return ("kind", "at", "side", "name_masked", "number_masked", "source_uri", "reason", "dag_id", "run_id")
