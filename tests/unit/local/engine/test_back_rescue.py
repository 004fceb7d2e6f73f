"""Bands of a back's missed rows: the authority and the validity period."""

from __future__ import annotations

from airflow_provider_faceid.local.engine.back_rescue import rescued_authority, rescued_validity
from airflow_provider_faceid.local.engine.bands import with_bands
from airflow_provider_faceid.local.engine.parser import parse_back, parse_card
from airflow_provider_faceid.local.engine.textline import TextLine
from tests.unit.local.bands import IMAGE, Bands, ScriptedBands
from tests.unit.local.lines import CHAR_WIDTH, line


def test_a_missed_authority_is_read_right_of_its_label_in_place_of_its_broken_boxes() -> None:
    lines = [line("签发机关", 200, 395), line("北京市公安", 334, 395), line("有效期限", 200, 470)]
    lines.append(line("2016.02.29-2036.02.29", 334, 470))
    text = "北京市公安局海淀分局"
    bands = Bands(text, (0.9,) * len(text), ("",) * len(text))
    extra = rescued_authority(IMAGE, lines, parse_back(lines), bands)
    (left, top), _, _, (_, bottom) = bands.boxes[0]
    # From half a character before the label's end (its estimate may overshoot the value's start).
    assert left == round(200 + 4 * CHAR_WIDTH - 30 / 2) and top < 395 + 15 < bottom < 470
    # The boxes give the bureau (its lost 局 put back), not the branch the row goes on to.
    assert parse_back(lines)["issued_by"] == "北京市公安局"
    # What the band read replaces the box it covers.
    assert parse_card(with_bands(lines, extra))["issued_by"] == text


def test_an_authority_row_lost_with_its_label_is_read_above_the_validity_row() -> None:
    lines = [line("有效期限", 200, 470), line("2016.02.29-2036.02.29", 334, 470)]
    assert parse_back(lines)["issued_by"] is None
    text = "签发机关北京市公安局海淀分局ME"
    bands = Bands(text, (0.9,) * len(text), ("",) * len(text))
    extra = rescued_authority(IMAGE, lines, parse_back(lines), bands)
    (_, top), _, _, (_, bottom) = bands.boxes[0]
    assert top < 470 + 15 - 2 * 30 < bottom < 470
    assert parse_card(with_bands(lines, extra))["issued_by"] == "北京市公安局海淀分局"


def test_with_only_the_title_read_the_authority_row_of_a_card_view_is_read_where_cards_print_it() -> None:
    lines = [line("中华人民共和国", 303, 84), line("居民身份证", 303, 176)]
    fields = parse_back(lines)
    assert (fields["issued_by"], fields["valid_date"]) == (None, None)
    text = "签发机关塔城市公安局"
    bands = Bands(text, (0.9,) * len(text), ("",) * len(text))
    extra = rescued_authority(IMAGE, lines, fields, bands, card_size=(856.0, 540.0))
    (left, top), (right, _), _, (_, bottom) = bands.boxes[0]
    # Three quarters down the card, from left of where labels start to the card's print end.
    assert top < 0.745 * 540 < bottom and left < 0.18 * 856 and right > 0.9 * 856
    assert parse_card(with_bands(lines, extra))["issued_by"] == "塔城市公安局"
    # The validity row is then placed below its label, as when the detector boxed it.
    bands = ScriptedBands("有效期限2019.11.27-长期")
    more = rescued_validity(IMAGE, with_bands(lines, extra), parse_card(with_bands(lines, extra)), bands)
    assert parse_card(with_bands(with_bands(lines, extra), more))["valid_date"] == "2019.11.27-长期"
    # Not on a frame (no card to place it on), nor when either row was read.
    assert rescued_authority(IMAGE, lines, fields, ScriptedBands()) == []
    read = [*lines, line("2019.11.27-长期", 334, 460)]
    assert rescued_authority(IMAGE, read, parse_back(read), ScriptedBands(), card_size=(856.0, 540.0)) == []


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


def test_a_validity_row_lost_with_its_label_is_read_below_the_authority_row() -> None:
    lines = [line("签发机关", 200, 395), line("北京市公安局", 334, 395)]
    assert parse_back(lines)["valid_date"] is None
    bands = ScriptedBands("有效期限2016.02.29-2036.02.29")
    extra = rescued_validity(IMAGE, lines, parse_back(lines), bands)
    (left, top), _, _, (_, bottom) = extra[0].box
    # One back pitch (two line heights) below 签发机关, from the label column on.
    assert left == 200 and 395 + 30 < top < 395 + 15 + 60 < bottom
    assert parse_card(with_bands(lines, extra))["valid_date"] == "2016.02.29-2036.02.29"
    # Neither label read: nothing places the row.
    assert rescued_validity(IMAGE, lines[1:], parse_back(lines[1:]), ScriptedBands()) == []


def test_a_validity_row_is_placed_from_the_print_of_an_authority_box_a_mark_made_taller() -> None:
    # A mark slanting through 签发机关 boxed with the row: 60 high, its print 30 (27 wide each).
    row = line("签发机关北京市公安局", 200, 380)
    (lt, rt, _, _) = row.box
    tall = TextLine(text=row.text, box=(lt, rt, (rt[0], 440.0), (lt[0], 440.0)), score=0.99)
    bands = ScriptedBands("有效期限2016.02.29-2036.02.29")
    extra = rescued_validity(IMAGE, [tall], parse_back([tall]), bands)
    (_, top), _, _, (_, bottom) = extra[0].box
    # The validity row printed at 470-500 (a pitch of 75 from the authority's 395-425).
    assert top < 485 < bottom
    assert parse_card(with_bands([tall], extra))["valid_date"] == "2016.02.29-2036.02.29"


def test_an_authority_row_read_on_past_its_authority_is_read_again_for_a_longer_one() -> None:
    # 局 of 临桂分局 under the stamp's edge: the boxes hold 桂林市公安局 and a tail.
    lines = [line("签发机关", 200, 395), line("桂林市公安局临桂分", 334, 395)]
    lines += [line("有效期限", 200, 470), line("2021.03.05-长期", 334, 470)]
    assert parse_back(lines)["issued_by"] == "桂林市公安局"
    bands = ScriptedBands("桂林市公安局临桂分局")
    extra = rescued_authority(IMAGE, lines, parse_back(lines), bands)
    assert parse_card(with_bands(lines, extra))["issued_by"] == "桂林市公安局临桂分局"
    # Kept only as more of what was read: the same authority, or another one, adds nothing.
    for text in ("桂林市公安局", "桂林市公安局印", "柳州市公安局柳南分局"):
        assert rescued_authority(IMAGE, lines, parse_back(lines), ScriptedBands(text, text)) == []
    # A row that ends with a county's authority is not read again.
    whole = [lines[0], line("敦煌市公安局", 334, 395), *lines[2:]]
    assert rescued_authority(IMAGE, whole, parse_back(whole), ScriptedBands()) == []


def test_a_citys_own_bureau_is_read_on_for_a_branch_under_the_stamp() -> None:
    # 二道江分局 under the stamp's red: the detector's box stopped at 通化市公安局, which is whole
    # as read, but 通化市's districts have branches that issue cards too.
    lines = [line("签发机关", 200, 395), line("通化市公安局", 334, 395)]
    lines += [line("有效期限", 200, 470), line("2024.04.15-2029.04.15", 334, 470)]
    bands = ScriptedBands("通化市公安局二道江分局")
    extra = rescued_authority(IMAGE, lines, parse_back(lines), bands)
    assert parse_card(with_bands(lines, extra))["issued_by"] == "通化市公安局二道江分局"
    # A band reading nothing after the bureau is not read a second time; one reading something
    # else there is, from its darkest print.
    bands = ScriptedBands("通化市公安局")
    assert rescued_authority(IMAGE, lines, parse_back(lines), bands) == []
    assert len(bands.crops) == 1
    bands = ScriptedBands("通化市公安局二道江", "通化市公安局二道江分局")
    extra = rescued_authority(IMAGE, lines, parse_back(lines), bands)
    assert len(bands.crops) == 2
    assert parse_card(with_bands(lines, extra))["issued_by"] == "通化市公安局二道江分局"


def test_an_authority_starting_with_no_place_is_read_again_for_one_that_does() -> None:
    # The stamp's red over 店市: the recogniser skipped them surely (高碑 is no place).
    lines = [line("签发机关", 200, 395), line("高碑公安局", 334, 395)]
    lines += [line("有效期限", 200, 470), line("2024.12.22-长期", 334, 470)]
    assert parse_back(lines)["issued_by"] == "高碑公安局"
    # The band as captured skips them again; its darkest print reads them.
    bands = ScriptedBands("关高碑公安局", "关高碑店市公安局")
    extra = rescued_authority(IMAGE, lines, parse_back(lines), bands)
    assert len(bands.crops) == 2
    assert parse_card(with_bands(lines, extra))["issued_by"] == "高碑店市公安局"
    # Kept only as an authority that starts with a place: otherwise the boxes' reading stays.
    assert rescued_authority(IMAGE, lines, parse_back(lines), ScriptedBands("高碑公安局", "碑公安局")) == []
    # An authority starting with a place is not read again.
    placed = [lines[0], line("高碑店市公安局", 334, 395), *lines[2:]]
    assert rescued_authority(IMAGE, placed, parse_back(placed), ScriptedBands()) == []


def test_a_missed_authority_row_is_read_again_when_its_reading_starts_with_no_place() -> None:
    lines = [line("有效期限", 200, 470), line("2024.12.22-长期", 334, 470)]
    bands = ScriptedBands("签发机关高碑公安局", "签发机关高碑店市公安局")
    extra = rescued_authority(IMAGE, lines, parse_back(lines), bands)
    assert parse_card(with_bands(lines, extra))["issued_by"] == "高碑店市公安局"
    # When neither reading starts with a place, the first is kept as read: an authority the
    # table lacks (a railway's) still comes back.
    bands = ScriptedBands("签发机关高碑公安局", "签发机关碑公安局")
    extra = rescued_authority(IMAGE, lines, parse_back(lines), bands)
    assert parse_card(with_bands(lines, extra))["issued_by"] == "高碑公安局"


def test_a_period_read_with_an_unsure_digit_is_read_again_and_kept_only_when_read_surely() -> None:
    lines = [line("签发机关", 200, 395), line("石河子市公安局", 334, 395), line("有效期限", 200, 470)]
    # 2009.12.11 under SPECIMEN's letters: a dot lost and a 1 read as 0, the 1s at 0.3-0.4.
    unsure = [*lines, line("2009.1201长期EN", 334, 470, scores={5: 0.4, 6: 0.4, 8: 0.3})]
    assert parse_back(unsure)["valid_date"] == "2009.12.01-长期"
    bands = ScriptedBands("2009.12①-长期EN", "2009.12.11-长期")
    extra = rescued_validity(IMAGE, unsure, parse_back(unsure), bands)
    assert len(bands.crops) == 2
    assert parse_card(with_bands(unsure, extra))["valid_date"] == "2009.12.11-长期"
    # A band read unsure adds nothing; a period read surely is not read again.
    scores = tuple(0.4 if index == 8 else 0.9 for index in range(13))
    answer = Bands("2009.12.11-长期", scores, ("",) * 13)
    assert rescued_validity(IMAGE, unsure, parse_back(unsure), answer) == []
    sure = [*lines, line("2009.12.11-长期", 334, 470)]
    assert rescued_validity(IMAGE, sure, parse_back(sure), ScriptedBands()) == []
