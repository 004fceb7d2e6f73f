"""Bands of missed front rows: where they are cut, and what of their reading is kept."""

from __future__ import annotations

import numpy as np

from airflow_provider_faceid.local.engine.parser import parse_back, parse_card, parse_front
from airflow_provider_faceid.local.engine.row_rescue import (
    dark_print,
    rescued_address,
    rescued_address_end,
    rescued_address_row_end,
    rescued_authority,
    rescued_birthday,
    rescued_lines,
    rescued_number,
    rescued_validity,
    with_bands,
)
from airflow_provider_faceid.local.engine.textline import Point, TextLine
from tests.unit.local.lines import CHAR_WIDTH, front_lines, line

NUMBER = "110108198904031239"  # male
ADDRESS = ("北京市海淀区中关村大街", "27号院3号楼501室")
IMAGE = np.full((540, 856, 3), 230, np.uint8)


class Bands:
    """Stands in for the recogniser: answers each band with a scripted reading, records boxes."""

    def __init__(self, text: str, scores: tuple[float, ...], runners: tuple[str, ...]) -> None:
        self.answer = (text, scores, runners)
        self.boxes: list[tuple[Point, Point, Point, Point]] = []

    def __call__(self, crop: np.ndarray, box: tuple[Point, Point, Point, Point]) -> TextLine | None:
        self.boxes.append(box)
        text, scores, runners = self.answer
        return TextLine(text=text, box=box, score=min(scores), char_scores=scores, runners_up=runners)


def without(lines: list[TextLine], *texts: str) -> list[TextLine]:
    return [line for line in lines if line.text not in texts]


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


def test_nothing_is_read_when_every_field_is_there() -> None:
    lines = front_lines(number=NUMBER, address=ADDRESS)
    bands = Bands("x", (1.0,), ("",))
    assert rescued_lines(IMAGE, lines, parse_front(lines), bands) == []
    assert bands.boxes == []


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


def test_a_missed_authority_is_read_right_of_its_label_in_place_of_its_broken_boxes() -> None:
    lines = [line("签发机关", 200, 395), line("北京市公安", 334, 395), line("有效期限", 200, 470)]
    lines.append(line("2016.02.29-2036.02.29", 334, 470))
    text = "北京市公安局海淀分局"
    bands = Bands(text, (0.9,) * len(text), ("",) * len(text))
    extra = rescued_authority(IMAGE, lines, parse_back(lines), bands)
    (left, top), _, _, (_, bottom) = bands.boxes[0]
    # From half a character before the label's end (its estimate may overshoot the value's start).
    assert left == round(200 + 4 * CHAR_WIDTH - 30 / 2) and top < 395 + 15 < bottom < 470
    assert parse_back(lines)["issued_by"] == "北京市公安"
    # What the band read replaces the box it covers.
    assert parse_card(with_bands(lines, extra))["issued_by"] == text


class ScriptedBands:
    """Answers the n-th band read with the n-th scripted text (all characters sure)."""

    def __init__(self, *texts: str) -> None:
        self.texts = list(texts)
        self.crops: list[np.ndarray] = []

    def __call__(self, crop: np.ndarray, box: tuple[Point, Point, Point, Point]) -> TextLine | None:
        self.crops.append(crop)
        text = self.texts[len(self.crops) - 1]
        return TextLine(
            text=text, box=box, score=0.9, char_scores=(0.9,) * len(text), runners_up=("",) * len(text)
        )


def test_dark_print_keeps_the_print_and_turns_a_grey_mark_to_paper() -> None:
    grey = np.full((40, 200), 230, np.uint8)
    grey[5:35, 20:60] = 150  # a grey mark
    grey[10:30, 100:120] = 20  # black print
    kept = dark_print(grey)
    assert (kept[10:30, 100:120] == 20).all()
    assert (kept[5:35, 20:60] == 255).all()
    assert (kept[:, :10] == 255).all()


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


def test_no_address_band_is_read_when_the_address_starts_with_its_province() -> None:
    lines = front_lines(number=NUMBER, address=ADDRESS)
    bands = Bands("x", (1.0,), ("",))
    assert rescued_address(IMAGE, lines, parse_front(lines), bands) == []
    assert bands.boxes == []


def test_an_authority_row_lost_with_its_label_is_read_above_the_validity_row() -> None:
    lines = [line("有效期限", 200, 470), line("2016.02.29-2036.02.29", 334, 470)]
    assert parse_back(lines)["issued_by"] is None
    text = "签发机关北京市公安局海淀分局ME"
    bands = Bands(text, (0.9,) * len(text), ("",) * len(text))
    extra = rescued_authority(IMAGE, lines, parse_back(lines), bands)
    (_, top), _, _, (_, bottom) = bands.boxes[0]
    assert top < 470 + 15 - 2 * 30 < bottom < 470
    assert parse_card(with_bands(lines, extra))["issued_by"] == "北京市公安局海淀分局"


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


def test_an_address_stopping_on_a_digit_reads_the_row_below_for_its_end() -> None:
    cut = ("北京市海淀区中关村大街", "27号院3号楼501")  # 室 went onto a third row, under a mark
    lines = front_lines(number=NUMBER, address=cut)
    fields = parse_front(lines)
    assert fields["address"] == "".join(cut)
    bands = ScriptedBands("SPECIMEN", "CIMEN", "室")  # the whole band, its dark print, its start
    extra = rescued_address_end(IMAGE, lines, fields, bands)
    assert len(bands.crops) == 3
    assert parse_front(with_bands(lines, extra))["address"] == "".join(ADDRESS)


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
    bands = ScriptedBands("27号院3号SPECIMEN", ADDRESS[1])
    extra = rescued_address_row_end(IMAGE, lines, fields, bands, card_size=(856.0, 540.0))
    assert len(bands.crops) == 2
    assert parse_front(with_bands(lines, extra))["address"] == "".join(ADDRESS)


def test_an_address_row_read_again_must_run_on_from_what_was_read() -> None:
    cut = front_lines(number=NUMBER, address=("北京市海淀区中关村大街", "27号院3号"))
    fields = parse_front(cut)
    # Another row's text, the same row no further on, or read otherwise than its boxes (a worse
    # reading of it, not more of it) adds nothing.
    for text in ("中关村大街27号院", "27号院3号", "27号院8号楼501室"):
        bands = Bands(text, (0.9,) * len(text), ("",) * len(text))
        assert rescued_address_row_end(IMAGE, cut, fields, bands, card_size=(856.0, 540.0)) == []
    # A last row that reaches the column's end is not read again.
    full = front_lines(number=NUMBER, address=("北京市海淀区中关村大街", "27号院3号楼501室海淀区北京"))
    bands = Bands("x", (1.0,), ("",))
    assert rescued_address_row_end(IMAGE, full, parse_front(full), bands, card_size=(600.0, 540.0)) == []
    assert bands.boxes == []


def test_a_validity_period_broken_by_a_mark_is_read_again_right_of_its_label() -> None:
    lines = [line("签发机关", 200, 395), line("北京市公安局", 334, 395), line("有效期限", 200, 470)]
    lines.append(line("2016.02.29-2036.02P9ECIMEN", 334, 470))
    assert parse_back(lines)["valid_date"] is None
    bands = ScriptedBands("2016.02.29-2036.02SPECIMEN", "2016.02.29-2036.02.29")
    extra = rescued_validity(IMAGE, lines, parse_back(lines), bands)
    assert len(bands.crops) == 2  # the band as captured, then its darkest print
    assert parse_card(with_bands(lines, extra))["valid_date"] == "2016.02.29-2036.02.29"
    # A period read is not read again, and a band without one adds nothing.
    done = [*lines[:3], line("2016.02.29-2036.02.29", 334, 470)]
    assert rescued_validity(IMAGE, done, parse_back(done), ScriptedBands()) == []
    assert rescued_validity(IMAGE, lines, parse_back(lines), ScriptedBands("SPECIMEN", "2016.02")) == []


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
