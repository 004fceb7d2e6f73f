"""One document from its sides: merge, named checks and a verdict, as pure functions.

A *side* is one loaded image with a document key. :func:`merge` folds the sides a batch brings into
what a document already was: a newer capture of a side replaces the older one (the replaced one
goes to the history), and two captures that disagree (different numbers on two fronts, different
validity on two backs, both readable) make the document a ``conflict``. :func:`judge` then gives
the flags and the verdict; each flag is documented in README.md ("Documents").

The capture date is the later side's ``captured_at`` as a Beijing date (validity dates are
Beijing dates). The boundary: a card whose ``valid_to`` IS the capture date was still valid that
day; it is ``expired`` from the day after.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import functools
from collections.abc import Mapping, Sequence
from typing import Any, NamedTuple

from airflow_provider_faceid import regions, validation
from airflow_provider_faceid.documents.pairing import CHINA_TIME
from airflow_provider_faceid.privacy import mask_name

COMPLETE, FRONT_ONLY, BACK_ONLY, CONFLICT = "complete", "front_only", "back_only", "conflict"
USABLE, NEEDS_RECAPTURE, REJECTED = "usable", "needs_recapture", "rejected"
STATUSES = (COMPLETE, FRONT_ONLY, BACK_ONLY, CONFLICT)
VERDICTS = (USABLE, NEEDS_RECAPTURE, REJECTED)

EXPIRED = "expired"
NOT_YET_VALID = "not_yet_valid"
TERM_UNUSUAL_FOR_AGE = "valid_term_unusual_for_age"
AUTHORITY_REGION_MISMATCH = "authority_region_mismatch"
DUPLICATE_APPLICANT = "duplicate_applicant"
FRONT_NEEDS_RECAPTURE = "front_needs_recapture"
BACK_NEEDS_RECAPTURE = "back_needs_recapture"
FRONT_MISSING = "front_missing"
BACK_MISSING = "back_missing"
NUMBER_INCONSISTENT = "number_inconsistent"

# What each flag does to the verdict. Flags in neither set are warnings (people move; the same
# person may apply twice for good reasons): stored, never blocking.
_REJECTING = (CONFLICT, EXPIRED, NOT_YET_VALID, TERM_UNUSUAL_FOR_AGE)
_RECAPTURE = (FRONT_MISSING, BACK_MISSING, FRONT_NEEDS_RECAPTURE, BACK_NEEDS_RECAPTURE, NUMBER_INCONSISTENT)

FRONT_FIELDS = (
    "name",
    "gender",
    "race",
    "birthday",
    "address",
    "id_card_number",
    "id_card_number_masked",
    "id_card_number_encrypted",
    "region_code",
    "number_check",
)
BACK_FIELDS = ("issued_by", "valid_date", "valid_from", "valid_to", "long_term")
# Suffixes a division's name carries that an authority's name may drop (北京市公安局朝阳分局).
_DIVISION_SUFFIXES = (
    "特别行政区",
    "自治区",
    "自治州",
    "自治县",
    "自治旗",
    "地区",
    "新区",
    "省",
    "市",
    "区",
    "县",
    "旗",
    "盟",
)


_NEVER = dt.datetime.min.replace(tzinfo=dt.timezone.utc)


class Side(NamedTuple):
    """One loaded image of a document: its digest, when it was captured, what was read.

    ``fields`` holds the front's or the back's columns (:data:`FRONT_FIELDS`, :data:`BACK_FIELDS`);
    ``id_card_number`` there is the stored form (plain or HMAC), so comparing two fronts never needs
    the number itself. A named tuple (immutable as a frozen dataclass, built in a third of its
    time): one per image loaded.
    """

    side: str
    sha256: str
    captured_at: dt.datetime | None
    needs_recapture: bool
    fields: Mapping[str, Any]

    def __repr__(self) -> str:
        return (
            f"Side(side={self.side!r}, sha256={self.sha256[:12]!r}, captured_at={self.captured_at!r}, "
            f"needs_recapture={self.needs_recapture!r}, name={mask_name(self.fields.get('name'))!r})"
        )

    def order(self) -> tuple[dt.datetime, str]:
        # Unknown capture times count as the oldest; the digest breaks ties, so the outcome never
        # depends on the order scans were processed in.
        return (self.captured_at or _NEVER, self.sha256)

    def disagrees_with(self, other: Side) -> bool:
        """Two readable captures of one side that cannot be the same card."""
        if self.needs_recapture or other.needs_recapture:
            return False
        key = "id_card_number" if self.side == "front" else "valid_date"
        mine, theirs = self.fields.get(key), other.fields.get(key)
        return bool(mine) and bool(theirs) and mine != theirs


@dataclasses.dataclass(frozen=True)
class Replaced:
    """A side no longer used by its document (a history row)."""

    side: Side
    replaced_by: str


@dataclasses.dataclass(frozen=True, repr=False)
class Document:
    """A document's sides; the merged fields, checks and verdict are derived (see :func:`judge`)."""

    key: str
    front: Side | None = None
    back: Side | None = None
    conflicts: tuple[str, ...] = ()

    def __repr__(self) -> str:
        front = self.front.sha256[:12] if self.front else None
        back = self.back.sha256[:12] if self.back else None
        return f"Document(front={front!r}, back={back!r}, conflicts={len(self.conflicts)})"

    @property
    def status(self) -> str:
        if self.conflicts:
            return CONFLICT
        if self.front and self.back:
            return COMPLETE
        return FRONT_ONLY if self.front else BACK_ONLY

    def using(self, side: Side) -> Document:
        """This document with ``side`` as its front or back."""
        # Built directly: dataclasses.replace costs a few us, and this runs for every side loaded.
        if side.side == "front":
            return Document(self.key, side, self.back, self.conflicts)
        return Document(self.key, self.front, side, self.conflicts)

    @property
    def captured_at(self) -> dt.datetime | None:
        # No list, no max() of one: the checks and the row both ask, for every document.
        front = self.front.captured_at if self.front else None
        back = self.back.captured_at if self.back else None
        if front is None or back is None:
            return front or back
        return max(front, back)


def merge(document: Document, sides: Sequence[Side]) -> tuple[Document, list[Replaced]]:
    """``document`` with ``sides`` added, oldest capture first, and the sides it stopped using."""
    if len(sides) == 2 and document.front is None and document.back is None and not document.conflicts:
        # The usual case, a new document with both sides in one batch: nothing to order or replace.
        first, second = sides
        if first.side != second.side:
            front, back = (first, second) if first.side == "front" else (second, first)
            return Document(document.key, front, back), []
    replaced: list[Replaced] = []
    for side in sorted(sides, key=Side.order):
        current: Side | None = getattr(document, side.side)
        if current is None:
            document = document.using(side)
        elif current.sha256 == side.sha256:
            # The same image read again (reprocess): its newer reading, no history.
            document = document.using(side)
        elif current.disagrees_with(side):
            found = {*document.conflicts, current.sha256, side.sha256}
            document = Document(document.key, document.front, document.back, tuple(sorted(found)))
        elif side.order() >= current.order():
            document = document.using(side)
            replaced.append(Replaced(current, replaced_by=side.sha256))
        else:
            replaced.append(Replaced(side, replaced_by=current.sha256))
    return document, replaced


@dataclasses.dataclass(frozen=True)
class Judgement:
    flags: tuple[str, ...]
    verdict: str
    reasons: tuple[str, ...]


def capture_date(when: dt.datetime | None) -> dt.date | None:
    """The Beijing date of a capture time."""
    return None if when is None else when.astimezone(CHINA_TIME).date()


def judge(document: Document, *, duplicate_applicant: bool = False) -> Judgement:
    """Every check on ``document`` as a flag, and the verdict with the flags that decided it.

    ``rejected`` for a conflict or a card not valid on the capture date (expired, not yet valid,
    a term its holder's age at issue does not give); else ``needs_recapture`` when a side is
    missing, unreadable or its number does not check out; else ``usable``.
    """
    # Runs once per document of every batch: plain branches and a list (each check adds a flag of
    # its own, so there is nothing to de-duplicate), and one shared answer for the clean document.
    flags: list[str] = []
    if document.conflicts:
        flags.append(CONFLICT)
    front_side, back_side = document.front, document.back
    if front_side is None:
        flags.append(FRONT_MISSING)
        front: Mapping[str, Any] = _NO_FIELDS
    else:
        front = front_side.fields
        if front_side.needs_recapture:
            flags.append(FRONT_NEEDS_RECAPTURE)
    if back_side is None:
        flags.append(BACK_MISSING)
        back: Mapping[str, Any] = _NO_FIELDS
    else:
        back = back_side.fields
        if back_side.needs_recapture:
            flags.append(BACK_NEEDS_RECAPTURE)
    if front.get("number_check") not in _NUMBER_FINE:
        flags.append(NUMBER_INCONSISTENT)
    flags += validity_flags(back, on=capture_date(document.captured_at))
    if front_side is not None and back_side is not None:
        period = validation.ValidPeriod(
            back.get("valid_from"), back.get("valid_to"), back.get("long_term"), ()
        )
        flags += validation.term_flags(period, birthday=front.get("birthday"))
        if not authority_names_region(back.get("issued_by"), front.get("region_code")):
            flags.append(AUTHORITY_REGION_MISMATCH)
    if duplicate_applicant:
        flags.append(DUPLICATE_APPLICANT)
    if not flags:
        return _CLEAN
    rejecting = tuple(f for f in _REJECTING if f in flags)
    recapture = tuple(f for f in _RECAPTURE if f in flags)
    if rejecting:
        verdict, reasons = REJECTED, rejecting
    elif recapture:
        verdict, reasons = NEEDS_RECAPTURE, recapture
    else:
        verdict, reasons = USABLE, ()
    return Judgement(flags=tuple(sorted(flags)), verdict=verdict, reasons=reasons)


_CLEAN = Judgement(flags=(), verdict=USABLE, reasons=())
_NO_FIELDS: Mapping[str, Any] = {}
_NUMBER_FINE = frozenset({None, validation.NUMBER_EMPTY, validation.NUMBER_CONSISTENT})


def validity_flags(back: Mapping[str, Any], *, on: dt.date | None) -> tuple[str, ...]:
    """``expired`` when the capture date is after ``valid_to`` (the last day is still valid);
    ``not_yet_valid`` when it is before ``valid_from``. Nothing to judge without a date."""
    if on is None:
        return ()
    valid_from, valid_to = back.get("valid_from"), back.get("valid_to")
    flags = []
    if valid_to is not None and not back.get("long_term") and on > valid_to:
        flags.append(EXPIRED)
    if valid_from is not None and on < valid_from:
        flags.append(NOT_YET_VALID)
    return tuple(flags)


# Cached: a batch holds a few thousand distinct (authority, county) pairs at most, and the look-up
# of the region and its names was a third of the checks' time.
@functools.lru_cache(maxsize=1 << 16)
def authority_names_region(issued_by: str | None, region_code: str | None) -> bool:
    """True when the authority names the county, city or province of the number's region code,
    or when there is nothing to compare (no authority, no or an unknown code)."""
    region = regions.lookup(region_code) if region_code else None
    if not issued_by or region is None:
        return True
    names = [n for n in (region.county, region.city, region.province) if n]
    return any(_stem(name) in issued_by for name in names)


@functools.cache
def _stem(name: str) -> str:
    for suffix in _DIVISION_SUFFIXES:
        if name.endswith(suffix) and len(name) > len(suffix):
            name = name[: -len(suffix)]
            break
    # Two characters tell a place apart in an authority's name (延边朝鲜族自治州 -> 延边州公安局).
    return name[:2]


def document_row(document: Document, judgement: Judgement) -> dict[str, Any]:
    """The columns of ``document``'s row that pairing decides: sides, times, status, checks.

    The merged fields are not among them: the writer has the database copy them from the sides'
    image rows (``region_code`` excepted, which no image row holds); lineage is the writer's too.
    """
    front, back = document.front, document.back
    return {
        "document_key": document.key,
        "status": document.status,
        "verdict": judgement.verdict,
        "reasons": judgement.reasons,
        "flags": judgement.flags,
        "front_sha256": front.sha256 if front else None,
        "back_sha256": back.sha256 if back else None,
        "conflict_sha256": document.conflicts or None,
        "front_captured_at": front.captured_at if front else None,
        "back_captured_at": back.captured_at if back else None,
        "captured_at": document.captured_at,
        "region_code": front.fields.get("region_code") if front else None,
    }


def document_from_row(row: Mapping[str, Any]) -> Document:
    """The document a documents-table row holds (for merging later captures into it)."""
    flags: Sequence[str] = row.get("flags") or ()
    front = _side_from_row(row, "front", FRONT_FIELDS, FRONT_NEEDS_RECAPTURE in flags)
    back = _side_from_row(row, "back", BACK_FIELDS, BACK_NEEDS_RECAPTURE in flags)
    conflicts = tuple(row.get("conflict_sha256") or ())
    return Document(row["document_key"], front=front, back=back, conflicts=conflicts)


def _side_from_row(
    row: Mapping[str, Any], side: str, fields: Sequence[str], needs_recapture: bool
) -> Side | None:
    if not row.get(f"{side}_sha256"):
        return None
    return Side(
        side=side,
        sha256=row[f"{side}_sha256"],
        captured_at=row.get(f"{side}_captured_at"),
        needs_recapture=needs_recapture,
        fields={f: row.get(f) for f in fields},
    )
