"""How much of a parsed answer the card's own rules vouch for: the measure that picks a view.

The engine may read one image through several views (the frame, the found card, a view fitted to
the text). It keeps the reading whose fields pass the most checks a real card always satisfies:
the number's GB 11643 check character, a birthday and gender that agree with it, an ethnic group
that exists, an authority that starts with a place and ends like one (a branch named by two
characters at least), a validity period of the right shape. A reading that passes every check is
complete and no further view is tried.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from typing import Any

from airflow_provider_faceid import idnumber
from airflow_provider_faceid.local.engine.back_fields import (
    AUTHORITY_SUFFIXES,
    legal_period,
    starts_with_place,
)
from airflow_provider_faceid.local.engine.front_fields import ADDRESS_ENDINGS, ETHNIC_GROUPS
from airflow_provider_faceid.local.engine.place_names import province_names

_NAME = re.compile(r"^[\u3400-\u9fff·]{1,15}$")
_MIN_ADDRESS = 6
# A branch after its city's bureau is named by two characters at least (柳江分局): one alone
# (公安局江分局) is a name that lost a character.
_ONE_CHARACTER_BRANCH = re.compile(r"公安局[\u4e00-\u9fff]分局$")


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
        "issued_by": issued_by.endswith(AUTHORITY_SUFFIXES)
        and "*" not in issued_by
        and not _ONE_CHARACTER_BRANCH.search(issued_by)
        and starts_with_place(issued_by),
        "valid_date": legal_period(fields.get("valid_date") or ""),
    }


def _date_of(birthday: Any) -> dt.date | None:
    if not isinstance(birthday, dict):
        return None
    try:
        return dt.date(int(birthday["year"]), int(birthday["month"]), int(birthday["day"]))
    except (KeyError, TypeError, ValueError):
        return None
