"""A view of the card fitted to the text the recogniser found: level, cropped and at reading size.

When neither the whole frame nor the found card quadrilateral reads completely (a small card in a
big photo, a card tilted a few degrees, a quad that was not the card), the text lines of the best
reading still say where the card's text is, how it is turned and how big it is. This view turns
the frame so those lines run level, crops to them with a margin and scales them to the line
height the recogniser reads best, so the parser's rows line up again.
"""

from __future__ import annotations

import math

import cv2
import numpy as np

from airflow_provider_faceid.local.engine.card_geometry import CardView
from airflow_provider_faceid.local.engine.textline import TextLine

# Line height (px) at which PP-OCR reads card text best: values are 25-35 px on an 856 px card.
_TARGET_LINE_HEIGHT = 28.0
# Lines far from the typical height are clutter (a table edge, the title, a stamp's ring).
_HEIGHT_BAND = (0.6, 1.8)
# Confident lines only: noise boxes in a photo's background must not stretch the crop.
_MIN_SCORE = 0.7
# Fewer lines than this say too little about where the card is.
_MIN_LINES = 3
# Margin around the text, in line heights: keeps the labels' left edge and a wrapped last line.
_MARGIN = 1.5
_SCALE_RANGE = (0.5, 3.0)
_MAX_SIDE = 1600
# Not worth a read: the fit would change the view by less than this (scale and angle).
_SAME_SCALE = 0.15
_SAME_ANGLE = math.radians(1.5)


def text_fitted_view(view: CardView, lines: list[TextLine]) -> CardView | None:
    """The view turned level on ``lines`` (in ``view`` pixels), cropped and scaled; None when the
    lines are too few or the fit would change little."""
    sure = [line for line in lines if line.score >= _MIN_SCORE]
    if len(sure) < _MIN_LINES:
        return None
    median_height = float(np.median([_line_height(line) for line in sure]))
    low, high = _HEIGHT_BAND
    kept = [line for line in sure if low * median_height <= _line_height(line) <= high * median_height]
    if len(kept) < _MIN_LINES or median_height <= 0:
        return None
    angle = float(np.median([_angle(line) for line in kept]))
    scale = min(max(_TARGET_LINE_HEIGHT / median_height, _SCALE_RANGE[0]), _SCALE_RANGE[1])
    if abs(scale - 1.0) < _SAME_SCALE and abs(angle) < _SAME_ANGLE:
        return None
    corners = np.array([point for line in kept for point in line.box], dtype=np.float64)
    level = _rotation(-angle) @ np.vstack([corners.T, np.ones(len(corners))])
    margin = _MARGIN * median_height
    left, top = level[0].min() - margin, level[1].min() - margin
    right, bottom = level[0].max() + margin, level[1].max() + margin
    scale = min(scale, _MAX_SIDE / max(right - left, bottom - top))
    forward = _scaling(scale) @ _translation(-left, -top) @ _rotation(-angle)
    size = (round((right - left) * scale), round((bottom - top) * scale))
    image = cv2.warpAffine(
        view.image, forward[:2], size, flags=cv2.INTER_CUBIC, borderMode=cv2.BORDER_REPLICATE
    )
    return CardView(
        image, view.to_source @ np.linalg.inv(forward), view.source_size, found_quad=False, fitted=True
    )


def _line_height(line: TextLine) -> float:
    lt, _, _, lb = line.box
    return math.dist(lt, lb)


def _angle(line: TextLine) -> float:
    (x0, y0), (x1, y1) = line.box[0], line.box[1]
    return math.atan2(y1 - y0, x1 - x0)


def _rotation(angle: float) -> np.ndarray:
    c, s = math.cos(angle), math.sin(angle)
    return np.array([[c, -s, 0.0], [s, c, 0.0], [0.0, 0.0, 1.0]])


def _translation(dx: float, dy: float) -> np.ndarray:
    return np.array([[1.0, 0.0, dx], [0.0, 1.0, dy], [0.0, 0.0, 1.0]])


def _scaling(factor: float) -> np.ndarray:
    return np.array([[factor, 0.0, 0.0], [0.0, factor, 0.0], [0.0, 0.0, 1.0]])
