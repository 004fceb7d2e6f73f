"""Merging sides into documents, the named checks and the verdict (pure functions)."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest

from airflow_provider_faceid.documents import checks
from airflow_provider_faceid.documents.checks import Document, Side, judge, merge
from airflow_provider_faceid.documents.pairing import CHINA_TIME

BIRTHDAY = dt.date(1975, 3, 2)
REGION = "110105"  # 北京市朝阳区


def at(day: dt.date, hour: int = 12) -> dt.datetime:
    return dt.datetime(day.year, day.month, day.day, hour, tzinfo=CHINA_TIME)


def front(
    sha: str = "f" * 64,
    *,
    number: str = "n1",
    when: dt.date = dt.date(2026, 11, 1),
    needs_recapture: bool = False,
    **fields: Any,
) -> Side:
    base = dict.fromkeys(checks.FRONT_FIELDS) | {"name": "张三", "birthday": BIRTHDAY, "number_check": 1}
    base |= {"id_card_number": number, "region_code": REGION}
    return Side("front", sha, at(when), needs_recapture, {**base, **fields})


def back(
    sha: str = "b" * 64,
    *,
    valid_from: dt.date = dt.date(2006, 11, 1),
    valid_to: dt.date | None = dt.date(2026, 11, 1),
    when: dt.date = dt.date(2026, 11, 1),
    issued_by: str = "北京市公安局朝阳分局",
) -> Side:
    end = "长期" if valid_to is None else f"{valid_to:%Y.%m.%d}"
    fields = {
        "issued_by": issued_by,
        "valid_date": f"{valid_from:%Y.%m.%d}-{end}",
        "valid_from": valid_from,
        "valid_to": valid_to,
        "long_term": valid_to is None,
    }
    return Side("back", sha, at(when), False, fields)


def document(*sides: Side) -> Document:
    merged, _ = merge(Document("D1"), sides)
    return merged


def test_a_complete_consistent_card_valid_on_its_last_day_is_usable() -> None:
    judged = judge(document(front(), back()))
    assert (judged.verdict, judged.flags, judged.reasons) == ("usable", (), ())


def test_expired_from_the_day_after_valid_to_in_beijing_time() -> None:
    doc = document(front(), back(valid_to=dt.date(2026, 10, 31), valid_from=dt.date(2006, 10, 31)))
    judged = judge(doc)
    assert judged.verdict == "rejected" and judged.reasons == ("expired",)
    # 23:30 UTC on 31 October is already 1 November in Beijing: the card expiring on the 1st is valid.
    late = dt.datetime(2026, 10, 31, 23, 30, tzinfo=dt.timezone.utc)
    assert checks.capture_date(late) == dt.date(2026, 11, 1)
    card = back()
    assert judge(document(front(), Side("back", card.sha256, late, False, card.fields))).verdict == "usable"


def test_not_yet_valid_and_long_term() -> None:
    early = back(valid_from=dt.date(2026, 11, 2), valid_to=dt.date(2046, 11, 2))
    assert "not_yet_valid" in judge(document(front(birthday=dt.date(1990, 1, 1)), early)).flags
    old = front(birthday=dt.date(1950, 1, 1))
    assert judge(document(old, back(valid_to=None))).verdict == "usable"


@pytest.mark.parametrize(
    ("birthday", "years", "fits"),
    [
        (dt.date(1995, 1, 1), 5, True),  # 11 at issue: 5 years
        (dt.date(1990, 11, 2), 5, True),  # 15, the day before the 16th birthday
        (dt.date(1990, 11, 1), 10, True),  # 16 on the day of issue
        (dt.date(1990, 11, 1), 5, False),
        (dt.date(1980, 11, 1), 20, True),  # 26
        (dt.date(1960, 11, 1), None, True),  # 46: 长期
        (dt.date(1960, 11, 1), 20, False),
    ],
)
def test_term_against_age_at_issue(birthday: dt.date, years: int | None, fits: bool) -> None:
    issue = dt.date(2006, 11, 1)
    valid_to = None if years is None else issue.replace(year=issue.year + years)
    card = back(valid_from=issue, valid_to=valid_to)
    flags = judge(document(front(birthday=birthday), card)).flags
    assert ("valid_term_unusual_for_age" not in flags) is fits


def test_an_authority_of_another_region_is_a_warning_only() -> None:
    judged = judge(document(front(), back(issued_by="上海市公安局浦东分局")))
    assert judged.flags == ("authority_region_mismatch",) and judged.verdict == "usable"
    assert checks.authority_names_region("延边州公安局", "222401")  # 延边朝鲜族自治州 延吉市
    assert checks.authority_names_region("彭阳县公安局", "640425")
    assert checks.authority_names_region(None, REGION) and checks.authority_names_region("x", None)


def test_a_missing_or_unreadable_side_needs_recapture() -> None:
    assert judge(document(front())).reasons == ("back_missing",)
    assert document(front()).status == "front_only" and document(back()).status == "back_only"
    blurred = judge(document(front(needs_recapture=True), back()))
    assert blurred.verdict == "needs_recapture" and blurred.reasons == ("front_needs_recapture",)
    inconsistent = judge(document(front(number_check=3), back()))
    assert inconsistent.reasons == ("number_inconsistent",)


def test_a_newer_capture_replaces_the_older_one_whatever_the_order() -> None:
    blurred = front("1" * 64, when=dt.date(2026, 11, 1), needs_recapture=True)
    sharp = front("2" * 64, when=dt.date(2026, 11, 2))
    for order in ([blurred, sharp], [sharp, blurred]):
        doc, replaced = merge(Document("D1"), order)
        assert doc.front is sharp and doc.status == "front_only"
        assert [(r.side.sha256, r.replaced_by) for r in replaced] == [("1" * 64, "2" * 64)]


def test_two_readable_fronts_of_different_numbers_are_a_conflict() -> None:
    sides = [front("1" * 64, number="n1"), front("2" * 64, number="n2"), back()]
    doc, replaced = merge(Document("D1"), sides)
    assert doc.status == "conflict" and doc.conflicts == ("1" * 64, "2" * 64) and replaced == []
    judged = judge(doc)
    assert judged.verdict == "rejected" and judged.reasons == ("conflict",)
    two_backs = document(back("3" * 64), back("4" * 64, valid_from=dt.date(2016, 11, 1), valid_to=None))
    assert two_backs.status == "conflict"


def test_duplicate_applicant_is_a_flag_not_a_verdict() -> None:
    judged = judge(document(front(), back()), duplicate_applicant=True)
    assert judged.flags == ("duplicate_applicant",) and judged.verdict == "usable"


def test_a_document_row_round_trips_and_hides_contents_in_repr() -> None:
    doc = document(front(needs_recapture=True), back())
    # As the table holds it: the decided columns, and the merged fields of the sides' image rows.
    assert doc.front is not None and doc.back is not None
    row = {**checks.document_row(doc, judge(doc)), **doc.front.fields, **doc.back.fields}
    again = checks.document_from_row(row)
    assert again.front == doc.front and again.back == doc.back
    assert "张三" not in repr(doc.front) and "n1" not in repr(doc.front) and "张三" not in repr(doc)
