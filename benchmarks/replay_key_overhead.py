"""What the decoded-pixels replay key costs faceid-local per request, against a bytes-key hit.

faceid-local (latency 0, the 4 specimens already in its replay cache) is sent, one request at a
time on a keep-alive session, alternating rounds of (a) the very same bytes again (bytes-key hit:
a sha256) and (b) copies with new bytes after the end-of-image marker (a bytes miss, then the
engine's decode and a pixels-key hit; copies that differ only in a COM segment share the bytes key).
Medians of the per-request round trip; the difference is the decode + pixel hash.
With ``--latency-ms`` above that difference the decode is hidden (it runs during the latency).

    .venv/bin/python benchmarks/replay_key_overhead.py              # ~30 s
    .venv/bin/python benchmarks/replay_key_overhead.py --latency-ms 300 --requests 40
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time
from pathlib import Path

import requests
from _common import base_specimens, replaying_faceid_local


def median_ms(session: requests.Session, url: str, fields: dict[str, str], images: list[bytes]) -> float:
    times = []
    for image in images:
        started = time.perf_counter()
        response = session.post(url, data=fields, files={"image": ("card.jpg", image)}, timeout=60)
        times.append((time.perf_counter() - started) * 1000)
        response.raise_for_status()
    return statistics.median(times)


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--requests", type=int, default=100, help="per round and kind")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--latency-ms", type=float, default=0.0)
    args = parser.parse_args()

    results: dict[str, list[float]] = {"bytes hit": [], "pixels hit": []}
    with tempfile.TemporaryDirectory(prefix="faceid-replay-") as tmp:
        bases = base_specimens(count=4, out_dir=Path(tmp))
        with replaying_faceid_local(bases=bases, latency_ms=args.latency_ms, concurrency_limit=4) as server:
            fields = {"api_key": server.api_key, "api_secret": server.api_secret, "legality": "0"}
            session = requests.Session()
            for number in range(args.rounds):
                same = [bases[n % len(bases)] for n in range(args.requests)]
                kinds = {
                    "bytes hit": same,
                    "pixels hit": [image + f"{number}-{n}".encode() for n, image in enumerate(same)],
                }
                for kind, images in kinds.items():
                    results[kind].append(median_ms(session, server.ocr_url, fields, images))
            counters = server.counters()

    bytes_hit = statistics.median(results["bytes hit"])
    pixels_hit = statistics.median(results["pixels hit"])
    print(
        f"latency {args.latency_ms:.0f} ms, {args.rounds} rounds x {args.requests} requests (medians)\n"
        f"  bytes-key hit        {bytes_hit:7.2f} ms/request\n"
        f"  pixels-key hit       {pixels_hit:7.2f} ms/request\n"
        f"  pixel key overhead   {pixels_hit - bytes_hit:7.2f} ms/request "
        f"(ratio {pixels_hit / bytes_hit:.2f})\n"
        f"  engine_calls         {counters['engine_calls']:7d}   (0: every request replayed)"
    )


if __name__ == "__main__":
    main()
