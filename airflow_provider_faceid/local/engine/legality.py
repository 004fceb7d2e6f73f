"""Heuristic legality scores: is this a photo of an original card, a copy, a screen, a temporary card?

FaceID answers five probabilities. Offline we have no trained classifier, so each class gets an
evidence score from one measurable cue, turned into probabilities by a softmax:

* Photocopy: copies are grey. Low saturation of the card's most coloured pixels raises it.
* Screen: re-shooting a display leaves moiré, periodic colour fringes. A strong isolated peak in
  the spectrum of the fine chroma detail raises it.
* Temporary ID Photo: the temporary card prints 临时 in its title.
* Edited: no cue is implemented; it only keeps a low prior.
* ID Photo: the default when no other cue fires.

These are honest, documented guesses, not a model: they separate the obvious cases (a grey copy,
a phone photo of a monitor) and stay near "ID Photo" otherwise.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import cv2
import numpy as np

from airflow_provider_faceid.local.engine.textline import TextLine

CLASSES = ("ID Photo", "Temporary ID Photo", "Photocopy", "Screen", "Edited")
# Prior log-odds: an upload is usually a genuine card photo; edited images are rare.
_PRIOR = {"ID Photo": 3.0, "Temporary ID Photo": -2.0, "Photocopy": -2.0, "Screen": -2.0, "Edited": -3.0}
# 99th-percentile HSV saturation (0-255): colour photos of the tuning specimens (seeds 1000-1002)
# measured 100-220, greyscale copies 0-5. The cue ramps between these points.
_GREY_SATURATION, _COLOUR_SATURATION = 10.0, 40.0
# Peak-to-mean ratio of the fine-detail chroma spectrum. A screen's sub-pixels beat against the
# sensor as periodic colour fringes; print, noise and blur do not. Measured on the tuning
# specimens: moiré 24-430 (median 126), everything else 1-74 (median 24).
_MOIRE_START, _MOIRE_FULL = 60.0, 110.0
# Chroma detail below this mean magnitude is a grey image: nothing to measure.
_FLAT_CHROMA = 1e-2
# Gaussian sigma (px) separating fine detail from the card's colour areas.
_DETAIL_SIGMA = 4.0
# Evidence weight of a fully present cue, in log-odds: enough to overturn the ID Photo prior.
_CUE_WEIGHT = 7.0
# The spectrum is measured on a 256x256 central crop: enough resolution for screen pitches of
# 2-10 px at card scale, cheap to transform.
_SPECTRUM_SIDE = 256


@dataclass(frozen=True)
class Cues:
    """Each cue in 0..1 (0 = absent, 1 = fully present)."""

    greyness: float
    moire: float
    temporary_title: float


def measure_cues(card_bgr: np.ndarray, lines: list[TextLine]) -> Cues:
    return Cues(
        greyness=_greyness(card_bgr),
        moire=_moire(card_bgr),
        temporary_title=1.0 if any("临时" in line.text for line in lines) else 0.0,
    )


def legality(card_bgr: np.ndarray, lines: list[TextLine]) -> dict[str, float]:
    """Five probabilities with 3 significant digits (at most) that sum to 1."""
    return probabilities(measure_cues(card_bgr, lines))


def probabilities(cues: Cues) -> dict[str, float]:
    logits = dict(_PRIOR)
    logits["Photocopy"] += _CUE_WEIGHT * cues.greyness
    logits["Screen"] += _CUE_WEIGHT * cues.moire
    logits["Temporary ID Photo"] += _CUE_WEIGHT * cues.temporary_title
    top = max(logits.values())
    weights = {k: math.exp(v - top) for k, v in logits.items()}
    total = sum(weights.values())
    return rounded_to_one({k: w / total for k, w in weights.items()})


def rounded_to_one(shares: dict[str, float]) -> dict[str, float]:
    """Round to thousandths (3 significant digits or fewer, all shares being < 1) and give the
    rounding remainder to the largest share, so the answer sums to exactly 1000/1000."""
    thousandths = {k: round(v * 1000) for k, v in shares.items()}
    largest = max(thousandths, key=lambda k: thousandths[k])
    thousandths[largest] += 1000 - sum(thousandths.values())
    return {k: thousandths[k] / 1000 for k in CLASSES}


def _ramp(value: float, start: float, full: float) -> float:
    return min(1.0, max(0.0, (value - start) / (full - start)))


def _greyness(card_bgr: np.ndarray) -> float:
    if card_bgr.ndim == 2 or card_bgr.shape[2] == 1:
        return 1.0
    saturation = cv2.cvtColor(card_bgr, cv2.COLOR_BGR2HSV)[:, :, 1]
    # The 99th percentile looks at the most coloured pixels (blue labels, red stamps), which a
    # copy loses even when its paper is tinted.
    return 1.0 - _ramp(float(np.percentile(saturation, 99)), _GREY_SATURATION, _COLOUR_SATURATION)


def _moire(card_bgr: np.ndarray) -> float:
    if card_bgr.ndim == 2 or card_bgr.shape[2] == 1:
        return 0.0
    ycrcb = cv2.cvtColor(card_bgr, cv2.COLOR_BGR2YCrCb).astype(np.float32)
    h, w = ycrcb.shape[:2]
    side = min(_SPECTRUM_SIDE, h, w)
    top, left = (h - side) // 2, (w - side) // 2
    window = np.outer(np.hanning(side), np.hanning(side)).astype(np.float32)
    yy, xx = np.mgrid[:side, :side]
    radius = np.hypot(yy - side / 2, xx - side / 2)
    # Periods of 2-10 px: screen pitches as a camera sees them; the card's own print is coarser.
    band = (radius > side / 10) & (radius < side / 2)
    peak = 0.0
    for channel in (1, 2):
        chroma = ycrcb[top : top + side, left : left + side, channel]
        detail = chroma - cv2.GaussianBlur(chroma, (0, 0), _DETAIL_SIGMA)
        magnitude = np.abs(np.fft.fft2(detail * window))
        magnitude = np.fft.fftshift(magnitude)[band]
        if magnitude.size and float(magnitude.mean()) > _FLAT_CHROMA:
            peak = max(peak, float(magnitude.max() / magnitude.mean()))
    return _ramp(peak, _MOIRE_START, _MOIRE_FULL)
