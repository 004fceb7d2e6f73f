"""A pool of card readers for faceid-local: each reader is used by one thread at a time."""

from __future__ import annotations

import asyncio
import functools
import io
import logging
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Any, Protocol

logger = logging.getLogger("faceid_local.readers")


class CardReaderLike(Protocol):
    def read(self, image: bytes, *, legality: bool = False) -> dict[str, Any]: ...


class EngineUnavailableError(Exception):
    """The readers could not be created, so no request can be answered."""


def _warm_up_image() -> bytes:
    from PIL import Image

    buffer = io.BytesIO()
    Image.new("RGB", (856, 540), (235, 235, 235)).save(buffer, format="JPEG", quality=90)
    return buffer.getvalue()


class ReaderPool:
    """``workers`` readers, each created and warmed up at start, lent to one engine thread at a time.

    Readers run in a thread pool so the event loop keeps answering (onnxruntime releases the GIL
    while it computes); a request waits for a free reader only after it got an in-flight slot.
    """

    def __init__(self, *, factory: Callable[[], CardReaderLike], workers: int, warm_up: bool = True) -> None:
        if workers < 1:
            raise ValueError("workers must be at least 1")
        self._factory = factory
        self._workers = workers
        self._warm_up = warm_up
        self._executor = ThreadPoolExecutor(max_workers=workers, thread_name_prefix="faceid-reader")
        # None in the queue means "no reader will ever come": every waiter passes it on and fails.
        self._idle: asyncio.Queue[CardReaderLike | None] | None = None
        self._created = 0
        self._failed = 0
        self._failure: str | None = None

    @property
    def workers(self) -> int:
        return self._workers

    @property
    def ready(self) -> bool:
        return self._created == self._workers

    @property
    def failure(self) -> str | None:
        return self._failure

    async def start(self) -> None:
        """Create the readers in the background; each one becomes usable as soon as it is warm."""
        self._idle = asyncio.Queue()
        loop = asyncio.get_running_loop()
        for _ in range(self._workers):
            future = loop.run_in_executor(self._executor, self._create)
            future.add_done_callback(self._on_created)

    def _create(self) -> CardReaderLike:
        reader = self._factory()
        if self._warm_up:
            try:
                reader.read(_warm_up_image())
            except Exception as exc:  # a blank image may be refused; the sessions are warm anyway
                logger.debug("warm-up read raised %s", type(exc).__name__)
        return reader

    def _on_created(self, future: asyncio.Future[CardReaderLike]) -> None:
        assert self._idle is not None
        exc = future.exception()
        if exc is not None:
            self._failed += 1
            self._failure = f"{type(exc).__name__}: {exc}"
            logger.error("card reader could not be created: %s", self._failure)
            if self._failed == self._workers:
                self._idle.put_nowait(None)
            return
        self._idle.put_nowait(future.result())
        self._created += 1
        if self.ready:
            logger.info("%d card reader(s) ready", self._workers)

    async def read(self, image: bytes, *, legality: bool) -> dict[str, Any]:
        if self._idle is None:
            raise RuntimeError("ReaderPool.start() was not awaited")
        reader = await self._idle.get()
        if reader is None:
            self._idle.put_nowait(None)
            raise EngineUnavailableError(self._failure or "no card reader")
        try:
            loop = asyncio.get_running_loop()
            return await loop.run_in_executor(
                self._executor, functools.partial(reader.read, image, legality=legality)
            )
        finally:
            self._idle.put_nowait(reader)

    def close(self) -> None:
        self._executor.shutdown(wait=False, cancel_futures=True)
