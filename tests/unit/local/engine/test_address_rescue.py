"""Bands of a front's address parts the detector missed: first line, a row's end, a last row."""

from __future__ import annotations

from airflow_provider_faceid.local.engine.address_rescue import (
    rescued_address,
    rescued_address_end,
    rescued_address_gap,
    rescued_address_row_end,
)
from airflow_provider_faceid.local.engine.bands import with_bands
from airflow_provider_faceid.local.engine.parser import parse_card, parse_front
from airflow_provider_faceid.local.engine.textline import TextLine
from tests.unit.local.bands import ADDRESS, IMAGE, NUMBER, Bands, ScriptedBands, without
from tests.unit.local.lines import CHAR_WIDTH, front_lines, line


def test_a_lost_first_address_line_is_read_right_of_its_label() -> None:
    lines = without(front_lines(number=NUMBER, address=ADDRESS), ADDRESS[0])
    fields = parse_front(lines)
    assert fields["address"] == ADDRESS[1]
    bands = Bands(ADDRESS[0] + "样本", (0.9,) * 13, ("",) * 13)
    extra = rescued_address(IMAGE, lines, fields, bands, card_size=(856.0, 540.0))
    (left, top), (right, _), _, (_, bottom) = bands.boxes[0]
    # The 住址 row (y 250-280), from the label's end to the portrait's left edge.
    assert left == 60 + 2 * CHAR_WIDTH and right == round(0.654 * 856) and top < 265 < bottom < 288
    assert parse_card(with_bands(lines, extra))["address"] == "".join(ADDRESS)


def test_a_first_address_line_lost_with_its_label_is_read_above_the_second() -> None:
    lines = without(front_lines(number=NUMBER, address=ADDRESS), "住址", ADDRESS[0])
    fields = parse_front(lines)
    assert fields["address"] == ADDRESS[1]
    text = "住址" + ADDRESS[0]
    bands = Bands(text, (0.9,) * len(text), ("",) * len(text))
    extra = rescued_address(IMAGE, lines, fields, bands, card_size=(856.0, 540.0))
    (left, top), _, _, (_, bottom) = bands.boxes[0]
    # One address pitch above the second line (y 288-318), below the birthday row (y 190-220),
    # from the label column on.
    assert left < 60 and 220 < top < 265 < bottom < 303
    assert parse_card(with_bands(lines, extra))["address"] == "".join(ADDRESS)


def test_a_first_line_lost_with_its_label_is_placed_from_a_birthday_read_in_pieces() -> None:
    lines = without(front_lines(number=NUMBER, address=ADDRESS), "住址", ADDRESS[0], "1989年4月3日")
    lines += [line("1989年", 150, 190), line("4月3日", 250, 190)]  # no box holds the whole date
    fields = parse_front(lines)
    # The band runs to the column's end, where a SPECIMEN's edge reads as a letter.
    text = "住址" + ADDRESS[0] + "P"
    bands = Bands(text, (0.9,) * len(text), ("",) * len(text))
    extra = rescued_address(IMAGE, lines, fields, bands, card_size=(856.0, 540.0))
    (_, top), _, _, (_, bottom) = bands.boxes[0]
    assert 220 < top < 265 < bottom < 303
    assert [piece.text for piece in extra] == [ADDRESS[0]]


def test_no_address_band_is_read_when_the_address_starts_with_its_province() -> None:
    lines = front_lines(number=NUMBER, address=ADDRESS)
    bands = Bands("x", (1.0,), ("",))
    assert rescued_address(IMAGE, lines, parse_front(lines), bands) == []
    assert bands.boxes == []


def test_an_address_stopping_on_a_digit_reads_the_row_below_for_its_end() -> None:
    cut = ("北京市海淀区中关村大街", "27号院3号楼501")  # 室 went onto a third row, under a mark
    lines = front_lines(number=NUMBER, address=cut)
    fields = parse_front(lines)
    assert fields["address"] == "".join(cut)
    bands = ScriptedBands("SPECIMEN", "CIMEN", "室")  # the whole band, its dark print, its start
    extra = rescued_address_end(IMAGE, lines, fields, bands)
    assert len(bands.crops) == 3
    assert parse_front(with_bands(lines, extra))["address"] == "".join(ADDRESS)
    # The mark's edge over the lone 室, boxed on its own and read as letters, is no address row:
    # the row below the address is still the one read.
    scrap = [*lines, line("yo", 150, 250 + 2 * 38, score=0.5)]
    # A symbol read after the end (the mark's edge) is cut off: no address ends in one.
    bands = ScriptedBands("室SPECIMEN", "CIMEN", "室##")
    extra = rescued_address_end(IMAGE, scrap, parse_front(scrap), bands)
    assert parse_front(with_bands(scrap, extra))["address"] == "".join(ADDRESS)


def test_a_band_below_the_address_reading_the_last_row_again_adds_nothing() -> None:
    rows = ("广东省深圳市坪山区北环", "大街122号院27号楼106")  # the room printed without 室
    lines = front_lines(number=NUMBER, address=rows)
    fields = parse_front(lines)
    # The band reaching up into the last row reads its start: the whole band and its start, each
    # as captured and from its darkest print.
    bands = ScriptedBands(*["大街122号院"] * 4)
    assert rescued_address_end(IMAGE, lines, fields, bands) == []
    assert len(bands.crops) == 4
    # So does one starting as the last row does, a digit misread (a tilted capture).
    assert rescued_address_end(IMAGE, lines, fields, ScriptedBands(*["大街128号"] * 4)) == []


def test_a_room_number_cut_short_takes_its_last_digits_from_the_row_below_when_read_surely() -> None:
    cut = ("北京市海淀区中关村大街", "27号院3号楼50")  # the room printed without 室, its 2 wrapped
    lines = front_lines(number=NUMBER, address=cut)
    fields = parse_front(lines)
    extra = rescued_address_end(IMAGE, lines, fields, ScriptedBands("2"))
    assert parse_front(with_bands(lines, extra))["address"] == "北京市海淀区中关村大街27号院3号楼502"
    # Unsure digits there are a mark's scrap (样本 read as 11), and after a finished address
    # nothing is read at all.
    assert rescued_address_end(IMAGE, lines, fields, Bands("11", (0.6, 0.5), ("", ""))) == []
    finished = front_lines(number=NUMBER, address=ADDRESS)
    bands = ScriptedBands("2")
    assert rescued_address_end(IMAGE, finished, parse_front(finished), bands) == []
    assert bands.crops == []


def test_an_address_whose_last_row_fills_the_column_reads_the_row_below() -> None:
    # ...中关村 fills the column (x 150-393 of a card whose portrait starts at x 400): the address
    # may go on below, finished as it looks.
    lines = front_lines(number=NUMBER, address=("北京市海淀区中关村",))
    fields = parse_front(lines)
    assert fields["address"] == "北京市海淀区中关村"
    bands = ScriptedBands(ADDRESS[1])
    extra = rescued_address_end(IMAGE, lines, fields, bands, card_size=(400 / 0.654, 540.0))
    assert parse_front(with_bands(lines, extra))["address"] == "北京市海淀区中关村" + ADDRESS[1]
    # A row well short of the column ends the address.
    wide = Bands("x", (1.0,), ("",))
    assert rescued_address_end(IMAGE, lines, fields, wide, card_size=(856.0, 540.0)) == []
    assert wide.boxes == []


def test_an_address_ending_in_a_place_near_the_column_end_reads_the_row_below() -> None:
    # ...沙坪社 ends at x 393, two characters short of a column ending at x 450: a place (社, 村,
    # 组) often goes on below (区9巷377号), a house number (号) ends the address.
    card = (450 / 0.654, 540.0)
    lines = front_lines(number=NUMBER, address=("山西省临汾市沙坪社",))
    fields = parse_front(lines)
    extra = rescued_address_end(IMAGE, lines, fields, ScriptedBands("区9巷377号"), card_size=card)
    assert parse_front(with_bands(lines, extra))["address"] == "山西省临汾市沙坪社区9巷377号"
    numbered = front_lines(number=NUMBER, address=("山西省临汾市沙坪9号",))
    bands = Bands("x", (1.0,), ("",))
    assert rescued_address_end(IMAGE, numbered, parse_front(numbered), bands, card_size=card) == []
    assert bands.boxes == []


def test_on_a_frame_an_address_ending_in_a_place_on_a_full_row_reads_the_row_below() -> None:
    # No card proportions (the card was not found in the frame): a lone row is full by how many
    # characters it holds, a last row by reaching the rows above it, which wrapped.
    for rows in (("山西省临汾市吉县黄土镇前进社",), ("北京市海淀区中关村大街", "六里屯街道前进社")):
        lines = front_lines(number=NUMBER, address=rows)
        fields = parse_front(lines)
        extra = rescued_address_end(IMAGE, lines, fields, ScriptedBands("区10巷332号"))
        assert parse_front(with_bands(lines, extra))["address"] == "".join(rows) + "区10巷332号"
    for rows in (
        ("山西省临汾市沙坪社",),
        ("北京市海淀区中关村大街", "前进社"),
        ("北京市海淀区中关村大街27号",),
    ):
        lines = front_lines(number=NUMBER, address=rows)
        bands = Bands("x", (1.0,), ("",))
        assert rescued_address_end(IMAGE, lines, parse_front(lines), bands) == []
        assert bands.boxes == []


def test_a_marks_edge_read_after_the_address_end_below_is_cut_off() -> None:
    # ...太平镇 fills the column; the row below is read with the mark's 本 after its 号.
    lines = front_lines(number=NUMBER, address=("甘肃省定西市岷县太平镇",))
    fields = parse_front(lines)
    bands = ScriptedBands("河口村六组60号本")
    extra = rescued_address_end(IMAGE, lines, fields, bands, card_size=(450 / 0.654, 540.0))
    assert parse_front(with_bands(lines, extra))["address"] == "甘肃省定西市岷县太平镇河口村六组60号"
    # Not after a place: 本 may start one (本溪), and such a row is no address's end.
    bands = ScriptedBands(*["河口村本"] * 4)  # the band and its start, each also in dark print
    assert rescued_address_end(IMAGE, lines, fields, bands, card_size=(450 / 0.654, 540.0)) == []


def test_no_address_end_is_read_for_a_finished_address_or_a_band_that_is_none() -> None:
    lines = front_lines(number=NUMBER, address=ADDRESS)
    bands = Bands("x", (1.0,), ("",))
    assert rescued_address_end(IMAGE, lines, parse_front(lines), bands) == []
    assert bands.boxes == []
    cut = front_lines(number=NUMBER, address=("北京市海淀区中关村大街", "27号院3号楼501"))
    # The band must end like an address, and hold no more than a short last row.
    for text in ("第一", "北京市海淀区中关村大街27号院3号楼501室", "SPECIMEN"):
        assert (
            rescued_address_end(
                IMAGE, cut, parse_front(cut), Bands(text, (0.9,) * len(text), ("",) * len(text))
            )
            == []
        )


def test_an_address_row_cut_short_under_a_mark_is_read_again_to_the_column_end() -> None:
    cut = ("北京市海淀区中关村大街", "27号院3号")  # 楼501室 under a SPECIMEN slanting across the row
    lines = front_lines(number=NUMBER, address=cut)
    fields = parse_front(lines)
    assert fields["address"] == "".join(cut)
    # The first row (11 characters here) ends short of the column too, but no mark was read
    # beside it: rows wrap short of the column on most cards.
    bands = ScriptedBands("27号院3号SPECIMEN", ADDRESS[1])
    extra = rescued_address_row_end(IMAGE, lines, fields, bands, card_size=(856.0, 540.0))
    assert len(bands.crops) == 2
    assert parse_front(with_bands(lines, extra))["address"] == "".join(ADDRESS)


def test_a_last_row_run_on_ends_at_its_room_before_a_tail_read_as_noise() -> None:
    cut = ("北京市海淀区中关村大街", "27号院3号")
    lines = front_lines(number=NUMBER, address=cut)
    fields = parse_front(lines)
    # Beyond the room the band reads the print past the column as unsure noise (号 among it).
    text = "27号院3号楼501室区个日街门号沈1"
    scores = (0.99,) * 12 + (0.71, 0.34, 0.10, 0.67, 0.18, 0.87, 0.24, 0.29)
    bands = Bands(text, scores, ("",) * len(text))
    extra = rescued_address_row_end(IMAGE, lines, fields, bands, card_size=(856.0, 540.0))
    assert parse_front(with_bands(lines, extra))["address"] == "".join(ADDRESS)
    # A tail read as surely as unsure is print, and the row's end is not known.
    scores = (0.99,) * 12 + (0.71, 0.94, 0.90, 0.67, 0.98, 0.87, 0.24, 0.29)
    bands = Bands(text, scores, ("",) * len(text))
    assert rescued_address_row_end(IMAGE, lines, fields, bands, card_size=(856.0, 540.0)) == []


def test_a_last_row_whose_end_a_mark_garbled_is_read_again_from_its_darkest_print() -> None:
    # 501室 under a 样本: the box reads 楼 unsure and a 样-like 祥 (样 second) where the room was.
    first, last = ADDRESS[0], "27号院3号楼祥"
    lines = [
        *without(front_lines(number=NUMBER, address=ADDRESS), ADDRESS[1]),
        line(last, 150, 288, scores={6: 0.62, 7: 0.81}, runners={7: "样"}),
    ]
    fields = parse_front(lines)
    assert fields["address"] == first + last
    # The band reads the mark first (the boxes' text run on by 样本: nothing new), then, from its
    # darkest print, the room under it.
    bands = ScriptedBands(last + "样本", ADDRESS[1])
    extra = rescued_address_row_end(IMAGE, lines, fields, bands, card_size=(856.0, 540.0))
    assert parse_front(with_bands(lines, extra))["address"] == "".join(ADDRESS)
    # A box read surely where the band reads otherwise is what the card prints: the band is no
    # better a reading of it.
    sure = [*lines[:-1], line(last, 150, 288, runners={7: ""})]
    bands = ScriptedBands(last + "样本", ADDRESS[1])
    assert rescued_address_row_end(IMAGE, sure, parse_front(sure), bands, card_size=(856.0, 540.0)) == []
    # Nor is a band that reads the row's end unsure where the boxes did.
    unsure = Bands(ADDRESS[1], (0.9,) * 9 + (0.6,), ("",) * 10)
    assert rescued_address_row_end(IMAGE, lines, fields, unsure, card_size=(856.0, 540.0)) == []


def test_a_last_row_whose_room_a_specimen_covered_is_read_again_from_its_darkest_print() -> None:
    # 501室 under SPECIMEN: its letters read short of sure, each with a letter first or second.
    last = "27号院3号楼SD5"
    garbled = line(last, 150, 288, scores={7: 0.85, 8: 0.83, 9: 0.78}, runners={7: "G", 8: "0", 9: "F"})
    lines = [*without(front_lines(number=NUMBER, address=ADDRESS), ADDRESS[1]), garbled]
    fields = parse_front(lines)
    bands = ScriptedBands(last + "FECIMEN", ADDRESS[1])
    extra = rescued_address_row_end(IMAGE, lines, fields, bands, card_size=(856.0, 540.0))
    assert parse_front(with_bands(lines, extra))["address"] == "".join(ADDRESS)
    # Digits read short of sure with digits second are print: the band is no better a reading.
    digits = line(
        "27号院3号楼505", 150, 288, scores={7: 0.85, 8: 0.83, 9: 0.78}, runners={7: "3", 8: "6", 9: "3"}
    )
    lines = [*lines[:-1], digits]
    bands = ScriptedBands("27号院3号楼505FECIMEN", ADDRESS[1])
    assert rescued_address_row_end(IMAGE, lines, parse_front(lines), bands, card_size=(856.0, 540.0)) == []


def test_a_row_whose_middle_was_never_boxed_is_read_on_across_the_gap() -> None:
    # 中关 between 海淀区 and 村大街 not boxed: the row stops at the gap, and 村大街 is left out.
    rows = without(front_lines(number=NUMBER, address=ADDRESS), ADDRESS[0])
    split = [*rows, line("北京市海淀区", 150, 250), line("村大街", 150 + 10 * CHAR_WIDTH, 250)]
    fields = parse_front(split)
    assert fields["address"] == "北京市海淀区" + ADDRESS[1]
    bands = ScriptedBands(ADDRESS[0], ADDRESS[1])  # the last row is read on as ever: as read
    extra = rescued_address_row_end(IMAGE, split, fields, bands, card_size=(856.0, 540.0))
    assert parse_front(with_bands(split, extra))["address"] == "".join(ADDRESS)
    # With nothing past the row's end, a row the address goes on below is not read on.
    alone = [*rows, line("北京市海淀区", 150, 250)]
    bands = ScriptedBands(ADDRESS[1])
    assert rescued_address_row_end(IMAGE, alone, parse_front(alone), bands, card_size=(856.0, 540.0)) == []
    assert len(bands.crops) == 1


def test_an_address_row_the_address_goes_on_below_is_read_on_under_a_mark() -> None:
    cut = ("云南省临沧市沧源佤族自治", "镇火塘村13组49号")  # 县三合 under the mark
    unmarked = front_lines(number=NUMBER, address=cut)
    fields = parse_front(unmarked)
    card = (856.0, 540.0)
    # Without a mark read beside the row, its end is the row's.
    bands = Bands("x", (1.0,), ("",))
    assert rescued_address_row_end(IMAGE, unmarked, fields, bands, card_size=card) == []
    assert all(box[0][1] > 270 for box in bands.boxes)  # only the last row was read on
    lines = [*unmarked, line("样本", 480, 245)]
    bands = ScriptedBands("云南省临沧市沧源佤族自治县三合", cut[1])
    extra = rescued_address_row_end(IMAGE, lines, fields, bands, card_size=card)
    assert (
        parse_front(with_bands(lines, extra))["address"] == "云南省临沧市沧源佤族自治县三合镇火塘村13组49号"
    )
    # Not run on by unsure print, by the mark (样本 or what it reads as), or by the row below's start.
    unsure = Bands("云南省临沧市沧源佤族自治县三", (0.9,) * 13 + (0.5,), ("",) * 14)
    marked, run_into_below = cut[0] + "样本", cut[0] + "镇火"
    # (each read twice, the second time from its darkest print; then the last row, as read)
    scripted = [ScriptedBands(text, text, cut[1]) for text in (marked, run_into_below)]
    for bands in (unsure, *scripted):
        assert rescued_address_row_end(IMAGE, lines, fields, bands, card_size=card) == []


def test_a_row_one_character_short_of_the_column_is_read_on_under_a_mark() -> None:
    cut = ("黑龙江省哈尔滨市依兰县达连", "镇西河社区9巷36号")  # 河 under the mark's foot
    lines = [*front_lines(number=NUMBER, address=cut), line("样本", 480, 245)]
    fields = parse_front(lines)
    # The row ends 1.9 line heights short of the column: room for one character.
    assert 1.5 < (0.654 * 856 - max(box.right for box in lines if box.text == cut[0])) / 30 < 2
    bands = ScriptedBands(cut[0] + "河", cut[1])
    extra = rescued_address_row_end(IMAGE, lines, fields, bands, card_size=(856.0, 540.0))
    assert parse_front(with_bands(lines, extra))["address"] == "黑龙江省哈尔滨市依兰县达连河镇西河社区9巷36号"
    # What the boxes read already may hold what a mark is read as (木 of 佳木斯): only what the
    # band adds must be no mark's.
    cut = ("黑龙江省佳木斯市桦川县东河", "西河村9巷36号")
    lines = [*front_lines(number=NUMBER, address=cut), line("样本", 480, 245)]
    bands = ScriptedBands(cut[0] + "乡", cut[1])
    extra = rescued_address_row_end(IMAGE, lines, parse_front(lines), bands, card_size=(856.0, 540.0))
    assert parse_front(with_bands(lines, extra))["address"] == "黑龙江省佳木斯市桦川县东河乡西河村9巷36号"


def test_without_the_card_size_the_widest_row_is_read_on_as_far_as_the_mark_beside_it() -> None:
    # A frame view: the column's end is known only from the rows read, and the widest row is
    # the one whose end (乡南塘) lies under the mark over its last character.
    cut = ("甘肃省庆阳市正宁县凤凰", "社区3巷378号")
    lines = [*front_lines(number=NUMBER, address=cut), line("样本", 440, 245)]
    fields = parse_front(lines)
    bands = ScriptedBands(cut[0] + "乡南塘", cut[1])
    extra = rescued_address_row_end(IMAGE, lines, fields, bands)
    # From just left of the row's start (x 150) to the mark's end.
    assert bands.crops[0].shape[1] == round(440 + 2 * CHAR_WIDTH) - round(150 - 0.3 * 30)
    assert parse_front(with_bands(lines, extra))["address"] == "甘肃省庆阳市正宁县凤凰乡南塘社区3巷378号"


def test_an_address_row_read_again_must_run_on_from_what_was_read() -> None:
    cut = front_lines(number=NUMBER, address=("北京市海淀区中关村大街", "27号院3号"))
    fields = parse_front(cut)
    # Another row's text, the same row no further on, or read otherwise than its boxes (a worse
    # reading of it, not more of it) adds nothing.
    # So is the row as read plus only a mark's letters, which no address ends with.
    for text in ("中关村大街27号院", "27号院3号", "27号院8号楼501室", "27号院3号XXX"):
        bands = Bands(text, (0.9,) * len(text), ("",) * len(text))
        assert rescued_address_row_end(IMAGE, cut, fields, bands, card_size=(856.0, 540.0)) == []
    # A last row that reaches the column's end is not read again.
    full = front_lines(number=NUMBER, address=("北京市海淀区中关村大街", "27号院3号楼501室海淀区北京"))
    bands = Bands("x", (1.0,), ("",))
    assert rescued_address_row_end(IMAGE, full, parse_front(full), bands, card_size=(600.0, 540.0)) == []
    assert bands.boxes == []


def test_a_last_row_run_on_that_reads_the_row_above_again_with_one_unsure_character_adds_nothing() -> None:
    cut = ("四川省达州市开江县龙泉乡新民村", "10组392号")
    lines = front_lines(number=NUMBER, address=cut)
    fields = parse_front(lines)
    # The band's top edge over the row above reads its lower halves: 县 passes for 会 (0.62).
    again = cut[1] + "开江会龙泉乡新民村"
    scores = (0.99,) * 9 + (0.7, 0.54, 0.62, 1.0, 0.61, 0.83, 1.0, 0.76, 0.99)
    bands = Bands(again, scores, ("",) * len(again))
    assert rescued_address_row_end(IMAGE, lines, fields, bands, card_size=(856.0, 540.0)) == []
    # Nor when the differing character, read fairly surely, has the row above's for its runner-up
    # (梨 as 架 at 0.75, runner-up 梨).
    runners = ("",) * 9 + ("县",) + ("",) * 6
    bands = Bands(again, (0.99,) * 9 + (0.754,) + (0.99,) * 6, runners)
    assert rescued_address_row_end(IMAGE, lines, fields, bands, card_size=(856.0, 540.0)) == []
    # Read surely, the differing character is print of its own, and the run-on stands; so does a
    # short run one unsure character away from the row above (新村 against its 民村).
    for text, sure in ((cut[1] + "开江会龙泉乡新民村", 0.99), (cut[1] + "新村", 0.5)):
        bands = Bands(text, (0.99,) * 9 + (sure,) * (len(text) - 9), ("",) * len(text))
        extra = rescued_address_row_end(IMAGE, lines, fields, bands, card_size=(856.0, 540.0))
        assert [box.text for box in extra] == [text[len(cut[1]) :]]


def test_a_last_row_boxed_with_a_mark_is_read_on_one_pitch_below_the_row_above() -> None:
    cut = ("河南省南阳市社旗县高坪乡柏", "树村")  # 六组313号 under SPECIMEN's letters
    lines = front_lines(number=NUMBER, address=cut)
    # The detector boxed the row with the mark below it: twice a row's height.
    merged = line("树村IMEN", 150, 288)
    (left, top), (right, _), _, _ = merged.box
    merged = TextLine(
        text=merged.text,
        box=((left, top), (right, top), (right, top + 62), (left, top + 62)),
        char_scores=merged.char_scores,
        runners_up=merged.runners_up,
    )
    lines = [*(box for box in lines if box.text != cut[1]), merged]
    fields = parse_card(lines)
    assert fields["address"] == "".join(cut)
    text = "树村六组313号"
    bands = Bands(text, (0.99,) * len(text), ("",) * len(text))
    extra = rescued_address_row_end(IMAGE, lines, fields, bands, card_size=(856.0, 540.0))
    # The row above (y 250-280) one address pitch up, as tall as it: not the merged box's middle.
    (_, band_top), _, _, (_, band_bottom) = bands.boxes[0]
    assert abs((band_top + band_bottom) / 2 - (265 + 1.1 * 30)) < 1 and band_bottom - band_top == 30
    assert parse_card(with_bands(lines, extra))["address"] == "河南省南阳市社旗县高坪乡柏树村六组313号"


def test_an_address_row_lost_between_two_read_is_read_midway_between_them() -> None:
    rows = ("云南省文山壮族苗族自", "治州富宁县柏树乡新民", "社区2巷17号")
    lines = [*front_lines(number=NUMBER, address=rows[:1]), line(rows[2], 150, 250 + 2 * 38)]
    fields = parse_front(lines)
    assert fields["address"] == rows[0] + rows[2]
    bands = ScriptedBands(rows[1])
    extra = rescued_address_gap(IMAGE, lines, fields, bands, card_size=(856.0, 540.0))
    (_, top), _, _, (_, bottom) = extra[0].box
    assert top < 250 + 38 + 15 < bottom  # centred on the lost row
    assert parse_front(with_bands(lines, extra))["address"] == "".join(rows)
    # Unsure print, or the mark, is no row; rows read one pitch apart have none between them.
    unsure = Bands(rows[1], (0.9,) * 9 + (0.5,), ("",) * 10)
    assert rescued_address_gap(IMAGE, lines, fields, unsure, card_size=(856.0, 540.0)) == []
    marked = ScriptedBands("样本", "样本")
    assert rescued_address_gap(IMAGE, lines, fields, marked, card_size=(856.0, 540.0)) == []
    whole = front_lines(number=NUMBER, address=ADDRESS)
    none = Bands("x", (1.0,), ("",))
    assert rescued_address_gap(IMAGE, whole, parse_front(whole), none, card_size=(856.0, 540.0)) == []
    assert none.boxes == []


def test_a_row_lost_above_a_marks_scrap_is_read_from_the_column_not_from_the_scrap() -> None:
    # 栋6单元1304室 under a grey 样本 whose 样 was read below it as 牛, far right of the column.
    rows = ("北京市昌平区胜利南路133号2", "栋6单元1304室")
    lines = [*front_lines(number=NUMBER, address=rows[:1]), line("牛", 330, 250 + 2 * 38, score=0.58)]
    fields = parse_front(lines)
    bands = ScriptedBands(rows[1])
    extra = rescued_address_gap(IMAGE, lines, fields, bands, card_size=(856.0, 540.0))
    # The band starts where the rows do (x 150), not at the scrap: what lies left of it was read.
    (left, _), *_ = extra[0].box
    assert left < 150
    assert parse_front(with_bands(lines, extra))["address"] == "".join(rows)


def test_address_rows_are_found_below_the_birthday_when_the_labels_were_lost() -> None:
    rows = ("云南省文山壮族苗族自", "治州富宁县柏树乡新民", "社区2巷17号")
    labels = ("姓名", "性别", "民族", "出生", "住址", "公民身份号码")
    lines = [*front_lines(number=NUMBER, address=rows[:1]), line(rows[2], 150, 250 + 2 * 38)]
    lines = without(lines, *labels)
    fields = parse_front(lines)
    assert fields["address"] == rows[0] + rows[2]
    extra = rescued_address_gap(IMAGE, lines, fields, ScriptedBands(rows[1]), card_size=(856.0, 540.0))
    assert parse_front(with_bands(lines, extra))["address"] == "".join(rows)
    # Without a valid number nothing places the rows.
    invalid = [box if box.text != NUMBER else line(NUMBER[:17] + "0", 295, 450) for box in lines]
    bands = Bands("x", (1.0,), ("",))
    assert rescued_address_gap(IMAGE, invalid, fields, bands, card_size=(856.0, 540.0)) == []
    assert bands.boxes == []


def test_a_lost_row_is_found_below_a_first_row_boxed_tilted_with_its_label() -> None:
    # A phone capture tilted a little: the box holding 住址 and the first row rises 10 px to the
    # right, so it is taller than its print and the label's share of it lies lower than the row's.
    first = "住址西藏自治区拉萨市达孜区迎"
    width = CHAR_WIDTH * len(first)
    tilted = ((60.0, 260.0), (60.0 + width, 250.0), (60.0 + width, 280.0), (60.0, 290.0))
    lines = [
        *[box for box in front_lines(number=NUMBER, address=("x",)) if box.text not in ("住址", "x")],
        TextLine(
            text=first,
            box=tilted,
            score=0.99,
            char_scores=(0.99,) * len(first),
            runners_up=("",) * len(first),
        ),
        line("006号", 150, 250 + 2 * 38),
    ]
    fields = parse_front(lines)
    assert fields["address"] == "西藏自治区拉萨市达孜区迎006号"
    bands = ScriptedBands("宾北路394号院10号楼6门1")
    extra = rescued_address_gap(IMAGE, lines, fields, bands, card_size=(856.0, 540.0))
    assert (
        parse_front(with_bands(lines, extra))["address"]
        == "西藏自治区拉萨市达孜区迎宾北路394号院10号楼6门1006号"
    )


def test_a_row_run_on_by_a_number_the_row_below_does_not_count_adds_nothing() -> None:
    cut = ("云南省红河哈尼族彝族自", "治州河口瑶族自治县三合", "镇太平村3社274号")
    lines = [*front_lines(number=NUMBER, address=cut), line("样本", 480, 245)]
    fields = parse_front(lines)
    # A stroke of the mark read surely as a digit after the row: the row below goes on with 治州.
    bands = ScriptedBands(cut[0] + "7", cut[1], cut[2])
    extra = rescued_address_row_end(IMAGE, lines, fields, bands, card_size=(856.0, 540.0))
    assert "7" not in "".join(box.text for box in extra)
