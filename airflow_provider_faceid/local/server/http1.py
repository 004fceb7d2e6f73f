"""A small HTTP/1.1 server (asyncio + h11) that stops taking in a request body at a limit.

faceid-local needs control an ASGI server does not give an application: refuse an oversized body
while it is still arriving, cut off a client that trickles its headers or body, and close such a
connection the way nginx does (answer, half-close, discard what is still in flight for a short
while) so a client that keeps sending still reads the answer instead of a TCP reset.
Past the limit, only what asyncio had already buffered (a few hundred KiB at most) is ever held.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

import h11

logger = logging.getLogger("faceid_local.http")

_READ_SIZE = 65536
_MAX_HEADER_BYTES = 16384
# Fixed here: http.HTTPStatus renamed some phrases across Python versions (413 among them).
_REASONS = {
    100: b"Continue",
    200: b"OK",
    400: b"Bad Request",
    403: b"Forbidden",
    404: b"Not Found",
    408: b"Request Timeout",
    413: b"Request Entity Too Large",
    431: b"Request Header Fields Too Large",
    500: b"Internal Server Error",
    503: b"Service Unavailable",
}


class BodyTooLargeError(Exception):
    """The request body is longer than the limit; reading stopped at the chunk that crossed it."""


class BodyTimeoutError(Exception):
    """The request body did not arrive completely within the read timeout."""


class ClientGoneError(Exception):
    """The client closed the connection or broke the protocol before its body was complete."""


@dataclass(frozen=True, kw_only=True)
class Response:
    status: int
    body: bytes
    content_type: str
    #: What the answer means, for counters and logs (an error code, never request contents).
    label: str | None = None

    @classmethod
    def json(cls, status: int, payload: dict[str, Any], *, label: str | None = None) -> Response:
        body = json.dumps(payload, ensure_ascii=False, separators=(",", ":")).encode("utf-8")
        return cls(status=status, body=body, content_type="application/json; charset=utf-8", label=label)

    @classmethod
    def text(cls, status: int, text: str, *, label: str | None = None) -> Response:
        return cls(status=status, body=text.encode("utf-8"), content_type="text/plain", label=label)


@dataclass(frozen=True, kw_only=True)
class RequestHead:
    method: str
    path: str
    headers: dict[str, str]
    content_length: int | None
    #: time.perf_counter() when the request head was complete.
    received_at: float


class Body:
    """The body of one request, pulled from the connection on demand and never past ``limit``."""

    def __init__(
        self,
        *,
        conn: h11.Connection,
        reader: asyncio.StreamReader,
        writer: asyncio.StreamWriter,
        limit: int,
        deadline: float,
    ) -> None:
        self._conn = conn
        self._reader = reader
        self._writer = writer
        self._limit = limit
        self._deadline = deadline
        self.complete = False
        self.bytes_read = 0

    async def read_all(self) -> bytes:
        """The whole body; raises BodyTooLargeError as soon as more than ``limit`` bytes arrived."""
        if self._conn.they_are_waiting_for_100_continue:
            continue_ = h11.InformationalResponse(status_code=100, headers=[], reason=_REASONS[100])
            self._writer.write(self._conn.send(continue_))
        chunks: list[bytes] = []
        while not self.complete:
            event = await _next_event(
                self._conn, self._reader, deadline=self._deadline, on_timeout=BodyTimeoutError
            )
            if isinstance(event, h11.Data):
                self.bytes_read += len(event.data)
                if self.bytes_read > self._limit:
                    raise BodyTooLargeError
                chunks.append(bytes(event.data))
            elif isinstance(event, h11.EndOfMessage):
                self.complete = True
            else:
                raise ClientGoneError
        return b"".join(chunks)

    def finish_if_buffered(self) -> None:
        """Mark the body complete if it already ended (e.g. a GET), without waiting for the client."""
        while not self.complete:
            try:
                event = self._conn.next_event()
            except h11.RemoteProtocolError:
                return
            if isinstance(event, h11.EndOfMessage):
                self.complete = True
            elif isinstance(event, h11.Data) and self.bytes_read + len(event.data) <= self._limit:
                # A small body the handler did not need, already buffered: dropping it keeps alive.
                self.bytes_read += len(event.data)
            else:
                return


Handler = Callable[[RequestHead, Body], Awaitable[Response]]


async def _next_event(
    conn: h11.Connection,
    reader: asyncio.StreamReader,
    *,
    deadline: float,
    on_timeout: type[Exception],
) -> Any:
    loop = asyncio.get_running_loop()
    while True:
        event = conn.next_event()
        if event is not h11.NEED_DATA:
            return event
        remaining = deadline - loop.time()
        if remaining <= 0:
            raise on_timeout
        try:
            data = await asyncio.wait_for(reader.read(_READ_SIZE), remaining)
        except asyncio.TimeoutError:
            raise on_timeout from None
        except OSError:
            data = b""
        conn.receive_data(data)


class Http1Server:
    """Serves ``handler`` over HTTP/1.1 with keep-alive, a body limit and read timeouts.

    :param read_timeout: seconds a request head, and separately its body, may take to arrive;
        also the idle time after which a kept-alive connection is closed.
    :param linger_seconds: after answering a request whose body was not read to its end, how long
        to discard what the client still sends before closing (so it can read the answer).
    """

    def __init__(
        self,
        *,
        handler: Handler,
        body_limit: int,
        read_timeout: float,
        linger_seconds: float = 2.0,
    ) -> None:
        self._handler = handler
        self._body_limit = body_limit
        self._read_timeout = read_timeout
        self._linger_seconds = linger_seconds
        self._server: asyncio.Server | None = None
        self._connections: set[asyncio.Task[None]] = set()
        # Connections between reading a request head and sending its answer: a graceful stop
        # waits for these and drops the idle ones at once.
        self._busy: set[asyncio.Task[None]] = set()
        self._closing = False

    async def start(self, *, host: str, port: int) -> int:
        """Listen and return the bound port (useful with ``port=0``)."""
        self._server = await asyncio.start_server(self._on_connection, host, port, backlog=1024)
        return int(self._server.sockets[0].getsockname()[1])

    async def close(self, *, grace_seconds: float = 10.0) -> None:
        """Stop accepting, let requests being answered finish (up to the grace), drop the rest."""
        self._closing = True
        if self._server is not None:
            self._server.close()
        for task in self._connections - self._busy:
            task.cancel()
        if self._busy:
            await asyncio.wait(set(self._busy), timeout=grace_seconds)
        for task in list(self._connections):
            task.cancel()
        await asyncio.gather(*self._connections, return_exceptions=True)
        if self._server is not None:
            await self._server.wait_closed()

    async def _on_connection(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        task = asyncio.current_task()
        assert task is not None
        self._connections.add(task)
        try:
            await self._serve_connection(reader, writer)
        except (ConnectionError, asyncio.CancelledError):
            pass
        except Exception as exc:  # one bad connection must never print a trace or stop the others
            logger.error("connection dropped after %s", type(exc).__name__)
        finally:
            self._connections.discard(task)
            writer.close()
            with contextlib.suppress(OSError, asyncio.CancelledError):
                await writer.wait_closed()

    async def _serve_connection(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        conn = h11.Connection(h11.SERVER, max_incomplete_event_size=_MAX_HEADER_BYTES)
        loop = asyncio.get_running_loop()
        while True:
            try:
                event = await _next_event(
                    conn, reader, deadline=loop.time() + self._read_timeout, on_timeout=TimeoutError
                )
            except TimeoutError:
                return
            except h11.RemoteProtocolError as exc:
                # h11 still lets us answer a request it could not parse, if we had not started to.
                if conn.our_state in (h11.IDLE, h11.SEND_RESPONSE):
                    with contextlib.suppress(h11.LocalProtocolError):
                        answer = Response.text(exc.error_status_hint, "Bad Request", label="BAD_REQUEST")
                        await self._send(conn, writer, answer, close=True)
                        # A client still sending (an oversized head) would get a reset instead.
                        await self._linger(reader, writer)
                return
            if not isinstance(event, h11.Request):
                return
            head = _head_of(event)
            task = asyncio.current_task()
            assert task is not None
            self._busy.add(task)
            try:
                if not await self._answer(conn, reader, writer, head):
                    return
            finally:
                self._busy.discard(task)
            if conn.our_state is h11.MUST_CLOSE or self._closing:
                return
            conn.start_next_cycle()

    async def _answer(
        self,
        conn: h11.Connection,
        reader: asyncio.StreamReader,
        writer: asyncio.StreamWriter,
        head: RequestHead,
    ) -> bool:
        """Answer one request; False when the connection cannot carry another one."""
        body = Body(
            conn=conn,
            reader=reader,
            writer=writer,
            limit=self._body_limit,
            deadline=asyncio.get_running_loop().time() + self._read_timeout,
        )
        try:
            response = await self._handler(head, body)
        except (ClientGoneError, h11.RemoteProtocolError):
            return False
        except Exception as exc:
            # Handlers answer their own errors; this only keeps a bug from dropping the client.
            logger.error("unhandled %s while answering %s %s", type(exc).__name__, head.method, head.path)
            response = Response.text(500, "Internal Server Error", label="UNHANDLED")
        body.finish_if_buffered()
        close = self._closing or not body.complete
        await self._send(conn, writer, response, close=close, head_only=head.method == "HEAD")
        if not body.complete:
            await self._linger(reader, writer)
        return not close

    @staticmethod
    async def _send(
        conn: h11.Connection,
        writer: asyncio.StreamWriter,
        response: Response,
        *,
        close: bool,
        head_only: bool = False,
    ) -> None:
        headers = [
            ("Content-Type", response.content_type),
            ("Content-Length", str(len(response.body))),
            ("Server", "faceid-local"),
        ]
        if close:
            headers.append(("Connection", "close"))
        # One write, so head and body leave in one segment instead of two sends.
        reason = _REASONS.get(response.status, b"")
        head = conn.send(h11.Response(status_code=response.status, headers=headers, reason=reason)) or b""
        # A HEAD answer announces the length of the body it does not carry.
        body = b"" if head_only else conn.send(h11.Data(data=response.body)) or b""
        writer.write(head + body + (conn.send(h11.EndOfMessage()) or b""))
        await writer.drain()

    async def _linger(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        """Half-close, then discard the client's remaining bytes for a bounded time.

        Closing a socket with unread data makes the kernel send a reset, which can destroy the
        answer before the client reads it; this is the lingering close of nginx and Apache.
        """
        loop = asyncio.get_running_loop()
        deadline = loop.time() + self._linger_seconds
        with contextlib.suppress(OSError, asyncio.TimeoutError):
            if writer.can_write_eof():
                writer.write_eof()
            while (remaining := deadline - loop.time()) > 0:
                if not await asyncio.wait_for(reader.read(_READ_SIZE), remaining):
                    return


def _head_of(event: h11.Request) -> RequestHead:
    headers: dict[str, str] = {}
    for name, value in event.headers:
        headers.setdefault(name.decode("latin-1"), value.decode("latin-1"))
    length = headers.get("content-length")
    target = event.target.decode("latin-1")
    return RequestHead(
        method=event.method.decode("ascii"),
        path=target.split("?", 1)[0],
        headers=headers,
        # h11 has validated the header; it ignores it (and so do we) for chunked bodies.
        content_length=int(length) if length is not None and "transfer-encoding" not in headers else None,
        received_at=time.perf_counter(),
    )
