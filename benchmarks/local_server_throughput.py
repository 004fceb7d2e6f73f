"""Requests/s of faceid-local answering from its replay cache, against GET /_local/health in the same run.

Starts the real ``faceid-local serve`` (latency 0, replay cache on), posts one rendered card once to
fill the cache, then times N keep-alive requests from T client threads for each endpoint. The ratio
says what the API path (multipart parsing, checks, cache lookup, JSON answer) costs over a bare
answer of the same HTTP stack.

    .venv/bin/python benchmarks/local_server_throughput.py [--requests 1000] [--threads 4] [--rounds 5]
"""

from __future__ import annotations

import argparse
import io
import statistics
import sys
import threading
import time
from collections.abc import Callable
from pathlib import Path

import requests
from PIL import Image, ImageDraw, ImageFont

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from tests.fixtures.faceid_local import FaceIdLocalServer, start_faceid_local


def card_jpeg() -> bytes:
    image = Image.new("RGB", (856, 540), "white")
    font = ImageFont.truetype("/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc", 36, index=2)
    ImageDraw.Draw(image).text((60, 60), "姓名 张三", fill="black", font=font)
    buffer = io.BytesIO()
    image.save(buffer, format="JPEG", quality=90)
    return buffer.getvalue()


def rate(call: Callable[[requests.Session], int], *, total: int, threads: int) -> float:
    """Requests per second of ``total`` calls spread over ``threads`` keep-alive sessions."""
    per_thread = total // threads
    failures: list[int] = []

    def worker() -> None:
        with requests.Session() as session:
            for _ in range(per_thread):
                status = call(session)
                if status != 200:
                    failures.append(status)

    workers = [threading.Thread(target=worker) for _ in range(threads)]
    started = time.perf_counter()
    for thread in workers:
        thread.start()
    for thread in workers:
        thread.join()
    elapsed = time.perf_counter() - started
    if failures:
        raise RuntimeError(f"{len(failures)} non-200 answers, e.g. {failures[0]}")
    return per_thread * threads / elapsed


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--requests", type=int, default=1000)
    parser.add_argument("--threads", type=int, default=4)
    parser.add_argument("--rounds", type=int, default=5)
    args = parser.parse_args()

    server: FaceIdLocalServer = start_faceid_local(concurrency_limit=64)
    try:
        image = card_jpeg()
        fields = {"api_key": server.api_key, "api_secret": server.api_secret}
        files = {"image": ("card.jpg", image, "image/jpeg")}
        requests.post(server.ocr_url, data=fields, files=files, timeout=60).raise_for_status()

        def health(session: requests.Session) -> int:
            return session.get(f"{server.url}/_local/health", timeout=30).status_code

        def ocr(session: requests.Session) -> int:
            return session.post(server.ocr_url, data=fields, files=files, timeout=30).status_code

        rate(health, total=200, threads=args.threads)  # warm the connections and the interpreter
        server.reset()
        # Alternating rounds, medians: the machine is shared, so neighbours' load hits both sides alike.
        baselines, replays = [], []
        for _ in range(args.rounds):
            baselines.append(rate(health, total=args.requests, threads=args.threads))
            replays.append(rate(ocr, total=args.requests, threads=args.threads))
        counters = server.counters()
    finally:
        server.stop()
    baseline, replayed = statistics.median(baselines), statistics.median(replays)
    ratio = statistics.median(r / b for r, b in zip(replays, baselines, strict=True))
    print(
        f"image: {len(image)} bytes; {args.rounds} rounds x {args.requests} requests per endpoint, "
        f"{args.threads} client threads (medians)"
    )
    print(f"GET  /_local/health (baseline):         {baseline:8.0f} req/s")
    print(f"POST /faceid/v1/ocridcard (replayed):   {replayed:8.0f} req/s")
    print(f"ratio replayed / baseline:              {ratio:8.2f}")
    print(
        f"engine_calls during the timed run: {counters['engine_calls']}, cache_hits: {counters['cache_hits']}"
    )


if __name__ == "__main__":
    main()
