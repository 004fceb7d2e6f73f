"""Peak RSS of one operator run at 1,000 and at 20,000 images: the growth must stay under 50 MB.

Each size runs FaceIdOcrToPostgresOperator.execute in a fresh Python subprocess (same imports, same
warm-up), over distinct COM-segment copies of a few specimens that faceid-local replays (latency 0,
limit 8), into a fresh schema. The child reports its own peak RSS (VmHWM of /proc/self/status) after
the run; the growth between the two sizes is what the operator keeps per image (the planner's in-run
sha256 dict is ~100 B per image by design, 2 MB at 20k). ``--tracemalloc`` makes each child print its
largest live allocations after the run, by line, to find what grows.

    .venv/bin/python benchmarks/operator_memory.py                       # ~4 min on 2 busy cores
    .venv/bin/python benchmarks/operator_memory.py --sizes 1000 5000 --tracemalloc
"""

from __future__ import annotations

import argparse
import gc
import json
import os
import subprocess
import sys
import tempfile
import time
import tracemalloc
from pathlib import Path

from _common import (
    base_specimens,
    database,
    fresh_schema,
    publish_connections,
    replaying_faceid_local,
    run_operator,
    write_copies,
)

LIMIT_MB = 50.0


def status_kib(field: str) -> int:
    """A ``kB`` field of /proc/self/status (VmHWM: peak RSS, VmRSS: current RSS)."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith(f"{field}:"):
            return int(line.split()[1])
    raise RuntimeError(f"{field} missing from /proc/self/status")


def child(*, source: Path, warm_source: Path, schema: str, warm_schema: str, limit: int, trace: bool) -> None:
    """Runs in the subprocess: warm up (imports, first connections), then the measured run."""
    import logging

    logging.getLogger("airflow").setLevel(logging.WARNING)
    run_operator(source=warm_source, schema=warm_schema, max_in_flight=limit)
    gc.collect()
    before_kib = status_kib("VmRSS")
    if trace:
        tracemalloc.start(8)
    started = time.perf_counter()
    summary = run_operator(source=source, schema=schema, max_in_flight=limit, progress_every=10**9)
    seconds = time.perf_counter() - started
    report = {
        "images": summary["loaded"],
        "listed": summary["listed"],
        "seconds": round(seconds, 1),
        "rss_before_run_kib": before_kib,
        "peak_rss_kib": status_kib("VmHWM"),
        "rss_after_run_kib": status_kib("VmRSS"),
    }
    if trace:
        snapshot = tracemalloc.take_snapshot()
        report["top_live_allocations"] = [
            f"{stat.size / 1024:.0f} KiB in {stat.count} blocks at {stat.traceback[0]}"
            for stat in snapshot.statistics("lineno")[:15]
        ]
        report["traced_peak_kib"] = tracemalloc.get_traced_memory()[1] // 1024
    print("REPORT " + json.dumps(report), flush=True)


def measure(
    size: int, *, work: Path, bases: list[bytes], url: str, env: dict[str, str], args: argparse.Namespace
) -> dict:
    folder = work / f"images-{size}"
    write_copies(bases, count=size, out_dir=folder, tag=f"{size}-")
    warm = work / f"warm-{size}"
    write_copies(bases, count=args.limit * 4, out_dir=warm, tag=f"warm{size}-")
    with fresh_schema(url) as schema, fresh_schema(url) as warm_schema:
        command = [
            sys.executable,
            __file__,
            "--child",
            f"--source={folder}",
            f"--warm-source={warm}",
            f"--schema={schema}",
            f"--warm-schema={warm_schema}",
            f"--limit={args.limit}",
            *(["--tracemalloc"] if args.tracemalloc else []),
        ]
        done = subprocess.run(
            command, env={**os.environ, **env}, capture_output=True, text=True, timeout=args.timeout
        )
    for path in folder.iterdir():  # 20k copies are ~1.8 GB: free the disk before the next size
        path.unlink()
    lines = [line for line in done.stdout.splitlines() if line.startswith("REPORT ")]
    if done.returncode != 0 or not lines:
        raise SystemExit(f"child for {size} images failed ({done.returncode}):\n{done.stderr[-3000:]}")
    report: dict = json.loads(lines[-1].removeprefix("REPORT "))
    if report["images"] != size:
        raise SystemExit(f"child loaded {report['images']} of {size} images: {report}")
    return report


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--sizes", type=int, nargs=2, default=[1000, 20000], metavar=("SMALL", "LARGE"))
    parser.add_argument("--limit", type=int, default=8, help="concurrency limit = max_in_flight")
    parser.add_argument("--bases", type=int, default=4)
    parser.add_argument("--tracemalloc", action="store_true", help="children list their top live allocations")
    parser.add_argument("--timeout", type=float, default=900.0, help="seconds allowed per child")
    parser.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--source", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--warm-source", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--schema", help=argparse.SUPPRESS)
    parser.add_argument("--warm-schema", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        child(
            source=args.source,
            warm_source=args.warm_source,
            schema=args.schema,
            warm_schema=args.warm_schema,
            limit=args.limit,
            trace=args.tracemalloc,
        )
        return

    reports = {}
    with tempfile.TemporaryDirectory(prefix="faceid-mem-") as tmp:
        work = Path(tmp)
        bases = base_specimens(count=args.bases, out_dir=work / "bases")
        with (
            database() as url,
            replaying_faceid_local(bases=bases, latency_ms=0, concurrency_limit=args.limit) as server,
        ):
            env = publish_connections(faceid=server, postgres_url=url)
            for size in args.sizes:
                server.reset()
                reports[size] = measure(size, work=work, bases=bases, url=url, env=env, args=args)
                counters = server.counters()
                report = reports[size]
                print(
                    f"{size:>6} images: peak RSS {report['peak_rss_kib'] / 1024:7.1f} MB "
                    f"(RSS before the run {report['rss_before_run_kib'] / 1024:.1f} MB, "
                    f"after {report['rss_after_run_kib'] / 1024:.1f} MB), {report['seconds']} s, "
                    f"engine_calls={counters['engine_calls']} max_in_flight={counters['max_in_flight']} "
                    f"rejections={counters['concurrency_rejections']}",
                    flush=True,
                )
                for line in report.get("top_live_allocations", []):
                    print(f"    {line}")

    small, large = args.sizes
    growth = (reports[large]["peak_rss_kib"] - reports[small]["peak_rss_kib"]) / 1024
    verdict = "OK" if growth < LIMIT_MB else "TOO MUCH"
    print(
        f"\npeak RSS growth {small} -> {large} images: {growth:.1f} MB (limit {LIMIT_MB:.0f} MB): {verdict}"
    )


if __name__ == "__main__":
    main()
