"""The FaceID page's response time on a large target, against a count(*) of the same tables.

Fills one schema with ``--results`` result rows and ``--failures`` failure rows spread over the last
90 days (fronts and backs, ~5 % needing re-capture with flags, legality scores on half, failures of
four codes, retryable and permanent, 200 DAG runs), server-side with generate_series, then ANALYZE.
Then, alternating in the same process, round after round:

- the page (HTML, last 90 days: every chart, the first queue page, the runs) through the real
  FastAPI app (Airflow's auth left out: it costs the same on any table size; the XCom look-up of
  the runs' summaries in, against a throwaway, migrated, empty Airflow metadata database),
- the JSON summary of the same range,
- the baseline: ``SELECT count(*)`` of the results table and of the failures table.

Printed: median milliseconds of each and the ratios page / count(*) and summary / count(*).
The issue's target is the page within 1 s at 100k results and 10k failures.

Usage:
    .venv/bin/python benchmarks/faceid_page.py [--results 100000] [--failures 10000] [--rounds 7]
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

# Before Airflow is imported: its configuration is read once, from this AIRFLOW_HOME.
_HOME = tempfile.TemporaryDirectory(prefix="faceid-page-bench-")
os.environ["AIRFLOW_HOME"] = _HOME.name
os.environ["AIRFLOW__CORE__LOAD_EXAMPLES"] = "False"

import sqlalchemy as sa  # noqa: E402
from _common import database, fresh_schema  # noqa: E402
from fastapi.testclient import TestClient  # noqa: E402

from airflow_provider_faceid.plugins.app import create_app  # noqa: E402
from airflow_provider_faceid.plugins.database import Engines  # noqa: E402
from airflow_provider_faceid.plugins.targets import Target  # noqa: E402
from airflow_provider_faceid.sink import PostgresSink  # noqa: E402
from airflow_provider_faceid.sink_schema import SinkNames  # noqa: E402

FILL_RESULTS = """
INSERT INTO "{s}".faceid_idcard (image_sha256, side, name, id_card_number, id_card_number_masked,
    number_check, flags, needs_recapture, legality, source_uri, dag_id, run_id, task_id, loaded_at)
SELECT md5('r' || i) || md5('R' || i),
       CASE WHEN i % 2 = 0 THEN 'front' ELSE 'back' END,
       CASE WHEN i % 2 = 0 THEN '张三' || i END,
       CASE WHEN i % 2 = 0 THEN lpad(i::text, 18, '1') END,
       CASE WHEN i % 2 = 0 THEN '1101**********' || lpad((i % 10000)::text, 4, '0') END,
       CASE WHEN i % 2 = 0 THEN (ARRAY[1, 1, 1, 1, 1, 1, 0, -1, 2, 3, 4])[1 + i % 11] END,
       CASE WHEN i % 20 = 0 THEN ARRAY['number_missing'] WHEN i % 7 = 0 THEN ARRAY['region_unknown']
            ELSE ARRAY[]::text[] END,
       i % 20 = 0,
       CASE WHEN i % 2 = 0 THEN jsonb_build_object('ID Photo', (i % 100) / 100.0,
            'Photocopy', (i % 37) / 100.0, 'Screen', (i % 53) / 100.0) END,
       'file:///staging/' || (i % 90) || '/card-' || i || '.jpg',
       'faceid_idcards_daily', 'scheduled__' || (i % 200), 'ocr',
       now() - ((i % 90) || ' days')::interval - ((i % 86400) || ' seconds')::interval
FROM generate_series(1, {n}) AS i
"""

FILL_FAILURES = """
INSERT INTO "{s}".faceid_idcard_failure (source_uri, image_sha256, code, message, retryable,
    dag_id, run_id, task_id, first_seen, last_seen)
SELECT 'file:///staging/bad/' || i || '.jpg', md5('f' || i) || md5('F' || i),
       (ARRAY['IMAGE_UNDECODABLE', 'EMPTY_FILE', 'CONCURRENCY_LIMIT_EXCEEDED', 'INTERNAL_ERROR'])[1 + i % 4],
       'benchmark', i % 4 >= 2, 'faceid_idcards_daily', 'scheduled__' || (i % 200), 'ocr',
       now() - ((i % 90) || ' days')::interval, now() - ((i % 90) || ' days')::interval
FROM generate_series(1, {n}) AS i
"""


def median_ms(samples: list[float]) -> float:
    return statistics.median(samples) * 1000


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--results", type=int, default=100_000)
    parser.add_argument("--failures", type=int, default=10_000)
    parser.add_argument("--rounds", type=int, default=7)
    args = parser.parse_args()
    airflow = Path(sys.executable).with_name("airflow")
    subprocess.run([str(airflow), "db", "migrate"], check=True, capture_output=True)
    with database() as url, fresh_schema(url) as schema:
        engine = sa.create_engine(url, pool_size=2)
        PostgresSink(engine=engine, schema=schema).create_tables()
        started = time.perf_counter()
        with engine.begin() as conn:
            conn.execute(sa.text(FILL_RESULTS.format(s=schema, n=args.results)))
            conn.execute(sa.text(FILL_FAILURES.format(s=schema, n=args.failures)))
        with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            conn.exec_driver_sql(f'ANALYZE "{schema}".faceid_idcard, "{schema}".faceid_idcard_failure')
        filled = time.perf_counter() - started
        print(f"filled {args.results} results, {args.failures} failures in {filled:.1f} s")

        target = Target(conn_id="bench", names=SinkNames.build(schema=schema, table="faceid_idcard"))
        engines = Engines(lambda _conn_id: engine)
        client = TestClient(create_app(engines=engines, targets=lambda: [target], auth_loader=lambda: ()))
        page, summary, count = [], [], []
        for round_ in range(args.rounds + 1):
            t0 = time.perf_counter()
            answer = client.get("/", params={"days": 90})
            t1 = time.perf_counter()
            data = client.get("/api/summary", params={"days": 90})
            t2 = time.perf_counter()
            with engine.connect() as conn:
                conn.exec_driver_sql(f'SELECT count(*) FROM "{schema}".faceid_idcard').scalar_one()
                conn.exec_driver_sql(f'SELECT count(*) FROM "{schema}".faceid_idcard_failure').scalar_one()
            t3 = time.perf_counter()
            assert answer.status_code == 200 and data.status_code == 200, (answer.text[:500], data.text[:500])
            if round_ == 0:  # warm-up: connection pools, plan caches, the app's first request
                totals = data.json()["totals"]
                print(f"page shows: {totals}")
                continue
            page.append(t1 - t0)
            summary.append(t2 - t1)
            count.append(t3 - t2)
        engine.dispose()
    p, s, c = median_ms(page), median_ms(summary), median_ms(count)
    print(f"rounds: {args.rounds} (medians)")
    print(f"page (HTML, 90 days)      {p:8.1f} ms   {p / c:6.1f} x count(*)")
    print(f"JSON summary (90 days)    {s:8.1f} ms   {s / c:6.1f} x count(*)")
    print(f"count(*) of both tables   {c:8.1f} ms   (baseline)")
    print(f"target: page within 1000 ms -> {'met' if p < 1000 else 'NOT met'}")


if __name__ == "__main__":
    main()
