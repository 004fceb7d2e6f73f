"""The runner against real concurrency limits: a callable that refuses calls over its capacity, and a
threaded HTTP server on loopback answering 403 CONCURRENCY_LIMIT_EXCEEDED the way the API does."""

from __future__ import annotations

import json
import threading
import time
from collections import Counter
from collections.abc import Callable, Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
import requests

from airflow_provider_faceid.exceptions import (
    FaceIdAuthorizationError,
    FaceIdConcurrencyLimitError,
    FaceIdInternalError,
)
from airflow_provider_faceid.runner import (
    AdaptiveLimiter,
    full_jitter,
    is_faceid_limit_error,
    run_calls,
)
from tests.waiting import wait_for

FAST_BACKOFF = full_jitter(base=0.002, cap=0.02)


class LimitedService:
    """A real concurrency limit: more than ``capacity`` concurrent calls are refused at once.

    ``attempted_peak`` counts every call that entered (what the runner put in flight);
    ``accepted_peak`` counts the calls that were served.
    """

    def __init__(self, capacity: int, latency: float) -> None:
        self.capacity = capacity
        self.latency = latency
        self.lock = threading.Lock()
        self.attempted = 0
        self.accepted = 0
        self.attempted_peak = 0
        self.accepted_peak = 0
        self.refusals = 0
        self.served: Counter[int] = Counter()

    def __call__(self, item: int) -> int:
        with self.lock:
            self.attempted += 1
            self.attempted_peak = max(self.attempted_peak, self.attempted)
            refuse = self.accepted >= self.capacity
            if refuse:
                self.refusals += 1
            else:
                self.accepted += 1
                self.accepted_peak = max(self.accepted_peak, self.accepted)
        try:
            if refuse:
                time.sleep(self.latency / 10)  # a refusal is cheap but not free
                raise FaceIdConcurrencyLimitError("too many requests in flight", http_status=403)
            time.sleep(self.latency)
            with self.lock:
                self.served[item] += 1
            return item * 2
        finally:
            with self.lock:
                self.attempted -= 1
                if not refuse:
                    self.accepted -= 1


def _runner_threads(prefix: str) -> list[threading.Thread]:
    return [t for t in threading.enumerate() if t.name.startswith(prefix)]


def test_every_item_done_once_under_a_real_limit() -> None:
    service = LimitedService(capacity=3, latency=0.01)
    stream = run_calls(range(200), service, max_in_flight=8, backoff=FAST_BACKOFF)
    outcomes = list(stream)

    assert sorted(o.item for o in outcomes) == list(range(200))
    assert all(o.ok and o.result == o.item * 2 for o in outcomes)
    assert service.served == Counter(range(200))  # served exactly once each
    assert service.attempted_peak <= 8
    assert service.accepted_peak <= 3
    stats = stream.stats
    assert stats.max_in_flight_observed <= 8
    assert stats.limit_answers == service.refusals > 0
    assert stats.limit_decreases >= 1
    assert stats.calls == 200 + stats.limit_answers
    assert sum(o.limit_retries for o in outcomes) == stats.limit_answers
    assert stats.succeeded == 200 and stats.failed == 0


def test_limit_is_lowered_then_recovers_when_capacity_returns() -> None:
    service = LimitedService(capacity=2, latency=0.005)
    stream = run_calls(
        range(400), service, max_in_flight=8, backoff=FAST_BACKOFF, increase_every=4, queue_size=2
    )
    lowest = 8
    for i, outcome in enumerate(stream):
        assert outcome.ok
        lowest = min(lowest, stream.limiter.limit)
        if i == 150:
            with service.lock:
                service.capacity = 8  # the other tenant finished
    assert lowest <= 4
    assert stream.stats.limit_increases > 0
    assert stream.limiter.limit > lowest
    assert service.served == Counter(range(400))


def test_other_errors_fail_the_item_not_the_batch() -> None:
    def call(item: int) -> int:
        if item % 5 == 0:
            raise FaceIdAuthorizationError("bad key", http_status=403)
        if item == 7:
            raise KeyError("unexpected")
        return item

    outcomes = {o.item: o for o in run_calls(range(50), call, max_in_flight=4)}
    assert len(outcomes) == 50
    failed = sorted(i for i, o in outcomes.items() if not o.ok)
    assert failed == sorted([*range(0, 50, 5), 7])
    assert isinstance(outcomes[10].error, FaceIdAuthorizationError)
    assert isinstance(outcomes[7].error, KeyError)
    assert all(o.attempts == 1 for o in outcomes.values())


def test_retryable_errors_are_retried_up_to_max_retries() -> None:
    failures: Counter[int] = Counter()
    lock = threading.Lock()

    def call(item: int) -> int:
        with lock:
            failures[item] += 1
            n = failures[item]
        if item < 10 and n <= 2:
            raise FaceIdInternalError("500", http_status=500)
        if item == 10:
            raise FaceIdInternalError("always 500", http_status=500)
        return item

    outcomes = {
        o.item: o
        for o in run_calls(
            range(20),
            call,
            max_in_flight=4,
            is_retryable=lambda e: getattr(e, "retryable", False),
            max_retries=2,
            backoff=FAST_BACKOFF,
        )
    }
    assert all(outcomes[i].ok and outcomes[i].attempts == 3 for i in range(10))
    assert not outcomes[10].ok and outcomes[10].attempts == 3
    assert all(outcomes[i].attempts == 1 for i in range(11, 20))


def test_limit_answers_give_up_after_deadline_or_count() -> None:
    def always_limited(item: int) -> int:
        raise FaceIdConcurrencyLimitError("busy", http_status=403)

    stream = run_calls(range(3), always_limited, max_in_flight=2, backoff=FAST_BACKOFF, max_limit_retries=4)
    outcomes = list(stream)
    assert len(outcomes) == 3
    assert all(isinstance(o.error, FaceIdConcurrencyLimitError) for o in outcomes)
    assert all(o.attempts == 5 and o.limit_retries == 4 for o in outcomes)
    assert stream.stats.limit_give_ups == 3

    deadline = 0.2
    (outcome,) = run_calls(
        [1], always_limited, max_in_flight=1, backoff=FAST_BACKOFF, limit_deadline=deadline
    )
    # Given up on the runner's own clock once the deadline passed, after more than one attempt.
    assert outcome.seconds >= deadline
    assert is_faceid_limit_error(outcome.error or Exception()) and outcome.attempts > 1


def test_input_is_pulled_lazily_and_bounded() -> None:
    pulled = 0
    lock = threading.Lock()

    def items() -> Iterator[int]:
        nonlocal pulled
        for i in range(300):
            with lock:
                pulled += 1
            yield i

    stream = run_calls(items(), lambda i: i, max_in_flight=4, queue_size=3)
    seen = 0
    for _ in stream:
        seen += 1
        time.sleep(0.0005)  # a consumer slower than the calls
        with lock:
            # Taken from the input but not yet yielded: never more than in-flight + queue.
            assert pulled - seen <= 4 + 3
    assert seen == 300


def test_consumer_abort_stops_and_joins_every_thread() -> None:
    closed = threading.Event()

    def items() -> Iterator[int]:
        try:
            yield from range(10_000)
        finally:
            closed.set()

    service = LimitedService(capacity=4, latency=0.01)
    stream = run_calls(items(), service, max_in_flight=4, thread_name_prefix="abort-test")
    for i, _ in enumerate(stream):
        if i == 5:
            break
    assert _runner_threads("abort-test")  # still alive until closed
    stream.close()
    assert _runner_threads("abort-test") == []
    assert closed.is_set()
    assert sum(service.served.values()) < 100


def test_exception_in_consumer_joins_threads() -> None:
    with (
        pytest.raises(RuntimeError, match="consumer failed"),
        run_calls(range(1000), lambda i: i, max_in_flight=3, thread_name_prefix="raise-test") as stream,
    ):
        for outcome in stream:
            if outcome.item >= 0:
                raise RuntimeError("consumer failed")
    assert _runner_threads("raise-test") == []


def test_input_error_is_raised_after_started_calls_are_yielded() -> None:
    def items() -> Iterator[int]:
        yield from range(10)
        raise OSError("listing failed")

    seen: list[int] = []
    with pytest.raises(OSError, match="listing failed"):
        for outcome in run_calls(items(), lambda i: i, max_in_flight=3, thread_name_prefix="feed-err"):
            seen.append(outcome.item)
    assert sorted(seen) == list(range(10))
    assert _runner_threads("feed-err") == []


def test_empty_input() -> None:
    empty: list[int] = []
    stream = run_calls(empty, lambda i: i, max_in_flight=2)
    assert list(stream) == []
    assert stream.stats.calls == 0


def test_outcome_repr_hides_item_and_result() -> None:
    (outcome,) = run_calls([b"\xff\xd8 image bytes"], lambda b: {"name": "张三"}, max_in_flight=1)
    assert "张三" not in repr(outcome) and "image bytes" not in repr(outcome)


# --- AdaptiveLimiter ------------------------------------------------------------------------------


def test_limiter_halves_once_per_epoch_and_floors() -> None:
    limiter = AdaptiveLimiter(16, min_limit=2)
    tickets = [limiter.acquire() for _ in range(16)]
    assert tickets == [0] * 16
    for ticket in tickets[:10]:  # ten answers from the same burst: one decrease
        assert ticket is not None
        limiter.on_limit(ticket)
    assert limiter.limit == 8
    for _ in range(16):
        limiter.release()
    for _ in range(5):
        ticket = limiter.acquire()
        assert ticket is not None
        limiter.release()
        limiter.on_limit(ticket)
    assert limiter.limit == 2  # 8 -> 4 -> 2, then the floor
    assert limiter.decreases == 3


def test_limiter_additive_increase_up_to_max() -> None:
    limiter = AdaptiveLimiter(4, increase_every=3)
    ticket = limiter.acquire()
    limiter.release()
    assert ticket is not None
    limiter.on_limit(ticket)
    assert limiter.limit == 2
    for _ in range(3):
        limiter.on_success()
    assert limiter.limit == 3
    for _ in range(30):
        limiter.on_success()
    assert limiter.limit == 4


def test_limiter_blocks_at_the_limit_across_threads() -> None:
    limiter = AdaptiveLimiter(2)
    assert limiter.acquire() is not None and limiter.acquire() is not None
    assert limiter.acquire(timeout=0.05) is None
    got: list[int | None] = []
    waiter = threading.Thread(target=lambda: got.append(limiter.acquire(timeout=60)))
    waiter.start()
    # ``waiting`` counts under the limiter's lock, which the waiter holds until it blocks: once it is
    # 1, the release below can only run while the waiter is blocked.
    assert wait_for(lambda: limiter.waiting == 1, timeout=30)
    assert got == []
    limiter.release()
    waiter.join(30)
    assert got == [0] and limiter.in_flight == 2 and limiter.waiting == 0


def test_limiter_rejects_bad_bounds() -> None:
    with pytest.raises(ValueError):
        AdaptiveLimiter(0)
    with pytest.raises(ValueError):
        AdaptiveLimiter(4, min_limit=5)


# --- over HTTP ------------------------------------------------------------------------------------


class _LimitedApi(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self, capacity: int, latency: float) -> None:
        super().__init__(("127.0.0.1", 0), _Handler)
        self.capacity = capacity
        self.latency = latency
        self.lock = threading.Lock()
        self.active = 0
        self.peak = 0
        self.served: Counter[str] = Counter()


class _Handler(BaseHTTPRequestHandler):
    server: _LimitedApi

    def do_POST(self) -> None:
        body = self.rfile.read(int(self.headers["Content-Length"]))
        with self.server.lock:
            over = self.server.active >= self.server.capacity
            if not over:
                self.server.active += 1
                self.server.peak = max(self.server.peak, self.server.active)
        if over:
            self._reply(
                403, {"error_message": "CONCURRENCY_LIMIT_EXCEEDED", "request_id": "r", "time_used": 1}
            )
            return
        try:
            time.sleep(self.server.latency)
            with self.server.lock:
                self.server.served[body.decode()] += 1
        finally:
            with self.server.lock:
                self.server.active -= 1
        self._reply(200, {"request_id": "r", "time_used": 5, "echo": body.decode()})

    def _reply(self, status: int, payload: dict[str, object]) -> None:
        data = json.dumps(payload).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def log_message(self, format: str, *args: object) -> None:
        pass


@pytest.fixture
def limited_api() -> Iterator[_LimitedApi]:
    server = _LimitedApi(capacity=2, latency=0.02)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield server
    server.shutdown()
    server.server_close()
    thread.join(5)


def _http_call(url: str, session: requests.Session) -> Callable[[str], str]:
    def call(item: str) -> str:
        response = session.post(url, data=item.encode(), timeout=10)
        payload = response.json()
        if response.status_code == 403 and payload.get("error_message") == "CONCURRENCY_LIMIT_EXCEEDED":
            raise FaceIdConcurrencyLimitError("limit", http_status=403, request_id=payload.get("request_id"))
        response.raise_for_status()
        return str(payload["echo"])

    return call


def test_over_http_against_a_server_with_a_concurrency_limit(limited_api: _LimitedApi) -> None:
    url = f"http://127.0.0.1:{limited_api.server_address[1]}/faceid/v1/ocridcard"
    items = [f"image-{i}" for i in range(60)]
    with requests.Session() as session:
        adapter = requests.adapters.HTTPAdapter(pool_maxsize=6)
        session.mount("http://", adapter)
        stream = run_calls(items, _http_call(url, session), max_in_flight=6, backoff=FAST_BACKOFF)
        outcomes = list(stream)
    assert all(o.ok and o.result == o.item for o in outcomes)
    assert limited_api.served == Counter(items)
    assert limited_api.peak <= 2
    assert stream.stats.limit_answers > 0
    assert stream.stats.max_in_flight_observed <= 6
