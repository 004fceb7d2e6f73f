"""The FaceID app of faceid-local in-process, over real HTTP, with a stand-in card reader.

The real engine is exercised by tests/integration/local; the stand-in here makes the engine's own
failure modes (a crash, a slow start, no engine at all) happen on demand.
"""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Callable, Iterator
from typing import Any

import pytest
import requests

from airflow_provider_faceid.local.engine.card_reader import ImageUnreadableError
from airflow_provider_faceid.local.server.app import RunningServer, ServerOptions, start_server
from airflow_provider_faceid.local.server.readers import CardReaderLike

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
