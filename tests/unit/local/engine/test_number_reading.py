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


def test_a_runner_up_never_replaces_a_confident_digit() -> None:
    wrong = VALID[:10] + "9" + VALID[11:]
    assert repaired(reading(wrong, unsure={10: 0.9}, runners={10: "0"})) is None


def test_look_alikes_the_recogniser_did_not_propose_are_not_tried() -> None:
    wrong = VALID[:10] + "8" + VALID[11:]  # 0 read as 8, runner-up not 0
    assert not idnumber.is_valid(wrong)
    assert repaired(reading(wrong, unsure={10: 0.3}, runners={10: "6"})) is None


def test_confident_digits_are_never_changed() -> None:
    wrong = VALID[:10] + "9" + VALID[11:]
    assert repaired(reading(wrong)) is None


def test_a_confidently_printed_invalid_number_comes_back_unchanged() -> None:
    # A specimen card prints this number; GB 11643 gives 4 as its check character, not X.
    printed = "11204416541220243X"
    assert not idnumber.is_valid(printed)
    best = best_number([line("公民身份号码 " + printed, 0, 0)])
    assert best is not None and best.text == printed


def test_the_check_character_is_not_recomputed_when_it_is_unsure_without_an_alternative() -> None:
    wrong = VALID[:17] + "7"
    assert repaired(reading(wrong, unsure={17: 0.4})) is None


def test_two_unsure_characters_whose_runner_ups_each_make_a_valid_number_are_left_alone() -> None:
    wrong = VALID[:15] + "5" + VALID[16:]
    other_fix = wrong[:17] + idnumber.check_char(wrong[:17])
    assert idnumber.is_valid(other_fix) and other_fix != VALID
    runners = {15: VALID[15], 17: other_fix[17]}
    assert repaired(reading(wrong, unsure={15: 0.4, 17: 0.4}, runners=runners)) is None
    # Either alternative alone is the unique valid reading.
    assert repaired(reading(wrong, unsure={15: 0.4}, runners=runners)).text == VALID  # type: ignore[union-attr]


def test_seventeen_and_nineteen_character_numbers_come_back_as_read() -> None:
    for printed in (VALID[:17], VALID + "5"):
        best = best_number([line("公民身份号码" + printed, 0, 0)])
        assert best is not None and best.text == printed


def test_an_unreadable_edge_character_of_a_nineteen_character_run_is_left_out() -> None:
    # The label's 码 read as 4 at 0.26 into the number's box: the 18 after it are the number.
    best = best_number([line("公民身份号4" + VALID, 0, 0, scores={5: 0.26})])
    assert best is not None and best.text == VALID
    # At the end too (a mark's stroke after the check character).
    assert repaired(reading(VALID + "1", unsure={18: 0.3})) == reading(VALID)
    # Read surely, or unsure inside the run, or leaving no valid number: as read.
    assert repaired(reading("4" + VALID)) is None
    assert repaired(reading(VALID[:9] + "4" + VALID[9:], unsure={9: 0.2})) is None
    assert repaired(reading("4" + VALID[:17] + "0", unsure={0: 0.2})) is None


def test_a_date_range_is_not_a_number() -> None:
    assert best_number([line("2016.02.29-2036.02.29", 0, 0)]) is None


def test_best_number_prefers_a_valid_reading() -> None:
    lines = [line("110108198904031238", 0, 0), line(VALID, 0, 40)]
    best = best_number(lines)
    assert best is not None and best.text == VALID
    assert best_number([line("no digits here", 0, 0)]) is None
