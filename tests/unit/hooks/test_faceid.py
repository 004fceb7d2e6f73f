"""FaceIdHook against a real local HTTP server that scripts each FaceID answer.

Connections come from ``AIRFLOW_CONN_<ID>`` environment variables, in URI and JSON form, so Airflow's
own connection resolution and string-typed URI extras are exercised.
"""

from __future__ import annotations

import json
import logging
import pickle
import threading
from types import SimpleNamespace
from typing import Any

import pytest
import tenacity

from airflow_provider_faceid import exceptions as exc
from airflow_provider_faceid.hooks.faceid import CONNECTION_PROBE, FaceIdHook
from tests.fixtures.faceid_api import (
    FRONT_OK,
    OCR_PATH,
    FaceIdScript,
    error_answer,
    held_answer,
    json_answer,
    text_answer,
)

KEY = "test-api-key-0001"
SECRET = "s3cr3t-Zq9-never-log-me"
JPEG = b"\xff\xd8\xff\xe0" + b"\x00JFIF fake card bytes" * 4
CONN_ID = "faceid_test"
FAST: dict[str, Any] = {"backoff_initial": 0.01, "backoff_max": 0.02}


def use_connection(
    monkeypatch: pytest.MonkeyPatch, value: str | dict[str, Any], conn_id: str = CONN_ID
) -> None:
    monkeypatch.setenv(
        f"AIRFLOW_CONN_{conn_id.upper()}", value if isinstance(value, str) else json.dumps(value)
    )


@pytest.fixture
def hook_for(monkeypatch: pytest.MonkeyPatch, faceid_api: FaceIdScript):
    """Build hooks on a URI connection to the scripted server; closes them after the test."""
    hooks: list[FaceIdHook] = []

    def make(query: str = "", **kwargs: Any) -> FaceIdHook:
        use_connection(monkeypatch, f"faceid://{KEY}:{SECRET}@127.0.0.1:{faceid_api.port}{query}")
        hooks.append(FaceIdHook(CONN_ID, **{**FAST, **kwargs}))
        return hooks[-1]

    yield make
    for hook in hooks:
        hook.close()


# -- request shape ------------------------------------------------------------------------------


def test_success_returns_json_exactly_and_sends_the_multipart_fields(faceid_api, hook_for):
    answer = {**FRONT_OK, "legality": {"ID Photo": 1, "Screen": 0}, "extra_field": [1, None]}
    faceid_api.answer(json_answer(200, answer))
    hook = hook_for()

    assert hook.ocr_idcard(JPEG, filename="card.jpg") == answer

    (sent,) = faceid_api.received
    assert sent.content_type.startswith("multipart/form-data; boundary=")
    assert sent.form == {"api_key": KEY, "api_secret": SECRET, "legality": "0"}
    assert sent.files == {"image": ("card.jpg", "image/jpeg", JPEG)}


def test_legality_from_uri_extra_string_and_per_call_override(faceid_api, hook_for):
    hook = hook_for("?legality=true")
    hook.ocr_idcard(JPEG)
    hook.ocr_idcard(JPEG, legality=False)
    assert [r.form["legality"] for r in faceid_api.received] == ["1", "0"]
    assert faceid_api.received[0].files["image"][0] == "image"


def test_rejects_empty_or_non_bytes_image_without_a_request(faceid_api, hook_for):
    hook = hook_for()
    with pytest.raises(ValueError, match="empty"):
        hook.ocr_idcard(b"")
    with pytest.raises(TypeError):
        hook.ocr_idcard("not bytes")
    assert faceid_api.received == []


# -- error mapping --------------------------------------------------------------------------------

ERROR_CASES = [
    # answer, code, retryable, http_status, request_id, words the message must contain
    (
        error_answer(400, "MISSING_ARGUMENTS: image", "r1"),
        exc.MISSING_ARGUMENTS,
        False,
        400,
        "r1",
        ["'image'"],
    ),
    (
        error_answer(400, "IMAGE_ERROR_UNSUPPORTED_FORMAT", "r2"),
        exc.IMAGE_ERROR_UNSUPPORTED_FORMAT,
        False,
        400,
        "r2",
        ["decode"],
    ),
    (
        error_answer(403, "AUTHORIZATION_ERROR", "r3"),
        exc.AUTHORIZATION_ERROR,
        False,
        403,
        "r3",
        ["login", CONN_ID],
    ),
    (
        error_answer(403, "CONCURRENCY_LIMIT_EXCEEDED", "r4"),
        exc.CONCURRENCY_LIMIT_EXCEEDED,
        True,
        403,
        "r4",
        ["concurrency"],
    ),
    (text_answer(413, "Request Entity Too Large"), exc.REQUEST_ENTITY_TOO_LARGE, False, 413, None, ["2 MB"]),
    (
        error_answer(404, "API_NOT_FOUND", "r5"),
        exc.API_NOT_FOUND,
        False,
        404,
        "r5",
        ["host or path", CONN_ID],
    ),
    (
        text_answer(404, "<h1>Not Found</h1>", "text/html"),
        exc.API_NOT_FOUND,
        False,
        404,
        None,
        ["host or path"],
    ),
    (error_answer(500, "INTERNAL_ERROR", "r6"), exc.INTERNAL_ERROR, True, 500, "r6", ["try again"]),
    (
        text_answer(502, "<h1>Bad Gateway</h1>", "text/html"),
        exc.INTERNAL_ERROR,
        True,
        502,
        None,
        ["Bad Gateway"],
    ),
    (
        text_answer(200, "<html>portal</html>", "text/html"),
        exc.UNEXPECTED_RESPONSE,
        False,
        200,
        None,
        ["JSON"],
    ),
    (json_answer(200, ["not", "an", "object"]), exc.UNEXPECTED_RESPONSE, False, 200, None, ["JSON object"]),
    (error_answer(403, "QUOTA_GONE", "r7"), exc.UNEXPECTED_RESPONSE, False, 403, "r7", ["QUOTA_GONE"]),
    (
        error_answer(400, "AUTHORIZATION_ERROR", "r8"),
        exc.UNEXPECTED_RESPONSE,
        False,
        400,
        "r8",
        ["does not describe"],
    ),
    (text_answer(418, "teapot"), exc.UNEXPECTED_RESPONSE, False, 418, None, ["418"]),
]


@pytest.mark.parametrize(("answer", "code", "retryable", "status", "request_id", "words"), ERROR_CASES)
def test_every_error_maps_to_its_typed_exception_and_retries_only_retryable_ones(
    faceid_api, hook_for, answer, code, retryable, status, request_id, words
):
    faceid_api.answer(answer)
    hook = hook_for(max_attempts=3)

    with pytest.raises(exc.FaceIdError) as caught:
        hook.ocr_idcard(JPEG)

    error = caught.value
    assert type(error) is exc.ERRORS_BY_CODE[code]
    assert (error.code, error.retryable, error.http_status, error.request_id) == (
        code,
        retryable,
        status,
        request_id,
    )
    for word in words:
        assert word in str(error)
    assert len(faceid_api.received) == (3 if retryable else 1)


def test_missing_argument_is_named_and_time_used_kept(faceid_api, hook_for):
    faceid_api.answer(error_answer(400, "MISSING_ARGUMENTS: api_secret"))
    with pytest.raises(exc.FaceIdMissingArgumentsError) as caught:
        hook_for().ocr_idcard(JPEG)
    assert caught.value.argument == "api_secret"
    assert pickle.loads(pickle.dumps(caught.value)).argument == "api_secret"
    assert caught.value.time_used == 3.0
    assert "password" in str(caught.value)


def test_redirect_is_not_followed(faceid_api, hook_for):
    faceid_api.answer(lambda _r: __import__("werkzeug").Response("", 307, headers={"Location": "/elsewhere"}))
    with pytest.raises(exc.FaceIdUnexpectedResponseError, match="redirected to '/elsewhere'"):
        hook_for().ocr_idcard(JPEG)
    assert len(faceid_api.server.log) == 1  # the secret-bearing body was not re-sent


# -- retries ----------------------------------------------------------------------------------


def test_two_internal_errors_then_success_takes_three_requests(faceid_api, hook_for):
    faceid_api.answer(
        error_answer(500, "INTERNAL_ERROR"), error_answer(500, "INTERNAL_ERROR"), json_answer(200, FRONT_OK)
    )
    calls: list[tuple[str, int]] = []
    hook = hook_for(on_retry=lambda error, attempt: calls.append((error.code, attempt)))

    assert hook.ocr_idcard(JPEG) == FRONT_OK
    assert len(faceid_api.received) == 3
    assert calls == [(exc.INTERNAL_ERROR, 1), (exc.INTERNAL_ERROR, 2)]


def test_concurrency_limit_then_success_takes_two_requests(faceid_api, hook_for):
    faceid_api.answer(error_answer(403, "CONCURRENCY_LIMIT_EXCEEDED"), json_answer(200, FRONT_OK))
    calls: list[exc.FaceIdError] = []
    hook = hook_for(on_retry=lambda error, attempt: calls.append(error))
    assert hook.ocr_idcard(JPEG) == FRONT_OK
    assert len(faceid_api.received) == 2
    assert [type(e) for e in calls] == [exc.FaceIdConcurrencyLimitError]


def test_authorization_error_is_never_retried(faceid_api, hook_for):
    faceid_api.answer(error_answer(403, "AUTHORIZATION_ERROR"), json_answer(200, FRONT_OK))
    calls: list[Any] = []
    with pytest.raises(exc.FaceIdAuthorizationError):
        hook_for(max_attempts=5, on_retry=lambda *a: calls.append(a)).ocr_idcard(JPEG)
    assert len(faceid_api.received) == 1
    assert calls == []


def test_concurrency_limit_raised_at_once_when_the_caller_adapts_itself(faceid_api, hook_for):
    faceid_api.answer(error_answer(403, "CONCURRENCY_LIMIT_EXCEEDED"), json_answer(200, FRONT_OK))
    with pytest.raises(exc.FaceIdConcurrencyLimitError):
        hook_for(retry_concurrency_limit=False).ocr_idcard(JPEG)
    assert len(faceid_api.received) == 1


def test_internal_errors_still_retried_when_concurrency_retries_are_off(faceid_api, hook_for):
    faceid_api.answer(error_answer(500, "INTERNAL_ERROR"), json_answer(200, FRONT_OK))
    assert hook_for(retry_concurrency_limit=False).ocr_idcard(JPEG) == FRONT_OK
    assert len(faceid_api.received) == 2


def test_max_attempts_from_uri_extra_bounds_the_requests(faceid_api, hook_for):
    faceid_api.answer(error_answer(500, "INTERNAL_ERROR"))
    attempts: list[int] = []
    with pytest.raises(exc.FaceIdInternalError):
        hook_for("?max_attempts=4", on_retry=lambda _e, n: attempts.append(n)).ocr_idcard(JPEG)
    assert len(faceid_api.received) == 4
    assert attempts == [1, 2, 3]


class InjectedClock:
    """The retry loop's clock and sleep in one: its waits advance it and nothing else does, so the
    backoff and deadline arithmetic is checked exactly, whatever the machine's load."""

    def __init__(self) -> None:
        self.now = 0.0
        self.sleeps: list[float] = []
        self.attempts_at: list[float] = []

    def monotonic(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)
        self.now += seconds


@pytest.fixture
def clock(monkeypatch: pytest.MonkeyPatch, faceid_api: FaceIdScript) -> InjectedClock:
    """tenacity's clock and the hook's retry sleep replaced by one InjectedClock."""
    injected = InjectedClock()
    monkeypatch.setattr(tenacity, "time", SimpleNamespace(monotonic=injected.monotonic))
    retrying = FaceIdHook._retrying

    def with_injected_sleep(self: FaceIdHook, settings: Any) -> tenacity.Retrying:
        loop = retrying(self, settings)
        loop.sleep = injected.sleep
        return loop

    monkeypatch.setattr(FaceIdHook, "_retrying", with_injected_sleep)
    post_once = FaceIdHook._post_once

    def timed_post_once(self: FaceIdHook, *args: Any) -> dict:
        injected.attempts_at.append(injected.now)
        return post_once(self, *args)

    monkeypatch.setattr(FaceIdHook, "_post_once", timed_post_once)
    return injected


def test_retry_deadline_bounds_the_time_spent(faceid_api, hook_for, clock):
    faceid_api.answer(error_answer(500, "INTERNAL_ERROR"))
    hook = hook_for(max_attempts=1000, backoff_initial=0.05, backoff_max=0.05, retry_deadline=0.6)
    with pytest.raises(exc.FaceIdInternalError):
        hook.ocr_idcard(JPEG)
    # No attempt starts after the deadline (counted from the first); each wait is at most 0.05, so
    # the loop stopped only once the next wait would have crossed it, not earlier.
    assert len(faceid_api.received) == len(clock.attempts_at) == len(clock.sleeps) + 1
    assert clock.attempts_at[-1] < 0.6 <= clock.attempts_at[-1] + 0.05
    assert 12 <= len(faceid_api.received) < 1000


def test_backoff_is_capped_exponential_with_jitter(faceid_api, hook_for, clock):
    faceid_api.answer(error_answer(500, "INTERNAL_ERROR"))
    initial, cap, attempts = 0.1, 0.4, 7
    with pytest.raises(exc.FaceIdInternalError):
        hook_for(max_attempts=attempts, backoff_initial=initial, backoff_max=cap).ocr_idcard(JPEG)

    bounds = [min(cap, initial * 2**n) for n in range(attempts - 1)]
    assert len(faceid_api.received) == attempts
    assert len(clock.sleeps) == attempts - 1
    assert all(0 <= wait <= bound for wait, bound in zip(clock.sleeps, bounds, strict=True)), clock.sleeps
    # Full jitter: waits are drawn from [0, bound], so they do not all sit at the bound.
    assert sum(clock.sleeps) < sum(bounds) * 0.95, (clock.sleeps, bounds)


def test_backoff_bounds_double_up_to_the_cap(faceid_api, hook_for, clock, monkeypatch):
    monkeypatch.setattr(tenacity.wait.random, "uniform", lambda low, high: high)  # the top of each draw
    faceid_api.answer(error_answer(500, "INTERNAL_ERROR"))
    with pytest.raises(exc.FaceIdInternalError):
        hook_for(max_attempts=7, backoff_initial=0.1, backoff_max=0.4).ocr_idcard(JPEG)
    assert clock.sleeps == pytest.approx([0.1, 0.2, 0.4, 0.4, 0.4, 0.4])


def test_read_timeout_is_retried_then_reported(faceid_api, hook_for):
    release = threading.Event()
    # The answer is held until the hook has given up: a hook that waited for it would get a 200.
    faceid_api.answer(held_answer(release, json_answer(200, FRONT_OK)))
    try:
        with pytest.raises(exc.FaceIdTimeoutError) as caught:
            hook_for(timeout=0.2, max_attempts=2).ocr_idcard(JPEG)
    finally:
        release.set()
    assert len(faceid_api.received) == 2
    assert caught.value.retryable and caught.value.http_status is None
    assert "read timeout" in str(caught.value)


def test_connection_refused_is_a_retryable_connection_error(monkeypatch, refused_port):
    use_connection(monkeypatch, f"faceid://{KEY}:{SECRET}@127.0.0.1:{refused_port}")
    attempts: list[int] = []
    hook = FaceIdHook(CONN_ID, max_attempts=2, on_retry=lambda _e, n: attempts.append(n), **FAST)
    with hook, pytest.raises(exc.FaceIdConnectionError) as caught:
        hook.ocr_idcard(JPEG)
    assert caught.value.retryable and caught.value.http_status is None
    assert f"127.0.0.1:{refused_port}" in str(caught.value)
    assert attempts == [1]


# -- connection resolution --------------------------------------------------------------------


def test_uri_extras_arrive_as_strings_and_are_coerced(monkeypatch):
    use_connection(
        monkeypatch,
        f"faceid://{KEY}:{SECRET}@127.0.0.1:8080?timeout=2.5&connect_timeout=1&legality=yes&max_attempts=7"
        "&backoff_initial=0.25&backoff_max=4&retry_deadline=60&allow_insecure_http=false",
    )
    s = FaceIdHook(CONN_ID).settings
    assert (s.timeout, s.connect_timeout, s.legality, s.max_attempts) == (2.5, 1.0, True, 7)
    assert (s.backoff_initial, s.backoff_max, s.retry_deadline, s.allow_insecure_http) == (
        0.25,
        4.0,
        60.0,
        False,
    )
    assert s.base_url == "http://127.0.0.1:8080"
    assert (s.api_key, s.api_secret) == (KEY, SECRET)


def test_json_connection_typed_extras_and_constructor_overrides(monkeypatch):
    use_connection(
        monkeypatch,
        {
            "conn_type": "faceid",
            "host": "https://api.faceid.com/",
            "login": KEY,
            "password": SECRET,
            "extra": {"timeout": 12, "legality": True, "max_attempts": 2},
        },
    )
    s = FaceIdHook(CONN_ID, timeout=3, max_attempts=9).settings
    assert (s.timeout, s.legality, s.max_attempts, s.connect_timeout) == (3.0, True, 9, 5.0)
    assert s.ocr_idcard_url == "https://api.faceid.com/faceid/v1/ocridcard"


def test_defaults_apply_to_an_empty_connection(monkeypatch):
    use_connection(monkeypatch, {"conn_type": "faceid", "login": KEY, "password": SECRET})
    s = FaceIdHook(CONN_ID).settings
    assert s.base_url == "https://api.faceid.com"
    assert (s.timeout, s.connect_timeout, s.legality, s.max_attempts) == (30.0, 5.0, False, 5)


@pytest.mark.parametrize(
    ("query", "words"),
    [
        ("?timeout=abc", ["'timeout'", "'abc'"]),
        ("?timeout=0", ["'timeout'", "more than zero"]),
        ("?legality=maybe", ["'legality'", "boolean"]),
        ("?max_attempts=0", ["'max_attempts'"]),
        ("?max_attempts=2.5", ["'max_attempts'", "whole number"]),
        ("?allow_insecure_http=sure", ["'allow_insecure_http'"]),
        ("?retry_deadline=-1", ["'retry_deadline'"]),
    ],
)
def test_bad_extra_values_fail_with_a_clear_error(monkeypatch, query, words):
    use_connection(monkeypatch, f"faceid://{KEY}:{SECRET}@127.0.0.1:8080{query}")
    with pytest.raises(ValueError, match=CONN_ID) as caught:
        FaceIdHook(CONN_ID).ocr_idcard(JPEG)
    for word in words:
        assert word in str(caught.value)


def test_bad_constructor_argument_is_named_as_argument(monkeypatch):
    use_connection(monkeypatch, f"faceid://{KEY}:{SECRET}@127.0.0.1:8080")
    with pytest.raises(ValueError, match="argument 'backoff_max'"):
        _ = FaceIdHook(CONN_ID, backoff_max="fast").settings  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="pool_maxsize"):
        FaceIdHook(CONN_ID, pool_maxsize=0)


@pytest.mark.parametrize(
    ("host", "port", "schema", "expected"),
    [
        ("api.faceid.com", None, None, "https://api.faceid.com"),
        ("https://api.faceid.com/faceid/v1/ocridcard", None, None, "https://api.faceid.com"),
        ("https://gw.example.com/faceid-proxy/", 8443, None, "https://gw.example.com:8443/faceid-proxy"),
        ("gw.example.com", 8080, "https", "https://gw.example.com:8080"),
        ("127.0.0.1", 9000, None, "http://127.0.0.1:9000"),
        ("localhost", 9000, "https", "https://localhost:9000"),
        ("::1", 9000, None, "http://[::1]:9000"),
        ("http://127.0.0.2:81", None, None, "http://127.0.0.2:81"),
    ],
)
def test_host_port_and_schema_forms(monkeypatch, host, port, schema, expected):
    conn: dict[str, Any] = {"conn_type": "faceid", "host": host, "login": KEY, "password": SECRET}
    conn.update({k: v for k, v in {"port": port, "schema": schema}.items() if v is not None})
    use_connection(monkeypatch, conn)
    assert FaceIdHook(CONN_ID).settings.base_url == expected


@pytest.mark.parametrize(
    ("host", "words"),
    [
        ("ftp://api.faceid.com", ["scheme 'ftp'"]),
        ("https://k:s@api.faceid.com", ["must not carry credentials"]),
    ],
)
def test_unusable_hosts_are_refused(monkeypatch, host, words):
    use_connection(monkeypatch, {"conn_type": "faceid", "host": host, "login": KEY, "password": SECRET})
    with pytest.raises(ValueError) as caught:
        _ = FaceIdHook(CONN_ID).settings
    for word in words:
        assert word in str(caught.value)
    assert SECRET not in str(caught.value)


def test_plain_http_to_a_remote_host_is_refused_before_any_request(monkeypatch, caplog):
    # Nothing may be sent to this address: the refusal happens while resolving the connection.
    use_connection(
        monkeypatch,
        {"conn_type": "faceid", "host": "http://ocr.example.com", "login": KEY, "password": SECRET},
    )
    with caplog.at_level(logging.DEBUG), pytest.raises(exc.FaceIdInsecureConnectionError) as caught:
        FaceIdHook(CONN_ID).ocr_idcard(JPEG)
    message = str(caught.value)
    assert "HTTPS" in message and "insecure" in message and "allow_insecure_http" in message
    assert "Starting new HTTP connection" not in caplog.text


def test_plain_http_to_a_remote_host_is_allowed_when_the_connection_opts_in(monkeypatch):
    use_connection(monkeypatch, "faceid://k:s@ocr.internal.example:8080/http?allow_insecure_http=true")
    assert FaceIdHook(CONN_ID).settings.base_url == "http://ocr.internal.example:8080"


def test_unknown_extras_are_reported_by_name(monkeypatch, capfd):
    # Hook logs go through Airflow's structlog logger, which writes to the process output.
    use_connection(monkeypatch, f"faceid://{KEY}:{SECRET}@127.0.0.1:8080?time_out=3")
    _ = FaceIdHook(CONN_ID).settings
    assert "unknown extras ['time_out']" in capfd.readouterr().out


# -- secrets ------------------------------------------------------------------------------------


def test_secret_never_in_logs_exception_text_or_reprs(
    faceid_api, hook_for, caplog, capfd, monkeypatch, refused_port
):
    echo = text_answer(418, f"bad request api_secret={SECRET}")
    faceid_api.answer(
        error_answer(500, "INTERNAL_ERROR"),
        error_answer(403, "AUTHORIZATION_ERROR"),
        error_answer(403, "X"),
        echo,
    )
    errors: list[exc.FaceIdError] = []
    with caplog.at_level(logging.DEBUG), caplog.at_level(logging.DEBUG, logger="urllib3"):
        hook = hook_for(max_attempts=2)
        for _ in range(3):
            with pytest.raises(exc.FaceIdError) as caught:
                hook.ocr_idcard(JPEG)
            errors.append(caught.value)
        use_connection(monkeypatch, f"faceid://{KEY}:{SECRET}@127.0.0.1:{refused_port}", "faceid_refused")
        with (
            FaceIdHook("faceid_refused", max_attempts=1) as refused,
            pytest.raises(exc.FaceIdError) as caught,
        ):
            refused.ocr_idcard(JPEG)
        errors.append(caught.value)
        ok, message = refused.test_connection()

    assert [e.code for e in errors] == [
        exc.AUTHORIZATION_ERROR,
        exc.UNEXPECTED_RESPONSE,
        exc.UNEXPECTED_RESPONSE,
        exc.CONNECTION_ERROR,
    ]
    assert "***" in str(errors[2])  # the server echoed the secret back; it was redacted
    output = capfd.readouterr()
    # Both log paths were really captured: stdlib (urllib3 at DEBUG) and the hook's structlog output.
    assert "Starting new HTTP connection" in caplog.text
    assert "retrying in" in output.out
    texts = [
        caplog.text,
        output.out,
        output.err,
        message,
        repr(hook),
        repr(hook.settings),
        str(hook.settings),
    ]
    for error in errors:
        texts += [str(error), repr(error), str(error.__cause__), repr(pickle.loads(pickle.dumps(error)))]
    leaked = [text for text in texts if SECRET in text]
    assert leaked == []
    assert not ok


def test_secret_is_registered_with_airflow_secrets_masker(monkeypatch):
    from airflow.sdk._shared.secrets_masker import redact

    secret = "masker-check-9f2c1d7e"
    use_connection(monkeypatch, f"faceid://{KEY}:{secret}@127.0.0.1:8080")
    _ = FaceIdHook(CONN_ID).settings
    assert secret not in redact(f"leak {secret} here")


# -- test_connection ----------------------------------------------------------------------------


def test_connection_protocol_outcomes(faceid_api, hook_for):
    cases = [
        (error_answer(400, "IMAGE_ERROR_UNSUPPORTED_FORMAT"), True, "credentials accepted"),
        (error_answer(403, "AUTHORIZATION_ERROR"), False, "rejected the api_key/api_secret"),
        (error_answer(403, "CONCURRENCY_LIMIT_EXCEEDED"), True, "concurrency limit"),
        (error_answer(404, "API_NOT_FOUND"), False, "host or path"),
        (error_answer(500, "INTERNAL_ERROR"), False, "not as the FaceID API"),
    ]
    for answer, expected_ok, words in cases:
        faceid_api.answer(answer)
        before = len(faceid_api.received)
        ok, message = hook_for().test_connection()
        assert (ok, words in message) == (expected_ok, True), message
        assert SECRET not in message
        assert len(faceid_api.received) == before + 1  # one probe, never retried
        probe = faceid_api.received[-1]
        assert probe.files["image"][2] == CONNECTION_PROBE
        assert probe.form == {"api_key": KEY, "api_secret": SECRET, "legality": "0"}


def test_connection_unreachable_and_misconfigured(monkeypatch, refused_port):
    use_connection(monkeypatch, f"faceid://{KEY}:{SECRET}@127.0.0.1:{refused_port}")
    ok, message = FaceIdHook(CONN_ID).test_connection()
    assert not ok and message.startswith(f"cannot reach http://127.0.0.1:{refused_port}")

    use_connection(
        monkeypatch,
        {"conn_type": "faceid", "host": "http://ocr.example.com", "login": KEY, "password": SECRET},
    )
    ok, message = FaceIdHook(CONN_ID).test_connection()
    assert not ok and "HTTPS" in message

    use_connection(monkeypatch, {"conn_type": "faceid", "host": "127.0.0.1", "login": KEY})
    ok, message = FaceIdHook(CONN_ID).test_connection()
    assert not ok and "password (API Secret)" in message


# -- session and threads ------------------------------------------------------------------------


def test_session_is_shared_lazy_and_reopened_after_close(faceid_api, hook_for):
    hook = hook_for()
    assert hook._session is None  # nothing opened by construction
    session = hook.get_conn()
    assert hook.get_conn() is session
    hook.ocr_idcard(JPEG)
    hook.close()
    assert hook.get_conn() is not session
    assert hook.ocr_idcard(JPEG) == FRONT_OK


def test_many_threads_share_one_pool(monkeypatch, keepalive_faceid_api):
    threads, calls, pool = 8, 25, 4
    use_connection(
        monkeypatch, f"faceid://{KEY}:{SECRET}@{keepalive_faceid_api.base_url.removeprefix('http://')}"
    )
    hook = FaceIdHook(CONN_ID, pool_maxsize=pool, max_attempts=1)
    results: list[dict] = []
    failures: list[BaseException] = []
    lock = threading.Lock()

    def work() -> None:
        for _ in range(calls):
            try:
                answer = hook.ocr_idcard(JPEG)
            except BaseException as error:  # collected and asserted below
                with lock:
                    failures.append(error)
            else:
                with lock:
                    results.append(answer)

    with hook:
        workers = [threading.Thread(target=work) for _ in range(threads)]
        for worker in workers:
            worker.start()
        for worker in workers:
            worker.join(timeout=60)

    assert failures == []
    assert len(results) == threads * calls and all(r == FRONT_OK for r in results)
    assert len(keepalive_faceid_api.client_ports) == threads * calls
    # Keep-alive pool: at most pool_maxsize TCP connections carried all 200 requests.
    assert 1 <= len(set(keepalive_faceid_api.client_ports)) <= pool


def test_sequential_requests_reuse_one_keep_alive_connection(monkeypatch, keepalive_faceid_api):
    use_connection(
        monkeypatch, f"faceid://{KEY}:{SECRET}@{keepalive_faceid_api.base_url.removeprefix('http://')}"
    )
    with FaceIdHook(CONN_ID) as hook:
        for _ in range(5):
            hook.ocr_idcard(JPEG)
    assert len(keepalive_faceid_api.client_ports) == 5
    assert len(set(keepalive_faceid_api.client_ports)) == 1


def test_secret_travels_in_the_body_only(faceid_api, hook_for):
    hook_for().ocr_idcard(JPEG)
    (sent,) = faceid_api.received
    assert sent.body.count(SECRET.encode()) == 1
    ((request, _response),) = faceid_api.server.log
    assert request.full_path.rstrip("?") == OCR_PATH
    assert SECRET not in str(dict(request.headers))
