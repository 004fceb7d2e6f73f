"""Turn a ``faceid`` Airflow connection into validated client settings.

Precedence is constructor argument > connection extra > default. URI-form connections deliver every
extra as a string ("true", "30"), so each value is coerced here with an error that names the
connection and the extra. The HTTPS policy lives here too: it must hold before any byte is sent.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any, TypeVar
from urllib.parse import urlsplit, urlunsplit

from airflow_provider_faceid.exceptions import FaceIdInsecureConnectionError

DEFAULT_BASE_URL = "https://api.faceid.com"
OCR_IDCARD_PATH = "/faceid/v1/ocridcard"

DEFAULT_TIMEOUT = 30.0
DEFAULT_CONNECT_TIMEOUT = 5.0
DEFAULT_MAX_ATTEMPTS = 5
DEFAULT_BACKOFF_INITIAL = 0.5
DEFAULT_BACKOFF_MAX = 30.0
DEFAULT_RETRY_DEADLINE = 120.0

# Every extra the connection understands; anything else is most likely a typo worth a warning.
KNOWN_EXTRAS = (
    "timeout",
    "connect_timeout",
    "legality",
    "max_attempts",
    "backoff_initial",
    "backoff_max",
    "retry_deadline",
    "allow_insecure_http",
)

_TRUE = {"true", "1", "yes", "y", "on"}
_FALSE = {"false", "0", "no", "n", "off"}

T = TypeVar("T")


class FaceIdConfigurationError(ValueError):
    """A connection field or hook argument has a value the hook cannot use."""


def to_bool(value: object) -> bool:
    if isinstance(value, bool):
        return value
    if isinstance(value, int) and value in (0, 1):
        return bool(value)
    if isinstance(value, str) and value.strip().lower() in _TRUE | _FALSE:
        return value.strip().lower() in _TRUE
    raise ValueError(f"expected a boolean (true/false, 1/0, yes/no), got {value!r}")


def _to_seconds(value: object, *, allow_zero: bool) -> float:
    bound = "zero or more" if allow_zero else "more than zero"
    if isinstance(value, bool):
        raise ValueError(f"expected a number of seconds ({bound}), got {value!r}")
    try:
        number = float(value)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        raise ValueError(f"expected a number of seconds ({bound}), got {value!r}") from None
    if not (number >= 0 if allow_zero else number > 0) or number == float("inf"):
        raise ValueError(f"expected a finite number of seconds ({bound}), got {value!r}")
    return number


def to_positive_float(value: object) -> float:
    return _to_seconds(value, allow_zero=False)


def to_non_negative_float(value: object) -> float:
    return _to_seconds(value, allow_zero=True)


def to_positive_int(value: object) -> int:
    if isinstance(value, bool):
        raise ValueError(f"expected a whole number >= 1, got {value!r}")
    try:
        number = float(value)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        raise ValueError(f"expected a whole number >= 1, got {value!r}") from None
    if not number.is_integer() or number < 1:
        raise ValueError(f"expected a whole number >= 1, got {value!r}")
    return int(number)


@dataclass(frozen=True)
class FaceIdSettings:
    """Everything the hook needs to call the API; the secret is left out of the repr."""

    conn_id: str
    base_url: str
    api_key: str
    api_secret: str = field(repr=False)
    timeout: float = DEFAULT_TIMEOUT
    connect_timeout: float = DEFAULT_CONNECT_TIMEOUT
    legality: bool = False
    max_attempts: int = DEFAULT_MAX_ATTEMPTS
    backoff_initial: float = DEFAULT_BACKOFF_INITIAL
    backoff_max: float = DEFAULT_BACKOFF_MAX
    retry_deadline: float = DEFAULT_RETRY_DEADLINE
    allow_insecure_http: bool = False

    @property
    def ocr_idcard_url(self) -> str:
        return self.base_url + OCR_IDCARD_PATH


def _pick(
    conn_id: str,
    name: str,
    override: object,
    extras: Mapping[str, Any],
    coerce: Callable[[object], T],
    default: T,
) -> T:
    """Constructor override, then the extra (plain or the legacy ``extra__faceid__`` key), then default."""
    source, raw = "argument", override
    if raw is None:
        source = "extra"
        raw = extras.get(name, extras.get(f"extra__faceid__{name}"))
    if raw is None or (isinstance(raw, str) and not raw.strip()):
        return default
    try:
        return coerce(raw)
    except ValueError as err:
        raise FaceIdConfigurationError(f"FaceID connection {conn_id!r}: {source} {name!r}: {err}") from None


def is_loopback(hostname: str) -> bool:
    if hostname.lower() == "localhost":
        return True
    try:
        return ipaddress.ip_address(hostname).is_loopback
    except ValueError:
        return False


def build_base_url(conn_id: str, host: str | None, port: int | None, schema: str | None) -> str:
    """``scheme://host[:port][/prefix]`` from the connection's host, port and schema fields.

    The host may carry its own scheme. Without one, ``schema`` ("http"/"https") decides, and without
    that loopback hosts get ``http`` (faceid-local speaks plain HTTP) and every other host ``https``.
    """
    host = (host or "").strip()
    if not host:
        host = DEFAULT_BASE_URL
    try:
        ipaddress.IPv6Address(host)
        host = f"[{host}]"  # a bare IPv6 literal needs brackets before a port can follow it
    except ValueError:
        pass
    parts = urlsplit(host if "://" in host else "//" + host)
    scheme = (parts.scheme or (schema or "").strip()).lower()
    if scheme not in ("", "http", "https"):
        raise FaceIdConfigurationError(
            f"FaceID connection {conn_id!r}: scheme {scheme!r} is not supported; use https:// (or http:// "
            "for a local server)"
        )
    if parts.username or parts.password:
        raise FaceIdConfigurationError(
            f"FaceID connection {conn_id!r}: the host must not carry credentials; put the API key in "
            "login and the API secret in password"
        )
    try:
        hostname, url_port = parts.hostname or "", parts.port
    except ValueError as err:
        raise FaceIdConfigurationError(f"FaceID connection {conn_id!r}: bad host: {err}") from None
    if not hostname:
        raise FaceIdConfigurationError(f"FaceID connection {conn_id!r}: host {host!r} names no server")
    if url_port and port and url_port != port:
        raise FaceIdConfigurationError(
            f"FaceID connection {conn_id!r}: host says port {url_port} but the port field says {port}"
        )
    scheme = scheme or ("http" if is_loopback(hostname) else "https")
    netloc = f"[{hostname}]" if ":" in hostname else hostname
    if url_port or port:
        netloc += f":{url_port or port}"
    # A pasted full endpoint URL is a common slip; keep only the API root.
    path = parts.path.rstrip("/").removesuffix(OCR_IDCARD_PATH).rstrip("/")
    return urlunsplit((scheme, netloc, path, "", ""))


def check_transport_security(conn_id: str, base_url: str, *, allow_insecure_http: bool) -> None:
    """Refuse plain HTTP to anything but loopback unless the connection opts in explicitly."""
    parts = urlsplit(base_url)
    if parts.scheme == "https" or allow_insecure_http or is_loopback(parts.hostname or ""):
        return
    raise FaceIdInsecureConnectionError(
        f"connection {conn_id!r} points at plain {base_url}: the FaceID API documentation requires HTTPS "
        "in production, and plain HTTP is an insecure link that would expose the api_secret and the card "
        "images to anyone on the path. Use https://, or set the extra allow_insecure_http=true for a "
        "trusted private network."
    )


def resolve_settings(
    *,
    conn_id: str,
    host: str | None,
    port: int | None,
    schema: str | None,
    login: str | None,
    password: str | None,
    extras: Mapping[str, Any],
    overrides: Mapping[str, object],
) -> FaceIdSettings:
    """Merge overrides, extras and defaults into checked settings (raises before any request is made)."""

    def pick(name: str, coerce: Callable[[object], T], default: T) -> T:
        return _pick(conn_id, name, overrides.get(name), extras, coerce, default)

    backoff_initial = pick("backoff_initial", to_non_negative_float, DEFAULT_BACKOFF_INITIAL)
    settings = FaceIdSettings(
        conn_id=conn_id,
        base_url=build_base_url(conn_id, host, port, schema),
        api_key=login or "",
        api_secret=password or "",
        timeout=pick("timeout", to_positive_float, DEFAULT_TIMEOUT),
        connect_timeout=pick("connect_timeout", to_positive_float, DEFAULT_CONNECT_TIMEOUT),
        legality=pick("legality", to_bool, False),
        max_attempts=pick("max_attempts", to_positive_int, DEFAULT_MAX_ATTEMPTS),
        backoff_initial=backoff_initial,
        backoff_max=pick("backoff_max", to_non_negative_float, max(DEFAULT_BACKOFF_MAX, backoff_initial)),
        retry_deadline=pick("retry_deadline", to_positive_float, DEFAULT_RETRY_DEADLINE),
        allow_insecure_http=pick("allow_insecure_http", to_bool, False),
    )
    check_transport_security(conn_id, settings.base_url, allow_insecure_http=settings.allow_insecure_http)
    return settings
