"""The baseline's label parser on synthetic (text, box) lines: fast, no OCR engine."""

from __future__ import annotations

from airflow_provider_faceid.local.engine.plain_reader import Line, parse_lines, rows_of

NUMBER = "110108198904031239"


def box(x: float, y: float, width: float = 200.0, height: float = 30.0) -> list[tuple[float, float]]:
    return [(x, y), (x + width, y), (x + width, y + height), (x, y + height)]


def front() -> list[Line]:
    return [
        ("样本SPECIMEN", box(600, 20)),
        ("姓名张三", box(60, 60)),
        ("性别男", box(60, 125, 120)),
        ("民族汉", box(285, 125, 120)),
        ("出生1989年4月3日", box(60, 190)),
        ("住址北京市海淀区中关村", box(60, 250, 380)),
        ("大街27号院3号楼501室", box(150, 290, 300)),
        # The number box sits a little higher than its label but on the same row.
        (NUMBER, box(296, 447, 480)),
        ("公民身份号码", box(62, 458, 130)),
    ]


def test_front_fields_after_their_labels() -> None:
    assert parse_lines(front()) == {
        "side": "front",
        "name": "张三",
        "gender": "男",
        "race": "汉",
        "birthday": {"year": "1989", "month": "4", "day": "3"},
        "address": "北京市海淀区中关村大街27号院3号楼501室",
        "id_card_number": NUMBER,
    }


def test_rows_are_ordered_by_y_then_x_and_lose_spaces() -> None:
    lines: list[Line] = [("民族 汉", box(285, 127)), ("性别 男", box(60, 125)), ("姓名 李四", box(60, 60))]
    assert rows_of(lines) == ["姓名李四", "性别男民族汉"]


def test_separate_label_and_value_boxes_on_one_row() -> None:
    lines: list[Line] = [("姓名", box(60, 60, 60)), ("王五", box(150, 62, 60)), ("民族", box(60, 125, 60))]
    lines.append(("蒙古族", box(150, 125, 90)))
    fields = parse_lines(lines)
    assert (fields["name"], fields["race"]) == ("王五", "蒙古")


def test_missing_labels_give_none() -> None:
    fields = parse_lines([("出生1975年11月20日", box(60, 190))])
    assert fields["side"] == "front"
    assert fields["birthday"] == {"year": "1975", "month": "11", "day": "20"}
    assert fields["name"] is None and fields["address"] is None and fields["id_card_number"] is None


def test_number_is_taken_as_printed() -> None:
    lines: list[Line] = [("公民身份号码11010819890403123X", box(60, 458, 600))]
    assert parse_lines(lines)["id_card_number"] == "11010819890403123X"


def test_back_with_wrapped_issuer_and_date_range() -> None:
    lines: list[Line] = [
        ("中华人民共和国", box(270, 73)),
        ("签发机关", box(200, 395, 90)),
        ("乌鲁木齐市公安局", box(330, 394, 220)),
        ("天山分局", box(330, 428, 110)),
        ("有效期限", box(200, 470, 90)),
        ("2019.01.06-2039.01.06", box(334, 472, 280)),
    ]
    assert parse_lines(lines) == {
        "side": "back",
        "issued_by": "乌鲁木齐市公安局天山分局",
        "valid_date": "2019.01.06-2039.01.06",
    }


def test_back_long_term_and_single_row_issuer() -> None:
    lines: list[Line] = [
        ("签发机关隆安县公安局", box(200, 395, 300)),
        ("有效期限2005.03.01-长期", box(200, 460, 300)),
    ]
    assert parse_lines(lines) == {
        "side": "back",
        "issued_by": "隆安县公安局",
        "valid_date": "2005.03.01-长期",
    }


def test_nothing_read() -> None:
    assert parse_lines([])["side"] == "front"
