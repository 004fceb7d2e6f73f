"""faceid-local at the transport level: body limit while streaming, slow clients, concurrency limit."""

from __future__ import annotations

import select
import socket
import threading
import time
from collections.abc import Iterator
from typing import Any
from urllib.parse import urlsplit

import pytest
import requests

from tests.fixtures.faceid_local import FaceIdLocalServer, start_faceid_local
from tests.waiting import wait_for

pytestmark = pytest.mark.integration

LIMIT = 2 * 1024 * 1024
CHUNK = 64 * 1024


def connect(server: FaceIdLocalServer) -> socket.socket:
    parts = urlsplit(server.url)
    assert parts.hostname is not None and parts.port is not None
    return socket.create_connection((parts.hostname, parts.port), timeout=10)


def read_answer(sock: socket.socket) -> bytes:
    """Everything the server sends until it closes the connection."""
    received = b""
    while chunk := sock.recv(65536):
        received += chunk
    return received


def head_lines(server: FaceIdLocalServer, *extra: str) -> bytes:
    lines = ["POST /faceid/v1/ocridcard HTTP/1.1", f"Host: {urlsplit(server.url).netloc}", *extra]
    return ("\r\n".join(lines) + "\r\n\r\n").encode()


def test_content_length_over_limit_is_refused_before_any_body(faceid_local: FaceIdLocalServer) -> None:
    with connect(faceid_local) as sock:
        # Only the head is sent: an answer proves the server decided without reading the body.
        sock.sendall(
            head_lines(faceid_local, f"Content-Length: {LIMIT + 1}", "Content-Type: multipart/form-data")
        )
        answer = read_answer(sock)
    status_line, _, rest = answer.partition(b"\r\n")
    assert status_line == b"HTTP/1.1 413 Request Entity Too Large"
    assert b"content-type: text/plain" in rest.lower()
    assert b"connection: close" in rest.lower()
    assert answer.endswith(b"\r\n\r\nRequest Entity Too Large")


def test_expect_100_continue_client_is_refused_without_sending(faceid_local: FaceIdLocalServer) -> None:
    with connect(faceid_local) as sock:
        sock.sendall(head_lines(faceid_local, f"Content-Length: {3 * LIMIT}", "Expect: 100-continue"))
        answer = read_answer(sock)
    assert answer.startswith(b"HTTP/1.1 413 ")
    assert b"100 Continue" not in answer


def test_expect_100_continue_client_within_limit_is_invited(faceid_local: FaceIdLocalServer) -> None:
    body = b"api_key=k"
    with connect(faceid_local) as sock:
        sock.sendall(
            head_lines(
                faceid_local,
                f"Content-Length: {len(body)}",
                "Content-Type: application/x-www-form-urlencoded",
                "Expect: 100-continue",
                "Connection: close",
            )
        )
        assert sock.recv(65536) == b"HTTP/1.1 100 Continue\r\n\r\n"
        sock.sendall(body)
        answer = read_answer(sock)
    assert answer.startswith(b"HTTP/1.1 400 Bad Request\r\n")
    assert b"MISSING_ARGUMENTS: api_secret" in answer


def test_chunked_body_is_refused_while_it_streams(faceid_local: FaceIdLocalServer) -> None:
    planned = 4 * LIMIT
    sent = 0
    answered_after: int | None = None
    with connect(faceid_local) as sock:
        sock.sendall(
            head_lines(faceid_local, "Transfer-Encoding: chunked", "Content-Type: multipart/form-data")
        )
        while sent < planned:
            try:
                sock.sendall(b"%x\r\n" % CHUNK + b"\0" * CHUNK + b"\r\n")
            except (BrokenPipeError, ConnectionResetError):
                break
            sent += CHUNK
            readable, _, _ = select.select([sock], [], [], 0.02)
            if readable:
                answered_after = sent
                break
        answer = read_answer(sock)
    assert answer.startswith(b"HTTP/1.1 413 ")
    assert answer.endswith(b"Request Entity Too Large")
    # Answered once the limit was crossed, long before the client would have finished.
    assert answered_after is not None
    assert LIMIT < answered_after < planned // 2


def test_requests_client_reads_the_413_of_a_streamed_upload(faceid_local: FaceIdLocalServer) -> None:
    consumed = 0

    def body() -> Iterator[bytes]:
        nonlocal consumed
        for _ in range(48):  # 3 MiB in 64 KiB chunks, chunked transfer encoding
            consumed += CHUNK
            yield b"\0" * CHUNK

    response = requests.post(
        faceid_local.ocr_url, data=body(), headers={"Content-Type": "multipart/form-data"}, timeout=30
    )
    assert response.status_code == 413
    assert response.text == "Request Entity Too Large"


def test_malformed_http_is_a_plain_400_without_trace(faceid_local: FaceIdLocalServer) -> None:
    with connect(faceid_local) as sock:
        sock.sendall(b"NOT AN HTTP REQUEST\r\n\r\n")
        answer = read_answer(sock)
    assert answer.startswith(b"HTTP/1.1 400 ")
    assert b"Traceback" not in answer


def test_connection_is_kept_alive_between_requests(faceid_local: FaceIdLocalServer) -> None:
    with connect(faceid_local) as sock:
        for _ in range(3):
            sock.sendall(b"GET /_local/health HTTP/1.1\r\nHost: x\r\n\r\n")
            assert sock.recv(65536).startswith(b"HTTP/1.1 200 ")


@pytest.fixture(scope="module")
def impatient_server() -> Iterator[FaceIdLocalServer]:
    server = start_faceid_local(read_timeout=1.0)
    yield server
    server.stop()


def test_trickled_body_is_cut_off_with_408(impatient_server: FaceIdLocalServer) -> None:
    sent = 0
    with connect(impatient_server) as sock:
        sock.sendall(head_lines(impatient_server, "Content-Length: 1000"))
        answer = b""
        # One byte per 0.1 s would need 100 s; the server's 1 s read timeout must end it long before
        # (the loop gives up after 200 bytes, 20 s or more: far past the timeout, on any machine).
        while sent < 200:
            try:
                sock.sendall(b"x")
            except (BrokenPipeError, ConnectionResetError):
                break
            sent += 1
            if select.select([sock], [], [], 0.1)[0]:
                answer = read_answer(sock)
                break
    assert answer.startswith(b"HTTP/1.1 408 ")
    assert answer.endswith(b"Request Timeout")
    assert sent < 200, "the server kept reading a body that trickled for 20 s"


def test_trickled_head_is_cut_off(impatient_server: FaceIdLocalServer) -> None:
    with connect(impatient_server) as sock:
        sock.sendall(b"POST /faceid/v1/ocridcard HTTP/1.1\r\nHost: x\r\n")
        closed = False
        for _ in range(200):  # 20 s or more of a trickling head against a 1 s read timeout
            try:
                sock.sendall(b"X-Slow: 1\r\n")
            except (BrokenPipeError, ConnectionResetError):
                closed = True
                break
            if select.select([sock], [], [], 0.1)[0]:
                closed = sock.recv(65536) == b""
                break
    assert closed


#: Long enough that what the tests do while two requests hold the slots is done before they end, on
#: any machine; the tests wait for events, this only has to outlast them.
LATENCY_SECONDS = 6.0


@pytest.fixture(scope="module")
def limited_server(card_jpeg: bytes) -> Iterator[FaceIdLocalServer]:
    """Limit 2, LATENCY_SECONDS per admitted request, the card already in the replay cache."""
    server = start_faceid_local(concurrency_limit=2, latency_ms=LATENCY_SECONDS * 1000)
    fields = {"api_key": server.api_key, "api_secret": server.api_secret}
    requests.post(server.ocr_url, data=fields, files={"image": card_jpeg}, timeout=30).raise_for_status()
    yield server
    server.stop()


def post_concurrently(
    server: FaceIdLocalServer, image: bytes, *, clients: int, each: int = 1
) -> list[tuple[int, str]]:
    """(status, error_message) of ``clients`` threads posting ``each`` times, started together, in the
    order the answers arrived."""
    fields = {"api_key": server.api_key, "api_secret": server.api_secret}
    start = threading.Barrier(clients)
    results: list[tuple[int, str]] = []
    lock = threading.Lock()

    def client() -> None:
        start.wait()
        for _ in range(each):
            response = requests.post(server.ocr_url, data=fields, files={"image": image}, timeout=60)
            message: Any = response.json().get("error_message", "")
            with lock:
                results.append((response.status_code, message))

    threads = [threading.Thread(target=client) for _ in range(clients)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    return results


@pytest.mark.slow
def test_concurrency_limit_rejects_at_once_and_never_queues(
    limited_server: FaceIdLocalServer, card_jpeg: bytes
) -> None:
    limited_server.reset()
    holders: list[tuple[int, str]] = []
    holding = threading.Thread(
        target=lambda: holders.extend(post_concurrently(limited_server, card_jpeg, clients=2))
    )
    holding.start()
    assert wait_for(lambda: limited_server.counters()["in_flight"] == 2, timeout=60)
    # A third request while both slots are held: a queueing server would answer it 200 once a slot
    # frees; a 403 after which both slots are still held was refused without waiting.
    (third,) = post_concurrently(limited_server, card_jpeg, clients=1)
    during = limited_server.counters()
    holding.join()

    assert third == (403, "CONCURRENCY_LIMIT_EXCEEDED")
    assert during["in_flight"] == 2
    assert holders == [(200, ""), (200, "")]
    counters = limited_server.counters()
    assert counters["max_in_flight"] == 2
    assert counters["in_flight"] == 0
    assert counters["concurrency_rejections"] == 1
    assert counters["requests_by_error"] == {"CONCURRENCY_LIMIT_EXCEEDED": 1}
    assert counters["cache_hits"] == 2


@pytest.mark.slow
def test_counters_are_exact_under_load(limited_server: FaceIdLocalServer, card_jpeg: bytes) -> None:
    limited_server.reset()
    results = post_concurrently(limited_server, card_jpeg, clients=30)
    statuses = [status for status, _ in results]
    assert len(statuses) == 30 and set(statuses) <= {200, 403}
    counters = limited_server.counters()
    assert counters["requests"] == 30
    assert counters["requests_by_status"] == {
        str(status): statuses.count(status) for status in sorted(set(statuses))
    }
    assert counters["concurrency_rejections"] == statuses.count(403)
    assert counters["cache_hits"] == statuses.count(200)
    assert counters["max_in_flight"] == 2
    assert counters["in_flight"] == 0


def test_latency_counts_from_the_head_so_a_slow_upload_is_inside_it(
    limited_server: FaceIdLocalServer, card_jpeg: bytes
) -> None:
    # The body arrives LATENCY_SECONDS after the head. Counted from the head, the latency is spent
    # by then and the answer follows the body at once; added after the upload, it would come
    # LATENCY_SECONDS after the body (a sleep never ends early). The exact arithmetic is a unit test
    # (tests/unit/local/server/test_app.py); benchmarks/local_server_latency.py measures it.
    fields = {"api_key": limited_server.api_key, "api_secret": limited_server.api_secret}
    prepared = requests.Request(
        "POST", limited_server.ocr_url, data=fields, files={"image": card_jpeg}
    ).prepare()
    body = prepared.body
    assert isinstance(body, bytes)
    head = head_lines(
        limited_server,
        f"Content-Type: {prepared.headers['Content-Type']}",
        f"Content-Length: {len(body)}",
        "Connection: close",
    )
    with connect(limited_server) as sock:
        sock.sendall(head + body[:100])
        time.sleep(LATENCY_SECONDS)
        body_sent = time.monotonic()
        sock.sendall(body[100:])
        answer = read_answer(sock)
        after_body = time.monotonic() - body_sent
    assert answer.startswith(b"HTTP/1.1 200 "), answer[:200]
    assert after_body < LATENCY_SECONDS - 1, f"the latency was added after the upload ({after_body:.1f} s)"


def test_sigterm_lets_the_request_in_flight_finish(card_jpeg: bytes) -> None:
    # Seconds for the SIGTERM to land in the latency once the request is seen in flight.
    server = start_faceid_local(latency_ms=3000)
    answers: list[int] = []
    fields = {"api_key": server.api_key, "api_secret": server.api_secret}

    def call() -> None:
        response = requests.post(server.ocr_url, data=fields, files={"image": card_jpeg}, timeout=30)
        answers.append(response.status_code)

    in_flight = threading.Thread(target=call)
    in_flight.start()
    assert wait_for(lambda: server.counters()["in_flight"] == 1, timeout=30)
    server.stop()  # SIGTERM while the request sits in its injected latency
    in_flight.join(30)
    assert answers == [200]
    assert server.process.returncode == 0
    with pytest.raises(requests.ConnectionError):
        requests.get(f"{server.url}/_local/health", timeout=5)
