"""Pairing fronts and backs into documents, through the operator, against faceid-local and Postgres.

Five distinct images are read by the OCR engine (the session's faceid-local replays them for every
later test): two holders' fronts and backs, and a blurred front. Cards are rendered so that one
expires on the capture day (still valid) and one the day before (expired); capture times are the
files' modification times.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
import os
import random
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from PIL import Image, ImageFilter

from airflow_provider_faceid.documents.pairing import CHINA_TIME
from airflow_provider_faceid.local.specimens.documents import MANIFEST, PAIR_BY, write_side
from airflow_provider_faceid.local.specimens.generate import with_jpeg_comment
from airflow_provider_faceid.local.specimens.person import Person, age_on, random_person, validity_years
from tests.fixtures.faceid_local import FaceIdLocalServer
from tests.integration.operators.test_faceid_operator import context, faceid_connection, make_operator, rows

pytestmark = [pytest.mark.integration, pytest.mark.slow]

CAPTURE_DAY = dt.date(2026, 11, 1)
DAY_BEFORE = CAPTURE_DAY - dt.timedelta(days=1)
DOCUMENTS = "faceid_idcard_document"
HISTORY = "faceid_idcard_document_history"


def expiring_on(valid_until: dt.date, seed: int) -> Person:
    """A holder whose card (with the term the law gives at the age of issue) ends on ``valid_until``."""
    for attempt in range(1000):
        person = random_person(random.Random(f"documents-{seed}-{attempt}"))
        for years in (5, 10, 20):
            issued = valid_until.replace(year=valid_until.year - years)
            if issued >= person.birthday and validity_years(age_on(person.birthday, issued)) == years:
                return dataclasses.replace(person, issue_date=issued, valid_until=valid_until)
    raise AssertionError("no holder found")


@dataclasses.dataclass(frozen=True)
class Cards:
    valid_front: Path  # holder A, card ends on the capture day
    valid_back: Path
    expired_front: Path  # holder B, card ended the day before
    expired_back: Path
    blurred_front: Path  # holder A's front, too blurred to read the name
    holders: tuple[Person, Person]


@pytest.fixture(scope="module")
def cards(tmp_path_factory: pytest.TempPathFactory) -> Cards:
    out = tmp_path_factory.mktemp("document-cards")
    valid, expired = expiring_on(CAPTURE_DAY, 1), expiring_on(DAY_BEFORE, 2)
    paths = [
        write_side(p, side, out / f"{tag}-{side}.jpg", seed=7)
        for tag, p in (("a", valid), ("b", expired))
        for side in ("front", "back")
    ]
    blurred = out / "a-front-blurred.jpg"
    Image.open(paths[0]).filter(ImageFilter.GaussianBlur(4)).save(blurred, quality=90)
    return Cards(*paths, blurred_front=blurred, holders=(valid, expired))


def place(source: Path, target: Path, *, day: dt.date, copy_tag: bytes | None = None) -> Path:
    """Copy a scan to ``target`` captured at noon (Beijing) on ``day``; ``copy_tag`` makes other bytes."""
    target.parent.mkdir(parents=True, exist_ok=True)
    data = source.read_bytes()
    target.write_bytes(with_jpeg_comment(data, copy_tag) if copy_tag else data)
    when = dt.datetime(day.year, day.month, day.day, 12, tzinfo=CHINA_TIME).timestamp()
    os.utime(target, (when, when))
    return target


def lay_out(layout: str, folder: Path, documents: dict[str, tuple[Path, Path]]) -> None:
    manifest = ["document_id,front_uri,back_uri"]
    for index, (key, (front, back)) in enumerate(documents.items()):
        if layout == "folder":
            names = (f"{key}/front.jpg", f"{key}/back.jpg")
        elif layout == "pattern":
            names = (f"{key}_front.jpg", f"{key}_back.jpg")
        else:
            names = (f"scan-{2 * index}.jpg", f"scan-{2 * index + 1}.jpg")
            manifest.append(f"{key},{names[0]},{names[1]}")
        place(front, folder / names[0], day=CAPTURE_DAY)
        place(back, folder / names[1], day=CAPTURE_DAY)
    if layout == "manifest":
        (folder / MANIFEST).write_text("\n".join(manifest) + "\n", "utf-8")


def documents_by_key(engine: sa.Engine, schema: str) -> dict[str, dict[str, Any]]:
    return {r["document_key"]: r for r in rows(engine, schema, DOCUMENTS)}


def assert_invariants(engine: sa.Engine, schema: str, folder: Path) -> None:
    """Every image in exactly one of results/failures; every keyed result row in exactly one document."""
    sources = {r["source_uri"] for r in rows(engine, schema, "faceid_idcard_source")}
    failures = {r["source_uri"] for r in rows(engine, schema, "faceid_idcard_failure")}
    images = {str(p) for p in folder.rglob("*.jpg")}
    assert sources.isdisjoint(failures) and sources | failures == images
    documents = documents_by_key(engine, schema)
    history = {(r["document_key"], r["image_sha256"]) for r in rows(engine, schema, HISTORY)}
    for result in rows(engine, schema, "faceid_idcard"):
        key = result["document_key"]
        if key is None:
            continue
        document = documents[key]
        used = {document["front_sha256"], document["back_sha256"], *(document["conflict_sha256"] or ())}
        homes = [result["image_sha256"] in used, (key, result["image_sha256"]) in history]
        assert homes.count(True) == 1, (key, homes)


@pytest.mark.parametrize("layout", ["folder", "pattern", "manifest"])
def test_each_layout_pairs_the_cards_and_a_rerun_changes_nothing(
    layout: str,
    monkeypatch: pytest.MonkeyPatch,
    faceid_local: FaceIdLocalServer,
    postgres_conn_id: str,
    pg_schema: str,
    pg_engine: sa.Engine,
    cards: Cards,
    tmp_path: Path,
) -> None:
    faceid_connection(monkeypatch, faceid_local)
    folder = tmp_path / "2026-11-01"
    lay_out(
        layout,
        folder,
        {"A-1": (cards.valid_front, cards.valid_back), "B-2": (cards.expired_front, cards.expired_back)},
    )
    operator = make_operator(postgres_conn_id, pg_schema, folder, pair_by=PAIR_BY[layout])
    summary = operator.execute(context())

    assert summary["loaded"] == 4
    assert summary["documents"] == {"by_status": {"complete": 2}, "by_verdict": {"usable": 1, "rejected": 1}}
    documents = documents_by_key(pg_engine, pg_schema)
    valid, expired = documents["A-1"], documents["B-2"]
    # The boundary: a card whose last day is the capture day is valid; the day after, it is expired.
    assert (valid["valid_to"], valid["verdict"], valid["reasons"]) == (CAPTURE_DAY, "usable", [])
    assert (expired["valid_to"], expired["verdict"], expired["reasons"]) == (
        DAY_BEFORE,
        "rejected",
        ["expired"],
    )
    holder = cards.holders[0]
    assert (valid["name"], valid["id_card_number"], valid["issued_by"]) == (
        holder.name,
        holder.id_card_number,
        holder.issued_by,
    )
    assert valid["captured_at"].astimezone(CHINA_TIME).date() == CAPTURE_DAY
    assert_invariants(pg_engine, pg_schema, folder)
    serialised = json.dumps(summary, ensure_ascii=False)
    assert all(p.name not in serialised and p.id_card_number not in serialised for p in cards.holders)

    again = make_operator(postgres_conn_id, pg_schema, folder, pair_by=PAIR_BY[layout]).execute(
        context("manual__2")
    )
    assert (again["ocr_calls"], again["loaded"], again["skipped"]) == (0, 0, 4)
    assert again["documents"] == {"by_status": {}, "by_verdict": {}}
    assert documents_by_key(pg_engine, pg_schema) == documents


def test_a_back_a_run_later_completes_the_document_and_a_recapture_replaces_a_blurred_front(
    monkeypatch: pytest.MonkeyPatch,
    faceid_local: FaceIdLocalServer,
    postgres_conn_id: str,
    pg_schema: str,
    pg_engine: sa.Engine,
    cards: Cards,
    tmp_path: Path,
) -> None:
    faceid_connection(monkeypatch, faceid_local)
    first_day = tmp_path / "2026-10-30"
    place(cards.blurred_front, first_day / "A-1" / "front.jpg", day=dt.date(2026, 10, 30))
    summary = make_operator(postgres_conn_id, pg_schema, first_day, pair_by="folder").execute(context())
    assert summary["documents"] == {"by_status": {"front_only": 1}, "by_verdict": {"needs_recapture": 1}}
    (before,) = documents_by_key(pg_engine, pg_schema).values()
    assert set(before["reasons"]) == {"front_needs_recapture", "back_missing"}

    next_day = tmp_path / "2026-11-01"
    place(cards.valid_front, next_day / "A-1" / "front.jpg", day=CAPTURE_DAY)
    place(cards.valid_back, next_day / "A-1" / "back.jpg", day=CAPTURE_DAY)
    summary = make_operator(postgres_conn_id, pg_schema, next_day, pair_by="folder").execute(
        context("manual__2")
    )
    assert summary["documents"] == {"by_status": {"complete": 1}, "by_verdict": {"usable": 1}}
    (after,) = documents_by_key(pg_engine, pg_schema).values()
    by_uri = {r["source_uri"]: r["image_sha256"] for r in rows(pg_engine, pg_schema, "faceid_idcard_source")}
    sharp, blurred = by_uri[str(next_day / "A-1" / "front.jpg")], by_uri[str(first_day / "A-1" / "front.jpg")]
    assert (after["front_sha256"], after["status"], after["verdict"]) == (sharp, "complete", "usable")
    (replaced,) = rows(pg_engine, pg_schema, HISTORY)
    assert (replaced["image_sha256"], replaced["side"], replaced["replaced_by"]) == (blurred, "front", sharp)
    assert replaced["captured_at"].astimezone(CHINA_TIME).date() == dt.date(2026, 10, 30)
    assert_invariants(pg_engine, pg_schema, tmp_path)


def test_a_conflict_and_a_duplicate_applicant_with_hmac_numbers(
    monkeypatch: pytest.MonkeyPatch,
    faceid_local: FaceIdLocalServer,
    postgres_conn_id: str,
    pg_schema: str,
    pg_engine: sa.Engine,
    cards: Cards,
    tmp_path: Path,
) -> None:
    faceid_connection(monkeypatch, faceid_local)
    monkeypatch.setenv("AIRFLOW_VAR_FACEID_HMAC_KEY", "k3y-for-documents")
    day = tmp_path / "2026-11-01"
    # Two holders' fronts claim one document; holder A applies again under another key.
    place(cards.expired_front, day / "X-9" / "front.jpg", day=CAPTURE_DAY)
    place(cards.valid_front, day / "X-9" / "front-again.jpg", day=CAPTURE_DAY, copy_tag=b"x")
    place(cards.valid_front, day / "A-1" / "front.jpg", day=CAPTURE_DAY)
    place(cards.valid_back, day / "A-1" / "back.jpg", day=CAPTURE_DAY)
    place(cards.valid_front, day / "A-7" / "front.jpg", day=CAPTURE_DAY, copy_tag=b"again")
    place(cards.valid_back, day / "A-7" / "back.jpg", day=CAPTURE_DAY, copy_tag=b"again")
    operator = make_operator(
        postgres_conn_id,
        pg_schema,
        day,
        pair_by="folder",
        id_number_storage="hmac",
        hmac_key_variable="faceid_hmac_key",
    )
    summary = operator.execute(context())
    assert summary["documents"]["by_status"] == {"conflict": 1, "complete": 2}

    documents = documents_by_key(pg_engine, pg_schema)
    conflict = documents["X-9"]
    assert (conflict["status"], conflict["verdict"], conflict["reasons"]) == (
        "conflict",
        "rejected",
        ["conflict"],
    )
    assert len(conflict["conflict_sha256"]) == 2
    number = cards.holders[0].id_card_number
    for key in ("A-1", "A-7"):
        document = documents[key]
        assert "duplicate_applicant" in document["flags"] and document["verdict"] == "usable"
        assert document["id_card_number"] != number and len(document["id_card_number"]) == 64
        assert document["id_card_number_masked"] == number[:3] + "*" * 13 + number[-2:]
    assert_invariants(pg_engine, pg_schema, day)


def test_without_pair_by_nothing_is_paired(
    monkeypatch: pytest.MonkeyPatch,
    faceid_local: FaceIdLocalServer,
    postgres_conn_id: str,
    pg_schema: str,
    pg_engine: sa.Engine,
    cards: Cards,
    tmp_path: Path,
) -> None:
    faceid_connection(monkeypatch, faceid_local)
    place(cards.valid_front, tmp_path / "A-1" / "front.jpg", day=CAPTURE_DAY)
    summary = make_operator(postgres_conn_id, pg_schema, tmp_path).execute(context())
    assert "documents" not in summary
    assert [r["document_key"] for r in rows(pg_engine, pg_schema, "faceid_idcard")] == [None]
    assert rows(pg_engine, pg_schema, DOCUMENTS) == []


def test_a_reprocess_without_pair_by_keeps_the_document_key_and_the_document(
    monkeypatch: pytest.MonkeyPatch,
    faceid_local: FaceIdLocalServer,
    postgres_conn_id: str,
    pg_schema: str,
    pg_engine: sa.Engine,
    cards: Cards,
    tmp_path: Path,
) -> None:
    faceid_connection(monkeypatch, faceid_local)
    place(cards.valid_front, tmp_path / "A-1" / "front.jpg", day=CAPTURE_DAY)
    place(cards.valid_back, tmp_path / "A-1" / "back.jpg", day=CAPTURE_DAY)
    make_operator(postgres_conn_id, pg_schema, tmp_path, pair_by="folder").execute(context())
    documents = documents_by_key(pg_engine, pg_schema)
    # A re-OCR of the same scans by a task that does not pair: the rows are read again (loaded_at
    # moves), and each image still belongs to the document it made.
    summary = make_operator(postgres_conn_id, pg_schema, tmp_path, reprocess=True).execute(
        context("manual__2")
    )
    assert summary["loaded"] == 2 and "documents" not in summary
    results = rows(pg_engine, pg_schema, "faceid_idcard")
    assert [r["document_key"] for r in results] == ["A-1", "A-1"]
    assert {r["run_id"] for r in results} == {"manual__2"}
    assert documents_by_key(pg_engine, pg_schema) == documents
    assert_invariants(pg_engine, pg_schema, tmp_path)
