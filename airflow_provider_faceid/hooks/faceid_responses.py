"""Map FaceID HTTP answers and transport failures to the typed errors of :mod:`exceptions`.

The contract: JSON error bodies carry ``error_message`` ("CODE" or "CODE: detail"), ``request_id`` and
``time_used``; 413 is plain text. 403 means two different things, so the code in the body decides,
never the status alone, and a code that arrives with the wrong status is treated as unexpected.
"""

from __future__ import annotations

from typing import Any

import requests

from airflow_provider_faceid import exceptions as exc

# The status each error code must arrive with; a mismatch means we are not talking to FaceID.
_STATUS_OF_CODE = {
    exc.MISSING_ARGUMENTS: 400,
    exc.IMAGE_ERROR_UNSUPPORTED_FORMAT: 400,
    exc.AUTHORIZATION_ERROR: 403,
    exc.CONCURRENCY_LIMIT_EXCEEDED: 403,
    exc.API_NOT_FOUND: 404,
}
_SNIPPET = 120


def _json_object(response: requests.Response) -> dict[str, Any] | None:
    try:
        body = response.json()
    except (ValueError, RecursionError):  # RecursionError: nesting deeper than the decoder's stack
        return None
    return body if isinstance(body, dict) else None


def _milliseconds(value: object) -> float | None:
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return None
    try:
        return float(value)
    except OverflowError:  # a JSON integer too large for a float
        return None


def _snippet(response: requests.Response) -> str:
    text = response.text.strip().replace("\n", " ")
    ctype = response.headers.get("Content-Type", "no Content-Type")
    return f"{ctype}, body {text[:_SNIPPET]!r}{'...' if len(text) > _SNIPPET else ''}"


def decode_success(response: requests.Response, *, url: str) -> dict[str, Any]:
    """The JSON object of a 200 answer, exactly as sent."""
    body = _json_object(response)
    if body is None:
        raise exc.FaceIdUnexpectedResponseError(
            f"POST {url} answered 200 without a JSON object ({_snippet(response)})", http_status=200
        )
    return body


def error_from_response(
    response: requests.Response, *, url: str, conn_id: str, sent_bytes: int
) -> exc.FaceIdError:
    """The typed error for a non-200 answer."""
    status = response.status_code
    body = _json_object(response) or {}
    message = body.get("error_message")
    message = message.strip() if isinstance(message, str) else ""
    code, _, detail = message.partition(":")
    code, detail = code.strip(), detail.strip()
    rid = body.get("request_id")
    time_used = body.get("time_used")
    meta: dict[str, Any] = {
        "http_status": status,
        "request_id": str(rid) if rid is not None else None,
        "time_used": _milliseconds(time_used),
    }

    if status == 413:
        return exc.FaceIdRequestTooLargeError(
            f"the request ({sent_bytes} bytes) is over the API's 2 MB limit; re-encode or downscale the "
            "image before sending it",
            **meta,
        )
    if status == 404:
        # Also for non-JSON 404s: a proxy or another web server at that address is the usual cause.
        return exc.FaceIdApiNotFoundError(
            f"POST {url} answered 404 ({message or 'no FaceID error_message'}): the host or path of "
            f"connection {conn_id!r} is probably wrong; it should be the API root such as "
            "https://api.faceid.com",
            **meta,
        )
    if 500 <= status < 600:
        return exc.FaceIdInternalError(
            f"the API failed on its side ({message or _snippet(response)}); the API doc says to try again",
            **meta,
        )
    if 300 <= status < 400:
        # Redirects are not followed: a 307/308 would re-send the api_secret to wherever it points.
        return exc.FaceIdUnexpectedResponseError(
            f"POST {url} was redirected to {response.headers.get('Location', '?')!r}; set the host of "
            f"connection {conn_id!r} to the final https:// address",
            **meta,
        )
    if _STATUS_OF_CODE.get(code) != status:
        return exc.FaceIdUnexpectedResponseError(
            f"POST {url} answered HTTP {status} with "
            + (f"error_message {message!r}" if message else _snippet(response))
            + ", which the FaceID contract does not describe",
            **meta,
        )
    if code == exc.MISSING_ARGUMENTS:
        return exc.FaceIdMissingArgumentsError(
            f"the API says the form field {detail or '?'!r} is missing"
            + (f" or empty: check the login/password of connection {conn_id!r}" if detail != "image" else ""),
            argument=detail or None,
            **meta,
        )
    if code == exc.IMAGE_ERROR_UNSUPPORTED_FORMAT:
        return exc.FaceIdUnsupportedImageError(
            "the API could not decode the image; it may not be an image file", **meta
        )
    if code == exc.AUTHORIZATION_ERROR:
        return exc.FaceIdAuthorizationError(
            f"the API rejected the api_key/api_secret (or the key may not call this API): check the login "
            f"(API Key) and password (API Secret) of connection {conn_id!r}",
            **meta,
        )
    # Only CONCURRENCY_LIMIT_EXCEEDED is left: API_NOT_FOUND arrives with 404, handled above.
    return exc.FaceIdConcurrencyLimitError(
        "the account has more requests in flight than its concurrency limit allows; the credentials are fine",
        **meta,
    )


def error_from_transport(error: requests.RequestException, *, url: str) -> exc.FaceIdError:
    """The typed error for a request that got no HTTP answer.

    requests' own text names the host, port and path only (the secret travels in the body), so it is
    kept: it tells refused from DNS failure from TLS trouble.
    """
    if isinstance(error, requests.Timeout):  # before ConnectionError: ConnectTimeout is both
        phase = "connect" if isinstance(error, requests.ConnectTimeout) else "read"
        return exc.FaceIdTimeoutError(f"no answer from POST {url} within the {phase} timeout ({error})")
    if isinstance(error, (requests.ConnectionError, requests.exceptions.ChunkedEncodingError)):
        return exc.FaceIdConnectionError(f"cannot reach POST {url} ({error})")
    return exc.FaceIdUnexpectedResponseError(f"POST {url} failed: {type(error).__name__}: {error}")
