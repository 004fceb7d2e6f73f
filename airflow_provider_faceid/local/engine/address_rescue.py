"""Read the parts of a front's address the detector missed: its first line (right of 住址, or
lost with the label), the rest of a last row a mark cut short, a last row a mark took into its
own box. Each is a band (:mod:`bands`) placed by the address rows that were read.
"""

from __future__ import annotations

import dataclasses
import itertools
import re

import numpy as np

from airflow_provider_faceid.local.engine import labels as lb
from airflow_provider_faceid.local.engine.bands import MIN_PITCH, ReadLine, read_band
from airflow_provider_faceid.local.engine.card_geometry import PHOTO_BOX
from airflow_provider_faceid.local.engine.front_fields import (
    ADDRESS_ENDINGS,
    BIRTHDAY,
    HOUSE_ENDINGS,
)
from airflow_provider_faceid.local.engine.layout import NUMBERED_UNITS, SAME_ROW, CardLayout, rows
from airflow_provider_faceid.local.engine.number_reading import best_number
from airflow_provider_faceid.local.engine.place_names import province_names, province_start
from airflow_provider_faceid.local.engine.reading import REPAIRABLE_BELOW, SURE_FROM, Reading, one_apart
from airflow_provider_faceid.local.engine.textline import TextLine
from airflow_provider_faceid.local.engine.watermarks import (
    MARK_LOOKALIKES,
    mark_boxes,
    without_mark_tail,
    without_specimen_marks,
)

# Address lines are this many line heights apart (1.05-1.15 on the cards measured).
_ADDRESS_PITCH = 1.1

# An address's first line, in line heights of its second: 11-13 characters a little wider than high.
_ADDRESS_WIDTH = 16

# What follows a number in an address: the units, and the 社 of a village's groups (3社274号).
_COUNTED = NUMBERED_UNITS | {"社"}
# How a finished address ends (a digit may end a room number whose 室 went onto a row of its own).
_FINISHED_ADDRESS = frozenset(ADDRESS_ENDINGS - set("0123456789"))

# An address row holds at most this many characters (12-13 on the cards measured, plus slack).
_LONGEST_END_ROW = 16

# A last address row ending this many line heights short of the column may go on under a mark:
# room for one character and the gap before it (河 of 双河 under a mark's foot, 1.9 short).
_ROW_END_ROOM = 1.5
# A run-on this long that spells the row above again but for one unsure character is that row
# read again: shorter runs (3号 against 5号 above) are as likely new print.
_FUZZY_REPEAT = 4
# A band that reads a row's end otherwise than its boxes did must read this much of its start the same.
_KEPT_OF_ROW = 2
# A row whose tallest box is this many times the row above's holds a mark's box with its print.
_MERGED_ROW = 1.5

# The start of such a row, in line heights: 室 or 12号 and the slack before them.
_SHORT_END_ROW = 3.5

# The most digits of a room number that may go onto a row of their own.
_ROOM_DIGITS = 4

# Two address rows read this many row pitches apart have one lost between them.
_LOST_ROW_GAP = 1.7

# A row below the address read as this many characters of the rows above is one of them read again.
_REPEAT = 3

# A row ending within this many line heights of the column's end is full.
_FULL_ROW_SLACK = 1.0
# An address ending in a house or room number (号, 室) is most likely finished; one ending in a
# place (村, 社, 组 ...) often goes on (社 | 区9巷377号), and the column may end up to this many
# line heights left of where the card view puts it (a portrait set further left).
_OPEN_ENDING_SLACK = 3.0
# Without the card's proportions (a frame whose card was not found) a lone address row this many
# line heights wide, less the slack, is taken to fill the column: rows hold 11-14 characters.
_FULL_ROW_WIDTH = 12

# What an address row prints: a box without a character or a digit (yo: the edge of a SPECIMEN
# over a lone 号) is not one, and taken for the last row it hides the row it stands in.
_ADDRESS_PRINT = re.compile(r"[\u4e00-\u9fff0-9]")
_TRAILING_LETTERS = re.compile(r"(?<=[\u4e00-\u9fff])[A-Za-z]+$")


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
    if second.center_y - label.center_y > 2 * MIN_PITCH * height:
        return []
    right = _column_right(card_size, otherwise=max(second.right, label.right + _ADDRESS_WIDTH * height))
    return read_band(image, read, label.center_y, height, label.right, right, _address_value)


def _unlabelled_first_line(
    image: np.ndarray, layout: CardLayout, read: ReadLine, card_size: tuple[float, float] | None
) -> list[TextLine]:
    """The address's first line when it was lost with its 住址 label (a mark across both): the
    row one address pitch above the first address line read, below the birthday, from the
    label column on (the label's print is cut off at the province)."""
    # The date's box, or the 出生 label when the date was read in pieces (1963年 | 3月7日).
    birth = next((v for v in layout.values if BIRTHDAY.search(v.text)), None) or layout.anchor(lb.BIRTH)
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
    right = _column_right(card_size, otherwise=second.right + 4 * height)
    return read_band(image, read, centre, height, left, right, _address_value)


def rescued_address_end(
    image: np.ndarray,
    lines: list[TextLine],
    fields: dict[str, object],
    read: ReadLine,
    *,
    card_size: tuple[float, float] | None = None,
) -> list[TextLine]:
    """The row below the address's last, read as a band, when the address stops short of how an
    address ends (...1幢2205, ...5门1), or its last row fills the column (...永安镇梨花村, then
    一组212号): a grey SPECIMEN slanting across a short last row (室, 301号) takes the row into
    the mark's own box, which is dropped with the mark."""
    address = str(fields.get("address") or "")
    found = _address_rows(lines)
    if not address or found is None:
        return []
    address_rows, number = found
    last = address_rows[-1]
    height = max(v.height for v in last)
    slack = _FULL_ROW_SLACK if address[-1] in HOUSE_ENDINGS else _OPEN_ENDING_SLACK
    full = _fills_column(last, height, card_size, slack=slack, above=address_rows[:-1])
    if address[-1] in _FINISHED_ADDRESS and not full:
        return []
    centres = [sum(v.center_y for v in row) / len(row) for row in address_rows]
    # Address rows are set closer than the card's other rows: about one line height apart.
    pitch = centres[-1] - centres[-2] if len(centres) > 1 else height
    centre = centres[-1] + pitch
    if centre + height / 2 > number.top:
        return []
    left = min(v.left for v in last) - height * 0.5
    right = max(v.right for row in address_rows for v in row)
    end_value = _room_digits_or_end if address[-1].isdigit() else _address_end_value
    read_above = "".join(v.text for row in address_rows for v in row)

    row_starts = [_row_text(row)[:_REPEAT] for row in address_rows]

    def accept(band: TextLine) -> TextLine | None:
        # The band reaching up into the last row reads its start again (大街122号院 below
        # 大街122号院27号楼106; 路151号院5号, a digit misread, below 路151号院3号楼1706 on a tilted
        # capture): no row below repeats three characters or more of the rows above, nor starts
        # as one of them does.
        value = end_value(band)
        if value is None or len(value.text) < _REPEAT:
            return value
        repeated = value.text in read_above or value.text[:_REPEAT] in row_starts
        return None if repeated else value

    found_end = read_band(image, read, centre, height, left, right, accept)
    # The mark's letters as dark as the print (a screen re-shoot) read into the whole band; a
    # row of one or two characters (室, 12号) is clear of them at its start.
    return found_end or read_band(image, read, centre, height, left, left + _SHORT_END_ROW * height, accept)


def rescued_address_row_end(
    image: np.ndarray,
    lines: list[TextLine],
    fields: dict[str, object],
    read: ReadLine,
    *,
    card_size: tuple[float, float] | None = None,
) -> list[TextLine]:
    """Address rows read again out to the address column's end, where their boxes stop well
    short of it: a mark slanting across a row splits the detector's box, and what lies under the
    mark is lost with it (...231弄11号 on the last row; 县三合 between 自治 and the next row's 镇).
    Kept only when the band reads the same row run on: to a finished address on the last row,
    by surely read print on a row the address goes on below (rows are filled before they wrap).
    A row the address goes on below is read on where a mark was read beside it, or a box of its
    own past a wide gap (四川省阿坝藏族羌族 | 尔盖县高 on a clean card: 自治州若 between was never
    boxed, and the row stops at the gap)."""
    found = _address_rows(lines)
    if found is None or fields.get("address") is None:
        return []
    address_rows, _ = found
    right = _column_right(card_size, otherwise=max(v.right for row in address_rows for v in row))
    marks = mark_boxes(lines)
    extra: list[TextLine] = []
    for index, row in enumerate(address_rows):
        rows_above = "".join(v.text for above in address_rows[:index] for v in above)
        below = _row_text(address_rows[index + 1]) if index + 1 < len(address_rows) else None
        # A row the address goes on below is read on only where a mark was read beside it: rows
        # wrap short of where the card view puts the column's end on most cards.
        marked = _marks_after(row, marks, right)
        if below is None or marked or _print_past_gap(row, lines, right):
            above = address_rows[index - 1] if index else None
            # Without the card's size, the column is known only as far as the rows read reach:
            # the row's print under a mark beside the widest row runs on as far as the mark.
            reach = max([right, *(m.right for m in marked)]) if card_size is None else right
            extra += _row_run_on(image, read, row, reach, rows_above, below, above=above)
    return extra


def _print_past_gap(row: list[TextLine], lines: list[TextLine], right: float) -> bool:
    """Whether a box on ``row``'s band starts after the row's end and before ``right``."""
    end = max(v.right for v in row)
    return any(
        end < line.left < right and line.vertical_overlap(row[0]) >= SAME_ROW and line not in row
        for line in lines
    )


def _marks_after(row: list[TextLine], marks: list[TextLine], right: float) -> list[TextLine]:
    """The marks' boxes on ``row``'s band that start before ``right`` and end after the row."""
    top, bottom, end = min(v.top for v in row), max(v.bottom for v in row), max(v.right for v in row)
    return [m for m in marks if m.top < bottom and m.bottom > top and m.right > end and m.left < right]


def rescued_address_gap(
    image: np.ndarray,
    lines: list[TextLine],
    fields: dict[str, object],
    read: ReadLine,
    *,
    card_size: tuple[float, float] | None = None,
) -> list[TextLine]:
    """An address row between two rows read, when they lie two row pitches apart: a mark across
    the middle row can hide it whole from the detector (自 | 社区2巷17号, 治州富宁县... lost).
    Read from the column's start to its end, kept only when read as sure print (:func:`_sure_print`)."""
    found = _address_rows(lines)
    if found is None or fields.get("address") is None:
        return []
    address_rows, _ = found
    right = _column_right(card_size, otherwise=max(v.right for row in address_rows for v in row))
    extra: list[TextLine] = []
    for upper, lower in itertools.pairwise(address_rows):
        # The lower of the two rows' heights: a long row's box on a tilted capture, or one a
        # mark slants through, is taller than its print.
        height = min(max(v.height for v in row) for row in (upper, lower))
        top_centre = sum(v.center_y for v in upper) / len(upper)
        bottom_centre = sum(v.center_y for v in lower) / len(lower)
        if bottom_centre - top_centre < _LOST_ROW_GAP * _ADDRESS_PITCH * height:
            continue
        # From the further left of the two: the lower "row" may be a mark's scrap (牛 for 样
        # under the lost row's end), far right of the column.
        left = min(v.left for v in (*upper, *lower)) - height * 0.3
        extra += read_band(image, read, (top_centre + bottom_centre) / 2, height, left, right, _sure_print)
    return extra


def _row_run_on(
    image: np.ndarray,
    read: ReadLine,
    row: list[TextLine],
    right: float,
    rows_above: str,
    below: str | None,
    *,
    above: list[TextLine] | None = None,
) -> list[TextLine]:
    """One address row's band out to ``right`` and what it reads after the boxes as read;
    ``below`` is the next row's text, None for the last row; ``above`` the row above's boxes."""
    height = max(v.height for v in row)
    centre = sum(v.center_y for v in row) / len(row)
    if above is not None and height > _MERGED_ROW * max(v.height for v in above):
        # A mark's box merged with the row's (树村IMEN: the row's end under SPECIMEN) stands far
        # taller than the row: a band that tall reads the row above into it. The row lies one
        # pitch below the row above, as tall as that.
        height = max(v.height for v in above)
        centre = sum(v.center_y for v in above) / len(above) + _ADDRESS_PITCH * height
    end = max(v.right for v in row)
    if right - end < _ROW_END_ROOM * height:
        return []
    start = min(row, key=lambda v: v.left)
    read_so_far = _row_text(row)

    def run_on(band: TextLine) -> TextLine | None:
        # Only what follows the boxes as read is taken, and only when the band read them the
        # same: a reading that differs from them (楼 -> 接) is a worse one, not more of the row.
        # Or the band reads the row's end again where the boxes read it unsure or as a mark's.
        kept = _kept_of_row(band, row)
        if kept is None:
            return None
        value = (
            _address_end_value(band, longest=len(band.text))
            if below is None
            else _sure_print(band, new_from=kept)
        )
        if value is None:
            return None
        tail = value.text[kept:]
        run = lb.sub_line(band, kept, len(value.text))
        # A band reaching into the row above (rows set tight) reads that row's end again; one
        # reaching into the row below, that row's start.
        if not tail or _read_again(run, rows_above) or (below is not None and below.startswith(tail)):
            return None
        if below is not None and tail[-1].isdigit() and not _counts_on(below):
            # A number the row below does not go on with, or count (自7 | 治州: a stroke of the
            # mark read as a digit), is none.
            return None
        if kept < len(read_so_far):
            # In place of the row's boxes, which it covers: their end was the mark's.
            return value if _sure_print(value, new_from=kept) is value else None
        # Placed right after the boxes read: the band's share of a wide band may lie far right,
        # and a wide gap would end the address row before it.
        top, bottom, right_edge = run.top, run.bottom, max(run.right, end + height)
        return dataclasses.replace(
            run, box=((end, top), (right_edge, top), (right_edge, bottom), (end, bottom))
        )

    # The row read again as it was (the usual short last row) needs no second, dark-print reading.
    def differs(band: TextLine) -> bool:
        return band.text != read_so_far

    return read_band(image, read, centre, height, start.left - height * 0.3, right, run_on, retry=differs)


def _kept_of_row(band: TextLine, row: list[TextLine]) -> int | None:
    """How much of the row's boxes ``band`` keeps: all of them when it reads them the same, else
    the start it reads the same when the boxes read every character after that unsure, or not
    surely with a mark's character or a Latin letter first or second (沙社区7巷禅4, 禅 at 0.81
    with 样 second, 4 at 0.72: 294号 under a 样本, which the band's darkest print reads); None
    when it reads the row otherwise."""
    read_so_far, boxes = _row_text(row), Reading.of(row)
    if band.text.startswith(read_so_far):
        return len(read_so_far)
    kept = next(
        (at for at, (ours, theirs) in enumerate(zip(band.text, read_so_far, strict=False)) if ours != theirs),
        min(len(band.text), len(read_so_far)),
    )
    # (Offsets hold only while the boxes' reading trims nothing off their text.)
    if kept < _KEPT_OF_ROW or boxes.text != read_so_far:
        return None
    unsure = all(
        score < REPAIRABLE_BELOW or (score < SURE_FROM and _marks_choice(char, runner))
        for char, score, runner in zip(
            boxes.text[kept:], boxes.scores[kept:], boxes.runners_up[kept:], strict=True
        )
    )
    return kept if unsure else None


def _marks_choice(char: str, runner: str) -> bool:
    """Whether the recogniser's first or second choice is one of the mark's characters or a Latin
    letter (its SPECIMEN over a room number: 30号SD5, 5 at 0.78 with F second, for 1005室)."""
    return bool({char, runner} & MARK_LOOKALIKES) or any(c.isascii() and c.isalpha() for c in (char, runner))


def _counts_on(row: str) -> bool:
    """Whether ``row`` starts as what follows a number: more digits or the unit it counts."""
    return row[:1].isdigit() or row[:1] in _COUNTED


def _read_again(run: TextLine, text: str) -> bool:
    """Whether ``run`` spells a stretch of ``text``, exactly or (from ``_FUZZY_REPEAT``
    characters on) with one character other, read unsure or with the row above's character for
    its runner-up: a band's edge over the row above reads that row's lower halves, where one
    character passes for another (县 as 会 at 0.62; 梨 as 架 at 0.75, runner-up 梨)."""
    if run.text in text:
        return True
    if len(run.text) < _FUZZY_REPEAT:
        return False
    return any(
        run.char_scores[at] < REPAIRABLE_BELOW
        or (at < len(run.runners_up) and run.runners_up[at] == text[start + at])
        for start, at in one_apart(text, run.text)
    )


def _sure_print(band: TextLine, *, new_from: int = 0) -> TextLine | None:
    """The band up to its last address print when every character from ``new_from`` on (what the
    band adds to boxes already read) is print read surely and no mark's (样本 or what it is read
    as): the middle of an address, which may end anyhow. What was read already may hold 木 (佳木斯)."""
    printed = _ADDRESS_PRINT.search(band.text[::-1])
    if printed is None:
        return None
    end = len(band.text) - printed.start()
    pairs = zip(band.text[new_from:end], band.char_scores[new_from:], strict=False)
    if end <= new_from or not all(
        _ADDRESS_PRINT.match(c) and s >= REPAIRABLE_BELOW and c not in MARK_LOOKALIKES for c, s in pairs
    ):
        return None
    return band if end == len(band.text) else lb.sub_line(band, 0, end)


def _row_text(row: list[TextLine]) -> str:
    """What an address row reads (:func:`_address_rows` gives its boxes left to right)."""
    return "".join(v.text for v in row)


def _fills_column(
    row: list[TextLine],
    height: float,
    card_size: tuple[float, float] | None,
    *,
    slack: float,
    above: list[list[TextLine]],
) -> bool:
    """Whether ``row`` runs to within ``slack`` line heights of the address column's end: the
    address may go on below it. The column's end is known when the view is the card; otherwise a
    row ending in a house or room number is taken as finished (most are), and one ending in a
    place is measured against the rows above it, which wrapped, or alone against how many
    characters a row holds."""
    right = max(v.right for v in row)
    if card_size is not None:
        return right > _column_right(card_size, otherwise=0.0) - slack * height
    if slack <= _FULL_ROW_SLACK:
        return False
    if above:
        return right > max(v.right for r in above for v in r) - slack * height
    return right - min(v.left for v in row) > (_FULL_ROW_WIDTH - slack) * height


def _column_right(card_size: tuple[float, float] | None, *, otherwise: float) -> float:
    """Where the address column ends: before the portrait when the view is the card, else at
    ``otherwise`` (a guess from the rows read)."""
    return PHOTO_BOX[0] * card_size[0] if card_size is not None else otherwise


def _address_rows(lines: list[TextLine]) -> tuple[list[list[TextLine]], TextLine] | None:
    """The address's rows (marks left out) between 住址 and the number's label, and that label;
    with either label lost, between the birthday and the number (as the parser's row order has
    them), and the number's box."""
    layout = CardLayout.of(without_specimen_marks(lines), lb.FRONT_LABELS)
    bounds = _labelled_bounds(layout) or _unlabelled_bounds(layout)
    if bounds is None:
        return None
    top, column, number = bounds
    parts = [
        v
        for v in layout.values
        if v.left >= column
        and v.center_y >= top
        and v.bottom <= number.top
        and best_number([v]) is None
        and _ADDRESS_PRINT.search(v.text)
    ]
    address_rows = rows(parts)
    return (address_rows, number) if address_rows else None


def _labelled_bounds(layout: CardLayout) -> tuple[float, float, TextLine] | None:
    label, number = layout.anchor(lb.ADDRESS), layout.anchor(lb.NUMBER)
    if label is None or number is None:
        return None
    # Half a line above the label's top: in a box rising to the right (a tilted capture) the
    # label's share lies lower than the value's.
    return label.top - label.height * 0.5, label.left + label.height * 0.5, number


def _unlabelled_bounds(layout: CardLayout) -> tuple[float, float, TextLine] | None:
    """Below the box holding the birth year a valid number encodes, from a line height left of
    that year on, above the number's box."""
    numbers = [
        (v, reading) for v in layout.values if (reading := best_number([v])) is not None and reading.valid
    ]
    if len(numbers) != 1:
        return None
    number, reading = numbers[0]
    year = reading.text[6:10]
    boxes = [v for v in layout.values if v.bottom <= number.top and year in v.text and v is not number]
    if len(boxes) != 1:
        return None
    box = boxes[0]
    return box.bottom, lb.char_left(box, box.text.index(year)) - box.height, number


def _address_end_value(band: TextLine, *, longest: int = _LONGEST_END_ROW) -> TextLine | None:
    """The band when it reads as the end of an address: no more than a row holds (or ``longest``
    characters), no mark's letters, finished the way an address is. Symbols after its end (室##:
    the mark's edge) are cut off, as is a mark's edge after its 号 or 室: no address ends in one."""
    printed = _ADDRESS_PRINT.search(band.text[::-1])
    if printed is None:
        return None
    # The mark's edge after the address's 号 (...60号本) is no more of it than a symbol is.
    end = len(without_mark_tail(band.text[: len(band.text) - printed.start()]))
    end = _before_unsure_tail(band, end)
    text = band.text[:end].strip()
    if not text or len(text) > longest or any(c.isascii() and c.isalpha() for c in text):
        return None
    if text[-1] not in _FINISHED_ADDRESS:
        return None
    return band if end == len(band.text) else lb.sub_line(band, 0, end)


def _before_unsure_tail(band: TextLine, end: int) -> int:
    """Where the band's address ends when it does not end finished at ``end``: after the first
    号 or 室 behind which the band reads at least twice as many unsure characters as sure ones
    (...5门1802号区个日街门号沈1: the print beyond the column read as noise), else ``end``."""
    if band.text[:end].rstrip()[-1:] in _FINISHED_ADDRESS:
        return end
    for index in range(end - 1):
        if band.text[index] not in _FINISHED_ADDRESS:
            continue
        tail = band.char_scores[index + 1 : end]
        unsure = sum(score < REPAIRABLE_BELOW for score in tail)
        if unsure >= 2 * (len(tail) - unsure):
            return index + 1
    return end


def _room_digits_or_end(band: TextLine) -> TextLine | None:
    """After an address stopping on a digit: the end of an address, or the rest of its room
    number alone (楼50 | 2: a card may print the room without 室), every digit read surely (a
    mark's scrap below the address reads as unsure digits, 11 or 件4)."""
    text = band.text.strip()
    sure = all(score >= REPAIRABLE_BELOW for score in band.char_scores)
    if text.isdigit() and len(text) <= _ROOM_DIGITS and sure:
        return band
    return _address_end_value(band)


def _address_value(band: TextLine) -> TextLine | None:
    """The band from its province on (label print before it is cut off), if it names one, and
    without Latin letters after its last character: the band runs to the column's end, where a
    SPECIMEN's edge is read as a letter or two (学府西P)."""
    start = province_start(band.text)
    if start is None:
        return None
    end = len(_TRAILING_LETTERS.sub("", band.text))
    return band if (start, end) == (0, len(band.text)) else lb.sub_line(band, start, end)
