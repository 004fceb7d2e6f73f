"""What happens to a staged scan once its outcome is committed: kept, deleted, or moved to an archive.

The loader hands a batch's objects over only after the batch's transaction committed, so a scan is
never gone while its row is not there. A crash between the commit and the move leaves the scan
where it was; the next run finds its row by URI, skips it without a call, and finishes the job.

A move goes to ``<archive_to>/<sha256>/<file name>``: the destination follows from the bytes, so a
move redone after a crash writes the same object again, and an erasure finds the archived copy of a
digest without a lookup table. Within one filesystem it is a rename; across filesystems (local to
``s3://``) a copy then a delete of the original.

Failures are kept for inspection by default (``on_failure="keep"``); only failures that will not be
retried are ever moved or deleted. A scan that cannot be moved or deleted is counted and logged by
its error class, never its contents; it fails neither the batch nor the task, and the next run tries
again.
"""

from __future__ import annotations

import logging
import posixpath
import threading
from collections import Counter
from collections.abc import Iterable
from typing import Literal

from airflow_provider_faceid.staging import StagedObject, filesystem_of

log = logging.getLogger(__name__)

AfterLoad = Literal["keep", "delete", "move"]
AFTER_LOAD: tuple[AfterLoad, ...] = ("keep", "delete", "move")


def archive_uri(archive_to: str, sha256: str, uri: str) -> str:
    """Where ``move`` puts the scan ``uri`` with digest ``sha256``."""
    name = posixpath.basename(uri.rstrip("/")) or "scan"
    return f"{archive_to.rstrip('/')}/{sha256}/{name}"


class ScanDisposer:
    """Applies ``after_load`` to committed loads and ``on_failure`` to committed permanent failures.

    :param after_load: ``"keep"``, ``"delete"`` or ``"move"`` for loaded scans (and their duplicates).
    :param on_failure: the same for scans that failed for good.
    :param archive_to: folder or object-store URL the moved scans go to (``move`` only).
    :param archive_conn_id: connection of the archive's store; not needed for local folders.
    """

    def __init__(
        self,
        *,
        after_load: AfterLoad = "keep",
        on_failure: AfterLoad = "keep",
        archive_to: str | None = None,
        archive_conn_id: str | None = None,
    ) -> None:
        for name, value in (("after_load", after_load), ("on_failure", on_failure)):
            if value not in AFTER_LOAD:
                raise ValueError(f"{name} must be one of {AFTER_LOAD}, got {value!r}")
        if "move" in (after_load, on_failure) and not archive_to:
            raise ValueError('"move" needs archive_to (a folder or an object-store URL)')
        self.after_load = after_load
        self.on_failure = on_failure
        self.archive_to = archive_to
        self.archive_conn_id = archive_conn_id
        self.counts: Counter[str] = Counter()
        self._lock = threading.Lock()

    @property
    def acts(self) -> bool:
        return self.after_load != "keep" or self.on_failure != "keep"

    def committed(
        self, loaded: Iterable[tuple[StagedObject, str]], failed: Iterable[tuple[StagedObject, str | None]]
    ) -> None:
        """Called by the loader after a commit with (object, digest) pairs of that batch."""
        for obj, sha in loaded:
            self._apply(self.after_load, obj, sha)
        for obj, maybe_sha in failed:
            self._apply(self.on_failure, obj, maybe_sha)

    def _apply(self, mode: AfterLoad, obj: StagedObject, sha256: str | None) -> None:
        if mode == "keep" or obj.problem is not None:
            return
        try:
            if mode == "delete":
                delete_object(obj.uri, obj.conn_id)
            elif sha256 is not None and self.archive_to is not None:
                move_object(
                    obj.uri, obj.conn_id, archive_uri(self.archive_to, sha256, obj.uri), self.archive_conn_id
                )
            else:
                return  # no digest (unreadable file): nothing to file it under, kept
        except (OSError, ValueError) as exc:
            with self._lock:
                self.counts[f"{mode}_errors"] += 1
            log.warning(
                "after_load=%s: a scan could not be handled (%s); the next run retries",
                mode,
                type(exc).__name__,
            )
            return
        with self._lock:
            self.counts["deleted" if mode == "delete" else "moved"] += 1


def delete_object(uri: str, conn_id: str | None) -> bool:
    """Delete one object; ``False`` if it was already gone."""
    fs, path = filesystem_of(uri, conn_id)
    if not fs.exists(path):
        return False
    fs.rm_file(path)
    return True


def move_object(uri: str, conn_id: str | None, target: str, target_conn_id: str | None) -> None:
    """Move one object to ``target``, overwriting: a redone move writes the same bytes again."""
    src_fs, src_path = filesystem_of(uri, conn_id)
    dst_fs, dst_path = filesystem_of(target, target_conn_id)
    if not src_fs.exists(src_path):
        if dst_fs.exists(dst_path):
            return  # moved by an earlier attempt
        raise FileNotFoundError("the scan is gone and not in the archive")
    parent = posixpath.dirname(dst_path)
    if parent:
        dst_fs.makedirs(parent, exist_ok=True)
    if src_fs is dst_fs:
        src_fs.mv(src_path, dst_path)
        return
    with src_fs.open(src_path, "rb") as reader, dst_fs.open(dst_path, "wb") as writer:
        while chunk := reader.read(1 << 20):
            writer.write(chunk)
    src_fs.rm_file(src_path)
