"""A field that fails its check in the winning view is taken from another view where it passes."""

from __future__ import annotations

from typing import Any, cast

from airflow_provider_faceid.local.engine.answer_checks import check_answer
from airflow_provider_faceid.local.engine.card_geometry import CardView
from airflow_provider_faceid.local.engine.card_reader import _Attempt, _completed
from airflow_provider_faceid.local.engine.recognizer import Recognition

NUMBER = "110108198904031239"  # born 1989-04-03, male
FRONT = {
    "side": "front",
    "name": "张三",
    "gender": "男",
    "race": "汉",
    "birthday": {"year": "1989", "month": "4", "day": "3"},
    "address": "北京市海淀区中关村大街27号院3号楼501室",
    "id_card_number": NUMBER,
}


def attempt(labels: int = 6, **changes: Any) -> _Attempt:
    fields = {**FRONT, **changes}
    # View and recognition play no part in completing: stand-ins keep the test free of the engine.
    view, recognition = cast(CardView, None), Recognition(lines=[], upside_down_share=0, vertical_share=0)
    return _Attempt(view, recognition, fields, check_answer(fields), labels, traces=0)


def test_a_birthday_lost_by_the_best_view_comes_from_the_view_that_read_it() -> None:
    best, other = attempt(birthday=None), attempt(labels=0, name=None, race=None)
    assert _completed(best, [best, other]) == FRONT


def test_a_value_that_disagrees_with_the_winning_number_is_not_taken() -> None:
    best = attempt(birthday=None)
    other = attempt(birthday={"year": "1989", "month": "4", "day": "4"}, id_card_number="110108198904041235")
    assert _completed(best, [best, other])["birthday"] is None


def test_the_number_is_never_taken_from_another_view() -> None:
    best = attempt(id_card_number="110108198904031230")  # as printed: a wrong check digit
    other = attempt(labels=0)
    assert _completed(best, [best, other])["id_card_number"] == "110108198904031230"


def test_a_field_of_the_other_side_is_not_taken() -> None:
    best = attempt(birthday=None)
    back = _Attempt(
        cast(CardView, None),
        Recognition(lines=[], upside_down_share=0, vertical_share=0),
        {"side": "back", "issued_by": "北京市公安局", "valid_date": "2016.02.29-2036.02.29"},
        check_answer({"side": "back"}),
        2,
        traces=0,
    )
    assert _completed(best, [best, back])["birthday"] is None
