"""Which specimen seeds are for what, so that measurement and tuning never share material.

* ``BENCHMARK_SEEDS``: the held-out specimens of ``benchmarks/ocr_accuracy.py``, one seed per
  renderer. No test and no tuning run may use them (``tests/unit/local/specimens/test_seeds.py``
  fails if their numbers appear anywhere else in the code): a benchmark only measures
  generalisation while nothing was fitted to its images.
* ``NEVER_BELOW_BASELINE_SEEDS``: the sample of
  ``tests/integration/local/test_never_below_baseline.py``, one seed per renderer.
* ``TUNING_SEEDS``: free for experiments, thresholds and unit tests.
"""

from __future__ import annotations

BENCHMARK_SEEDS: dict[str, int] = {"classic": 7101, "studio": 7201}
NEVER_BELOW_BASELINE_SEEDS: dict[str, int] = {"classic": 7301, "studio": 7302}
TUNING_SEEDS = range(3000, 4000)
