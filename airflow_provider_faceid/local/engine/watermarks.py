"""Specimen marks (样本, SPECIMEN) taken out of the recognised lines before they are parsed.

Specimen cards, the ones published to show what a card looks like, carry a 样本 or SPECIMEN mark,
often across a value, and the detector then reads it into the value's box (林军样本, TMEN傈僳, an
address ending in ...2401室SPECIMEN). Neither word is part of any field: no name is written in
Latin letters, no group or place is called 样本. So each mark is cut out of its line, and what
stands on either side stays, with its share of the box.
"""

from __future__ import annotations

import math
import re
import statistics
from collections.abc import Iterable

from airflow_provider_faceid.local.engine.labels import sub_line
from airflow_provider_faceid.local.engine.layout import SAME_ROW
from airflow_provider_faceid.local.engine.reading import REPAIRABLE_BELOW, SURE_FROM, UNSURE_BELOW, reads_as
from airflow_provider_faceid.local.engine.textline import TextLine

_MARK = "样本"
_LATIN_MARK = "SPECIMEN"
# A Latin run is a piece of SPECIMEN when it shares this many letters in a row with it (SPECMEN,
# TMEN, SPEB): shorter runs are as likely a building's letter (A座) or an abbreviation (CBD).
_SHARED_RUN = 3
_LATIN_RUN = re.compile(r"[A-Za-z]+")
_PIECES = frozenset(_LATIN_MARK[i : i + _SHARED_RUN] for i in range(len(_LATIN_MARK) - _SHARED_RUN + 1))
# A mark's edge read onto the end of an address (...1巷111号PE, ...1708室样羊本, ...41号件本: 件
# for 样, 牛 for its 羊): an address ends at its 号 or 室, so what follows there and is made only
# of the mark's letters, or of the characters the recogniser takes 样本 for, is the mark's. So is
# one character before the mark's last letters (368号二N: its E read as 二), ending the row.
_ADDRESS_TAIL = re.compile(r"(?<=[号室])(?:[样本羊木术件]+|[\u4e00-\u9fff]?[SPECIMNspecimn]{1,4})$")
_HALF_MARK_TAIL = re.compile(r"(?<=[号室])[样羊件].$")
_LAST_AFTER_END = re.compile(r"(?<=[号室]).$")
# A line that is nothing but a scrap of a mark (PE, 羊本, 羊木, 样), or the whole mark with a stroke
# across it read between its characters (样棒本): no field is two Latin letters, a lone 样 or 本,
# or 样?本, and the parser would otherwise join the scrap to the value it stands beside.
_MARK_SCRAP = re.compile(r"[样本][样本羊木]?|[羊木祥释件][本]|[羊祥释]木|样.本")
# What the recogniser reads 样 of a mark as (祥本, 释本SPECIMEN): no field prints either before 本
# with the mark's letters after it, or as all a line holds. 様 (the Japanese form) is only ever a
# runner-up: the decode cannot answer it.
_YANG_LOOKALIKES = frozenset("祥释様")
# The S of SPECIMEN read as an ideograph between the mark's two words (样本必PECIMEN).
_MARK_S_MISREAD = re.compile(r"(?<=本)[^\x00-\x7f](?=PEC)")
# A line of two characters ending in 本 this many times as tall as the card's lines is the mark
# itself (its glyphs print far larger than any field), whatever its first character was read as.
_MARK_HEIGHT = 1.8
# What the recogniser reads 本 of a mark as when a stroke of the print it crosses joins it (苯),
# or its commonest look-alike (体, the runner-up of nearly every 本 read).
_BEN_LOOKALIKES = frozenset("苯体")
# What the recogniser reads 样 as when it reads only one side of it.
_MARK_HALVES = frozenset("样羊木")
# What it reads 样 as that no name or address prints (件本: 牛 for 羊), unlike 祥 (吉祥).
_UNPRINTED_YANG = frozenset("件")
# What either character of 样本 is read as, 洋 included (样 with the print's stroke across it).
_YANG_CHOICES = frozenset({_MARK[0], "羊", "洋"}) | _YANG_LOOKALIKES | _UNPRINTED_YANG
_BEN_CHOICES = frozenset({_MARK[1], "木"}) | _BEN_LOOKALIKES
# Every character 样本 is read as: none of them ends a name with the mark right after it (see
# row_rescue).
MARK_LOOKALIKES = _YANG_CHOICES | _BEN_CHOICES
# The mark's own characters, read as themselves.
MARK_CHARACTERS = frozenset(_MARK)
_SHORTEST_LATIN_SCRAP = 2
_LETTER_IN_DIGITS = re.compile(r"(?<=\d)[SPECIMNspecimn](?=\d)")
# One letter of SPECIMEN starting a line before an ideograph that no building's letter stands
# before (S山村: the mark's S over the line's start; A座, B栋, C区 stay).
_LETTER_AT_START = re.compile(r"^[SPECIMN](?=[\u4e00-\u9fff])(?![座栋幢楼区单号室门梯层户])")
# What is left beside a mark that cut a line: separators read between the mark and the value.
_SEPARATORS = " .·-_,:;"


def without_specimen_marks(lines: Iterable[TextLine]) -> list[TextLine]:
    """``lines`` with every specimen mark cut out; lines that were nothing but marks are gone."""
    lines = list(lines)
    tall = _MARK_HEIGHT * statistics.median(line.height for line in lines) if lines else 0.0
    marked = [_mark_spans(line, tall=tall) for line in lines]
    specimen = any(marked)
    whole = [line for line, spans in zip(lines, marked, strict=True) if spans == [(0, len(line.text))]]
    marked = [
        [*spans, (len(line.text) - 1, len(line.text))] if _half_before_mark(line, spans, whole) else spans
        for line, spans in zip(lines, marked, strict=True)
    ]
    kept: list[TextLine] = []
    for line, spans in zip(lines, marked, strict=True):
        # A box as tall as the mark's glyphs holds one even when no other was read (样巷377号,
        # the mark's 样 joined to the row's start).
        if specimen or line.height >= tall:
            spans = _with_edge_scraps(line.text, spans)
        if not spans:
            kept.append(line)
            continue
        start = 0
        for begin, end in (*spans, (len(line.text), len(line.text))):
            # What is left between the mark's pieces may be a scrap of it too (本 SPECIMEN: 样 not
            # read; 羊本样本): no field is one.
            left = line.text[start:begin].strip(_SEPARATORS)
            if left and not _is_mark_scrap(left):
                piece = sub_line(line, start, begin)
                if start or not _read_twice(piece, lines):
                    kept.append(piece)
            start = max(start, end)
    return kept


def mark_boxes(lines: list[TextLine]) -> list[TextLine]:
    """The lines a specimen mark was read into (whole or in part)."""
    kept = {id(line) for line in without_specimen_marks(lines)}
    return [line for line in lines if id(line) not in kept]


def mark_traces(lines: list[TextLine]) -> int:
    """How many characters outside the mark's own boxes were read unsure as a mark's character or
    with a look-alike of one second: where a mark crosses print, the recogniser reads a blend of
    the two (杨 read as 梯 at 0.63 with 様 second, under the mark's 样)."""
    return sum(
        score < REPAIRABLE_BELOW and (char in MARK_CHARACTERS or runner in MARK_LOOKALIKES)
        for line in without_specimen_marks(lines)
        for char, score, runner in zip(line.text, line.char_scores, line.runners_up, strict=False)
    )


def without_mark_tail(text: str) -> str:
    """``text`` without a mark's edge read after the 号 or 室 an address ends with (...60号本)."""
    tail = _ADDRESS_TAIL.search(text)
    return text[: tail.start()] if tail else text


def _read_twice(piece: TextLine, lines: list[TextLine]) -> bool:
    """Whether ``piece`` (what a mark's box holds before the mark) lies under another box on its
    row: the mark's box reaching back over a value's last character reads it twice (镇 read again
    as 真 before 样本). Only a piece covered to the nearest character: boxes of one row often
    overlap by part of a character (a label's box over the value's first) without reading it
    twice. A character's width is taken along the box's top edge: a slanting mark's box is wider
    than its print by the slant."""
    (left_x, left_y), (right_x, right_y) = piece.box[:2]
    width = math.hypot(right_x - left_x, right_y - left_y) / len(piece.text)
    covering = [
        other.right
        for other in lines
        if other.vertical_overlap(piece) >= SAME_ROW and other.left < piece.left < other.right
    ]
    return bool(covering) and width > 0 and round((max(covering) - piece.left) / width) >= len(piece.text)


def _with_edge_scraps(text: str, spans: list[tuple[int, int]]) -> list[tuple[int, int]]:
    """On a card that carries a mark, a 样 that starts or ends a line or a 本 that ends one is the edge of
    a mark crossing it (样县新民乡..., 唐若芳本, with its 样 read as a half: 黄波羊本), as is a
    letter of SPECIMEN between digits or before a line's first ideograph: the mark repeats over
    such cards, and a value with those is rarer than a mark's edge over it."""
    edges = []
    if len(text) > 1 and text[0] == "样" and not _covered(spans, 0):
        # Read twice over (样样单元...) as the mark's glyph and its stroke-crossed copy.
        leading = len(text) - len(text.lstrip("样"))
        edges.append((0, min(leading, len(text) - 1)))
    # A 样 that ends a line is the mark's start, its 本 outside the box (...兴隆乡样). Not so a
    # leading 本: 本溪 is a city.
    if len(text) > 1 and text[-1] == "样" and not _covered(spans, len(text) - 1):
        edges.append((len(text) - 1, len(text)))
    if len(text) > 1 and text[-1] == "本" and not _covered(spans, len(text) - 1):
        # With the 样 before it read as one of its halves (黄波羊本) or as 件: the whole mark.
        yang = text[-2:-1] in _MARK_HALVES | _UNPRINTED_YANG
        whole = len(text) > 2 and yang and not _covered(spans, len(text) - 2)
        edges.append((len(text) - 2 if whole else len(text) - 1, len(text)))
    # One letter of SPECIMEN between two digits (2巷10M3号): a house number has no such letter;
    # nor does a place name start with one (S山村).
    letters = [*_LETTER_IN_DIGITS.finditer(text), *_LETTER_AT_START.finditer(text)]
    edges += [(m.start(), m.end()) for m in letters if not _covered(spans, m.start())]
    return sorted([*spans, *edges])


def _mark_spans(line: TextLine, *, tall: float) -> list[tuple[int, int]]:
    text = line.text
    bare = text.strip(_SEPARATORS)
    if _is_mark_scrap(bare) or (len(bare) == len(_MARK) and bare[-1] == _MARK[-1] and line.height >= tall):
        return [(0, len(text))]
    spans = [
        (_with_misread_s(line, _after_check_character(text, match.start())), match.end())
        for match in _LATIN_RUN.finditer(text)
        if any(piece in match.group().upper() for piece in _PIECES) or _is_latin_scrap(match.group())
    ]
    # 样 read as a look-alike right before the mark's Latin word (释本SPECIMEN).
    spans += [
        (begin - len(_MARK), begin)
        for begin, _ in list(spans)
        if begin >= len(_MARK) and text[begin - 2] in _YANG_LOOKALIKES and text[begin - 1] == _MARK[-1]
    ]
    # 样 right before the mark's Latin word with its 本 not read (姓名样SPECIMEN: the mark's 本 and
    # the name under it lost): no field prints 样 before SPECIMEN.
    spans += [
        (begin - 1, begin)
        for begin, _ in list(spans)
        if begin >= 1 and text[begin - 1] == _MARK[0] and not _covered(spans, begin - 1)
    ]
    spans += [(i, i + len(_MARK)) for i in range(len(text) - 1) if _spells_mark(line, i)]
    spans += [(match.start(), match.end()) for match in _MARK_S_MISREAD.finditer(text)]
    tail = _ADDRESS_TAIL.search(text) or _unsure_address_tail(line)
    if tail and not _covered(spans, tail.start()):
        spans.append((tail.start(), tail.end()))
    return sorted(spans)


def _half_before_mark(line: TextLine, spans: list[tuple[int, int]], marks: list[TextLine]) -> bool:
    """Whether ``line`` ends in a half of 样 read unsure right before a mark boxed on its own
    (毛若静木 | 样本, 木 at 0.72): the mark's box starts within a line height of where the line's
    stops, and the detector put the mark's first strokes in the line's box."""
    last = len(line.text) - 1
    if last < 1 or line.text[last] not in _MARK_HALVES or _covered(spans, last):
        return False
    if last >= len(line.char_scores) or line.char_scores[last] >= REPAIRABLE_BELOW:
        return False
    return any(
        mark.vertical_overlap(line) > 0 and abs(mark.left - line.right) < line.height
        for mark in marks
        if mark is not line
    )


def _unsure_address_tail(line: TextLine) -> re.Match[str] | None:
    """样 (or its half) after an address's 号 or 室 with one more character read unsure: the mark's
    本 read as whatever the print's strokes across it make of it (56号羊八, 八 at 0.49). Or one
    character alone there that reads as 本 where it was unsure (2408室4, 4 at 0.65, runner-up 本):
    the recogniser's own second choice names the mark's edge, and nothing of the address follows
    its 室."""
    tail = _HALF_MARK_TAIL.search(line.text)
    if tail is not None and line.char_scores[tail.end() - 1] < UNSURE_BELOW:
        return tail
    last = _LAST_AFTER_END.search(line.text)
    return last if last is not None and reads_as(line, last.start(), _MARK[-1]) else None


def _with_misread_s(line: TextLine, start: int) -> int:
    """Where a mark's Latin run starting with PEC starts once its S, read unsure as a digit
    with S the runner-up, is counted in (1949年5月9PECIMEN: S read as 9 at 0.63 over
    the day, which a date would otherwise take)."""
    if start == 0 or not line.text[start:].upper().startswith(_LATIN_MARK[1:4]):
        return start
    # Only a digit: a value's last character with the S over it (303号PECIMEN, 号 at 0.54 with
    # runner-up S) is print the mark covers, and the address needs its 号.
    if not line.text[start - 1].isdigit():
        return start
    return start - 1 if reads_as(line, start - 1, _LATIN_MARK[0]) else start


def _after_check_character(text: str, start: int) -> int:
    """Where a mark's Latin run starts once an X right after a digit is left out: SPECIMEN has
    no X, and there it is a number's check character (...26999XCIME)."""
    return start + 1 if start > 0 and text[start - 1].isdigit() and text[start] in "Xx" else start


def _covered(spans: list[tuple[int, int]], index: int) -> bool:
    return any(begin <= index < end for begin, end in spans)


def _is_mark_scrap(text: str) -> bool:
    return bool(_MARK_SCRAP.fullmatch(text)) or _is_latin_scrap(text)


def _is_latin_scrap(text: str) -> bool:
    """Two letters or more in a row of SPECIMEN (SP in 3SP53号): no address writes those."""
    latin = text.isascii() and text.isalpha()
    return latin and len(text) >= _SHORTEST_LATIN_SCRAP and text.upper() in _LATIN_MARK


def _spells_mark(line: TextLine, index: int) -> bool:
    """样本 at ``index``: both characters as read, or one of them as the recogniser's runner-up
    where it was unsure (柱本 with 样 second, from a mark washed out by a screen), or 样 and a
    look-alike of 本 (样苯: a stroke of the print it crosses read into it; no card prints 样苯),
    or 样 and the half of 本 the recogniser reads alone (万海亮样木: no card prints 样木 either)."""
    if line.text[index] == _MARK[0] and line.text[index + 1] in _BEN_CHOICES:
        return True
    read = [line.text[index + k] == char for k, char in enumerate(_MARK)]
    if any(read):
        return all(reads_as(line, index + k, char) for k, char in enumerate(_MARK))
    return _reads_as_lookalikes(line, index)


def _reads_as_lookalikes(line: TextLine, index: int) -> bool:
    """Neither character of 样本 read as itself, but each one's look-alike as first or second
    choice, both read short of sure and one unsure (江州洋水区: 洋 at 0.69, runner-up 祥; 水 at
    0.79, runner-up 木): the mark crossing the print, as no name reads."""
    pair = range(index, index + len(_MARK))
    if not all(i < len(line.char_scores) and line.char_scores[i] < SURE_FROM for i in pair):
        return False
    if min(line.char_scores[i] for i in pair) >= REPAIRABLE_BELOW:
        return False
    choices = [{line.text[i], line.runners_up[i] if i < len(line.runners_up) else ""} for i in pair]
    return bool(choices[0] & _YANG_CHOICES) and bool(choices[1] & _BEN_CHOICES)
