"""Which boxes of a front are which field when its labels were not read, by the order of rows.

Labels are printed small and in light blue: a photocopy, a small photo or strong JPEG loses them
while the black values stay readable. The rows of the front are always in the same order: name;
gender and group; birthday; the address over one to three rows; the number. The birthday row is
found by the birth year the number encodes (the number only locates the row: the date itself is
what the row reads), and the other rows by their place above or below it, in the value column
that starts where the year does.
"""

from __future__ import annotations

from dataclasses import dataclass

from airflow_provider_faceid.local.engine import labels as lb
from airflow_provider_faceid.local.engine.layout import whole_rows
from airflow_provider_faceid.local.engine.reading import one_apart, reads_as
from airflow_provider_faceid.local.engine.surnames import starts_with_surname
from airflow_provider_faceid.local.engine.textline import TextLine

# Card rows are evenly spaced: the name-to-gender and gender-to-birthday pitches agree within
# this ratio, else a row was lost (or a watermark row read between) and the order says nothing.
_PITCH_RATIO = 1.5
# Label remnants sit left of the value column; a character centred this many line heights left
# of where the year starts is a label's: a value's first centre lies half a character in.
_COLUMN_SLACK = 0.3


@dataclass(frozen=True)
class FrontRows:
    """The value boxes of each front row, left to right; all but the address clipped to the
    value column."""

    name: list[TextLine]
    gender_and_group: list[TextLine]
    birthday: list[TextLine]
    address: list[TextLine]


def front_rows(values: list[TextLine], *, birth_year: str, number_top: float) -> FrontRows | None:
    """The rows above the number row, located from the one that holds ``birth_year``; None when
    that row is missing. When fewer than two rows stand above it, or their spacing is uneven,
    only the birthday and address rows are given (name and gender/group empty)."""
    grouped = whole_rows([v for v in values if v.bottom <= number_top])
    found = next(
        (
            (index, box, at)
            for index, row in enumerate(grouped)
            for box in row
            if (at := _year_at(box, birth_year)) is not None
        ),
        None,
    )
    if found is None:
        return None
    index, year_box, at = found
    column = lb.char_left(year_box, at) - year_box.height * _COLUMN_SLACK

    def clipped(row: list[TextLine]) -> list[TextLine]:
        return [c for c in (lb.clipped_left(box, column) for box in row) if c is not None]

    def name_clipped(row: list[TextLine]) -> list[TextLine]:
        # A surname that clipping would take from a name stays: on a tilted or perspective
        # capture the column found on the birthday row lies further right two rows up (尹珍蕾
        # clipped to 珍蕾). A label's remnant (名王建国) is no surname.
        kept = [_surname_kept(box, lb.clipped_left(box, column)) for box in row]
        return [box for box in kept if box is not None]

    # Not clipped: a box that spans the lost 住址 label puts its characters too far right. The
    # address is all that stands between the birthday and the number, whatever happened above.
    address = [box for row in grouped[index + 1 :] for box in row]
    if not _evenly_spaced(grouped, index):
        # A row above was lost or a mark's row read between: which row above is which is unknown.
        return FrontRows(name=[], gender_and_group=[], birthday=clipped(grouped[index]), address=address)
    return FrontRows(
        name=name_clipped(grouped[index - 2]),
        gender_and_group=clipped(grouped[index - 1]),
        birthday=clipped(grouped[index]),
        address=address,
    )


def _year_at(box: TextLine, birth_year: str) -> int | None:
    """Where ``box`` holds ``birth_year``: as read, else with the one character that differs
    read unsure and the year's digit its runner-up (1089, 0 at 0.65 with runner-up 9, on a
    strongly compressed capture). The number only locates the row; the row reads the date."""
    if birth_year in box.text:
        return box.text.index(birth_year)
    return next(
        (start for start, at in one_apart(box.text, birth_year) if reads_as(box, start + at, birth_year[at])),
        None,
    )


def _surname_kept(box: TextLine, clipped: TextLine | None) -> TextLine | None:
    """``clipped`` with the one character before it when that starts a surname and ``clipped``
    does not (``尹|珍蕾``; ``42韩|萱``: 姓名 read as unsure digits before it)."""
    start = len(box.text) - (len(clipped.text) if clipped is not None else 0)
    if start == 0 or (clipped is not None and starts_with_surname(clipped.text)):
        return clipped
    return (
        lb.sub_line(box, start - 1, len(box.text)) if starts_with_surname(box.text[start - 1 :]) else clipped
    )


def _evenly_spaced(grouped: list[list[TextLine]], index: int) -> bool:
    """Whether two rows stand above row ``index`` at about the pitch between them."""
    if index < 2:
        return False
    centres = [grouped[i][0].center_y for i in (index - 2, index - 1, index)]
    upper, lower = centres[1] - centres[0], centres[2] - centres[1]
    return min(upper, lower) > 0 and max(upper, lower) <= _PITCH_RATIO * min(upper, lower)
