"""Reading a band: its darkest print."""

from __future__ import annotations

import numpy as np

from airflow_provider_faceid.local.engine.bands import dark_print


def test_dark_print_keeps_the_print_and_turns_a_grey_mark_to_paper() -> None:
    grey = np.full((40, 200), 230, np.uint8)
    grey[5:35, 20:60] = 150  # a grey mark
    grey[10:30, 100:120] = 20  # black print
    kept = dark_print(grey)
    assert (kept[10:30, 100:120] == 20).all()
    assert (kept[5:35, 20:60] == 255).all()
    assert (kept[:, :10] == 255).all()
