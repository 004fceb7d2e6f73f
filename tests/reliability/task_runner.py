"""Run FaceIdOcrToPostgresOperator once in its own process, so a scenario can SIGKILL the task.

``python -m tests.reliability.task_runner --source DIR --schema S [--commit-every N] [--max-in-flight N]``
with the AIRFLOW_CONN_* variables of tests.reliability.scenarios set; prints the summary as JSON.
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

from tests.reliability.scenarios import run_task


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--source", type=Path, required=True)
    parser.add_argument("--schema", required=True)
    parser.add_argument("--commit-every", type=int, default=500)
    parser.add_argument("--max-in-flight", type=int, default=2)
    args = parser.parse_args()
    run = run_task(
        source=args.source,
        schema=args.schema,
        run_id="killed__1",
        capture=False,  # straight to the parent's file: this process dies before it could hand logs over
        commit_every=args.commit_every,
        max_in_flight=args.max_in_flight,
    )
    if run.error is not None:
        raise SystemExit(f"task failed: {type(run.error).__name__}")
    print(json.dumps(run.summary), flush=True)


if __name__ == "__main__":
    main()
