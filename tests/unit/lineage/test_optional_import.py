"""Without the ``lineage`` extra the operator works and imports nothing of OpenLineage."""

from __future__ import annotations

import subprocess
import sys
import textwrap


def test_the_operator_needs_no_openlineage_package() -> None:
    # A None entry in sys.modules makes any import of that module fail, as if it were not installed.
    # (Airflow's own providers manager still reads the provider's get_provider_info: not ours.)
    script = textwrap.dedent(
        """
        import sys
        for blocked in (
            "openlineage",
            "airflow.providers.openlineage.extractors",
            "airflow.providers.common.compat.openlineage",
        ):
            sys.modules[blocked] = None
        from airflow_provider_faceid.operators.faceid import FaceIdOcrToPostgresOperator
        FaceIdOcrToPostgresOperator(task_id="ocr", source="/data/scans")
        loaded = [m for m in sys.modules if m.startswith("airflow_provider_faceid.lineage")]
        assert loaded == [], loaded
        print("ok")
        """
    )
    result = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr[-3000:]
    assert result.stdout.strip().endswith("ok")
