from __future__ import annotations

import datetime as dt

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from airflow_provider_faceid import idnumber, validation
from airflow_provider_faceid.validation import (
    NUMBER_BIRTHDAY_AND_GENDER_MISMATCH,
    NUMBER_BIRTHDAY_MISMATCH,
    NUMBER_CONSISTENT,
    NUMBER_EMPTY,
    NUMBER_GENDER_MISMATCH,
    NUMBER_INVALID,
)

TODAY = dt.date(2026, 11, 25)
# 北京市东城区, 1949-12-31, female (check char X).
GOOD = "11010519491231002X"
UNUSUAL = ("valid_period_unusual",)


def test_number_flags_of_a_good_number_are_empty() -> None:
    assert validation.number_flags(GOOD) == ()
    assert validation.number_flags(GOOD.lower()) == ()  # OCR often reads the X as x
    assert validation.number_is_valid(GOOD)


@pytest.mark.parametrize(
    ("number", "flag"),
    [
        (None, "number_missing"),
        ("", "number_missing"),
        ("   ", "number_missing"),
        ("110105491231002", "number_bad_shape"),  # first-generation 15-digit number
        ("11010519491231002", "number_bad_shape"),
        ("1101051949123100*X", "number_bad_shape"),
        ("11010519491231002Y", "number_bad_shape"),
        ("11010519491231003X", "number_bad_check_digit"),
    ],
)
def test_number_flags(number: str | None, flag: str) -> None:
    assert flag in validation.number_flags(number)
    assert not validation.number_is_valid(number)


def test_number_with_a_date_that_does_not_exist() -> None:
    first17 = "11010519490230002"  # 30 February
    number = first17 + idnumber.check_char(first17)
    assert validation.number_flags(number) == ("number_birthday_invalid",)
    assert not validation.number_is_valid(number)


def test_unknown_region_is_a_warning_not_an_invalid_number() -> None:
    first17 = "99010519491231002"
    number = first17 + idnumber.check_char(first17)
    assert validation.number_flags(number) == ("region_unknown",)
    assert validation.number_is_valid(number)


def test_historical_region_is_known() -> None:
    first17 = "11022419700101001"  # 大兴县, a code retired in 2001
    assert validation.number_flags(first17 + idnumber.check_char(first17)) == ()


@pytest.mark.parametrize(
    ("parts", "expected"),
    [
        (("1989", "4", "3"), dt.date(1989, 4, 3)),
        (("1989", "04", "03"), dt.date(1989, 4, 3)),
        ((" 2000", "2", "29 "), dt.date(2000, 2, 29)),
        (("1900", "2", "29"), None),  # not a leap year
        (("1989", "2", "30"), None),
        (("1989", "13", "1"), None),
        (("1989", "*", "1"), None),
        (("1989", None, "1"), None),
        (("", "1", "1"), None),
        (("١٩٨٩", "1", "1"), None),  # Arabic-Indic digits pass str.isdigit() but are not a card's digits
    ],
)
def test_parse_birthday(parts: tuple[str | None, str | None, str | None], expected: dt.date | None) -> None:
    assert validation.parse_birthday(*parts) == expected


def test_birthday_flags() -> None:
    assert validation.birthday_flags("1989", "2", "30", today=TODAY) == ("birthday_invalid_date",)
    assert validation.birthday_flags("1989", "2", "28", today=TODAY) == ()
    assert validation.birthday_flags("2030", "1", "1", today=TODAY) == ("birthday_implausible",)
    assert validation.birthday_flags("1850", "1", "1", today=TODAY) == ("birthday_implausible",)
    # Not read (missing or unreadable): nothing to judge here, other flags report it.
    assert validation.birthday_flags("1989", "*", "1", today=TODAY) == ()
    assert validation.birthday_flags(None, None, None, today=TODAY) == ()


def test_gender_and_race_flags() -> None:
    assert validation.gender_flags("男") == ()
    assert validation.gender_flags(" 女 ") == ()
    assert validation.gender_flags("勇") == ("gender_unknown_value",)
    assert validation.gender_flags("*") == ()
    assert validation.gender_flags(None) == ()
    assert validation.race_flags("汉") == ()
    assert validation.race_flags("维吾尔族") == ()
    assert validation.race_flags("火星") == ("race_unknown_value",)
    assert len(validation.ETHNIC_GROUPS) == 56


def test_unreadable_and_missing_flags() -> None:
    assert validation.unreadable_flags(["张三", None, "北京*区"]) == ("unreadable_chars",)
    assert validation.unreadable_flags(["张三", None, ""]) == ()
    assert validation.missing_flags({"name": "张三", "race": "", "address": None}) == (
        "field_missing:race",
        "field_missing:address",
    )


@pytest.mark.parametrize(
    ("number", "birthday", "gender", "expected", "flags"),
    [
        (None, (None, None, None), None, NUMBER_EMPTY, ()),
        ("", ("", "", ""), "", NUMBER_EMPTY, ()),
        (None, ("1949", "12", "31"), "女", NUMBER_INVALID, ()),
        ("11010519491231003X", ("1949", "12", "31"), "女", NUMBER_INVALID, ()),
        (GOOD, ("1949", "12", "31"), "女", NUMBER_CONSISTENT, ()),
        (GOOD, ("1949", "12", "31"), "男", NUMBER_GENDER_MISMATCH, ("gender_mismatch",)),
        (GOOD, ("1949", "12", "30"), "女", NUMBER_BIRTHDAY_MISMATCH, ("birthday_mismatch",)),
        (
            GOOD,
            ("1950", "12", "31"),
            "男",
            NUMBER_BIRTHDAY_AND_GENDER_MISMATCH,
            ("birthday_mismatch", "gender_mismatch"),
        ),
        # A read birthday that is no real date cannot agree with the number.
        (GOOD, ("1949", "2", "30"), "女", NUMBER_BIRTHDAY_MISMATCH, ("birthday_mismatch",)),
        # Values not read are not compared.
        (GOOD, ("1949", "*", "31"), "*", NUMBER_CONSISTENT, ()),
        (GOOD, (None, None, None), None, NUMBER_CONSISTENT, ()),
    ],
)
def test_number_consistency(
    number: str | None,
    birthday: tuple[str | None, str | None, str | None],
    gender: str | None,
    expected: int,
    flags: tuple[str, ...],
) -> None:
    result = validation.number_consistency(number, birthday=birthday, gender=gender)
    assert (result.number_check, result.flags) == (expected, flags)


def test_unknown_region_still_counts_as_consistent() -> None:
    first17 = "99010519491231002"
    number = first17 + idnumber.check_char(first17)
    result = validation.number_consistency(number, birthday=("1949", "12", "31"), gender="女")
    assert result.number_check == NUMBER_CONSISTENT


@pytest.mark.parametrize(
    ("text", "valid_from", "valid_to", "long_term", "flags"),
    [
        ("2016.02.29-2026.02.28", dt.date(2016, 2, 29), dt.date(2026, 2, 28), False, ()),
        ("2016.02.29-2026.03.01", dt.date(2016, 2, 29), dt.date(2026, 3, 1), False, ()),
        ("2010.05.17-2020.05.17", dt.date(2010, 5, 17), dt.date(2020, 5, 17), False, ()),
        ("2010.05.17-2015.05.17", dt.date(2010, 5, 17), dt.date(2015, 5, 17), False, ()),
        ("2010.05.17-2030.05.17", dt.date(2010, 5, 17), dt.date(2030, 5, 17), False, ()),
        ("2010.05.17-长期", dt.date(2010, 5, 17), None, True, ()),
        (" 2010.05.17-长期 ", dt.date(2010, 5, 17), None, True, ()),
        (
            "2010.05.17-2020.05.16",
            dt.date(2010, 5, 17),
            dt.date(2020, 5, 16),
            False,
            ("valid_period_unusual",),
        ),
        (
            "2010.05.17-2017.05.17",
            dt.date(2010, 5, 17),
            dt.date(2017, 5, 17),
            False,
            ("valid_period_unusual",),
        ),
        (
            "2010.05.17-2000.05.17",
            dt.date(2010, 5, 17),
            dt.date(2000, 5, 17),
            False,
            ("valid_period_unusual",),
        ),
        ("2010.02.30-2020.02.30", None, None, False, ("valid_date_invalid_date",)),
        ("2010.05.17-2020.13.17", dt.date(2010, 5, 17), None, False, ("valid_date_invalid_date",)),
        ("2010.5.17-2020.5.17", None, None, None, ("valid_date_bad_shape",)),
        ("2010.05.17-永久", None, None, None, ("valid_date_bad_shape",)),
        ("2010.05.17-2020.05.1*", None, None, None, ("valid_date_bad_shape",)),
        ("2010.05.17", None, None, None, ("valid_date_bad_shape",)),
        ("2027.01.01-2037.01.01", dt.date(2027, 1, 1), dt.date(2037, 1, 1), False, ("valid_from_in_future",)),
        (None, None, None, None, ()),
        ("", None, None, None, ()),
    ],
)
def test_parse_valid_period(
    text: str | None,
    valid_from: dt.date | None,
    valid_to: dt.date | None,
    long_term: bool | None,
    flags: tuple[str, ...],
) -> None:
    period = validation.parse_valid_period(text, today=TODAY)
    assert (period.valid_from, period.valid_to, period.long_term, period.flags) == (
        valid_from,
        valid_to,
        long_term,
        flags,
    )


def test_add_years_handles_29_february() -> None:
    assert validation.add_years(dt.date(2016, 2, 29), 10) == (dt.date(2026, 2, 28), dt.date(2026, 3, 1))
    assert validation.add_years(dt.date(2016, 2, 29), 20) == (dt.date(2036, 2, 29),)


seventeen_digits = st.text(alphabet="0123456789", min_size=17, max_size=17)


@settings(deadline=None)  # the first example loads the region table
@given(seventeen_digits)
def test_any_17_digits_with_their_check_char_pass_the_check(first17: str) -> None:
    number = first17 + idnumber.check_char(first17)
    assert idnumber.is_valid(number)
    assert "number_bad_check_digit" not in validation.number_flags(number)
    assert "number_bad_shape" not in validation.number_flags(number)


@settings(deadline=None)  # the first example loads the region table
@given(seventeen_digits, st.integers(min_value=0, max_value=17), st.integers(min_value=1, max_value=10))
def test_changing_any_single_character_breaks_the_check(first17: str, position: int, shift: int) -> None:
    number = first17 + idnumber.check_char(first17)
    alphabet = "0123456789X" if position == 17 else "0123456789"
    # shift is 1..len-1 modulo the alphabet, so the character always changes.
    shift = shift % len(alphabet) or 1
    changed_char = alphabet[(alphabet.index(number[position]) + shift) % len(alphabet)]
    assert changed_char != number[position]
    changed = number[:position] + changed_char + number[position + 1 :]
    assert not idnumber.is_valid(changed)
    assert "number_bad_check_digit" in validation.number_flags(changed)


def test_non_ascii_digits_are_a_bad_shape_not_a_crash() -> None:
    full_width = "".join(chr(ord(c) + 0xFEE0) for c in GOOD[:17]) + "X"
    assert validation.number_flags(full_width) == ("number_bad_shape",)
    assert validation.parse_valid_period("２０１０.05.17-长期").flags == ("valid_date_bad_shape",)
    assert validation.parse_birthday("1" * 5000, "1", "1") is None


def test_number_with_trailing_newline_inside_is_bad_shape() -> None:
    assert validation.number_flags(GOOD + "\n0") == ("number_bad_shape",)


any_text = st.none() | st.text(max_size=40) | st.text(alphabet=st.characters(categories=["Nd"]), max_size=20)


@settings(deadline=None)  # the first example loads the region table
@given(any_text, any_text, any_text, any_text, any_text)
def test_checks_never_raise_on_arbitrary_text(
    number: str | None, year: str | None, month: str | None, day: str | None, gender: str | None
) -> None:
    flags = validation.number_flags(number)
    result = validation.number_consistency(number, birthday=(year, month, day), gender=gender)
    assert result.number_check in range(-1, 5)
    if result.number_check >= NUMBER_CONSISTENT:
        assert not set(flags) - {"region_unknown"}
    validation.birthday_flags(year, month, day, today=TODAY)
    validation.gender_flags(gender)
    validation.race_flags(gender)
    period = validation.parse_valid_period(number, today=TODAY)
    if "valid_date_bad_shape" in period.flags:
        assert (period.valid_from, period.valid_to, period.long_term) == (None, None, None)
    if period.long_term:
        assert period.valid_to is None


def test_add_years_near_the_end_of_the_calendar() -> None:
    assert validation.add_years(dt.date(9990, 5, 1), 20) == ()
    assert validation.parse_valid_period("9999.05.17-9999.05.17", today=TODAY).flags == (
        "valid_period_unusual",
        "valid_from_in_future",
    )


@pytest.mark.parametrize(
    ("birthday", "valid_date", "flags"),
    [
        (dt.date(2010, 6, 1), "2020.01.01-2025.01.01", ()),  # 9 years old: 5 years
        (dt.date(2000, 6, 1), "2020.01.01-2030.01.01", ()),  # 19: 10 years
        (dt.date(1980, 6, 1), "2020.01.01-2040.01.01", ()),  # 39: 20 years
        (dt.date(1960, 6, 1), "2020.01.01-长期", ()),  # 59: long-term
        (dt.date(2004, 1, 2), "2020.01.01-2025.01.01", ()),  # one day before turning 16
        (dt.date(2004, 1, 1), "2020.01.01-2025.01.01", ("valid_term_unusual_for_age",)),  # 16 that day
        (dt.date(2000, 6, 1), "2020.01.01-长期", ("valid_term_unusual_for_age",)),
        (dt.date(1960, 6, 1), "2020.01.01-2030.01.01", ("valid_term_unusual_for_age",)),
        (dt.date(2021, 6, 1), "2020.01.01-2025.01.01", ("valid_term_unusual_for_age",)),  # before birth
        (None, "2020.01.01-长期", ()),
        (dt.date(1960, 6, 1), "2020.01.0", ()),  # no term to judge
    ],
)
def test_term_flags(birthday: dt.date | None, valid_date: str, flags: tuple[str, ...]) -> None:
    period = validation.parse_valid_period(valid_date, today=TODAY)
    assert validation.term_flags(period, birthday=birthday) == flags
