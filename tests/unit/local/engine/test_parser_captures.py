"""The parser on what hard captures make of the text: garbled labels, phantom digits, watermark
boxes beside values, label remnants (synthetic OCR output, no engine)."""

from __future__ import annotations

from airflow_provider_faceid import idnumber
from airflow_provider_faceid.local.engine.back_fields import authority_ending
from airflow_provider_faceid.local.engine.parser import parse_back, parse_front
from airflow_provider_faceid.local.engine.textline import TextLine
from tests.unit.local.lines import CHAR_WIDTH, front_lines, line

NUMBER = "110108198904031239"  # valid, born 1989-04-03, male
ADDRESS = ("北京市海淀区中关村大街", "27号院3号楼501室")


def replaced(lines: list, index: int, new) -> list:  # type: ignore[type-arg]
    return [new if i == index else old for i, old in enumerate(lines)]


def test_a_long_label_with_one_unsure_character_still_anchors() -> None:
    lines = [
        line("中华人民共和国", 260, 80),
        line("南发机关上海市公安局崇明分局", 200, 395, scores={0: 0.07}),
        line("有效期限", 200, 470),
        line("2025.05.05-2045.05.05", 334, 470),
    ]
    assert parse_back(lines)["issued_by"] == "上海市公安局崇明分局"


def test_without_any_label_the_authority_column_starts_where_the_date_does() -> None:
    lines = [
        line("南发机关", 200, 395),
        line("上海市公安局崇明分局", 334, 395),
        line("有女用时", 200, 470),
        line("2025.05.05-2045.05.05", 334, 470),
    ]
    assert parse_back(lines)["issued_by"] == "上海市公安局崇明分局"


def test_validity_with_doubled_dots_and_no_label() -> None:
    lines = [
        line("签发机关", 200, 395),
        line("某县公安局", 334, 395),
        line("有女用时2025.05.05-2045..05..05", 200, 470),
    ]
    assert parse_back(lines)["valid_date"] == "2025.05.05-2045.05.05"


def test_a_phantom_unsure_digit_in_the_birthday_is_dropped() -> None:
    lines = replaced(
        front_lines(number=NUMBER, address=ADDRESS),
        7,
        line("1989年14月13日", 150, 190, scores={5: 0.6, 8: 0.2}),
    )
    assert parse_front(lines)["birthday"] == {"year": "1989", "month": "4", "day": "3"}


def test_an_unsure_digit_read_in_place_of_the_month_mark_is_that_mark() -> None:
    number = "520602197912022691"  # born 1979-12-02
    base = front_lines(number=number, address=ADDRESS)
    # 月 lost, the recogniser reading a 1 (0.66) in its place: 12月2日.
    lines = replaced(base, 7, line("1979年1212日", 150, 190, scores={7: 0.66}))
    assert parse_front(lines)["birthday"] == {"year": "1979", "month": "12", "day": "2"}
    # With 日 read as another character whose runner-up it is.
    lines = replaced(base, 7, line("1979年1282司", 150, 190, scores={7: 0.18, 9: 0.31}, runners={9: "日"}))
    assert parse_front(lines)["birthday"] == {"year": "1979", "month": "12", "day": "2"}
    # Read surely, the digits are no date: nothing is made of them.
    lines = replaced(base, 7, line("1979年1212日", 150, 190))
    assert parse_front(lines)["birthday"] is None


def test_a_sure_impossible_birthday_is_not_rewritten() -> None:
    lines = replaced(
        front_lines(number="110108198913031238", address=ADDRESS), 7, line("1989年13月3日", 150, 190)
    )
    assert parse_front(lines)["birthday"] == {"year": "1989", "month": "13", "day": "3"}


def test_a_watermark_far_right_of_a_value_is_not_part_of_it() -> None:
    lines = [*front_lines(number=NUMBER, address=ADDRESS), line("样本", 560, 60), line("SPECIMEN", 600, 250)]
    fields = parse_front(lines)
    assert fields["name"] == "张三"
    assert fields["address"] == "".join(ADDRESS)


def test_a_wholly_unsure_piece_between_name_label_and_name_is_dropped() -> None:
    lines = replaced(front_lines(number=NUMBER, address=ADDRESS), 0, line("姓名儿", 60, 60, scores={2: 0.16}))
    assert parse_front(lines)["name"] == "张三"


def test_an_unsure_stroke_before_the_name_is_dropped() -> None:
    lines = replaced(
        front_lines(number=NUMBER, address=ADDRESS), 1, line("一张三", 130, 60, scores={0: 0.05})
    )
    assert parse_front(lines)["name"] == "张三"


def test_an_unsure_bar_inside_an_address_is_dropped() -> None:
    row = "27号院3号楼5|01室"  # a mark's edge read between two characters
    unsure = replaced(front_lines(number=NUMBER, address=ADDRESS), 10, line(row, 150, 288, scores={8: 0.47}))
    assert parse_front(unsure)["address"] == "".join(ADDRESS)
    # 一 is print (一组): it stays, starred when unsure.
    stroke = replaced(
        front_lines(number=NUMBER, address=ADDRESS), 10, line("27号院3号楼一01室", 150, 288, scores={7: 0.47})
    )
    assert parse_front(stroke)["address"] == ADDRESS[0] + "27号院3号楼*01室"


def test_an_unsure_square_bracket_inside_an_address_is_dropped() -> None:
    base = front_lines(number=NUMBER, address=ADDRESS)
    # 门's right stroke read again as ] (0.64-0.72), whatever the runner-up.
    for runner in ("5", "1"):
        stroke = line("27号院3号楼5]01室", 150, 288, scores={8: 0.72}, runners={8: runner})
        assert parse_front(replaced(base, 10, stroke))["address"] == "".join(ADDRESS)
    # Read surely: as read.
    sure = line("27号院3号楼5]01室", 150, 288)
    assert parse_front(replaced(base, 10, sure))["address"] == ADDRESS[0] + "27号院3号楼5]01室"


def test_race_followed_by_watermark_text_and_garbled_race_label() -> None:
    lines = replaced(front_lines(number=NUMBER, address=ADDRESS), 5, line("汉样本", 375, 125))
    assert parse_front(lines)["race"] == "汉"
    # A SPECIMEN across the box: its end is cut off as the mark's, a lone letter before stays.
    lines = replaced(front_lines(race="裕固", number=NUMBER, address=ADDRESS), 5, line("P裕固IMEN", 375, 125))
    assert parse_front(lines)["race"] == "裕固"
    garbled = [
        *front_lines(number=NUMBER, address=ADDRESS)[:2],
        line("作新男", 60, 125),
        line("娱族汉", 285, 125),
    ]
    garbled += front_lines(number=NUMBER, address=ADDRESS)[6:]
    fields = parse_front(garbled)
    assert (fields["gender"], fields["race"]) == ("男", "汉")


def test_a_marks_unsure_scrap_before_the_group_is_no_part_of_it() -> None:
    # The mark's 样 read as 祥 at 0.11 before 回, and 回 boxed again on its own after it.
    lines = replaced(
        front_lines(race="回", number=NUMBER, address=ADDRESS), 5, line("祥回", 375, 125, scores={0: 0.11})
    )
    lines.append(line("回", 375 + 3 * CHAR_WIDTH, 125))
    assert parse_front(lines)["race"] == "回"
    # Read surely, the character is print, and the reading no group: it comes back as read.
    lines = replaced(front_lines(race="回", number=NUMBER, address=ADDRESS), 5, line("祥回", 375, 125))
    assert parse_front(lines)["race"] == "祥回"
    # The mark's own 本, however sure, is no group's start (民族本汉 | 汉 beside a 样本).
    lines = replaced(front_lines(number=NUMBER, address=ADDRESS), 5, line("本汉", 375, 125))
    lines.append(line("汉", 375 + 3 * CHAR_WIDTH, 125))
    assert parse_front(lines)["race"] == "汉"


def test_a_name_ending_in_nan_is_not_taken_for_the_gender() -> None:
    lines = [
        box
        for box in front_lines(name="李胜男", gender="女", number=NUMBER, address=ADDRESS)
        if box.text != "性别"
    ]
    lines = [box for box in lines if box.text != "女"]
    assert parse_front(lines)["gender"] is None


def test_a_half_read_address_label_is_cut_off() -> None:
    lines = front_lines(number=NUMBER, address=ADDRESS)
    lines = [box for box in lines if box.text != "住址"]
    lines = replaced(lines, 8, line("生址" + ADDRESS[0], 60, 250))
    assert parse_front(lines)["address"] == "".join(ADDRESS)


def test_a_label_character_read_as_another_before_the_province_is_cut_off() -> None:
    lines = [box for box in front_lines(number=NUMBER, address=ADDRESS) if box.text != "住址"]
    at = next(i for i, box in enumerate(lines) if box.text == ADDRESS[0])
    # 址 read as 是 (住 left of the value column): an address starts with its province.
    lines = replaced(lines, at, line("是" + ADDRESS[0], 123, 250))
    assert parse_front(lines)["address"] == "".join(ADDRESS)
    # An address that starts with its province keeps every character (江西省 is no 西...).
    lines = replaced(lines, at, line("江西省南昌市东湖区", 150, 250))
    assert parse_front(lines)["address"].startswith("江西省南昌市")


def test_a_name_character_read_surely_twice_goes_only_when_well_under_the_names_box() -> None:
    lines = [box for box in front_lines(number=NUMBER, address=ADDRESS) if box.text not in ("姓名", "张三")]
    label = line("姓名草", 60, 60)  # 韩's left half under the label's box, read surely as 草
    assert parse_front([*lines, label, line("韩亮永永", label.right - 17, 60)])["name"] == "韩亮永永"
    # A third of it under the next box: two boxes of one row overlapping, the character read once.
    assert parse_front([*lines, label, line("韩亮永永", label.right - 10, 60)])["name"] == "草韩亮永永"


def test_an_unreadable_stroke_before_the_province_is_cut_off() -> None:
    lines = front_lines(number=NUMBER, address=ADDRESS)
    at = next(i for i, box in enumerate(lines) if box.text == ADDRESS[0])
    lines = replaced(lines, at, line("亻" + ADDRESS[0], 123, 250, scores={0: 0.2}))
    assert parse_front(lines)["address"] == "".join(ADDRESS)
    # A stroke read surely as a digit: no address starts with one before its province.
    lines = replaced(lines, at, line("1" + ADDRESS[0], 123, 250))
    assert parse_front(lines)["address"] == "".join(ADDRESS)
    # But an address that names no province is left as read.
    lines = replaced(lines, at, line("1中关村大街", 123, 250))
    assert parse_front(lines)["address"].startswith("1中关村")


def test_a_remnant_of_the_authority_label_is_cut_off_but_a_county_named_guan_stays() -> None:
    remnant = [line("有效期限", 200, 470), line("2010.01.05-长期", 334, 470)]
    assert parse_back([line("关兴业县公安局", 334, 395), *remnant])["issued_by"] == "兴业县公安局"
    assert parse_back([line("关岭县公安局", 334, 395), *remnant])["issued_by"] == "关岭县公安局"
    # The label's first characters garbled, 机关 read: everything up to it goes.
    garbled = line("兴机关梁山县公安局", 300, 395, scores={0: 0.3})
    assert parse_back([garbled, *remnant])["issued_by"] == "梁山县公安局"
    # 关 garbled too (机群), behind a scrap another box put in front (图).
    garbled = line("图机群阿图什市公安局", 300, 395, scores={2: 0.51, 3: 0.17})
    assert parse_back([garbled, *remnant])["issued_by"] == "阿图什市公安局"


def test_an_unsure_race_character_takes_its_runner_up_when_that_names_a_group() -> None:
    base = front_lines(number=NUMBER, address=ADDRESS)
    unsure = replaced(base, 5, line("邁斡尔", 375, 125, scores={0: 0.72}, runners={0: "达"}))
    assert parse_front(unsure)["race"] == "达斡尔"
    sure = replaced(base, 5, line("邁斡尔", 375, 125, runners={0: "达"}))
    assert parse_front(sure)["race"] == "邁斡尔"


def test_a_number_running_under_the_portrait_edge_on_a_card_printed_high_is_kept() -> None:
    lines = front_lines(number=NUMBER, address=ADDRESS)
    lines = [box for box in lines if box.text != NUMBER]
    # Starts in the value column, centre right of the portrait's left edge, row above its bottom.
    high_number = TextLine.from_rect(NUMBER, 292, 379, 778, 408, score=0.99)
    assert (high_number.left + high_number.right) / 2 > 0.624 * 856
    fields = parse_front([*lines, high_number, line("样本", 600, 120)], card_size=(856.0, 540.0))
    assert fields["id_card_number"] == NUMBER


def test_a_sure_dash_box_between_the_name_label_and_a_surname_is_dropped() -> None:
    lines = [*front_lines(number=NUMBER, address=ADDRESS), line("一", 125, 62, score=0.53)]
    assert parse_front(lines)["name"] == "张三"


def test_a_dot_read_into_the_birthday_and_a_garbled_race_label_with_its_zu_lost() -> None:
    base = [box for box in front_lines(number=NUMBER, address=ADDRESS) if box.text not in ("民族", "汉")]
    lines = replaced(base, 5, line("出生1989年4月.3日", 60, 190))
    fields = parse_front([*lines, line("民展汉", 285, 125, scores={1: 0.21})])
    assert fields["birthday"] == {"year": "1989", "month": "4", "day": "3"}
    assert fields["race"] == "汉"


def test_a_sure_character_is_never_swapped_for_its_runner_up_gender() -> None:
    lines = replaced(front_lines(number=NUMBER, address=ADDRESS), 3, line("另", 150, 125, runners={0: "男"}))
    assert parse_front(lines)["gender"] is None
    lines = replaced(lines, 3, line("另", 150, 125, scores={0: 0.4}, runners={0: "男"}))
    assert parse_front(lines)["gender"] == "男"


def test_a_watermark_read_on_the_name_row_is_no_name() -> None:
    lines = [box for box in front_lines(number=NUMBER, address=ADDRESS) if box.text != "张三"]
    assert parse_front([*lines, line("样本SPECIMEN", 150, 60)])["name"] is None


def test_a_stroke_read_as_a_letter_beside_the_authority_is_no_part_of_it() -> None:
    lines = [
        line("签发机关", 200, 395),
        line("X", 308, 398, score=0.88),
        line("民乐县公安局", 334, 395),
        line("有效期限", 200, 470),
        line("2009.08.04-长期", 334, 470),
    ]
    assert parse_back(lines)["issued_by"] == "民乐县公安局"


def test_a_name_whose_label_lost_its_first_character_or_whole_labels_lost() -> None:
    base = front_lines(number=NUMBER, address=ADDRESS)
    half_label = replaced(base, 0, line("名", 87, 60))
    assert parse_front(half_label)["name"] == "张三"
    # Only 民族 survived of the labels: the name is the row above, in the birthday's column.
    no_labels = [box for box in base if box.text not in ("姓名", "性别", "出生", "住址")]
    assert parse_front(no_labels)["name"] == "张三"


LABELS = ("姓名", "性别", "民族", "出生", "住址", "公民身份号码")


def without_labels(lines: list[TextLine]) -> list[TextLine]:
    return [box for box in lines if box.text not in LABELS]


def test_a_front_whose_labels_were_all_lost_is_read_by_the_order_of_its_rows() -> None:
    lines = without_labels(front_lines(name="王建国", number=NUMBER, address=ADDRESS))
    # 年月日 are printed in the labels' blue: lost with them, the digits stay.
    lines = [line("1989", 150, 190), line("4", 240, 190), line("3", 290, 190)] + [
        box for box in lines if "年" not in box.text
    ]
    fields = parse_front(lines)
    assert fields["name"] == "王建国"
    assert fields["gender"] == "男"
    assert fields["race"] == "汉"
    assert fields["birthday"] == {"year": "1989", "month": "4", "day": "3"}
    assert fields["address"] == "".join(ADDRESS)


def test_the_birthday_row_is_found_by_a_year_read_with_an_unsure_digit_whose_runner_up_fits() -> None:
    lines = without_labels(front_lines(name="王建国", number=NUMBER, address=ADDRESS))
    # 1989 read as 1089 (0 at 0.65, runner-up 9) on a strongly compressed capture.
    year = next(i for i, box in enumerate(lines) if box.text.startswith("1989"))
    blurred = replaced(lines, year, line("1089年4月3日", 150, 190, scores={1: 0.65}, runners={1: "9"}))
    fields = parse_front(blurred)
    assert (fields["name"], fields["gender"], fields["race"]) == ("王建国", "男", "汉")
    assert fields["address"] == "".join(ADDRESS)
    assert fields["birthday"] == {"year": "1989", "month": "4", "day": "3"}
    # Read surely, or with another runner-up: no row is the birthday's, and nothing is guessed.
    for sure in (
        line("1089年4月3日", 150, 190, runners={1: "9"}),
        line("1089年4月3日", 150, 190, scores={1: 0.65}),
    ):
        assert parse_front(replaced(lines, year, sure))["name"] is None


def test_a_birthday_row_read_without_its_gaps_is_split_into_month_and_day() -> None:
    def birthday_of(row: str, number: str = NUMBER) -> object:
        lines = without_labels(front_lines(number=number, address=ADDRESS))
        return parse_front([*[box for box in lines if "年" not in box.text], line(row, 150, 190)])["birthday"]

    # 1989 4 3 read as 1989.43: only 4-3 is a date.
    assert birthday_of("1989.43") == {"year": "1989", "month": "4", "day": "3"}
    # 1989 1 12 or 1989 11 2 (1989.112): the number picks among the two dates read.
    assert birthday_of("1989.112") is None  # neither is the number's 4-3
    born_11_2 = "11010819891102" + "123"
    born_11_2 += idnumber.check_char(born_11_2)
    assert birthday_of("1989.112", born_11_2) == {"year": "1989", "month": "11", "day": "2"}
    # A split that makes no date is no birthday (13-5, 1-35).
    assert birthday_of("1989.135") is None
    # 1989 ? 23: a month read as 美U leaves only the day; split into 2-3 it would be a date the
    # card does not print, and the number (4-3) says so.
    assert birthday_of("1989美U23日") is None
    # 年 lost between the year and the month (198904月3日): a year has four digits, the rest is read.
    assert birthday_of("198904月3日") == {"year": "1989", "month": "4", "day": "3"}
    assert birthday_of("19894月38X") is None  # 38 is no day
    # 年 read as a 1 (19891 2): 1989-1-2 is a date, but not the number's.
    assert birthday_of("19891 2") is None
    # Every gap lost (19890403, 198943): the year's four digits, the rest split as the number agrees.
    assert birthday_of("19890403") == {"year": "1989", "month": "4", "day": "3"}
    assert birthday_of("198943") == {"year": "1989", "month": "4", "day": "3"}
    assert birthday_of("19890413") is None  # 4-13 is a date, but not the number's


def test_label_remnants_left_of_the_value_column_stay_out_of_the_rows() -> None:
    lines = without_labels(front_lines(name="王建国", number=NUMBER, address=ADDRESS))
    lines = replaced(lines, 0, line("社王建国", 123, 60))  # 名 of 姓名 read as 社, in the same box
    lines = replaced(lines, 2, line("世汉", 348, 125))  # 族 of 民族 read as 世
    lines = replaced(lines, 4, line("址" + ADDRESS[0], 123, 250))
    fields = parse_front(lines)
    assert (fields["name"], fields["race"], fields["address"]) == ("王建国", "汉", "".join(ADDRESS))


def test_a_name_starting_left_of_the_value_column_keeps_its_surname() -> None:
    # A tilted capture: two rows above the birthday, the name starts a character further left.
    lines = replaced(
        without_labels(front_lines(name="尹珍蕾", number=NUMBER, address=ADDRESS)), 0, line("尹珍蕾", 110, 60)
    )
    assert parse_front(lines)["name"] == "尹珍蕾"
    # So does one after 姓名 read as unsure digits in the box (42韩萱).
    digits = replaced(lines, 0, line("42韩萱", 95, 60, scores={0: 0.45, 1: 0.33}))
    assert parse_front(digits)["name"] == "韩萱"
    # A label's remnant there is no surname, and goes.
    lines = replaced(lines, 0, line("名王建国", 123, 60))
    assert parse_front(lines)["name"] == "王建国"


def test_rows_are_not_guessed_when_one_is_missing() -> None:
    lines = [box for box in without_labels(front_lines(number=NUMBER, address=ADDRESS)) if box.text != "男"]
    lines = [box for box in lines if box.text != "汉"]  # the whole gender row is lost
    lines.append(line("居住证", 150, 20))  # and something read above the name
    fields = parse_front(lines)
    assert fields["gender"] is None
    assert fields["name"] is None  # the row above the birthday is the name, not the gender row
    # Below the birthday nothing was lost: the address is what stands above the number.
    assert fields["address"] == "".join(ADDRESS)


def test_the_row_order_needs_a_valid_number() -> None:
    invalid = NUMBER[:17] + "0"
    fields = parse_front(without_labels(front_lines(name="王建国", number=invalid, address=ADDRESS)))
    assert fields["name"] is None


def test_an_unsure_character_after_a_number_takes_its_runner_up_when_that_is_a_unit() -> None:
    base = front_lines(number=NUMBER, address=ADDRESS)
    at = next(i for i, box in enumerate(base) if box.text == ADDRESS[1])
    unsure = replaced(base, at, line("27卷院3号楼501室", 150, 288, scores={2: 0.54}, runners={2: "巷"}))
    assert parse_front(unsure)["address"] == ADDRESS[0] + "27巷院3号楼501室"
    # Read surely, or a runner-up that counts nothing: as read.
    sure = replaced(base, at, line("27卷院3号楼501室", 150, 288, runners={2: "巷"}))
    assert parse_front(sure)["address"] == ADDRESS[0] + "27卷院3号楼501室"
    other = replaced(base, at, line("27卷院3号楼501室", 150, 288, scores={2: 0.54}, runners={2: "券"}))
    assert parse_front(other)["address"] == ADDRESS[0] + "27卷院3号楼501室"


def test_unreadable_place_characters_before_the_bureau_stay_starred_not_dropped() -> None:
    # 公安 of 公安局 is also a county's short form (公安县): the stroke rule must not cut the
    # place down to the bare suffix and lose the field.
    remnant = [line("有效期限", 200, 470), line("2010.01.05-长期", 334, 470)]
    unsure = line("瑞竹市公安局", 334, 395, scores={0: 0.35}, runners={0: "邓"})
    assert parse_back([unsure, *remnant])["issued_by"] == "*竹市公安局"


def test_an_unsure_mark_edge_before_a_surname_is_no_part_of_the_name() -> None:
    # The mark's 本 across the gap after 姓名, read as 大 at 0.66 with runner-up 木 (a half of 本).
    assert _name_read_from(line("大张刚", 150, 60, scores={0: 0.66}, runners={0: "木"})) == "张刚"
    # A sure first character stays, as does one whose runner-up is no part of a mark.
    assert _name_read_from(line("大张刚", 150, 60, runners={0: "木"})) == "大张刚"
    assert _name_read_from(line("大张刚", 150, 60, scores={0: 0.66}, runners={0: "太"})) == "大张刚"


def test_the_marks_own_character_before_a_surname_is_no_part_of_the_name() -> None:
    # The mark's 本 between 姓名 and the name, read surely into the name's box.
    assert _name_read_from(line("本任子沐", 150, 60)) == "任子沐"
    assert _name_read_from(line("样任子沐", 150, 60)) == "任子沐"
    # Not when the rest starts with no surname, nor when the name itself starts with one.
    assert _name_read_from(line("本子沐", 150, 60)) == "本子沐"
    assert _name_read_from(line("任本沐", 150, 60)) == "任本沐"


def test_an_unsure_mark_edge_after_a_name_is_no_part_of_it() -> None:
    # The name's box runs on under a mark: its 本 read as 小 at 0.67, 本 second.
    assert _name_read_from(line("严磊星小", 150, 60, scores={3: 0.67}, runners={3: "本"})) == "严磊星"
    # A sure last character stays, as does one whose runner-up is no mark's, or a two-character name.
    assert _name_read_from(line("严磊星小", 150, 60, runners={3: "本"})) == "严磊星小"
    assert _name_read_from(line("严磊星小", 150, 60, scores={3: 0.67}, runners={3: "少"})) == "严磊星小"
    assert _name_read_from(line("严小", 150, 60, scores={1: 0.67}, runners={1: "本"})) == "严小"


def test_a_lone_unsure_letter_between_address_rows_is_no_part_of_the_address() -> None:
    rows = ("安徽省池州市青阳县龙泉乡", "北坡社区3巷376号")
    speck = line("X", 150 + 12 * CHAR_WIDTH, 268, scores={0: 0.51}, runners={0: "V"})
    lines = [*front_lines(number=NUMBER, address=rows), speck]
    assert parse_front(lines)["address"] == "".join(rows)
    # Read surely, a letter is print.
    lines = [*front_lines(number=NUMBER, address=rows), line("X", 150 + 12 * CHAR_WIDTH, 268)]
    assert parse_front(lines)["address"] == rows[0] + "X" + rows[1]


def test_common_surnames_missing_from_the_list_before_are_surnames() -> None:
    # 赖 and 洪 are among the hundred commonest: an unsure one is not swapped for a runner-up.
    for surname in "赖洪阎傅萧":
        name = line(surname + "明", 150, 60, scores={0: 0.6}, runners={0: "王"})
        lines = replaced(front_lines(number=NUMBER, address=ADDRESS), 1, name)
        assert parse_front(lines)["name"] == surname + "明"


def test_a_dot_of_the_validity_read_as_a_digit_is_that_dot() -> None:
    # The dot after 2010 read as 1: the match moved one on made 0101.02.27, a real date to Python
    # but before the first card was issued.
    misread = line("有效期限2010102.27-长期", 139, 470, scores={5: 0.80}, runners={5: "7"})
    assert parse_back([line("重庆市公安局", 334, 395), misread])["valid_date"] == "2010.02.27-长期"
    misread = line("有效期限2010.02127-2020.02.27", 139, 470)
    assert parse_back([line("重庆市公安局", 334, 395), misread])["valid_date"] == "2010.02.27-2020.02.27"


def test_a_gender_in_a_box_a_mark_made_tall_stays_off_the_name() -> None:
    # 性别男 boxed with a mark over two rows' height: its 男 overlaps the name's row as well.
    base = front_lines(number=NUMBER, address=ADDRESS)
    tall = TextLine(
        text="性别男",
        box=((60, 74), (141, 74), (141, 165), (60, 165)),
        char_scores=(0.99,) * 3,
        runners_up=("",) * 3,
    )
    lines = [box for i, box in enumerate(base) if i not in (2, 3)] + [tall]
    fields = parse_front(lines)
    assert (fields["name"], fields["gender"]) == ("张三", "男")


def test_a_dash_after_the_end_dates_year_is_its_dot() -> None:
    # The period has one dash: a second one after the end date's year is its dot misread, and
    # the mark's letters after the date end it.
    misread = line("有效期限2006.10.28-2011-1028EN", 139, 470, scores={19: 0.47}, runners={19: "."})
    assert parse_back([line("淳安县公安局", 334, 395), misread])["valid_date"] == "2006.10.28-2011.10.28"


def test_a_wholly_garbled_authority_label_goes_before_a_county_and_its_bureau() -> None:
    # 签发机关 read as 爸蒙就吴 (签 unreadable, starred): three characters read go, with what was
    # unreadable before them, when what follows is a place of three characters and its bureau.
    assert authority_ending("*蒙就吴罗平县公安局*") == "罗平县公安局"
    assert authority_ending("蒙就吴罗平县公安局") == "罗平县公安局"
    # Not before a place alone (the authority's own start may be misread), nor more than the
    # label's four characters.
    assert authority_ending("蒙就吴罗平县城关派出所") == "蒙就吴罗平县城关派出所"
    assert authority_ending("**蒙就吴罗平县公安局") == "**蒙就吴罗平县公安局"


def test_a_countys_level_suffix_lost_before_its_bureau_is_put_back() -> None:
    # A bureau names its county whole: 贡觉 is no name of its own, and only 贡觉县 shortens to it.
    assert authority_ending("贡觉公安局") == "贡觉县公安局"
    assert authority_ending("贡觉*公安局") == "贡觉县公安局"
    assert authority_ending("贡觉县公安局") == "贡觉县公安局"
    # A short form several places share (宝坻区, once 宝坻县) stays as read, as does a name that
    # ends in a level suffix already (东市 of 启东市 under a mark is no short form of 东市区).
    assert authority_ending("宝坻公安局") == "宝坻公安局"
    assert authority_ending("东市公安局") == "东市公安局"


def _name_read_from(name_box: TextLine) -> object:
    """The name a clean front reads with ``name_box`` in place of its name's box."""
    return parse_front(replaced(front_lines(number=NUMBER, address=ADDRESS), 1, name_box))["name"]
