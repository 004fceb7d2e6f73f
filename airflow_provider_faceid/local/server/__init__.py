"""faceid-local's HTTP server: protocol, forms, limits, counters, faults and the replay cache."""

from airflow_provider_faceid.local.server.app import (
    MAX_BODY_BYTES,
    RunningServer,
    ServerOptions,
    new_request_id,
    start_server,
)

__all__ = ["MAX_BODY_BYTES", "RunningServer", "ServerOptions", "new_request_id", "start_server"]
