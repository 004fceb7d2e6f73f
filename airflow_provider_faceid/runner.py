"""Bounded concurrent calls with an adaptive (AIMD) concurrency limiter.

:func:`run_calls` keeps at most ``max_in_flight`` calls running on a fixed pool of worker threads,
fed from a lazy input iterator through a bounded queue, and yields one :class:`Outcome` per input
item as calls complete (in completion order). Memory stays bounded whatever the input length: at
most ``max_in_flight + queue_size`` items are between the input iterator and the consumer.

A concurrency-limit answer (``is_limit_error``) is not a failure of the item: the limiter lowers the
number of calls in flight (halving, never below ``min_limit``), the worker backs off with full
jitter and retries the same item, so no item is dropped for a limit answer. Only when an item has
waited longer than ``limit_deadline`` seconds (or ``max_limit_retries`` answers) is the last limit
error yielded as its outcome. Other exceptions become failed outcomes; nothing a call raises stops
the batch. Successes grow the limit again by one after each window of successes (additive increase),
up to ``max_in_flight``.

Stopping early is safe: closing the returned stream (``with run_calls(...) as outcomes:``, breaking
out of a ``for`` loop, or an exception in the consumer) stops the workers, lets calls already running
finish (their results are discarded) and joins every thread.
"""

from __future__ import annotations

import logging
import queue
import random
import threading
import time
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from types import TracebackType
from typing import Generic, TypeVar, cast

from airflow_provider_faceid.exceptions import CONCURRENCY_LIMIT_EXCEEDED, FaceIdError

log = logging.getLogger(__name__)

T = TypeVar("T")
R = TypeVar("R")

_POLL_SECONDS = 0.1
DEFAULT_LIMIT_DEADLINE = 900.0
"""Seconds one item may keep receiving concurrency-limit answers before it is given up: long enough
to ride out another tenant's burst, short enough that a misconfigured pool does not hang a task."""


def is_faceid_limit_error(exc: BaseException) -> bool:
    """The FaceID ``CONCURRENCY_LIMIT_EXCEEDED`` answer (403), as raised by the hook."""
    return isinstance(exc, FaceIdError) and exc.code == CONCURRENCY_LIMIT_EXCEEDED


def never(_: BaseException) -> bool:
    """Default ``is_retryable``: the hook already retries 5xx and transport errors itself."""
    return False


def full_jitter(*, base: float = 0.25, cap: float = 10.0) -> Callable[[int], float]:
    """Exponential backoff with full jitter: attempt ``n`` (1-based) waits U(0, min(cap, base*2^(n-1))).

    Full jitter spreads the retries of many workers that hit the limit at the same moment, which a
    fixed or equal-jitter schedule would send back together.
    """

    def delay(attempt: int) -> float:
        return random.uniform(0.0, min(cap, base * 2 ** max(0, attempt - 1)))

    return delay


class AdaptiveLimiter:
    """AIMD concurrency limit shared by the workers of one run.

    :param max_limit: the ceiling, and the starting limit (the Airflow pool already sized it).
    :param min_limit: the floor of multiplicative decrease.
    :param increase_every: successes needed for +1; ``None`` means one window, i.e. the current limit
        (TCP's congestion avoidance: roughly +1 per round of calls).

    ``acquire`` returns an *epoch* ticket. A limit answer to a call started in an older epoch does not
    lower the limit again: one overload burst answered to several calls at once halves the limit once
    instead of collapsing it to the floor.
    """

    def __init__(self, max_limit: int, *, min_limit: int = 1, increase_every: int | None = None) -> None:
        if max_limit < 1 or not 1 <= min_limit <= max_limit:
            raise ValueError(f"need 1 <= min_limit <= max_limit, got {min_limit}, {max_limit}")
        if increase_every is not None and increase_every < 1:
            raise ValueError(f"increase_every must be >= 1, got {increase_every}")
        self.max_limit = max_limit
        self.min_limit = min_limit
        self.increase_every = increase_every
        self._limit = max_limit
        self._in_flight = 0
        self._successes = 0
        self._epoch = 0
        self._decreases = 0
        self._increases = 0
        self._waiting = 0
        self._cond = threading.Condition()

    @property
    def limit(self) -> int:
        return self._limit

    @property
    def in_flight(self) -> int:
        return self._in_flight

    @property
    def decreases(self) -> int:
        return self._decreases

    @property
    def increases(self) -> int:
        return self._increases

    @property
    def waiting(self) -> int:
        """Threads inside :meth:`acquire` (blocked on the limit, or about to be)."""
        return self._waiting

    def acquire(self, *, timeout: float | None = None) -> int | None:
        """Wait for a slot under the current limit; return the epoch ticket, ``None`` on timeout."""
        with self._cond:
            self._waiting += 1
            try:
                if not self._cond.wait_for(lambda: self._in_flight < self._limit, timeout=timeout):
                    return None
            finally:
                self._waiting -= 1
            self._in_flight += 1
            return self._epoch

    def release(self) -> None:
        with self._cond:
            if self._in_flight <= 0:
                raise RuntimeError("release() without acquire()")
            self._in_flight -= 1
            self._cond.notify()

    def on_success(self) -> None:
        with self._cond:
            self._successes += 1
            window = self.increase_every or self._limit
            if self._successes >= window and self._limit < self.max_limit:
                self._limit += 1
                self._successes = 0
                self._increases += 1
                self._cond.notify()

    def on_limit(self, epoch: int) -> None:
        """A call holding ticket ``epoch`` was answered "too many requests in flight"."""
        with self._cond:
            self._successes = 0
            if epoch != self._epoch:
                return
            new_limit = max(self.min_limit, self._limit // 2)
            if new_limit != self._limit:
                self._decreases += 1
            self._limit = new_limit
            self._epoch += 1


@dataclass(frozen=True)
class Outcome(Generic[T, R]):
    """The end of one item: ``result`` when ``error`` is ``None``.

    ``item`` and ``result`` are left out of the repr: they hold image bytes and card contents.
    """

    item: T = field(repr=False)
    result: R | None = field(repr=False)
    error: BaseException | None
    attempts: int
    limit_retries: int
    seconds: float

    @property
    def ok(self) -> bool:
        return self.error is None


@dataclass
class RunnerStats:
    """Counters of one run; read them any time, they are updated under a lock."""

    calls: int = 0
    succeeded: int = 0
    failed: int = 0
    retries: int = 0
    limit_answers: int = 0
    limit_give_ups: int = 0
    max_in_flight_observed: int = 0
    current_limit: int = 0
    limit_decreases: int = 0
    limit_increases: int = 0
    _in_flight: int = field(default=0, repr=False)
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False, compare=False)

    def as_dict(self) -> dict[str, int]:
        return {k: v for k, v in vars(self).items() if not k.startswith("_")}


class OutcomeStream(Iterator[Outcome[T, R]]):
    """What :func:`run_calls` returns: an iterator of outcomes with ``stats`` and ``close()``."""

    def __init__(self, gen: Iterator[Outcome[T, R]], stats: RunnerStats, limiter: AdaptiveLimiter) -> None:
        self._gen = gen
        self.stats = stats
        self.limiter = limiter

    def __iter__(self) -> OutcomeStream[T, R]:
        return self

    def __next__(self) -> Outcome[T, R]:
        return next(self._gen)

    def close(self) -> None:
        """Stop the workers and join every thread; outcomes not yet yielded are discarded."""
        close = getattr(self._gen, "close", None)
        if close is not None:
            close()

    def __enter__(self) -> OutcomeStream[T, R]:
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.close()


@dataclass(frozen=True)
class _FeedEnd:
    count: int
    error: BaseException | None


_STOP_WORKER = object()


def run_calls(
    items: Iterable[T],
    call: Callable[[T], R],
    *,
    max_in_flight: int,
    is_limit_error: Callable[[BaseException], bool] = is_faceid_limit_error,
    is_retryable: Callable[[BaseException], bool] = never,
    max_retries: int = 2,
    backoff: Callable[[int], float] | None = None,
    limit_deadline: float = DEFAULT_LIMIT_DEADLINE,
    max_limit_retries: int | None = None,
    min_limit: int = 1,
    increase_every: int | None = None,
    queue_size: int | None = None,
    thread_name_prefix: str = "faceid-call",
) -> OutcomeStream[T, R]:
    """Run ``call`` over ``items`` with at most ``max_in_flight`` calls at once; see the module doc.

    :param items: any iterable; it is consumed lazily, on a feeder thread, as slots free up.
    :param call: the function to run per item; it runs on worker threads.
    :param is_limit_error: tells a concurrency-limit answer from other errors.
    :param is_retryable: other errors worth retrying (at most ``max_retries`` times per item).
    :param backoff: attempt number -> seconds to wait; default :func:`full_jitter`.
    :param limit_deadline: seconds from an item's first attempt after which limit answers stop
        being retried and the last one is yielded as the item's error.
    :param max_limit_retries: optional cap on limit answers per item, on top of the deadline.
    :param queue_size: items buffered ahead of the workers; default ``max_in_flight``.
    :raises: whatever the ``items`` iterable raises, after the calls already started have been
        yielded (they were paid for).
    """
    if max_in_flight < 1:
        raise ValueError(f"max_in_flight must be >= 1, got {max_in_flight}")
    limiter = AdaptiveLimiter(max_in_flight, min_limit=min_limit, increase_every=increase_every)
    stats = RunnerStats(current_limit=limiter.limit)
    settings = _Settings(
        call=call,
        is_limit_error=is_limit_error,
        is_retryable=is_retryable,
        max_retries=max_retries,
        backoff=backoff or full_jitter(),
        limit_deadline=limit_deadline,
        max_limit_retries=max_limit_retries,
    )
    capacity = max_in_flight + (max_in_flight if queue_size is None else max(0, queue_size))
    gen = _run(items, settings, limiter, stats, max_in_flight, capacity, thread_name_prefix)
    return OutcomeStream(gen, stats, limiter)


@dataclass(frozen=True)
class _Settings(Generic[T, R]):
    call: Callable[[T], R]
    is_limit_error: Callable[[BaseException], bool]
    is_retryable: Callable[[BaseException], bool]
    max_retries: int
    backoff: Callable[[int], float]
    limit_deadline: float
    max_limit_retries: int | None


def _run(
    items: Iterable[T],
    settings: _Settings[T, R],
    limiter: AdaptiveLimiter,
    stats: RunnerStats,
    workers_count: int,
    capacity: int,
    prefix: str,
) -> Iterator[Outcome[T, R]]:
    stop = threading.Event()
    # Items between the feeder and the consumer never exceed `capacity`: the feeder takes a slot
    # before pulling an item, the consumer gives it back after yielding the item's outcome.
    slots = threading.Semaphore(capacity)
    tasks: queue.Queue[object] = queue.Queue()
    results: queue.Queue[Outcome[T, R] | _FeedEnd] = queue.Queue()

    def feed() -> None:
        count = 0
        error: BaseException | None = None
        iterator = iter(items)
        try:
            while not stop.is_set():
                if not slots.acquire(timeout=_POLL_SECONDS):
                    continue
                try:
                    item = next(iterator)
                except StopIteration:
                    slots.release()
                    break
                tasks.put(item)
                count += 1
        except BaseException as exc:
            error = exc
        finally:
            close = getattr(iterator, "close", None)
            if close is not None:
                try:
                    close()
                except Exception:
                    log.warning("Closing the input iterator failed", exc_info=True)
            for _ in range(workers_count):
                tasks.put(_STOP_WORKER)
            results.put(_FeedEnd(count, error))

    def work() -> None:
        while not stop.is_set():
            try:
                item = tasks.get(timeout=_POLL_SECONDS)
            except queue.Empty:
                continue
            if item is _STOP_WORKER:
                return
            outcome = _process(cast(T, item), settings, limiter, stats, stop)
            if outcome is not None:
                results.put(outcome)

    threads = [threading.Thread(target=feed, name=f"{prefix}-feeder", daemon=True)]
    threads += [
        threading.Thread(target=work, name=f"{prefix}-{i}", daemon=True) for i in range(workers_count)
    ]
    for thread in threads:
        thread.start()
    yielded = 0
    total: int | None = None
    feed_error: BaseException | None = None
    try:
        while total is None or yielded < total:
            message = results.get()
            if isinstance(message, _FeedEnd):
                total, feed_error = message.count, message.error
                continue
            slots.release()
            yielded += 1
            yield message
        if feed_error is not None:
            raise feed_error
    finally:
        stop.set()
        for thread in threads:
            # Workers notice `stop` within one poll interval, or after the call they are in returns
            # (the hook's timeouts bound it). The feeder may sit in the input iterator's next().
            thread.join()
        abandoned = sum(1 for m in _drain(results) if not isinstance(m, _FeedEnd))
        if total is None or yielded < total:
            log.info(
                "Runner stopped before the end of its input: %d outcomes yielded, %d finished ones discarded",
                yielded,
                abandoned,
            )


def _drain(q: queue.Queue[Outcome[T, R] | _FeedEnd]) -> Iterator[Outcome[T, R] | _FeedEnd]:
    while True:
        try:
            yield q.get_nowait()
        except queue.Empty:
            return


def _process(
    item: T,
    settings: _Settings[T, R],
    limiter: AdaptiveLimiter,
    stats: RunnerStats,
    stop: threading.Event,
) -> Outcome[T, R] | None:
    """Call until success, a non-retried error or the deadline; ``None`` when stopped."""
    started = time.monotonic()
    attempts = 0
    limit_retries = 0
    other_retries = 0
    while True:
        epoch = None
        while epoch is None:
            if stop.is_set():
                return None
            epoch = limiter.acquire(timeout=_POLL_SECONDS)
        attempts += 1
        with stats._lock:
            stats.calls += 1
            stats._in_flight += 1
            stats.max_in_flight_observed = max(stats.max_in_flight_observed, stats._in_flight)
        error: BaseException | None = None
        result: R | None = None
        try:
            result = settings.call(item)
        except BaseException as exc:  # Whatever one call raises must not take its worker down.
            error = exc
        finally:
            with stats._lock:
                stats._in_flight -= 1
            limiter.release()

        if error is None:
            limiter.on_success()
            return _finish(
                stats, limiter, Outcome(item, result, None, attempts, limit_retries, _since(started))
            )
        if settings.is_limit_error(error):
            limiter.on_limit(epoch)
            with stats._lock:
                stats.limit_answers += 1
                stats.current_limit = limiter.limit
            out_of_time = time.monotonic() - started >= settings.limit_deadline
            out_of_tries = (
                settings.max_limit_retries is not None and limit_retries >= settings.max_limit_retries
            )
            if out_of_time or out_of_tries:
                with stats._lock:
                    stats.limit_give_ups += 1
                return _finish(
                    stats, limiter, Outcome(item, None, error, attempts, limit_retries, _since(started))
                )
            limit_retries += 1
            delay = settings.backoff(limit_retries)
        elif other_retries < settings.max_retries and settings.is_retryable(error):
            other_retries += 1
            delay = settings.backoff(other_retries)
        else:
            return _finish(
                stats, limiter, Outcome(item, None, error, attempts, limit_retries, _since(started))
            )
        with stats._lock:
            stats.retries += 1
        if stop.wait(delay):
            return None


def _finish(stats: RunnerStats, limiter: AdaptiveLimiter, outcome: Outcome[T, R]) -> Outcome[T, R]:
    with stats._lock:
        if outcome.ok:
            stats.succeeded += 1
        else:
            stats.failed += 1
        stats.current_limit = limiter.limit
        stats.limit_decreases = limiter.decreases
        stats.limit_increases = limiter.increases
    return outcome


def _since(started: float) -> float:
    return time.monotonic() - started
