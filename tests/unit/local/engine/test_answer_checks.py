"""The checks that pick the best of several readings of one card."""

from __future__ import annotations

from typing import Any

from airflow_provider_faceid.local.engine.answer_checks import check_answer

NUMBER = "110108198904031239"  # valid, born 1989-04-03, male


def front(**changes: Any) -> dict[str, Any]:
    fields: dict[str, Any] = {
        "side": "front",
        "name": "张三",
        "gender": "男",
        "race": "汉",
        "birthday": {"year": "1989", "month": "4", "day": "3"},
        "address": "北京市海淀区中关村大街27号",
        "id_card_number": NUMBER,
    }
    return {**fields, **changes}


def test_a_consistent_front_is_complete() -> None:
    checks = check_answer(front())
    assert (checks.passed, checks.total, checks.complete) == (6, 6, True)


def test_each_broken_field_costs_one_check() -> None:
    broken = [
        {"name": None},
        {"name": "张*"},
        {"gender": "女"},  # the number says male
        {"race": "汉族人"},
        {"birthday": {"year": "1989", "month": "2", "day": "30"}},
        {"birthday": {"year": "1989", "month": "4", "day": "4"}},  # the number says the 3rd
        {"address": "北京"},
        {"address": "广西壮族自治区柳州市柳江区"},  # cut short: no house number, room or group
        {"address": "北京市海淀区中关村大街27号样"},
        {"id_card_number": NUMBER[:17] + "0"},
    ]
    for change in broken:
        checks = check_answer(front(**change))
        assert checks.passed == 5 and not checks.complete, change


def test_back_needs_an_authority_ending_and_a_real_period() -> None:
    good = {"side": "back", "issued_by": "北京市公安局海淀分局", "valid_date": "2016.02.29-2036.02.29"}
    assert check_answer(good).complete
    assert check_answer({**good, "valid_date": "2016.02.29-长期"}).complete
    assert check_answer({**good, "issued_by": "北京市公安局海淀分"}).passed == 1
    assert check_answer({**good, "valid_date": "2016.02.30-2036.02.30"}).passed == 1
    assert check_answer({**good, "valid_date": "2036.02.29-2016.02.29"}).passed == 1
    # A card is valid for 5, 10 or 20 years to the day: another end was misread.
    for period in ("2013.06.15-2038.06.21", "2013.06.15-2033.06.21", "2013.06.15-2026.06.15"):
        assert check_answer({**good, "valid_date": period}).passed == 1, period
    for period in ("2013.06.15-2018.06.15", "2013.06.15-2023.06.15", "2016.02.29-2021.02.28"):
        assert check_answer({**good, "valid_date": period}).complete, period


def test_a_branch_named_by_one_character_fails_its_check() -> None:
    # 柳江分局 with its 柳 lost: no branch is named by one character.
    lost = check_answer(
        {"side": "back", "issued_by": "柳州市公安局江分局", "valid_date": "2013.02.05-2033.02.05"}
    )
    assert lost.failing == ("issued_by",)
    whole = check_answer(
        {"side": "back", "issued_by": "柳州市公安局柳江分局", "valid_date": "2013.02.05-2033.02.05"}
    )
    assert whole.complete


def test_an_authority_that_starts_with_no_place_fails_its_check() -> None:
    # 嘉禾县 with its 嘉 under a mark: 禾县 is no place, and a bureau always names its own.
    lost = check_answer({"side": "back", "issued_by": "禾县公安局", "valid_date": "2025.11.12-长期"})
    assert lost.failing == ("issued_by",)
    whole = {"side": "back", "issued_by": "嘉禾县公安局", "valid_date": "2025.11.12-长期"}
    assert check_answer(whole).complete
