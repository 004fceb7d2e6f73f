"""Which document a scan belongs to, by a rule declared on the operator (``pair_by``).

Three rules, for the layouts scans arrive in:

* ``"folder"``: one folder per document (``<applicant id>/front.jpg``, ``back.jpg``); the key is the
  name of the folder holding the file, so the same applicant's folder under another day's folder
  is the same document;
* a regular expression with a named group ``document``, matched against the whole file *name*
  (``(?P<document>.+)[_-](front|back|1|0)\\.jpg``); a name that does not match has no document;
* ``"manifest:<file name>"``: a CSV file beside the images with rows ``document id, front URI,
  back URI[, captured_at]`` (a header row is recognised by its first cell); URIs are relative to
  the manifest's folder unless absolute. A file the manifest does not list has no document.

Never by guessing from the order of files. Which side a scan is comes from the API's answer, not
from its name: a rule only says which scans belong together.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import logging
import re
from collections import OrderedDict
from dataclasses import dataclass
from typing import NamedTuple, Protocol

from airflow_provider_faceid.staging import StagedObject, StagingError, read_staged

log = logging.getLogger(__name__)

FOLDER = "folder"
MANIFEST_PREFIX = "manifest:"
DOCUMENT_GROUP = "document"
# Card validity dates are Beijing dates: a naive manifest time, or a capture date, is read there.
CHINA_TIME = dt.timezone(dt.timedelta(hours=8), "CST")
MANIFEST_MAX_BYTES = 16 * 1024 * 1024
# Manifests kept parsed at once: a backfill over years of daily folders must not hold them all.
_MANIFEST_CACHE = 64
_HEADER_CELLS = frozenset({"document", "document_id", "document id", "id", "document_key"})


class DocumentRef(NamedTuple):
    """The document a scan belongs to and when it was captured (``None``: unknown).

    A named tuple (immutable as a frozen dataclass, built in a third of its time): one per image.
    """

    key: str
    captured_at: dt.datetime | None


class PairingRule(Protocol):
    def document_of(self, obj: StagedObject) -> DocumentRef | None:
        """The document ``obj`` belongs to, or ``None`` when the rule gives it none."""


def parse_pair_by(spec: str) -> PairingRule:
    """The rule ``pair_by`` names; :class:`ValueError` (naming the problem) when it names none."""
    if not isinstance(spec, str) or not spec:
        raise ValueError("pair_by must be 'folder', 'manifest:<file name>' or a regular expression")
    if spec == FOLDER:
        return FolderRule()
    if spec.startswith(MANIFEST_PREFIX):
        return ManifestRule(spec[len(MANIFEST_PREFIX) :])
    return PatternRule(spec)


def captured_at(obj: StagedObject) -> dt.datetime | None:
    """The scan's modification time as an aware datetime, when the store reported one."""
    if obj.modified is None:
        return None
    return dt.datetime.fromtimestamp(obj.modified, dt.timezone.utc)


def split_uri(uri: str) -> tuple[str, str]:
    """``(folder, file name)`` of a plain path or URL."""
    folder, _, name = uri.rstrip("/").rpartition("/")
    return folder, name


class FolderRule:
    """The key is the name of the folder holding the file."""

    def document_of(self, obj: StagedObject) -> DocumentRef | None:
        folder, _ = split_uri(obj.uri)
        key = split_uri(folder)[1] if folder else ""
        # A file at the root of a store has no folder to name its document.
        return DocumentRef(key, captured_at(obj)) if key else None

    def __repr__(self) -> str:
        return "FolderRule()"


class PatternRule:
    """The key is the ``document`` group of a regular expression matching the whole file name."""

    def __init__(self, pattern: str) -> None:
        try:
            self.pattern = re.compile(pattern)
        except re.error as exc:
            raise ValueError(f"pair_by is not a valid regular expression: {exc}") from None
        if DOCUMENT_GROUP not in self.pattern.groupindex:
            raise ValueError(
                "pair_by must be 'folder', 'manifest:<file name>' or a regular expression with a "
                f"named group (?P<{DOCUMENT_GROUP}>...); {pattern!r} has none"
            )

    def document_of(self, obj: StagedObject) -> DocumentRef | None:
        match = self.pattern.fullmatch(split_uri(obj.uri)[1])
        key = match.group(DOCUMENT_GROUP) if match else None
        return DocumentRef(key, captured_at(obj)) if key else None

    def __repr__(self) -> str:
        return f"PatternRule({self.pattern.pattern!r})"


@dataclass(frozen=True)
class _Entry:
    key: str
    captured_at: dt.datetime | None


class ManifestRule:
    """The key is the document id a manifest beside the file gives it."""

    def __init__(self, file_name: str) -> None:
        if not file_name or "/" in file_name or file_name in {".", ".."}:
            raise ValueError(f"pair_by='manifest:<file name>' needs a plain file name, got {file_name!r}")
        self.file_name = file_name
        self._manifests: OrderedDict[tuple[str, str | None], dict[str, _Entry]] = OrderedDict()

    def document_of(self, obj: StagedObject) -> DocumentRef | None:
        folder, _ = split_uri(obj.uri)
        entry = self._manifest(folder, obj.conn_id).get(obj.uri)
        if entry is None:
            return None
        return DocumentRef(entry.key, entry.captured_at or captured_at(obj))

    def __repr__(self) -> str:
        return f"ManifestRule({self.file_name!r})"

    def _manifest(self, folder: str, conn_id: str | None) -> dict[str, _Entry]:
        cache_key = (folder, conn_id)
        found = self._manifests.get(cache_key)
        if found is not None:
            self._manifests.move_to_end(cache_key)
            return found
        found = self._read(folder, conn_id)
        self._manifests[cache_key] = found
        if len(self._manifests) > _MANIFEST_CACHE:
            self._manifests.popitem(last=False)
        return found

    def _read(self, folder: str, conn_id: str | None) -> dict[str, _Entry]:
        uri = f"{folder}/{self.file_name}"
        try:
            staged = read_staged(StagedObject(uri, None, None, conn_id), max_bytes=MANIFEST_MAX_BYTES)
        except StagingError as exc:
            # No manifest: the folder's scans are loaded, unpaired. Its rows name no applicant.
            log.warning("No document manifest at %s (%s): its images get no document", uri, exc.code)
            return {}
        try:
            return parse_manifest(staged.data.decode("utf-8-sig"), folder=folder)
        except ValueError as exc:
            log.warning("Document manifest %s is unusable (%s): its images get no document", uri, exc)
            return {}


def parse_manifest(text: str, *, folder: str) -> dict[str, _Entry]:
    """URI -> document of a manifest's rows; relative URIs are taken from ``folder``.

    :raises ValueError: a row with fewer than three cells or an unreadable captured_at; the
        message gives the line, never its cells (document ids may be applicant ids).
    """
    entries: dict[str, _Entry] = {}
    for line, cells in enumerate(csv.reader(io.StringIO(text)), start=1):
        cells = [c.strip() for c in cells]
        if not any(cells):
            continue
        if line == 1 and cells[0].lower() in _HEADER_CELLS:
            continue
        if len(cells) < 3 or not cells[0]:
            raise ValueError(f"line {line}: expected document id, front URI, back URI[, captured_at]")
        when = _manifest_time(cells[3], line) if len(cells) > 3 and cells[3] else None
        for uri in cells[1:3]:
            if uri:
                entries[_resolve(uri, folder)] = _Entry(cells[0], when)
    return entries


def _resolve(uri: str, folder: str) -> str:
    return uri if uri.startswith("/") or "://" in uri else f"{folder}/{uri}"


def _manifest_time(text: str, line: int) -> dt.datetime:
    try:
        when = dt.datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        raise ValueError(f"line {line}: captured_at is not an ISO date or time") from None
    return when if when.tzinfo is not None else when.replace(tzinfo=CHINA_TIME)
