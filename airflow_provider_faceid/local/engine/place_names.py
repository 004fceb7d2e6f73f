"""Confirm and repair place names in addresses and issuing authorities with the GB/T 2260 table.

Every province, prefecture and county name of every edition (``data/gbt2260.csv``) is a word the
recogniser may meet on a card. A window of the reading that equals such a name confirms its
characters (a rare 珙 read at 0.43 is right when "珙县" is a county); a window that becomes such a
name when one character is replaced by the recogniser's own runner-up (西阳... -> 酉阳...) is
repaired. Nothing is filled in that the recogniser did not read as first or second choice.
"""

from __future__ import annotations

import csv
import functools
import io
from importlib import resources

from airflow_provider_faceid.local.engine.reading import REPAIRABLE_BELOW, Reading

# Two-character names (珙县, 易县) are too easy to hit by a one-character change; they only
# confirm, they never repair.
_MIN_REPAIR_LENGTH = 3
_LEVEL_SUFFIXES = frozenset("省市区县旗")


@functools.cache
def place_names() -> frozenset[str]:
    """Every name of the table, plus its short form without the level suffix (宝坻区 -> 宝坻), which
    is how authorities name districts ("天津市公安局宝坻分局")."""
    names = {name for _, name in _table()}
    short = {name[:-1] for name in names if name[-1:] in _LEVEL_SUFFIXES}
    return frozenset(name for name in names | short if len(name) >= 2)


@functools.cache
def _lengths() -> tuple[int, ...]:
    return tuple(sorted({len(name) for name in place_names()}, reverse=True))


def checked(reading: Reading) -> Reading:
    """``reading`` with place names confirmed or repaired, longest names first."""
    names = place_names()
    for length in _lengths():
        for start in range(len(reading.text) - length + 1):
            word = _name_at(reading, start, length, names)
            if word is not None:
                reading = reading.replaced(start, word)
    return reading


def _name_at(reading: Reading, start: int, length: int, names: frozenset[str]) -> str | None:
    window = reading.text[start : start + length]
    if window in names:
        return window
    if length < _MIN_REPAIR_LENGTH:
        return None
    for offset in range(length):
        runner = reading.runners_up[start + offset]
        if runner and reading.scores[start + offset] < REPAIRABLE_BELOW:
            candidate = window[:offset] + runner + window[offset + 1 :]
            if candidate in names:
                return candidate
    return None


@functools.cache
def province_names() -> tuple[str, ...]:
    """Every province-level name of the table (北京市, 内蒙古自治区, ...): an address on a card
    always starts with one."""
    # A tuple, for str.startswith.
    return tuple(sorted({name for code, name in _table() if code.endswith("0000")}))


@functools.cache
def _table() -> tuple[tuple[str, str], ...]:
    """(code, name) of every row of every edition of the table, read once."""
    text = resources.files("airflow_provider_faceid").joinpath("data/gbt2260.csv").read_text("utf-8")
    return tuple((row["code"], row["name"]) for row in csv.DictReader(io.StringIO(text)))
