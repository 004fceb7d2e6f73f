"""FaceIdHook: a ``faceid`` Airflow connection turned into a pooled, retrying client of the OCR API."""

from __future__ import annotations

import json
import threading
from collections.abc import Callable
from types import TracebackType
from urllib.parse import quote, quote_plus

import requests
from airflow.sdk import BaseHook
from requests.adapters import HTTPAdapter
from tenacity import (
    RetryCallState,
    Retrying,
    retry_if_exception,
    stop_after_attempt,
    stop_before_delay,
    wait_random_exponential,
)

from airflow_provider_faceid import __version__
from airflow_provider_faceid.exceptions import (
    FaceIdApiNotFoundError,
    FaceIdAuthorizationError,
    FaceIdConcurrencyLimitError,
    FaceIdConnectionError,
    FaceIdError,
    FaceIdInsecureConnectionError,
    FaceIdTimeoutError,
    FaceIdUnsupportedImageError,
)
from airflow_provider_faceid.hooks.faceid_responses import (
    decode_success,
    error_from_response,
    error_from_transport,
)
from airflow_provider_faceid.hooks.faceid_settings import (
    KNOWN_EXTRAS,
    FaceIdConfigurationError,
    FaceIdSettings,
    resolve_settings,
)

OnRetry = Callable[[FaceIdError, int], None]

# Bytes no decoder takes for an image: the API authenticates, then answers IMAGE_ERROR_UNSUPPORTED_FORMAT.
CONNECTION_PROBE = b"airflow-provider-faceid connection test: not an image"

_KNOWN_EXTRA_KEYS = {*KNOWN_EXTRAS, *(f"extra__faceid__{name}" for name in KNOWN_EXTRAS)}
_MAGIC_TYPES = ((b"\xff\xd8\xff", "image/jpeg"), (b"\x89PNG\r\n\x1a\n", "image/png"), (b"BM", "image/bmp"))


def _content_type(image: bytes) -> str:
    return next(
        (ctype for magic, ctype in _MAGIC_TYPES if image.startswith(magic)), "application/octet-stream"
    )


class FaceIdHook(BaseHook):
    """Client of the FaceID ID-card OCR API (``POST /faceid/v1/ocridcard``) and of faceid-local.

    Connection: host = API base URL (default https://api.faceid.com), login = api_key,
    password = api_secret, extras as documented in README.md. Every keyword argument left at
    ``None`` falls back to the connection's extra of the same name, then to the default.

    One hook may be shared by many threads: it holds one ``requests.Session`` whose pool keeps
    ``pool_maxsize`` keep-alive connections and blocks callers beyond that.

    :param faceid_conn_id: the Airflow connection to use.
    :param timeout: read timeout in seconds (default 30).
    :param connect_timeout: connect timeout in seconds (default 5).
    :param legality: ask for the photo legality scores by default (default False).
    :param max_attempts: attempts per call, retries included (default 5).
    :param backoff_initial: first backoff cap in seconds; the cap doubles per retry (default 0.5).
    :param backoff_max: largest backoff cap in seconds (default 30).
    :param retry_deadline: no new attempt starts this many seconds after the first (default 120).
    :param pool_maxsize: keep-alive connections kept and requests in flight at most.
    :param retry_concurrency_limit: retry CONCURRENCY_LIMIT_EXCEEDED here; set False when the caller
        adapts its own concurrency and wants that error at once.
    :param on_retry: called as ``on_retry(error, attempt)`` before each retry sleep, where ``attempt``
        is the number (from 1) of the attempt that just failed.
    """

    conn_name_attr = "faceid_conn_id"
    default_conn_name = "faceid_default"
    conn_type = "faceid"
    hook_name = "FaceID"

    def __init__(
        self,
        faceid_conn_id: str = default_conn_name,
        *,
        timeout: float | None = None,
        connect_timeout: float | None = None,
        legality: bool | None = None,
        max_attempts: int | None = None,
        backoff_initial: float | None = None,
        backoff_max: float | None = None,
        retry_deadline: float | None = None,
        pool_maxsize: int = 10,
        retry_concurrency_limit: bool = True,
        on_retry: OnRetry | None = None,
    ) -> None:
        super().__init__()
        if isinstance(pool_maxsize, bool) or not isinstance(pool_maxsize, int) or pool_maxsize < 1:
            raise ValueError(f"pool_maxsize must be a whole number >= 1, got {pool_maxsize!r}")
        self.faceid_conn_id = faceid_conn_id
        self.pool_maxsize = pool_maxsize
        self.retry_concurrency_limit = retry_concurrency_limit
        self.on_retry = on_retry
        self._overrides: dict[str, object] = {
            "timeout": timeout,
            "connect_timeout": connect_timeout,
            "legality": legality,
            "max_attempts": max_attempts,
            "backoff_initial": backoff_initial,
            "backoff_max": backoff_max,
            "retry_deadline": retry_deadline,
        }
        self._lock = threading.Lock()
        self._settings: FaceIdSettings | None = None
        self._session: requests.Session | None = None

    def __repr__(self) -> str:
        return (
            f"{type(self).__name__}(faceid_conn_id={self.faceid_conn_id!r}, pool_maxsize={self.pool_maxsize})"
        )

    # -- connection and session ------------------------------------------------------------------

    @property
    def settings(self) -> FaceIdSettings:
        """The resolved connection; fetched once, on first use, so building a hook costs nothing."""
        with self._lock:
            if self._settings is None:
                self._settings = self._load_settings()
            return self._settings

    def _load_settings(self) -> FaceIdSettings:
        from airflow.sdk.log import mask_secret

        conn = self.get_connection(self.faceid_conn_id)
        if conn.password:
            # Before anything else can log it; the key is an identifier and may be shown.
            mask_secret(conn.password, "api_secret")
        extras = conn.extra_dejson
        settings = resolve_settings(
            conn_id=self.faceid_conn_id,
            host=conn.host,
            port=conn.port,
            schema=conn.schema,
            login=conn.login,
            password=conn.password,
            extras=extras,
            overrides=self._overrides,
        )
        unknown = sorted(set(extras) - _KNOWN_EXTRA_KEYS)
        if unknown:
            self.log.warning("FaceID connection %r: ignoring unknown extras %s", self.faceid_conn_id, unknown)
        return settings

    def get_conn(self) -> requests.Session:
        """The hook's shared session, created on first use."""
        with self._lock:
            if self._session is None:
                session = requests.Session()
                adapter = HTTPAdapter(
                    pool_connections=self.pool_maxsize, pool_maxsize=self.pool_maxsize, pool_block=True
                )
                session.mount("https://", adapter)
                session.mount("http://", adapter)
                session.headers["User-Agent"] = (
                    f"airflow-provider-faceid/{__version__} {requests.utils.default_user_agent()}"
                )
                self._session = session
            return self._session

    def close(self) -> None:
        """Close pooled connections; the next call opens a new session."""
        with self._lock:
            session, self._session = self._session, None
        if session is not None:
            session.close()

    def __enter__(self) -> FaceIdHook:
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.close()

    # -- API calls -------------------------------------------------------------------------------

    def ocr_idcard(self, image: bytes, *, filename: str | None = None, legality: bool | None = None) -> dict:
        """Read one ID-card image; return the API's JSON answer exactly as sent.

        Retries CONCURRENCY_LIMIT_EXCEEDED (unless disabled), 5xx, timeouts and connection errors with
        full-jitter exponential backoff, bounded by ``max_attempts`` and ``retry_deadline``.

        :raises FaceIdError: the typed error of the last attempt.
        """
        if not isinstance(image, (bytes, bytearray, memoryview)):
            raise TypeError(f"image must be bytes, got {type(image).__name__}")
        if not image:
            raise ValueError("image is empty")
        settings = self.settings
        return self._retrying(settings)(
            self._post_once,
            settings,
            bytes(image),
            filename or "image",
            settings.legality if legality is None else legality,
        )

    def test_connection(self) -> tuple[bool, str]:
        """Tell a working account from wrong credentials from an unreachable host, without a card image.

        Sends a few bytes that are not an image, once: the API checks the credentials first, so
        IMAGE_ERROR_UNSUPPORTED_FORMAT means they were accepted.
        """
        cid = self.faceid_conn_id
        try:
            settings = self.settings
        except (FaceIdConfigurationError, FaceIdInsecureConnectionError) as error:
            return False, str(error)
        where = settings.base_url
        if not settings.api_key or not settings.api_secret:
            missing = "login (API Key)" if not settings.api_key else "password (API Secret)"
            return False, f"connection {cid!r} has an empty {missing}"
        try:
            self._post_once(settings, CONNECTION_PROBE, "probe.bin", False)
        except FaceIdUnsupportedImageError:
            return (
                True,
                f"credentials accepted by {where} (it refused the probe, which is deliberately not an image)",
            )
        except FaceIdConcurrencyLimitError:
            return (
                True,
                f"{where} is reachable and accepted the credentials, but the account is at its "
                "concurrency limit right now",
            )
        except FaceIdAuthorizationError:
            return False, (
                f"{where} rejected the api_key/api_secret: check the login (API Key) and password "
                f"(API Secret) of connection {cid!r}"
            )
        except (FaceIdConnectionError, FaceIdTimeoutError) as error:
            return False, f"cannot reach {where}: {error}"
        except FaceIdApiNotFoundError as error:
            return False, str(error)
        except FaceIdError as error:
            return False, f"{where} answered, but not as the FaceID API: {error}"
        return True, f"credentials accepted by {where}"

    # -- internals -------------------------------------------------------------------------------

    def _post_once(self, settings: FaceIdSettings, image: bytes, filename: str, legality: bool) -> dict:
        url = settings.ocr_idcard_url
        try:
            response = self.get_conn().post(
                url,
                data={
                    "api_key": settings.api_key,
                    "api_secret": settings.api_secret,
                    "legality": "1" if legality else "0",
                },
                files={"image": (filename, image, _content_type(image))},
                timeout=(settings.connect_timeout, settings.timeout),
                # A 307/308 would re-send the body, api_secret included, to wherever it points.
                allow_redirects=False,
            )
        except requests.RequestException as transport_error:
            raise _redacted(error_from_transport(transport_error, url=url), settings) from transport_error
        if response.status_code == 200:
            return decode_success(response, url=url)
        sent = len(response.request.body or b"") if response.request is not None else len(image)
        raise _redacted(
            error_from_response(response, url=url, conn_id=settings.conn_id, sent_bytes=sent), settings
        )

    def _retrying(self, settings: FaceIdSettings) -> Retrying:
        def retryable(error: BaseException) -> bool:
            if not isinstance(error, FaceIdError) or not error.retryable:
                return False
            return self.retry_concurrency_limit or not isinstance(error, FaceIdConcurrencyLimitError)

        return Retrying(
            retry=retry_if_exception(retryable),
            stop=stop_after_attempt(settings.max_attempts) | stop_before_delay(settings.retry_deadline),
            wait=wait_random_exponential(multiplier=settings.backoff_initial, max=settings.backoff_max),
            before_sleep=self._before_sleep,
            reraise=True,
        )

    def _before_sleep(self, state: RetryCallState) -> None:
        error = state.outcome.exception() if state.outcome else None
        if not isinstance(error, FaceIdError):  # cannot happen: only FaceIdErrors are retried
            return
        self.log.warning(
            "FaceID attempt %d failed with %s; retrying in %.2f s",
            state.attempt_number,
            error.code,
            state.upcoming_sleep,
        )
        if self.on_retry is not None:
            self.on_retry(error, state.attempt_number)


def _redacted(error: FaceIdError, settings: FaceIdSettings) -> FaceIdError:
    """Defence in depth: the messages are ours, but server text and requests' text are quoted in them.

    A server that echoes the secret may do so in its body (quoted with repr, so escaped), as JSON, in a
    URL or as the request_id; every one of those spellings is replaced.
    """
    secret = settings.api_secret
    if not secret:
        return error
    spellings = {
        secret,
        repr(secret)[1:-1],
        json.dumps(secret)[1:-1],
        json.dumps(secret, ensure_ascii=False)[1:-1],
        quote(secret, safe=""),
        quote_plus(secret, safe=""),
    }

    def scrub(text: str) -> str:
        for spelling in sorted(spellings, key=len, reverse=True):
            text = text.replace(spelling, "***")
        return text

    message = scrub(error.message)
    if message != error.message:
        error.message = message
        error.args = (message,)
    if error.request_id:
        error.request_id = scrub(error.request_id)
    return error
