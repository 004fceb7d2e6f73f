"""The logical checks the FaceID API leaves to its callers (its note 1), as pure functions.

The API reads what is printed and checks nothing: a 30 February, a wrong check digit or a
birthday that disagrees with the number all come back as they were read, and unreadable
characters come back as ``*`` (note 2). Each check here returns *flags*, short snake_case strings
documented in docs/records.md; a record is never rejected for them. The front side is also
summarised as ``number_check`` in the vocabulary of Baidu's ``idcard_number_type``:

    -1  nothing to check: no number, no birthday, no gender
     0  the number is invalid (shape, check digit, or digits 7-14 not a real date)
     1  number, birthday and gender agree (what was not read is not compared)
     2  birthday and gender both disagree with the number
     3  the birthday disagrees with the number
     4  the gender disagrees with the number
"""

from __future__ import annotations

import calendar
import datetime as dt
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from airflow_provider_faceid import idnumber, regions

NUMBER_EMPTY = -1
NUMBER_INVALID = 0
NUMBER_CONSISTENT = 1
NUMBER_BIRTHDAY_AND_GENDER_MISMATCH = 2
NUMBER_BIRTHDAY_MISMATCH = 3
NUMBER_GENDER_MISMATCH = 4

UNREADABLE = "*"
LONG_TERM = "长期"
GENDERS = ("男", "女")
# Usual terms of a second-generation card: under 16 years old 5, 16-25 10, 26-45 20, older 长期.
VALID_TERMS_YEARS = (5, 10, 20)
# Names printed in the 民族 field: the 56 recognised ethnic groups, without the 族 suffix.
ETHNIC_GROUPS = frozenset(
    [
        "汉",
        "蒙古",
        "回",
        "藏",
        "维吾尔",
        "苗",
        "彝",
        "壮",
        "布依",
        "朝鲜",
        "满",
        "侗",
        "瑶",
        "白",
        "土家",
        "哈尼",
        "哈萨克",
        "傣",
        "黎",
        "傈僳",
        "佤",
        "畲",
        "高山",
        "拉祜",
        "水",
        "东乡",
        "纳西",
        "景颇",
        "柯尔克孜",
        "土",
        "达斡尔",
        "仫佬",
        "羌",
        "布朗",
        "撒拉",
        "毛南",
        "仡佬",
        "锡伯",
        "阿昌",
        "普米",
        "塔吉克",
        "怒",
        "乌孜别克",
        "俄罗斯",
        "鄂温克",
        "德昂",
        "保安",
        "裕固",
        "京",
        "塔塔尔",
        "独龙",
        "鄂伦春",
        "赫哲",
        "门巴",
        "珞巴",
        "基诺",
    ]
)
EARLIEST_BIRTHDAY = dt.date(1880, 1, 1)

_VALID_DATE = re.compile(r"^([0-9]{4})\.([0-9]{2})\.([0-9]{2})-(?:([0-9]{4})\.([0-9]{2})\.([0-9]{2})|长期)\Z")


def _present(value: str | None) -> bool:
    return bool(value and value.strip())


def is_unreadable(value: str | None) -> bool:
    """True when the API marked part of the value as unreadable with ``*`` (its note 2)."""
    return value is not None and UNREADABLE in value


def unreadable_flags(values: Iterable[str | None]) -> tuple[str, ...]:
    """``unreadable_chars`` when any value holds a ``*``."""
    return ("unreadable_chars",) if any(is_unreadable(v) for v in values) else ()


def missing_flags(fields: Mapping[str, str | None]) -> tuple[str, ...]:
    """``field_missing:<name>`` for each field that is ``None``, empty or only white space."""
    return tuple(f"field_missing:{name}" for name, value in fields.items() if not _present(value))


def number_flags(number: str | None) -> tuple[str, ...]:
    """Shape, GB 11643 check digit, embedded birthday and region code of an ID number.

    ``region_unknown`` is a warning only: the table ends in 2021, and a number keeps for life the
    code of the place where it was first assigned.
    """
    if number is None or not number.strip():
        return ("number_missing",)
    normalized = idnumber.normalize(number)
    # isascii: \d in the shape pattern also matches full-width and other Unicode digits.
    if not (normalized.isascii() and idnumber.has_valid_shape(normalized)):
        return ("number_bad_shape",)
    flags: list[str] = []
    if not idnumber.is_valid(normalized):
        flags.append("number_bad_check_digit")
    if idnumber.birthday_of(normalized) is None:
        flags.append("number_birthday_invalid")
    if not regions.is_known(normalized[:6]):
        flags.append("region_unknown")
    return tuple(flags)


def number_is_valid(number: str | None) -> bool:
    """Right shape, right check digit and a real date in digits 7-14 (the region is not judged:
    an unknown code is a warning, not an invalid number)."""
    return not set(number_flags(number)) - {"region_unknown"}


def parse_birthday(year: str | None, month: str | None, day: str | None) -> dt.date | None:
    """The date the three birthday strings name, or ``None`` when absent, unreadable or not real."""
    texts = [p.strip() for p in (year, month, day) if p]
    # Four-digit year, one- or two-digit month and day; the bound also keeps int() off huge strings.
    if len(texts) != 3 or not all(t.isascii() and t.isdigit() for t in texts):
        return None
    if len(texts[0]) != 4 or not (0 < len(texts[1]) <= 2 and 0 < len(texts[2]) <= 2):
        return None
    try:
        return dt.date(int(texts[0]), int(texts[1]), int(texts[2]))
    except ValueError:
        return None


def birthday_was_read(year: str | None, month: str | None, day: str | None) -> bool:
    """All three parts present and none marked unreadable: worth comparing with the number."""
    return all(_present(p) and not is_unreadable(p) for p in (year, month, day))


def birthday_flags(
    year: str | None, month: str | None, day: str | None, *, today: dt.date | None = None
) -> tuple[str, ...]:
    """``birthday_invalid_date`` for a read birthday that is no calendar date, ``birthday_implausible``
    for one before 1880 or after ``today``."""
    if not birthday_was_read(year, month, day):
        return ()
    birthday = parse_birthday(year, month, day)
    if birthday is None:
        return ("birthday_invalid_date",)
    if not EARLIEST_BIRTHDAY <= birthday <= (today or dt.date.today()):
        return ("birthday_implausible",)
    return ()


def gender_flags(gender: str | None) -> tuple[str, ...]:
    """``gender_unknown_value`` for a read gender that is neither 男 nor 女."""
    if gender is None or not gender.strip() or is_unreadable(gender):
        return ()
    return () if gender.strip() in GENDERS else ("gender_unknown_value",)


def race_flags(race: str | None) -> tuple[str, ...]:
    """``race_unknown_value`` for a read 民族 that is not one of the 56 names (a warning)."""
    if race is None or not race.strip() or is_unreadable(race):
        return ()
    return () if race.strip().removesuffix("族") in ETHNIC_GROUPS else ("race_unknown_value",)


@dataclass(frozen=True)
class Consistency:
    """How the front side's birthday and gender compare with its number."""

    number_check: int
    flags: tuple[str, ...]


def number_consistency(
    number: str | None, *, birthday: tuple[str | None, str | None, str | None], gender: str | None
) -> Consistency:
    """``number_check`` and the ``birthday_mismatch``/``gender_mismatch`` flags of a front side.

    A birthday or gender counts as read when present and free of ``*``; a read value that is not
    a real date (or not 男/女) disagrees with any number. Values not read are not compared.
    """
    if number is None or not number.strip():
        if not any(_present(p) for p in birthday) and not _present(gender):
            return Consistency(NUMBER_EMPTY, ())
        return Consistency(NUMBER_INVALID, ())
    if not number_is_valid(number):
        return Consistency(NUMBER_INVALID, ())
    normalized = idnumber.normalize(number)
    birthday_mismatch = birthday_was_read(*birthday) and (
        parse_birthday(*birthday) != idnumber.birthday_of(normalized)
    )
    gender_mismatch = (
        gender is not None
        and bool(gender.strip())
        and not is_unreadable(gender)
        and gender.strip() != idnumber.gender_of(normalized)
    )
    flags = tuple(
        flag
        for flag, hit in (("birthday_mismatch", birthday_mismatch), ("gender_mismatch", gender_mismatch))
        if hit
    )
    if birthday_mismatch and gender_mismatch:
        code = NUMBER_BIRTHDAY_AND_GENDER_MISMATCH
    elif birthday_mismatch:
        code = NUMBER_BIRTHDAY_MISMATCH
    elif gender_mismatch:
        code = NUMBER_GENDER_MISMATCH
    else:
        code = NUMBER_CONSISTENT
    return Consistency(code, flags)


@dataclass(frozen=True)
class ValidPeriod:
    """A parsed ``valid_date``: dates are ``None`` when the text does not give a real one."""

    valid_from: dt.date | None
    valid_to: dt.date | None
    long_term: bool | None
    flags: tuple[str, ...]


def _date(y: str, m: str, d: str) -> dt.date | None:
    try:
        return dt.date(int(y), int(m), int(d))
    except ValueError:
        return None


def add_years(start: dt.date, years: int) -> tuple[dt.date, ...]:
    """The dates a term of ``years`` from ``start`` may end on: same month and day, and for a
    29 February start both 28 February and 1 March (no 29th that year)."""
    year = start.year + years
    if year > dt.MAXYEAR:
        return ()
    if (start.month, start.day) == (2, 29) and not calendar.isleap(year):
        return (dt.date(year, 2, 28), dt.date(year, 3, 1))
    return (start.replace(year=year),)


def parse_valid_period(text: str | None, *, today: dt.date | None = None) -> ValidPeriod:
    """Parse ``YYYY.MM.DD-YYYY.MM.DD`` or ``YYYY.MM.DD-长期`` and check dates and term.

    Flags: ``valid_date_bad_shape``, ``valid_date_invalid_date`` (a date that does not exist),
    ``valid_period_unusual`` (the end is not 5, 10 or 20 years after the start, same month and
    day), ``valid_from_in_future`` (issued after ``today``). A missing text gives no flags here:
    the record reports it as ``field_missing:valid_date``. Whether 长期 fits the holder's age can
    only be told with the front side, so it is not judged here.
    """
    if text is None or not text.strip():
        return ValidPeriod(None, None, None, ())
    match = _VALID_DATE.match(text.strip())
    if match is None:
        return ValidPeriod(None, None, None, ("valid_date_bad_shape",))
    y1, m1, d1, y2, m2, d2 = match.groups()
    long_term = y2 is None
    valid_from = _date(y1, m1, d1)
    valid_to = None if long_term else _date(y2, m2, d2)
    flags: list[str] = []
    if valid_from is None or (not long_term and valid_to is None):
        flags.append("valid_date_invalid_date")
    if valid_from is not None and valid_to is not None:
        usual = {end for years in VALID_TERMS_YEARS for end in add_years(valid_from, years)}
        if valid_to not in usual:
            flags.append("valid_period_unusual")
    if valid_from is not None and valid_from > (today or dt.date.today()):
        flags.append("valid_from_in_future")
    return ValidPeriod(valid_from, valid_to, long_term, tuple(flags))


# Term by age on the day of issue (Resident Identity Card Law, art. 5): under 16 five years,
# 16-25 ten, 26-45 twenty, 46 and older long-term.
_TERMS_BY_AGE = ((16, 5), (26, 10), (46, 20))


def expected_term_years(*, birthday: dt.date, valid_from: dt.date) -> int | None:
    """Years of validity the law gives a card issued on ``valid_from``; ``None`` means 长期."""
    age = (
        valid_from.year
        - birthday.year
        - ((valid_from.month, valid_from.day) < (birthday.month, birthday.day))
    )
    for below_age, years in _TERMS_BY_AGE:
        if age < below_age:
            return years
    return None


def term_flags(period: ValidPeriod, *, birthday: dt.date | None) -> tuple[str, ...]:
    """``valid_term_unusual_for_age`` when a card's term does not fit its holder's age at issue.

    Needs both sides of the same card (the birthday is on the front, the term on the back), so
    ``build_record`` cannot apply it; a step that pairs the sides can.
    """
    if birthday is None or period.valid_from is None or period.long_term is None:
        return ()
    if period.valid_from < birthday:
        return ("valid_term_unusual_for_age",)
    expected = expected_term_years(birthday=birthday, valid_from=period.valid_from)
    if period.long_term:
        fits = expected is None
    else:
        ends = () if expected is None else add_years(period.valid_from, expected)
        fits = period.valid_to in ends
    return () if fits else ("valid_term_unusual_for_age",)
