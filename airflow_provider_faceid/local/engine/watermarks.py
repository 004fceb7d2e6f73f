"""Specimen marks (样本, SPECIMEN) taken out of the recognised lines before they are parsed.

Specimen cards, the ones published to show what a card looks like, carry a 样本 or SPECIMEN mark,
often across a value, and the detector then reads it into the value's box (林军样本, TMEN傈僳, an
address ending in ...2401室SPECIMEN). Neither word is part of any field: no name is written in
Latin letters, no group or place is called 样本. So each mark is cut out of its line, and what
stands on either side stays, with its share of the box.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from airflow_provider_faceid.local.engine.labels import sub_line
from airflow_provider_faceid.local.engine.reading import REPAIRABLE_BELOW
from airflow_provider_faceid.local.engine.textline import TextLine

_MARK = "样本"
_LATIN_MARK = "SPECIMEN"
# A Latin run is a piece of SPECIMEN when it shares this many letters in a row with it (SPECMEN,
# TMEN, SPEB): shorter runs are as likely a building's letter (A座) or an abbreviation (CBD).
_SHARED_RUN = 3
_LATIN_RUN = re.compile(r"[A-Za-z]+")
_PIECES = frozenset(_LATIN_MARK[i : i + _SHARED_RUN] for i in range(len(_LATIN_MARK) - _SHARED_RUN + 1))
# A mark's edge read onto the end of an address (...1巷111号PE, ...1708室样羊本): an address ends
# at its 号 or 室, so what follows there and is made only of the mark's letters, or of the
# characters the recogniser takes 样本 for, is the mark's.
_ADDRESS_TAIL = re.compile(r"(?<=[号室])(?:[样本羊木术]+|[SPECIMNspecimn]{1,4})$")
# A line that is nothing but a scrap of a mark (PE, 羊本, 样), or the whole mark with a stroke
# across it read between its characters (样棒本): no field is two Latin letters, a lone 样 or 本,
# or 样?本, and the parser would otherwise join the scrap to the value it stands beside.
_MARK_SCRAP = re.compile(r"[样本][样本羊木]?|[羊木][本]|样.本")
# What the recogniser reads 本 of a mark as when a stroke of the print it crosses joins it.
_BEN_LOOKALIKES = frozenset("苯")
# What the recogniser reads 样 as when it reads only one side of it.
_MARK_HALVES = frozenset("样羊木")
_SHORTEST_LATIN_SCRAP = 2
_LETTER_IN_DIGITS = re.compile(r"(?<=\d)[SPECIMNspecimn](?=\d)")
# What is left beside a mark that cut a line: separators read between the mark and the value.
_SEPARATORS = " .·-_,:;"


def without_specimen_marks(lines: Iterable[TextLine]) -> list[TextLine]:
    """``lines`` with every specimen mark cut out; lines that were nothing but marks are gone."""
    lines = list(lines)
    marked = [_mark_spans(line) for line in lines]
    specimen = any(marked)
    kept: list[TextLine] = []
    for line, spans in zip(lines, marked, strict=True):
        if specimen:
            spans = _with_edge_scraps(line.text, spans)
        if not spans:
            kept.append(line)
            continue
        start = 0
        for begin, end in (*spans, (len(line.text), len(line.text))):
            if line.text[start:begin].strip(_SEPARATORS):
                kept.append(sub_line(line, start, begin))
            start = end
    return kept


def _with_edge_scraps(text: str, spans: list[tuple[int, int]]) -> list[tuple[int, int]]:
    """On a card that carries a mark, a 样 that starts or ends a line or a 本 that ends one is the edge of
    a mark crossing it (样县新民乡..., 唐若芳本, with its 样 read as a half: 黄波羊本), as is a
    letter of SPECIMEN between digits: the mark repeats over such cards, and a value with those
    is rarer than a mark's edge over it."""
    edges = []
    if len(text) > 1 and text[0] == "样" and not _covered(spans, 0):
        edges.append((0, 1))
    # A 样 that ends a line is the mark's start, its 本 outside the box (...兴隆乡样). Not so a
    # leading 本: 本溪 is a city.
    if len(text) > 1 and text[-1] == "样" and not _covered(spans, len(text) - 1):
        edges.append((len(text) - 1, len(text)))
    if len(text) > 1 and text[-1] == "本" and not _covered(spans, len(text) - 1):
        # With the 样 before it read as one of its halves (黄波羊本): the whole mark.
        whole = len(text) > 2 and text[-2] in _MARK_HALVES and not _covered(spans, len(text) - 2)
        edges.append((len(text) - 2 if whole else len(text) - 1, len(text)))
    # One letter of SPECIMEN between two digits (2巷10M3号): a house number has no such letter.
    edges += [
        (m.start(), m.end()) for m in _LETTER_IN_DIGITS.finditer(text) if not _covered(spans, m.start())
    ]
    return sorted([*spans, *edges])


def _mark_spans(line: TextLine) -> list[tuple[int, int]]:
    if _is_mark_scrap(line.text.strip(_SEPARATORS)):
        return [(0, len(line.text))]
    spans = [
        (match.start(), match.end())
        for match in _LATIN_RUN.finditer(line.text)
        if any(piece in match.group().upper() for piece in _PIECES) or _is_latin_scrap(match.group())
    ]
    spans += [(i, i + len(_MARK)) for i in range(len(line.text) - 1) if _spells_mark(line, i)]
    tail = _ADDRESS_TAIL.search(line.text)
    if tail and not _covered(spans, tail.start()):
        spans.append((tail.start(), tail.end()))
    return sorted(spans)


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
    look-alike of 本 (样苯: a stroke of the print it crosses read into it; no card prints 样苯)."""
    if line.text[index] == _MARK[0] and line.text[index + 1] in _BEN_LOOKALIKES:
        return True
    read = [line.text[index + k] == char for k, char in enumerate(_MARK)]
    return any(read) and all(_reads_as(line, index + k, char) for k, char in enumerate(_MARK))


def _reads_as(line: TextLine, index: int, char: str) -> bool:
    if line.text[index] == char:
        return True
    unsure = index < len(line.char_scores) and line.char_scores[index] < REPAIRABLE_BELOW
    return unsure and index < len(line.runners_up) and line.runners_up[index] == char
