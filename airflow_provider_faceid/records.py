"""One FaceID success answer as a typed, validated record, ready to be a database row.

``build_record`` checks the answer has the success shape of the contract (side, request_id, types
of every field) and raises :class:`InvalidResponseError` otherwise; everything about the *contents*
(check digit, dates, consistency, unreadable characters) becomes flags on the record instead, so a
badly read card is stored and reviewed, never lost. The field names are the column names of the
Postgres sink.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import math
from collections.abc import Mapping
from typing import Any, TypeGuard

from airflow_provider_faceid import validation
from airflow_provider_faceid.exceptions import FaceIdUnexpectedResponseError
from airflow_provider_faceid.privacy import mask_address, mask_name, mask_number

SIDES = ("front", "back")
FRONT_TEXT_FIELDS = ("name", "gender", "race", "address", "id_card_number")
BACK_TEXT_FIELDS = ("issued_by", "valid_date")
BIRTHDAY_PARTS = ("year", "month", "day")
# Flags that a new photo may clear: unreadable characters, or a key field not read at all.
FRONT_RECAPTURE_FLAGS = frozenset(
    {"unreadable_chars", "number_missing", "number_bad_shape", "field_missing:name"}
)
BACK_RECAPTURE_FLAGS = frozenset({"unreadable_chars", "field_missing:valid_date", "valid_date_bad_shape"})


class InvalidResponseError(FaceIdUnexpectedResponseError):
    """The answer is not a FaceID success answer: no side, no request_id, a field of the wrong type,
    or an error answer. The message names fields and types, never their contents."""


@dataclasses.dataclass(frozen=True, repr=False, kw_only=True)
class IdCardRecord:
    """One recognised side of an ID card; see docs/records.md for every field and flag.

    Fields are in column order. ``head_rect`` and ``legality`` take no part in hashing (dicts).
    """

    side: str
    name: str | None = None
    gender: str | None = None
    race: str | None = None
    birthday: dt.date | None = None
    birthday_year: str | None = None
    birthday_month: str | None = None
    birthday_day: str | None = None
    address: str | None = None
    id_card_number: str | None = None
    issued_by: str | None = None
    valid_date: str | None = None
    valid_from: dt.date | None = None
    valid_to: dt.date | None = None
    long_term: bool | None = None
    head_rect: dict[str, Any] | None = dataclasses.field(default=None, hash=False)
    legality: dict[str, Any] | None = dataclasses.field(default=None, hash=False)
    request_id: str
    time_used: float | None = None
    number_check: int | None = None
    flags: tuple[str, ...] = ()
    needs_recapture: bool = False

    def __repr__(self) -> str:
        # Card contents stay masked: reprs end up in logs and tracebacks.
        return (
            f"IdCardRecord(side={self.side!r}, request_id={self.request_id!r}, "
            f"name={mask_name(self.name)!r}, id_card_number={mask_number(self.id_card_number)!r}, "
            f"address={mask_address(self.address)!r}, number_check={self.number_check!r}, "
            f"flags={self.flags!r}, needs_recapture={self.needs_recapture!r})"
        )

    __str__ = __repr__


FIELD_NAMES: tuple[str, ...] = tuple(f.name for f in dataclasses.fields(IdCardRecord))


def as_row(record: IdCardRecord) -> dict[str, Any]:
    """Field name -> value; dicts stay dicts (JSONB), ``flags`` becomes a list (a text[] column)."""
    row = {name: getattr(record, name) for name in FIELD_NAMES}
    row["flags"] = list(record.flags)
    return row


def _fail(message: str, request_id: str | None) -> InvalidResponseError:
    return InvalidResponseError(message, request_id=request_id)


def _text(response: Mapping[str, Any], key: str, request_id: str | None) -> str | None:
    value = response.get(key)
    if value is None or isinstance(value, str):
        return value
    raise _fail(f"field {key!r} should be a string or null, got {type(value).__name__}", request_id)


def _number(value: object) -> TypeGuard[int | float]:
    return isinstance(value, int | float) and not isinstance(value, bool)


def _json_value(value: object, field: str, request_id: str | None) -> Any:
    """A plain-JSON copy of ``value`` (for a JSONB column), or the error naming the top-level field
    (never the nested keys: they come from the answer too)."""
    if value is None or isinstance(value, str | bool):
        return value
    if _number(value):
        if isinstance(value, float) and not math.isfinite(value):
            raise _fail(f"field {field!r} holds a non-finite number", request_id)
        return value
    if isinstance(value, Mapping):
        out: dict[str, Any] = {}
        for key, item in value.items():
            if not isinstance(key, str):
                raise _fail(f"field {field!r} has a non-string key", request_id)
            out[key] = _json_value(item, field, request_id)
        return out
    if isinstance(value, list | tuple):
        return [_json_value(item, field, request_id) for item in value]
    raise _fail(f"field {field!r} holds a {type(value).__name__}, which is not JSON", request_id)


def _json_object(response: Mapping[str, Any], key: str, request_id: str | None) -> dict[str, Any] | None:
    value = response.get(key)
    if value is None:
        return None
    if not isinstance(value, Mapping):
        raise _fail(f"field {key!r} should be an object or null, got {type(value).__name__}", request_id)
    result: dict[str, Any] = _json_value(value, key, request_id)
    return result


def _birthday_parts(
    response: Mapping[str, Any], request_id: str | None
) -> tuple[str | None, str | None, str | None]:
    value = response.get("birthday")
    if value is None:
        return (None, None, None)
    if not isinstance(value, Mapping):
        raise _fail(f"field 'birthday' should be an object or null, got {type(value).__name__}", request_id)
    parts: list[str | None] = []
    for key in BIRTHDAY_PARTS:
        part = value.get(key)
        if isinstance(part, int) and not isinstance(part, bool) and 0 <= part <= 9999:
            part = str(part)  # the contract says strings; a small number means the same thing
        elif part is not None and not isinstance(part, str):
            raise _fail(f"field 'birthday.{key}' should be a string, got {type(part).__name__}", request_id)
        parts.append(part)
    return (parts[0], parts[1], parts[2])


@dataclasses.dataclass(frozen=True)
class _Envelope:
    """The side-independent part of a success answer."""

    side: str
    request_id: str
    time_used: float | None
    head_rect: dict[str, Any] | None
    legality: dict[str, Any] | None


def _time_used(value: object, request_id: str) -> float | None:
    if value is None:
        return None
    if not _number(value):
        raise _fail(f"field 'time_used' should be a number, got {type(value).__name__}", request_id)
    try:
        milliseconds = float(value)
    except OverflowError:
        milliseconds = math.inf
    if not math.isfinite(milliseconds):
        raise _fail("field 'time_used' is not a finite number", request_id)
    return milliseconds


def _envelope(response: object) -> _Envelope:
    """The checked side-independent fields of a success answer, or InvalidResponseError."""
    if not isinstance(response, Mapping):
        raise _fail(f"the answer should be a JSON object, got {type(response).__name__}", None)
    raw_id = response.get("request_id")
    request_id = raw_id if isinstance(raw_id, str) and raw_id else None
    if "error_message" in response:
        raise _fail("the answer is an error answer (it has error_message), not a success", request_id)
    if request_id is None:
        raise _fail("the answer has no request_id string", None)
    side = response.get("side")
    if side not in SIDES:
        # Never echo the value: a mis-parsed answer could carry card contents in any field.
        got = f"a string of {len(side)} characters" if isinstance(side, str) else type(side).__name__
        raise _fail(f"field 'side' should be 'front' or 'back', got {got}", request_id)
    return _Envelope(
        side=side,
        request_id=request_id,
        time_used=_time_used(response.get("time_used"), request_id),
        head_rect=_json_object(response, "head_rect", request_id),
        legality=_json_object(response, "legality", request_id),
    )


def build_record(response: Mapping[str, Any], *, today: dt.date | None = None) -> IdCardRecord:
    """Turn one FaceID success answer into a validated :class:`IdCardRecord`.

    :param response: the decoded JSON body of a 200 answer.
    :param today: the date that "in the future" is judged against (defaults to today).
    :raises InvalidResponseError: the answer does not have the shape of a success answer.
    """
    envelope = _envelope(response)
    if envelope.side == "front":
        return _front(response, envelope, today)
    return _back(response, envelope, today)


def _front(response: Mapping[str, Any], envelope: _Envelope, today: dt.date | None) -> IdCardRecord:
    rid = envelope.request_id
    name, gender, race, address, number = (_text(response, key, rid) for key in FRONT_TEXT_FIELDS)
    year, month, day = _birthday_parts(response, rid)
    consistency = validation.number_consistency(number, birthday=(year, month, day), gender=gender)
    birthday_complete = all(part and part.strip() for part in (year, month, day))
    flags = {
        *validation.missing_flags({"name": name, "gender": gender, "race": race, "address": address}),
        *(() if birthday_complete else ("field_missing:birthday",)),
        *validation.number_flags(number),
        *validation.birthday_flags(year, month, day, today=today),
        *validation.gender_flags(gender),
        *validation.race_flags(race),
        *consistency.flags,
        *validation.unreadable_flags([name, gender, race, address, number, year, month, day]),
    }
    return IdCardRecord(
        side=envelope.side,
        request_id=rid,
        time_used=envelope.time_used,
        head_rect=envelope.head_rect,
        legality=envelope.legality,
        name=name,
        gender=gender,
        race=race,
        address=address,
        id_card_number=number,
        birthday=validation.parse_birthday(year, month, day),
        birthday_year=year,
        birthday_month=month,
        birthday_day=day,
        number_check=consistency.number_check,
        flags=tuple(sorted(flags)),
        needs_recapture=bool(flags & FRONT_RECAPTURE_FLAGS),
    )


def _back(response: Mapping[str, Any], envelope: _Envelope, today: dt.date | None) -> IdCardRecord:
    rid = envelope.request_id
    issued_by, valid_date = (_text(response, key, rid) for key in BACK_TEXT_FIELDS)
    period = validation.parse_valid_period(valid_date, today=today)
    flags = {
        *validation.missing_flags({"issued_by": issued_by, "valid_date": valid_date}),
        *period.flags,
        *validation.unreadable_flags([issued_by, valid_date]),
    }
    return IdCardRecord(
        side=envelope.side,
        request_id=rid,
        time_used=envelope.time_used,
        head_rect=envelope.head_rect,
        legality=envelope.legality,
        issued_by=issued_by,
        valid_date=valid_date,
        valid_from=period.valid_from,
        valid_to=period.valid_to,
        long_term=period.long_term,
        flags=tuple(sorted(flags)),
        needs_recapture=bool(flags & BACK_RECAPTURE_FLAGS),
    )
