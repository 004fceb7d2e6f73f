"""Find the card in a photo, warp it upright to a standard size, and map card points back.

ISO/IEC 7810 ID-1 cards are 85.6 x 54.0 mm; we work on 856 x 540 pixels (10 px per mm), which
is also the size the recogniser reads best at (text lines 25-35 px high).
"""

from __future__ import annotations

from dataclasses import dataclass

import cv2
import numpy as np

CARD_WIDTH = 856
CARD_HEIGHT = 540
_CARD_RATIO = CARD_WIDTH / CARD_HEIGHT
# The portrait area of the front as shares of the card (left, top, right, bottom): the printed
# layout puts it about 56-80.6 mm across and 6-40 mm down on the 85.6 x 54 mm card.
PHOTO_BOX = (0.654, 0.111, 0.942, 0.741)
# A frame this close to the card's aspect ratio is taken as a tight crop of the card itself.
_TIGHT_CROP_RATIO = (1.45, 1.75)
# Perspective and lens distortion stretch the apparent ratio; beyond these bounds a quadrilateral
# is a table edge, a screen or a page, not the card.
_MIN_RATIO, _MAX_RATIO = 1.25, 1.95
# The card must fill a fair part of the frame to be read at all; smaller quads are clutter.
_MIN_AREA_SHARE = 0.12
# A quad covering nearly the whole frame is the image border of a tight crop: warping it would
# only resample the image.
_MAX_AREA_SHARE = 0.93
# Contour search runs on a downscaled copy: edges of a card survive 640 px easily and it is fast.
_SEARCH_SIDE = 640
# A contour whose area fills this much of its minimum-area rectangle is a rounded-corner card
# even when approxPolyDP does not find exactly four corners.
_RECT_FILL = 0.88


@dataclass(frozen=True)
class CardView:
    """The card as an upright ``CARD_WIDTH x CARD_HEIGHT`` (or source-sized) image, plus the
    homography that maps its pixels back to the decoded image."""

    image: np.ndarray
    to_source: np.ndarray
    source_size: tuple[int, int]
    found_quad: bool
    # A view cut to the text read (text_fit): never taken for the card, whatever its ratio.
    fitted: bool = False

    @property
    def card_size(self) -> tuple[float, float] | None:
        """Width and height of the card in view pixels, when the view is known to be the card."""
        h, w = self.image.shape[:2]
        low, high = _TIGHT_CROP_RATIO
        if self.found_quad or (not self.fitted and low <= w / h <= high):
            return float(w), float(h)
        return None

    def rotated(self, quarter_turns: int) -> CardView:
        """The view turned clockwise by ``quarter_turns`` x 90 degrees, mapping kept consistent."""
        turns = quarter_turns % 4
        if turns == 0:
            return self
        h, w = self.image.shape[:2]
        codes = {1: cv2.ROTATE_90_CLOCKWISE, 2: cv2.ROTATE_180, 3: cv2.ROTATE_90_COUNTERCLOCKWISE}
        turned = cv2.rotate(self.image, codes[turns])
        # Maps a pixel of the turned image to the pixel of the current one.
        back = {
            1: np.array([[0, 1, 0], [-1, 0, h - 1], [0, 0, 1]], dtype=np.float64),
            2: np.array([[-1, 0, w - 1], [0, -1, h - 1], [0, 0, 1]], dtype=np.float64),
            3: np.array([[0, -1, w - 1], [1, 0, 0], [0, 0, 1]], dtype=np.float64),
        }[turns]
        return CardView(turned, self.to_source @ back, self.source_size, self.found_quad, self.fitted)

    def scaled(self, factor: float) -> CardView:
        """The view resized by ``factor``, mapping kept consistent: the detector finds rows at one
        scale that it misses at another (a clean back whose two rows it saw at 0.75 and not at 1)."""
        h, w = self.image.shape[:2]
        size = (max(1, round(w * factor)), max(1, round(h * factor)))
        interpolation = cv2.INTER_AREA if factor < 1 else cv2.INTER_CUBIC
        resized = cv2.resize(self.image, size, interpolation=interpolation)
        # Maps a pixel of the resized image to the pixel of the current one.
        back = np.diag([w / size[0], h / size[1], 1.0])
        return CardView(resized, self.to_source @ back, self.source_size, self.found_quad, self.fitted)

    def to_source_normalized(self, points: np.ndarray) -> list[tuple[float, float]]:
        """Card-view pixel points -> source image coordinates as shares of its width/height."""
        mapped = cv2.perspectiveTransform(points.reshape(-1, 1, 2).astype(np.float64), self.to_source)
        w, h = self.source_size
        return [(float(x) / w, float(y) / h) for x, y in mapped.reshape(-1, 2)]


def card_view(bgr: np.ndarray) -> CardView:
    """Warp the card to 856x540 when a card-shaped quadrilateral is found, else keep the frame."""
    found = quad_view(bgr)
    return found[0] if found is not None else frame_view(bgr)


def frame_view(bgr: np.ndarray) -> CardView:
    """The whole frame as decoded: the view no geometric guess can spoil."""
    h, w = bgr.shape[:2]
    return CardView(bgr, np.eye(3), (w, h), found_quad=False)


def quad_view(bgr: np.ndarray) -> tuple[CardView, float] | None:
    """The card-shaped quadrilateral warped to 856x540, with the share of the frame it covers;
    None when no quadrilateral stands out."""
    h, w = bgr.shape[:2]
    quad = find_card_quad(bgr)
    if quad is None:
        return None
    target = np.array(
        [[0, 0], [CARD_WIDTH - 1, 0], [CARD_WIDTH - 1, CARD_HEIGHT - 1], [0, CARD_HEIGHT - 1]],
        dtype=np.float32,
    )
    forward = cv2.getPerspectiveTransform(quad.astype(np.float32), target)
    warped = cv2.warpPerspective(bgr, forward, (CARD_WIDTH, CARD_HEIGHT), flags=cv2.INTER_AREA)
    share = float(cv2.contourArea(quad.astype(np.float32))) / float(w * h)
    return CardView(warped, np.linalg.inv(forward), (w, h), found_quad=True), share


def find_card_quad(bgr: np.ndarray) -> np.ndarray | None:
    """The card's corners (top-left, top-right, bottom-right, bottom-left, long side on top), or
    None when no card-shaped quadrilateral stands out."""
    h, w = bgr.shape[:2]
    scale = min(1.0, _SEARCH_SIDE / max(h, w))
    # At least a pixel a side: a 2x3000 strip would otherwise ask for a zero-height copy.
    size = (max(1, round(w * scale)), max(1, round(h * scale)))
    small = cv2.resize(bgr, size, interpolation=cv2.INTER_AREA)
    gray = cv2.cvtColor(small, cv2.COLOR_BGR2GRAY)
    blurred = cv2.GaussianBlur(gray, (5, 5), 0)
    # Low Canny thresholds: a card on a table of similar tone still leaves a faint edge.
    edges = cv2.Canny(blurred, 30, 90)
    edges = cv2.dilate(edges, np.ones((3, 3), np.uint8), iterations=2)
    contours, _ = cv2.findContours(edges, cv2.RETR_EXTERNAL, cv2.CHAIN_APPROX_SIMPLE)
    frame_area = float(small.shape[0] * small.shape[1])
    for contour in sorted(contours, key=cv2.contourArea, reverse=True)[:5]:
        quad = _quad_of(contour)
        if quad is not None and _card_shaped(quad, frame_area):
            return _long_side_on_top(quad / scale)
    return None


def _quad_of(contour: np.ndarray) -> np.ndarray | None:
    perimeter = cv2.arcLength(contour, True)
    approx = cv2.approxPolyDP(contour, 0.02 * perimeter, True)
    if len(approx) == 4 and cv2.isContourConvex(approx):
        return _clockwise(approx.reshape(4, 2).astype(np.float64))
    rect = cv2.minAreaRect(contour)
    rect_area = rect[1][0] * rect[1][1]
    if rect_area > 0 and cv2.contourArea(cv2.convexHull(contour)) / rect_area >= _RECT_FILL:
        return _clockwise(cv2.boxPoints(rect).astype(np.float64))
    return None


def _card_shaped(quad: np.ndarray, frame_area: float) -> bool:
    area = cv2.contourArea(quad.astype(np.float32))
    if not _MIN_AREA_SHARE * frame_area <= area <= _MAX_AREA_SHARE * frame_area:
        return False
    sides = [float(np.linalg.norm(quad[i] - quad[(i + 1) % 4])) for i in range(4)]
    long_side = (sides[0] + sides[2]) / 2
    short_side = (sides[1] + sides[3]) / 2
    ratio = max(long_side, short_side) / max(1e-6, min(long_side, short_side))
    return _MIN_RATIO <= ratio <= _MAX_RATIO


def _clockwise(points: np.ndarray) -> np.ndarray:
    """Order four points clockwise starting from the one nearest the top-left."""
    center = points.mean(axis=0)
    angles = np.arctan2(points[:, 1] - center[1], points[:, 0] - center[0])
    ordered = points[np.argsort(angles)]
    start = int(np.argmin(ordered.sum(axis=1)))
    return np.roll(ordered, -start, axis=0)


def _long_side_on_top(quad: np.ndarray) -> np.ndarray:
    top = np.linalg.norm(quad[1] - quad[0])
    left = np.linalg.norm(quad[3] - quad[0])
    # A portrait quad is a card turned by a quarter: start one corner later so that the long
    # edge maps to the top; the engine settles 90 versus 270 degrees from the text direction.
    return quad if top >= left else np.roll(quad, -1, axis=0)
