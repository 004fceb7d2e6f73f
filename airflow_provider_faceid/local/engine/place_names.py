"""Confirm and repair place names in addresses and issuing authorities with the GB/T 2260 table.

Every province, prefecture and county name of every edition (``data/gbt2260.csv``) is a word the
recogniser may meet on a card. A window of the reading that equals such a name confirms its
characters (a rare 珙 read at 0.43 is right when "珙县" is a county); a window that becomes such a
name when one character is replaced by the recogniser's own runner-up (西阳... -> 酉阳...) is
repaired. Beyond that, two rules use the table's hierarchy: right after a prefecture or province
(or its 公安局), a name one character away from exactly one of that parent's own subdivisions, its
level suffix read as printed, is that subdivision (宿州市埔桥区 -> 宿州市埇桥区); and a reading
that starts one unreadable character short of exactly one province's name starts with that
province (广西*族自治区: every address starts with one). Long names are spelled one way: one of
six characters or more that lost an inner character, or of eight or more read as printed but
where unsure, is that name when no other fits. Nothing else is filled in that the recogniser did
not read as first or second choice, and no digit ever is.
"""

from __future__ import annotations

import csv
import functools
import io
from collections.abc import Sequence
from importlib import resources

from airflow_provider_faceid.local.engine.reading import (
    CONFIRMED,
    REPAIRABLE_BELOW,
    SURE_FROM,
    UNSURE_BELOW,
    Reading,
)

# A name this long is spelled one way: one that lost an inner character is still that name.
_LONG_NAME = 6
# And one this long, with half its characters read as printed, is that name where the rest
# were read unsure.
_LONG_UNSURE_NAME = 8
# Two-character names (珙县, 易县) are too easy to hit by a one-character change; they only
# confirm, they never repair.
_MIN_REPAIR_LENGTH = 3
_LEVEL_SUFFIXES = frozenset("省市区县旗")
# The suffixes of the places a 公安局 of their own serves under their whole name (贡觉县公安局).
_COUNTY_LEVEL = frozenset("市区县旗")
# A province's name less its first character names it alone from this many characters on.
_SHORTEST_PROVINCE_TAIL = 3
# What follows a city in its authority's name (宿州市公安局埇桥分局), and ends a district's short form.
_AUTHORITY = "公安局"
_DISTRICT_AUTHORITY = "分局"
# A branch named by one character (东分局) is a branch that lost one: none is named so short.
_ONE_CHARACTER_BRANCH = 3
# The endings of issuing authorities printed on the back: a public-security bureau or branch, and
# the few other issuers (forestry, railway, port public security) that exist. The longer ones are
# words of the lexicon too (公委局, 委 at 0.6 with runner-up 安, is 公安局).
AUTHORITY_SUFFIXES = ("公安局", "分局", "公安处", "公安厅", "派出所")
# A parent's name with this many characters misread, each read unsure, is still that parent.
_UNSURE_MISREADS = 2
# Names are read at most this long (as checked() does).
_LONGEST_NAME = 12
# Grouping rows of the table, not places: 市辖区 (a municipality's districts), 县 (its counties).
_NOT_A_PARENT = frozenset({"市辖区", "省直辖县级行政区划", "自治区直辖县级行政区划"})


@functools.cache
def place_names() -> frozenset[str]:
    """Every name of the table, plus its short form without the level suffix (宝坻区 -> 宝坻), which
    is how authorities name districts ("天津市公安局宝坻分局")."""
    names = {name for _, name in _table()}
    short = {name[:-1] for name in names if name[-1:] in _LEVEL_SUFFIXES}
    return frozenset(name for name in names | short if len(name) >= 2)


def with_level_suffix(short: str) -> str | None:
    """The one name of the table that is ``short`` and a county's or city's level suffix (贡觉 ->
    贡觉县), when ``short`` is no name of its own; else None."""
    whole = _whole_names_by_short().get(short, ())
    return whole[0] if len(whole) == 1 else None


@functools.cache
def _whole_names_by_short() -> dict[str, tuple[str, ...]]:
    names = {name for _, name in _table()}
    found: dict[str, set[str]] = {}
    for name in names:
        if name[-1:] in _COUNTY_LEVEL and len(name) > 2 and name[:-1] not in names:
            found.setdefault(name[:-1], set()).add(name)
    return {short: tuple(sorted(whole)) for short, whole in found.items()}


@functools.cache
def _lexicon() -> frozenset[str]:
    """The words a window of a reading is confirmed or repaired to: place names, authority endings."""
    return place_names() | frozenset(AUTHORITY_SUFFIXES)


@functools.cache
def _lengths() -> tuple[int, ...]:
    return tuple(sorted({len(name) for name in place_names()}, reverse=True))


def checked(reading: Reading) -> Reading:
    """``reading`` with place names confirmed or repaired, longest names first, then a province
    it starts with one unreadable character short of, then the names that follow a prefecture or
    province repaired among its own subdivisions."""
    names = _lexicon()
    for length in _lengths():
        for start in range(len(reading.text) - length + 1):
            word = _name_at(reading, start, length, names)
            if word is not None and not _unreadable_in_short(reading, start, length):
                reading = reading.replaced(start, word)
    reading = _long_name_completed(_long_names_through_unsure(reading))
    return _subdivisions_checked(_parent_checked(_province_checked(_province_completed(reading))))


def _long_name_completed(reading: Reading) -> Reading:
    """``reading`` with the one inner character put back that a stretch lost of a name of six
    characters or more, when exactly one name is that stretch less one (琼中黎族苗族治县: 自 lost;
    no other name reads so). Never inside a name read whole: 黔南布依族苗族自治州 is also
    黔西南布依族苗族自治州 less 西, and 乐东黎族自治县 holds 东方黎族自治县 less 方."""
    text = reading.text
    shorter = _long_names_less_one()
    whole: list[tuple[int, int]] | None = None
    for length in _shortened_lengths():
        for start in range(len(text) - length + 1):
            names = shorter.get(text[start : start + length], frozenset())
            if len(names) != 1:
                continue
            whole = _names_read_whole(text) if whole is None else whole
            if any(begin <= start and start + length <= end for begin, end in whole):
                continue
            (name,) = names
            lost = next(at for at in range(length) if text[start + at] != name[at])
            return reading.inserted(start + lost, name[lost])
    return reading


@functools.cache
def _shortened_lengths() -> tuple[int, ...]:
    return tuple(sorted({len(stretch) for stretch in _long_names_less_one()}, reverse=True))


def _long_names_through_unsure(reading: Reading) -> Reading:
    """``reading`` with each stretch that spells a name of eight characters or more but where it
    was read unsure (< 0.75, or < 0.9 with the name's character second) taken as that name, when
    it starts with the name's first two characters as read, reads half of them or more as
    printed, and no other name fits (双江括协族优族布期族俗绩自治县 -> 双江拉祜族佤族布朗族傣族自治县 on a
    strongly compressed back: six characters unsure, nine as printed)."""
    text = reading.text
    for start in range(len(text) - _LONG_UNSURE_NAME + 1):
        for length in _long_name_lengths():
            window = text[start : start + length]
            if len(window) < length or window in place_names():
                continue
            fits = [
                name
                for name in _long_names_by_start().get((length, window[:2]), ())
                if _read_but_where_unsure(reading, start, name)
            ]
            if len(fits) == 1:
                return _long_names_through_unsure(reading.replaced(start, fits[0]))
    return reading


def _read_but_where_unsure(reading: Reading, start: int, name: str) -> bool:
    same = 0
    for at, want in enumerate(name, start):
        if reading.text[at] == want:
            same += 1
        elif not (
            reading.scores[at] < REPAIRABLE_BELOW
            or (reading.scores[at] < SURE_FROM and reading.runners_up[at] == want)
        ):
            return False
    return 2 * same >= len(name)


@functools.cache
def _long_names_by_start() -> dict[tuple[int, str], tuple[str, ...]]:
    found: dict[tuple[int, str], list[str]] = {}
    for name in place_names():
        if len(name) >= _LONG_UNSURE_NAME:
            found.setdefault((len(name), name[:2]), []).append(name)
    return {key: tuple(sorted(names)) for key, names in found.items()}


@functools.cache
def _long_name_lengths() -> tuple[int, ...]:
    return tuple(sorted({length for length, _ in _long_names_by_start()}, reverse=True))


def _names_read_whole(text: str) -> list[tuple[int, int]]:
    """Where ``text`` holds a place name of three characters or more as it is."""
    return [
        (start, start + length)
        for length in _lengths()
        if length >= _MIN_REPAIR_LENGTH
        for start in range(len(text) - length + 1)
        if text[start : start + length] in place_names()
    ]


@functools.cache
def _long_names_less_one() -> dict[str, frozenset[str]]:
    """Each name of six characters or more less one of its inner characters, and the names it is so."""
    found: dict[str, set[str]] = {}
    for name in place_names():
        if len(name) >= _LONG_NAME:
            for at in range(1, len(name) - 1):
                found.setdefault(name[:at] + name[at + 1 :], set()).add(name)
    return {stretch: frozenset(names) for stretch, names in found.items()}


def _unreadable_in_short(reading: Reading, start: int, length: int) -> bool:
    """Whether a name too short to repair holds a character the recogniser could not read and
    does not stand right after a parent that has it (宜宾市珙县, 珙 at 0.43, is confirmed): alone, a
    two-character name vouches for little (滨县 from 泗洪县 under a mark, 滨 at 0.44; hundreds of
    them end in 县), and the character stays unreadable."""
    if length >= _MIN_REPAIR_LENGTH or min(reading.scores[start : start + length]) >= UNSURE_BELOW:
        return False
    word = reading.text[start : start + length]
    if word in AUTHORITY_SUFFIXES:
        # 分局 after a city's 公安局 and a district is the card's structure, not a name.
        return False
    return not any(
        end == start and any(word in _subdivisions(code) for code in codes)
        for end, codes in _parents_ending_in(reading.text)
    )


def _province_checked(reading: Reading) -> Reading:
    """``reading`` starting with the one province whose name it spells but for one character the
    recogniser could not read (under 0.5, shown as ``*``: 广西*族自治区), its level suffix read as
    printed. An address starts with its province, and the table names few: 广*省 is 广东省, while
    *西省 (山西, 江西, 陕西) stays as read."""
    if reading.text.startswith(province_names()):
        return reading
    fits = [
        name
        for name in province_names()
        if len(reading.text) > len(name)
        and reading.text[len(name) - 1] == name[-1]
        and _one_unreadable(reading, name)
    ]
    return reading.replaced(0, fits[0]) if len(fits) == 1 else reading


def _province_completed(reading: Reading) -> Reading:
    """``reading`` starting with the one province whose name less its first character it starts
    with, when that tail is three characters or more (西壮族自治区, 龙江省): the first was lost
    (under a mark's 样本 and cut out with it, or left in the label's box), and no other name of
    the table starts so. Shorter tails (东省, 林省) name several provinces or none surely."""
    if reading.text.startswith(province_names()):
        return reading
    fits = [
        name
        for name in province_names()
        if len(name) > _SHORTEST_PROVINCE_TAIL and reading.text.startswith(name[1:])
    ]
    if len(fits) != 1:
        return reading
    return reading.inserted(0, fits[0][0])


def _parent_checked(reading: Reading) -> Reading:
    """``reading`` with the prefecture (or province) it opens with, after its province if it
    names one (behind a half-read label), put right from the subdivision that follows it: a
    stretch one character away from exactly one parent name (one character lost or misread) that
    stands right before one of that parent's own subdivisions, three characters or more and read
    as printed, or before its 公安局 and such a branch, is that parent (春市公安局袁州分局: 宜
    lost, and only 宜春市 has 袁州区; 福建省漳川市南靖县). Two characters away too, when both were
    read unsure (< 0.75): 海南省一业市海棠区, 一 and 业 at 0.63, names no place, and of Hainan's
    cities only 三亚市 has 海棠区. A stretch naming a place stays as read."""
    text = reading.text
    at = province_start(text)
    begin = 0 if at is None else max(at + len(name) for name in province_names() if text.startswith(name, at))
    fits = {
        (end, parent)
        for end in range(begin + 2, min(len(text), begin + _longest_parent()) + 1)
        if text[begin:end] not in place_names()
        for parent in _parents_followed(text, end)
        if _one_edit(text[begin:end], parent) or _two_unsure_misreads(reading, begin, end, parent)
    }
    if len(fits) != 1:
        return reading
    ((end, name),) = fits
    return Reading(
        text[:begin] + name + text[end:],
        (*reading.scores[:begin], *(CONFIRMED,) * len(name), *reading.scores[end:]),
        (*reading.runners_up[:begin], *("",) * len(name), *reading.runners_up[end:]),
    )


def _one_edit(stretch: str, name: str) -> bool:
    """Whether ``stretch`` spells ``name`` but for one character misread or lost."""
    if len(stretch) == len(name):
        return sum(a != b for a, b in zip(stretch, name, strict=True)) == 1
    lost_one = len(stretch) == len(name) - 1
    return lost_one and any(name[:i] + name[i + 1 :] == stretch for i in range(len(name)))


def _two_unsure_misreads(reading: Reading, begin: int, end: int, name: str) -> bool:
    """Whether the stretch ``begin:end`` spells ``name`` but for two characters, both read unsure."""
    if end - begin != len(name):
        return False
    misread = [reading.scores[at] for at in range(begin, end) if reading.text[at] != name[at - begin]]
    return len(misread) == _UNSURE_MISREADS and max(misread) < REPAIRABLE_BELOW


def _parents_followed(text: str, end: int) -> set[str]:
    """The parents of every subdivision (three characters or more) that ``text`` holds from
    ``end`` on, or from after a 公安局 there."""
    rest = end + len(_AUTHORITY) if text.startswith(_AUTHORITY, end) else end
    children = _parents_by_subdivision()
    return {
        parent
        for length in range(_MIN_REPAIR_LENGTH, min(len(text) - rest, _LONGEST_NAME) + 1)
        for parent in children.get(text[rest : rest + length], ())
    }


@functools.cache
def _parents_by_subdivision() -> dict[str, frozenset[str]]:
    """Each subdivision name of three characters or more and the parent names that hold it."""
    parents: dict[str, set[str]] = {}
    for parent, codes in _parent_codes().items():
        for code in codes:
            for name in _subdivisions(code):
                if len(name) >= _MIN_REPAIR_LENGTH:
                    parents.setdefault(name, set()).add(parent)
    return {name: frozenset(held) for name, held in parents.items()}


@functools.cache
def _longest_parent() -> int:
    return max(map(len, _parent_codes()))


def _one_unreadable(reading: Reading, name: str) -> bool:
    """Whether ``reading`` starts with ``name`` but for one character scored unreadable."""
    differing = [i for i, want in enumerate(name) if reading.text[i] != want]
    return len(differing) == 1 and reading.scores[differing[0]] < UNSURE_BELOW


def _subdivisions_checked(reading: Reading) -> Reading:
    """A name right after a prefecture or province (安徽省宿州市埔桥区), or after its 公安局
    (宿州市公安局埔桥分局), that is one character away from exactly one of that parent's own
    subdivisions is that subdivision: GB/T 2260 knows no 埔桥区 under 宿州市, and a misread
    there is far likelier than an address the table lacks. The level suffix must be read as
    printed (区, 县, or 分局 after a short name), so a street (宿州市萧路) never turns into a county
    (萧县). This repairs even a sure misread: a stamp's ring can make the recogniser sure of it.
    A name one parent has as read is never repaired by another: an edition lists 平顶山市新城区
    under 河南省 itself, and 平顶山市's own 新华区 would otherwise go back and forth for ever."""
    seen: set[str] = set()
    while reading.text not in seen:
        seen.add(reading.text)
        repaired = _one_subdivision_repaired(reading)
        if repaired is None:
            break
        reading = repaired
    return reading


def _one_subdivision_repaired(reading: Reading) -> Reading | None:
    text = reading.text
    parents = [
        # Every edition's: 重庆市 was Sichuan's 510200 before it held 垫江县.
        (starts, frozenset().union(*map(_subdivisions, codes)))
        for end, codes in _parents_ending_in(text)
        for starts in [(end, end + len(_AUTHORITY)) if text.startswith(_AUTHORITY, end) else (end,)]
    ]
    for starts, subdivisions in parents:
        for start in starts:
            word = _one_away(reading, start, subdivisions)
            if word is not None and not _confirmed_within(text, parents, start, start + len(word)):
                return reading.replaced(start, word)
    for starts, subdivisions in parents:
        for start in starts:
            extra = _one_unsure_extra(reading, start, subdivisions)
            if extra is not None and not _confirmed_within(text, parents, start, extra[1]):
                return reading.dropped(extra[0])
    for starts, subdivisions in parents:
        lost = _branch_short_of_one(text, starts[-1], subdivisions)
        if lost is not None:
            return reading.inserted(*lost)
    return None


def _branch_short_of_one(text: str, start: int, candidates: frozenset[str]) -> tuple[int, str] | None:
    """Where and what to put back when the text at ``start``, right after a city's 公安局, is a
    branch of one character (四平市公安局东分局): no branch is named so short, a character was
    lost (under a mark), and when exactly one of the city's branches holds the one read, it is
    that branch (铁东分局; 四平市 has no other district with 东)."""
    window = text[start : start + _ONE_CHARACTER_BRANCH]
    after_bureau = start >= len(_AUTHORITY) and text.startswith(_AUTHORITY, start - len(_AUTHORITY))
    if not after_bureau or not window.endswith(_DISTRICT_AUTHORITY):
        return None
    if len(window) != _ONE_CHARACTER_BRANCH:
        return None
    read = window[0]
    fits = [
        name
        for name in candidates
        if len(name) == _ONE_CHARACTER_BRANCH + 1 and name.endswith(_DISTRICT_AUTHORITY) and read in name[:2]
    ]
    if len(fits) != 1:
        return None
    name = fits[0]
    return (start, name[0]) if name[1] == read else (start + 1, name[1])


def _one_unsure_extra(reading: Reading, start: int, candidates: frozenset[str]) -> tuple[int, int] | None:
    """Where the text at ``start`` spells exactly one candidate but for one more character inside
    it, read unsure (< 0.75), and its level suffix as printed (红寺二堡区 after 吴忠市, 二 at 0.69
    where the row wrapped: 红寺堡区): that character's index and the stretch's end; None when
    none or several do. A sure character stays."""
    text = reading.text
    found = {
        (start + at, start + len(name) + 1)
        for name in candidates
        if text[start + len(name) : start + len(name) + 1] == name[-1]
        for at in range(1, len(name))
        if reading.scores[start + at] < REPAIRABLE_BELOW
        and text[start : start + at] + text[start + at + 1 : start + len(name) + 1] == name
    }
    return found.pop() if len(found) == 1 else None


def _confirmed_within(
    text: str, parents: Sequence[tuple[tuple[int, ...], frozenset[str]]], begin: int, end: int
) -> bool:
    """Whether a parent has a subdivision as read that overlaps ``text[begin:end]``. Asked only
    once a repair was found: most readings need none."""
    return any(
        start < end and begin < start + len(name)
        for starts, subdivisions in parents
        for start in starts
        for name in subdivisions
        if text.startswith(name, start)
    )


def has_districts(name: str) -> bool:
    """Whether ``name`` is a city (a prefecture's, or a municipality: 北京市) whose subdivisions
    include districts (区): its bureau's cards may come from a branch (通化市公安局二道江分局) as
    well as from itself."""
    codes = _parent_codes().get(name, ()) if name.endswith("市") else ()
    return any(sub.endswith("区") for code in codes for sub in _subdivisions(code))


def _parents_ending_in(text: str) -> list[tuple[int, tuple[str, ...]]]:
    """(end, codes in every edition) of every prefecture or province name read in ``text``."""
    found = []
    for name, codes in _parent_codes().items():
        start = text.find(name)
        while start >= 0:
            found.append((start + len(name), codes))
            start = text.find(name, start + 1)
    return found


def _one_away(reading: Reading, start: int, candidates: frozenset[str]) -> str | None:
    """The one candidate that the text at ``start`` spells with one character other than its
    last, whose last (the level suffix) is read as printed; None when none or several do, unless
    the recogniser's runner-up for the differing character spells exactly one of them (颖泉分局,
    runner-up 颍 for 颖, after 阜阳市公安局: 颍泉分局, not 临泉分局)."""
    text = reading.text
    matches = []
    for name in candidates:
        window = text[start : start + len(name)]
        # A window naming a place elsewhere is no answer either: no address names another
        # prefecture's county right after its own (阳泉市孟县: 孟县 was Henan's, 盂县 is 阳泉市's).
        if len(window) < len(name) or window in candidates or window[-1] != name[-1]:
            continue
        # The whole form with its 分 lost (观山湖区局) is no misread of the short form (观山湖分局):
        # its level suffix was read, and authority_ending puts the 分 back.
        if name.endswith(_DISTRICT_AUTHORITY) and window[:-1] + _DISTRICT_AUTHORITY in candidates:
            continue
        if _misread_count(reading, start, name) == 1:
            matches.append(name)
    spelled = [name for name in matches if _runner_up_spells(reading, start, name)]
    if len(matches) > 1 and len(spelled) == 1:
        return spelled[0]
    # Editions renamed a few places by one character (墉桥区, now 埇桥区): the newest name wins.
    newest = sorted(matches, key=lambda name: _last_edition().get(name, ""), reverse=True)
    if len(newest) > 1 and _last_edition().get(newest[0], "") == _last_edition().get(newest[1], ""):
        return None
    return newest[0] if newest else None


def _misread_count(reading: Reading, start: int, name: str) -> int:
    """How many characters of ``name`` the text at ``start`` has other than as first choice or,
    where read unsure (< 0.75), as runner-up: 达板域分局 (域 at 0.71, 城 second) is one from 达坂城分局."""
    window = reading.text[start : start + len(name)]
    return sum(
        read != want and not (reading.runners_up[at] == want and reading.scores[at] < REPAIRABLE_BELOW)
        for at, (read, want) in enumerate(zip(window, name, strict=True), start)
    )


def _runner_up_spells(reading: Reading, start: int, name: str) -> bool:
    """Whether the runner-up of the one character of ``reading`` at ``start`` that differs from
    ``name`` is ``name``'s."""
    return any(
        read != want and reading.runners_up[start + offset] == want
        for offset, (read, want) in enumerate(zip(reading.text[start : start + len(name)], name, strict=True))
    )


@functools.cache
def _parent_codes() -> dict[str, tuple[str, ...]]:
    """Prefecture and province names (3 characters and more) and their codes in every edition."""
    parents: dict[str, list[str]] = {}
    for code, name in _table():
        if code.endswith("00") and len(name) >= _MIN_REPAIR_LENGTH and name not in _NOT_A_PARENT:
            parents.setdefault(name, []).append(code)
    return {name: tuple(codes) for name, codes in parents.items()}


@functools.cache
def _subdivisions(code: str) -> frozenset[str]:
    """Names of every subdivision under ``code`` (a province's prefectures and counties, a
    prefecture's counties) and the forms authorities name them by before 分局: short (埇桥分局)
    and whole (北戴河区分局, which is no misread of 北戴河新区's 北戴河新分局)."""
    prefix = code[:2] if code.endswith("0000") else code[:4]
    names = {name for child, name in _table() if child.startswith(prefix) and child != code}
    names -= _NOT_A_PARENT | {"县"}
    levelled = [name for name in names if name[-1:] in _LEVEL_SUFFIXES]
    short = {name[:-1] + _DISTRICT_AUTHORITY for name in levelled}
    whole = {name + _DISTRICT_AUTHORITY for name in levelled}
    return frozenset(name for name in names | short | whole if len(name) >= 2)


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


def province_start(text: str) -> int | None:
    """Where ``text`` names a province, behind at most three characters of a half-read label."""
    for start in range(min(4, len(text))):
        if text[start:].startswith(province_names()):
            return start
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
    return tuple((row["code"], row["name"]) for row in _rows())


@functools.cache
def _last_edition() -> dict[str, str]:
    """The newest edition (YYYYMM) that lists each name, under any code."""
    last: dict[str, str] = {}
    for row in _rows():
        last[row["name"]] = max(last.get(row["name"], ""), row["last"])
    short = {name[:-1] + _DISTRICT_AUTHORITY: edition for name, edition in last.items()}
    return {**short, **last}


@functools.cache
def _rows() -> tuple[dict[str, str], ...]:
    text = resources.files("airflow_provider_faceid").joinpath("data/gbt2260.csv").read_text("utf-8")
    return tuple(csv.DictReader(io.StringIO(text)))
