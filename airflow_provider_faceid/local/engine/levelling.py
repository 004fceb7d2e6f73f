"""Turn a tilted reading level: its boxes before the parser groups them into rows, and for the
row rescues its pixels with them.

The parser compares tops, bottoms and lefts: a card photographed 7 degrees off level puts the
first address line beside the 出生 label and the number beside the 住址 row. The detector's boxes
carry the tilt themselves (each box follows its line), so their median angle turns every box back
around their common centre; the parser reads no pixel again. A rescue reads a band where the rows
say one lies, and a band is level: so the rescues work on the image turned with the boxes.
"""

from __future__ import annotations

import dataclasses
import math
from dataclasses import dataclass

import cv2
import numpy as np

from airflow_provider_faceid.local.engine.textline import Point, TextLine

# Only lines this many times longer than high say which way the text runs.
_LONG_LINE = 3.0
# Below this tilt the rows are already unambiguous.
_LEVEL_ENOUGH = math.radians(1.0)


def levelled(lines: list[TextLine]) -> list[TextLine]:
    """``lines`` with their boxes turned by minus the median tilt of the long ones."""
    levelling = Levelling.of(lines)
    return levelling.lines(lines) if levelling is not None else lines


@dataclass(frozen=True)
class Levelling:
    """The turn that levels a tilted reading, for its pixels as for its boxes: bands placed from
    level rows run along them (a level band drifts a row's height off a row tilted 3 degrees
    across a card). ``matrix`` maps a point of the reading to the levelled image, which is made
    large enough to hold every pixel turned."""

    matrix: np.ndarray
    size: tuple[int, int]

    @classmethod
    def of(cls, lines: list[TextLine], image_size: tuple[int, int] | None = None) -> Levelling | None:
        """The turn around the boxes' common centre, or None when the reading is level enough.
        Without ``image_size`` the boxes stay around the same centre (no image is turned)."""
        angles = [_angle(line) for line in lines if _length(line) >= _LONG_LINE * max(_height(line), 1e-6)]
        if not angles:
            return None
        tilt = float(np.median(angles))
        if abs(tilt) < _LEVEL_ENOUGH:
            return None
        points = np.array([point for line in lines for point in line.box])
        cx, cy = points.mean(axis=0)
        matrix = cv2.getRotationMatrix2D((float(cx), float(cy)), math.degrees(tilt), 1.0)
        if image_size is None:
            return cls(matrix, (0, 0))
        # Shifted so that the turned image's corners all lie inside it.
        width, height = image_size
        corners = np.array([[0, 0, 1], [width, 0, 1], [width, height, 1], [0, height, 1]], float)
        turned = corners @ matrix.T
        low = turned.min(axis=0)
        matrix[:, 2] -= low
        size = np.ceil(turned.max(axis=0) - low).astype(int)
        return cls(matrix, (int(size[0]), int(size[1])))

    def image(self, bgr: np.ndarray) -> np.ndarray:
        return cv2.warpAffine(
            bgr, self.matrix, self.size, flags=cv2.INTER_LINEAR, borderMode=cv2.BORDER_REPLICATE
        )

    def lines(self, lines: list[TextLine]) -> list[TextLine]:
        return [_moved(line, self.matrix) for line in lines]

    def undone(self, lines: list[TextLine]) -> list[TextLine]:
        """``lines`` of the levelled image back where they lie in the reading."""
        back = cv2.invertAffineTransform(self.matrix)
        return [_moved(line, back) for line in lines]


def _moved(line: TextLine, matrix: np.ndarray) -> TextLine:
    def point(p: Point) -> Point:
        x, y = matrix @ np.array([p[0], p[1], 1.0])
        return (float(x), float(y))

    return dataclasses.replace(
        line, box=(point(line.box[0]), point(line.box[1]), point(line.box[2]), point(line.box[3]))
    )


def _angle(line: TextLine) -> float:
    (x0, y0), (x1, y1) = line.box[0], line.box[1]
    return math.atan2(y1 - y0, x1 - x0)


def _length(line: TextLine) -> float:
    return math.dist(line.box[0], line.box[1])


def _height(line: TextLine) -> float:
    return math.dist(line.box[0], line.box[3])
