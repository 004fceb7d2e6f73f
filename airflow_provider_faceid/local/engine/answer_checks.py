"""How much of a parsed answer the card's own rules vouch for: the measure that picks a view.

The engine may read one image through several views (the frame, the found card, a view fitted to
the text). It keeps the reading whose fields pass the most checks a real card always satisfies:
the number's GB 11643 check character, a birthday and gender that agree with it, an ethnic group
that exists, an authority that ends like one, a validity period of the right shape. A reading that
passes every check is complete and no further view is tried.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from typing import Any

from airflow_provider_faceid import idnumber
from airflow_provider_faceid.local.engine.back_fields import AUTHORITY_SUFFIXES
from airflow_provider_faceid.local.engine.front_fields import ADDRESS_ENDINGS, ETHNIC_GROUPS
from airflow_provider_faceid.local.engine.place_names import province_names

_NAME = re.compile(r"^[\u3400-\u9fff·]{1,15}$")
_VALIDITY = re.compile(r"^(\d{4})\.(\d{2})\.(\d{2})-(?:(\d{4})\.(\d{2})\.(\d{2})|长期)$")
_MIN_ADDRESS = 6
# Years a card is valid for (GA 450: under 16, 16-25 and 26-45 years old; older, 长期).
_TERMS = frozenset({5, 10, 20})


@dataclass(frozen=True)
class AnswerChecks:
    """Fields that passed their checks, out of the fields of the side, and which failed."""

    passed: int
    total: int
    failing: tuple[str, ...] = ()

    @property
    def complete(self) -> bool:
        return self.passed == self.total


def check_answer(fields: dict[str, Any]) -> AnswerChecks:
    checks = _back_checks(fields) if fields.get("side") == "back" else _front_checks(fields)
    return AnswerChecks(
        passed=sum(checks.values()),
        total=len(checks),
        failing=tuple(field for field, passed in checks.items() if not passed),
    )


def _front_checks(fields: dict[str, Any]) -> dict[str, bool]:
    number = fields.get("id_card_number") or ""
    valid_number = idnumber.is_valid(number)
    birthday = _date_of(fields.get("birthday"))
    address = fields.get("address") or ""
    return {
        "name": bool(_NAME.match(fields.get("name") or "")),
        "gender": fields.get("gender") in ("男", "女")
        and (not valid_number or idnumber.gender_of(number) == fields.get("gender")),
        "race": fields.get("race") in ETHNIC_GROUPS,
        "birthday": birthday is not None and (not valid_number or idnumber.birthday_of(number) == birthday),
        "address": len(address) >= _MIN_ADDRESS
        and "*" not in address
        and address.startswith(province_names())
        and address[-1] in ADDRESS_ENDINGS,
        "id_card_number": valid_number,
    }


def _back_checks(fields: dict[str, Any]) -> dict[str, bool]:
    issued_by = fields.get("issued_by") or ""
    return {
        "issued_by": issued_by.endswith(AUTHORITY_SUFFIXES) and "*" not in issued_by,
        "valid_date": _valid_period(fields.get("valid_date") or ""),
    }


def _date_of(birthday: Any) -> dt.date | None:
    if not isinstance(birthday, dict):
        return None
    try:
        return dt.date(int(birthday["year"]), int(birthday["month"]), int(birthday["day"]))
    except (KeyError, TypeError, ValueError):
        return None


def _valid_period(text: str) -> bool:
    match = _VALIDITY.match(text)
    if match is None:
        return False
    try:
        start = dt.date(int(match[1]), int(match[2]), int(match[3]))
        end = dt.date(int(match[4]), int(match[5]), int(match[6])) if match[4] else None
    except ValueError:
        return False
    return end is None or _legal_term(start, end)


def _legal_term(start: dt.date, end: dt.date) -> bool:
    """A card is valid for 5, 10 or 20 years to the day (a 29 February start may end on the
    28th or the 1st of March)."""
    years = end.year - start.year
    same_day = (end.month, end.day) == (start.month, start.day)
    leap_start = (start.month, start.day) == (2, 29) and (end.month, end.day) in ((2, 28), (3, 1))
    return years in _TERMS and (same_day or leap_start)
