"""Turn the boxes of a tilted reading level before the parser groups them into rows.

The parser compares tops, bottoms and lefts: a card photographed 7 degrees off level puts the
first address line beside the 出生 label and the number beside the 住址 row. The detector's boxes
carry the tilt themselves (each box follows its line), so their median angle turns every box back
around their common centre. No pixels are read again.
"""

from __future__ import annotations

import math

import numpy as np

from airflow_provider_faceid.local.engine.textline import Point, TextLine

# Only lines this many times longer than high say which way the text runs.
_LONG_LINE = 3.0
# Below this tilt the rows are already unambiguous.
_LEVEL_ENOUGH = math.radians(1.0)


def levelled(lines: list[TextLine]) -> list[TextLine]:
    """``lines`` with their boxes turned by minus the median tilt of the long ones."""
    angles = [_angle(line) for line in lines if _length(line) >= _LONG_LINE * max(_height(line), 1e-6)]
    if not angles:
        return lines
    tilt = float(np.median(angles))
    if abs(tilt) < _LEVEL_ENOUGH:
        return lines
    points = np.array([point for line in lines for point in line.box])
    cx, cy = points.mean(axis=0)
    cos, sin = math.cos(-tilt), math.sin(-tilt)

    def turned(point: Point) -> Point:
        dx, dy = point[0] - cx, point[1] - cy
        return (float(cx + dx * cos - dy * sin), float(cy + dx * sin + dy * cos))

    return [
        TextLine(
            text=line.text,
            box=(turned(line.box[0]), turned(line.box[1]), turned(line.box[2]), turned(line.box[3])),
            score=line.score,
            char_scores=line.char_scores,
            runners_up=line.runners_up,
        )
        for line in lines
    ]


def _angle(line: TextLine) -> float:
    (x0, y0), (x1, y1) = line.box[0], line.box[1]
    return math.atan2(y1 - y0, x1 - x0)


def _length(line: TextLine) -> float:
    return math.dist(line.box[0], line.box[1])


def _height(line: TextLine) -> float:
    return math.dist(line.box[0], line.box[3])
