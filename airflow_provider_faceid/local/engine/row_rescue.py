"""Read a front row the detector missed, from where the card's other rows say it must be.

The detector often finds no box at all for the short 性别/民族 row ("性别 男   民族 汉": two
characters of label, one of value, wide gaps) or for a two-character name, while the rows above
and below read well. The front's rows are evenly spaced, so the missing row's band is known: it
is cut out and given to the recogniser as one line, without detection.
"""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Callable

import cv2
import numpy as np

from airflow_provider_faceid import idnumber
from airflow_provider_faceid.local.engine import labels as lb
from airflow_provider_faceid.local.engine.back_fields import AUTHORITY_SUFFIXES, holds_date_range
from airflow_provider_faceid.local.engine.card_geometry import PHOTO_BOX
from airflow_provider_faceid.local.engine.front_fields import (
    ADDRESS_ENDINGS,
    BIRTHDAY,
    ETHNIC_GROUPS,
    province_start,
)
from airflow_provider_faceid.local.engine.layout import CardLayout, rows
from airflow_provider_faceid.local.engine.number_reading import NUMBER_LENGTH, best_number
from airflow_provider_faceid.local.engine.place_names import province_names
from airflow_provider_faceid.local.engine.reading import REPAIRABLE_BELOW
from airflow_provider_faceid.local.engine.textline import Point, TextLine
from airflow_provider_faceid.local.engine.watermarks import without_specimen_marks

ReadLine = Callable[[np.ndarray, tuple[Point, Point, Point, Point]], "TextLine | None"]
# What a rescue keeps of a band's reading: the value in it, or None when the reading holds none.
Accept = Callable[[TextLine], "TextLine | None"]
# The band is this many row heights tall around the expected centre: a line plus some slack for
# a slightly uneven pitch.
_BAND_HEIGHT = 1.4
# Rows on the card are at least this many line heights apart; closer anchors are one row.
_MIN_PITCH = 1.2
# The widest validity period (2016.02.29-2036.02.29: 21 characters, the digits half as wide as high)
# plus slack, in line heights.
_VALIDITY_WIDTH = 16
# The widest authority row, in line heights.
_AUTHORITY_WIDTH = 22
# 签发机关 and 有效期限 rows are this many line heights apart (1.9-2.1 on the cards measured; the
# band's 1.4 heights cover the rest).
_BACK_PITCH = 2.0
# A band narrower than this many line heights holds no value (a lone 男/女 needs about two).
_MIN_BAND_WIDTH = 2
# The widest birthday row (2000 年 12 月 28 日 with the card's spacing), in line heights.
_BIRTHDAY_WIDTH = 12
# Digits a band must hold to be the birthday row: the year and at least a month.
_BIRTHDAY_DIGITS = 5
# Address lines are this many line heights apart (1.05-1.15 on the cards measured).
_ADDRESS_PITCH = 1.1
# An address's first line, in line heights of its second: 11-13 characters a little wider than high.
_ADDRESS_WIDTH = 16
# 性别 and the gap after it, left of the value column, in line heights.
_LABEL_WIDTH = 3.5
# The longest group's name (柯尔克孜, 乌孜别克) plus slack, in line heights.
_GROUP_WIDTH = 5
# The number row right of 公民身份号码, in the label's line heights: its 18 characters are printed
# larger than the label (about 1.2 times as high, 16 label heights wide on the cards measured);
# the band runs on far enough for a misprinted 20.
_NUMBER_HEIGHT = 1.3
_NUMBER_WIDTH = 24
# How a finished address ends (a digit may end a room number whose 室 went onto a row of its own).
_FINISHED_ADDRESS = frozenset(ADDRESS_ENDINGS - set("0123456789"))
# An address row holds at most this many characters (12-13 on the cards measured, plus slack).
_LONGEST_END_ROW = 16
# A last address row ending this many line heights short of the column may go on under a mark.
_ROW_END_ROOM = 2
# The start of such a row, in line heights: 室 or 12号 and the slack before them.
_SHORT_END_ROW = 3.5
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


def rescued_lines(
    image: np.ndarray, lines: list[TextLine], fields: dict[str, object], read: ReadLine
) -> list[TextLine]:
    """Extra lines read from the bands of the missing name and gender/race rows (maybe none)."""
    layout = CardLayout.of(lines, lb.FRONT_LABELS)
    name = layout.anchor(lb.NAME)
    gender, race = layout.anchor(lb.GENDER), layout.anchor(lb.RACE)
    birth = (
        layout.anchor(lb.BIRTH)
        or next((v for v in layout.values if BIRTHDAY.search(v.text)), None)
        or _year_box(layout, fields)
    )
    if birth is None:
        return []
    height = birth.height
    left = min(line.left for line in (name, gender, race, birth) if line is not None) - height
    # The gender/race row and the name end well before the birthday's end plus a few characters;
    # further right lies the portrait, whose watermark would join the reading.
    birthday = next((v for v in layout.values if BIRTHDAY.search(v.text)), birth)
    right = max(birth.right, birthday.right) + 3 * height
    found: list[TextLine] = []
    row = gender or race
    if name is None and row is None and None in (fields.get("gender"), fields.get("race")):
        return _unlabelled_gender_row(image, layout, birth, fields, read, right)
    if fields.get("gender") is None:
        if gender is not None:
            # Label read, value not: the value alone, between the label and 民族.
            end = race.left if race is not None else gender.right + 3 * height
            found += _read_band(image, read, gender.center_y, height, gender.right, end, _gender_value)
        elif race is not None:
            # The 民族 box was read: what is missing is 性别 and its value, left of it.
            found += _read_band(image, read, race.center_y, height, left, race.left, _gender_value)
        elif name is not None and birth.center_y - name.center_y >= 2 * _MIN_PITCH * height:
            centre = (name.center_y + birth.center_y) / 2
            found += _read_band(image, read, centre, height, left, right, _gender_value)
    if fields.get("race") is None and gender is not None and race is None:
        # 性别 read, 民族 and its value not (a mark slanting across them): the rest of the row.
        values = layout.right_of(gender)
        start = max([gender.right, *(v.right for v in values if v.text in ("男", "女"))])
        found += _read_band(image, read, gender.center_y, height, start, right, _group_value)
    elif fields.get("race") is None and race is not None:
        # 民族 read, its value not a group (a grey mark over it read into it as 本): the label and
        # what follows up to the longest group's width (where the label ends is a guess when the
        # mark was read into its box; the group is taken from the band's end).
        end = race.right + _GROUP_WIDTH * race.height
        found += _read_band(image, read, race.center_y, height, race.left, end, _group_value)
    pitch = birth.center_y - row.center_y if row is not None else 0.0
    if fields.get("name") is None and name is not None:
        # 姓名 read, the name not: a two-character name is often no box of its own.
        found += _read_band(image, read, name.center_y, height, name.right, right)
    elif fields.get("name") is None and row is not None and pitch >= _MIN_PITCH * height:
        # From the value column on: the light label print of a band reads as noise.
        column = _value_column(layout, birth)
        found += _read_band(image, read, row.center_y - pitch, height, column - height * 0.3, right)
    return found


def _unlabelled_gender_row(
    image: np.ndarray,
    layout: CardLayout,
    birth: TextLine,
    fields: dict[str, object],
    read: ReadLine,
    right: float,
) -> list[TextLine]:
    """The gender/group row when every label was lost (a washed-out screen re-shoot): one row
    pitch above the birthday, the pitch taken from the birthday to the address's first line (the
    card's rows are evenly spaced). Read once, label print and all: the gender is the band's last
    男 or 女, the group what the band ends with."""
    below = [v for v in layout.values if v.top >= birth.bottom and best_number([v]) is None]
    if not below:
        return []
    pitch = min(below, key=lambda v: v.top).center_y - birth.center_y
    height = birth.height
    if pitch < _MIN_PITCH * height:
        return []
    left = birth.left - _LABEL_WIDTH * height
    band = _read_band(image, read, birth.center_y - pitch, height, left, right)
    if not band:
        return []
    found = []
    if fields.get("gender") is None:
        found += [v for v in (_gender_value(band[0]),) if v is not None]
    if fields.get("race") is None:
        found += [v for v in (_group_value(band[0]),) if v is not None]
    return found


def rescued_birthday(
    image: np.ndarray, lines: list[TextLine], fields: dict[str, object], read: ReadLine
) -> list[TextLine]:
    """The birthday row's band read as one line, when no box held a date: a mark across the row
    (a grey SPECIMEN slanting over it) can hide the whole row from the detector. The row lies
    midway between the gender/race row and the address's first line."""
    if fields.get("birthday") is not None:
        return []
    layout = CardLayout.of(lines, lb.FRONT_LABELS)
    row = layout.anchor(lb.GENDER) or layout.anchor(lb.RACE)
    address = layout.anchor(lb.ADDRESS)
    if row is None or address is None:
        return _year_row(image, layout, fields, read)
    height = (row.height + address.height) / 2
    gap = address.center_y - row.center_y
    if gap < 2 * _MIN_PITCH * height:
        return []
    # The date is no wider than the address's first line, which ends before the portrait.
    values = layout.right_of(address)
    right = values[0].right if values else address.right + 12 * height
    left = min(row.left, address.left) - height
    return _read_band(image, read, row.center_y + gap / 2, height, left, right, _birthday_value)


def _year_row(
    image: np.ndarray, layout: CardLayout, fields: dict[str, object], read: ReadLine
) -> list[TextLine]:
    """The birthday row read whole from its year, when the labels were lost with the 年月日 printed
    in their colour and the row's digits were found as pieces (1962 | 4, the day missed). The
    year the number encodes only locates the row: the date is what the band reads."""
    box = _year_box(layout, fields)
    if box is None:
        return []
    year = str(fields["id_card_number"])[6:10]
    left = lb.char_left(box, box.text.index(year)) - box.height * 0.5
    right = left + _BIRTHDAY_WIDTH * box.height
    return _read_band(image, read, box.center_y, box.height, left, right, _birthday_value)


def rescued_number(
    image: np.ndarray, lines: list[TextLine], fields: dict[str, object], read: ReadLine
) -> list[TextLine]:
    """The number row's band right of 公民身份号码, read as one line, when no box held 18
    characters of a number: a SPECIMEN mark slanting across the digits can hide the row from the
    detector. Not when a number of another length was read: a band cut one character short of a
    printed 19 would make it a valid 18. The band is read as printed; the number parser then takes
    it as it takes any other line (never repaired into a valid one)."""
    if fields.get("id_card_number") is not None:
        return []
    label = CardLayout.of(lines, lb.FRONT_LABELS).anchor(lb.NUMBER)
    if label is None:
        return []
    height = label.height * _NUMBER_HEIGHT
    right = label.right + _NUMBER_WIDTH * label.height
    return _read_band(image, read, label.center_y, height, label.right, right, _number_value)


def _year_box(layout: CardLayout, fields: dict[str, object]) -> TextLine | None:
    """The one box holding the birth year a valid number encodes (the birthday row when the
    labels and 年月日 were lost): it only locates the row."""
    number = str(fields.get("id_card_number") or "")
    if not idnumber.is_valid(number):
        return None
    boxes = [v for v in layout.values if number[6:10] in v.text and not idnumber.is_valid(v.text)]
    return boxes[0] if len(boxes) == 1 else None


def rescued_authority(
    image: np.ndarray, lines: list[TextLine], fields: dict[str, object], read: ReadLine
) -> list[TextLine]:
    """The authority row's band right of 签发机关, read as one line, when no box held an
    authority that ends like one: a mark slanting across the row can hide it from the detector."""
    if str(fields.get("issued_by") or "").endswith(AUTHORITY_SUFFIXES):
        return []
    layout = CardLayout.of(lines, lb.BACK_LABELS)
    label = layout.anchor(lb.ISSUER)
    if label is not None:
        # Long authorities (新疆维吾尔自治区巴音郭楞蒙古自治州公安局) fill the row to the card's edge.
        right = label.right + _AUTHORITY_WIDTH * label.height
        # Half a character of slack on the left: a label cut from a box it shared with the value
        # ends where the characters' share puts it, which may be past the value's first stroke
        # (the label's own end read into the band is cut off by the parser as a label remnant).
        left = label.right - label.height * 0.5
        return _read_band(image, read, label.center_y, label.height, left, right, _authority_value)
    validity = layout.anchor(lb.VALIDITY)
    if validity is None:
        return []
    # The label went with the row (a mark slanting across both): the row above 有效期限, label
    # and all, at the pitch of the card's two bottom rows.
    centre = validity.center_y - _BACK_PITCH * validity.height
    right = validity.left + _AUTHORITY_WIDTH * validity.height
    return _read_band(image, read, centre, validity.height, validity.left, right, _authority_value)


def rescued_validity(
    image: np.ndarray, lines: list[TextLine], fields: dict[str, object], read: ReadLine
) -> list[TextLine]:
    """The validity row's band right of 有效期限, read as one line, when no box held a period: a
    grey SPECIMEN across the dates (2009.12.08-2019.12P0ECIMEN) breaks the second one, and its
    darkest print alone reads whole. Read as printed: an impossible period stays one."""
    if fields.get("valid_date") is not None:
        return []
    label = CardLayout.of(lines, lb.BACK_LABELS).anchor(lb.VALIDITY)
    if label is None:
        return []
    right = label.right + _VALIDITY_WIDTH * label.height
    return _read_band(image, read, label.center_y, label.height, label.right, right, _validity_value)


def rescued_address(
    image: np.ndarray,
    lines: list[TextLine],
    fields: dict[str, object],
    read: ReadLine,
    *,
    card_size: tuple[float, float] | None = None,
) -> list[TextLine]:
    """The address's first line read as a band right of 住址, when the address read does not
    start with a province and nothing on the label's row was read: a mark across the end of
    that line can hide the whole line from the detector, and the address then starts on its
    second line (进社区8巷189号)."""
    if str(fields.get("address") or "").startswith(province_names()):
        return []
    layout = CardLayout.of(lines, lb.FRONT_LABELS)
    label = layout.anchor(lb.ADDRESS)
    if label is None:
        return _unlabelled_first_line(image, layout, read, card_size)
    if layout.right_of(label):
        return []
    below = [v for v in layout.values if v.top >= label.center_y and v.left >= label.right - label.height]
    if not below:
        return []
    second = min(below, key=lambda v: v.top)
    height = second.height
    if second.center_y - label.center_y > 2 * _MIN_PITCH * height:
        return []
    if card_size is not None:
        # The view is the card: its first line ends before the portrait.
        right = PHOTO_BOX[0] * card_size[0]
    else:
        right = max(second.right, label.right + _ADDRESS_WIDTH * height)
    return _read_band(image, read, label.center_y, height, label.right, right, _address_value)


def _unlabelled_first_line(
    image: np.ndarray, layout: CardLayout, read: ReadLine, card_size: tuple[float, float] | None
) -> list[TextLine]:
    """The address's first line when it was lost with its 住址 label (a mark across both): the
    row one address pitch above the first address line read, below the birthday, from the
    label column on (the label's print is cut off at the province)."""
    birth = next((v for v in layout.values if BIRTHDAY.search(v.text)), None)
    if birth is None:
        return []
    below = [v for v in layout.values if v.top >= birth.bottom and best_number([v]) is None]
    if not below:
        return []
    second = min(below, key=lambda v: v.top)
    height = second.height
    centre = second.center_y - _ADDRESS_PITCH * height
    if centre - height / 2 < birth.bottom:
        return []
    left = (layout.anchor(lb.BIRTH) or birth).left - height * 0.5
    right = PHOTO_BOX[0] * card_size[0] if card_size is not None else second.right + 4 * height
    return _read_band(image, read, centre, height, left, right, _address_value)


def rescued_address_end(
    image: np.ndarray, lines: list[TextLine], fields: dict[str, object], read: ReadLine
) -> list[TextLine]:
    """The row below the address's last, read as a band, when the address stops short of how an
    address ends (...1幢2205, ...5门1): a grey SPECIMEN slanting across a short last row (室,
    301号) takes the row into the mark's own box, which is dropped with the mark."""
    address = str(fields.get("address") or "")
    if not address or address[-1] in _FINISHED_ADDRESS:
        return []
    found = _address_rows(lines)
    if found is None:
        return []
    address_rows, number = found
    last = address_rows[-1]
    height = max(v.height for v in last)
    centres = [sum(v.center_y for v in row) / len(row) for row in address_rows]
    # Address rows are set closer than the card's other rows: about one line height apart.
    pitch = centres[-1] - centres[-2] if len(centres) > 1 else height
    centre = centres[-1] + pitch
    if centre + height / 2 > number.top:
        return []
    left = min(v.left for v in last) - height * 0.5
    right = max(v.right for row in address_rows for v in row)
    found_end = _read_band(image, read, centre, height, left, right, _address_end_value)
    # The mark's letters as dark as the print (a screen re-shoot) read into the whole band; a
    # row of one or two characters (室, 12号) is clear of them at its start.
    return found_end or _read_band(
        image, read, centre, height, left, left + _SHORT_END_ROW * height, _address_end_value
    )


def rescued_address_row_end(
    image: np.ndarray,
    lines: list[TextLine],
    fields: dict[str, object],
    read: ReadLine,
    *,
    card_size: tuple[float, float] | None = None,
) -> list[TextLine]:
    """The address's last row read again out to the address column's end, when its boxes stop
    well short of it: a mark slanting across the row (SPECIMEN over 1306室) splits the detector's
    box, and what lies under the mark is lost with it (...231弄11号). Kept only when it reads as
    the same row run on to a finished address."""
    found = _address_rows(lines)
    if found is None or fields.get("address") is None:
        return []
    address_rows, _ = found
    last = address_rows[-1]
    height = max(v.height for v in last)
    end = max(v.right for v in last)
    # The view is the card: the address column ends before the portrait.
    right = PHOTO_BOX[0] * card_size[0] if card_size else max(v.right for row in address_rows for v in row)
    if right - end < _ROW_END_ROOM * height:
        return []
    start = min(last, key=lambda v: v.left)
    centre = sum(v.center_y for v in last) / len(last)
    read_so_far = "".join(v.text for v in sorted(last, key=lambda v: v.left))
    rows_above = "".join(v.text for row in address_rows[:-1] for v in row)

    def run_on(band: TextLine) -> TextLine | None:
        # Only what follows the boxes as read is taken, and only when the band read them the
        # same: a reading that differs from them (楼 -> 接) is a worse one, not more of the row.
        if not band.text.startswith(read_so_far) or _address_end_value(band, longest=len(band.text)) is None:
            return None
        tail = band.text[len(read_so_far) :]
        # A band reaching into the row above (rows set tight) reads that row's end again.
        if not tail or tail in rows_above:
            return None
        # Placed right after the boxes read: the band's share of a wide band may lie far right,
        # and a wide gap would end the address row before it.
        run = lb.sub_line(band, len(read_so_far), len(band.text))
        top, bottom, right_edge = run.top, run.bottom, max(run.right, end + height)
        return dataclasses.replace(
            run, box=((end, top), (right_edge, top), (right_edge, bottom), (end, bottom))
        )

    # The row read again as it was (the usual short last row) needs no second, dark-print reading.
    def differs(band: TextLine) -> bool:
        return band.text != read_so_far

    return _read_band(image, read, centre, height, start.left - height * 0.3, right, run_on, retry=differs)


def _address_rows(lines: list[TextLine]) -> tuple[list[list[TextLine]], TextLine] | None:
    """The address's rows (marks left out) between 住址 and the number's label, and that label."""
    layout = CardLayout.of(without_specimen_marks(lines), lb.FRONT_LABELS)
    label, number = layout.anchor(lb.ADDRESS), layout.anchor(lb.NUMBER)
    if label is None or number is None:
        return None
    column = label.left + label.height * 0.5
    parts = [
        v
        for v in layout.values
        if v.left >= column
        and v.center_y >= label.top
        and v.bottom <= number.top
        and best_number([v]) is None
    ]
    address_rows = rows(parts)
    return (address_rows, number) if address_rows else None


def _address_end_value(band: TextLine, *, longest: int = _LONGEST_END_ROW) -> TextLine | None:
    """The band when it reads as the end of an address: no more than a row holds (or ``longest``
    characters), no mark's letters, finished the way an address is."""
    text = band.text.strip()
    if not text or len(text) > longest or any(c.isascii() and c.isalpha() for c in text):
        return None
    return band if text[-1] in _FINISHED_ADDRESS else None


def _address_value(band: TextLine) -> TextLine | None:
    """The band from its province on (label print before it is cut off), if it names one."""
    start = province_start(band.text)
    if start is None:
        return None
    return lb.sub_line(band, start, len(band.text)) if start else band


def _gender_value(band: TextLine) -> TextLine | None:
    """The band's last character read as 男 or 女 (or unsure with that runner-up), as a line of its own:
    the faint label print before it reads as noise, and the gender parser weighs the two choices
    of a lone box (the field can print nothing else)."""
    for index in range(len(band.text) - 1, -1, -1):
        runner = band.runners_up[index] if index < len(band.runners_up) else ""
        unsure = index < len(band.char_scores) and band.char_scores[index] < REPAIRABLE_BELOW
        if band.text[index] in "男女" or (unsure and runner in ("男", "女")):
            return lb.sub_line(band, index, index + 1)
    return None


def _group_value(band: TextLine) -> TextLine | None:
    """The ethnic group the band ends with, as a line of its own: before it stand 民族 and stray
    strokes, around it the Latin letters of a mark across the row (OPG族C藏ME)."""
    end = len(band.text)
    while end > 0 and band.text[end - 1].isascii():
        end -= 1
    if band.text[:end].endswith("族"):
        end -= 1
    for length in range(min(4, end), 0, -1):
        if band.text[end - length : end] in ETHNIC_GROUPS:
            return lb.sub_line(band, end - length, end)
    return None


def _birthday_value(band: TextLine) -> TextLine | None:
    return band if len(re.findall(r"\d", band.text)) >= _BIRTHDAY_DIGITS else None


def _number_value(band: TextLine) -> TextLine | None:
    return band if len(re.findall(r"[0-9Xx]", band.text)) >= NUMBER_LENGTH - 1 else None


def _validity_value(band: TextLine) -> TextLine | None:
    return band if holds_date_range(band.text) else None


def _authority_value(band: TextLine) -> TextLine | None:
    """The band when it holds an authority's ending anywhere (what follows it, a stamp's edge,
    is the parser's to cut)."""
    return band if any(suffix in band.text for suffix in AUTHORITY_SUFFIXES) else None


def _value_column(layout: CardLayout, birth: TextLine) -> float:
    values = layout.right_of(birth) if layout.anchor(lb.BIRTH) is birth else [birth]
    return values[0].left if values else birth.left


def _read_band(
    image: np.ndarray,
    read: ReadLine,
    centre: float,
    height: float,
    left: float,
    right: float,
    accept: Accept | None = None,
    *,
    retry: Callable[[TextLine], bool] | None = None,
) -> list[TextLine]:
    """The band read as one line: as captured (contrast stretched), then, when ``accept`` finds
    no value in that reading (and ``retry``, if given, finds the reading worth another), with
    only the darkest print kept. Without ``accept`` the first reading is taken as it is."""
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
    return [value] if value is not None else []


def dark_print(grey: np.ndarray) -> np.ndarray:
    """``grey`` with everything lighter than the print turned to paper: a grey 样本/SPECIMEN mark
    over a value is neither red (ink.py takes red marks off) nor as dark as the print, and read
    together the two make neither (民族汉 under ECIMEN reads 4民族ECIMEN, alone 民族汉)."""
    values = grey.astype(np.float32)
    ink, paper = np.percentile(values, _INK_PERCENTILE), np.percentile(values, _PAPER_PERCENTILE)
    cut = ink + _DARK_SHARE * (paper - ink)
    return np.where(values < cut, values, 255.0).astype(np.uint8)
