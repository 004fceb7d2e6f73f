"""GB/T 2260 administrative division codes, in every edition from 1980-12 to 2021-12.

The first six digits of an ID number are the code of the place that issued it, in the edition in
force then. Divisions are renamed, merged and re-coded all the time, and the old number stays on
the holder's card for life, so a code is "known" when any edition lists it. The table ships as
``data/gbt2260.csv`` (built by ``tools/build_gbt2260.py``; source and licence in
``data/NOTICE-gbt2260.txt``) and is read once, on first use.
"""

from __future__ import annotations

import csv
import functools
import io
from collections.abc import Mapping
from dataclasses import dataclass
from importlib import resources

# Placeholder names of aggregate codes: they group counties but are not part of a place's name.
_GROUPING_NAMES = frozenset({"市辖区", "县", "省直辖县级行政区划", "自治区直辖县级行政区划"})


@dataclass(frozen=True)
class Region:
    """One division as named in the latest edition that lists its code.

    ``province``/``city``/``county`` are the names of the levels of its code, resolved in that
    same edition; ``city`` is ``None`` for provinces and for counties directly under a province or
    a municipality, ``county`` is ``None`` above county level. ``current`` is true when the code is
    still in the latest edition of the table (a province or prefecture counts while any county
    under it does). ``first_year``/``last_year`` are the years of the first and last edition
    listing the code at all (under any name).
    """

    code: str
    name: str
    province: str
    city: str | None
    county: str | None
    current: bool
    first_year: int
    last_year: int


@dataclass(frozen=True)
class _Row:
    name: str
    first: str  # edition stamp YYYYMM
    last: str


@dataclass(frozen=True)
class _Table:
    rows: Mapping[str, tuple[_Row, ...]]  # code -> rows ordered by edition
    latest: str  # stamp of the latest edition


def _is_province(code: str) -> bool:
    return code.endswith("0000")


def _is_prefecture(code: str) -> bool:
    return code.endswith("00") and not _is_province(code)


@functools.cache
def _table() -> _Table:
    text = resources.files("airflow_provider_faceid").joinpath("data/gbt2260.csv").read_text("utf-8")
    rows: dict[str, list[_Row]] = {}
    for record in csv.DictReader(io.StringIO(text)):
        rows.setdefault(record["code"], []).append(_Row(record["name"], record["first"], record["last"]))
    frozen = {code: tuple(sorted(rs, key=lambda r: (r.last, r.first))) for code, rs in rows.items()}
    latest = max(r.last for rs in frozen.values() for r in rs)
    return _Table(rows=frozen, latest=latest)


@functools.cache
def _current_codes() -> frozenset[str]:
    table = _table()
    listed = {code for code, rs in table.rows.items() if rs[-1].last == table.latest}
    # The Ministry's editions leave out aggregate codes, so a province or prefecture is current
    # while anything under it is.
    parents = {code[:2] + "0000" for code in listed} | {code[:4] + "00" for code in listed}
    return frozenset(listed | (parents & table.rows.keys()))


def _name_at(code: str, stamp: str) -> str | None:
    """The name ``code`` had in the edition ``stamp`` (or the nearest edition before it)."""
    rows = _table().rows.get(code)
    if not rows:
        return None
    for row in reversed(rows):
        if row.first <= stamp <= row.last:
            return row.name
    earlier = [row for row in rows if row.last <= stamp]
    return (earlier[-1] if earlier else rows[0]).name


def _valid_code(code: object) -> bool:
    return isinstance(code, str) and len(code) == 6 and code.isascii() and code.isdigit()


def is_known(code: str) -> bool:
    """True when any edition since 1980 lists ``code`` (a six-digit string)."""
    return _valid_code(code) and code in _table().rows


@functools.cache
def lookup(code: str) -> Region | None:
    """The division with this code, named as in the latest edition that lists it, or ``None``."""
    if not is_known(code):
        return None
    rows = _table().rows[code]
    row = rows[-1]
    stamp = row.last
    province = _name_at(code[:2] + "0000", stamp) or ""
    city: str | None = None
    county: str | None = None
    if _is_prefecture(code):
        city = row.name
    elif not _is_province(code):
        city = _name_at(code[:4] + "00", stamp)
        if city in _GROUPING_NAMES:
            city = None
        county = row.name
    return Region(
        code=code,
        name=row.name,
        province=province,
        city=city,
        county=county,
        current=code in _current_codes(),
        first_year=int(min(r.first for r in rows)[:4]),
        last_year=int(stamp[:4]),
    )


def full_name(code: str) -> str | None:
    """The name as printed in addresses, e.g. ``北京市朝阳区`` for 110105, or ``None`` if unknown."""
    region = lookup(code)
    if region is None:
        return None
    return "".join(part for part in (region.province, region.city, region.county) if part)


@functools.cache
def current_county_codes() -> tuple[str, ...]:
    """Sorted county-level codes of the latest edition (no provinces, prefectures or ``市辖区``)."""
    table = _table()
    return tuple(
        sorted(
            code
            for code in _current_codes()
            if not code.endswith("00") and table.rows[code][-1].name not in _GROUPING_NAMES
        )
    )


def latest_edition() -> str:
    """Stamp (``YYYYMM``) of the latest edition in the table."""
    return _table().latest
