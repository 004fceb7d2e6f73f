"""One small, read-only SQLAlchemy engine per Postgres connection id the page reads."""

from __future__ import annotations

import contextlib
import threading
from collections.abc import Callable, Iterator

import sqlalchemy as sa

# Long enough for the page's queries on a few million rows; short enough that a stuck database
# gives the user a message instead of a request that never ends.
STATEMENT_TIMEOUT_MS = 10_000

EngineFactory = Callable[[str], sa.Engine]


def airflow_engine(conn_id: str) -> sa.Engine:
    from airflow.providers.postgres.hooks.postgres import PostgresHook

    return PostgresHook(postgres_conn_id=conn_id).get_sqlalchemy_engine(
        engine_kwargs={"pool_pre_ping": True, "pool_size": 2, "max_overflow": 2}
    )


class Engines:
    """Engines built on first use and kept: a page view must not pay a new connection pool."""

    def __init__(self, factory: EngineFactory = airflow_engine) -> None:
        self._factory = factory
        self._engines: dict[str, sa.Engine] = {}
        self._lock = threading.Lock()

    def get(self, conn_id: str) -> sa.Engine:
        with self._lock:
            engine = self._engines.get(conn_id)
            if engine is None:
                engine = self._engines[conn_id] = self._factory(conn_id)
            return engine

    @contextlib.contextmanager
    def read_only(self, conn_id: str) -> Iterator[sa.Connection]:
        with self.get(conn_id).connect() as conn, conn.begin():
            conn.exec_driver_sql("SET TRANSACTION READ ONLY")
            conn.exec_driver_sql(f"SET LOCAL statement_timeout = {STATEMENT_TIMEOUT_MS}")
            yield conn

    def dispose(self) -> None:
        with self._lock:
            for engine in self._engines.values():
                engine.dispose()
            self._engines.clear()
