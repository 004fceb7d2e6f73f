"""The personal-data lifecycle through the operators, against faceid-local and a real PostgreSQL.

Two holders, front and back each, rendered once for the module; the session's faceid-local reads
them (and replays the answers for later loads of the same bytes, so the counters below count
requests, not OCR work).
"""

from __future__ import annotations

import dataclasses
import json
import logging
import random
import secrets
import shutil
import signal
import subprocess
import sys
import threading
from collections.abc import Callable
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import psycopg
import pytest
import sqlalchemy as sa
from sqlalchemy.engine import make_url

from airflow_provider_faceid.after_load import archive_uri
from airflow_provider_faceid.fieldcrypt import ENCRYPTED_COLUMNS, FieldCipher, decrypt_row, is_envelope
from airflow_provider_faceid.local.specimens.documents import write_side
from airflow_provider_faceid.local.specimens.generate import with_jpeg_comment
from airflow_provider_faceid.local.specimens.person import Person, random_person
from airflow_provider_faceid.operators.lifecycle import (
    FaceIdEraseOperator,
    FaceIdRetentionOperator,
    FaceIdRotateKeyOperator,
)
from airflow_provider_faceid.privacy import mask_address, mask_name, mask_number
from tests.fixtures.faceid_local import FaceIdLocalServer
from tests.integration.operators.test_faceid_operator import (
    assert_each_file_in_exactly_one_place,
    context,
    faceid_connection,
    make_operator,
    rows,
)
from tests.reliability.leaks import find_leaks
from tests.waiting import wait_for

pytestmark = [pytest.mark.integration, pytest.mark.slow]

ENCRYPTION_KEY = "field-key-for-tests-0123456789"
NEW_KEY = "field-key-for-tests-rotated-9876543210"
HMAC_KEY = "hmac-key-for-tests"
TABLES = (
    "faceid_idcard",
    "faceid_idcard_source",
    "faceid_idcard_failure",
    "faceid_idcard_document",
    "faceid_idcard_document_history",
    "faceid_idcard_meta",
    "faceid_idcard_erasure",
    "faceid_idcard_tombstone",
)


@dataclasses.dataclass(frozen=True)
class Holder:
    person: Person
    front: Path
    back: Path


@pytest.fixture(scope="module")
def holders(tmp_path_factory: pytest.TempPathFactory) -> tuple[Holder, Holder]:
    out = tmp_path_factory.mktemp("personal-data-cards")
    made = []
    for tag in ("a", "b"):
        person = random_person(random.Random(f"personal-data-{tag}"))
        front = write_side(person, "front", out / f"{tag}-front.jpg", seed=11)
        back = write_side(person, "back", out / f"{tag}-back.jpg", seed=11)
        made.append(Holder(person, front, back))
    return made[0], made[1]


def stage(folder: Path, holders: tuple[Holder, ...], *, start: int = 0) -> Path:
    """One sub-folder per holder (pair_by="folder"), images only (the truth files stay out)."""
    for i, holder in enumerate(holders, start=start):
        doc = folder / f"doc-{i}"
        doc.mkdir(parents=True, exist_ok=True)
        shutil.copy(holder.front, doc / "front.jpg")
        shutil.copy(holder.back, doc / "back.jpg")
    return folder


def keys(monkeypatch: pytest.MonkeyPatch) -> dict[str, Any]:
    monkeypatch.setenv("AIRFLOW_VAR_FACEID_FIELD_KEY", ENCRYPTION_KEY)
    monkeypatch.setenv("AIRFLOW_VAR_FACEID_HMAC_KEY", HMAC_KEY)
    return {
        "id_number_storage": "hmac",
        "hmac_key_variable": "faceid_hmac_key",
        "encrypt_fields": True,
        "encryption_key_variable": "faceid_field_key",
        "pair_by": "folder",
    }


def requests_made(server: FaceIdLocalServer) -> int:
    return sum(server.counters()["requests_by_status"].values())


def clear_values(holders: tuple[Holder, ...]) -> list[str]:
    return [v for h in holders for v in (h.person.name, h.person.address, h.person.id_card_number)]


def dump_without_encrypted_columns(engine: sa.Engine, schema: str) -> str:
    """Every row of every table as text, the encrypted columns left out."""
    dumped = []
    for table in TABLES:
        for row in rows(engine, schema, table):
            if table in ("faceid_idcard", "faceid_idcard_document"):
                for column in ENCRYPTED_COLUMNS:
                    assert row.get(column) is None or is_envelope(row[column]), f"{table}.{column} in clear"
                    row.pop(column, None)
            dumped.append(json.dumps(row, ensure_ascii=False, default=str))
    return "\n".join(dumped)


def test_encrypted_load_decrypts_through_the_helper_and_leaves_nothing_in_clear(
    monkeypatch: pytest.MonkeyPatch,
    faceid_local: FaceIdLocalServer,
    postgres_conn_id: str,
    pg_schema: str,
    pg_engine: sa.Engine,
    holders: tuple[Holder, Holder],
    tmp_path: Path,
    caplog: pytest.LogCaptureFixture,
    capsys: pytest.CaptureFixture[str],
) -> None:
    faceid_connection(monkeypatch, faceid_local)
    folder = stage(tmp_path / "scans", holders)
    with caplog.at_level(logging.DEBUG):
        summary = make_operator(postgres_conn_id, pg_schema, folder, **keys(monkeypatch)).execute(context())
    assert summary["loaded"] == 4 and summary["failed"] == 0

    fronts = [r for r in rows(pg_engine, pg_schema, "faceid_idcard") if r["side"] == "front"]
    assert len(fronts) == 2
    cipher = FieldCipher(ENCRYPTION_KEY)
    read = {}
    for row in fronts:
        assert all(is_envelope(row[c]) for c in ENCRYPTED_COLUMNS)
        assert len(row["id_card_number"]) == 64  # the HMAC stays the join key
        clear = decrypt_row(row, cipher)
        read[clear["id_card_number_encrypted"]] = clear
        assert row["name_masked"] == mask_name(clear["name"])
        assert row["address_masked"] == mask_address(clear["address"])
    for holder in holders:
        clear = read[holder.person.id_card_number]
        assert clear["name"] == holder.person.name
    documents = rows(pg_engine, pg_schema, "faceid_idcard_document")
    assert {d["status"] for d in documents} == {"complete"}
    assert {decrypt_row(d, cipher)["id_card_number_encrypted"] for d in documents} == set(read)

    # What was read, and what is printed on the cards, appears nowhere in clear: not in any column
    # but the encrypted ones, not in the task log, the summary or the server's log.
    secrets_ = clear_values(holders) + [v for c in read.values() for v in (c["name"], c["address"])]
    stored = dump_without_encrypted_columns(pg_engine, pg_schema)
    captured = capsys.readouterr()
    logs = (
        caplog.text
        + captured.out
        + captured.err
        + faceid_local.log()
        + json.dumps(summary, ensure_ascii=False)
    )
    assert find_leaks([stored], secrets_) == []
    assert find_leaks([logs], [*secrets_, ENCRYPTION_KEY, HMAC_KEY]) == []
    # The grep can fail: the encrypted columns, decrypted, hold what it looks for.
    clear = json.dumps([decrypt_row(r, cipher) for r in fronts], ensure_ascii=False, default=str)
    assert find_leaks([clear], clear_values(holders)) == clear_values(holders)


def test_an_analyst_role_with_only_the_view_reads_masked_rows(
    monkeypatch: pytest.MonkeyPatch,
    faceid_local: FaceIdLocalServer,
    postgres_conn_id: str,
    postgres_url: str,
    pg_schema: str,
    holders: tuple[Holder, Holder],
    tmp_path: Path,
) -> None:
    faceid_connection(monkeypatch, faceid_local)
    folder = stage(tmp_path / "scans", holders[:1])
    # Without encryption: the view must mask clear values too.
    make_operator(postgres_conn_id, pg_schema, folder).execute(context())

    role = f"faceid_analyst_{secrets.token_hex(4)}"
    admin = sa.create_engine(postgres_url, poolclass=sa.NullPool)
    with admin.begin() as conn:
        # The README's recipe: the analyst gets the view, not the table.
        conn.exec_driver_sql(f'CREATE ROLE "{role}" LOGIN')
        conn.exec_driver_sql(f'GRANT USAGE ON SCHEMA "{pg_schema}" TO "{role}"')
        conn.exec_driver_sql(f'GRANT SELECT ON "{pg_schema}".faceid_idcard_masked TO "{role}"')
    analyst = sa.create_engine(
        make_url(postgres_url).set(username=role, password=None), poolclass=sa.NullPool
    )
    try:
        with analyst.connect() as conn:
            masked = [
                dict(r._mapping)
                for r in conn.execute(sa.text(f'SELECT * FROM "{pg_schema}".faceid_idcard_masked'))
            ]
        with pytest.raises(sa.exc.ProgrammingError) as refused, analyst.connect() as conn:
            conn.execute(sa.text(f'SELECT name FROM "{pg_schema}".faceid_idcard'))
        assert isinstance(refused.value.orig, psycopg.errors.InsufficientPrivilege)
    finally:
        analyst.dispose()
        with admin.begin() as conn:
            conn.exec_driver_sql(f'DROP OWNED BY "{role}"')
            conn.exec_driver_sql(f'DROP ROLE "{role}"')
        admin.dispose()

    person = holders[0].person
    (front,) = [r for r in masked if r["side"] == "front"]
    assert front["name"] == mask_name(person.name) and front["name"] != person.name
    assert front["address"] == mask_address(person.address)
    assert front["id_card_number"] == mask_number(person.id_card_number)
    assert front["id_card_number_encrypted"] is None
    assert find_leaks([json.dumps(masked, ensure_ascii=False, default=str)], clear_values(holders[:1])) == []


def erase_context(key: str, run_id: str = "erase__1") -> dict[str, Any]:
    ctx = context(run_id)
    ctx["dag_run"] = SimpleNamespace(run_id=run_id, conf={"key": key})
    return ctx


def by_table(engine: sa.Engine, schema: str) -> dict[str, list[dict[str, Any]]]:
    return {t: rows(engine, schema, t) for t in TABLES}


def test_erasure_by_number_with_hmac_then_a_rerun_makes_no_call_and_records_erased(
    monkeypatch: pytest.MonkeyPatch,
    faceid_local: FaceIdLocalServer,
    postgres_conn_id: str,
    pg_schema: str,
    pg_engine: sa.Engine,
    holders: tuple[Holder, Holder],
    tmp_path: Path,
    caplog: pytest.LogCaptureFixture,
    capsys: pytest.CaptureFixture[str],
) -> None:
    faceid_connection(monkeypatch, faceid_local)
    folder = stage(tmp_path / "scans", holders)
    options = keys(monkeypatch)
    make_operator(postgres_conn_id, pg_schema, folder, **options).execute(context())
    erased_person, kept_person = holders[0].person, holders[1].person
    before = by_table(pg_engine, pg_schema)
    erased_uris = {str(folder / "doc-0" / "front.jpg"), str(folder / "doc-0" / "back.jpg")}
    erased_shas = {
        s["image_sha256"] for s in before["faceid_idcard_source"] if s["source_uri"] in erased_uris
    }
    assert len(erased_shas) == 2

    # Without the loads' HMAC key the number would match nothing: refused, nothing erased.
    with pytest.raises(ValueError, match="numbers in these tables are HMACs"):
        FaceIdEraseOperator(
            task_id="erase", key_kind="id_number", postgres_conn_id=postgres_conn_id, schema=pg_schema
        ).execute(erase_context(erased_person.id_card_number))
    assert rows(pg_engine, pg_schema, "faceid_idcard_erasure") == []
    with caplog.at_level(logging.DEBUG):
        summary = FaceIdEraseOperator(
            task_id="erase",
            key_kind="id_number",
            request_ref="PIPL-2026-0042",
            hmac_key_variable="faceid_hmac_key",
            postgres_conn_id=postgres_conn_id,
            schema=pg_schema,
        ).execute(erase_context(erased_person.id_card_number))
    captured = capsys.readouterr()
    logged = caplog.text + captured.out + captured.err + json.dumps(summary)
    assert "FaceID erasure" in logged and find_leaks([logged], [erased_person.id_card_number]) == []
    assert summary["images_erased"] == 2
    assert summary["rows_deleted"] == {
        "results": 2,
        "sources": 2,
        "failures": 0,
        "documents": 1,
        "document_history": 0,
    }

    after = by_table(pg_engine, pg_schema)
    assert {r["image_sha256"] for r in after["faceid_idcard"]}.isdisjoint(erased_shas)
    assert len(after["faceid_idcard"]) == 2 and len(after["faceid_idcard_document"]) == 1
    assert {s["source_uri"] for s in after["faceid_idcard_source"]}.isdisjoint(erased_uris)
    assert {t["image_sha256"] for t in after["faceid_idcard_tombstone"]} == erased_shas
    (audit,) = after["faceid_idcard_erasure"]
    assert audit["key_kind"] == "id_number" and audit["request_ref"] == "PIPL-2026-0042"
    assert audit["run_id"] == "erase__1" and audit["images_erased"] == 2
    assert set(audit["objects"]) == erased_uris and audit["objects_deleted"] is None
    # The audit says what kind of key, never the key, in clear or hashed.
    stored_number = next(
        r["id_card_number"]
        for r in before["faceid_idcard"]
        if r["image_sha256"] in erased_shas and r["id_card_number"]
    )
    audit_text = json.dumps(after["faceid_idcard_erasure"] + after["faceid_idcard_tombstone"], default=str)
    assert erased_person.id_card_number not in audit_text and stored_number not in audit_text
    assert kept_person.id_card_number in {
        decrypt_row(r, FieldCipher(ENCRYPTION_KEY))["id_card_number_encrypted"]
        for r in after["faceid_idcard"]
        if r["side"] == "front"
    }

    # The same folder again: the erased scans are read and hashed, never sent; they stay erased.
    calls = requests_made(faceid_local)
    rerun = make_operator(postgres_conn_id, pg_schema, folder, **options).execute(context("manual__2"))
    assert requests_made(faceid_local) == calls and rerun["ocr_calls"] == 0
    assert rerun["failed_by_code"] == {"ERASED": 2} and rerun["skipped"] == 2
    failures = {f["source_uri"]: f for f in rows(pg_engine, pg_schema, "faceid_idcard_failure")}
    assert set(failures) == erased_uris and {f["code"] for f in failures.values()} == {"ERASED"}
    assert not any(f["retryable"] for f in failures.values())
    assert {r["image_sha256"] for r in rows(pg_engine, pg_schema, "faceid_idcard")}.isdisjoint(erased_shas)
    # Even reprocess=True does not bring them back.
    forced = make_operator(postgres_conn_id, pg_schema, folder, reprocess=True, **options).execute(
        context("manual__3")
    )
    assert forced["failed_by_code"] == {"ERASED": 2}
    assert {r["image_sha256"] for r in rows(pg_engine, pg_schema, "faceid_idcard")}.isdisjoint(erased_shas)


def test_erasure_by_source_uri_takes_the_whole_document_and_deletes_the_scans(
    monkeypatch: pytest.MonkeyPatch,
    faceid_local: FaceIdLocalServer,
    postgres_conn_id: str,
    pg_schema: str,
    pg_engine: sa.Engine,
    holders: tuple[Holder, Holder],
    tmp_path: Path,
) -> None:
    faceid_connection(monkeypatch, faceid_local)
    folder = stage(tmp_path / "scans", holders)
    make_operator(postgres_conn_id, pg_schema, folder, pair_by="folder").execute(context())
    back = folder / "doc-1" / "back.jpg"
    summary = FaceIdEraseOperator(
        task_id="erase",
        key_kind="source_uri",
        key=str(back),
        delete_scans=True,
        postgres_conn_id=postgres_conn_id,
        schema=pg_schema,
    ).execute(context("erase__2"))
    assert summary["images_erased"] == 2 and summary["objects_deleted"] == 2
    assert not back.exists() and not (folder / "doc-1" / "front.jpg").exists()
    assert (folder / "doc-0" / "front.jpg").exists()
    (audit,) = rows(pg_engine, pg_schema, "faceid_idcard_erasure")
    assert audit["key_kind"] == "source_uri" and len(audit["objects_deleted"]) == 2
    assert audit["scans_done_at"] is not None
    assert {d["document_key"] for d in rows(pg_engine, pg_schema, "faceid_idcard_document")} == {"doc-0"}


def backdate(
    engine: sa.Engine, schema: str, document_key: str, *, loaded_days: int, captured_days: int
) -> None:
    """Make one document (and its images) look loaded and captured that many days ago."""
    with engine.begin() as conn:
        params = {"k": document_key, "loaded": f"{loaded_days} days", "captured": f"{captured_days} days"}
        conn.execute(
            sa.text(
                f'UPDATE "{schema}".faceid_idcard SET loaded_at = now() - CAST(:loaded AS interval) '
                "WHERE document_key = :k"
            ),
            params,
        )
        conn.execute(
            sa.text(
                f'UPDATE "{schema}".faceid_idcard_document '
                "SET updated_at = now() - CAST(:loaded AS interval), "
                "captured_at = now() - CAST(:captured AS interval) WHERE document_key = :k"
            ),
            params,
        )


def test_retention_over_mixed_ages_in_bounded_batches(
    monkeypatch: pytest.MonkeyPatch,
    faceid_local: FaceIdLocalServer,
    postgres_conn_id: str,
    pg_schema: str,
    pg_engine: sa.Engine,
    holders: tuple[Holder, Holder],
    tmp_path: Path,
) -> None:
    faceid_connection(monkeypatch, faceid_local)
    folder = stage(tmp_path / "scans", holders)
    (folder / "old-bad.jpg").write_bytes(b"not an image")
    (folder / "new-bad.jpg").write_bytes(b"not an image either")
    make_operator(postgres_conn_id, pg_schema, folder, pair_by="folder").execute(context())
    # doc-0: loaded 400 days ago, captured 500; doc-1: loaded yesterday, captured 500 days ago.
    backdate(pg_engine, pg_schema, "doc-0", loaded_days=400, captured_days=500)
    backdate(pg_engine, pg_schema, "doc-1", loaded_days=1, captured_days=500)
    with pg_engine.begin() as conn:
        conn.execute(
            sa.text(
                f"UPDATE \"{pg_schema}\".faceid_idcard_failure SET last_seen = now() - interval '400 days' "
                "WHERE source_uri LIKE '%old-bad.jpg'"
            )
        )
        # A name linked to an image that is gone (retention or erasure ran meanwhile): an orphan.
        conn.execute(
            sa.text(
                f'INSERT INTO "{pg_schema}".faceid_idcard_source (source_uri, image_sha256, last_seen) '
                "VALUES ('s3://gone/orphan.jpg', :sha, now() - interval '400 days')"
            ),
            {"sha": "0" * 64},
        )

    def retention(**kwargs: Any) -> dict[str, Any]:
        operator = FaceIdRetentionOperator(
            task_id="retention", retention=365, postgres_conn_id=postgres_conn_id, schema=pg_schema, **kwargs
        )
        return operator.execute(context("retention__1"))

    # One image a batch: the document's other side goes in the same batch, kept whole.
    by_load = retention(batch_size=1)
    assert by_load["deleted"] == {
        "results": 2,
        "sources": 3,
        "failures": 1,
        "documents": 1,
        "document_history": 0,
    }
    assert by_load["batches"] == 3  # the document (both sides in one), the failure, the orphan
    assert {d["document_key"] for d in rows(pg_engine, pg_schema, "faceid_idcard_document")} == {"doc-1"}
    assert {Path(f["source_uri"]).name for f in rows(pg_engine, pg_schema, "faceid_idcard_failure")} == {
        "new-bad.jpg"
    }
    assert {
        Path(s["source_uri"]).parent.name for s in rows(pg_engine, pg_schema, "faceid_idcard_source")
    } == {"doc-1"}
    # By capture time, doc-1 is old too; max_batches bounds one run, the next one goes on.
    first = retention(age_from="captured_at", batch_size=1, max_batches=1)
    assert first["batches"] == 1 and first["deleted"]["results"] == 2
    assert rows(pg_engine, pg_schema, "faceid_idcard") == []
    assert retention(age_from="captured_at")["batches"] == 0
    assert len(rows(pg_engine, pg_schema, "faceid_idcard_failure")) == 1


def test_key_rotation_while_a_load_runs(
    monkeypatch: pytest.MonkeyPatch,
    faceid_local_factory: Callable[..., FaceIdLocalServer],
    postgres_conn_id: str,
    pg_schema: str,
    pg_engine: sa.Engine,
    holders: tuple[Holder, Holder],
    tmp_path: Path,
) -> None:
    # A slow server: the second load is still running while the rotation goes through the rows.
    server = faceid_local_factory(concurrency_limit=1, workers=1, latency_ms=400)
    faceid_connection(monkeypatch, server)
    options = keys(monkeypatch)
    monkeypatch.setenv("AIRFLOW_VAR_FACEID_FIELD_KEY_NEW", NEW_KEY)
    make_operator(postgres_conn_id, pg_schema, stage(tmp_path / "day1", holders[:1]), **options).execute(
        context()
    )
    old_rows = sum(
        any(r[c] for c in ENCRYPTED_COLUMNS)
        for table in ("faceid_idcard", "faceid_idcard_document")
        for r in rows(pg_engine, pg_schema, table)
    )
    assert old_rows == 2  # the front and its document (a back holds nothing encrypted)

    # The loads switch to the new key first; the rotation then takes the rows of the old one.
    new_options = {**options, "encryption_key_variable": "faceid_field_key_new", "commit_every": 1}
    day2 = stage(tmp_path / "day2", holders[1:], start=1)
    for i in range(4):  # more distinct images for the load to work on
        (day2 / "doc-1" / f"extra-{i}.jpg").write_bytes(
            with_jpeg_comment(holders[1].front.read_bytes(), b"%d" % i)
        )
    load_done = threading.Event()
    errors: list[BaseException] = []

    def load() -> None:
        try:
            make_operator(postgres_conn_id, pg_schema, day2, **new_options).execute(context("manual__2"))
        except BaseException as exc:
            errors.append(exc)
        finally:
            load_done.set()

    rotate = FaceIdRotateKeyOperator(
        task_id="rotate",
        encryption_key_variable="faceid_field_key_new",
        previous_key_variables=["faceid_field_key"],
        batch_size=1,
        postgres_conn_id=postgres_conn_id,
        schema=pg_schema,
    )
    # Resumable: a run stopped after one batch leaves the rest for the next.
    stopped = FaceIdRotateKeyOperator(
        task_id="rotate",
        encryption_key_variable="faceid_field_key_new",
        previous_key_variables=["faceid_field_key"],
        batch_size=1,
        max_batches=1,
        postgres_conn_id=postgres_conn_id,
        schema=pg_schema,
    ).execute(context("rotate__0"))
    assert stopped["batches"] == 1 and stopped["left"] == old_rows - 1
    thread = threading.Thread(target=load)
    thread.start()
    try:
        assert wait_for(lambda: len(rows(pg_engine, pg_schema, "faceid_idcard")) > 2, timeout=120)
        during = rotate.execute(context("rotate__1"))
        running_after_rotation = not load_done.is_set()
    finally:
        thread.join(timeout=300)
    assert errors == []
    assert running_after_rotation, "the rotation must have overlapped the load"
    assert sum(during["rewritten"].values()) == old_rows - 1 and during["batches"] == old_rows - 1

    final = rotate.execute(context("rotate__2"))
    assert final["left"] == 0
    new_only = FieldCipher(NEW_KEY)
    results = rows(pg_engine, pg_schema, "faceid_idcard")
    fronts = [decrypt_row(r, new_only) for r in results if r["side"] == "front"]
    documents = [decrypt_row(d, new_only) for d in rows(pg_engine, pg_schema, "faceid_idcard_document")]
    assert {f["id_card_number_encrypted"] for f in fronts} == {h.person.id_card_number for h in holders}
    assert {d["id_card_number_encrypted"] for d in documents} == {h.person.id_card_number for h in holders}
    envelopes = [r[c] for r in results for c in ENCRYPTED_COLUMNS if r[c]]
    assert envelopes and all(e.split(":")[1] == new_only.key_id for e in envelopes)


KILL_AT_FIRST_COMMIT = """
import os, signal, sys
from airflow_provider_faceid import after_load

def die(self, loaded, failed):
    # The batch's rows are committed; the scans are not moved yet.
    os.kill(os.getpid(), signal.SIGKILL)

after_load.ScanDisposer.committed = die
from tests.integration.operators.test_faceid_operator import context, make_operator

conn_id, schema, source, archive = sys.argv[1:5]
make_operator(conn_id, schema, source, after_load="move", archive_to=archive).execute(context())
"""


def test_after_load_move_killed_between_commit_and_move_is_finished_by_the_rerun(
    monkeypatch: pytest.MonkeyPatch,
    faceid_local: FaceIdLocalServer,
    postgres_conn_id: str,
    pg_schema: str,
    pg_engine: sa.Engine,
    holders: tuple[Holder, Holder],
    tmp_path: Path,
) -> None:
    faceid_connection(monkeypatch, faceid_local)
    folder = stage(tmp_path / "scans", holders)
    (folder / "bad.jpg").write_bytes(b"not an image")
    archive = tmp_path / "archive"
    staged = sorted(p for p in folder.rglob("*.jpg"))
    killed = subprocess.run(
        [sys.executable, "-c", KILL_AT_FIRST_COMMIT, postgres_conn_id, pg_schema, str(folder), str(archive)],
        cwd=Path(__file__).parents[3],
        capture_output=True,
        timeout=300,
    )
    assert killed.returncode == -signal.SIGKILL, killed.stderr.decode(errors="replace")[-2000:]
    # Committed, not moved: every row is there, every scan still where it was.
    assert len(rows(pg_engine, pg_schema, "faceid_idcard")) == 4
    assert sorted(p for p in folder.rglob("*.jpg")) == staged and not archive.exists()

    calls = requests_made(faceid_local)
    summary = make_operator(
        postgres_conn_id, pg_schema, folder, after_load="move", archive_to=str(archive)
    ).execute(context("manual__2"))
    assert requests_made(faceid_local) == calls and summary["ocr_calls"] == 0
    assert summary["skipped_by_reason"] == {"loaded": 4, "failed_permanent": 1}
    assert summary["scans"] == {"moved": 4}
    # The failure is kept for inspection; the loaded scans are in the archive under their digests.
    assert [p.name for p in folder.rglob("*.jpg")] == ["bad.jpg"]
    for source in rows(pg_engine, pg_schema, "faceid_idcard_source"):
        assert Path(archive_uri(str(archive), source["image_sha256"], source["source_uri"])).is_file()
    assert len(list(archive.rglob("*.jpg"))) == 4


def test_after_load_delete_acts_once_committed_and_failures_can_be_moved(
    monkeypatch: pytest.MonkeyPatch,
    faceid_local: FaceIdLocalServer,
    postgres_conn_id: str,
    pg_schema: str,
    pg_engine: sa.Engine,
    holders: tuple[Holder, Holder],
    tmp_path: Path,
) -> None:
    faceid_connection(monkeypatch, faceid_local)
    folder = stage(tmp_path / "scans", holders[:1])
    (folder / "bad.jpg").write_bytes(b"not an image")
    archive = tmp_path / "failed"
    summary = make_operator(
        postgres_conn_id,
        pg_schema,
        folder,
        after_load="delete",
        after_load_failures="move",
        archive_to=str(archive),
    ).execute(context())
    assert summary["loaded"] == 2 and summary["scans"] == {"deleted": 2, "moved": 1}
    assert list(folder.rglob("*.jpg")) == []
    (failure,) = rows(pg_engine, pg_schema, "faceid_idcard_failure")
    assert failure["code"] == "IMAGE_UNDECODABLE"
    assert [p.name for p in archive.rglob("*.jpg")] == ["bad.jpg"]
    assert len(rows(pg_engine, pg_schema, "faceid_idcard")) == 2


def test_erasure_by_document_key_with_plain_numbers(
    monkeypatch: pytest.MonkeyPatch,
    faceid_local: FaceIdLocalServer,
    postgres_conn_id: str,
    pg_schema: str,
    pg_engine: sa.Engine,
    holders: tuple[Holder, Holder],
    tmp_path: Path,
) -> None:
    faceid_connection(monkeypatch, faceid_local)
    folder = stage(tmp_path / "scans", holders)
    # A second scan of holder 1's front (other bytes) in the staging root: a document of its own
    # (pair_by="folder"), the same number.
    (folder / "loose-front.jpg").write_bytes(with_jpeg_comment(holders[1].front.read_bytes(), b"again"))
    make_operator(postgres_conn_id, pg_schema, folder, pair_by="folder").execute(context())
    summary = FaceIdEraseOperator(
        task_id="erase",
        key_kind="document_key",
        key="doc-1",
        postgres_conn_id=postgres_conn_id,
        schema=pg_schema,
    ).execute(context("erase__3"))
    # The document's two sides, and the loose scan (and its document) through the shared number.
    assert summary["images_erased"] == 3 and summary["rows_deleted"]["documents"] == 2
    remaining = rows(pg_engine, pg_schema, "faceid_idcard")
    assert {r["id_card_number"] for r in remaining if r["side"] == "front"} == {
        holders[0].person.id_card_number
    }
    assert len(rows(pg_engine, pg_schema, "faceid_idcard_tombstone")) == 3


def test_retention_beside_a_running_load_deletes_only_the_old_and_loses_nothing(
    monkeypatch: pytest.MonkeyPatch,
    faceid_local_factory: Callable[..., FaceIdLocalServer],
    postgres_conn_id: str,
    pg_schema: str,
    pg_engine: sa.Engine,
    holders: tuple[Holder, Holder],
    tmp_path: Path,
) -> None:
    server = faceid_local_factory(concurrency_limit=1, workers=1, latency_ms=400)
    faceid_connection(monkeypatch, server)
    make_operator(
        postgres_conn_id, pg_schema, stage(tmp_path / "day1", holders[:1]), pair_by="folder"
    ).execute(context())
    backdate(pg_engine, pg_schema, "doc-0", loaded_days=400, captured_days=400)
    day2 = stage(tmp_path / "day2", holders[1:], start=1)
    for i in range(4):
        (day2 / "doc-1" / f"extra-{i}.jpg").write_bytes(
            with_jpeg_comment(holders[1].front.read_bytes(), b"%d" % i)
        )
    load_done = threading.Event()
    errors: list[BaseException] = []
    summaries: list[dict[str, Any]] = []

    def load() -> None:
        try:
            operator = make_operator(postgres_conn_id, pg_schema, day2, pair_by="folder", commit_every=1)
            summaries.append(operator.execute(context("manual__2")))
        except BaseException as exc:
            errors.append(exc)
        finally:
            load_done.set()

    thread = threading.Thread(target=load)
    thread.start()
    try:
        assert wait_for(lambda: len(rows(pg_engine, pg_schema, "faceid_idcard")) > 2, timeout=120)
        retention = FaceIdRetentionOperator(
            task_id="retention",
            retention=365,
            batch_size=1,
            postgres_conn_id=postgres_conn_id,
            schema=pg_schema,
        ).execute(context("retention__1"))
        running_after_retention = not load_done.is_set()
    finally:
        thread.join(timeout=300)
    assert errors == [] and running_after_retention, "the retention must have overlapped the load"
    assert retention["deleted"]["results"] == 2 and retention["deleted"]["documents"] == 1
    assert summaries[0]["loaded"] == 6 and summaries[0]["failed"] == 0
    remaining = rows(pg_engine, pg_schema, "faceid_idcard")
    assert len(remaining) == 6 and {r["document_key"] for r in remaining} == {"doc-1"}
    assert_each_file_in_exactly_one_place(pg_engine, pg_schema, day2)
