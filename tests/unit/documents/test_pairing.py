"""Pairing rules: a document key from a path, by folder, file-name pattern or manifest."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from airflow_provider_faceid.documents.pairing import (
    CHINA_TIME,
    FolderRule,
    ManifestRule,
    PatternRule,
    parse_manifest,
    parse_pair_by,
)
from airflow_provider_faceid.local.specimens.documents import PATTERN
from airflow_provider_faceid.staging import StagedObject

MTIME = 1_793_500_000.0


def obj(uri: str, modified: float | None = MTIME) -> StagedObject:
    return StagedObject(uri, 10, None, modified=modified)


def test_pair_by_names_one_of_three_rules() -> None:
    assert isinstance(parse_pair_by("folder"), FolderRule)
    assert isinstance(parse_pair_by("manifest:ids.csv"), ManifestRule)
    assert isinstance(parse_pair_by(PATTERN), PatternRule)


@pytest.mark.parametrize("spec", ["", "(unclosed", r".+_(front|back)\.jpg", "manifest:", "manifest:a/b.csv"])
def test_a_rule_that_names_nothing_is_refused(spec: str) -> None:
    with pytest.raises(ValueError, match="pair_by"):
        parse_pair_by(spec)


def test_folder_rule_keys_on_the_folder_holding_the_file_whatever_the_day() -> None:
    rule = FolderRule()
    first = rule.document_of(obj("/scans/2026-11-01/A123/front.jpg"))
    later = rule.document_of(obj("s3://bucket/scans/2026-11-02/A123/back.jpg"))
    assert first is not None and later is not None
    assert first.key == later.key == "A123"
    assert first.captured_at == dt.datetime.fromtimestamp(MTIME, dt.timezone.utc)
    assert rule.document_of(obj("front.jpg")) is None
    unknown = rule.document_of(obj("/a/b.jpg", modified=None))
    assert unknown is not None and unknown.captured_at is None


def test_pattern_rule_matches_the_whole_file_name() -> None:
    rule = PatternRule(r"(?P<document>.+)[_-](front|back|1|0)\.jpg")
    keys = [rule.document_of(obj(f"/day/{name}")) for name in ("A-77_front.jpg", "A-77-1.jpg")]
    assert [ref.key if ref else None for ref in keys] == ["A-77", "A-77"]
    assert rule.document_of(obj("/day/A-77_front.jpg.bak")) is None
    assert rule.document_of(obj("/day/photo.jpg")) is None


def test_manifest_rows_give_keys_and_optional_capture_times() -> None:
    text = (
        "document_id,front_uri,back_uri,captured_at\n"
        "D1,a.jpg,b.jpg,2026-11-01\n"
        "D2,/elsewhere/c.jpg,,2026-11-01T09:30:00+00:00\n"
        "\n"
        "D3,,s3://bucket/d.jpg\n"
    )
    entries = parse_manifest(text, folder="/day")
    assert {uri: e.key for uri, e in entries.items()} == {
        "/day/a.jpg": "D1",
        "/day/b.jpg": "D1",
        "/elsewhere/c.jpg": "D2",
        "s3://bucket/d.jpg": "D3",
    }
    assert entries["/day/a.jpg"].captured_at == dt.datetime(2026, 11, 1, tzinfo=CHINA_TIME)
    assert entries["/elsewhere/c.jpg"].captured_at == dt.datetime(2026, 11, 1, 9, 30, tzinfo=dt.timezone.utc)
    assert entries["s3://bucket/d.jpg"].captured_at is None


@pytest.mark.parametrize("text", ["D1,a.jpg\n", "D1,a.jpg,b.jpg,yesterday\n"])
def test_a_bad_manifest_row_names_its_line_not_its_cells(text: str) -> None:
    with pytest.raises(ValueError, match="line 1") as info:
        parse_manifest(text, folder="/day")
    assert "D1" not in str(info.value)


def test_manifest_rule_reads_the_manifest_beside_each_file(tmp_path: Path) -> None:
    day = tmp_path / "day"
    day.mkdir()
    (day / "ids.csv").write_text("P-1,scan-1.jpg,scan-2.jpg\n", "utf-8")
    rule = ManifestRule("ids.csv")
    ref = rule.document_of(obj(f"{day}/scan-2.jpg"))
    assert ref is not None and ref.key == "P-1"
    assert ref.captured_at == dt.datetime.fromtimestamp(MTIME, dt.timezone.utc)
    assert rule.document_of(obj(f"{day}/scan-3.jpg")) is None
    # No manifest in that folder: the image is loaded unpaired (a warning says so).
    assert rule.document_of(obj(f"{tmp_path}/other/scan-1.jpg")) is None
