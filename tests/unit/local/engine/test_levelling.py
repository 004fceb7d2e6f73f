"""Levelling a tilted reading: its boxes for the parser, its pixels and boxes for the rescues."""

from __future__ import annotations

import cv2
import numpy as np

from airflow_provider_faceid.local.engine.levelling import Levelling, levelled
from airflow_provider_faceid.local.engine.textline import TextLine
from tests.unit.local.lines import tilted


def rows(degrees: float) -> list[TextLine]:
    return [tilted(f"行{i}", 100, 100 + 60 * i, degrees) for i in range(4)]


def test_a_level_reading_is_left_as_it_is() -> None:
    assert Levelling.of(rows(0.5), (856, 540)) is None
    assert levelled(rows(0.5)) == rows(0.5)


def test_a_tilted_readings_boxes_are_turned_level_and_back() -> None:
    lines = rows(5)
    levelling = Levelling.of(lines, (856, 540))
    assert levelling is not None
    for line in levelling.lines(lines):
        (_, top_left), (_, top_right) = line.box[0], line.box[1]
        assert abs(top_right - top_left) < 1e-6
    for back, line in zip(levelling.undone(levelling.lines(lines)), lines, strict=True):
        assert np.allclose(back.box, line.box)


def test_a_tilted_readings_pixels_turn_with_its_boxes_and_none_is_cut_off() -> None:
    image = np.full((540, 856, 3), 255, np.uint8)
    lines = rows(5)
    for line in lines:
        cv2.fillPoly(image, [np.array(line.box, np.int32)], (0, 0, 0))
    levelling = Levelling.of(lines, (856, 540))
    assert levelling is not None
    turned = levelling.image(image)
    # Every corner of the frame turned lies in the new image: it is larger than the frame.
    assert turned.shape[1] > 856 and turned.shape[0] > 540
    # Each row's print lies inside its levelled box, and the box's rows hold nothing else.
    for line in levelling.lines(lines):
        left, top = round(line.left) + 5, round(line.top) + 5
        right, bottom = round(line.right) - 5, round(line.bottom) - 5
        assert (turned[top:bottom, left:right] < 128).all()
        assert (turned[bottom + 10 : bottom + 20, left:right] > 128).all()
