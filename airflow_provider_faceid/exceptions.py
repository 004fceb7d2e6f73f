"""Typed errors of the FaceID client.

Every failure the hook can report is a :class:`FaceIdError` whose ``code`` is one of the FaceID
error codes (or one of the client-side codes below), so callers branch on ``code`` and
``retryable`` instead of parsing messages. Messages never carry credentials or card contents.
"""

from __future__ import annotations

from typing import ClassVar

MISSING_ARGUMENTS = "MISSING_ARGUMENTS"
IMAGE_ERROR_UNSUPPORTED_FORMAT = "IMAGE_ERROR_UNSUPPORTED_FORMAT"
AUTHORIZATION_ERROR = "AUTHORIZATION_ERROR"
CONCURRENCY_LIMIT_EXCEEDED = "CONCURRENCY_LIMIT_EXCEEDED"
REQUEST_ENTITY_TOO_LARGE = "REQUEST_ENTITY_TOO_LARGE"
API_NOT_FOUND = "API_NOT_FOUND"
INTERNAL_ERROR = "INTERNAL_ERROR"
TIMEOUT = "TIMEOUT"
CONNECTION_ERROR = "CONNECTION_ERROR"
UNEXPECTED_RESPONSE = "UNEXPECTED_RESPONSE"
INSECURE_CONNECTION = "INSECURE_CONNECTION"


class FaceIdError(Exception):
    """Base class of every error raised by the FaceID client.

    :param message: human-readable explanation, free of secrets and card contents.
    :param http_status: HTTP status of the answer, ``None`` when no answer arrived.
    :param request_id: the API's ``request_id`` when the answer carried one.
    :param time_used: the API's ``time_used`` (milliseconds) when the answer carried one.
    """

    code: ClassVar[str] = UNEXPECTED_RESPONSE
    retryable: ClassVar[bool] = False

    def __init__(
        self,
        message: str,
        *,
        http_status: int | None = None,
        request_id: str | None = None,
        time_used: float | None = None,
    ) -> None:
        super().__init__(message)
        self.message = message
        self.http_status = http_status
        self.request_id = request_id
        self.time_used = time_used

    def __str__(self) -> str:
        status = f"HTTP {self.http_status} " if self.http_status is not None else ""
        rid = f" (request_id={self.request_id})" if self.request_id else ""
        return f"{status}{self.code}: {self.message}{rid}"

    def __repr__(self) -> str:
        return (
            f"{type(self).__name__}(code={self.code!r}, http_status={self.http_status!r}, "
            f"request_id={self.request_id!r}, message={self.message!r})"
        )

    def __reduce__(self) -> tuple[object, tuple[object, ...], dict[str, object]]:
        # Keyword-only arguments break the default pickling, which Airflow and
        # concurrent.futures rely on to move exceptions between processes. The state
        # dict carries subclass attributes such as FaceIdMissingArgumentsError.argument.
        return (
            _rebuild,
            (type(self), self.message, self.http_status, self.request_id, self.time_used),
            dict(self.__dict__),
        )


def _rebuild(
    cls: type[FaceIdError],
    message: str,
    http_status: int | None,
    request_id: str | None,
    time_used: float | None,
) -> FaceIdError:
    return cls(message, http_status=http_status, request_id=request_id, time_used=time_used)


class FaceIdMissingArgumentsError(FaceIdError):
    """400 ``MISSING_ARGUMENTS: <key>``: a required form field was not sent."""

    code = MISSING_ARGUMENTS

    def __init__(
        self,
        message: str,
        *,
        argument: str | None = None,
        http_status: int | None = None,
        request_id: str | None = None,
        time_used: float | None = None,
    ) -> None:
        super().__init__(message, http_status=http_status, request_id=request_id, time_used=time_used)
        self.argument = argument


class FaceIdUnsupportedImageError(FaceIdError):
    """400 ``IMAGE_ERROR_UNSUPPORTED_FORMAT``: the API could not decode the image."""

    code = IMAGE_ERROR_UNSUPPORTED_FORMAT


class FaceIdAuthorizationError(FaceIdError):
    """403 ``AUTHORIZATION_ERROR``: api_key and api_secret do not match, or the key may not call the API."""

    code = AUTHORIZATION_ERROR


class FaceIdConcurrencyLimitError(FaceIdError):
    """403 ``CONCURRENCY_LIMIT_EXCEEDED``: more requests in flight than the account allows."""

    code = CONCURRENCY_LIMIT_EXCEEDED
    retryable = True


class FaceIdRequestTooLargeError(FaceIdError):
    """413 (plain text): the request body exceeded the API's 2 MB limit."""

    code = REQUEST_ENTITY_TOO_LARGE


class FaceIdApiNotFoundError(FaceIdError):
    """404 ``API_NOT_FOUND``: the URL does not name a FaceID API (check the connection's host)."""

    code = API_NOT_FOUND


class FaceIdInternalError(FaceIdError):
    """5xx: the API failed on its side; the doc says to try again."""

    code = INTERNAL_ERROR
    retryable = True


class FaceIdTimeoutError(FaceIdError):
    """No answer within the connect or read timeout."""

    code = TIMEOUT
    retryable = True


class FaceIdConnectionError(FaceIdError):
    """The API could not be reached (DNS, refused, reset, TLS)."""

    code = CONNECTION_ERROR
    retryable = True


class FaceIdUnexpectedResponseError(FaceIdError):
    """An answer the contract does not describe (unknown status, non-JSON body, unknown error)."""

    code = UNEXPECTED_RESPONSE


class FaceIdInsecureConnectionError(FaceIdError):
    """The connection points at plain ``http://`` on a non-loopback host without allow_insecure_http."""

    code = INSECURE_CONNECTION


ERRORS_BY_CODE: dict[str, type[FaceIdError]] = {
    cls.code: cls
    for cls in (
        FaceIdMissingArgumentsError,
        FaceIdUnsupportedImageError,
        FaceIdAuthorizationError,
        FaceIdConcurrencyLimitError,
        FaceIdRequestTooLargeError,
        FaceIdApiNotFoundError,
        FaceIdInternalError,
        FaceIdTimeoutError,
        FaceIdConnectionError,
        FaceIdUnexpectedResponseError,
        FaceIdInsecureConnectionError,
    )
}
