"""Bands: a row the detector missed, cut out where the card's other rows say it lies and read as
one line without detection (as captured, contrast stretched, then with only its darkest print).
The rescues that place them are in :mod:`row_rescue` (the front's rows above the address, the
number), :mod:`address_rescue` and :mod:`back_rescue`.
"""

from __future__ import annotations

from collections.abc import Callable

import cv2
import numpy as np

from airflow_provider_faceid.local.engine.textline import Point, TextLine

ReadLine = Callable[[np.ndarray, tuple[Point, Point, Point, Point]], "TextLine | None"]
# What a rescue keeps of a band's reading: the value in it, or None when the reading holds none.
Accept = Callable[[TextLine], "TextLine | None"]

# The band is this many row heights tall around the expected centre: a line plus some slack for
# a slightly uneven pitch.
_BAND_HEIGHT = 1.4

# Rows on the card are at least this many line heights apart; closer anchors are one row.
MIN_PITCH = 1.2

# A band narrower than this many line heights holds no value (a lone 男/女 needs about two).
_MIN_BAND_WIDTH = 2

# The dark-print reading of a band: print is the darkest percentile, paper the bright one, and a
# pixel is kept when it is darker than this share of the way from print to paper. A grey mark
# sits about halfway; anti-aliased edges of the print stay (0.3-0.5 read the same on the marks
# tried).
_INK_PERCENTILE = 1
_PAPER_PERCENTILE = 90
_DARK_SHARE = 0.4


def with_bands(lines: list[TextLine], bands: list[TextLine]) -> list[TextLine]:
    """``lines`` with the rescued ``bands`` in place of the lines they cover: a band read whole
    holds what its broken boxes held, and both would be read into the field."""
    kept = [line for line in lines if not any(_covers(band, line) for band in bands)]
    return [*kept, *bands]


def _covers(band: TextLine, line: TextLine) -> bool:
    centre_x = (line.left + line.right) / 2
    return band.left <= centre_x <= band.right and band.top <= line.center_y <= band.bottom


def read_band(
    image: np.ndarray,
    read: ReadLine,
    centre: float,
    height: float,
    left: float,
    right: float,
    accept: Accept | None = None,
    *,
    retry: Callable[[TextLine], bool] | None = None,
    fallback: Accept | None = None,
) -> list[TextLine]:
    """The band read as one line: as captured (contrast stretched), then, when ``accept`` finds
    no value in that reading (and ``retry``, if given, finds the reading worth another), with
    only the darkest print kept; when ``accept`` takes neither, what ``fallback`` (if given)
    takes of the first. Without ``accept`` the first reading is taken as it is."""
    rows, cols = image.shape[:2]
    top = max(0, round(centre - _BAND_HEIGHT * height / 2))
    bottom = min(rows, round(centre + _BAND_HEIGHT * height / 2))
    x0, x1 = max(0, round(left)), min(cols, round(right))
    if bottom - top < 4 or x1 - x0 < _MIN_BAND_WIDTH * height:
        return []
    # The line read is placed where the row is expected, one line height tall: the band's slack is
    # for a slightly uneven pitch, and a band-tall box would make the row look taller than it is
    # to whatever is placed from it next (a birthday band locating the gender row above it).
    line_top, line_bottom = max(top, centre - height / 2), min(bottom, centre + height / 2)
    box: tuple[Point, Point, Point, Point] = (
        (x0, line_top),
        (x1, line_top),
        (x1, line_bottom),
        (x0, line_bottom),
    )
    # Stretched to full contrast in grey: a band holds no background to speak of, and the faint
    # value of a washed-out capture reads far more surely (男 0.30 -> 0.89 on a screen re-shoot).
    grey = cv2.cvtColor(image[top:bottom, x0:x1], cv2.COLOR_BGR2GRAY)
    low, high = float(grey.min()), float(grey.max())
    stretched = ((grey - low) * (255.0 / max(high - low, 1.0))).astype(np.uint8)
    line = read(cv2.cvtColor(stretched, cv2.COLOR_GRAY2BGR), box)
    if accept is None:
        return [line] if line is not None else []
    value = accept(line) if line is not None else None
    if value is None and (retry is None or line is None or retry(line)):
        dark = read(cv2.cvtColor(dark_print(stretched), cv2.COLOR_GRAY2BGR), box)
        value = accept(dark) if dark is not None else None
    if value is None and fallback is not None and line is not None:
        value = fallback(line)
    return [value] if value is not None else []


def dark_print(grey: np.ndarray) -> np.ndarray:
    """``grey`` with everything lighter than the print turned to paper: a grey 样本/SPECIMEN mark
    over a value is neither red (ink.py takes red marks off) nor as dark as the print, and read
    together the two make neither (民族汉 under ECIMEN reads 4民族ECIMEN, alone 民族汉)."""
    values = grey.astype(np.float32)
    ink, paper = np.percentile(values, _INK_PERCENTILE), np.percentile(values, _PAPER_PERCENTILE)
    cut = ink + _DARK_SHARE * (paper - ink)
    return np.where(values < cut, values, 255.0).astype(np.uint8)
