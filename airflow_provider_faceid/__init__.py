"""Apache Airflow provider for the FaceID ID-card OCR API."""

from __future__ import annotations

__version__ = "0.1.0"


def get_provider_info() -> dict:
    """Provider metadata read by Airflow's ProvidersManager (entry point ``apache_airflow_provider``)."""
    return {
        "package-name": "airflow-provider-faceid",
        "name": "FaceID",
        "description": "FaceID ID-card OCR API (https://api.faceid.com) and faceid-local.",
        "versions": [__version__],
        "connection-types": [
            {
                "connection-type": "faceid",
                "hook-class-name": "airflow_provider_faceid.hooks.faceid.FaceIdHook",
            }
        ],
    }
