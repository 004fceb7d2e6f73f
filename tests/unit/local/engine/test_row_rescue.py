"""Bands of missed front rows (name, gender/group, birthday, number): where they are cut, and what
of their reading is kept."""

from __future__ import annotations

import dataclasses

from airflow_provider_faceid import idnumber
from airflow_provider_faceid.local.engine.bands import with_bands
from airflow_provider_faceid.local.engine.parser import parse_card, parse_front
from airflow_provider_faceid.local.engine.row_rescue import (
    rescued_birthday,
    rescued_lines,
    rescued_number,
)
from airflow_provider_faceid.local.engine.textline import TextLine
from tests.unit.local.bands import ADDRESS, IMAGE, NUMBER, Bands, ScriptedBands, without
from tests.unit.local.lines import CHAR_WIDTH, front_lines, line


def test_a_missed_gender_value_is_read_between_its_label_and_race() -> None:
    lines = without(front_lines(number=NUMBER, address=ADDRESS), "男")
    fields = parse_front(lines)
    assert fields["gender"] is None
    bands = Bands("安", (0.4,), ("男",))
    extra = rescued_lines(IMAGE, lines, fields, bands)
    (left, top), (right, _), _, _ = bands.boxes[0]
    # Between the end of 性别 (x 60 + 2 chars) and the start of 民族 (x 285), on its row.
    assert 110 <= left <= 120 and 280 <= right <= 290 and top < 125 + 15
    assert parse_front([*lines, *extra])["gender"] == "男"


def test_a_band_without_either_gender_is_dropped() -> None:
    lines = without(front_lines(number=NUMBER, address=ADDRESS), "男")
    assert rescued_lines(IMAGE, lines, parse_front(lines), Bands("安", (0.9,), ("宋",))) == []


def test_a_missed_name_is_read_right_of_its_label() -> None:
    lines = without(front_lines(number=NUMBER, address=ADDRESS), "张三")
    fields = parse_front(lines)
    assert fields["name"] is None
    bands = Bands("张三", (0.95, 0.95), ("", ""))
    extra = rescued_lines(IMAGE, lines, fields, bands)
    assert parse_front([*lines, *extra])["name"] == "张三"


def test_a_missed_name_band_read_as_a_marks_letters_is_read_again_from_its_darkest_print() -> None:
    lines = without(front_lines(number=NUMBER, address=ADDRESS), "姓名", "张三")
    fields = parse_front(lines)
    bands = ScriptedBands("GIMENW", "白德洁")  # a grey SPECIMEN over the name, then without it
    extra = rescued_lines(IMAGE, lines, fields, bands)
    assert len(bands.crops) == 2
    assert parse_card(with_bands(lines, extra))["name"] == "白德洁"
    assert rescued_lines(IMAGE, lines, fields, ScriptedBands("GIMENW", "SPEC本")) == []


def test_nothing_is_read_when_every_field_is_there() -> None:
    lines = front_lines(number=NUMBER, address=ADDRESS)
    bands = Bands("x", (1.0,), ("",))
    assert rescued_lines(IMAGE, lines, parse_front(lines), bands) == []
    assert bands.boxes == []


def test_a_birthday_band_without_a_date_in_it_is_dropped() -> None:
    lines = without(front_lines(number=NUMBER, address=ADDRESS), "出生", "1989年4月3日")
    assert rescued_birthday(IMAGE, lines, parse_front(lines), Bands("SPECIMEN", (0.9,) * 8, ("",) * 8)) == []


def test_a_missed_race_is_read_from_the_rest_of_the_gender_row() -> None:
    lines = without(front_lines(number=NUMBER, address=ADDRESS), "民族", "汉")
    fields = parse_front(lines)
    assert fields["race"] is None
    text = "OPG族C藏ME"  # a mark's letters slanting across 民族 and its value
    bands = Bands(text, (0.9,) * len(text), ("",) * len(text))
    extra = rescued_lines(IMAGE, lines, fields, bands)
    (left, _), _, _, _ = bands.boxes[0]
    assert left >= 150 + CHAR_WIDTH  # after the gender value
    assert parse_front([*lines, *extra])["race"] == "藏"
    assert rescued_lines(IMAGE, lines, fields, Bands("SPECIMEN", (0.9,) * 8, ("",) * 8)) == []


def test_a_missed_race_is_read_from_between_the_marks_characters() -> None:
    lines = without(front_lines(number=NUMBER, address=ADDRESS), "民族", "汉")
    fields = parse_front(lines)
    text = "本苗本"  # the mark's 本 on either side of the group
    extra = rescued_lines(IMAGE, lines, fields, Bands(text, (0.78, 0.69, 0.72), ("林", "曲", "个")))
    assert parse_front([*lines, *extra])["race"] == "苗"


def test_a_race_read_as_no_group_is_read_again_from_its_label() -> None:
    printed = front_lines(number=NUMBER, address=ADDRESS)
    lines = [line("释本", 375, 125) if piece.text == "汉" else piece for piece in printed]
    fields = parse_front(lines)
    assert fields["race"] == "释本"  # what the box read, the mark over the group in its place
    bands = Bands("民族汉", (0.9,) * 3, ("",) * 3)
    extra = rescued_lines(IMAGE, lines, fields, bands)
    (left, _), _, _, _ = bands.boxes[0]
    assert left <= 285  # from the 民族 label on
    assert [piece.text for piece in extra] == ["汉"]


def test_a_band_without_a_value_is_read_again_from_its_darkest_print() -> None:
    lines = without(front_lines(number=NUMBER, address=ADDRESS), "汉")
    fields = parse_front(lines)
    assert fields["race"] is None
    bands = ScriptedBands("4民族ECIMEN", "民族汉")  # a grey SPECIMEN over the group, then without it
    extra = rescued_lines(IMAGE, lines, fields, bands)
    assert len(bands.crops) == 2
    assert parse_front(with_bands(lines, extra))["race"] == "汉"


def test_a_band_that_holds_no_value_either_way_adds_nothing() -> None:
    lines = without(front_lines(number=NUMBER, address=ADDRESS), "汉")
    bands = ScriptedBands("4民族ECIMEN", "民族ECIMEN")
    assert rescued_lines(IMAGE, lines, parse_front(lines), bands) == []


def test_a_birthday_row_without_labels_is_read_whole_from_its_year() -> None:
    lines = without(front_lines(number=NUMBER, address=ADDRESS), "出生", "性别", "民族", "1989年4月3日")
    lines.append(line("1989", 150, 190))  # the year alone: 年月日 and the day lost with the labels
    fields = parse_front(lines)
    assert fields["birthday"] is None
    text = "1989年4月3日"
    bands = Bands(text, (0.9,) * len(text), ("",) * len(text))
    extra = rescued_birthday(IMAGE, lines, fields, bands)
    (left, top), _, _, (_, bottom) = bands.boxes[0]
    assert left < 150 and top < 205 < bottom
    assert parse_front(with_bands(lines, extra))["birthday"] == {"year": "1989", "month": "4", "day": "3"}


def test_a_missed_number_row_is_read_right_of_its_label_as_printed() -> None:
    lines = without(front_lines(number=NUMBER, address=ADDRESS), NUMBER)
    fields = parse_front(lines)
    assert fields["id_card_number"] is None
    bands = Bands(NUMBER, (0.95,) * 18, ("",) * 18)
    extra = rescued_number(IMAGE, lines, fields, bands)
    (left, top), (right, _), _, (_, bottom) = bands.boxes[0]
    # Right of 公民身份号码 (x 60 + 6 chars, row y 460-490), as wide as 18 larger digits.
    assert left == 60 + 6 * CHAR_WIDTH and right > left + 16 * 30 and top < 475 < bottom
    assert parse_front(with_bands(lines, extra))["id_card_number"] == NUMBER
    # A printed number that fails its check comes back as read, not made valid.
    invalid = NUMBER[:17] + "0"
    printed = rescued_number(IMAGE, lines, fields, Bands(invalid, (0.95,) * 18, ("",) * 18))
    assert parse_front(with_bands(lines, printed))["id_card_number"] == invalid


def test_a_number_row_lost_with_its_label_is_read_where_the_card_prints_it_and_kept_only_valid() -> None:
    lines = without(front_lines(number=NUMBER, address=ADDRESS), NUMBER, "公民身份号码")
    fields = parse_front(lines)
    card = (856.0, 540.0)
    bands = ScriptedBands("公民身份号码" + NUMBER)
    extra = rescued_number(IMAGE, lines, fields, bands, card_size=card)
    (_, top), _, _, (_, bottom) = extra[0].box
    assert top < 450 + 15 < bottom  # the row printed at 450-480
    assert parse_front(with_bands(lines, extra))["id_card_number"] == NUMBER
    # Placed by the card's proportions alone, an invalid reading may have lost a digit: dropped.
    invalid = NUMBER[:17] + "0"
    assert rescued_number(IMAGE, lines, fields, ScriptedBands(invalid, invalid), card_size=card) == []
    # Not when the view is not known to be the card.
    none = Bands("x", (1.0,), ("",))
    assert rescued_number(IMAGE, lines, fields, none) == []
    assert none.boxes == []


def test_no_number_band_is_read_when_the_number_has_all_its_characters() -> None:
    lines = front_lines(number=NUMBER, address=ADDRESS)
    bands = Bands("x", (1.0,), ("",))
    assert rescued_number(IMAGE, lines, parse_front(lines), bands) == []
    assert bands.boxes == []
    # Nor when a number of another length was read: a band cut short of a printed 19 is a valid 18.
    long_read = [*without(lines, NUMBER), line(NUMBER + "1", 295, 450)]
    assert rescued_number(IMAGE, long_read, parse_front(long_read), bands) == []
    assert bands.boxes == []
    # Nor without its label, and a band with too few digits adds nothing.
    unlabelled = without(lines, NUMBER, "公民身份号码")
    assert rescued_number(IMAGE, unlabelled, parse_front(unlabelled), bands) == []
    short = without(lines, NUMBER)
    assert (
        rescued_number(IMAGE, short, parse_front(short), Bands("1101081989", (0.9,) * 10, ("",) * 10)) == []
    )


def test_a_gender_row_lost_with_every_label_is_read_one_pitch_above_the_birthday() -> None:
    labels = ("姓名", "性别", "民族", "出生", "住址", "公民身份号码")
    lines = without(front_lines(number=NUMBER, address=ADDRESS), *labels, "男", "汉")
    fields = parse_front(lines)
    assert (fields["gender"], fields["race"], fields["name"]) == (None, None, None)
    text = "性别男民族汉"  # label print and all: the band starts in the label column
    bands = Bands(text, (0.9,) * len(text), ("",) * len(text))
    extra = rescued_lines(IMAGE, lines, fields, bands)
    (left, top), _, _, (_, bottom) = bands.boxes[0]
    # Birthday row centred at 205, the address's first line at 265: the band is centred at 145.
    assert left < 60 and top < 140 < bottom < 205 - 15
    found = parse_front(with_bands(lines, extra))
    # With the row between them found, the name row above is known by the rows' order too.
    assert (found["gender"], found["race"], found["name"]) == ("男", "汉", "张三")


def test_a_whole_gender_row_missed_under_a_read_name_gives_its_group_too() -> None:
    # 姓名 read, nothing of the row below it (a photocopy's pale row): one band midway between
    # the name and the birthday holds both values.
    lines = without(front_lines(number=NUMBER, address=ADDRESS), "性别", "民族", "男", "汉")
    fields = parse_front(lines)
    assert (fields["gender"], fields["race"]) == (None, None)
    text = "性别男EC民族汉"
    bands = Bands(text, (0.9,) * len(text), ("",) * len(text))
    extra = rescued_lines(IMAGE, lines, fields, bands)
    assert len(bands.boxes) == 1
    found = parse_front(with_bands(lines, extra))
    assert (found["gender"], found["race"]) == ("男", "汉")
    # A band holding no gender is no gender row: nothing is taken from it.
    assert rescued_lines(IMAGE, lines, fields, Bands("民族汉", (0.9,) * 3, ("",) * 3)) == []


def test_a_name_lost_with_every_label_is_read_two_pitches_above_the_birthday() -> None:
    labels = ("姓名", "性别", "民族", "出生", "住址", "公民身份号码")
    lines = without(front_lines(number=NUMBER, address=ADDRESS), *labels, "张三")
    fields = parse_front(lines)
    assert fields["name"] is None
    bands = ScriptedBands("张三", "性别男民族汉")  # then the gender row, also unplaced
    extra = rescued_lines(IMAGE, lines, fields, bands)
    assert len(bands.crops) == 2
    (_, top), _, _, (_, bottom) = extra[0].box
    # Birthday row centred at 205, the gender row at 145: the name's at 85, where it was printed.
    assert top < 85 < bottom < 145 - 15
    assert parse_front(with_bands(lines, extra))["name"] == "张三"
    # A band holding no name adds nothing.
    assert rescued_lines(IMAGE, lines, fields, ScriptedBands("SPEC", "SPEC", "")) == []


def test_a_name_band_ending_in_a_marks_edge_is_cut_before_it() -> None:
    labels = ("姓名", "性别", "民族", "出生", "住址", "公民身份号码")
    lines = without(front_lines(number=NUMBER, address=ADDRESS), *labels, "张三")
    fields = parse_front(lines)
    # The mark's S read as N after the name, and its edge before that as 二 at 0.55.
    text = "阿娜尔·阿不都二N"
    bands = Bands(text, (0.95,) * 7 + (0.55, 0.9), ("",) * 9)
    extra = rescued_lines(IMAGE, lines, fields, bands)
    assert parse_front(with_bands(lines, extra))["name"] == "阿娜尔·阿不都"
    # A last character read surely is the name's (王二 | N).
    bands = Bands("王二N", (0.95, 0.95, 0.9), ("",) * 3)
    extra = rescued_lines(IMAGE, lines, fields, bands)
    assert parse_front(with_bands(lines, extra))["name"] == "王二"


def test_a_missed_birthday_row_is_read_midway_between_the_gender_row_and_the_address() -> None:
    lines = without(front_lines(number=NUMBER, address=ADDRESS), "出生", "1989年4月3日")
    assert parse_front(lines)["birthday"] is None
    text = "出生1989年4月3日"
    bands = Bands(text, (0.9,) * len(text), ("",) * len(text))
    extra = rescued_birthday(IMAGE, lines, parse_front(lines), bands)
    (left, top), (right, _), _, (_, bottom) = bands.boxes[0]
    # Rows centred at y 140 (gender) and 265 (address): the band is centred on 202.5.
    assert top < 202.5 < bottom and bottom - top < 125 / 2
    assert left < 60 and right <= 150 + len(ADDRESS[0]) * CHAR_WIDTH  # no further than the address
    assert parse_front([*lines, *extra])["birthday"] == {"year": "1989", "month": "4", "day": "3"}


def test_with_the_birthday_and_its_address_label_lost_the_address_starts_where_a_province_does() -> None:
    lines = without(front_lines(number=NUMBER, address=ADDRESS), "出生", "1989年4月3日", "住址")
    fields = parse_front(lines)
    # Every address starts with its province: the rows from there to the number's are the address.
    assert fields["address"] == "".join(ADDRESS) and fields["birthday"] is None
    # The birthday's band lies midway between the gender row and that first address row.
    text = "出生1989年4月3日"
    bands = Bands(text, (0.9,) * len(text), ("",) * len(text))
    extra = rescued_birthday(IMAGE, lines, fields, bands)
    (_, top), _, _, (_, bottom) = bands.boxes[0]
    assert top < 202.5 < bottom and bottom - top < 125 / 2
    assert parse_front([*lines, *extra])["birthday"] == {"year": "1989", "month": "4", "day": "3"}
    # No row starting with a province: no address is guessed.
    streets = front_lines(number=NUMBER, address=("中关村大街", "27号院"))
    streets = without(streets, "出生", "1989年4月3日", "住址")
    assert parse_front(streets)["address"] is None


def test_a_gender_label_boxed_with_a_slanting_mark_still_places_the_birthday_row() -> None:
    lines = without(front_lines(number=NUMBER, address=ADDRESS), "出生", "1989年4月3日", "性别", "男")
    # 性别 男 样本 as one box up the mark's slant: three line heights tall (y 110-200).
    slant = ((60.0, 110.0), (200.0, 110.0), (200.0, 200.0), (60.0, 200.0))
    lines.append(TextLine(text="性别样本", box=slant, char_scores=(0.9,) * 4, runners_up=("",) * 4))
    text = "出生1989年4月3日"
    bands = Bands(text, (0.9,) * len(text), ("",) * len(text))
    extra = rescued_birthday(IMAGE, lines, parse_front(lines), bands)
    (_, top), _, _, (_, bottom) = bands.boxes[0]
    # Placed with the address label's line height, not the slant's: on the birthday row (y 190-220).
    assert 175 < top < 205 < bottom < 235
    assert parse_front([*lines, *extra])["birthday"] == {"year": "1989", "month": "4", "day": "3"}


def test_a_number_cut_short_is_read_again_and_kept_only_as_a_valid_run_on() -> None:
    lines = front_lines(number=NUMBER, address=ADDRESS)
    # The last three digits under a mark, lost to the detector.
    short = [*without(lines, NUMBER), line(NUMBER[:15], 295, 450)]
    fields = parse_front(short)
    assert fields["id_card_number"] == NUMBER[:15]
    bands = Bands("公民身份号码" + NUMBER, (0.95,) * 24, ("",) * 24)
    extra = rescued_number(IMAGE, short, fields, bands)
    (left, _), _, _, _ = bands.boxes[0]
    assert left == 60  # from the label's start: its end is a guess when it shares the box
    assert parse_front(with_bands(short, extra))["id_card_number"] == NUMBER
    # A printed 17 reads 17 again, and a band of other digits is no run-on: both stay as read.
    for band in (NUMBER[:17], "2" + NUMBER[1:17] + idnumber.check_char("2" + NUMBER[1:17])):
        printed = rescued_number(IMAGE, short, fields, Bands(band, (0.95,) * len(band), ("",) * len(band)))
        assert printed == []


def test_a_name_whose_start_a_mark_hid_is_read_again_up_to_the_marked_box() -> None:
    printed = without(front_lines(name="毕力格", number=NUMBER, address=ADDRESS), "姓名", "毕力格")
    lines = [*printed, line("姓SPE力格MEN", 60, 60)]  # the mark's letters read in place of 名 and 毕
    fields = parse_card(lines)
    assert fields["name"] == "力格"
    bands = ScriptedBands("共鸟世动格EN", "姓名毕力格MEN")  # the band as captured, then its darkest print
    extra = rescued_lines(IMAGE, lines, fields, bands)
    assert len(bands.crops) == 2
    assert parse_card(with_bands(lines, extra))["name"] == "毕力格"


def test_a_name_whose_start_lies_under_a_mark_boxed_on_its_own_is_read_again_from_the_label() -> None:
    printed = without(
        front_lines(name="艾尔肯·吾斯曼", number=NUMBER, address=ADDRESS), "姓名", "艾尔肯·吾斯曼"
    )
    # 样本 over 姓名 and 艾尔, read as look-alikes in a box of its own that reaches over the name's
    # (its glyphs twice as large as the print).
    mark = _boxed(line("群杰", 0, 0, scores={0: 0.47, 1: 0.55}, runners={0: "样", 1: "本"}), 40, 35, 220, 100)
    lines = [*printed, mark, line("肯·吾斯曼", 150 + 2 * CHAR_WIDTH, 60)]
    fields = parse_card(lines)
    assert fields["name"] == "肯·吾斯曼"
    bands = ScriptedBands("姓名艾尔肯·吾斯曼")
    extra = rescued_lines(IMAGE, lines, fields, bands)
    assert parse_card(with_bands(lines, extra))["name"] == "艾尔肯·吾斯曼"
    # A mark ending before the name's box hid nothing of it: no band is read.
    apart = [*printed, _boxed(mark, 20, 35, 190, 100), line("肯·吾斯曼", 150 + 2 * CHAR_WIDTH, 60)]
    bands = ScriptedBands("姓名艾尔肯·吾斯曼")
    assert rescued_lines(IMAGE, apart, parse_card(apart), bands) == []


def test_a_name_under_a_mark_takes_only_sure_characters_that_start_a_surname() -> None:
    printed = without(front_lines(name="莫超", number=NUMBER, address=ADDRESS), "姓名", "莫超")
    lines = [*printed, line("姓名超ECIMEN", 60, 60)]
    fields = parse_card(lines)
    assert fields["name"] == "超"
    # The stroke before 超 is no surname, and 一 before it no name: the name stays as read.
    assert rescued_lines(IMAGE, lines, fields, ScriptedBands("姓名一超ECIMEN", "名超")) == []
    unsure = Bands("名莫超", (0.9, 0.4, 0.99), ("", "", ""))
    assert rescued_lines(IMAGE, lines, fields, unsure) == []
    # The longer reading that starts a surname: 本 of the mark before 莫 is no surname.
    extra = rescued_lines(IMAGE, lines, fields, ScriptedBands("胜本莫超ECIMEN"))
    assert [piece.text for piece in extra] == ["姓名莫超ECIMEN"]  # the marked box, 莫 put back
    assert parse_card(with_bands(lines, extra))["name"] == "莫超"


def test_a_name_starting_with_a_surname_is_not_read_again_under_a_mark() -> None:
    printed = without(front_lines(number=NUMBER, address=ADDRESS), "姓名", "张三")
    lines = [*printed, line("姓名张三ECIMEN", 60, 60)]
    fields = parse_card(lines)
    bands = ScriptedBands("姓名李张三")
    assert rescued_lines(IMAGE, lines, fields, bands) == []
    assert bands.crops == []


def test_with_the_name_label_read_and_the_row_labels_lost_the_group_is_read_one_pitch_up() -> None:
    lines = without(front_lines(number=NUMBER, address=ADDRESS), "性别", "民族", "汉")
    fields = parse_front(lines)
    assert (fields["gender"], fields["race"]) == ("男", None)
    bands = ScriptedBands("结男依民仫佬")
    extra = rescued_lines(IMAGE, lines, fields, bands)
    assert [piece.text for piece in extra] == ["仫佬"]
    (_, top), _, (_, bottom), _ = extra[0].box
    assert top < 125 + 30 and bottom > 125  # the gender row's band, between the name and birthday


def test_a_name_whose_end_a_mark_hid_takes_sure_characters_read_before_the_mark() -> None:
    printed = without(front_lines(name="邹春媛", number=NUMBER, address=ADDRESS), "姓名", "邹春媛")
    lines = [*printed, line("姓名邹春样本", 60, 60)]  # 媛 under the mark's 样
    fields = parse_card(lines)
    assert fields["name"] == "邹春"
    bands = ScriptedBands("姓名邹春媛士小", "邹春媛")  # 士小: the mark's print; then the darkest print
    extra = rescued_lines(IMAGE, lines, fields, bands)
    assert parse_card(with_bands(lines, extra))["name"] == "邹春媛"
    # A character the mark's 样 is read as, or one the mark follows in the band, is the mark's.
    assert rescued_lines(IMAGE, lines, fields, ScriptedBands("姓名邹春祥本", "邹春洋")) == []
    assert rescued_lines(IMAGE, lines, fields, ScriptedBands("姓名邹春媛本", "姓名邹春")) == []


def test_a_name_whose_last_character_a_mark_blended_into_is_read_again() -> None:
    printed = without(front_lines(name="长孙思欣", number=NUMBER, address=ADDRESS), "长孙思欣")
    # 欣 and the mark's 样 read as one 群 at 0.46, 样 second; the parser cuts 群本 as the mark.
    blended = line("长孙思群本", 150, 60, scores={3: 0.46}, runners={3: "样"})
    fields = parse_card([*printed, blended])
    assert fields["name"] == "长孙思"
    bands = ScriptedBands("长孙思欣本", "长孙思欣")  # the mark's 本 read on: no name; then the darkest print
    extra = rescued_lines(IMAGE, [*printed, blended], fields, bands)
    assert parse_card(with_bands([*printed, blended], extra))["name"] == "长孙思欣"
    # A sure character, or an unsure one with another runner-up, sends nothing to be read again.
    for other in (
        line("长孙思群本", 150, 60, runners={3: "样"}),
        line("长孙思群", 150, 60, scores={3: 0.46}),
    ):
        bands = ScriptedBands("长孙思欣")
        rescued_lines(IMAGE, [*printed, other], parse_card([*printed, other]), bands)
        assert bands.crops == []


def test_a_name_whose_last_character_a_mark_crossed_before_its_ben_is_read_again() -> None:
    printed = without(front_lines(name="热依拉·艾力", number=NUMBER, address=ADDRESS), "姓名", "热依拉·艾力")
    # 力 with the mark's 样 across it read as 为 at 0.85, the mark's 本 after it in the box.
    mark = line("样本", 500, 300)
    crossed = [*printed, mark, line("姓名热依拉·艾为本", 60, 60, scores={7: 0.85}, runners={7: "伪"})]
    fields = parse_card(crossed)
    assert fields["name"] == "热依拉·艾为"
    bands = ScriptedBands("姓名热依拉·艾为小", "姓名热依拉·艾力")  # then the darkest print
    extra = rescued_lines(IMAGE, crossed, fields, bands)
    assert parse_card(with_bands(crossed, extra))["name"] == "热依拉·艾力"
    # A band that reads the last character as a half of the mark changes nothing.
    assert rescued_lines(IMAGE, crossed, fields, ScriptedBands("姓名热依拉·艾木", "姓名热依拉·艾木")) == []
    # Read surely before the 本, the last character is what the card prints: no band is read.
    sure = [*printed, mark, line("姓名热依拉·艾为本", 60, 60, scores={7: 0.95}, runners={7: "伪"})]
    bands = ScriptedBands("姓名热依拉·艾力")
    assert rescued_lines(IMAGE, sure, parse_card(sure), bands) == []
    assert bands.crops == []


def test_a_name_whose_end_lies_under_a_mark_boxed_on_its_own_is_read_on_into_the_mark() -> None:
    printed = without(front_lines(name="黄秋鑫", number=NUMBER, address=ADDRESS), "黄秋鑫")
    # 鑫 under the mark's 样, which the detector boxed alone from where 黄秋's box stops.
    lines = [*printed, line("黄秋", 150, 60), line("样本", 150 + 2 * CHAR_WIDTH, 50)]
    fields = parse_card(lines)
    assert fields["name"] == "黄秋"
    bands = ScriptedBands("姓名黄秋本", "黄秋鑫")  # the mark's 本 read on: no name; then the darkest print
    extra = rescued_lines(IMAGE, lines, fields, bands)
    assert len(bands.crops) == 2
    assert parse_card(with_bands(lines, extra))["name"] == "黄秋鑫"
    # A mark boxed well clear of the name's box hid none of it.
    apart = [*printed, line("黄秋", 150, 60), line("样本", 150 + 5 * CHAR_WIDTH, 50)]
    bands = ScriptedBands("黄秋鑫")
    assert rescued_lines(IMAGE, apart, parse_card(apart), bands) == []
    assert bands.crops == []


def test_a_one_character_name_is_read_on_from_its_label() -> None:
    printed = without(front_lines(name="李兰环", number=NUMBER, address=ADDRESS), "李兰环")
    lines = [*printed, line("李", 150, 60)]  # 兰环 passed over by the detector
    fields = parse_card(lines)
    assert fields["name"] == "李"
    bands = Bands("李兰环", (0.99,) * 3, ("",) * 3)
    extra = rescued_lines(IMAGE, lines, fields, bands)
    (left, _), *_ = bands.boxes[0]
    assert left == 60 + 2 * CHAR_WIDTH  # from the label's end
    assert parse_card(with_bands(lines, extra))["name"] == "李兰环"
    # Only a run-on by characters read surely: an unsure reading adds nothing.
    unsure = Bands("李兰环", (0.99, 0.5, 0.99), ("", "", ""))
    assert rescued_lines(IMAGE, lines, fields, unsure) == []
    # A two-character name is a whole one: its row is not read again.
    whole = [*printed, line("李兰", 150, 60)]
    bands = Bands("李兰环", (0.99,) * 3, ("",) * 3)
    assert rescued_lines(IMAGE, whole, parse_card(whole), bands) == []
    assert bands.boxes == []


def _boxed(read: TextLine, left: float, top: float, right: float, bottom: float) -> TextLine:
    return dataclasses.replace(read, box=((left, top), (right, top), (right, bottom), (left, bottom)))
