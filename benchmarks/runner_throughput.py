"""Throughput of run_calls against a sequential loop, over a service with a real concurrency limit.

The service sleeps ``latency`` seconds per call and refuses (CONCURRENCY_LIMIT_EXCEEDED) any call
beyond ``capacity`` in flight, like the FaceID API. Both runs happen side by side in this process;
the ratio is what to read, not the absolute rates. The ideal is ``capacity / latency`` calls/s.

    .venv/bin/python benchmarks/runner_throughput.py            # ~20 s on 2 busy cores
    .venv/bin/python benchmarks/runner_throughput.py --items 400 --latency 0.05
"""

from __future__ import annotations

import argparse
import threading
import time

from airflow_provider_faceid.exceptions import FaceIdConcurrencyLimitError
from airflow_provider_faceid.runner import full_jitter, run_calls


class FakeApi:
    def __init__(self, *, capacity: int, latency: float) -> None:
        self.capacity = capacity
        self.latency = latency
        self.lock = threading.Lock()
        self.active = 0
        self.peak = 0

    def __call__(self, item: int) -> int:
        with self.lock:
            if self.active >= self.capacity:
                refused = True
            else:
                refused = False
                self.active += 1
                self.peak = max(self.peak, self.active)
        if refused:
            time.sleep(self.latency / 20)  # a refusal costs a round trip, not an OCR run
            raise FaceIdConcurrencyLimitError("busy", http_status=403)
        try:
            time.sleep(self.latency)
            return item
        finally:
            with self.lock:
                self.active -= 1


def sequential(items: int, api: FakeApi) -> float:
    started = time.perf_counter()
    for i in range(items):
        api(i)
    return items / (time.perf_counter() - started)


def concurrent(items: int, api: FakeApi, max_in_flight: int) -> tuple[float, dict[str, int]]:
    started = time.perf_counter()
    stream = run_calls(
        range(items), api, max_in_flight=max_in_flight, backoff=full_jitter(base=api.latency / 4, cap=1.0)
    )
    done = sum(1 for o in stream if o.ok)
    rate = items / (time.perf_counter() - started)
    if done != items:
        raise SystemExit(f"only {done}/{items} calls succeeded")
    return rate, stream.stats.as_dict()


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--items", type=int, default=200)
    parser.add_argument("--latency", type=float, default=0.05, help="seconds per accepted call")
    args = parser.parse_args()

    cases = [(1, 1), (4, 4), (8, 8), (4, 8), (2, 8), (16, 16)]  # (API capacity, max_in_flight)
    base = sequential(args.items // 4, FakeApi(capacity=1, latency=args.latency))
    print(f"items={args.items} latency={args.latency * 1000:.0f} ms; sequential loop: {base:.1f} calls/s")
    print(
        f"{'capacity':>8} {'in_flight':>9} {'ideal/s':>8} {'runner/s':>9} {'x seq':>6} {'% ideal':>8} "
        f"{'limit answers':>13} {'final limit':>11} {'peak':>5}"
    )
    for capacity, max_in_flight in cases:
        api = FakeApi(capacity=capacity, latency=args.latency)
        rate, stats = concurrent(args.items, api, max_in_flight)
        ideal = min(capacity, max_in_flight) / args.latency
        print(
            f"{capacity:>8} {max_in_flight:>9} {ideal:>8.1f} {rate:>9.1f} {rate / base:>6.2f} "
            f"{100 * rate / ideal:>7.0f}% {stats['limit_answers']:>13} {stats['current_limit']:>11} "
            f"{api.peak:>5}"
        )


if __name__ == "__main__":
    main()
