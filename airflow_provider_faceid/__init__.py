"""Apache Airflow provider for the FaceID ID-card OCR API."""

from __future__ import annotations

from typing import Any

__version__ = "0.1.0"


def _seconds_field(label: str, description: str, default: float, *, zero_ok: bool = False) -> dict[str, Any]:
    bound = {"minimum": 0} if zero_ok else {"exclusiveMinimum": 0}
    return {
        "label": label,
        "description": description,
        "schema": {"type": ["number", "null"], "default": default, **bound},
    }


def _conn_fields() -> dict[str, Any]:
    """Typed extras, rendered by Airflow 3.2+ as form fields and stored in Connection.extra."""
    from airflow_provider_faceid.hooks import faceid_settings as s

    return {
        "timeout": _seconds_field(
            "Read timeout (s)", "Seconds to wait for the API's answer.", s.DEFAULT_TIMEOUT
        ),
        "connect_timeout": _seconds_field(
            "Connect timeout (s)", "Seconds to wait for the TCP/TLS connection.", s.DEFAULT_CONNECT_TIMEOUT
        ),
        "legality": {
            "label": "Legality check",
            "description": "Ask the API for the photo legality scores (ID Photo, Photocopy, Screen, ...).",
            "schema": {"type": ["boolean", "null"], "default": False},
        },
        "max_attempts": {
            "label": "Max attempts",
            "description": "Attempts per image, first one included; only retryable errors are retried.",
            "schema": {"type": ["integer", "null"], "default": s.DEFAULT_MAX_ATTEMPTS, "minimum": 1},
        },
        "backoff_initial": _seconds_field(
            "Initial backoff (s)",
            "Cap of the first random wait before a retry; the cap doubles at each retry.",
            s.DEFAULT_BACKOFF_INITIAL,
            zero_ok=True,
        ),
        "backoff_max": _seconds_field(
            "Max backoff (s)",
            "Largest cap of the random wait between retries.",
            s.DEFAULT_BACKOFF_MAX,
            zero_ok=True,
        ),
        "retry_deadline": _seconds_field(
            "Retry deadline (s)",
            "No new attempt starts this many seconds after the first one.",
            s.DEFAULT_RETRY_DEADLINE,
        ),
        "allow_insecure_http": {
            "label": "Allow plain HTTP",
            "description": "Allow http:// to a non-loopback host. The API doc requires HTTPS in production: "
            "plain HTTP exposes the API secret and the card images.",
            "schema": {"type": ["boolean", "null"], "default": False},
        },
    }


def get_provider_info() -> dict[str, Any]:
    """Provider metadata read by Airflow's ProvidersManager (entry point ``apache_airflow_provider``)."""
    return {
        "package-name": "airflow-provider-faceid",
        "name": "FaceID",
        "description": "FaceID ID-card OCR API (https://api.faceid.com) and faceid-local.",
        "versions": [__version__],
        "integrations": [
            {
                "integration-name": "FaceID",
                "external-doc-url": "https://api.faceid.com/faceid/v1/ocridcard",
                "tags": ["service"],
            }
        ],
        "hooks": [{"integration-name": "FaceID", "python-modules": ["airflow_provider_faceid.hooks.faceid"]}],
        "operators": [
            {
                "integration-name": "FaceID",
                "python-modules": [
                    "airflow_provider_faceid.operators.faceid",
                    "airflow_provider_faceid.operators.lifecycle",
                ],
            }
        ],
        "connection-types": [
            {
                "connection-type": "faceid",
                "hook-class-name": "airflow_provider_faceid.hooks.faceid.FaceIdHook",
                "hook-name": "FaceID",
                "conn-fields": _conn_fields(),
                "ui-field-behaviour": {
                    "hidden-fields": ["schema", "extra"],
                    "relabeling": {"host": "API base URL", "login": "API Key", "password": "API Secret"},
                    "placeholders": {
                        "host": "https://api.faceid.com",
                        "port": "443 (leave empty to use the URL's)",
                        "login": "api_key",
                        "password": "api_secret",
                    },
                },
            }
        ],
    }
