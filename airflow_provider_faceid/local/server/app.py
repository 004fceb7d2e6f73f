"""faceid-local: the FaceID ``POST /faceid/v1/ocridcard`` contract, served from a local OCR engine.

Checks run in the order of the cloud API (and of the hook's ``test_connection``):
413 body over 2 MB, 400 MISSING_ARGUMENTS (api_key, api_secret, image), 403 AUTHORIZATION_ERROR,
403 CONCURRENCY_LIMIT_EXCEEDED, 400 IMAGE_ERROR_UNSUPPORTED_FORMAT, then the engine (500
INTERNAL_ERROR if it fails). Emulator extras live under ``/_local/`` and never under the API path.

Replay: with the cache on (the default), an image already read is answered from the cache, looked
up by its bytes and then by its decoded pixels, so re-encodings that differ only in metadata replay
as well (see :mod:`airflow_provider_faceid.local.server.replay`). Undecodable bytes get their 400 from
that pixel step, before any OCR.
"""

from __future__ import annotations

import asyncio
import hmac
import logging
import time
import uuid
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from airflow_provider_faceid.local.engine.card_reader import ImageUnreadableError
from airflow_provider_faceid.local.server.counters import Counters
from airflow_provider_faceid.local.server.faults import FaultInjector
from airflow_provider_faceid.local.server.forms import parse_form
from airflow_provider_faceid.local.server.http1 import (
    Body,
    BodyTimeoutError,
    BodyTooLargeError,
    Http1Server,
    RequestHead,
    Response,
)
from airflow_provider_faceid.local.server.readers import CardReaderLike, ReaderPool
from airflow_provider_faceid.local.server.replay import (
    PixelDigest,
    ReplayCache,
    ReplayKey,
    engine_pixel_digest,
)

logger = logging.getLogger("faceid_local")

API_PATH = "/faceid/v1/ocridcard"
#: The cloud's limit applies to the whole request body (multipart framing included), the size a
#: proxy sees in Content-Length; a client keeping the image itself under 2 MB leaves ~1 KB spare.
MAX_BODY_BYTES = 2 * 1024 * 1024
REQUIRED_FIELDS = ("api_key", "api_secret", "image")


@dataclass(frozen=True, kw_only=True)
class ServerOptions:
    api_key: str
    api_secret: str = field(repr=False)
    concurrency_limit: int = 10
    max_body_bytes: int = MAX_BODY_BYTES
    read_timeout: float = 30.0
    latency_ms: float = 0.0
    latency_jitter_ms: float = 0.0
    fail_rate: float = 0.0
    seed: int = 0
    replay_cache_entries: int = 1024  # 0 turns the replay cache off

    def __post_init__(self) -> None:
        if not self.api_key or not self.api_secret:
            raise ValueError("api_key and api_secret must not be empty")
        if self.concurrency_limit < 1:
            raise ValueError("concurrency_limit must be at least 1")
        if self.read_timeout <= 0:
            raise ValueError("read_timeout must be positive")


def new_request_id() -> str:
    return f"{int(time.time())},{uuid.uuid4()}"


class FaceIdLocalApp:
    """Answers one parsed request; knows the FaceID contract, not HTTP framing.

    ``pixel_digest`` must describe what the readers read (the engine's decode for the real engine);
    without it the replay cache matches identical bytes only.
    """

    def __init__(
        self, *, options: ServerOptions, readers: ReaderPool, pixel_digest: PixelDigest | None = None
    ) -> None:
        self.options = options
        self.readers = readers
        self.counters = Counters()
        self.faults = FaultInjector(
            latency_ms=options.latency_ms,
            latency_jitter_ms=options.latency_jitter_ms,
            fail_rate=options.fail_rate,
            seed=options.seed,
        )
        self.replay = (
            ReplayCache(max_entries=options.replay_cache_entries) if options.replay_cache_entries else None
        )
        self._pixel_digest = pixel_digest
        self._api_key = options.api_key.encode("utf-8")
        self._api_secret = options.api_secret.encode("utf-8")

    async def __call__(self, head: RequestHead, body: Body) -> Response:
        if head.path.startswith("/_local/") and (local := self._local(head)) is not None:
            return local
        request_id = new_request_id()
        if head.path == API_PATH and head.method == "POST":
            response = await self._ocridcard(head, body, request_id)
        else:
            response = self._error(404, "API_NOT_FOUND", head, request_id)
        self.counters.record_answer(status=response.status, error=response.label)
        logger.info(
            "%s %s -> %d %s request_id=%s time_used=%d",
            head.method,
            head.path,
            response.status,
            response.label or "OK",
            request_id,
            _elapsed_ms(head),
        )
        return response

    async def _ocridcard(self, head: RequestHead, body: Body, request_id: str) -> Response:
        limit = self.options.max_body_bytes
        if head.content_length is not None and head.content_length > limit:
            return _too_large()
        try:
            raw = await body.read_all()
        except BodyTooLargeError:
            return _too_large()
        except BodyTimeoutError:
            return Response.text(408, "Request Timeout", label="REQUEST_TIMEOUT")

        form = parse_form(content_type=head.headers.get("content-type", ""), body=raw)
        for name in REQUIRED_FIELDS:
            if not form.get(name):
                return self._error(
                    400, f"MISSING_ARGUMENTS: {name}", head, request_id, label="MISSING_ARGUMENTS"
                )
        # Both comparisons always run, in constant time, so timing tells nothing about either value.
        key_ok = hmac.compare_digest(form["api_key"], self._api_key)
        secret_ok = hmac.compare_digest(form["api_secret"], self._api_secret)
        if not (key_ok and secret_ok):
            return self._error(403, "AUTHORIZATION_ERROR", head, request_id)
        if not self.counters.try_enter(limit=self.options.concurrency_limit):
            return self._error(403, "CONCURRENCY_LIMIT_EXCEEDED", head, request_id)
        try:
            return await self._recognize(
                head, request_id, image=form["image"], legality=form.get("legality") == b"1"
            )
        finally:
            self.counters.leave()

    async def _recognize(
        self, head: RequestHead, request_id: str, *, image: bytes, legality: bool
    ) -> Response:
        # The replay look-up (a decode when the bytes are new) runs during the emulated latency:
        # the emulator's bookkeeping must not stretch the service time that latency_ms sets.
        lookup = (
            asyncio.ensure_future(self._replayed(self.replay, image, legality=legality))
            if self.replay is not None
            else None
        )
        try:
            # The latency is the service time a client sees, counted from the request's head: reading
            # the body and parsing the form are part of it, as they are of a real server's latency.
            delay = self.faults.delay_seconds()
            if delay:
                await asyncio.sleep(max(0.0, delay - (time.perf_counter() - head.received_at)))
            if self.faults.should_fail():
                self.counters.record_injected_failure()
                return self._error(500, "INTERNAL_ERROR", head, request_id)
            fields: Mapping[str, Any] | None = None
            replay_keys: list[ReplayKey] = []
            if lookup is not None:
                try:
                    fields, replay_keys = await lookup
                except ImageUnreadableError:
                    return self._error(400, "IMAGE_ERROR_UNSUPPORTED_FORMAT", head, request_id)
        finally:
            if lookup is not None:
                _discard(lookup)
        if fields is not None:
            self.counters.record_cache_hit()
        else:
            self.counters.record_engine_call()
            try:
                fields = await self.readers.read(image, legality=legality)
            except ImageUnreadableError:
                return self._error(400, "IMAGE_ERROR_UNSUPPORTED_FORMAT", head, request_id)
            except Exception as exc:
                # The type only: engine messages could quote what was read on the card.
                logger.error("engine failed with %s (request_id=%s)", type(exc).__name__, request_id)
                return self._error(500, "INTERNAL_ERROR", head, request_id)
            if self.replay is not None:
                for key in replay_keys:
                    self.replay.put(key, fields)
        answer: dict[str, Any] = {"request_id": request_id, "time_used": _elapsed_ms(head)}
        answer.update((name, value) for name, value in fields.items() if name not in answer)
        return Response.json(200, in_document_order(answer))

    async def _replayed(
        self, replay: ReplayCache, image: bytes, *, legality: bool
    ) -> tuple[Mapping[str, Any] | None, list[ReplayKey]]:
        """The cached answer fields (or None) and the keys a fresh answer is to be stored under.

        Bytes first (a hash, microseconds); the pixel key needs a decode, so it runs in a worker
        thread and only when the bytes are new.
        """
        by_bytes = ReplayCache.key(image, legality=legality)
        fields = replay.get(by_bytes)
        if fields is not None or self._pixel_digest is None:
            return fields, [by_bytes]
        digest = await asyncio.to_thread(self._pixel_digest, image)
        by_pixels = ReplayCache.pixels_key(digest, legality=legality)
        fields = replay.get(by_pixels)
        if fields is not None:
            replay.put(by_bytes, fields)  # the next copy of these very bytes skips the decode
        return fields, [by_bytes, by_pixels]

    def _local(self, head: RequestHead) -> Response | None:
        """The emulator's own endpoints (not counted); None for paths it does not have."""
        if head.path == "/_local/health" and head.method == "GET":
            status = "ready" if self.readers.ready else ("failed" if self.readers.failure else "starting")
            payload = {"status": status, "workers": self.readers.workers}
            if self.readers.failure:
                payload["error"] = self.readers.failure
            return Response.json(200 if status == "ready" else 503, payload)
        if head.path == "/_local/counters" and head.method == "GET":
            return Response.json(200, self.counters.snapshot())
        if head.path == "/_local/counters/reset" and head.method == "POST":
            self.counters.reset()
            return Response.json(200, self.counters.snapshot())
        return None

    @staticmethod
    def _error(
        status: int, message: str, head: RequestHead, request_id: str, *, label: str | None = None
    ) -> Response:
        payload = {"error_message": message, "request_id": request_id, "time_used": _elapsed_ms(head)}
        return Response.json(status, payload, label=label or message)


#: Key order of the API document's example answers (front, back and their nested objects). JSON
#: objects are unordered, but a client that compares answer texts, or parses keys in sequence, sees
#: the same text as from the cloud. Keys the examples do not show follow in the engine's order.
_FRONT_ORDER = (
    "race", "name", "time_used", "gender", "id_card_number", "request_id", "birthday", "legality",
    "address", "head_rect", "side",
)  # fmt: skip
_BACK_ORDER = ("legality", "request_id", "time_used", "valid_date", "issued_by", "side")
_POINT_ORDER = ("y", "x")
_NESTED_ORDER: dict[str, tuple[str, ...]] = {
    "birthday": ("year", "day", "month"),
    "legality": ("Edited", "Photocopy", "ID Photo", "Screen", "Temporary ID Photo"),
    "head_rect": ("rt", "lt", "lb", "rb"),
}


def _ordered(mapping: Mapping[str, Any], order: tuple[str, ...]) -> dict[str, Any]:
    rank = {key: n for n, key in enumerate(order)}
    return dict(sorted(mapping.items(), key=lambda item: rank.get(item[0], len(order))))


def in_document_order(answer: Mapping[str, Any]) -> dict[str, Any]:
    """``answer`` with its keys, and those of its nested objects, in the API document's order."""
    ordered = _ordered(answer, _BACK_ORDER if answer.get("side") == "back" else _FRONT_ORDER)
    for name, order in _NESTED_ORDER.items():
        if isinstance(ordered.get(name), Mapping):
            ordered[name] = _ordered(ordered[name], order)
    if isinstance(ordered.get("head_rect"), dict):
        ordered["head_rect"] = {
            corner: _ordered(point, _POINT_ORDER) if isinstance(point, Mapping) else point
            for corner, point in ordered["head_rect"].items()
        }
    return ordered


def _discard(task: asyncio.Future[Any]) -> None:
    """Cancel ``task`` if still running, and mark an exception it ended with as seen."""
    if not task.done():
        task.cancel()
    elif not task.cancelled():
        task.exception()


def _too_large() -> Response:
    return Response.text(413, "Request Entity Too Large", label="REQUEST_ENTITY_TOO_LARGE")


def _elapsed_ms(head: RequestHead) -> int:
    return round((time.perf_counter() - head.received_at) * 1000)


def default_reader_factory(
    *, recognizer: str | None = None, second_opinion: bool = True
) -> Callable[[], CardReaderLike]:
    from airflow_provider_faceid.local.engine.card_reader import CardReader
    from airflow_provider_faceid.local.engine.recognizer import DEFAULT_RECOGNIZER

    chosen = recognizer or DEFAULT_RECOGNIZER
    return lambda: CardReader(intra_op_threads=1, recognizer=chosen, second_opinion=second_opinion)


@dataclass(kw_only=True)
class RunningServer:
    app: FaceIdLocalApp
    http: Http1Server
    port: int

    async def close(self) -> None:
        await self.http.close()
        self.app.readers.close()


async def start_server(
    *,
    options: ServerOptions,
    host: str = "127.0.0.1",
    port: int = 8866,
    workers: int = 1,
    reader_factory: Callable[[], CardReaderLike] | None = None,
    pixel_digest: PixelDigest | None = None,
    warm_up: bool = True,
) -> RunningServer:
    """Bind, start warming the readers and return; /_local/health says when they are ready.

    ``pixel_digest`` (replay by decoded pixels) defaults to the engine's decode with the default
    readers; with a custom ``reader_factory`` it is off unless given, since it must match what
    those readers read.
    """
    if reader_factory is None:
        reader_factory = default_reader_factory()
        pixel_digest = pixel_digest or engine_pixel_digest
    readers = ReaderPool(factory=reader_factory, workers=workers, warm_up=warm_up)
    app = FaceIdLocalApp(options=options, readers=readers, pixel_digest=pixel_digest)
    http = Http1Server(handler=app, body_limit=options.max_body_bytes, read_timeout=options.read_timeout)
    bound = await http.start(host=host, port=port)
    await readers.start()
    return RunningServer(app=app, http=http, port=bound)
