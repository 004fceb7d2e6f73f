"""Which specimen seeds are for what, so that measurement and tuning never share material.

* ``BENCHMARK_SEEDS``: the held-out specimens of ``benchmarks/ocr_accuracy.py``, one seed per
  renderer. No test and no tuning run may use them (``tests/unit/local/specimens/test_seeds.py``
  fails if their numbers appear anywhere else in the code): a benchmark only measures
  generalisation while nothing was fitted to its images.
* ``NEVER_BELOW_BASELINE_SEEDS``: the sample of
  ``tests/integration/local/test_never_below_baseline.py``, one seed per renderer.
* ``TUNING_SEEDS``: free for experiments, thresholds and unit tests: 1000-1999 tuned the engine
  on the classic generator in earlier sessions, 3000-3999 on both held-out renderers and captures.

* ``DEMO_SEED``: the demo's cards (``scripts/demo.py``).
* ``TEST_SEEDS``: the specimens of the pipeline, scale-out and reliability tests, by test. These
  are the classic generator's older seeds; they are neither benchmark nor tuning material.
"""

from __future__ import annotations

BENCHMARK_SEEDS: dict[str, int] = {"classic": 7101, "studio": 7201, "folio": 7401}
NEVER_BELOW_BASELINE_SEEDS: dict[str, int] = {"classic": 7301, "studio": 7302, "folio": 7303}
TUNING_SEEDS = (*range(1000, 2000), *range(3000, 4000))
DEMO_SEED = 7
TEST_SEEDS: dict[str, int] = {
    "celery_scale_out": 7,
    "pool_under_scheduler": 5,
    "dag_runs_2019": 11,
    "dag_runs_2020": 12,
    "operator": 424242,
    "bad_inputs": 424242,
    "reliability": 61061,
}
