"""Read a back's row the detector missed: the authority right of 签发机关 (or above 有效期限 when
the label went with it) and the validity period right of 有效期限, as bands (:mod:`bands`).
"""

from __future__ import annotations

import functools
from collections.abc import Callable

import numpy as np

from airflow_provider_faceid.local.engine import labels as lb
from airflow_provider_faceid.local.engine import place_names
from airflow_provider_faceid.local.engine.back_fields import (
    AUTHORITY_SUFFIXES,
    authority_ending,
    holds_date_range,
    period_span,
    starts_with_place,
)
from airflow_provider_faceid.local.engine.bands import Accept, ReadLine, read_band
from airflow_provider_faceid.local.engine.layout import CardLayout
from airflow_provider_faceid.local.engine.reading import UNSURE_BELOW
from airflow_provider_faceid.local.engine.textline import TextLine

# The widest validity period (2016.02.29-2036.02.29: 21 characters, the digits half as wide as high)
# plus slack, in line heights.
_VALIDITY_WIDTH = 16

# The widest authority row, in line heights.
_AUTHORITY_WIDTH = 22

# 签发机关 and 有效期限 rows are this many line heights apart (1.9-2.1 on the cards measured; the
# band's 1.4 heights cover the rest).
_BACK_PITCH = 2.0
# Where a card prints its authority row (its centre, in card heights: 0.73-0.76 on the cards
# measured), how tall its print is (0.05), and where the row's label starts and the print ends (in
# card widths: labels at 0.18-0.24).
_AUTHORITY_ROW = 0.745
_CARD_ROW_HEIGHT = 0.052
_LABEL_COLUMN = 0.14
_CARD_END = 0.97

# A box of plain print is at most this many times as high as its characters are wide (1.1-1.2
# on the cards measured, labels and values).
_PLAIN_BOX = 1.2


def rescued_authority(
    image: np.ndarray,
    lines: list[TextLine],
    fields: dict[str, object],
    read: ReadLine,
    *,
    card_size: tuple[float, float] | None = None,
) -> list[TextLine]:
    """The authority row's band right of 签发机关, read as one line, when no box held an
    authority that ends like one (a mark slanting across the row can hide it from the detector),
    when the row read on past the one it held (kept then only as a longer one: more read, not
    another reading), or when the authority starts with no place (kept then only as one that
    does). A band's authority that starts with no place is read again with only its darkest
    print: the stamp's red over the place's last characters (高碑 | 公安局 out of 高碑店市公安局)
    makes the recogniser skip them surely, and without the red they read. With neither row
    read at all and the view the card, the row is read where cards print it."""
    issued_by = str(fields.get("issued_by") or "")
    layout = CardLayout.of(lines, lb.BACK_LABELS)
    label = layout.anchor(lb.ISSUER)
    accept: Accept = _placed_authority
    fallback: Accept | None = _authority_value
    retry: Callable[[TextLine], bool] | None = None
    if issued_by.endswith(AUTHORITY_SUFFIXES):
        if label is None:
            return []
        if _cut_short(layout, label, issued_by):
            accept = functools.partial(_longer_authority, issued_by)
        elif _may_have_a_branch(issued_by):
            # The branch's name may lie under the stamp, where the detector's box stopped: the
            # band without the stamp's red reads it. Read again only when the first reading
            # holds more print after the bureau.
            accept = functools.partial(_longer_authority, issued_by)
            retry = functools.partial(_read_on, issued_by)
        elif starts_with_place(issued_by):
            return []
        fallback = None
    if label is not None:
        # Long authorities (新疆维吾尔自治区巴音郭楞蒙古自治州公安局) fill the row to the card's edge.
        right = label.right + _AUTHORITY_WIDTH * label.height
        # Half a character of slack on the left: a label cut from a box it shared with the value
        # ends where the characters' share puts it, which may be past the value's first stroke
        # (the label's own end read into the band is cut off by the parser as a label remnant).
        left = label.right - label.height * 0.5
        return read_band(
            image, read, label.center_y, label.height, left, right, accept, retry=retry, fallback=fallback
        )
    validity = layout.anchor(lb.VALIDITY)
    if validity is None:
        if card_size is None or issued_by or fields.get("valid_date") is not None:
            return []
        # Only the title was boxed (the detector passed over both pale rows of a phone photo):
        # the row's label and value, where the card prints them.
        width, height = card_size
        row_height = _CARD_ROW_HEIGHT * height
        left, right = _LABEL_COLUMN * width, _CARD_END * width
        centre = _AUTHORITY_ROW * height
        return read_band(image, read, centre, row_height, left, right, accept, fallback=fallback)
    # The label went with the row (a mark slanting across both): the row above 有效期限, label
    # and all, at the pitch of the card's two bottom rows.
    centre = validity.center_y - _BACK_PITCH * validity.height
    right = validity.left + _AUTHORITY_WIDTH * validity.height
    return read_band(image, read, centre, validity.height, validity.left, right, accept, fallback=fallback)


def rescued_validity(
    image: np.ndarray, lines: list[TextLine], fields: dict[str, object], read: ReadLine
) -> list[TextLine]:
    """The validity row's band right of 有效期限, read as one line, when no box held a period: a
    grey SPECIMEN across the dates (2009.12.08-2019.12P0ECIMEN) breaks the second one, and its
    darkest print alone reads whole. Also when the period was read with a character the
    recogniser was unsure of (2009.1201长期EN, the 1s at 0.3 under the mark's letters): kept then
    only as a period read surely. Read as printed: an impossible period stays one."""
    layout = CardLayout.of(lines, lb.BACK_LABELS)
    accept = _validity_value
    if fields.get("valid_date") is not None:
        if not any(_unsure_period(value) for value in layout.values):
            return []
        accept = _sure_period
    label = layout.anchor(lb.VALIDITY)
    if label is not None:
        right = label.right + _VALIDITY_WIDTH * label.height
        return read_band(image, read, label.center_y, label.height, label.right, right, accept)
    issuer = layout.anchor(lb.ISSUER)
    if issuer is None:
        return []
    # The label went with the row (a mark across it, or print too small for the detector on a
    # strongly compressed capture): the row below 签发机关, label and all.
    height = _row_height(issuer)
    centre = issuer.center_y + _BACK_PITCH * height
    right = issuer.left + (len(lb.VALIDITY) + _VALIDITY_WIDTH) * height
    return read_band(image, read, centre, height, issuer.left, right, accept)


def _row_height(line: TextLine) -> float:
    """The height of ``line``'s row: its box's, unless the box is taller than its print (a mark
    slanting up from the row, or the stamp's edge, boxed with it): then that of a box of plain
    print as wide per character."""
    return min(line.height, _PLAIN_BOX * (line.right - line.left) / max(len(line.text), 1))


def _cut_short(layout: CardLayout, label: TextLine, issued_by: str) -> bool:
    """Whether the authority row read on past the authority taken from it (桂林市公安局 out of
    桂林市公安局临桂分, the last 局 under the stamp's edge): the row may hold a longer one, and a
    band read without the stamp's red may show it whole."""
    row = "".join(v.text for v in layout.right_of(label))
    tail = row[row.rfind(issued_by) + len(issued_by) :] if issued_by in row else ""
    return any("\u4e00" <= char <= "\u9fff" for char in tail)


def _may_have_a_branch(issued_by: str) -> bool:
    """Whether ``issued_by`` is a prefecture's own bureau (通化市公安局) whose districts' branches
    issue cards too: the row may go on with a branch the detector's box left out."""
    place = issued_by.removesuffix("公安局")
    return place != issued_by and place_names.has_districts(place)


def _read_on(issued_by: str, band: TextLine) -> bool:
    """Whether the band reads print after ``issued_by`` (worth another reading when garbled)."""
    start = band.text.find(issued_by)
    rest = band.text[start + len(issued_by) :] if start >= 0 else ""
    return any("\u4e00" <= char <= "\u9fff" for char in rest)


def _longer_authority(issued_by: str, band: TextLine) -> TextLine | None:
    """The band when it reads ``issued_by`` on to another authority ending."""
    start = band.text.find(issued_by)
    rest = band.text[start + len(issued_by) :] if start >= 0 else ""
    return band if any(suffix in rest for suffix in AUTHORITY_SUFFIXES) else None


def _placed_authority(band: TextLine) -> TextLine | None:
    """The band when the authority in it starts with a place, as every authority does."""
    return band if starts_with_place(authority_ending(band.text) or "") else None


def _authority_value(band: TextLine) -> TextLine | None:
    """The band when it holds an authority's ending anywhere (what follows it, a stamp's edge,
    is the parser's to cut)."""
    return band if any(suffix in band.text for suffix in AUTHORITY_SUFFIXES) else None


def _validity_value(band: TextLine) -> TextLine | None:
    return band if holds_date_range(band.text) else None


def _sure_period(band: TextLine) -> TextLine | None:
    return band if holds_date_range(band.text) and not _unsure_period(band) else None


def _unsure_period(line: TextLine) -> bool:
    """Whether ``line`` holds a period with a character the recogniser scored unsure."""
    span = period_span(line.text)
    return span is not None and min(line.char_scores[span[0] : span[1]], default=1.0) < UNSURE_BELOW
