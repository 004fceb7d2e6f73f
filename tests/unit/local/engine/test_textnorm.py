from __future__ import annotations

from airflow_provider_faceid.local.engine.textnorm import normalize, normalize_dashes, traditional_only_forms


def test_full_width_ascii_and_spaces() -> None:
    assert normalize("１９８９ 年\u3000４ 月") == "1989年4月"
    assert normalize("１２３Ｘ") == "123X"


def test_traditional_forms_the_recogniser_produces() -> None:
    assert normalize("漢") == "汉"
    assert normalize("性別") == "性别"
    assert normalize("張三") == "张三"


def test_noise_punctuation_is_dropped_but_value_punctuation_kept() -> None:
    assert normalize("住：址") == "住址"
    assert normalize("阿依·买买提") == "阿依·买买提"
    assert normalize("2016.02.29-2036.02.29") == "2016.02.29-2036.02.29"


def test_dashes() -> None:
    assert normalize_dashes("2016.02.29—2036.02.29") == "2016.02.29-2036.02.29"


def test_traditional_only_forms_leave_out_characters_simplified_text_uses_too() -> None:
    forms = traditional_only_forms()
    assert {"壯", "別", "漢", "裡", "後", "髮"} <= forms
    # Simplified forms, and Traditional-looking characters that Simplified text (and names) use.
    assert not {"壮", "别", "汉", "乾", "於", "干", "彧", "堃", "喆"} & forms
