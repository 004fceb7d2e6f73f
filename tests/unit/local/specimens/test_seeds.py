"""Benchmark seeds stay out of tests, scripts, DAGs and the package: held-out means never looked at."""

from __future__ import annotations

import re
from pathlib import Path

from airflow_provider_faceid.local.specimens import seeds
from airflow_provider_faceid.local.specimens.seeds import (
    BENCHMARK_SEEDS,
    NEVER_BELOW_BASELINE_SEEDS,
    TUNING_SEEDS,
)

ROOT = Path(__file__).resolve().parents[4]
SCANNED = ("tests", "scripts", "dags", "airflow_provider_faceid")
# Built from the constants so that this file does not hold the literals it looks for.
BENCHMARK_LITERAL = re.compile(r"(?<![\d.])(?:" + "|".join(map(str, BENCHMARK_SEEDS.values())) + r")(?![\d])")


def scanned_files() -> list[Path]:
    files = [
        path for folder in SCANNED for pattern in ("*.py", "*.sh") for path in (ROOT / folder).rglob(pattern)
    ]
    return [path for path in files if path.resolve() != Path(seeds.__file__).resolve()]


def test_no_benchmark_seed_outside_seeds_module() -> None:
    files = scanned_files()
    assert len(files) > 50, "the scan found too few files: is ROOT the checkout?"
    offenders = [
        str(path.relative_to(ROOT))
        for path in files
        if BENCHMARK_LITERAL.search(path.read_text("utf-8", errors="replace"))
    ]
    assert not offenders, (
        f"benchmark seeds {sorted(BENCHMARK_SEEDS.values())} used in: {', '.join(offenders)}"
    )


def test_seed_purposes_do_not_overlap() -> None:
    benchmark = set(BENCHMARK_SEEDS.values())
    assert not benchmark & set(NEVER_BELOW_BASELINE_SEEDS.values())
    assert not benchmark & set(TUNING_SEEDS)
    assert not set(NEVER_BELOW_BASELINE_SEEDS.values()) & set(TUNING_SEEDS)
