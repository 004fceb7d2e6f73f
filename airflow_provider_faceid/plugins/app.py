"""The FaceID page's FastAPI app: the HTML page, its JSON API and the re-capture CSV.

Mounted by Airflow's api-server under ``/faceid`` (see :mod:`.faceid`). Every route depends on
Airflow's authentication (:mod:`.auth`). Nothing here writes: each request reads in one read-only
transaction with a statement timeout.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import logging
from collections.abc import Callable
from typing import Any

import sqlalchemy as sa
from fastapi import APIRouter, FastAPI, Query, Request
from fastapi.responses import HTMLResponse, JSONResponse, Response

from airflow_provider_faceid.plugins import page, queries
from airflow_provider_faceid.plugins.auth import route_dependencies
from airflow_provider_faceid.plugins.database import Engines
from airflow_provider_faceid.plugins.faceid import URL_PREFIX
from airflow_provider_faceid.plugins.run_summaries import SUMMARY_KEYS, RunSummaries, from_airflow
from airflow_provider_faceid.plugins.targets import Target, TargetConfigError, configured_targets
from airflow_provider_faceid.sink_schema import build_tables

log = logging.getLogger(__name__)

DEFAULT_DAYS = 30
PAGE_SIZE = 50
# No script is ever needed; inline styles are. The page may be framed only by Airflow's own UI.
CSP = (
    "default-src 'none'; style-src 'unsafe-inline'; img-src 'self' data:; form-action 'self'; "
    "base-uri 'none'; frame-ancestors 'self'"
)


class PageError(Exception):
    """Something the user can act on, shown as a message (never a stack trace)."""

    def __init__(self, message: str, *, status_code: int) -> None:
        super().__init__(message)
        self.message = message
        self.status_code = status_code


def create_app(
    *,
    engines: Engines | None = None,
    targets: Callable[[], list[Target]] = configured_targets,
    today: Callable[[], dt.date] = lambda: dt.datetime.now(dt.timezone.utc).date(),
    auth_loader: Callable[[], tuple[Callable[..., Any], ...]] | None = None,
    run_summaries: RunSummaries = from_airflow,
) -> FastAPI:
    """The app; the arguments exist for tests and benchmarks (real engines, a fixed today)."""
    pool = engines or Engines()
    app = FastAPI(title="FaceID", docs_url=None, redoc_url=None, openapi_url=None)
    router = APIRouter(dependencies=route_dependencies(auth_loader))

    @app.middleware("http")
    async def security_headers(request: Request, call_next: Callable[..., Any]) -> Response:
        response: Response = await call_next(request)
        response.headers["Content-Security-Policy"] = CSP
        response.headers["X-Content-Type-Options"] = "nosniff"
        response.headers["Referrer-Policy"] = "same-origin"
        response.headers["Cache-Control"] = "no-store"
        return response

    def pick(target: str | None) -> tuple[Target, list[Target]]:
        try:
            available = targets()
        except TargetConfigError as exc:
            raise PageError(str(exc), status_code=500) from None
        except Exception as exc:
            log.exception("FaceID page: the targets could not be read")
            raise PageError(
                f"the configured targets could not be read ({type(exc).__name__}); see the api-server log",
                status_code=500,
            ) from None
        if target is None or target == "":
            return available[0], available
        for candidate in available:
            if candidate.key == target:
                return candidate, available
        raise PageError(f"unknown target {target!r}: see /faceid/api/targets", status_code=404)

    def span_of(days: int | None, start: dt.date | None, end: dt.date | None) -> queries.DateRange:
        try:
            if start is not None or end is not None:
                last = end or today()
                return queries.DateRange(start=start or last, end=last + dt.timedelta(days=1))
            return queries.DateRange.last_days(days or DEFAULT_DAYS, today=today())
        except ValueError as exc:
            raise PageError(f"bad date range: {exc}", status_code=400) from None

    def read(target: Target, work: Callable[[sa.Connection, Any], Any]) -> Any:
        tables = build_tables(target.names)
        try:
            with pool.read_only(target.conn_id) as conn:
                return work(conn, tables)
        except queries.TablesMissing:
            raise PageError(
                f"target {target.key}: the tables do not exist yet; they are created by the first run "
                "of FaceIdOcrToPostgresOperator against this connection, schema and table",
                status_code=404,
            ) from None
        except sa.exc.OperationalError as exc:
            log.warning("FaceID page: database of %s unreachable: %s", target.key, type(exc).__name__)
            raise PageError(
                f"target {target.key}: the database of connection {target.conn_id!r} "
                f"{_refusal(exc)}; try again later",
                status_code=503,
            ) from None
        except sa.exc.DBAPIError as exc:
            log.warning("FaceID page: query on %s failed: %s", target.key, type(exc.orig).__name__)
            raise PageError(
                f"target {target.key}: the query failed ({type(exc.orig).__name__}); "
                "are the tables from this provider and migrated (run the operator once)?",
                status_code=500,
            ) from None
        except PageError:
            raise
        except Exception as exc:
            if type(exc).__name__ == "AirflowNotFoundException":  # core's and the SDK's class alike
                raise PageError(
                    f"target {target.key}: Airflow has no connection {target.conn_id!r}; define it "
                    "(Admin > Connections) or change the targets",
                    status_code=404,
                ) from None
            # e.g. the Airflow connection is not defined: say which, keep details in the server log.
            log.exception("FaceID page: reading %s failed", target.key)
            raise PageError(
                f"target {target.key}: cannot read ({type(exc).__name__}); check connection "
                f"{target.conn_id!r}",
                status_code=500,
            ) from None

    def summary_of(target: Target, span: queries.DateRange) -> dict[str, Any]:
        def work(conn: sa.Connection, tables: Any) -> tuple[dict[str, Any], list[Any]]:
            data = queries.summary(conn, tables, span)
            return data, queries.run_tasks(conn, tables, data["runs"])

        data, tasks = read(target, work)
        data["target"] = target.key
        try:
            totals = run_summaries(tasks)
        except Exception:
            # Only these three columns depend on Airflow's metadata database: show them as unknown.
            log.warning("FaceID page: the operator's XCom summaries could not be read", exc_info=True)
            totals = {}
        for run in data["runs"]:
            found = totals.get((run["dag_id"], run["run_id"]), {})
            run.update({key: found.get(key) for key in SUMMARY_KEYS})
        return data

    def queue_of(target: Target, span: queries.DateRange, offset: int, limit: int) -> dict[str, Any]:
        def work(conn: sa.Connection, tables: Any) -> dict[str, Any]:
            if not queries.tables_exist(conn, tables):
                raise queries.TablesMissing(tables.names.results)
            return {
                "total": queries.recapture_count(conn, tables, span),
                "offset": offset,
                "limit": limit,
                "rows": queries.recapture_page(conn, tables, span, limit=limit, offset=offset),
            }

        return read(target, work)

    @app.exception_handler(PageError)
    async def page_error(request: Request, exc: PageError) -> Response:
        if request.url.path.rstrip("/").endswith(("/api/summary", "/api/recapture", "/api/targets")):
            return JSONResponse({"detail": exc.message}, status_code=exc.status_code)
        return HTMLResponse(
            page.message_page(header="<h1>FaceID loads</h1>", text=exc.message, error=exc.status_code >= 500),
            status_code=exc.status_code,
        )

    @router.get("/api/targets")
    def api_targets() -> dict[str, Any]:
        _, available = pick(None)
        return {"targets": [t.key for t in available]}

    @router.get("/api/summary")
    def api_summary(
        target: str | None = None,
        days: int | None = Query(None, ge=1, le=queries.MAX_RANGE_DAYS),
        start: dt.date | None = None,
        end: dt.date | None = None,
    ) -> dict[str, Any]:
        chosen, _ = pick(target)
        return summary_of(chosen, span_of(days, start, end))

    @router.get("/api/recapture")
    def api_recapture(
        target: str | None = None,
        days: int | None = Query(None, ge=1, le=queries.MAX_RANGE_DAYS),
        start: dt.date | None = None,
        end: dt.date | None = None,
        offset: int = Query(0, ge=0, le=queries.MAX_OFFSET),
        limit: int = Query(PAGE_SIZE, ge=1, le=queries.MAX_PAGE_SIZE),
    ) -> dict[str, Any]:
        chosen, _ = pick(target)
        return queue_of(chosen, span_of(days, start, end), offset, limit)

    @router.get("/recapture.csv")
    def recapture_csv(
        target: str | None = None,
        days: int | None = Query(None, ge=1, le=queries.MAX_RANGE_DAYS),
        start: dt.date | None = None,
        end: dt.date | None = None,
    ) -> Response:
        chosen, _ = pick(target)
        span = span_of(days, start, end)
        rows = read(chosen, lambda conn, tables: queries.recapture_export(conn, tables, span))
        out = io.StringIO()
        writer = csv.DictWriter(out, fieldnames=list(queries.csv_columns()), extrasaction="ignore")
        writer.writeheader()
        writer.writerows(rows)
        name = f"faceid-recapture-{span.start.isoformat()}-{span.end.isoformat()}.csv"
        return Response(
            out.getvalue(),
            media_type="text/csv; charset=utf-8",
            headers={"Content-Disposition": f'attachment; filename="{name}"'},
        )

    @router.get("/", response_class=HTMLResponse)
    def dashboard(
        request: Request,
        target: str | None = None,
        days: int | None = Query(None, ge=1, le=queries.MAX_RANGE_DAYS),
        start: dt.date | None = None,
        end: dt.date | None = None,
        offset: int = Query(0, ge=0, le=queries.MAX_OFFSET),
    ) -> HTMLResponse:
        root = request.scope.get("root_path", "").rstrip("/")
        base = root + "/"
        # Airflow serves its UI from the path its api-server mounts this app under (base_url's path).
        ui_base = root.removesuffix(URL_PREFIX)
        chosen, available = pick(target)
        span = span_of(days, start, end)
        chosen_days = None if start or end else days or DEFAULT_DAYS
        head = page.header(
            base=base,
            targets=[t.key for t in available],
            target=chosen.key,
            days=chosen_days,
            start=span.start.isoformat(),
            end=(span.end - dt.timedelta(days=1)).isoformat(),
        )
        query = {"target": chosen.key}
        if chosen_days is not None:
            query["days"] = str(chosen_days)
        else:
            query["start"] = span.start.isoformat()
            query["end"] = (span.end - dt.timedelta(days=1)).isoformat()
        try:
            data = summary_of(chosen, span)
            queue = queue_of(chosen, span, offset, PAGE_SIZE)
        except PageError as exc:
            return HTMLResponse(
                page.message_page(header=head, text=exc.message, error=exc.status_code >= 500),
                status_code=200 if exc.status_code == 404 else exc.status_code,
            )
        return HTMLResponse(
            page.dashboard(
                head=head,
                data=data,
                days=[d.isoformat() for d in span.days],
                queue=queue,
                query=query,
                base=base,
                ui_base=ui_base,
            )
        )

    app.include_router(router)
    return app


def _refusal(exc: sa.exc.OperationalError) -> str:
    """What the server said, in words of ours: its message may quote the host, user or database."""
    text = str(exc.orig)
    if "does not exist" in text:
        return "refused the connection: the database (or role) does not exist"
    if "password authentication failed" in text or "no pg_hba.conf entry" in text:
        return "refused the connection's credentials"
    return "cannot be reached (down, or refusing connections)"
