"""DocumentWriter against a real PostgreSQL, without OCR: answers built from synthetic holders."""

from __future__ import annotations

import random
import time
from typing import Any

import pytest
import sqlalchemy as sa

from airflow_provider_faceid.documents import DocumentWriter, parse_pair_by
from airflow_provider_faceid.documents.checks import BACK_FIELDS, FRONT_FIELDS
from airflow_provider_faceid.loader import Lineage, Loader
from airflow_provider_faceid.local.specimens.person import random_person
from airflow_provider_faceid.records import build_record
from airflow_provider_faceid.sink import PostgresSink
from airflow_provider_faceid.staging import StagedObject

pytestmark = pytest.mark.integration


def load(sink: PostgresSink, images: list[tuple[str, dict[str, Any]]], *, first: int = 0) -> DocumentWriter:
    writer = DocumentWriter(rule=parse_pair_by("folder"), tables=sink.tables, run_id="r1")
    loader = Loader(sink=sink, lineage=Lineage(run_id="r1"), commit_every=100, documents=writer)
    for index, (uri, answer) in enumerate(images):
        obj = StagedObject(uri, 100, None, modified=time.time())
        loader.loaded(obj, sha256=f"{first + index:064x}", record=build_record(answer))
    loader.flush()
    return writer


def holder_images(key: str, seed: int) -> list[tuple[str, dict[str, Any]]]:
    person = random_person(random.Random(seed))
    rid = f"1796000000,{seed}"
    return [
        (f"/day/{key}/front.jpg", {"request_id": rid, "side": "front", **person.front_fields()}),
        (f"/day/{key}/back.jpg", {"request_id": rid, "side": "back", **person.back_fields()}),
    ]


def test_a_key_inserted_by_another_task_meanwhile_is_read_again_and_completed(
    pg_engine: sa.Engine, pg_schema: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    sink = PostgresSink(engine=pg_engine, schema=pg_schema)
    sink.create_tables()
    load(sink, holder_images("K1", 1)[:1])
    read = DocumentWriter._read
    calls = []

    def unseen(self: DocumentWriter, *args: Any) -> tuple[dict[str, Any], Any]:
        # As if a concurrent task had committed K1 just after the first read: the COPY of the
        # batch's new documents meets it, and the batch is read again and upserted.
        existing, holders = read(self, *args)
        calls.append(sorted(existing))
        if len(calls) == 1:
            existing.pop("K1")
        return existing, holders

    monkeypatch.setattr(DocumentWriter, "_read", unseen)
    writer = load(sink, holder_images("K1", 1)[1:] + holder_images("K2", 2), first=10)
    assert writer.counts()["by_status"] == {"complete": 2}
    assert calls[:2] == [["K1"], ["K1"]]  # read, COPY refused, read again
    with pg_engine.connect() as conn:
        found = conn.execute(
            sa.text(f'SELECT document_key, status, front_sha256 FROM "{pg_schema}".faceid_idcard_document')
        ).all()
    assert sorted(found) == [("K1", "complete", f"{0:064x}"), ("K2", "complete", f"{11:064x}")]


def test_dates_and_times_round_trip_through_the_upsert(pg_engine: sa.Engine, pg_schema: str) -> None:
    sink = PostgresSink(engine=pg_engine, schema=pg_schema)
    sink.create_tables()
    images = holder_images("K3", 3)
    load(sink, images)
    person = random_person(random.Random(3))
    with pg_engine.connect() as conn:
        row = conn.execute(sa.text(f'SELECT * FROM "{pg_schema}".faceid_idcard_document')).mappings().one()
    assert (row["birthday"], row["valid_from"], row["valid_to"]) == (
        person.birthday,
        person.issue_date,
        person.valid_until,
    )
    assert row["captured_at"].tzinfo is not None and row["verdict"] in {"usable", "rejected"}


def test_a_back_a_batch_later_takes_each_merged_field_from_its_sides_image_rows(
    pg_engine: sa.Engine, pg_schema: str
) -> None:
    sink = PostgresSink(engine=pg_engine, schema=pg_schema)
    sink.create_tables()
    front, back = holder_images("K4", 4)
    load(sink, [front])
    load(sink, [back], first=10)
    with pg_engine.connect() as conn:
        document = (
            conn.execute(sa.text(f'SELECT * FROM "{pg_schema}".faceid_idcard_document')).mappings().one()
        )
        images = {
            r["image_sha256"]: r
            for r in conn.execute(sa.text(f'SELECT * FROM "{pg_schema}".faceid_idcard')).mappings()
        }
    assert document["status"] == "complete"
    front_row, back_row = images[document["front_sha256"]], images[document["back_sha256"]]
    for field in FRONT_FIELDS:
        if field != "region_code":
            assert document[field] == front_row[field], field
    for field in BACK_FIELDS:
        assert document[field] == back_row[field], field
    assert document["name"] and document["issued_by"] and document["valid_date"]
    assert document["region_code"] == front_row["id_card_number"][:6]


def test_a_back_completing_a_front_keeps_its_duplicate_applicant_flag(
    pg_engine: sa.Engine, pg_schema: str
) -> None:
    sink = PostgresSink(engine=pg_engine, schema=pg_schema)
    sink.create_tables()
    load(sink, holder_images("K5", 5)[:1])
    # The same holder's front under another key: both documents are flagged.
    load(sink, holder_images("K6", 5)[:1], first=10)
    # K5's back, a batch later, brings no number: K5 must still be a duplicate of K6.
    load(sink, holder_images("K5", 5)[1:], first=20)
    with pg_engine.connect() as conn:
        flags = dict(
            conn.execute(
                sa.text(f'SELECT document_key, flags FROM "{pg_schema}".faceid_idcard_document')
            ).all()
        )
    assert "duplicate_applicant" in flags["K5"] and "duplicate_applicant" in flags["K6"]
    assert "back_missing" not in flags["K5"]
