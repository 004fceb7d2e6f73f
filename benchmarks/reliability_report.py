"""Reliability report: every fault scenario and the bad-input scenario, one table row each.

    .venv/bin/python benchmarks/reliability_report.py [--only NAME ...]

Each scenario runs real processes (faceid-local, PostgreSQL, a task process it kills; see
tests/reliability/scenarios.py), then one re-run once the fault is gone, and reports the ledger
after both runs: staged images, where they ended (loaded / failed), duplicate rows, images in
neither or both tables (lost), and how many secrets (the api_secret, names and ID numbers of the
staged specimens) appear in captured logs, XCom summaries, the failure/source tables, exception
texts and the server logs. Notes say what the fault run left and what the re-run cost; problems
are printed under the table and make the exit status 1.

Run from the repository root; the database comes from tests/fixtures/postgres.py
(``FACEID_TEST_DATABASE_URL`` or a throwaway database on 127.0.0.1:5432, else a throwaway cluster).
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:  # the scenarios live in tests/, importable from the repository root
    sys.path.insert(0, str(ROOT))

from tests.fixtures.postgres import acquire_database  # noqa: E402
from tests.reliability.bad_input_scenarios import bad_inputs_scenario  # noqa: E402
from tests.reliability.scenarios import (  # noqa: E402
    FAULT_SCENARIOS,
    Bench,
    ScenarioResult,
    captured_output,
    prepare_bench,
)

COLUMNS = ("scenario", "staged", "loaded", "failed", "duplicates", "lost", "secret leaks")


def bad_inputs(bench: Bench) -> ScenarioResult:
    # Its own capture misses what Airflow's task logger prints straight to the terminal; catch
    # that here so the table is not interleaved with log lines.
    with captured_output():
        return bad_inputs_scenario(bench)


def all_scenarios() -> dict[str, Callable[[Bench], ScenarioResult]]:
    return {**FAULT_SCENARIOS, "bad_inputs": bad_inputs}


def table(results: list[ScenarioResult]) -> str:
    lines = ["| " + " | ".join(COLUMNS) + " |", "|" + "|".join(" --- " for _ in COLUMNS) + "|"]
    for r in results:
        cells = (r.name, r.staged, r.loaded, r.failed, r.duplicates, r.lost, r.leaks)
        lines.append("| " + " | ".join(str(c) for c in cells) + " |")
    return "\n".join(lines)


def main() -> int:
    scenarios = all_scenarios()
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--only", nargs="+", choices=sorted(scenarios), help="run these scenarios only")
    args = parser.parse_args()
    chosen = {k: v for k, v in scenarios.items() if not args.only or k in args.only}

    results: list[ScenarioResult] = []
    seconds: dict[str, float] = {}
    started = time.monotonic()
    with acquire_database() as url, tempfile.TemporaryDirectory(prefix="faceid-reliability-") as tmp:
        bench = prepare_bench(workdir=Path(tmp), postgres_url=url)
        for name, run in chosen.items():
            t0 = time.monotonic()
            try:
                result = run(bench)
            except Exception as exc:  # one broken scenario must not hide the others' rows
                result = ScenarioResult(
                    name, 0, 0, 0, 0, 0, 0, problems=(f"crashed: {type(exc).__name__}: {exc}",)
                )
            seconds[name] = time.monotonic() - t0
            results.append(result)
            print(f"... {result.name}: {seconds[name]:.1f} s", file=sys.stderr, flush=True)

    print(table(results))
    print()
    for name, r in zip(chosen, results, strict=True):
        print(f"- {r.name} ({seconds[name]:.0f} s): {r.notes}")
    problems = [(r.name, p) for r in results for p in r.problems]
    for scenario, problem in problems:
        print(f"PROBLEM {scenario}: {problem}")
    print(f"\n{len(results)} scenarios in {time.monotonic() - started:.0f} s, {len(problems)} problems")
    return 1 if problems else 0


if __name__ == "__main__":
    raise SystemExit(main())
