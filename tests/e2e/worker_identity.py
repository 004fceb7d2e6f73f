"""``[core] hostname_callable`` for Celery workers of an end-to-end stack: one name per worker.

Every worker of a test deployment runs on this one machine, so the default (the FQDN) would give
all task instances the same ``hostname`` and hide which worker ran what. ``AirflowStack`` starts
each worker with ``FACEID_E2E_WORKER_HOSTNAME=workerN`` and points ``hostname_callable`` here; the
task processes a worker forks inherit both, so each task instance records its worker's name.
"""

from __future__ import annotations

import os
import socket

WORKER_HOSTNAME_VARIABLE = "FACEID_E2E_WORKER_HOSTNAME"


def hostname() -> str:
    """The worker's name from the environment, else the machine's FQDN (Airflow's default)."""
    return os.environ.get(WORKER_HOSTNAME_VARIABLE) or socket.getfqdn()
