from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from airflow_provider_faceid.privacy import mask_address, mask_name, mask_number


@pytest.mark.parametrize(
    ("name", "masked"),
    [("张三", "张**"), ("欧阳娜娜", "欧**"), (" 李四 ", "李**"), ("王", "**"), ("", ""), (None, "")],
)
def test_mask_name(name: str | None, masked: str) -> None:
    assert mask_name(name) == masked


@pytest.mark.parametrize(
    ("address", "masked"),
    [
        ("北京市海淀区中关村大街1号", "北京市海**"),
        ("广东省深圳市南山区科技园南区深南大道10000号", "广东省深圳市**"),
        ("上海", "**"),
        (None, ""),
    ],
)
def test_mask_address(address: str | None, masked: str) -> None:
    assert mask_address(address) == masked


def test_mask_number_is_the_idnumber_mask() -> None:
    assert mask_number("11010519491231002X") == "110*************2X"


names = st.text(st.characters(min_codepoint=0x4E00, max_codepoint=0x9FA5), min_size=1, max_size=6)


@given(names, st.text(st.characters(min_codepoint=0x4E00, max_codepoint=0x9FA5), min_size=1, max_size=60))
def test_masks_never_hold_the_whole_value(name: str, address: str) -> None:
    assert name not in mask_name(name)
    assert address not in mask_address(address)
    # The length of the hidden part does not show.
    assert len(mask_name(name)) <= 3
    assert mask_address(address).endswith("**") and len(mask_address(address)) <= 8
