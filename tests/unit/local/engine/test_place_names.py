"""Place names from GB/T 2260 confirm unsure characters and repair from the runner-up."""

from __future__ import annotations

from airflow_provider_faceid.local.engine.place_names import checked, place_names
from airflow_provider_faceid.local.engine.reading import Reading


def reading(
    text: str, scores: dict[int, float] | None = None, runners: dict[int, str] | None = None
) -> Reading:
    return Reading(
        text,
        tuple((scores or {}).get(i, 0.99) for i in range(len(text))),
        tuple((runners or {}).get(i, "") for i in range(len(text))),
    )


def test_table_holds_full_and_short_names() -> None:
    names = place_names()
    assert "珙县" in names and "宝坻区" in names and "宝坻" in names


def test_an_unsure_character_inside_a_place_name_is_confirmed() -> None:
    read = reading("四川省宜宾市珙县滨江路", scores={6: 0.43})
    assert checked(read).starred() == "四川省宜宾市珙县滨江路"
    assert read.starred() == "四川省宜宾市*县滨江路"


def test_runner_up_completing_a_long_name_repairs_it() -> None:
    read = reading("重庆市西阳土家族苗族自治县", scores={3: 0.6}, runners={3: "酉"})
    assert checked(read).text == "重庆市酉阳土家族苗族自治县"
    sure = reading("重庆市西阳土家族苗族自治县", runners={3: "酉"})
    assert checked(sure).text == "重庆市西阳土家族苗族自治县"


def test_nothing_outside_first_and_second_choices_is_filled_in() -> None:
    read = reading("重庆市西阳土家族苗族自治县", runners={3: "四"})
    assert checked(read).text == "重庆市西阳土家族苗族自治县"
    unsure = reading("某某路甲号", scores={3: 0.2})
    assert checked(unsure).starred() == "某某路*号"
