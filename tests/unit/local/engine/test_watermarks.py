"""Specimen marks read into values are cut out; what the card prints around them stays."""

from __future__ import annotations

import dataclasses

from airflow_provider_faceid.local.engine.parser import parse_card
from airflow_provider_faceid.local.engine.textline import TextLine
from airflow_provider_faceid.local.engine.watermarks import mark_traces, without_specimen_marks
from tests.unit.local.lines import front_lines, line

NUMBER = "11010519491231002X"


def texts(lines: list) -> list[str]:
    return [piece.text for piece in without_specimen_marks(lines)]


def test_a_mark_read_after_a_value_is_cut_off_with_its_share_of_the_box() -> None:
    name = line("林军样本", 150, 60)
    (kept,) = without_specimen_marks([name])
    assert kept.text == "林军"
    assert kept.left == name.left
    assert kept.right < name.right


def test_pieces_of_specimen_go_and_the_value_on_either_side_stays() -> None:
    assert texts([line("TMEN傈僳", 300, 125)]) == ["傈僳"]
    assert texts([line("2401室SPECMEN.样本", 150, 260)]) == ["2401室"]
    assert texts([line("路SPECIMEN22号", 150, 260)]) == ["路", "22号"]
    assert texts([line("大坝村七组3SP53号", 150, 260)]) == ["大坝村七组3", "53号"]
    assert texts([line("SPECIMEN", 500, 300), line("样本", 500, 340)]) == []
    # Both characters read as look-alikes, short of sure, with the mark's as runner-ups (洋水 in
    # 江州洋水区); read surely they are print (洋水镇 is a town).
    crossed = line("江州洋水区", 150, 260, scores={2: 0.69, 3: 0.79}, runners={2: "祥", 3: "木"})
    assert texts([crossed]) == ["江州", "区"]
    assert texts([line("江州洋水区", 150, 260, runners={2: "祥", 3: "木"})]) == ["江州洋水区"]
    # 样 right before SPECIMEN, its 本 not read: the mark's, not the name's (姓名样SPECIMEN).
    assert texts([line("张刚样SPECIMEN", 150, 60)]) == ["张刚"]
    # 本 with a stroke of the print it crosses read into it (样苯): still the mark.
    assert texts([line("样苯一组212号", 120, 300)]) == ["一组212号"]
    # Or read as its half, 木, after a sure 样 (万海亮样木): 样木 is printed nowhere either.
    assert texts([line("万海亮样木", 150, 60)]) == ["万海亮"]
    # Or read as 体, its commonest look-alike (样体, 体 at 0.75 with runner-up 林: no name's 林).
    assert texts([line("样体", 816, 659, scores={1: 0.75}, runners={1: "林"})]) == []
    # SPECIMEN has no X: right after a digit it is the number's check character.
    assert texts([line("62070219350126999XCIME", 250, 450)]) == ["62070219350126999X"]
    assert texts([line("大坝村XCIME", 250, 450)]) == ["大坝村"]


def test_a_washed_out_mark_counts_when_the_runner_up_spells_it() -> None:
    assert texts([line("1907室柱本", 150, 260, runners={5: "样"}, scores={5: 0.4})]) == ["1907室"]
    assert texts([line("1907室柱本", 150, 260)]) == ["1907室柱本"]  # no runner-up: as read
    assert texts([line("1907室柱本", 150, 260, runners={5: "样"})]) == ["1907室柱本"]  # a sure 柱


def test_the_edge_of_a_mark_read_after_the_end_of_an_address_goes() -> None:
    assert texts([line("社区1巷111号PE", 150, 260)]) == ["社区1巷111号"]
    # The mark's last letters with its E read as an ideograph before them (二N, read surely).
    assert texts([line("李家村3社368号二N", 150, 260)]) == ["李家村3社368号"]
    assert texts([line("1单元1708室样羊本", 150, 260)]) == ["1单元1708室"]
    assert texts([line("大坝村9社203号本", 150, 260)]) == ["大坝村9社203号"]
    # 本 read as another character, unsure: 样 before it says whose it is.
    assert texts([line("村五组56号羊八", 150, 260, scores={7: 0.49})]) == ["村五组56号"]
    assert texts([line("村五组56号羊八", 150, 260)]) == ["村五组56号羊八"]  # read surely: as read
    # 样 read as 件 (牛 for its 羊), with 本 or with 本 read unsure as another character.
    assert texts([line("村2组41号件本", 150, 260)]) == ["村2组41号"]
    assert texts([line("村2组41号件4", 150, 260, scores={7: 0.42})]) == ["村2组41号"]
    # The mark's 本 alone read unsure as another character, the recogniser's runner-up 本.
    assert texts([line("7幢2408室4", 150, 260, scores={7: 0.65}, runners={7: "本"})]) == ["7幢2408室"]
    assert texts([line("7幢2408室4", 150, 260, runners={7: "本"})]) == ["7幢2408室4"]  # sure: as read
    assert texts([line("7幢2408室4", 150, 260, scores={7: 0.65}, runners={7: "1"})]) == ["7幢2408室4"]
    # Only at the end, and only right after 号 or 室: elsewhere these are the address's own.
    assert texts([line("本溪市明山区木材路", 150, 260)]) == ["本溪市明山区木材路"]
    assert texts([line("3号楼", 150, 260), line("号本村", 150, 290)]) == ["3号楼", "号本村"]


def test_a_line_that_is_only_a_scrap_of_a_mark_goes() -> None:
    read = ("PE", "羊本", "样", "本", "样木", "cim", "样棒本", "祥本", "羊木")  # 羊木: 样 and 本 in halves
    scraps = [line(text, 520, 360) for text in read]
    assert texts(scraps) == []
    # A scrap must be all there is: a value with such characters in it stays.
    values = [line("本溪", 150, 60), line("PEK", 150, 260), line("样本村3号", 150, 260)]
    assert texts(values) == ["本溪", "PEK", "村3号"]


def test_what_is_left_between_a_marks_pieces_goes_when_it_is_a_scrap_of_the_mark() -> None:
    # 样 not read before SPECIMEN; the mark read twice, its first 样 as a half.
    assert texts([line("本 SPECIMEN", 405, 127)]) == []
    assert texts([line("羊本样本", 209, 48, scores={0: 0.72})]) == []
    # The mark twice after a name, its second 样 read as 件.
    assert texts([line("普布曲珍样本件本", 96, 75)]) == ["普布曲珍"]
    assert texts([line("件本", 520, 360)]) == []
    # A value left between them stays.
    assert texts([line("SPECIMEN和平里", 150, 260)]) == ["和平里"]


def test_the_marks_s_read_unsure_as_a_digit_before_pecimen_goes_with_the_mark() -> None:
    # S read as 9 at 0.63 (runner-up S) over the day: the date would take it for the day.
    misread = line("1949年5月9PECIMEN", 150, 190, scores={7: 0.63}, runners={7: "S"})
    assert texts([misread]) == ["1949年5月"]
    # Read surely, or without S for a runner-up, the digit is print.
    assert texts([line("1949年5月9PECIMEN", 150, 190, runners={7: "S"})]) == ["1949年5月9"]
    assert texts([line("1949年5月9PECIMEN", 150, 190, scores={7: 0.63})]) == ["1949年5月9"]
    # An address's 号 with the mark's S over it (runner-up S, at 0.54) is print: only a digit goes.
    ending = line("9巷303号PECIMEN", 150, 260, scores={5: 0.54}, runners={5: "S"})
    assert texts([ending]) == ["9巷303号"]


def test_latin_that_is_no_piece_of_specimen_stays() -> None:
    assert texts([line("万达广场C座", 150, 260), line("SOHO现代城", 150, 290)]) == [
        "万达广场C座",
        "SOHO现代城",
    ]
    assert texts([line("本溪市", 150, 260)]) == ["本溪市"]


def test_a_front_with_marks_over_its_values_parses_as_printed() -> None:
    lines = front_lines(number=NUMBER, name="林军", address=("北京市朝阳区", "建国路88号"))
    marked = [
        line(piece.text + "样本", piece.left, piece.top) if piece.text == "林军" else piece for piece in lines
    ]
    marked.append(line("SPECIMEN", 420, 300))
    assert parse_card(marked) == parse_card(lines)
    assert parse_card(marked)["name"] == "林军"


def test_on_a_marked_card_a_leading_yang_or_trailing_ben_is_the_edge_of_a_mark() -> None:
    edges = [line("唐若芳本", 150, 60), line("样县新民乡大坝村四组127号", 150, 290)]
    assert texts([line("样本", 500, 300), *edges]) == ["唐若芳", "县新民乡大坝村四组127号"]
    # Without a mark anywhere on the card, both are read as printed.
    assert texts(edges) == ["唐若芳本", "样县新民乡大坝村四组127号"]
    # The mark's 样 read twice at the start (样样单元...): both go.
    assert texts([line("样本", 500, 300), line("样样单元1605室", 150, 290)]) == ["单元1605室"]
    # 样 read as one of its halves before the 本: the whole mark goes.
    assert texts([line("样本", 500, 300), line("黄波羊本", 150, 60)]) == ["黄波"]
    assert texts([line("样本", 500, 300), line("陕西省安康市旬阳县兴隆乡样", 150, 250)]) == [
        "陕西省安康市旬阳县兴隆乡"
    ]
    assert texts([line("SPECIMEN", 500, 300), line("本溪市明山区", 150, 260)]) == ["本溪市明山区"]
    assert texts([line("样本", 500, 300), line("太平社区2巷10M3号", 150, 260)]) == ["太平社区2巷10", "3号"]
    assert texts([line("太平社区2巷10M3号", 150, 260)]) == ["太平社区2巷10M3号"]
    # The mark's S over a line's first ideograph (S山村); a building's letter (A座, B栋) stays.
    assert texts([line("样本", 500, 300), line("S山村2组190号", 150, 290)]) == ["山村2组190号"]
    assert texts([line("样本", 500, 300), line("B栋2单元301室", 150, 290)]) == ["B栋2单元301室"]
    assert texts([line("S山村2组190号", 150, 290)]) == ["S山村2组190号"]


def test_a_leading_yang_in_a_box_as_tall_as_the_marks_glyphs_is_the_marks_edge() -> None:
    # No mark boxed on its own: the mark's 样 joined the last address row's box, 2.5 rows tall.
    rows = [line("苗族自治县红星镇红星社区9", 150, 250), line("出生", 60, 190), line("住址", 60, 250)]
    assert texts([*rows, tall_line("样巷377号", 150, 288)])[-1] == "巷377号"
    # In a box of the rows' height it stays, as does a tall box with no 样 first.
    assert texts([*rows, line("样巷377号", 150, 288)])[-1] == "样巷377号"
    assert texts([*rows, tall_line("巷377号", 150, 288)])[-1] == "巷377号"


def tall_line(text: str, x: float, y: float) -> TextLine:
    """A box like ``line``'s, 75 px tall: two and a half rows, as a mark's glyph makes it."""
    short = line(text, x, y)
    (left, top), (right, _) = short.box[:2]
    return dataclasses.replace(short, box=((left, top), (right, top), (right, top + 75), (left, top + 75)))


def test_a_half_of_yang_read_unsure_right_before_a_mark_boxed_on_its_own_is_the_marks() -> None:
    # 木 at 0.72: the left half of the mark's 样, its box starting where the name's stops.
    name = line("毛若静木", 118, 87, scores={3: 0.72})
    mark = line("样本", name.right + 4, 80)
    assert texts([name, mark]) == ["毛若静"]
    # Read surely, or with the mark elsewhere on the card: as read (林木 is a name).
    assert texts([line("毛若静木", 118, 87), mark]) == ["毛若静木"]
    assert texts([name, line("样本", 500, 300)]) == ["毛若静木"]


def test_a_mark_read_with_a_look_alike_or_a_stray_character_still_goes_whole() -> None:
    # 样 read as 释 or 祥 right before the mark's Latin word; its S read as an ideograph.
    assert texts([line("释本SPECIMEN", 300, 100)]) == []
    assert texts([line("样本必PECIMEN", 300, 100)]) == []
    # Elsewhere 祥 is a name's (吉祥本 is no mark without the Latin word after it).
    assert texts([line("李吉祥本", 150, 60)]) == ["李吉祥本"]


def test_a_two_character_line_ending_in_ben_printed_far_taller_than_the_rows_is_the_mark() -> None:
    rows = [line("周秋燕", 150, 60), line("女", 150, 125), line("汉", 375, 125)]
    mark = line("楼本", 140, 40)
    tall = TextLine(text=mark.text, box=((140, 40), (380, 40), (380, 150), (140, 150)))
    assert texts([*rows, tall]) == ["周秋燕", "女", "汉"]
    assert texts([*rows, mark]) == ["周秋燕", "女", "汉", "楼本"]  # a row's height: as read


def test_a_character_a_marks_box_reads_again_under_the_box_before_it_goes() -> None:
    address = line("住址山西省阳泉市盂县柏树镇", 43, 268)
    # The mark's box starts over the row's last character (镇) and reads it again (真).
    twice = line("真样本", address.right - 20, 268)
    assert texts([address, twice]) == [address.text]
    # A slanting mark's box: half of 真's print under the row's box, measured along the box's
    # top edge, not its extent (wider by the slant).
    row = line("甘肃省定西市岷县太平镇", 259, 496)
    slanted = TextLine(text="真样本", box=((893, 507), (1125, 480), (1134, 565), (902, 592)), score=0.99)
    assert texts(
        [TextLine(text=row.text, box=((259, 496), (936, 496), (936, 562), (259, 562))), slanted]
    ) == [row.text]
    # A value that only starts under the box before it (a label's box over its first character)
    # keeps every character.
    label = line("签发机关", 160, 345)
    value = line("鹿寨县公安局样本", label.right - 20, 345)
    assert texts([label, value]) == ["签发机关", "鹿寨县公安局"]


def test_characters_read_unsure_as_a_blend_with_a_mark_are_counted_as_its_traces() -> None:
    # 杨 under the mark's 样 read as 梯 at 0.63, 様 second; 汉 under its 本 as 水 with 木 second.
    name = line("梯一敏", 150, 60, scores={0: 0.63}, runners={0: "様"})
    group = line("水", 375, 125, scores={0: 0.66}, runners={0: "木"})
    assert mark_traces([name, group]) == 2
    # Unsure 本 itself counts; a sure blend, an unsure character with another runner-up and the
    # mark's own box do not.
    assert mark_traces([line("李本", 150, 60, scores={1: 0.6})]) == 1
    assert mark_traces([line("梯一敏", 150, 60, runners={0: "様"})]) == 0
    assert mark_traces([line("梯一敏", 150, 60, scores={0: 0.63}, runners={0: "杨"})]) == 0
    assert mark_traces([line("样本", 300, 60, scores={0: 0.6}, runners={0: "祥"})]) == 0
