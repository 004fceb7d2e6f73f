"""The field parser on synthetic OCR output (boxes + text + scores): fast, no OCR engine."""

from __future__ import annotations

import dataclasses

from airflow_provider_faceid.local.engine.parser import detect_side, parse_back, parse_card, parse_front
from airflow_provider_faceid.local.engine.textline import TextLine
from tests.unit.local.lines import front_lines, line

NUMBER = "110108198904031239"  # valid check digit, born 1989-04-03, male
ADDRESS = ("北京市海淀区中关村大街", "27号院3号楼501室")


def test_clean_front_reads_every_field() -> None:
    fields = parse_card(front_lines(number=NUMBER, address=ADDRESS))
    assert fields == {
        "side": "front",
        "name": "张三",
        "gender": "男",
        "race": "汉",
        "birthday": {"year": "1989", "month": "4", "day": "3"},
        "address": "北京市海淀区中关村大街27号院3号楼501室",
        "id_card_number": NUMBER,
    }


def test_labels_merged_with_values_are_split() -> None:
    lines = [
        line("姓名李四", 60, 60),
        line("性别女民族蒙古", 60, 125),
        line("出生1975年11月20日", 60, 190),
        line("住址内蒙古自治区呼和浩特市", 60, 250),
        line("新城区人民路8号", 150, 288),
        line("公民身份号码", 60, 460),
        line("440306197511200089", 295, 450),
    ]
    fields = parse_front(lines)
    assert fields["name"] == "李四"
    assert fields["gender"] == "女"
    assert fields["race"] == "蒙古"
    assert fields["birthday"] == {"year": "1975", "month": "11", "day": "20"}
    assert fields["address"] == "内蒙古自治区呼和浩特市新城区人民路8号"


def test_full_width_digits_traditional_forms_and_spaces_are_normalised() -> None:
    lines = front_lines(race="漢", number="１１０１０８１９８９０４０３１２３９", address=ADDRESS)
    lines[7] = line("1989 年 4 月 3 日", 150, 190)
    fields = parse_front(lines)
    assert fields["race"] == "汉"
    assert fields["id_card_number"] == NUMBER
    assert fields["birthday"] == {"year": "1989", "month": "4", "day": "3"}


def test_text_over_the_portrait_is_not_a_value_when_the_card_size_is_known() -> None:
    lines = [*front_lines(number=NUMBER, address=ADDRESS), line("样本", 600, 128), line("SPECIMEN", 620, 255)]
    fields = parse_front(lines, card_size=(856.0, 540.0))
    assert fields["race"] == "汉"
    assert fields["address"] == "北京市海淀区中关村大街27号院3号楼501室"


def test_address_stops_at_the_number_row() -> None:
    lines = front_lines(number=NUMBER, address=ADDRESS)
    fields = parse_front(lines)
    assert NUMBER[:6] not in fields["address"]


def test_unsure_characters_come_back_as_stars() -> None:
    lines = front_lines(number=NUMBER, address=ADDRESS)
    lines[1] = line("张三", 150, 60, scores={1: 0.21})
    assert parse_front(lines)["name"] == "张*"


def test_a_label_read_as_its_runner_up_still_anchors() -> None:
    lines = front_lines(number=NUMBER, address=ADDRESS)
    lines[0] = line("娃名", 60, 60, runners={0: "姓"})
    assert parse_front(lines)["name"] == "张三"


def test_number_with_a_confusable_letter_is_repaired_by_its_check_digit() -> None:
    lines = front_lines(number="11O108198904031239", address=ADDRESS)
    assert parse_front(lines)["id_card_number"] == NUMBER


def test_invalid_number_read_with_confidence_is_returned_as_read() -> None:
    lines = front_lines(number=NUMBER, address=ADDRESS)
    lines[-1] = line("110108198904031211", 295, 450)
    assert parse_front(lines)["id_card_number"] == "110108198904031211"


def test_invalid_number_without_a_unique_repair_gets_its_unsure_digit_starred() -> None:
    # Position 13: no look-alike of "3" there gives a valid number, so nothing is invented.
    lines = front_lines(number=NUMBER, address=ADDRESS)
    lines[-1] = line("110108198904031211", 295, 450, scores={13: 0.3})
    assert parse_front(lines)["id_card_number"] == "1101081989040*1211"


def test_gender_tie_between_first_and_second_choice_is_broken_by_the_number() -> None:
    lines = front_lines(number=NUMBER, address=ADDRESS)
    lines[3] = line("女", 150, 125, scores={0: 0.4}, runners={0: "男"})
    assert parse_front(lines)["gender"] == "男"


def test_gender_is_not_taken_from_the_number_when_the_reading_is_sure() -> None:
    lines = front_lines(number=NUMBER, address=ADDRESS)
    lines[3] = line("女", 150, 125, scores={0: 0.99}, runners={0: "男"})
    assert parse_front(lines)["gender"] == "女"


def test_a_birthday_that_is_no_date_comes_back_as_read_not_from_the_number() -> None:
    lines = front_lines(number=NUMBER, address=ADDRESS)
    lines[7] = line("1989年4月33日", 150, 190)
    assert parse_front(lines)["birthday"] == {"year": "1989", "month": "4", "day": "33"}
    # An unsure digit may be its own runner-up.
    lines[7] = line("1989年4月33日", 150, 190, scores={7: 0.5}, runners={7: "0"})
    assert parse_front(lines)["birthday"] == {"year": "1989", "month": "4", "day": "3"}


def test_missing_fields_are_none_not_guessed() -> None:
    lines = [line("姓名", 60, 60), line("张三", 150, 60), line("公民身份号码", 60, 460)]
    fields = parse_front(lines)
    assert fields["name"] == "张三"
    assert fields["gender"] is None
    assert fields["birthday"] is None
    assert fields["address"] is None
    assert fields["id_card_number"] is None


def test_name_without_its_label_is_the_row_above_gender() -> None:
    lines = front_lines(number=NUMBER, address=ADDRESS)
    del lines[0]
    assert parse_front(lines)["name"] == "张三"


def test_a_stroke_of_the_name_label_read_as_a_small_unsure_character_is_no_part_of_the_name() -> None:
    lines = front_lines(name="阿依古丽·依明", number=NUMBER, address=ADDRESS)
    # Half a row high, where 姓名's box ends.
    scrap = TextLine("人", ((105, 67), (120, 67), (120, 82), (105, 82)), 0.55, (0.55,), ("",))
    assert parse_front([*lines, scrap])["name"] == "阿依古丽·依明"
    # A whole-height character there is read into the name as it was read.
    assert parse_front([*lines, line("人", 120, 60, score=0.55)])["name"] == "人阿依古丽·依明"


def test_a_name_character_the_labels_box_reads_again_under_the_names_box_goes() -> None:
    lines = [p for p in front_lines(number=NUMBER, address=ADDRESS) if p.text not in ("姓名", "张三")]
    label = line("姓名委", 60, 60, scores={2: 0.58})  # 魏 half under the label's box, read as 委
    name = line("魏金昌", label.right - 15, 60)
    assert parse_front([*lines, label, name])["name"] == "魏金昌"
    # Beside the name's box, not under it: read into the name as it was read.
    assert parse_front([*lines, label, line("魏金昌", label.right, 60)])["name"] == "委魏金昌"


def test_a_group_an_unsure_character_completes_with_its_runner_up_beats_a_shorter_group() -> None:
    # 土家 with 家 read 象 at 0.7 (runner-up 家): 土 alone is a group too, but the reading spells 土家.
    lines = [p for p in front_lines(number=NUMBER, address=ADDRESS) if p.text != "汉"]
    lines.append(line("土象", 375, 125, scores={1: 0.7}, runners={1: "家"}))
    assert parse_front(lines)["race"] == "土家"
    # A sure 象 stays as read: the group is 土 and the rest what was read after it.
    lines[-1] = line("土象", 375, 125)
    assert parse_front(lines)["race"] == "土"


def test_race_outside_the_56_groups_is_returned_as_read() -> None:
    lines = front_lines(race="备", number=NUMBER, address=ADDRESS)
    assert parse_front(lines)["race"] == "备"


def back_lines(issuer: tuple[str, ...], validity: str) -> list[TextLine]:
    lines = [line("中华人民共和国", 260, 80), line("居民身份证", 260, 160), line("签发机关", 200, 395)]
    lines += [line(part, 334, 395 + 34 * i) for i, part in enumerate(issuer)]
    lines += [line("有效期限", 200, 470), line(validity, 334, 470)]
    return lines


def test_back_fields() -> None:
    fields = parse_card(back_lines(("北京市公安局海淀分局",), "2016.02.29-2036.02.29"))
    assert fields == {
        "side": "back",
        "issued_by": "北京市公安局海淀分局",
        "valid_date": "2016.02.29-2036.02.29",
    }


def test_issuer_wrapping_onto_a_second_line_is_joined() -> None:
    fields = parse_back(back_lines(("新疆维吾尔自治区巴音郭楞蒙古", "自治州公安局"), "2010.01.05-长期"))
    assert fields["issued_by"] == "新疆维吾尔自治区巴音郭楞蒙古自治州公安局"
    assert fields["valid_date"] == "2010.01.05-长期"


def test_stamp_characters_read_after_the_authority_are_cut_off() -> None:
    fields = parse_back(back_lines(("上海市公安局浦东分局印止",), "2010.01.05-长期"))
    assert fields["issued_by"] == "上海市公安局浦东分局"
    # A letter after the ending is the mark's edge, not a stroke that makes the box no authority.
    assert parse_back(back_lines(("克山县公安局N",), "2010.01.05-长期"))["issued_by"] == "克山县公安局"
    assert parse_back(back_lines(("克山N县公安局",), "2010.01.05-长期"))["issued_by"] is None


def test_a_suffix_character_read_twice_or_lost_is_read_once_but_a_county_named_gongan_stays() -> None:
    fields = parse_back(back_lines(("无锡市公公安局锡山分局",), "2010.01.05-长期"))
    assert fields["issued_by"] == "无锡市公安局锡山分局"
    fields = parse_back(back_lines(("公安县公安局",), "2010.01.05-长期"))
    assert fields["issued_by"] == "公安县公安局"
    fields = parse_back(back_lines(("北京市安局昌平分局",), "2010.01.05-长期"))
    assert fields["issued_by"] == "北京市公安局昌平分局"
    assert parse_back(back_lines(("贞丰县公局",), "2010.01.05-长期"))["issued_by"] == "贞丰县公安局"
    # Or 局 at the row's end (under a mark), after a county's 公安; not after what names no place.
    assert issued_by("从江县公安") == "从江县公安局"
    assert issued_by("某某县公安") == "某某县公安"
    # A dot read out of a gap between 公 and 安 (会泽县公·安局): no authority holds one.
    assert parse_back(back_lines(("会泽县公·安局",), "2010.01.05-长期"))["issued_by"] == "会泽县公安局"
    # The stamp's 公安局 read after the row's: said once.
    assert parse_back(back_lines(("禹州市公安局安局",), "2010.01.05-长期"))["issued_by"] == "禹州市公安局"
    # The stamp's ring text read after the row, spelling the authority's end again: cut.
    assert issued_by("河口瑶族自治县公安局县公安局") == "河口瑶族自治县公安局"
    assert issued_by("北京市公安局昌平分局昌平分局") == "北京市公安局昌平分局"
    # A branch is no repeat: kept.
    assert issued_by("北京市公安局昌平分局") == "北京市公安局昌平分局"
    # 分 lost between a branch's 区 and 局: the 区 read stays, not swapped for the short form's 分.
    branch = parse_back(back_lines(("贵阳市公安局观山湖区局",), "2010.01.05-长期"))["issued_by"]
    assert branch == "贵阳市公安局观山湖区分局"
    # Or after its short form (湟中 of 湟中区); a 局 after what names no place is cut as before.
    assert issued_by("西宁市公安局湟中局") == "西宁市公安局湟中分局"
    assert issued_by("西宁市公安局印止局") == "西宁市公安局"


def test_a_piece_of_the_authority_label_before_the_authority_goes() -> None:
    fields = parse_back(back_lines(("发机成都市公安局郫都分局",), "2010.01.05-长期"))
    assert fields["issued_by"] == "成都市公安局郫都分局"


def issued_by(text: str) -> str | None:
    return parse_back(back_lines((text,), "2010.01.05-长期"))["issued_by"]


def test_unreadable_strokes_before_the_authority_go() -> None:
    junk = line("王王环江毛南族自治县公安局", 334, 395, scores={1: 0.2})
    lines = [line("签发机关", 200, 395), junk, line("有效期限", 200, 470), line("2010.01.05-长期", 334, 470)]
    assert parse_back(lines)["issued_by"] == "环江毛南族自治县公安局"
    # However many the mark left unreadable.
    assert issued_by("****贵南县公安局") == "贵南县公安局"


def test_strokes_read_as_characters_go_only_before_a_place_of_three_characters() -> None:
    # An authority starts with its place: a stroke or two read sure before one (车来安县) go.
    assert issued_by("车来安县公安局") == "来安县公安局"
    assert issued_by("王王环江毛南族自治县公安局") == "环江毛南族自治县公安局"
    # Three only before a whole authority (the rest of a garbled 签发机关: see
    # test_a_wholly_garbled_authority_label_goes_before_a_county_and_its_bureau), never four, and
    # none before a two-character place (和县 lies inside many a misread name).
    assert issued_by("王王王环江毛南族自治县公安局") == "环江毛南族自治县公安局"
    assert issued_by("王王王环江毛南族自治县城关派出所") == "王王王环江毛南族自治县城关派出所"
    assert issued_by("王王王王环江毛南族自治县公安局") == "王王王王环江毛南族自治县公安局"
    assert issued_by("薪和县公安局") == "薪和县公安局"


def test_the_tail_of_a_label_is_no_authority() -> None:
    lines = [line("签发机", 200, 395), line("期限", 230, 440), line("2016.03.05-长期", 334, 440)]
    assert parse_back(lines)["issued_by"] is None


def test_an_authority_suffix_alone_is_no_authority() -> None:
    # The place read as label print (答发析天情世界公安局 is 签发机关 + 隆德县 on a compressed capture).
    assert parse_back(back_lines(("公安局",), "2010.01.05-长期"))["issued_by"] is None


def test_an_authority_without_a_known_ending_is_returned_as_read() -> None:
    fields = parse_back(back_lines(("某某市公安",), "2010.01.05-长期"))
    assert fields["issued_by"] == "某某市公安"


def test_validity_whose_dash_was_lost() -> None:
    assert parse_back(back_lines(("某县公安局",), "2011.03.15长期"))["valid_date"] == "2011.03.15-长期"
    assert (
        parse_back(back_lines(("某县公安局",), "2011.03.152031.03.15"))["valid_date"]
        == "2011.03.15-2031.03.15"
    )


def test_a_validity_whose_end_date_runs_on_into_another_digit_is_no_period() -> None:
    # 2038.06.15 read as 2038.06215: its first six digits are no date the card prints.
    assert parse_back(back_lines(("某县公安局",), "2013.06.15-2038.06215"))["valid_date"] is None
    assert parse_back(back_lines(("某县公安局",), "2013.06.15-2033.06.15号"))["valid_date"] == (
        "2013.06.15-2033.06.15"
    )


def test_validity_whose_long_term_end_was_half_read() -> None:
    # After the dash a period ends in a date or 长期: 表期 or 长朗 can be nothing else.
    for end in ("表期", "长朗"):
        assert parse_back(back_lines(("某县公安局",), f"2023.07.17-{end}"))["valid_date"] == "2023.07.17-长期"
    # Without the dash, or with neither 长 nor 期, it is no period.
    for text in ("2023.07.17表期", "2023.07.17-表朗"):
        assert parse_back(back_lines(("某县公安局",), text))["valid_date"] is None


def test_an_unsure_validity_digit_takes_the_runner_up_that_alone_makes_a_legal_period() -> None:
    def period(read: str, scores: dict[int, float], runners: dict[int, str]) -> str | None:
        lines = [*back_lines(("某县公安局",), "x")[:-1], line(read, 334, 470, scores=scores, runners=runners)]
        return parse_back(lines)["valid_date"]

    read = "2018.01.23-2038.71.23"  # 7 at 0.56, runner-up 0; 1 at 0.42, runner-up 7
    assert period(read, {16: 0.56, 17: 0.42}, {16: "0", 17: "7"}) == "2018.01.23-2038.01.23"
    # Read surely, or with no runner-up that makes it legal: as read (the provider flags it).
    assert period(read, {}, {16: "0", 17: "7"}) == read
    assert period(read, {16: 0.56}, {16: "9"}) == read
    # Two runner-ups that each make a legal period (2013 or 2038 for a 20-year term): neither.
    read = "2018.01.23-2033.01.23"
    assert period(read, {3: 0.5, 14: 0.5}, {3: "3", 14: "8"}) == read
    assert period(read, {14: 0.5}, {14: "8"}) == "2018.01.23-2038.01.23"


def test_validity_with_other_dashes_and_merged_label() -> None:
    lines = [*back_lines(("某县公安局",), "x")[:-2], line("有效期限2005.04.01—2015.04.01", 200, 470)]
    assert parse_back(lines)["valid_date"] == "2005.04.01-2015.04.01"


def test_place_name_is_repaired_from_the_runner_up() -> None:
    fields = parse_back(back_lines(("西阳土家族苗族自治县公安局",), "2005.04.01-2015.04.01"))
    assert fields["issued_by"] == "西阳土家族苗族自治县公安局"  # no runner-up: kept as read
    lines = back_lines(("x",), "2005.04.01-2015.04.01")
    lines[3] = line("西阳土家族苗族自治县公安局", 334, 395, scores={0: 0.6}, runners={0: "酉"})
    assert parse_back(lines)["issued_by"] == "酉阳土家族苗族自治县公安局"
    lines[3] = line("西阳土家族苗族自治县公安局", 334, 395, runners={0: "酉"})
    assert parse_back(lines)["issued_by"] == "西阳土家族苗族自治县公安局"  # read sure: kept


def test_side_detection() -> None:
    assert detect_side(front_lines(number=NUMBER, address=ADDRESS)) == "front"
    assert detect_side(back_lines(("某县公安局",), "2005.04.01-2015.04.01")) == "back"
    assert detect_side([line("2005.04.01-2015.04.01", 300, 470)]) == "back"


def test_address_without_its_label_lies_between_birthday_and_number_rows() -> None:
    lines = front_lines(number=NUMBER, address=ADDRESS)
    lines[8] = line("佳址北京市海淀区中关村大街", 60, 250)  # label misread, merged with the value
    del lines[9]
    fields = parse_front(lines)
    assert fields["address"] == "北京市海淀区中关村大街27号院3号楼501室"


def test_surname_runner_up_wins_only_when_the_first_choice_is_no_surname() -> None:
    lines = front_lines(number=NUMBER, address=ADDRESS)
    lines[1] = line("洗振玉", 150, 60, scores={0: 0.6}, runners={0: "冼"})
    assert parse_front(lines)["name"] == "冼振玉"
    lines[1] = line("禤海", 150, 60, runners={0: "谭"})
    assert parse_front(lines)["name"] == "禤海"  # a sure rare surname stays as read
    lines[1] = line("余鹏", 150, 60, runners={0: "佘"})
    assert parse_front(lines)["name"] == "余鹏"
    lines[1] = line("令狐兵", 150, 60, runners={0: "冷"})
    assert parse_front(lines)["name"] == "令狐兵"


def test_separator_read_between_label_and_value_is_dropped() -> None:
    lines = back_lines(("x",), "2005.04.01-2015.04.01")
    lines[2:4] = [line("签发机关·运城市公安局盐湖分局", 200, 395, scores={4: 0.37})]
    assert parse_back(lines)["issued_by"] == "运城市公安局盐湖分局"


def test_issuer_without_its_label_is_the_row_above_the_validity_row() -> None:
    lines = back_lines(("x",), "2005.04.01-2015.04.01")
    lines[2:4] = [line("答发机美运城市公安局", 200, 395)]  # label unreadable, merged with the value
    assert parse_back(lines)["issued_by"] == "运城市公安局"


def test_an_issuer_without_its_label_keeps_a_first_character_a_little_left_of_the_date_column() -> None:
    # The date column starts at x 334: 吉 (read 告, runner-up 吉) is centred a row height left of
    # it, where the label's remnant pushed the box's share of it.
    lines = back_lines(("x",), "2009.10.30-长期")
    lines[2:4] = [line("发机告林市公安局丰满分局", 220, 395, scores={2: 0.49}, runners={2: "吉"})]
    assert parse_back(lines)["issued_by"] == "吉林市公安局丰满分局"


def test_an_issuer_band_from_the_label_column_keeps_its_place_when_the_column_would_cut_it() -> None:
    # A band read from the label column on, the faint label not read: the characters' shares
    # spread the authority over the label's room, putting 呼 left of the value column.
    lines = back_lines(("x",), "2009.10.02-长期")
    band = line("呼伦贝尔市公安局扎赉诺尔分局", 200, 395)
    lines[2:4] = [dataclasses.replace(band, box=((200, 395), (900, 395), (900, 425), (200, 425)))]
    assert parse_back(lines)["issued_by"] == "呼伦贝尔市公安局扎赉诺尔分局"


def test_letters_read_for_digits_in_the_validity_are_digits() -> None:
    lines = back_lines(("某县公安局",), "2O16.02.29-2036.O2.29")
    assert parse_back(lines)["valid_date"] == "2016.02.29-2036.02.29"


def test_a_short_unsure_row_below_a_finished_address_is_a_marks_scrap() -> None:
    lines = [*front_lines(number=NUMBER, address=ADDRESS), line("11", 230, 330, score=0.45)]
    assert parse_front(lines)["address"] == "".join(ADDRESS)


def test_a_rooms_end_read_unsure_on_a_row_of_its_own_stays() -> None:
    # 室 at 0.66 below a room number: the room's end, no mark's scrap.
    address = ("北京市海淀区中关村大街27号院3号楼501", "室")
    lines = [*front_lines(number=NUMBER, address=address[:1]), line("室", 150, 288, score=0.66)]
    assert parse_front(lines)["address"] == "".join(address)
    # Below an address that already ends in one, it is a scrap.
    lines = [
        *front_lines(number=NUMBER, address=("北京市海淀区中关村大街27号院3号楼501室",)),
        line("室", 150, 288, score=0.66),
    ]
    assert parse_front(lines)["address"] == "北京市海淀区中关村大街27号院3号楼501室"


def test_a_tall_box_over_a_row_of_the_address_is_a_row_of_its_own() -> None:
    # What a mark's big box held beside the mark (样本01室): as tall as the mark, it reaches up
    # over the row above its own and lies under that row's first characters.
    lines = front_lines(number=NUMBER, address=("北京市海淀区中关村大街", "27号院3号楼5"))
    piece = TextLine.from_rect("01室", 140, 300, 200, 400, score=0.99)
    assert parse_front([*lines, piece])["address"] == "".join(ADDRESS)


def test_a_short_sure_last_address_row_stays() -> None:
    address = ("北京市海淀区中关村大街27号院3号", "楼501室")
    lines = front_lines(number=NUMBER, address=address)
    assert parse_front(lines)["address"] == "".join(address)


def test_an_unsure_birthday_character_whose_runner_up_is_a_date_mark_is_read_as_it() -> None:
    # A number with a wrong check digit locates no rows: only the row's own reading makes the date.
    number = NUMBER[:-1] + "0"
    misread = line("1989≤4目3日", 150, 190, scores={4: 0.34, 6: 0.4}, runners={4: "年", 6: "月"})
    lines = [misread if p.text == "1989年4月3日" else p for p in front_lines(number=number, address=ADDRESS)]
    assert parse_front(lines)["birthday"] == {"year": "1989", "month": "4", "day": "3"}


def test_an_unsure_character_where_the_year_mark_stands_is_read_as_it() -> None:
    # A mark over the blue 年: / at 0.65 between the year and the month. (A number with a wrong
    # check digit locates no rows: only the row's own reading makes the date.)
    number = NUMBER[:-1] + "0"
    misread = line("1989/4月3日", 150, 190, scores={4: 0.65}, runners={4: "八"})
    lines = [misread if p.text == "1989年4月3日" else p for p in front_lines(number=number, address=ADDRESS)]
    assert parse_front(lines)["birthday"] == {"year": "1989", "month": "4", "day": "3"}
    # Read surely, the character is what the row prints: no date is made of it.
    sure = line("1989/4月3日", 150, 190)
    lines = [sure if p.text == "1989年4月3日" else p for p in front_lines(number=number, address=ADDRESS)]
    assert parse_front(lines)["birthday"] is None
