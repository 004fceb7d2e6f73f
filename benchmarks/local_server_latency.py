"""Where faceid-local's emulated latency sits: the answer time of a slow upload against a prompt one.

The latency (``--latency-ms``) is the service time counted from the request's head, so an upload
that takes part of it is inside it, not added to it. Both kinds of request run side by side on the
same server, alternating, and the ratio of their median answer times (from the first byte sent)
is printed: ~1.0 when the upload is inside the latency, (latency + upload) / latency if it were
added after it. The tests check only the mechanism, with a generous bound; this is the figure.

    .venv/bin/python benchmarks/local_server_latency.py [--latency-ms 1500] [--upload-ms 1000] [--rounds 5]
"""

from __future__ import annotations

import argparse
import socket
import statistics
import sys
import time
from pathlib import Path
from urllib.parse import urlsplit

import requests

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:  # the fixtures live in tests/, importable from the repository root
    sys.path.insert(0, str(ROOT))

from benchmarks.local_server_throughput import card_jpeg  # noqa: E402
from tests.fixtures.faceid_local import FaceIdLocalServer, start_faceid_local  # noqa: E402


def answer_seconds(server: FaceIdLocalServer, request: bytes, *, split: int, pause: float) -> float:
    """Seconds from the first byte sent to the end of the answer; ``pause`` after ``split`` bytes."""
    parts = urlsplit(server.url)
    assert parts.hostname is not None and parts.port is not None
    with socket.create_connection((parts.hostname, parts.port), timeout=60) as sock:
        started = time.perf_counter()
        sock.sendall(request[:split])
        time.sleep(pause)
        sock.sendall(request[split:])
        answer = b""
        while chunk := sock.recv(65536):
            answer += chunk
        seconds = time.perf_counter() - started
    if not answer.startswith(b"HTTP/1.1 200 "):
        raise RuntimeError(f"unexpected answer {answer[:80]!r}")
    return seconds


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--latency-ms", type=float, default=1500)
    parser.add_argument("--upload-ms", type=float, default=1000)
    parser.add_argument("--rounds", type=int, default=5)
    args = parser.parse_args()
    server = start_faceid_local(latency_ms=args.latency_ms)
    try:
        fields = {"api_key": server.api_key, "api_secret": server.api_secret}
        image = card_jpeg()
        requests.post(server.ocr_url, data=fields, files={"image": image}, timeout=120).raise_for_status()
        prepared = requests.Request("POST", server.ocr_url, data=fields, files={"image": image}).prepare()
        assert isinstance(prepared.body, bytes)
        head = (
            f"POST /faceid/v1/ocridcard HTTP/1.1\r\nHost: {urlsplit(server.url).netloc}\r\n"
            f"Content-Type: {prepared.headers['Content-Type']}\r\nContent-Length: {len(prepared.body)}\r\n"
            "Connection: close\r\n\r\n"
        ).encode()
        request = head + prepared.body
        split = len(head) + 100
        prompt: list[float] = []
        slow: list[float] = []
        for _ in range(args.rounds):  # alternating, so drift on a shared machine hits both alike
            prompt.append(answer_seconds(server, request, split=split, pause=0.0))
            slow.append(answer_seconds(server, request, split=split, pause=args.upload_ms / 1000))
    finally:
        server.stop()
    baseline, measured = statistics.median(prompt), statistics.median(slow)
    added = (args.latency_ms + args.upload_ms) / args.latency_ms
    print(f"latency {args.latency_ms:.0f} ms, upload {args.upload_ms:.0f} ms, {args.rounds} rounds each")
    print(f"prompt upload (baseline): median {baseline * 1000:.0f} ms")
    print(f"slow upload:              median {measured * 1000:.0f} ms")
    print(f"ratio slow / prompt: {measured / baseline:.3f} (1.0: inside the latency; {added:.3f}: added)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
