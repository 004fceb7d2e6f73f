"""Synthetic card holders whose fields are consistent the way a real card's are.

The number is built from a real GB/T 2260 county code (taken from :mod:`airflow_provider_faceid.regions`),
the birthday, a sequence whose parity gives the gender, and the GB 11643 check character. The back's
validity period follows the rules of the Resident Identity Card Law by age at issue (under 16: 5 years,
16-25: 10, 26-45: 20, 46 and over: 长期), with issue dates between the second-generation card's
introduction (2004) and the end of 2025.
"""

from __future__ import annotations

import datetime as dt
import random
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from airflow_provider_faceid import idnumber, regions
from airflow_provider_faceid.local.specimens import data as vocab

BIRTHDAY_RANGE = (dt.date(1930, 1, 1), dt.date(2008, 12, 31))
ISSUE_RANGE = (dt.date(2004, 1, 1), dt.date(2025, 12, 31))
LONG_TERM = "长期"
# Address lines on the card hold about 11 CJK characters; digits and Latin letters take half.
ADDRESS_LINE_UNITS = 11.0
ADDRESS_MAX_LINES = 3


@dataclass(frozen=True)
class Person:
    """One card holder. Names, addresses and numbers stay out of repr() (privacy rule of the project)."""

    name: str = field(repr=False)
    gender: str
    race: str
    birthday: dt.date = field(repr=False)
    region_code: str
    address: str = field(repr=False)
    id_card_number: str = field(repr=False)
    issued_by: str
    issue_date: dt.date
    valid_until: dt.date | None  # None for 长期

    def __repr__(self) -> str:
        return (
            f"Person(id_card_number={idnumber.mask(self.id_card_number)!r}, gender={self.gender!r}, "
            f"race={self.race!r}, region_code={self.region_code!r}, valid_date={self.valid_date!r})"
        )

    @property
    def valid_date(self) -> str:
        """``YYYY.MM.DD-YYYY.MM.DD`` or ``YYYY.MM.DD-长期`` as printed on the back."""
        end = LONG_TERM if self.valid_until is None else self.valid_until.strftime("%Y.%m.%d")
        return f"{self.issue_date.strftime('%Y.%m.%d')}-{end}"

    def front_fields(self) -> dict[str, Any]:
        """The fields FaceID answers for the front, exactly as it should read them."""
        return {
            "name": self.name,
            "gender": self.gender,
            "race": self.race,
            "birthday": {
                "year": str(self.birthday.year),
                "month": str(self.birthday.month),
                "day": str(self.birthday.day),
            },
            "address": self.address,
            "id_card_number": self.id_card_number,
        }

    def back_fields(self) -> dict[str, Any]:
        """The fields FaceID answers for the back."""
        return {"issued_by": self.issued_by, "valid_date": self.valid_date}


def age_on(birthday: dt.date, day: dt.date) -> int:
    """Completed years of age on ``day``."""
    return day.year - birthday.year - ((day.month, day.day) < (birthday.month, birthday.day))


def validity_years(age_at_issue: int) -> int | None:
    """Years a card issued at this age is valid for; ``None`` means 长期."""
    if age_at_issue < 16:
        return 5
    if age_at_issue <= 25:
        return 10
    if age_at_issue <= 45:
        return 20
    return None


def add_years(day: dt.date, years: int) -> dt.date:
    """Same month and day ``years`` later; 29 February ends on 28 February in common years."""
    try:
        return day.replace(year=day.year + years)
    except ValueError:
        return day.replace(year=day.year + years, day=28)


def text_units(text: str) -> float:
    """Width in CJK character cells: ASCII takes half a cell, as on the card."""
    return sum(0.5 if ch.isascii() else 1.0 for ch in text)


def address_lines(address: str) -> list[str]:
    """The address broken into the card's lines of about 11 characters."""
    lines: list[str] = []
    current = ""
    for ch in address:
        if current and text_units(current + ch) > ADDRESS_LINE_UNITS:
            lines.append(current)
            current = ""
        current += ch
    if current:
        lines.append(current)
    return lines


def issuing_authority(region: regions.Region, rng: random.Random) -> str:
    """签发机关: a district's branch of its city's bureau, or a county's (county-level city's) bureau."""
    county = region.county or region.name
    parent = region.city or (region.province if region.province.endswith("市") else None)
    if county.endswith("区") and parent is not None:
        stem = county[:-2] if county.endswith("新区") else county[:-1]
        # Most cards drop 区 (北京市公安局朝阳分局); some bureaus keep it, and one-character stems
        # always keep it (城区分局).
        if len(stem) < 2 or rng.random() < 0.15:
            stem = county
        return f"{parent}公安局{stem}分局"
    return f"{county}公安局"


def random_name(rng: random.Random, gender: str) -> str:
    roll = rng.random()
    if roll < 0.03:
        surname = rng.choice(vocab.COMPOUND_SURNAMES)
    elif roll < 0.07:
        surname = rng.choice(vocab.RARE_SURNAMES)
    else:
        names, weights = zip(*vocab.COMMON_SURNAMES, strict=True)
        surname = rng.choices(names, weights=weights)[0]
    pool = (vocab.MALE_GIVEN if gender == "男" else vocab.FEMALE_GIVEN) + vocab.NEUTRAL_GIVEN
    given_len = 1 if rng.random() < 0.3 else 2
    given = "".join(rng.choice(vocab.RARE_GIVEN if rng.random() < 0.06 else pool) for _ in range(given_len))
    if given_len == 2 and rng.random() < 0.04:
        given = given[1] * 2  # 婷婷, 明明: doubled given names are common
    return surname + given


def random_race(rng: random.Random) -> str:
    names, weights = zip(*vocab.ETHNIC_GROUPS, strict=True)
    return rng.choices(names, weights=weights)[0]


def random_date(rng: random.Random, start: dt.date, end: dt.date) -> dt.date:
    return start + dt.timedelta(days=rng.randrange((end - start).days + 1))


def _street(rng: random.Random) -> str:
    return rng.choice(vocab.ROAD_NAMES) + rng.choice(vocab.ROAD_SUFFIXES)


def _address_details(rng: random.Random, *, urban: bool) -> list[str]:
    """Candidate details below the county, most detailed first, the last one always short."""
    n = rng.randint(1, 299)
    building, unit, room = rng.randint(1, 32), rng.randint(1, 6), rng.randint(1, 28) * 100 + rng.randint(1, 6)
    community = rng.choice(vocab.COMMUNITIES) + rng.choice(vocab.COMMUNITY_SUFFIXES)
    town = rng.choice(vocab.TOWNS) + rng.choice(vocab.TOWN_SUFFIXES)
    village = rng.choice(vocab.VILLAGES) + "村"
    urban_forms = [
        f"{_street(rng)}{n}号{building}栋{unit}单元{room}室",
        f"{rng.choice(vocab.SUBDISTRICTS)}街道{_street(rng)}{n}号",
        f"{community}{building}号楼{unit}单元{room}号",
        f"{_street(rng)}{n}号院{building}号楼{room}",
        f"{community}{building}栋{room}室",
        f"{_street(rng)}{n}号",
    ]
    rural_forms = [
        f"{town}{village}{rng.randint(1, 12)}组{n}号",
        f"{town}{_street(rng)}{n}号",
        f"{town}{village}{n}号",
        f"{village}{n}号",
    ]
    if urban:
        forms = urban_forms
    else:
        forms = rural_forms if rng.random() < 0.75 else [*urban_forms[:-1], *rural_forms]
    first = rng.randrange(len(forms) - 1)
    return forms[first:]


def random_address(rng: random.Random, region: regions.Region) -> str:
    place = regions.full_name(region.code) or region.name
    county = region.county or region.name
    budget = ADDRESS_LINE_UNITS * ADDRESS_MAX_LINES
    for detail in _address_details(rng, urban=county.endswith("区")):
        if text_units(place + detail) <= budget:
            return place + detail
    return place  # only reachable with an absurdly long division name


def random_person(rng: random.Random, *, region_codes: Sequence[str] | None = None) -> Person:
    """A holder with consistent fields, drawn from ``rng`` only (same state, same person).

    ``region_codes`` limits the county codes drawn from; the default is every county-level code of
    the latest GB/T 2260 edition.
    """
    codes = region_codes if region_codes is not None else regions.current_county_codes()
    code = rng.choice(codes)
    region = regions.lookup(code)
    if region is None:
        raise ValueError(f"region code {code!r} is not in the GB/T 2260 table")
    gender = rng.choice(("男", "女"))
    birthday = random_date(rng, *BIRTHDAY_RANGE)
    sequence = rng.randrange(0, 500) * 2 + (1 if gender == "男" else 0)
    if sequence == 0:
        sequence = 2  # 000 is not issued
    first17 = f"{code}{birthday:%Y%m%d}{sequence:03d}"
    issue_date = random_date(rng, max(ISSUE_RANGE[0], birthday), ISSUE_RANGE[1])
    years = validity_years(age_on(birthday, issue_date))
    return Person(
        name=random_name(rng, gender),
        gender=gender,
        race=random_race(rng),
        birthday=birthday,
        region_code=code,
        address=random_address(rng, region),
        id_card_number=first17 + idnumber.check_char(first17),
        issued_by=issuing_authority(region, rng),
        issue_date=issue_date,
        valid_until=None if years is None else add_years(issue_date, years),
    )
