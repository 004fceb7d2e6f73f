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
# A pale mark (a pink SPECIMEN printed across a whole row) leads by only 40-60, and the first pass
# turns it into a near-white ghost that still stands out of a tinted background: the detector
# merges it with the print under it into one unreadable box. The deep pass paints such pixels
# with the colour of the background around them instead. It judges red against the least red of
# the neighbourhood (a warm cast leads everywhere, a mark only where it lies; a median would take
# a large mark for its own background), within this window in pixels, which also averages the
# background colour.
_NEIGHBOURHOOD = 41
# Lead over the neighbourhood where a pixel starts to count as mark, and where it is wholly mark.
_PALE_LEAD_FROM = 8
_PALE_LEAD_FULL = 24
# Red-channel brightness from which a pixel may be mark: print under the mark stays (its red is
# dark), and its anti-aliased edge only fades.
_PALE_BRIGHT_FROM = 100
_PALE_BRIGHT_FULL = 150
# Share of a view's pixels wholly mark that makes the deep pass worth a read (a stamp or a
# SPECIMEN row covers 1-5 % of a card; one SPECIMEN in a phone photo of the whole desk, 0.15 %).
_PALE_MARK_SHARE = 0.001
# Pixels (a square's side) over which a mark's weight reaches out to its strokes' blurred edges.
_EDGE_REACH = 3


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


def in_grey(bgr: np.ndarray) -> np.ndarray:
    """``bgr`` without its red ink, in grey (three equal channels): on a washed-out capture the
    detector passes over pale blue-grey print on a pale guilloche that it finds in grey."""
    grey = cv2.cvtColor(without_red_ink(bgr), cv2.COLOR_BGR2GRAY)
    return cv2.cvtColor(grey, cv2.COLOR_GRAY2BGR)


def has_pale_red_marks(bgr: np.ndarray) -> bool:
    """Whether enough of ``bgr`` is redder than its surroundings for the deep pass to be worth a read."""
    marked = np.count_nonzero(_local_red_lead(bgr) >= _PALE_LEAD_FULL)
    return bool(marked >= _PALE_MARK_SHARE * bgr.shape[0] * bgr.shape[1])


def without_pale_red_marks(bgr: np.ndarray) -> np.ndarray:
    """``bgr`` with bright pixels redder than their surroundings painted in the colour of the
    background around them: the deep pass, read only as a second candidate view."""
    red = bgr[:, :, 2].astype(np.float32)
    weight = _ramp(_local_red_lead(bgr).astype(np.float32), _PALE_LEAD_FROM, _PALE_LEAD_FULL)
    # A compressed capture blurs the mark's colour: its strokes' edges lead less than their
    # middles and would stay as a grey outline the recogniser reads (S for 1 under SPECIMEN). Each
    # pixel counts as much mark as its nearest neighbours do; dark print stays by its brightness.
    weight = cv2.dilate(weight, np.ones((_EDGE_REACH, _EDGE_REACH), np.uint8))
    weight *= _ramp(red, _PALE_BRIGHT_FROM, _PALE_BRIGHT_FULL)
    # The background's colour: the window's mean over the pixels that are not mark at all.
    unmarked = (weight == 0).astype(np.float32)
    pixels = bgr.astype(np.float32)
    window = (_NEIGHBOURHOOD, _NEIGHBOURHOOD)
    share = cv2.blur(unmarked, window)[:, :, None]
    background = cv2.blur(pixels * unmarked[:, :, None], window) / np.maximum(share, 1e-3)
    background = np.where(share > 0.02, background, pixels)
    out = pixels + weight[:, :, None] * (background - pixels)
    return np.clip(np.rint(out), 0, 255).astype(np.uint8)


def _local_red_lead(bgr: np.ndarray) -> np.ndarray:
    blue, green, red = cv2.split(bgr)
    lead = cv2.subtract(red, cv2.max(green, blue))
    return cv2.subtract(lead, cv2.erode(lead, np.ones((_NEIGHBOURHOOD, _NEIGHBOURHOOD), np.uint8)))


def _ramp(values: np.ndarray, start: float, full: float) -> np.ndarray:
    return np.clip((values - start) / (full - start), 0.0, 1.0)
