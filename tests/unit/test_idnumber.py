from __future__ import annotations

import datetime as dt

import pytest

from airflow_provider_faceid import idnumber


@pytest.mark.parametrize(
    ("first17", "expected"),
    [("11010519491231002", "X"), ("44030819900101001", "7"), ("11010119900307803", "X")],
)
def test_check_char_known_numbers(first17: str, expected: str) -> None:
    assert idnumber.check_char(first17) == expected


def test_is_valid_accepts_lower_case_x_and_rejects_a_changed_digit() -> None:
    assert idnumber.is_valid("11010519491231002x")
    assert not idnumber.is_valid("11010519491231003X")
    assert not idnumber.is_valid("1101051949123100")


def test_birthday_and_gender() -> None:
    assert idnumber.birthday_of("11010519491231002X") == dt.date(1949, 12, 31)
    assert idnumber.birthday_of("110105194902300020") is None
    assert idnumber.gender_of("11010519491231002X") == "女"
    assert idnumber.gender_of("110105194912310010") == "男"


def test_mask_keeps_only_ends() -> None:
    assert idnumber.mask("11010519491231002X") == "110*************2X"
    assert idnumber.mask(None) == ""
