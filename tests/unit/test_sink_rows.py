"""Pure row preparation of the Postgres sink: what goes into COPY, before any database is involved."""

from __future__ import annotations

import datetime as dt

import pytest

from airflow_provider_faceid.sink import (
    FAILURE_COLUMNS,
    RESULT_COLUMNS,
    _converted,
    _prepare_failures,
    _prepare_results,
    _to_text_array_literal,
    scrub_message,
)

SHA_A, SHA_B = "a" * 64, "b" * 64


def test_array_literal_escapes_quotes_and_backslashes() -> None:
    assert _to_text_array_literal([]) == "{}"
    assert (
        _to_text_array_literal(["A", 'say "hi"', "c:\\dir", None]) == '{"A","say \\"hi\\"","c:\\\\dir",NULL}'
    )
    with pytest.raises(ValueError, match="not a string"):
        _to_text_array_literal("FLAG")


def test_results_are_deduplicated_sorted_and_converted() -> None:
    rows = _prepare_results(
        [
            {"image_sha256": SHA_B, "name": "乙", "head_rect": {"lt": {"x": 0.5}}, "flags": ["F"]},
            {"image_sha256": SHA_A, "name": "甲", "source_uri": "s3://first", "source_size": 1},
            {"image_sha256": SHA_A, "name": "丙", "source_uri": "s3://second", "source_size": 2},
        ]
    )
    rows = list(_converted(rows, RESULT_COLUMNS))
    col = RESULT_COLUMNS.index
    assert [r[0] for r in rows] == [SHA_A, SHA_B]
    assert rows[0][col("name")] == "丙"
    assert (rows[0][col("source_uri")], rows[0][col("source_size")]) == ("s3://first", 1)
    assert rows[1][col("head_rect")] == '{"lt":{"x":0.5}}'
    assert rows[1][col("flags")] == '{"F"}'
    assert rows[1][col("birthday")] is None


def test_results_reject_unknown_columns_and_bad_digests() -> None:
    with pytest.raises(ValueError, match=r"results row 0: unknown column\(s\) \['loaded_at'\]"):
        _prepare_results([{"image_sha256": SHA_A, "loaded_at": dt.datetime.now()}])
    with pytest.raises(ValueError, match="64 lower-case hex"):
        _prepare_results([{"image_sha256": "abc"}])


def test_failures_count_occurrences_and_scrub_messages() -> None:
    rows = _prepare_failures(
        [
            {
                "source_uri": "s3://x",
                "code": "READ_ERROR",
                "retryable": True,
                "message": "n=110105194912310029",
            },
            {"source_uri": "s3://x", "code": "EMPTY_FILE", "retryable": False, "message": "empty"},
            {"source_uri": "s3://w", "code": "EMPTY_FILE", "retryable": False},
        ]
    )
    assert [r[0] for r in rows] == ["s3://w", "s3://x"]
    assert rows[1][FAILURE_COLUMNS.index("code")] == "EMPTY_FILE"
    assert rows[1][-1] == 2 and rows[0][-1] == 1  # the attempts increment follows the columns


def test_scrub_message_masks_numbers_but_not_longer_digit_runs() -> None:
    assert scrub_message("id 11010519491231002X failed") == "id 110*************2X failed"
    assert scrub_message("old 110105491231002") == "old 110**********02"
    assert scrub_message("sha 1234567890123456789012") == "sha 1234567890123456789012"
    assert len(scrub_message("x" * 5000)) == 2000
