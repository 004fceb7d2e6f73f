"""The FaceID app of faceid-local in-process, over real HTTP, with a stand-in card reader.

The real engine is exercised by tests/integration/local; the stand-in here makes the engine's own
failure modes (a crash, a slow start, no engine at all) happen on demand.
"""

from __future__ import annotations

import asyncio
import json
import threading
import time
from collections.abc import Callable, Iterator
from types import SimpleNamespace
from typing import Any, cast

import pytest
import requests

from airflow_provider_faceid.local.engine.card_reader import ImageUnreadableError
from airflow_provider_faceid.local.server import app as app_module
from airflow_provider_faceid.local.server.app import (
    FaceIdLocalApp,
    RunningServer,
    ServerOptions,
    start_server,
)
from airflow_provider_faceid.local.server.http1 import Body, RequestHead
from airflow_provider_faceid.local.server.readers import CardReaderLike, ReaderPool

KEY, SECRET = "key", "secret"


class StandInReader:
    """Answers from the first image byte: b"!" crashes, b"?" is not an image, others are cards."""

    def read(self, image: bytes, *, legality: bool = False) -> dict[str, Any]:
        if image.startswith(b"!"):
            raise RuntimeError("engine crashed on 110101199003077777")
        if image.startswith(b"?"):
            raise ImageUnreadableError("not an image")
        answer: dict[str, Any] = {
            "side": "back",
            "issued_by": "某公安局",
            "valid_date": "2016.02.29-2026.02.28",
        }
        if legality:
            answer["legality"] = {"ID Photo": 1.0}
        return answer


class InProcessServer:
    def __init__(self, factory: Callable[[], CardReaderLike], **options: Any) -> None:
        self._loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self._loop.run_forever, daemon=True)
        self._thread.start()
        coroutine = start_server(
            options=ServerOptions(api_key=KEY, api_secret=SECRET, **options),
            port=0,
            reader_factory=factory,
            warm_up=False,
        )
        self.server: RunningServer = asyncio.run_coroutine_threadsafe(coroutine, self._loop).result(10)
        self.url = f"http://127.0.0.1:{self.server.port}"

    def post(self, image: bytes, **fields: str) -> requests.Response:
        data = {"api_key": KEY, "api_secret": SECRET, **fields}
        return requests.post(f"{self.url}/faceid/v1/ocridcard", data=data, files={"image": image}, timeout=10)

    def health(self) -> requests.Response:
        return requests.get(f"{self.url}/_local/health", timeout=10)

    def close(self) -> None:
        asyncio.run_coroutine_threadsafe(self.server.close(), self._loop).result(10)
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join(10)
        self._loop.close()


@pytest.fixture
def serve() -> Iterator[Callable[..., InProcessServer]]:
    started: list[InProcessServer] = []

    def start(factory: Callable[[], CardReaderLike] = StandInReader, **options: Any) -> InProcessServer:
        started.append(InProcessServer(factory, **options))
        return started[-1]

    yield start
    for server in started:
        server.close()


def test_engine_crash_is_500_internal_error_and_logs_no_card_data(
    serve: Callable[..., InProcessServer], caplog: pytest.LogCaptureFixture
) -> None:
    server = serve()
    response = server.post(b"!crash")
    assert response.status_code == 500
    assert response.json()["error_message"] == "INTERNAL_ERROR"
    assert "RuntimeError" in caplog.text
    assert "110101199003077777" not in caplog.text


def test_unreadable_image_and_legality_pass_through(serve: Callable[..., InProcessServer]) -> None:
    server = serve()
    assert server.post(b"?").json()["error_message"] == "IMAGE_ERROR_UNSUPPORTED_FORMAT"
    assert "legality" in server.post(b"card", legality="1").json()
    assert "legality" not in server.post(b"card", legality="0").json()
    # legality is part of the replay key: both variants ran the engine once each.
    assert server.post(b"card", legality="1").json()["legality"] == {"ID Photo": 1.0}
    assert server.server.app.counters.snapshot()["engine_calls"] == 3


def test_health_waits_for_readers_while_api_requests_wait_too(serve: Callable[..., InProcessServer]) -> None:
    release = threading.Event()

    def slow_factory() -> CardReaderLike:
        release.wait(10)
        return StandInReader()

    server = serve(slow_factory)
    assert server.health().status_code == 503
    assert server.health().json()["status"] == "starting"
    statuses: list[int] = []
    early = threading.Thread(target=lambda: statuses.append(server.post(b"card").status_code))
    early.start()
    early.join(0.3)
    assert early.is_alive()  # held until a reader exists, not refused
    release.set()
    early.join(10)
    assert statuses == [200]
    assert server.health().json() == {"status": "ready", "workers": 1}


def test_engine_that_cannot_start_is_reported_and_fails_waiting_requests(
    serve: Callable[..., InProcessServer],
) -> None:
    release = threading.Event()

    def broken_factory() -> CardReaderLike:
        release.wait(10)
        raise OSError("model file missing")

    server = serve(broken_factory, concurrency_limit=2)
    answers: list[requests.Response] = []
    waiting = threading.Thread(target=lambda: answers.append(server.post(b"card")))
    waiting.start()
    waiting.join(0.3)
    release.set()
    waiting.join(10)
    assert answers[0].status_code == 500
    assert answers[0].json()["error_message"] == "INTERNAL_ERROR"
    assert server.post(b"card").status_code == 500  # and every later request, at once
    health = server.health()
    assert health.status_code == 503
    assert health.json()["error"] == "OSError: model file missing"
    assert server.server.app.counters.snapshot()["in_flight"] == 0


def test_server_options_hide_the_secret() -> None:
    assert SECRET not in repr(ServerOptions(api_key=KEY, api_secret=SECRET))
    with pytest.raises(ValueError):
        ServerOptions(api_key=KEY, api_secret="")


class _ClockedBody:
    """A request body whose upload takes ``upload_seconds`` on the injected clock."""

    def __init__(self, data: bytes, clock: list[float], upload_seconds: float) -> None:
        self._data, self._clock, self._upload_seconds = data, clock, upload_seconds

    async def read_all(self) -> bytes:
        self._clock[0] += self._upload_seconds
        return self._data


class _AnyCard:
    async def read(self, image: bytes, *, legality: bool) -> dict[str, Any]:
        return StandInReader().read(image, legality=legality)


@pytest.mark.parametrize(
    ("upload_seconds", "expected_sleep"),
    [(0.0, 1.5), (1.0, 0.5), (1.5, 0.0), (4.0, 0.0)],
)
def test_latency_is_counted_from_the_head_so_the_upload_is_inside_it(
    monkeypatch: pytest.MonkeyPatch, upload_seconds: float, expected_sleep: float
) -> None:
    # An injected clock: the upload and the emulated latency advance it, nothing else does, so the
    # arithmetic is checked exactly, whatever the machine's load.
    clock = [100.0]
    slept: list[float] = []

    async def sleep(seconds: float) -> None:
        slept.append(seconds)
        clock[0] += seconds

    monkeypatch.setattr(app_module, "time", SimpleNamespace(perf_counter=lambda: clock[0], time=time.time))
    monkeypatch.setattr(asyncio, "sleep", sleep)
    options = ServerOptions(api_key=KEY, api_secret=SECRET, latency_ms=1500, replay_cache_entries=0)
    app = FaceIdLocalApp(options=options, readers=cast(ReaderPool, _AnyCard()))
    request = requests.Request(
        "POST",
        "http://x/faceid/v1/ocridcard",
        data={"api_key": KEY, "api_secret": SECRET},
        files={"image": b"c"},
    ).prepare()
    assert isinstance(request.body, bytes)
    head = RequestHead(
        method="POST",
        path=app_module.API_PATH,
        headers={"content-type": request.headers["Content-Type"]},
        content_length=len(request.body),
        received_at=clock[0],
    )
    body = _ClockedBody(request.body, clock, upload_seconds)

    response = asyncio.run(app(head, cast(Body, body)))

    assert response.status == 200
    assert slept == [pytest.approx(expected_sleep)]
    # The answer's time_used is the client's wait from the head: the latency or the upload.
    assert json.loads(response.body)["time_used"] == round(1000 * max(1.5, upload_seconds))
