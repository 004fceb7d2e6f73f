"""The datasets of a load, as OpenLineage names them, without importing OpenLineage.

Staging (input): namespace from the URL's scheme and bucket (``s3://scans``), name the folder or
key prefix (``daily/2026-11-01``); local folders are namespace ``file``, name the absolute path.
Only the configured location is named, never an object key: keys may be named after people. A list
of file URIs (one chunk of a backfill) is named by the folder the files share.

Postgres (outputs): namespace ``postgres://host:port``, name ``database.schema.table``.
"""

from __future__ import annotations

import posixpath
import urllib.parse
from collections.abc import Iterable
from dataclasses import dataclass

_GLOB_CHARS = "*?["


@dataclass(frozen=True)
class DatasetName:
    namespace: str
    name: str


def staging_datasets(sources: str | Iterable[str]) -> list[DatasetName]:
    """One dataset per staging location (a list of file URIs collapses to their common folder)."""
    if isinstance(sources, str):
        return [_location(sources)]
    by_namespace: dict[str, list[str]] = {}
    for uri in sources:
        parsed = _location(uri)
        by_namespace.setdefault(parsed.namespace, []).append(posixpath.dirname(parsed.name.rstrip("/")))
    return [
        DatasetName(namespace, _common_folder(folders)) for namespace, folders in sorted(by_namespace.items())
    ]


def postgres_dataset(*, host: str, port: int, database: str, schema: str, table: str) -> DatasetName:
    return DatasetName(f"postgres://{host}:{port}", f"{database}.{schema}.{table}")


def _location(source: str) -> DatasetName:
    source = _before_glob(source)
    parts = urllib.parse.urlsplit(source)
    if not parts.scheme or parts.scheme == "file":
        path = parts.path if parts.scheme else source
        return DatasetName("file", posixpath.normpath(path))
    # s3://conn_id@bucket/prefix: the connection id is Airflow's, not part of the store's name.
    bucket = parts.netloc.rpartition("@")[2]
    name = parts.path.strip("/")
    return DatasetName(f"{parts.scheme}://{bucket}", name or "/")


def _before_glob(source: str) -> str:
    """``s3://b/scans/**/*.jpg`` -> ``s3://b/scans``: the folder a glob searches."""
    cut = min((i for i in (source.find(c) for c in _GLOB_CHARS) if i >= 0), default=-1)
    if cut < 0:
        return source
    return source[:cut].rpartition("/")[0] or source[:cut]


def _common_folder(folders: list[str]) -> str:
    common = posixpath.commonpath(folders) if all(f.startswith("/") for f in folders) else None
    if common is None:
        common = posixpath.commonpath([f.lstrip("/") for f in folders]) if folders else ""
    return common or "/"
