"""How the staging location and the Postgres tables are named as OpenLineage datasets."""

from __future__ import annotations

import pytest

from airflow_provider_faceid.lineage.datasets import DatasetName, postgres_dataset, staging_datasets


@pytest.mark.parametrize(
    ("source", "expected"),
    [
        ("s3://scans/daily/2026-11-01/", DatasetName("s3://scans", "daily/2026-11-01")),
        ("s3://aws_scans@scans/daily/2026-11-01", DatasetName("s3://scans", "daily/2026-11-01")),
        ("s3://scans", DatasetName("s3://scans", "/")),
        ("gs://kyc-bucket/2026-", DatasetName("gs://kyc-bucket", "2026-")),
        ("s3://scans/2019/**/*.jpg", DatasetName("s3://scans", "2019")),
        ("/data/scans/2026-11-01/", DatasetName("file", "/data/scans/2026-11-01")),
        ("file:///data/scans/./2026-11-01", DatasetName("file", "/data/scans/2026-11-01")),
    ],
)
def test_a_location_is_named_by_scheme_bucket_and_prefix(source: str, expected: DatasetName) -> None:
    assert staging_datasets(source) == [expected]


def test_a_list_of_file_uris_is_named_by_the_folder_they_share_never_by_a_key() -> None:
    chunk = [
        "s3://scans/archive/2019/03/张三 front.jpg",
        "s3://scans/archive/2019/04/李四 back.jpg",
        "s3://scans/archive/2019/04/sub/王五.jpg",
        "/data/old/2018/赵六.jpg",
    ]
    assert staging_datasets(chunk) == [
        DatasetName("file", "/data/old/2018"),
        DatasetName("s3://scans", "archive/2019"),
    ]
    names = " ".join(d.name for d in staging_datasets(chunk))
    assert not any(person in names for person in ("张三", "李四", "王五", "赵六"))


def test_postgres_tables_are_named_host_port_and_database_schema_table() -> None:
    assert postgres_dataset(host="db.internal", port=5433, database="kyc", schema="ocr", table="t") == (
        DatasetName("postgres://db.internal:5433", "kyc.ocr.t")
    )
