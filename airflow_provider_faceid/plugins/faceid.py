"""``FaceIdPlugin``: the FaceID page in Airflow's menu, registered by the ``airflow.plugins`` entry point.

Every Airflow component (scheduler, workers, triggerer, DAG processor, CLI) imports the plugins it
finds, so this module imports nothing but Airflow's plugin base class. The FastAPI app, the queries
and the database drivers are imported by the first request the api-server passes to the page.
"""

from __future__ import annotations

import threading
from typing import Any

from airflow.plugins_manager import AirflowPlugin

URL_PREFIX = "/faceid"


class LazyPageApp:
    """An ASGI app that builds the real one (:func:`airflow_provider_faceid.plugins.app.create_app`)
    on its first call, so that loading the plugin costs no FastAPI or SQLAlchemy import."""

    def __init__(self) -> None:
        self._app: Any = None
        self._lock = threading.Lock()

    def _build(self) -> Any:
        with self._lock:
            if self._app is None:
                from airflow_provider_faceid.plugins.app import create_app

                self._app = create_app()
            return self._app

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        app = self._app if self._app is not None else self._build()
        await app(scope, receive, send)


class FaceIdPlugin(AirflowPlugin):
    """What was loaded, what failed and what needs re-capture, as a page of Airflow's UI."""

    name = "faceid"
    fastapi_apps = [  # noqa: RUF012 (AirflowPlugin declares these as plain class lists)
        {"app": LazyPageApp(), "url_prefix": URL_PREFIX, "name": "FaceID page"}
    ]
    external_views = [  # noqa: RUF012
        {
            "name": "FaceID",
            "href": URL_PREFIX + "/",
            "destination": "nav",
            "category": "browse",
            "url_route": "faceid",
        }
    ]
