"""Fields of the front (人像面): name, gender, race, birthday, address, number."""

from __future__ import annotations

import datetime as dt
import itertools
import re
from typing import Any

from airflow_provider_faceid import idnumber
from airflow_provider_faceid.local.engine import labels as lb
from airflow_provider_faceid.local.engine import place_names, surnames
from airflow_provider_faceid.local.engine.card_geometry import PHOTO_BOX
from airflow_provider_faceid.local.engine.front_rows import FrontRows, front_rows
from airflow_provider_faceid.local.engine.layout import SAME_ROW, CardLayout, joined_text, place_text, rows
from airflow_provider_faceid.local.engine.number_reading import NumberReading, best_number
from airflow_provider_faceid.local.engine.reading import (
    REPAIRABLE_BELOW,
    UNSURE_BELOW,
    Reading,
    vocabulary_reading,
)
from airflow_provider_faceid.local.engine.textline import TextLine
from airflow_provider_faceid.local.engine.watermarks import MARK_CHARACTERS, MARK_LOOKALIKES

# The 56 officially recognised groups, as the card prints them (without 族).
ETHNIC_GROUPS = frozenset(
    (
        "汉", "蒙古", "回", "藏", "维吾尔", "苗", "彝", "壮", "布依", "朝鲜", "满", "侗", "瑶", "白",
        "土家", "哈尼", "哈萨克", "傣", "黎", "傈僳", "佤", "畲", "高山", "拉祜", "水", "东乡", "纳西",
        "景颇", "柯尔克孜", "土", "达斡尔", "仫佬", "羌", "布朗", "撒拉", "毛南", "仡佬", "锡伯", "阿昌",
        "普米", "塔吉克", "怒", "乌孜别克", "俄罗斯", "鄂温克", "德昂", "保安", "裕固", "京", "塔塔尔",
        "独龙", "鄂伦春", "赫哲", "门巴", "珞巴", "基诺",
    )
)  # fmt: skip
# How a registered address ends: a house number, a room, a village group. One cut short by a lost
# line (...柳州市柳江区) or run into a mark (...甘洛森本) does not, and is worth another view.
ADDRESS_ENDINGS = frozenset("号室组村社队屯户楼栋幢弄院舍庄坊苑0123456789")
# Of those, a house or a room number's: most addresses end so.
HOUSE_ENDINGS = frozenset("号室")
# A last address row this short and this unsure, after rows that already end like an address, is
# a mark's scrap below it (样本 slanting under the address read as 11 or 件4), not a line of it.
_SCRAP_CHARS = 2
_SCRAP_SCORE = 0.75
# Slack around the portrait box (share of the card) for a photo that sits slightly off.
_PORTRAIT_MARGIN = 0.03
# A 民族 box whose label was garbled but whose 族 survived: up to two label characters, 族, the
# group and nothing after it (土家族苗族自治县 in an address goes on, so it never matches).
# 民 followed by one garbled character (民展汉) is the same box with 族 lost instead.
_GARBLED_RACE = re.compile(r"^(?:.{0,2}族|民.)([\u4e00-\u9fff]{1,4})$")
# The same with the 民族 box run into what stands before it (性别女样木民政汉, 恒大民县汉): 民, one
# garbled character, a group, and the end of the box.
_RACE_AT_END = re.compile(r"民.([\u4e00-\u9fff]{1,4})$")
_NOT_CJK_LEAD = re.compile(r"^[^\u4e00-\u9fff]+")
_LONE_LETTER = re.compile(r"[A-Za-z]")
BIRTHDAY = re.compile(r"(\d{4})年(\d{1,2})月(\d{1,2})日?")
# A digit read this unsure in a birthday may be a phantom in the spacing (see _without_unsure_digits).
_UNSURE_DIGIT = 0.7
_MAX_UNSURE_DIGITS = 4
_DATE_MARKS = frozenset("年月日")
# Four digits, then one character where 年 stands, then the month's digit.
_YEAR_THEN_OTHER = re.compile(r"(?<!\d)(\d{4})[^\d年月日](?=\d)")
# Boxes with these are no name: digits, punctuation, Latin letters (a SPECIMEN watermark; names of
# every group are written in Chinese characters, minority names with a middle dot).
_NOT_NAME = re.compile(r"[\d.,:;()\[\]/\\A-Za-z]")
# A lone unsure character boxed this much lower than the 姓名 label is a stroke of the label's
# end read on its own (人 at 0.55, half the label's height): a name prints larger than its label.
_SCRAP_HEIGHT = 0.6
# Characters of a half-read 住址 that may stand before the province an address starts with.
_LABEL_REMNANT_CHARS = 2
# A lone unsure character at the end of one box that the next box on the row covers this share of
# was read twice: the label's box reaching over the name's first character (姓名委 | 魏金昌).
_READ_TWICE = 0.4
_READ_TWICE_SURELY = 0.55


def parse_front(lines: list[TextLine], *, card_size: tuple[float, float] | None = None) -> dict[str, Any]:
    layout = CardLayout.of(_off_portrait(lines, card_size), lb.FRONT_LABELS)
    number = best_number(layout.values)
    number_text = number.text if number else None
    fields = {
        "side": "front",
        "name": _name(layout),
        "gender": _gender(layout, number_text),
        "race": _race(layout),
        "birthday": _birthday(layout, number_text),
        "address": _address(layout),
        "id_card_number": _starred_number(number) if number else None,
    }
    number_top = _number_row_top(layout) if None in fields.values() and number and number.valid else None
    if number is not None and number_top is not None:
        ordered = front_rows(layout.values, birth_year=number.text[6:10], number_top=number_top)
        if ordered is not None:
            found = _fields_of_rows(ordered, number.text)
            fields.update(
                {key: found[key] for key, value in fields.items() if value is None and key in found}
            )
    return fields


def _fields_of_rows(ordered: FrontRows, number: str) -> dict[str, Any]:
    """Fields read from rows located by their order (labels lost), each only if it reads as one."""
    gender_row = ordered.gender_and_group
    groups = [g for g in (_group_ending(box.text) for box in gender_row[1:] or gender_row) if g]
    birthday = _digit_birthday(ordered.birthday, number)
    return {
        "name": _name_text([v for v in ordered.name if not _NOT_NAME.search(v.text) and _sure(v)]),
        "gender": _one_of(gender_row[0], ("男", "女"), number_hint=idnumber.gender_of(number))
        if gender_row
        else None,
        "race": groups[-1] if groups else None,
        "birthday": birthday,
        "address": _from_province(place_text(ordered.address)),
    }


def _from_province(address: str | None) -> str | None:
    """The address from its province on, behind at most three characters of a lost 住址 label;
    None when it names no province there."""
    start = place_names.province_start(address or "")
    return address[start:] if address and start is not None else None


def _group_ending(text: str) -> str | None:
    """The group a box ends with, behind at most two characters of a garbled 民族 (世汉)."""
    text = text.removesuffix("族")
    for start in range(min(3, len(text))):
        if text[start:] in ETHNIC_GROUPS:
            return text[start:]
    return None


# A birthday row's digits with no gap between them: year, month and day, 1-2 digits each.
_YEAR_AND_DATE = (6, 8)


def _digit_birthday(row: list[TextLine], number: str) -> dict[str, str] | None:
    """Year, month and day as the digit groups of the row read them (年月日 printed in the
    labels' blue may be lost with the labels), if they make a real date. When the gaps between
    month and day were lost too (1935 27), the digits after the year are split into month and
    day: kept only when the (valid) number agrees with the split. A split is the engine's guess,
    not a reading: 23日 behind a month read as 美U is the day alone, and split into 2/3 it makes a
    birthday the card does not print."""
    groups = re.findall(r"\d+", " ".join(box.text for box in row))
    if len(groups) == 1 and _YEAR_AND_DATE[0] <= len(groups[0]) <= _YEAR_AND_DATE[1]:
        # Every gap lost (19901210: a washed-out screen re-shoot read the row as one number): the
        # year is its first four digits, the rest is split as below.
        groups = [groups[0][:4], groups[0][4:]]
    if len(groups) == 2 and len(groups[0]) in (5, 6):
        # 年 lost between the year and the month (194411月10日), or read as a digit (20011 12): kept
        # only as the date the (valid) number agrees with, as a split below.
        year, month, day = int(groups[0][:4]), int(groups[0][4:]), int(groups[1])
        date = _real_date(year, month, day)
        return _date_fields(year, month, day) if date and date == idnumber.birthday_of(number) else None
    if len(groups) == 3 and len(groups[0]) == 4:
        year, month, day = (int(g) for g in groups)
        return _date_fields(year, month, day) if _real_date(year, month, day) else None
    if len(groups) != 2 or len(groups[0]) != 4 or not 2 <= len(groups[1]) <= 4:
        return None
    year, rest = int(groups[0]), groups[1]
    splits = [(int(rest[:cut]), int(rest[cut:])) for cut in (1, 2) if cut < len(rest) <= cut + 2]
    dates = [date for date in (_real_date(year, month, day) for month, day in splits) if date]
    dates = [date for date in dates if date == idnumber.birthday_of(number)]
    return _date_fields(dates[0].year, dates[0].month, dates[0].day) if len(dates) == 1 else None


def _date_fields(year: int, month: int, day: int) -> dict[str, str]:
    return {"year": str(year), "month": str(month), "day": str(day)}


def _starred_number(number: NumberReading) -> str:
    if number.valid:
        return number.text
    pairs = zip(number.text, number.char_scores, strict=True)
    return "".join(c if s >= UNSURE_BELOW else "*" for c, s in pairs)


def _name(layout: CardLayout) -> str | None:
    anchor = layout.anchor(lb.NAME)
    if anchor is not None:
        values = [v for v in layout.right_of(anchor) if not _nearer_another_row(v, anchor, layout)]
        return _name_text(
            [v for v in values if not _NOT_NAME.search(v.text) and _sure(v) and not _scrap(v, anchor, values)]
        )
    gender_anchor = layout.anchor(lb.GENDER) or layout.anchor(lb.RACE)
    if gender_anchor is None:
        return None
    # No 姓名 label: the name is the nearest value row above the 性别/民族 row, in the value column
    # (where the birthday starts; else right of 性别).
    birthday = next((v for v in layout.values if BIRTHDAY.search(v.text)), None)
    column = birthday.left if birthday is not None else gender_anchor.right
    above = [
        v for v in layout.values if v.bottom <= gender_anchor.top and v.left >= column - gender_anchor.height
    ]
    if not above:
        return None
    nearest = max(above, key=lambda v: v.bottom)
    row = [v for v in above if v.vertical_overlap(nearest) >= SAME_ROW and not _NOT_NAME.search(v.text)]
    return _name_text(sorted(row, key=lambda v: v.left))


def _nearer_another_row(value: TextLine, anchor: TextLine, layout: CardLayout) -> bool:
    """Whether ``value`` lies nearer the row of the gender or birth label than ``anchor``'s: a
    box a mark made tall (性别男 over two rows' height) overlaps the name's row too, and its 男
    would join the name (熊语男)."""
    others = [layout.anchor(label) for label in (lb.GENDER, lb.RACE, lb.BIRTH)]
    distance = abs(value.center_y - anchor.center_y)
    return any(other is not None and abs(value.center_y - other.center_y) < distance for other in others)


def _sure(value: TextLine) -> bool:
    """Not a piece read wholly unsure: the gap between 姓名 and the name reads as a stray 儿 or 一."""
    return any(score >= UNSURE_BELOW for score in value.char_scores) or not value.char_scores


def _scrap(value: TextLine, label: TextLine, row: list[TextLine]) -> bool:
    """A lone character that is a name's character read twice, or an unsure stroke of the label."""
    if len(value.text) != 1:
        return False
    unsure = not value.char_scores or value.char_scores[0] < REPAIRABLE_BELOW
    # Read surely, it must lie further under the next box (姓名草 | 韩亮永永: 草 read from 韩).
    share = _READ_TWICE if unsure else _READ_TWICE_SURELY
    width = value.right - value.left
    covered = any(value.left < other.left < value.right - share * width for other in row)
    return covered or (unsure and value.height < _SCRAP_HEIGHT * label.height)


def _name_text(lines: list[TextLine]) -> str | None:
    return surnames.checked_name(_without_mark_end(_without_mark_edge(Reading.of(lines)))).starred() or None


def _without_mark_end(name: Reading) -> Reading:
    """The name without a last character read unsure with 样 or 本 itself second, when two
    characters at least are left: the mark's edge in the name's box (严磊星小, 小 at 0.67 with
    本 second, the box running on under the mark)."""
    if len(name.text) <= lb.SHORTEST_NAME or not name.runners_up:
        return name
    if name.runners_up[-1] not in MARK_CHARACTERS or name.scores[-1] >= REPAIRABLE_BELOW:
        return name
    return name.dropped(len(name.text) - 1)


def _without_mark_edge(name: Reading) -> Reading:
    """The name without a first character that is a mark's edge, before a name that starts with
    a surname where the whole starts with none: 样 or 本 itself, however sure (姓名本任子沐, the
    mark's 本 between label and name), or a character read unsure with a half of 样本 as the
    recogniser's own second choice (姓名大张刚: 大 at 0.66, runner-up 木)."""
    if len(name.text) < 2 or surnames.starts_with_surname(name.text):
        return name
    blended = bool(name.runners_up) and name.runners_up[0] in MARK_LOOKALIKES
    edge = name.text[0] in MARK_CHARACTERS or (blended and name.scores[0] < REPAIRABLE_BELOW)
    if not edge or not surnames.starts_with_surname(name.text[1:]):
        return name
    return name.dropped(0)


def _gender(layout: CardLayout, number: str | None) -> str | None:
    """The value right of 性别, else a lone 男/女 box (a label lost, or a band read again), else
    the end of a garbled gender box."""
    anchor = layout.anchor(lb.GENDER)
    beside = layout.right_of(anchor, stop_before=layout.anchor(lb.RACE)) if anchor is not None else []
    lone = [v for v in layout.values if len(v.text) == 1 and {v.text, *v.runners_up} & {"男", "女"}]
    garbled = [lb.sub_line(v, len(v.text) - 1, len(v.text)) for v in _garbled_gender_boxes(layout)]
    hint = idnumber.gender_of(number) if number else None
    for value in (*beside, *lone, *garbled):
        read = _one_of(value, ("男", "女"), number_hint=hint)
        if read:
            return read
    return None


def _one_of(value: TextLine, choices: tuple[str, ...], *, number_hint: str | None) -> str | None:
    """The first character of ``value`` if it is one of ``choices``; when the recogniser's first
    and second choice are both allowed, the number decides (an OCR tie, not an invention)."""
    for index, char in enumerate(value.text):
        runner = value.runners_up[index] if index < len(value.runners_up) else ""
        score = value.char_scores[index] if index < len(value.char_scores) else value.score
        # The second choice counts only where the first was unsure: a sure 另 is no 男.
        readings = [c for c in (char, runner if score < REPAIRABLE_BELOW else "") if c in choices]
        if not readings:
            continue
        if number_hint in readings and score < UNSURE_BELOW:
            return number_hint
        return readings[0]
    return None


def _race(layout: CardLayout) -> str | None:
    anchor = layout.anchor(lb.RACE)
    if anchor is not None:
        value = Reading.of(layout.right_of(anchor))
        # A mark's letter left of the group (P裕固 under SPECIMEN): no group's name starts with one.
        # The runner-ups first: 土象 (象 unsure, runner-up 家) is 土家, not 土 and a scrap.
        matched = (
            _ethnic_group_of(value)
            or _ethnic_group(value.text)
            or _ethnic_group(_NOT_CJK_LEAD.sub("", value.text))
            or _ethnic_group(_without_mark_lead(value))
        )
        if matched:
            return matched
        return joined_text(layout.right_of(anchor)) or None
    gender_anchor = layout.anchor(lb.GENDER)
    if gender_anchor is not None:
        for box in layout.right_of(gender_anchor):
            # What a mark left of the lost 民族 label (RA.维吾尔) is Latin or punctuation: no
            # group's name starts with either.
            matched = _ethnic_group(_NOT_CJK_LEAD.sub("", box.text.lstrip("男女")))
            if matched:
                return matched
    for box in layout.values:
        match = _GARBLED_RACE.match(box.text) or _RACE_AT_END.search(box.text)
        if match and match[1] in ETHNIC_GROUPS:
            return match[1]
    return None


def _garbled_gender_boxes(layout: CardLayout) -> list[TextLine]:
    """Short boxes ending in a sure 男/女 on the row of a garbled 民族 box ("作新男" beside
    "娱族汉"): the 性别 label lost to blur, its value read well. Only on that row, since names
    end in 男 too (胜男)."""
    race_rows = [v for v in layout.values if _GARBLED_RACE.match(v.text)]
    return [
        v
        for v in layout.values
        if 1 <= len(v.text) <= 3
        and v.text[-1] in "男女"
        and (not v.char_scores or v.char_scores[-1] >= UNSURE_BELOW)
        and any(v.vertical_overlap(row) >= SAME_ROW and v.right <= row.left for row in race_rows)
    ]


def _ethnic_group_of(value: Reading) -> str | None:
    """The group an unsure reading spells with the recogniser's own runner-ups, if exactly one."""
    if value.text.endswith("族"):
        value = value.dropped(len(value.text) - 1)
    return vocabulary_reading(value, ETHNIC_GROUPS, unsure_below=REPAIRABLE_BELOW)


def _without_mark_lead(value: Reading) -> str:
    """The text without the unsure characters a mark's 样本 is read as at its start (祥回 | 回:
    the mark's 样 read as 祥 at 0.11 before the group, which was boxed again on its own), nor 样
    or 本 themselves, however sure: no group's name starts with either (本汉 | 汉)."""
    start = 0
    while start < len(value.text) and (
        value.text[start] in MARK_CHARACTERS
        or (value.text[start] in MARK_LOOKALIKES and value.scores[start] < UNSURE_BELOW)
    ):
        start += 1
    return value.text[start:]


def _ethnic_group(text: str) -> str | None:
    """The group ``text`` names, also when a watermark or portrait text on the same row was read
    after it (汉样本): the longest group name the text starts with, if the rest is not a name."""
    text = text.removesuffix("族")
    if text in ETHNIC_GROUPS:
        return text
    prefixes = [group for group in ETHNIC_GROUPS if text.startswith(group)]
    if not prefixes:
        return None
    group = max(prefixes, key=len)
    # 土 is a prefix of 土家, 塔吉克 of nothing else: only cut off what is no group's continuation.
    rest = text[len(group) :].removeprefix("族")
    if any(other.startswith(group + rest[:1]) for other in ETHNIC_GROUPS):
        return None
    return group


def _birthday(layout: CardLayout, number: str | None) -> dict[str, str] | None:
    anchor = layout.anchor(lb.BIRTH)
    rows = layout.right_of(anchor) if anchor is not None else []
    readings = [Reading.of(rows)] if rows else []
    readings += [Reading.of([v]) for v in layout.values]
    from_number = idnumber.birthday_of(number) if number and idnumber.is_valid(number) else None
    for reading in readings:
        dates = [m for m in (BIRTHDAY.search(text) for text in _without_unsure_digits(reading)) if m]
        real = [m for m in dates if _real_date(*(int(g) for g in m.groups()))]
        agreeing = [m for m in real if _real_date(*(int(g) for g in m.groups())) == from_number]
        for best in agreeing or real or dates:
            return _birthday_fields(best, number)
    return None


def _without_unsure_digits(reading: Reading) -> list[str]:
    """The text as read, then without unsure digits (fewest dropped first), then with one unsure
    digit as its runner-up: the recogniser reads a "1" into the wide gaps of "2002 年 8 月 8 日"
    with low confidence, and 8 becomes 18."""
    unsure = [
        i for i, (c, s) in enumerate(zip(reading.text, reading.scores, strict=True))
        if c.isdigit() and s < _UNSURE_DIGIT
    ][:_MAX_UNSURE_DIGITS]  # fmt: skip
    texts = []
    for dropped in range(len(unsure) + 1):
        for combination in itertools.combinations(unsure, dropped):
            texts.append("".join(c for i, c in enumerate(reading.text) if i not in combination))
    for index in unsure:
        # Or an unsure digit read as the recogniser's own second choice (3 -> 8 on a blurred card).
        runner = reading.runners_up[index]
        if runner.isdigit() and reading.scores[index] < REPAIRABLE_BELOW:
            texts.append(reading.text[:index] + runner + reading.text[index + 1 :])
    # Or every unsure character whose second choice is 年, 月 or 日 read as that (2011≤12月29: the
    # blue 年 of a washed-out capture, first read as ≤).
    marks = "".join(
        runner if score < REPAIRABLE_BELOW and runner in _DATE_MARKS else char
        for char, score, runner in zip(reading.text, reading.scores, reading.runners_up, strict=True)
    )
    if marks != reading.text:
        texts.append(marks)
    # Or an unsure digit between 年 and 日 read in place of the month's 月, lost from the row
    # (1979年1212日, the second 1 at 0.66: 12月2日; the small blue 月 of a compressed capture),
    # also where 日 is a runner-up (1974年6813司, 8 at 0.18, 司 with 日 second).
    # In a fixed order (a set's would follow the hash seed, and the first real date wins).
    for text in dict.fromkeys((reading.text, marks)):
        year_end, day_mark = text.find("年"), text.rfind("日")
        if "月" not in text and year_end >= 0:
            texts += [
                text[:index] + "月" + text[index + 1 :] for index in unsure if year_end < index < day_mark
            ]
    # Or an unsure character right after the year where no 年 was read, read in its place
    # (1935/1月19日, / at 0.65 with 八 second: a mark over the blue 年).
    if "年" not in reading.text:
        texts += [
            reading.text[: match.end(1)] + "年" + reading.text[match.end() :]
            for match in _YEAR_THEN_OTHER.finditer(reading.text)
            if reading.scores[match.end(1)] < REPAIRABLE_BELOW
        ]
    # A dot read into the gap before a number (5月.19日): no birthday holds one.
    return [text.replace(".", "") for text in texts]


def _birthday_fields(match: re.Match[str], number: str | None) -> dict[str, str]:
    """The date as read, without leading zeros. Never rewritten from the number: a birthday that
    disagrees with it is what validation downstream must see."""
    year, month, day = (int(g) for g in match.groups())
    return _date_fields(year, month, day)


def _real_date(year: int, month: int, day: int) -> dt.date | None:
    try:
        return dt.date(year, month, day)
    except ValueError:
        return None


def _off_portrait(lines: list[TextLine], card_size: tuple[float, float] | None) -> list[TextLine]:
    """Drop boxes centred in the portrait column above the number row: nothing printed there is a
    value (the photo, stamps, specimen watermarks)."""
    if card_size is None:
        return lines
    width, height = card_size
    left = (PHOTO_BOX[0] - _PORTRAIT_MARGIN) * width
    bottom = (PHOTO_BOX[3] + _PORTRAIT_MARGIN) * height
    # By the box's left edge, not its centre: a value starts in the value column and may run on
    # under the portrait's edge (a long number line on a card printed a little high).
    return [line for line in lines if not (line.left >= left and line.center_y <= bottom)]


def _address(layout: CardLayout) -> str | None:
    anchor = layout.anchor(lb.ADDRESS)
    if anchor is None:
        return _address_without_label(layout)
    number_anchor = layout.anchor(lb.NUMBER)
    floor = number_anchor.top if number_anchor is not None else _number_row_top(layout)
    column_left = anchor.left + anchor.height * 0.5
    parts = [
        v
        for v in layout.values
        if v.left >= column_left
        and v.center_y >= anchor.top
        and (floor is None or v.bottom <= floor + anchor.height * 0.3)
        and best_number([v]) is None
    ]
    return _address_text(parts)


def _address_text(parts: list[TextLine]) -> str | None:
    # A box of one Latin letter read unsure is a speck or a mark's stroke (X at 0.51 between two
    # rows of a photocopy): an address's letters (A座) stand in boxes with its other print.
    parts = [part for part in parts if not _unsure_letter(part)]
    address_rows = _without_scrap_row(rows(parts))
    return _without_label_remnant(place_text([line for row in address_rows for line in row]))


def _unsure_letter(part: TextLine) -> bool:
    return (
        bool(_LONE_LETTER.fullmatch(part.text)) and min(part.char_scores or (part.score,)) < REPAIRABLE_BELOW
    )


def _without_scrap_row(address_rows: list[list[TextLine]]) -> list[list[TextLine]]:
    """The address's rows without a last one that is a mark's scrap (see _SCRAP_CHARS). A lone 号
    or 室 after a number is the number's end on a row of its own, however unsure (1506 | 室)."""
    if len(address_rows) < 2:
        return address_rows
    last = Reading.of(address_rows[-1])
    before = Reading.of([line for row in address_rows[:-1] for line in row]).text
    if last.text in HOUSE_ENDINGS and before[-1:].isdigit():
        return address_rows
    if len(last.text) <= _SCRAP_CHARS and last.mean_score < _SCRAP_SCORE and before[-1:] in ADDRESS_ENDINGS:
        return address_rows[:-1]
    return address_rows


def _without_label_remnant(address: str | None) -> str | None:
    """Without what is left of a half-read 住址 label (生址..., 址..., *新疆..., 1贵州...): no address
    has 址 among its first two characters, and none starts with an unreadable one, a digit or a
    letter before its province."""
    if address and "址" in address[:2]:
        return address[address.index("址") + 1 :] or None
    # An unsure stroke of the label read before the province (*新疆...): starred, and no part of it;
    # or a stroke read as a digit or a letter (1贵州省...): a card's address starts with its province.
    if address:
        stripped = _NOT_CJK_LEAD.sub("", address.lstrip("*"))
        if stripped != address and stripped.startswith(place_names.province_names()):
            return stripped
        # 址 read as another character (住是广东省...: 住 left of the column, 是 right of it).
        start = place_names.province_start(address)
        if start is not None and 0 < start <= _LABEL_REMNANT_CHARS:
            return address[start:]
    return address


def _address_without_label(layout: CardLayout) -> str | None:
    """The 住址 label was not read: the address is what lies in the value column between the
    birthday row and the number row (label remnants left of the column are cut off). With the
    birthday row lost too (a mark over it), from the first row above the number's that starts
    with a province, as every address does."""
    floor = _number_row_top(layout)
    if floor is None:
        return None
    birth = next((v for v in layout.values if BIRTHDAY.search(v.text)), None)
    first = birth or first_address_row(layout)
    if first is None:
        return None
    ceiling = first.bottom if first is birth else first.top - first.height * 0.3
    # One character of slack: a merged "label+value" box is cut proportionally, ignoring the gap.
    column_left = _value_column(layout, default=first.left) - first.height
    parts = []
    for value in layout.values:
        if value.top < ceiling or value.bottom > floor + first.height * 0.3:
            continue
        clipped = lb.clipped_left(value, column_left)
        if clipped is not None and best_number([clipped]) is None:
            parts.append(clipped)
    return _address_text(parts)


def first_address_row(layout: CardLayout) -> TextLine | None:
    """The topmost value above the number row that starts with a province (behind at most three
    characters of a garbled label): where an address whose 住址 was not read starts."""
    floor = _number_row_top(layout)
    above = sorted((v for v in layout.values if floor is None or v.bottom <= floor), key=lambda v: v.top)
    return next((v for v in above if place_names.province_start(v.text) is not None), None)


def _value_column(layout: CardLayout, *, default: float) -> float:
    """Left edge of the value column: where values start right of the labels that were read."""
    starts = []
    for label in (lb.NAME, lb.GENDER, lb.BIRTH):
        anchor = layout.anchor(label)
        values = layout.right_of(anchor) if anchor is not None else []
        if values:
            starts.append(values[0].left)
    return min(starts, default=default)


def _number_row_top(layout: CardLayout) -> float | None:
    numbered = [v for v in layout.values if best_number([v]) is not None]
    return min(v.top for v in numbered) if numbered else None
