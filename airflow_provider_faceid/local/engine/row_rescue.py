"""Read a front row the detector missed, from where the card's other rows say it must be.

The detector often finds no box at all for the short 性别/民族 row ("性别 男   民族 汉": two
characters of label, one of value, wide gaps) or for a two-character name, while the rows above
and below read well. The front's rows are evenly spaced, so the missing row's band is known: it
is cut out and given to the recogniser as one line, without detection (:mod:`bands`). The same
for the birthday row and the number row; the address has :mod:`address_rescue`, the back
:mod:`back_rescue`.
"""

from __future__ import annotations

import re
import statistics

import numpy as np

from airflow_provider_faceid import idnumber
from airflow_provider_faceid.local.engine import labels as lb
from airflow_provider_faceid.local.engine.bands import MIN_PITCH, Accept, ReadLine, read_band
from airflow_provider_faceid.local.engine.front_fields import (
    BIRTHDAY,
    ETHNIC_GROUPS,
    first_address_row,
)
from airflow_provider_faceid.local.engine.layout import CardLayout
from airflow_provider_faceid.local.engine.number_reading import NUMBER_LENGTH, best_number
from airflow_provider_faceid.local.engine.reading import REPAIRABLE_BELOW, SURE_FROM
from airflow_provider_faceid.local.engine.surnames import starts_with_surname
from airflow_provider_faceid.local.engine.textline import TextLine
from airflow_provider_faceid.local.engine.watermarks import (
    MARK_CHARACTERS,
    MARK_LOOKALIKES,
    mark_boxes,
    without_specimen_marks,
)

# The widest birthday row (2000 年 12 月 28 日 with the card's spacing), in line heights.
_BIRTHDAY_WIDTH = 12

# Digits a band must hold to be the birthday row: the year and at least a month.
_BIRTHDAY_DIGITS = 5

# 性别 and the gap after it, left of the value column, in line heights.
_LABEL_WIDTH = 3.5

# The longest group's name (柯尔克孜, 乌孜别克) plus slack, in line heights.
_GROUP_WIDTH = 5

# The number row right of 公民身份号码, in the label's line heights: its 18 characters are printed
# larger than the label (about 1.2 times as high, 16 label heights wide on the cards measured);
# the band runs on far enough for a misprinted 20.
_NUMBER_HEIGHT = 1.3
_NUMBER_WIDTH = 24

# Where a card prints its number row (its centre, and the end of the print), in card heights and
# widths: 0.83-0.86 on the cards measured; the band's 1.4 row heights cover the rest.
_NUMBER_ROW = 0.845
_CARD_END = 0.97

# A mark's Latin letters read into a box (two in a row: a lone letter may be a value's, A座).
_MARK_LETTERS = re.compile(r"[A-Za-z]{2,}")
# The characters of a name a mark over its start may hide (the mark's letters are read in
# place of one or two of them), and the label characters a name's band may start with.
_LOST_NAME_CHARS = 2
_NAME_LABEL = frozenset(lb.NAME)
# A mark right after a name in its box. Only its 样: the mark's S may be read as an ideograph
# (样本必PECIMEN), which a band would add to the name.
_MARK_AFTER = re.compile(r"样")
# Its 本 right after a name counts only where the name's last character was read short of sure.
_MARK_BEN = "本"
# A mark boxed on its own that starts this many line heights after a name's box or nearer may
# hide the name's last characters.
_MARK_GAP = 0.5
_IDEOGRAPHS = re.compile(r"[\u4e00-\u9fff]")
_TRAILING_LETTERS = re.compile(r"[A-Za-z]+$")


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
    if row is None and name is None and fields.get("name") is None:
        found += _unlabelled_name(image, layout, birth, read, right)
    if row is None and None in (fields.get("gender"), fields.get("race")):
        if name is None:
            return found + _unlabelled_gender_row(image, layout, birth, fields, read, right)
        if fields.get("gender") is not None:
            # 姓名 read, the row's labels not: the group is read as when every label was lost (a
            # missing gender is read below, midway between the name and the birthday).
            found = _unlabelled_gender_row(image, layout, birth, fields, read, right)
    if fields.get("gender") is None:
        if gender is not None:
            # Label read, value not: the value alone, between the label and 民族.
            end = race.left if race is not None else gender.right + 3 * height
            found += read_band(image, read, gender.center_y, height, gender.right, end, _gender_value)
        elif race is not None:
            # The 民族 box was read: what is missing is 性别 and its value, left of it.
            found += read_band(image, read, race.center_y, height, left, race.left, _gender_value)
        elif name is not None and birth.center_y - name.center_y >= 2 * MIN_PITCH * height:
            # The whole row midway between the name and the birthday: its group too, when no
            # box on it was read (the band holds 民族 and the group after the gender).
            centre = (name.center_y + birth.center_y) / 2
            band = read_band(image, read, centre, height, left, right, _holding_gender)
            found += _row_values(band, fields)
    # A race read as no group (释本: the mark over it read in its place) is no race either.
    group_read = fields.get("race") in ETHNIC_GROUPS
    if not group_read and gender is not None and race is None:
        # 性别 read, 民族 and its value not (a mark slanting across them): the rest of the row.
        values = layout.right_of(gender)
        start = max([gender.right, *(v.right for v in values if v.text in ("男", "女"))])
        found += read_band(image, read, gender.center_y, height, start, right, _group_value)
    elif not group_read and race is not None:
        # 民族 read, its value not a group (a grey mark over it read into it as 本): the label and
        # what follows up to the longest group's width (where the label ends is a guess when the
        # mark was read into its box; the group is taken from the band's end).
        end = race.right + _GROUP_WIDTH * race.height
        found += read_band(image, read, race.center_y, height, race.left, end, _group_value)
    pitch = birth.center_y - row.center_y if row is not None else 0.0
    if fields.get("name") is None and name is not None:
        # 姓名 read, the name not: a two-character name is often no box of its own.
        found += read_band(image, read, name.center_y, height, name.right, right, _name_value)
    elif fields.get("name") is None and row is not None and pitch >= MIN_PITCH * height:
        # From the value column on: the light label print of a band reads as noise.
        column = _value_column(layout, birth)
        found += read_band(
            image, read, row.center_y - pitch, height, column - height * 0.3, right, _name_value
        )
    elif (
        row is not None
        and pitch >= MIN_PITCH * height
        and (under := _name_under_mark(lines, fields, row.center_y - pitch))
    ):
        marked, box = under
        # Up to the marked box's end: further on, more of the mark and the portrait's print
        # make the band's reading of the name unsure.
        name_read = str(fields["name"])
        accept = _first_of(_name_run_back_or_on(name_read), _name_last_read_again(name_read))
        band = read_band(image, read, row.center_y - pitch, height, left, marked.right, accept)
        found += [_in_marked_box(box, name_read, name) for name in band]
    elif name is not None and len(str(fields["name"])) < lb.SHORTEST_NAME:
        # A name is a surname and a given name: one character is a name whose box stopped short
        # (李 boxed alone, 兰环 passed over on a photocopy). Its row read on from the label.
        found += _name_read_on(image, read, layout.right_of(name), str(fields["name"]), name, right)
    return found


def _name_read_on(
    image: np.ndarray, read: ReadLine, values: list[TextLine], name_read: str, label: TextLine, right: float
) -> list[TextLine]:
    """The name row's band from ``label`` to ``right``, kept when it reads the name read run on by
    surely read characters (:func:`_name_run_back_or_on`), and placed over the name's box."""
    box = next((v for v in values if name_read in v.text), None)
    if box is None:
        return []
    accept = _name_run_back_or_on(name_read)
    band = read_band(image, read, box.center_y, label.height, label.right, right, accept)
    return [_in_marked_box(box, name_read, name) for name in band]


def _in_marked_box(marked: TextLine, name_read: str, name: TextLine) -> TextLine:
    """The box the name was read in (the marked box, or the name's own before a mark boxed
    apart) with the name as the band read it in place of the name as read: the box's label and
    mark stay for the parser to cut, and the name keeps its place between them (a band read from
    its darkest print may have lost the faint label, and its share of the band would put the
    name too far left)."""
    start = marked.text.index(name_read)
    end = start + len(name_read)
    # The mark's letters read in place of the characters the band found before the name go with
    # the name read (姓SPE力格MEN: SPE stood for 名 and 毕).
    found_before = not name.text.startswith(name_read)
    while found_before and start > 0 and marked.text[start - 1].isascii():
        start -= 1
    return TextLine(
        text=marked.text[:start] + name.text + marked.text[end:],
        box=marked.box,
        score=min(marked.score, name.score),
        char_scores=(*marked.char_scores[:start], *name.char_scores, *marked.char_scores[end:]),
        runners_up=(*marked.runners_up[:start], *name.runners_up, *marked.runners_up[end:]),
    )


def _name_value(band: TextLine) -> TextLine | None:
    """The band when it holds a name once a mark's letters are cut from it (two ideographs at
    least); else None, and its darkest print is read (a grey SPECIMEN over the name, GIMENW).
    Letters after the name are a mark's edge, and so are unsure characters right before them
    (阿娜尔·阿不都二N, 二 at 0.55): no name is written with either, and they are cut off."""
    kept = "".join(piece.text for piece in without_specimen_marks([band]))
    if len(_IDEOGRAPHS.findall(kept)) < lb.SHORTEST_NAME:
        return None
    end = len(_TRAILING_LETTERS.sub("", band.text))
    if end == len(band.text):
        return band
    while end and band.char_scores[end - 1] < REPAIRABLE_BELOW and not band.text[end - 1].isascii():
        end -= 1
    if len(_IDEOGRAPHS.findall(band.text[:end])) < lb.SHORTEST_NAME:
        return None
    return lb.sub_line(band, 0, end)


def _name_under_mark(
    lines: list[TextLine], fields: dict[str, object], centre: float
) -> tuple[TextLine, TextLine] | None:
    """The box on the name's row where a mark was read, when the name read may have lost
    characters to it, and the box holding the name: its first ones when it starts with no
    surname and its box holds the mark's Latin letters (``姓SPE力格MEN``: the letters read in
    place of 毕 and of 名) or a mark's box reaches over its box's start; its last ones when the
    mark follows it in its box (``姓名邹春样本``: 媛 under 样; 长孙思群本, 群 the blend of 欣 and
    样) or in a box of its own starting where the name's stops (黄秋 | 样本: 鑫 under 样)."""
    name = fields.get("name")
    if not isinstance(name, str) or not name:
        return None
    on_row = [line for line in lines if line.top <= centre <= line.bottom and name in line.text]
    marks = [mark for mark in mark_boxes(lines) if mark.top <= centre <= mark.bottom]
    if not starts_with_surname(name):
        marked = next((line for line in on_row if _MARK_LETTERS.search(line.text)), None)
        # Or a mark boxed on its own that reaches over the name's box's start (样本 | 肯·吾斯曼:
        # 艾尔 under the mark's 本, the label with them).
        marked = marked or next(
            (box for box in on_row for mark in marks if mark.left < box.left <= mark.right), None
        )
        if marked is not None:
            return marked, marked
    after = next((line for line in on_row if _mark_after(line, name)), None)
    if after is not None or not starts_with_surname(name):
        return (after, after) if after is not None else None
    ends = [line for line in on_row if line.text.endswith(name)]
    return next(
        (
            (mark, box)
            for mark in marks
            for box in ends
            if box.right - box.height <= mark.left <= box.right + box.height * _MARK_GAP
            and mark.right > box.right
        ),
        None,
    )


def _mark_after(line: TextLine, name: str) -> bool:
    """Whether the mark follows ``name`` in ``line`` where it may have hidden the name's end: its
    样 read as such, or right after the name as the unsure runner-up of a character the mark
    crossed the name's last one into; or its 本 right after a last character read short of sure
    (热依拉·艾为本, 为 at 0.85: 力 with the 样 before the 本 across it)."""
    after = line.text.index(name) + len(name)
    if _MARK_AFTER.search(line.text[after:]):
        return True
    if after >= len(line.runners_up) or after >= len(line.char_scores):
        return False
    if line.text[after] == _MARK_BEN and line.char_scores[after - 1] < SURE_FROM:
        return True
    blended = _MARK_AFTER.fullmatch(line.runners_up[after]) is not None
    return blended and line.char_scores[after] < REPAIRABLE_BELOW


def _name_run_back_or_on(name_read: str) -> Accept:
    """The name as a band reads it with one or two sure characters more than read, where the mark
    hid them: before it (not the label's) when that makes it start with a surname, the longer
    when both do; or after it, right before the mark's 样 or the band's end, and no
    character a mark's 样本 is read as (祥, 洋 ...). None when the band reads no such name."""

    def accept(band: TextLine) -> TextLine | None:
        end = band.text.rfind(name_read)
        if end < 0:
            return None
        if not starts_with_surname(name_read):
            for lost in range(min(_LOST_NAME_CHARS, end), 0, -1):
                start = end - lost
                sure = all(_sure_name_char(band, i) for i in range(start, end))
                if sure and starts_with_surname(band.text[start:]):
                    return lb.sub_line(band, start, end + len(name_read))
            return None
        after = end + len(name_read)
        for lost in range(min(_LOST_NAME_CHARS, len(band.text) - after), 0, -1):
            added = range(after, after + lost)
            rest = band.text[after + lost :]
            sure = all(_sure_name_char(band, i) and band.text[i] not in MARK_LOOKALIKES for i in added)
            if sure and (not rest or _MARK_AFTER.match(rest)):
                return lb.sub_line(band, end, after + lost)
        return None

    return accept


def _name_last_read_again(name_read: str) -> Accept:
    """The name as a band reads it with its last character read surely (>= 0.9) as another, no
    mark's look-alike, right before the band's end or the mark's 样 or 本: the character the mark
    crossed, read from the darkest print without it (热依拉·艾为 -> 热依拉·艾力)."""

    def accept(band: TextLine) -> TextLine | None:
        start = band.text.rfind(name_read[:-1])
        last = start + len(name_read) - 1
        if start < 0 or last >= len(band.text) or len(name_read) < lb.SHORTEST_NAME:
            return None
        if band.text[last] == name_read[-1]:
            return None
        rest = band.text[last + 1 :]
        sure = _sure_name_char(band, last) and band.char_scores[last] >= SURE_FROM
        if not sure or band.text[last] in MARK_LOOKALIKES or (rest and rest[0] not in MARK_CHARACTERS):
            return None
        return lb.sub_line(band, start, last + 1)

    return accept


def _first_of(*accepts: Accept) -> Accept:
    """What the first of ``accepts`` that takes anything of a band takes."""

    def accept(band: TextLine) -> TextLine | None:
        return next((value for value in (take(band) for take in accepts) if value is not None), None)

    return accept


def _sure_name_char(band: TextLine, index: int) -> bool:
    char = band.text[index]
    return not char.isascii() and char not in _NAME_LABEL and band.char_scores[index] >= REPAIRABLE_BELOW


def _unlabelled_name(
    image: np.ndarray, layout: CardLayout, birth: TextLine, read: ReadLine, right: float
) -> list[TextLine]:
    """The name's row when every label was lost and the detector missed the name too (a
    washed-out screen re-shoot): two row pitches above the birthday, from the value column on
    (the faint label print reads as noise)."""
    pitch = _pitch_below(layout, birth)
    if pitch is None:
        return []
    height = birth.height
    centre = birth.center_y - 2 * pitch
    if any(abs(v.center_y - centre) < height / 2 for v in layout.values):
        # A box was read on the row: the name is there, to be placed once the rows are known.
        return []
    column = _value_column(layout, birth)
    return read_band(image, read, centre, height, column - height * 0.3, right, _name_value)


def _pitch_below(layout: CardLayout, birth: TextLine) -> float | None:
    """The row pitch from the birthday to the address's first line (the card's rows are evenly
    spaced), or None when no row below was read or it lies too close to be the next row."""
    below = [v for v in layout.values if v.top >= birth.bottom and best_number([v]) is None]
    if not below:
        return None
    pitch = min(below, key=lambda v: v.top).center_y - birth.center_y
    return pitch if pitch >= MIN_PITCH * birth.height else None


def _unlabelled_gender_row(
    image: np.ndarray,
    layout: CardLayout,
    birth: TextLine,
    fields: dict[str, object],
    read: ReadLine,
    right: float,
) -> list[TextLine]:
    """The gender/group row when every label was lost (a washed-out screen re-shoot): one row
    pitch above the birthday (:func:`_pitch_below`). Read once, label print and all: the gender
    is the band's last 男 or 女, the group what the band ends with."""
    pitch = _pitch_below(layout, birth)
    if pitch is None:
        return []
    height = birth.height
    left = birth.left - _LABEL_WIDTH * height
    return _row_values(read_band(image, read, birth.center_y - pitch, height, left, right), fields)


def _row_values(band: list[TextLine], fields: dict[str, object]) -> list[TextLine]:
    """The gender and the group of a gender/group row read as one band, each only when
    ``fields`` lacks it: the gender is the band's last 男 or 女, the group what the band ends with."""
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
    label = layout.anchor(lb.ADDRESS)
    # With 住址 lost too, the address's first line is the row that starts with a province.
    address = label or first_address_row(layout)
    if row is None or address is None:
        return _year_row(image, layout, fields, read)
    if label is None:
        # A year box read is the surer place: the province row only bounds the band from below.
        year_row = _year_row(image, layout, fields, read)
        if year_row:
            return year_row
    # The lower of the two: a label the detector boxed together with a mark slanting up from it
    # (性别 女 样本 as one box) is as tall as the whole slant, not a line.
    height = min(row.height, address.height)
    gap = address.center_y - row.center_y
    if gap < 2 * MIN_PITCH * height:
        return []
    # The date is no wider than the address's first line, which ends before the portrait.
    values = layout.right_of(label) if label is not None else [address]
    right = values[0].right if values else address.right + 12 * height
    left = min(row.left, address.left) - height
    return read_band(image, read, row.center_y + gap / 2, height, left, right, _birthday_value)


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
    return read_band(image, read, box.center_y, box.height, left, right, _birthday_value)


def rescued_number(
    image: np.ndarray,
    lines: list[TextLine],
    fields: dict[str, object],
    read: ReadLine,
    *,
    card_size: tuple[float, float] | None = None,
) -> list[TextLine]:
    """The number row's band right of 公民身份号码, read as one line, when no box held 18
    characters of a number: a SPECIMEN mark slanting across the digits can hide the row from the
    detector. Not when a longer number was read: a band cut one character short of a printed 19
    would make it a valid 18. When a shorter one was read (a mark over the row's end hid the last
    digits from the detector), the band is kept only when it reads those digits run on to a valid
    number: a printed 17 reads 17 again and stays as read. The band is read as printed; the number
    parser then takes it as it takes any other line (never repaired into a valid one)."""
    read_so_far = str(fields.get("id_card_number") or "")
    if len(read_so_far) >= NUMBER_LENGTH:
        return []
    label = CardLayout.of(lines, lb.FRONT_LABELS).anchor(lb.NUMBER)
    if label is None:
        return _number_row_of_card(image, lines, read, card_size) if not read_so_far else []
    height = label.height * _NUMBER_HEIGHT
    right = label.right + _NUMBER_WIDTH * label.height

    def run_on(band: TextLine) -> TextLine | None:
        number = best_number([band])
        return band if number is not None and number.valid and number.text.startswith(read_so_far) else None

    if not read_so_far:
        return read_band(image, read, label.center_y, height, label.right, right, _number_value)
    # From the label's start: a label cut from the number's box ends where the characters' share
    # puts it, which may be well into the digits (the label prints smaller than they do).
    return read_band(image, read, label.center_y, height, label.left, right, run_on)


def _number_row_of_card(
    image: np.ndarray, lines: list[TextLine], read: ReadLine, card_size: tuple[float, float] | None
) -> list[TextLine]:
    """The number row lost with its label (marks over both): where the card prints it, when the
    view is the card, from the label column to the card's edge. Kept only as a valid number: a
    band placed by the card's proportions, not by a row read, may cut a digit off."""
    if card_size is None or not lines:
        return []
    width, card_height = card_size
    height = statistics.median(line.height for line in lines) * _NUMBER_HEIGHT
    left = min(line.left for line in lines)

    def valid(band: TextLine) -> TextLine | None:
        number = best_number([band])
        return band if number is not None and number.valid else None

    return read_band(image, read, _NUMBER_ROW * card_height, height, left, _CARD_END * width, valid)


def _year_box(layout: CardLayout, fields: dict[str, object]) -> TextLine | None:
    """The one box holding the birth year a valid number encodes (the birthday row when the
    labels and 年月日 were lost): it only locates the row."""
    number = str(fields.get("id_card_number") or "")
    if not idnumber.is_valid(number):
        return None
    boxes = [v for v in layout.values if number[6:10] in v.text and not idnumber.is_valid(v.text)]
    return boxes[0] if len(boxes) == 1 else None


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


def _holding_gender(band: TextLine) -> TextLine | None:
    """The whole band, when a gender can be taken from it."""
    return band if _gender_value(band) is not None else None


def _group_value(band: TextLine) -> TextLine | None:
    """The ethnic group the band ends with, as a line of its own: before it stand 民族 and stray
    strokes, around it the Latin letters of a mark across the row (OPG族C藏ME) or its 样本 (本苗本:
    no group's name holds either)."""
    end = len(band.text)
    while end > 0 and (band.text[end - 1].isascii() or band.text[end - 1] in MARK_CHARACTERS):
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


def _value_column(layout: CardLayout, birth: TextLine) -> float:
    values = layout.right_of(birth) if layout.anchor(lb.BIRTH) is birth else [birth]
    return values[0].left if values else birth.left
