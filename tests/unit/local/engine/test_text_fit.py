"""The view fitted to the text lines: level, cropped, at reading size, mapped back to the source."""

from __future__ import annotations

import math

import numpy as np

from airflow_provider_faceid.local.engine.card_geometry import frame_view
from airflow_provider_faceid.local.engine.text_fit import text_fitted_view
from airflow_provider_faceid.local.engine.textline import TextLine


def tilted_line(x: float, y: float, *, length: float, height: float, degrees: float) -> TextLine:
    angle = math.radians(degrees)
    along = np.array([math.cos(angle), math.sin(angle)])
    down = np.array([-math.sin(angle), math.cos(angle)])
    lt = np.array([x, y])
    corners = (lt, lt + along * length, lt + along * length + down * height, lt + down * height)
    return TextLine(text="文字", box=tuple((float(p[0]), float(p[1])) for p in corners), score=0.95)  # type: ignore[arg-type]


def test_small_tilted_text_is_levelled_and_scaled_to_reading_size() -> None:
    source = np.full((1200, 1600, 3), 200, np.uint8)
    lines = [tilted_line(400, 300 + 30 * i, length=200, height=14, degrees=6) for i in range(5)]
    view = text_fitted_view(frame_view(source), lines)
    assert view is not None
    # 14 px lines become ~28 px: the view is about twice the size of the text block.
    assert 450 < view.image.shape[1] < 700
    # The view's top-left corner maps back near the text's top-left, minus the margin.
    (x, y), *_ = view.to_source_normalized(np.array([[0.0, 0.0]]))
    assert 340 < x * 1600 < 400 and 250 < y * 1200 < 300


def test_text_already_level_and_at_reading_size_needs_no_new_view() -> None:
    source = np.full((540, 856, 3), 200, np.uint8)
    lines = [tilted_line(100, 100 + 45 * i, length=300, height=28, degrees=0) for i in range(5)]
    assert text_fitted_view(frame_view(source), lines) is None


def test_too_few_lines_give_no_view() -> None:
    source = np.full((540, 856, 3), 200, np.uint8)
    lines = [tilted_line(100, 100, length=300, height=12, degrees=5)]
    assert text_fitted_view(frame_view(source), lines) is None
