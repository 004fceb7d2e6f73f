"""Reading and repairing the 18-character number against its GB 11643 check character."""

from __future__ import annotations

from airflow_provider_faceid import idnumber
from airflow_provider_faceid.local.engine.number_reading import (
    NumberReading,
    best_number,
    candidates_in,
    repaired,
)
from tests.unit.local.lines import line

VALID = "110108198904031239"


def reading(
    text: str, unsure: dict[int, float] | None = None, runners: dict[int, str] | None = None
) -> NumberReading:
    scores = tuple((unsure or {}).get(i, 0.99) for i in range(len(text)))
    return NumberReading(text, scores, tuple((runners or {}).get(i, "") for i in range(len(text))))


def test_letters_that_look_like_digits_become_digits() -> None:
    found = candidates_in(line("公民身份号码 11O1O8198904031239", 0, 0))
    assert [c.text for c in found] == [VALID]


def test_lowercase_x_check_character_is_upper_cased() -> None:
    number = "44030619751120002X"
    assert idnumber.is_valid(number)
    assert candidates_in(line(number[:-1] + "x", 0, 0))[0].text == number


def test_runner_up_repairs_an_unsure_digit() -> None:
    wrong = VALID[:10] + "9" + VALID[11:]  # 0 read as 9
    assert not idnumber.is_valid(wrong)
    fixed = repaired(reading(wrong, unsure={10: 0.5}, runners={10: "0"}))
    assert fixed is not None and fixed.text == VALID


def test_confident_digits_are_never_changed() -> None:
    wrong = VALID[:10] + "9" + VALID[11:]
    assert repaired(reading(wrong)) is None


def test_check_character_itself_can_be_the_wrong_one() -> None:
    wrong = VALID[:17] + "7"
    fixed = repaired(reading(wrong, unsure={17: 0.4}))
    assert fixed is not None and fixed.text == VALID


def test_ambiguous_repairs_are_refused() -> None:
    # Many unsure positions: several single substitutions would be valid, so none is chosen.
    wrong = VALID[:17] + "7"
    assert repaired(reading(wrong, unsure={i: 0.4 for i in range(18)})) is None


def test_best_number_prefers_a_valid_reading() -> None:
    lines = [line("110108198904031238", 0, 0), line(VALID, 0, 40)]
    best = best_number(lines)
    assert best is not None and best.text == VALID
    assert best_number([line("no digits here", 0, 0)]) is None
