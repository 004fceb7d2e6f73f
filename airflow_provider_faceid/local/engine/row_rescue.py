"""Read a front row the detector missed, from where the card's other rows say it must be.

The detector often finds no box at all for the short 性别/民族 row ("性别 男   民族 汉": two
characters of label, one of value, wide gaps) or for a two-character name, while the rows above
and below read well. The front's rows are evenly spaced, so the missing row's band is known: it
is cut out and given to the recogniser as one line, without detection.
"""

from __future__ import annotations

import re
from collections.abc import Callable

import cv2
import numpy as np

from airflow_provider_faceid.local.engine import labels as lb
from airflow_provider_faceid.local.engine.back_fields import AUTHORITY_SUFFIXES
from airflow_provider_faceid.local.engine.front_fields import BIRTHDAY, ETHNIC_GROUPS
from airflow_provider_faceid.local.engine.layout import CardLayout
from airflow_provider_faceid.local.engine.reading import REPAIRABLE_BELOW
from airflow_provider_faceid.local.engine.textline import Point, TextLine

ReadLine = Callable[[np.ndarray, tuple[Point, Point, Point, Point]], "TextLine | None"]
# The band is this many row heights tall around the expected centre: a line plus some slack for
# a slightly uneven pitch.
_BAND_HEIGHT = 1.4
# Rows on the card are at least this many line heights apart; closer anchors are one row.
_MIN_PITCH = 1.2
# The widest authority row, in line heights.
_AUTHORITY_WIDTH = 22
# Digits a band must hold to be the birthday row: the year and at least a month.
_BIRTHDAY_DIGITS = 5


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
    birth = layout.anchor(lb.BIRTH) or next((v for v in layout.values if BIRTHDAY.search(v.text)), None)
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
    if fields.get("gender") is None:
        band: list[TextLine] = []
        if gender is not None:
            # Label read, value not: the value alone, between the label and 民族.
            end = race.left if race is not None else gender.right + 3 * height
            band = _read_band(image, read, gender.center_y, height, gender.right, end)
        elif race is not None:
            # The 民族 box was read: what is missing is 性别 and its value, left of it.
            band = _read_band(image, read, race.center_y, height, left, race.left)
        elif name is not None and birth.center_y - name.center_y >= 2 * _MIN_PITCH * height:
            band = _read_band(image, read, (name.center_y + birth.center_y) / 2, height, left, right)
        found += [value for line in band if (value := _gender_value(line)) is not None]
    if fields.get("race") is None and gender is not None and race is None:
        # 性别 read, 民族 and its value not (a mark slanting across them): the rest of the row.
        values = layout.right_of(gender)
        start = max([gender.right, *(v.right for v in values if v.text in ("男", "女"))])
        band = _read_band(image, read, gender.center_y, height, start, right)
        found += [value for line in band if (value := _group_value(line)) is not None]
    pitch = birth.center_y - row.center_y if row is not None else 0.0
    if fields.get("name") is None and name is not None:
        # 姓名 read, the name not: a two-character name is often no box of its own.
        found += _read_band(image, read, name.center_y, height, name.right, right)
    elif fields.get("name") is None and row is not None and pitch >= _MIN_PITCH * height:
        # From the value column on: the light label print of a band reads as noise.
        column = _value_column(layout, birth)
        found += _read_band(image, read, row.center_y - pitch, height, column - height * 0.3, right)
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
        return []
    height = (row.height + address.height) / 2
    gap = address.center_y - row.center_y
    if gap < 2 * _MIN_PITCH * height:
        return []
    # The date is no wider than the address's first line, which ends before the portrait.
    values = layout.right_of(address)
    right = values[0].right if values else address.right + 12 * height
    band = _read_band(
        image, read, row.center_y + gap / 2, height, min(row.left, address.left) - height, right
    )
    return [line for line in band if len(re.findall(r"\d", line.text)) >= _BIRTHDAY_DIGITS]


def rescued_authority(
    image: np.ndarray, lines: list[TextLine], fields: dict[str, object], read: ReadLine
) -> list[TextLine]:
    """The authority row's band right of 签发机关, read as one line, when no box held an
    authority that ends like one: a mark slanting across the row can hide it from the detector."""
    if str(fields.get("issued_by") or "").endswith(AUTHORITY_SUFFIXES):
        return []
    label = CardLayout.of(lines, lb.BACK_LABELS).anchor(lb.ISSUER)
    if label is None:
        return []
    # Long authorities (新疆维吾尔自治区巴音郭楞蒙古自治州公安局) fill the row to the card's edge.
    right = label.right + _AUTHORITY_WIDTH * label.height
    return _read_band(image, read, label.center_y, label.height, label.right, right)


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


def _value_column(layout: CardLayout, birth: TextLine) -> float:
    values = layout.right_of(birth) if layout.anchor(lb.BIRTH) is birth else [birth]
    return values[0].left if values else birth.left


def _read_band(
    image: np.ndarray, read: ReadLine, centre: float, height: float, left: float, right: float
) -> list[TextLine]:
    rows, cols = image.shape[:2]
    top = max(0, round(centre - _BAND_HEIGHT * height / 2))
    bottom = min(rows, round(centre + _BAND_HEIGHT * height / 2))
    x0, x1 = max(0, round(left)), min(cols, round(right))
    if bottom - top < 4 or x1 - x0 < 4 * height:
        return []
    box: tuple[Point, Point, Point, Point] = ((x0, top), (x1, top), (x1, bottom), (x0, bottom))
    # Stretched to full contrast in grey: a band holds no background to speak of, and the faint
    # value of a washed-out capture reads far more surely (男 0.30 -> 0.89 on a screen re-shoot).
    grey = cv2.cvtColor(image[top:bottom, x0:x1], cv2.COLOR_BGR2GRAY)
    low, high = float(grey.min()), float(grey.max())
    stretched = ((grey - low) * (255.0 / max(high - low, 1.0))).astype(np.uint8)
    line = read(cv2.cvtColor(stretched, cv2.COLOR_GRAY2BGR), box)
    return [line] if line is not None else []
