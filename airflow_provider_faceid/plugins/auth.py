"""Who may see the FaceID page: Airflow's own authentication, or nobody.

Airflow mounts plugin apps without protecting them, so every route of the page depends on
``requires_authenticated()`` and ``requires_access_view(AccessView.WEBSITE)`` from
``airflow.api_fastapi.core_api.security``: the caller's JWT (cookie of the UI session or bearer
token) must be valid and the auth manager must let its user see the website. When that module
cannot be imported (an Airflow without the FastAPI API, a broken install), every request is refused:
the page never falls open.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

from fastapi import Depends, HTTPException, status

log = logging.getLogger(__name__)

UNAVAILABLE = "FaceID page: Airflow's authentication could not be loaded; access is refused"


def _refuse() -> None:
    raise HTTPException(status_code=status.HTTP_403_FORBIDDEN, detail=UNAVAILABLE)


def route_dependencies(
    load: Callable[[], tuple[Callable[..., Any], ...]] | None = None,
) -> list[Any]:
    """FastAPI dependencies for every route; ``load`` returns the checks (tests replace it)."""
    try:
        checks = (load or _airflow_checks)()
    except ImportError:
        log.error(UNAVAILABLE, exc_info=True)
        return [Depends(_refuse)]
    return [Depends(check) for check in checks]


def _airflow_checks() -> tuple[Callable[..., Any], ...]:
    from airflow.api_fastapi.auth.managers.models.resource_details import AccessView
    from airflow.api_fastapi.core_api.security import requires_access_view, requires_authenticated

    return requires_authenticated(), requires_access_view(AccessView.WEBSITE)
