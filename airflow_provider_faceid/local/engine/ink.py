"""Red ink taken off the card before text is detected and read.

Nothing a card prints in its fields is red, but specimen cards and copies often carry red over
them: a round stamp across the end of 签发机关, a 样本 or SPECIMEN mark across a name. Red strokes
split the detector's box around the black characters they cross (宿州市公安局埇桥分 | 局 lost
under the ring) and read as characters of their own (...公安局印止).

A reddish pixel is replaced by the grey of its own red channel, lifted to white where that is
bright: red ink is bright in its red channel, like the paper, while black print stays dark even
where it crosses the stamp. Plain red-channel grey would leave the stamp's lettering as a ghost
the detector still finds, hence the lift. Both steps fade in (with red's lead over green and blue,
and with the red channel's brightness), so a faint or half-washed-out stamp goes smoothly instead
of leaving a speckle of the pixels past a threshold: speckles cost more than the faint ring did.
"""

from __future__ import annotations

import cv2
import numpy as np

# Red's lead over green and blue at which the replacement starts, and where it is whole. Warm
# light and wooden desks lead by up to ~40 over a third of a phone photo, screen moiré by ~35:
# changing those moves every stroke a little and costs more than it saves. Stamp ink leads by
# 90 and more.
_LEAD_FROM = 40
_LEAD_FULL = 90
# Red-channel brightness from which the grey is lifted towards white, and where it is white:
# stamp ink is at 180-240 there, dark print under it below 110.
_LIFT_FROM = 110
_LIFT_FULL = 170


def without_red_ink(bgr: np.ndarray) -> np.ndarray:
    """``bgr`` with red ink turned into paper-bright grey: a copy, or ``bgr`` itself if none."""
    blue, green, red = cv2.split(bgr)
    lead = cv2.subtract(red, cv2.max(green, blue))
    reddish = lead > _LEAD_FROM
    if not reddish.any():
        return bgr
    weight = _ramp(lead[reddish].astype(np.float32), _LEAD_FROM, _LEAD_FULL)[:, None]
    grey = red[reddish].astype(np.float32)
    target = (grey + (255.0 - grey) * _ramp(grey, _LIFT_FROM, _LIFT_FULL))[:, None]
    pixels = bgr[reddish].astype(np.float32)
    out = bgr.copy()
    out[reddish] = np.rint(pixels + weight * (target - pixels)).astype(np.uint8)
    return out


def _ramp(values: np.ndarray, start: float, full: float) -> np.ndarray:
    return np.clip((values - start) / (full - start), 0.0, 1.0)
