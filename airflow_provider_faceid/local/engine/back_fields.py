"""Fields of the back (国徽面): issuing authority and validity period."""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

from airflow_provider_faceid.local.engine import labels as lb
from airflow_provider_faceid.local.engine import place_names
from airflow_provider_faceid.local.engine.layout import CardLayout, place_text, rows
from airflow_provider_faceid.local.engine.number_reading import digits_for_letters
from airflow_provider_faceid.local.engine.reading import REPAIRABLE_BELOW, Reading
from airflow_provider_faceid.local.engine.textline import TextLine
from airflow_provider_faceid.local.engine.textnorm import normalize_dashes

AUTHORITY_SUFFIXES = place_names.AUTHORITY_SUFFIXES
# Pieces of 签发机关 two characters and longer, longest first.
_LABEL_PIECES = sorted(
    {lb.ISSUER[i:j] for i in range(len(lb.ISSUER)) for j in range(i + 2, len(lb.ISSUER) + 1)},
    key=len,
    reverse=True,
)
_MAX_LEADING_STROKES = 3
_MAX_READ_STROKES = 2
_LOST_GONG = re.compile(r"(?<!公)安局")
_LOST_AN = re.compile(r"公局")
_LOST_JU = re.compile(r"(?<=[县市区旗])公安$")
_LOST_LEVEL = re.compile(r"^([\u4e00-\u9fff]{1,7}[^\W\d_市区县旗省])(\*?)(?=公安局)")
# 分 lost between a branch's district and 局, after the city's bureau (…公安局观山湖区局), or its
# short form (…公安局湟中局): no authority prints another 局 after the bureau's.
_LOST_FEN = re.compile(r"(?<=公安局)([\u4e00-\u9fff]+)局$")
_DOUBLED_AUTHORITY = re.compile(r"(?:公安局){2,}")
_DOUBLED_SUFFIX_CHAR = re.compile(r"(公|安|局)\1(?=安局|局|$)")
# An authority is written in Chinese characters only: a box with a Latin letter or a digit beside it
# is a guilloche stroke read as "X", or a watermark.
_NOT_AUTHORITY = re.compile(r"[A-Za-z0-9]")
# What is left of a label whose start was lost (期限 of 有效期限): no authority.
_LABEL_TAILS = frozenset(label[start:] for label in lb.BACK_LABELS for start in range(1, len(label) - 1))
# Dots may be lost or doubled by the recogniser on small print ("2045..05..05"), and the dash
# lost ("2011.03.15长期"): the second date or 长期 still ends the period unambiguously. After the
# dash a period ends in a date or 长期, nothing else: two characters with 长 or 期 among them
# (表期 on a strongly compressed capture) can only be 长期.
_DATE = r"(\d{4})\.{0,2}(\d{2})\.{0,2}(\d{2})"
_LONG_TERM = r"(长期|(?<=-)(?:长[\u4e00-\u9fff]|[\u4e00-\u9fff]期))"
# Where a period is printed, read well or not (side evidence; the validity row's place).
DATE_RANGE = re.compile(rf"{_DATE}-*(?:{_DATE}|{_LONG_TERM})")
# A period as a value: its end date followed by no other digit (2038.06215 holds no date the
# card prints, and its first six digits would make one it does not).
_PERIOD = re.compile(rf"{_DATE}-*(?:{_DATE}(?!\d)|{_LONG_TERM})")
# A period as the answer gives it.
_ANSWER_PERIOD = re.compile(r"^(\d{4})\.(\d{2})\.(\d{2})-(?:(\d{4})\.(\d{2})\.(\d{2})|长期)$")
# Years a card is valid for (GA 450: under 16, 16-25 and 26-45 years old; older, 长期).
_TERMS = frozenset({5, 10, 20})
# A dash right after the end date's year, behind the period's own dash (2006.10.28-2011-1028):
# the period has one dash, so this one is the year's dot misread.
_DASH_AFTER_END_YEAR = re.compile(r"(?<=\d-\d{4})-(?=\d)")
# The first resident identity cards were issued in 1984: no period starts earlier (0101.02.27 is
# a real date to Python, the dot after 2010 read as a digit and the match moved one on).
_FIRST_ISSUE_YEAR = 1984
# A date of ten characters with one dot in place and a digit in the other dot's place
# (2010102.27): the card prints YYYY.MM.DD, and one misread character is likelier than a lost dot
# and an extra digit together.
_DATE_WITH_ONE_DOT = re.compile(r"(?<!\d)\d{4}[\d.]\d{2}[\d.]\d{2}(?!\d)")


def parse_back(lines: list[TextLine]) -> dict[str, Any]:
    layout = CardLayout.of(lines, lb.BACK_LABELS)
    return {
        "side": "back",
        "issued_by": authority_ending(_issued_by(layout)),
        "valid_date": _valid_date(layout),
    }


def _issued_by(layout: CardLayout) -> str | None:
    anchor = layout.anchor(lb.ISSUER)
    if anchor is None:
        return _issued_by_without_label(layout)
    validity = layout.anchor(lb.VALIDITY)
    column_left = anchor.left + anchor.height * 0.5
    parts = [
        v
        for v in layout.values
        if v.left >= column_left
        and v.center_y >= anchor.top
        and (validity is None or v.bottom <= validity.top + anchor.height * 0.3)
        and not DATE_RANGE.search(normalize_dashes(v.text))
        and not _not_authority(v.text)
        and v.text not in _LABEL_TAILS
    ]
    return place_text([line for row in rows(parts) for line in row])


def _issued_by_without_label(layout: CardLayout) -> str | None:
    """The 签发机关 label was not read: the authority is on the rows just above the validity row
    (at most two, as it wraps once at most), in the value column. That column starts where the
    validity value does: right of the 有效期限 label, or where the date range begins in its box."""
    row = _validity_row(layout)
    if row is None:
        return None
    row_top, row_height, column_left = row
    # Two row heights of slack: a box that holds the label's remnant gives each character a share
    # of it, which may put the place's first character (吉 of 吉林市) a row height left of the
    # column. What of the label comes along is cut by authority_ending.
    column_left -= 2 * row_height
    # Two wrapped authority rows plus the gap to the validity row fit in three row heights.
    ceiling = row_top - row_height * 3
    parts = []
    for value in layout.values:
        if not (ceiling <= value.top and value.bottom <= row_top + row_height * 0.3):
            continue
        clipped = _in_column(value, column_left)
        if (
            clipped is None
            or DATE_RANGE.search(_date_text(clipped.text))
            or _not_authority(clipped.text)
            or clipped.text in _LABEL_TAILS
        ):
            continue
        if any(word in clipped.text for word in lb.BACK_TITLE_WORDS):
            continue
        parts.append(clipped)
    return place_text([line for row in rows(parts) for line in row])


def _in_column(value: TextLine, column_left: float) -> TextLine | None:
    """``value`` from the value column on; whole when it starts with a place and what the column
    cuts off would leave none: a band read from the label column on, whose faint label was not
    read, spreads the authority over the label's room too (呼 of 呼伦贝尔市 put left of it)."""
    clipped = lb.clipped_left(value, column_left)
    cut_place = clipped is None or not starts_with_place(clipped.text)
    return value if clipped is not value and cut_place and starts_with_place(value.text) else clipped


def _not_authority(text: str) -> bool:
    """Whether a box holds a Latin letter or a digit before any authority ending it holds: what
    follows the ending (克山县公安局N, the mark's edge) is cut like the stamp's characters."""
    return _NOT_AUTHORITY.search(text[: _ending_end(text) or len(text)]) is not None


def _ending_end(text: str) -> int | None:
    """Where the last authority ending in ``text`` ends, or None when it holds none."""
    ends = [text.rfind(suffix) + len(suffix) for suffix in AUTHORITY_SUFFIXES if suffix in text]
    return max(ends) if ends else None


def _validity_row(layout: CardLayout) -> tuple[float, float, float] | None:
    """Top, height and value-column left edge of the validity row, from its label or its value."""
    validity = layout.anchor(lb.VALIDITY)
    values = layout.right_of(validity) if validity is not None else []
    if validity is not None and values:
        return validity.top, validity.height, values[0].left
    for value in layout.values:
        match = DATE_RANGE.search(_date_text(value.text))
        if match:
            return value.top, value.height, lb.char_left(value, match.start())
    return None


def _date_text(text: str) -> str:
    return _DASH_AFTER_END_YEAR.sub(".", digits_for_letters(normalize_dashes(text)))


def holds_date_range(text: str) -> bool:
    """Whether ``text`` reads as a validity period the way the parser takes one."""
    return period_span(text) is not None


def period_span(text: str) -> tuple[int, int] | None:
    """Where in ``text`` the parser takes a validity period from: (start, end), or None."""
    match = _PERIOD.search(_date_text(text))
    return match.span() if match else None


def _valid_date(layout: CardLayout) -> str | None:
    anchor = layout.anchor(lb.VALIDITY)
    readings = [Reading.of(layout.right_of(anchor))] if anchor is not None else []
    readings += [Reading.of([v]) for v in layout.values]
    for reading in readings:
        period = _period_in(reading.text)
        if period is not None and legal_period(period):
            return period
        dotted = _period_in(_DATE_WITH_ONE_DOT.sub(_dots_in_place, _date_text(reading.text)))
        if dotted is not None and legal_period(dotted):
            return dotted
        if period is not None:
            return _repaired_period(reading) or period
    return None


def _dots_in_place(date: re.Match[str]) -> str:
    text = date.group()
    return text if text.count(".") != 1 else f"{text[:4]}.{text[5:7]}.{text[8:]}"


def _period_in(text: str) -> str | None:
    match = _PERIOD.search(_date_text(text))
    if match is None:
        return None
    start = f"{match[1]}.{match[2]}.{match[3]}"
    end = "长期" if match[7] else f"{match[4]}.{match[5]}.{match[6]}"
    return f"{start}-{end}"


def _repaired_period(reading: Reading) -> str | None:
    """The one legal period made by an unsure digit taking the recogniser's runner-up (2038.71.23
    after 2018.01.23, 7 at 0.56 with runner-up 0), or None when none or several are: a period is
    what the card prints, and only the recogniser's own second choice may stand for a character."""
    fixes = set()
    for index, (score, runner) in enumerate(zip(reading.scores, reading.runners_up, strict=True)):
        if score >= REPAIRABLE_BELOW or not runner.isdigit() or runner == reading.text[index]:
            continue
        period = _period_in(reading.text[:index] + runner + reading.text[index + 1 :])
        if period is not None and legal_period(period):
            fixes.add(period)
    return fixes.pop() if len(fixes) == 1 else None


def legal_period(text: str) -> bool:
    """Whether ``text`` is a period a card can print: real dates, 长期 or a legal term."""
    match = _ANSWER_PERIOD.match(text)
    if match is None:
        return False
    try:
        start = dt.date(int(match[1]), int(match[2]), int(match[3]))
        end = dt.date(int(match[4]), int(match[5]), int(match[6])) if match[4] else None
    except ValueError:
        return False
    return start.year >= _FIRST_ISSUE_YEAR and (end is None or _legal_term(start, end))


def _legal_term(start: dt.date, end: dt.date) -> bool:
    """A card is valid for 5, 10 or 20 years to the day (a 29 February start may end on the
    28th or the 1st of March)."""
    years = end.year - start.year
    same_day = (end.month, end.day) == (start.month, start.day)
    leap_start = (start.month, start.day) == (2, 29) and (end.month, end.day) in ((2, 28), (3, 1))
    return years in _TERMS and (same_day or leap_start)


def authority_ending(text: str | None) -> str | None:
    """``text`` cut after its last authority suffix: an authority always ends with one, so what
    follows is the red stamp overprinted on it (``...公安局印止``), not part of the name. A
    remnant of the 签发机关 label in front (关兴业县公安局, *兴机关梁山县公安局) goes too, when what
    follows it starts with a place name and the whole does not (关岭... is a county)."""
    if not text:
        return text
    # A dot read out of a gap in the row (会泽县公·安局): no authority's name holds one.
    text = text.replace("·", "")
    for rest in _after_label_remnant(text):
        if starts_with_place(rest) and not starts_with_place(text):
            text = rest
            break
    # Strokes read unsure before the place (王*王环江毛南族自治县公安局): an authority starts with
    # its place, so up to three characters, one of them unreadable, go when the rest starts with one.
    if not starts_with_place(text):
        unreadable = len(text) - len(text.lstrip("*"))
        for start in range(1, min(max(_MAX_LEADING_STROKES, unreadable), len(text) - 2) + 1):
            if text[start:].startswith(AUTHORITY_SUFFIXES):
                # 公安 of 公安局 is also a county's short form (公安县): what is left would be the
                # suffix alone, its place cut as strokes (*竹市公安局).
                break
            if "*" in text[:start] and starts_with_place(text[start:]):
                text = text[start:]
                break
            # Without an unreadable one, a stroke or two read as characters (车来安县...) go only
            # before a place of three characters or more: a two-character one (和县) is too
            # easily found inside a misread name.
            if start <= _MAX_READ_STROKES and starts_with_place(text[start:], shortest=3):
                text = text[start:]
                break
        # Three read, behind what was unreadable, the rest of a garbled 签发机关 (*蒙就吴罗平县公安局:
        # 签 at 0.23), only before what is a whole authority: a place of three characters or more
        # and its bureau.
        garbled = len(text) - len(text.lstrip("*")) + _MAX_LEADING_STROKES
        if not starts_with_place(text) and garbled <= len(lb.ISSUER) and _county_bureau(text[garbled:]):
            text = text[garbled:]
    # A character read twice where two boxes of one line overlap (公公安局): no authority's name
    # doubles one of its suffix's characters.
    text = _DOUBLED_SUFFIX_CHAR.sub(r"\1", text)
    # 公 lost in the gap before 安局 (北京市安局昌平分局), or 安 between 公 and 局 (贞丰县公局):
    # 安局 and 公局 end no other authority's word.
    text = _LOST_AN.sub("公安局", _LOST_GONG.sub("公安局", text))
    # 局 lost at the row's end (under a mark's 样本) after a county's or city's 公安: their bureau
    # is a 公安局 (公安处 and 公安厅 are no county's).
    if starts_with_place(text):
        text = _LOST_JU.sub("公安局", text)
    # A county's level suffix lost or unreadable before its bureau (贡觉公安局, 贡觉*公安局): a bureau
    # names its county whole; short forms name only a city's branches (宝坻分局).
    lost = _LOST_LEVEL.match(text)
    whole = place_names.with_level_suffix(lost[1]) if lost else None
    if lost and whole:
        text = whole + text[lost.end(1) + len(lost[2]) :]
    # The stamp's own 公安局 read after the row's (禹州市公安局公安局): no authority says it twice.
    text = _DOUBLED_AUTHORITY.sub("公安局", text)
    # 分 lost the same way after a branch's district or its short form (观山湖区局, 湟中局).
    text = _LOST_FEN.sub(_fen_put_back, text)
    text = _without_stamp_repeat(text[: _ending_end(text) or len(text)])
    # A suffix alone names no authority: its place was read as label print or not at all.
    return None if text in AUTHORITY_SUFFIXES else text


def _county_bureau(text: str) -> bool:
    """Whether ``text`` starts with a place name of three characters or more and its bureau."""
    names = place_names.place_names()
    return any(
        text[:length] in names and text[length:].startswith(AUTHORITY_SUFFIXES)
        for length in range(3, min(len(text), 12) + 1)
    )


def _without_stamp_repeat(text: str) -> str:
    """``text`` without what follows an authority ending and spells that authority's own end
    again (河口瑶族自治县公安局县公安局): the stamp's ring prints the authority's name, and its
    text read beside the row is no branch (a branch's name is no tail of the bureau's)."""
    for end in range(1, len(text)):
        if text[:end].endswith(AUTHORITY_SUFFIXES) and text[:end].endswith(text[end:]):
            return text[:end]
    return text


def _fen_put_back(lost: re.Match[str]) -> str:
    branch = lost.group(1)
    named = branch.endswith(("区", "县")) or branch in place_names.place_names()
    return f"{branch}分局" if named else lost.group(0)


def _after_label_remnant(text: str) -> list[str]:
    """What follows a remnant of 签发机关 at the start: 机关 behind at most two garbled label
    characters (*兴机关...), with its 关 garbled too (图机群..., the caller keeping it only when
    a place follows and the whole starts with none), another piece of the label (发机...), or a
    lone 关."""
    found = text.find("机关", 0, 4)
    rests = [text[found + 2 :]] if found >= 0 else []
    garbled = text.find("机", 0, 3)
    rests += [text[garbled + 2 :]] if garbled >= 0 else []
    rests += [text[len(piece) :] for piece in _LABEL_PIECES if text.startswith(piece)]
    return [*rests, text.removeprefix("关")] if text.startswith("关") else rests


def starts_with_place(text: str, *, shortest: int = 2) -> bool:
    """Whether ``text`` starts with a GB/T 2260 name or short form of ``shortest`` characters or more."""
    names = place_names.place_names()
    return any(text[:length] in names for length in range(shortest, min(len(text), 12) + 1))
