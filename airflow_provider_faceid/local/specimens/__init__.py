"""Synthetic ID-card specimens with ground truth: person data, rendering, fonts, capture effects.

``generate`` and ``read_truth`` stay importable from here; ``python -m
airflow_provider_faceid.local.specimens`` writes specimens.
"""

from airflow_provider_faceid.local.specimens.generate import generate, read_truth, with_jpeg_comment

__all__ = ["generate", "read_truth", "with_jpeg_comment"]
