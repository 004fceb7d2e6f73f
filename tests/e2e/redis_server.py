"""A throwaway Redis for CeleryExecutor tests: its own port, no persistence, gone afterwards.

A shared Redis (127.0.0.1:6379) would mix the queues of concurrent test runs, and a test must also
run where no Redis is running: ``running_redis()`` starts ``redis-server`` on a free loopback port
in a temporary folder, with RDB snapshots and the AOF off, and stops it on exit.
"""

from __future__ import annotations

import contextlib
import shutil
import socket
import subprocess
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

LOOPBACK = "127.0.0.1"


class RedisUnavailable(RuntimeError):
    """No ``redis-server`` binary, or it did not answer in time."""


@contextlib.contextmanager
def running_redis(*, startup_timeout: float = 20.0) -> Iterator[str]:
    """Start a private ``redis-server``; yield its base URL (``redis://127.0.0.1:PORT``)."""
    binary = shutil.which("redis-server")
    if binary is None:
        raise RedisUnavailable("redis-server is not installed (apt-get install redis-server)")
    with tempfile.TemporaryDirectory(prefix="faceid-redis-") as folder:
        port = _free_loopback_port()
        log_path = Path(folder) / "redis.log"
        process = subprocess.Popen(
            [
                binary,
                "--bind", LOOPBACK,
                "--port", str(port),
                "--save", "",
                "--appendonly", "no",
                "--dir", folder,
                "--logfile", str(log_path),
                "--daemonize", "no",
            ],
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.STDOUT,
        )  # fmt: skip
        try:
            _wait_answering(port, process=process, deadline=time.monotonic() + startup_timeout)
            yield f"redis://{LOOPBACK}:{port}"
        finally:
            process.terminate()
            try:
                process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait(timeout=10)


def _wait_answering(port: int, *, process: subprocess.Popen[bytes], deadline: float) -> None:
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RedisUnavailable(f"redis-server exited with {process.returncode}")
        with contextlib.suppress(OSError), socket.create_connection((LOOPBACK, port), timeout=1) as sock:
            sock.sendall(b"PING\r\n")
            if sock.recv(16).startswith(b"+PONG"):
                return
        time.sleep(0.1)
    raise RedisUnavailable(f"redis-server did not answer on port {port} in time")


def _free_loopback_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind((LOOPBACK, 0))
        return int(sock.getsockname()[1])
