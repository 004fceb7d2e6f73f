"""Planning: which staged objects cost an API call, and what happens to the others.

The API is paid per call, so a call is made only for bytes that are neither loaded nor
permanently failed. Decisions are taken in the cheapest order:

1. by source URI + size/etag, in batched look-ups, so a re-run does not even download a file it
   has already loaded (or that failed for good);
2. by sha256 of the bytes, so the same image under two names costs one call (whether the first
   copy was loaded by an earlier run or is in flight in this one);
3. by preparation (decode check, EXIF orientation, re-encode under the body limit), so a file the
   API would refuse fails here, for free, with a precise reason.

Bytes erased on request (tombstoned digests) never reach step 3: they fail with ``ERASED``, also
when ``reprocess`` is set.

Everything that does not become a :class:`WorkItem` is handed to the :class:`~.loader.Loader`
as it is decided, so every listed object ends in exactly one place.
"""

from __future__ import annotations

import itertools
import threading
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field

from airflow_provider_faceid.erasure import ERASED
from airflow_provider_faceid.imageprep import ImagePrepError, PreparedImage, prepare_image
from airflow_provider_faceid.loader import Failure, Loader
from airflow_provider_faceid.sink import PostgresSink, SourceStatus
from airflow_provider_faceid.staging import StagedBytes, StagedObject, StagingError, read_staged_many

# URIs per look-up query: large enough to amortise the round trip, small enough that the listing
# of a decade of scans is never held in memory at once.
LOOKUP_BATCH = 500
# Files read ahead per sha256 look-up: one query per group instead of one per file (a round trip
# per image was most of the planning time), while the bytes held at once stay bounded: a group
# closes at this many files or bytes of listed size, whichever comes first. An object store's
# group is fetched concurrently (one round trip for the group, not one per object).
SHA_LOOKUP_FILES = 32
SHA_LOOKUP_BYTES = 16 * 1024 * 1024
_ERASED = Failure(code=ERASED, message="erased on request: not read again", retryable=False)
Tombstones = Callable[[Iterable[str]], set[str]]
"""The digests among those given that were erased (see :func:`.erasure.tombstoned`)."""


@dataclass(frozen=True)
class WorkItem:
    """One image that will be sent to the API."""

    staged: StagedObject
    sha256: str
    image: PreparedImage = field(repr=False)


class Planner:
    """Turns the listing into the stream of images to send, reporting every other object to ``loader``.

    :param sink: where loaded and failed objects are recorded (read-only here).
    :param loader: receives skips, duplicates and pre-call failures as they are decided.
    :param reprocess: send every image again, whatever is recorded.
    :param max_file_bytes: staged files larger than this fail with ``FILE_TOO_LARGE`` unread.
    :param tombstones: finds erased digests among a group's; ``None`` checks none.
    """

    def __init__(
        self,
        *,
        sink: PostgresSink,
        loader: Loader,
        reprocess: bool = False,
        max_file_bytes: int,
        tombstones: Tombstones | None = None,
    ) -> None:
        self.sink = sink
        self.tombstones = tombstones
        self.loader = loader
        self.reprocess = reprocess
        self.max_file_bytes = max_file_bytes
        # sha256 -> objects with the same bytes that wait for the one call made for them.
        self._pending: dict[str, list[StagedObject]] = {}
        # sha256 -> how its call ended in this run (None: loaded); a few dozen bytes per image.
        self._settled: dict[str, Failure | None] = {}
        self._lock = threading.Lock()

    def work_items(self, listed: Iterable[StagedObject]) -> Iterator[WorkItem]:
        """Yield the images to send, lazily: memory holds one look-up batch of listing at most."""
        iterator = iter(listed)
        while batch := list(itertools.islice(iterator, LOOKUP_BATCH)):
            self.loader.count_listed(len(batch))
            for group in self._read_groups(self._unrecorded(batch)):
                known = set() if self.reprocess else self.sink.known_sha256(s.sha256 for s in group)
                erased = set() if self.tombstones is None else self.tombstones(s.sha256 for s in group)
                for staged in group:
                    item = self._prepare(staged, known=known, erased=erased)
                    if item is not None:
                        yield item

    def settle(self, sha256: str, failure: Failure | None) -> list[StagedObject]:
        """Record how the call for ``sha256`` ended; return the objects that waited for it.

        Later objects with the same bytes take the same fate without a call, even before the
        loader has flushed the result to Postgres.
        """
        with self._lock:
            self._settled[sha256] = failure
            return self._pending.pop(sha256, [])

    def _unrecorded(self, batch: list[StagedObject]) -> Iterator[StagedObject]:
        if self.reprocess:
            yield from batch
            return
        known = self.sink.known_sources(obj.uri for obj in batch)
        for obj in batch:
            state = known.get(obj.uri)
            if state is None or not state.same_object(size=obj.size, etag=obj.etag):
                yield obj
            elif state.status is SourceStatus.LOADED:
                self.loader.skipped(obj, reason="loaded", sha256=state.image_sha256)
            elif state.status is SourceStatus.FAILED_PERMANENT:
                self.loader.skipped(obj, reason="failed_permanent", sha256=state.image_sha256)
            else:
                yield obj

    def _read_groups(self, objects: Iterable[StagedObject]) -> Iterator[list[StagedBytes]]:
        """Read and hash ``objects`` in groups bounded in count and listed bytes (an object store's
        group is fetched concurrently); read failures go to the loader."""
        for window in _windows(objects):
            group: list[StagedBytes] = []
            read = read_staged_many(window, max_bytes=self.max_file_bytes)
            for obj, staged in zip(window, read, strict=True):
                if isinstance(staged, StagingError):
                    failure = Failure(code=staged.code, message=staged.reason)
                    self.loader.failed(obj, sha256=None, failure=failure)
                else:
                    group.append(staged)
            if group:
                yield group

    def _prepare(self, staged: StagedBytes, *, known: set[str], erased: set[str]) -> WorkItem | None:
        obj, sha = staged.obj, staged.sha256
        if not self._claim(obj, sha):
            return None
        if sha in erased:
            self._share([obj, *self.settle(sha, _ERASED)], sha, _ERASED)
            return None
        if sha in known:
            self._share([obj, *self.settle(sha, None)], sha, None)
            return None
        try:
            image = prepare_image(staged.data)
        except ImagePrepError as exc:
            failure = Failure(code=exc.code, message=exc.reason)
            self._share([obj, *self.settle(sha, failure)], sha, failure)
            return None
        return WorkItem(staged=obj, sha256=sha, image=image)

    def _claim(self, obj: StagedObject, sha: str) -> bool:
        """True when ``obj`` is the first object with these bytes in this run and needs a call."""
        with self._lock:
            if sha in self._settled:
                failure = self._settled[sha]
            elif sha in self._pending:
                self._pending[sha].append(obj)
                return False
            else:
                self._pending[sha] = []
                return True
        self._share([obj], sha, failure)
        return False

    def _share(self, objects: list[StagedObject], sha: str, failure: Failure | None) -> None:
        for obj in objects:
            if failure is None:
                self.loader.duplicate(obj, sha256=sha)
            else:
                self.loader.failed(obj, sha256=sha, failure=failure)


def _windows(objects: Iterable[StagedObject]) -> Iterator[list[StagedObject]]:
    """Runs of objects closed at SHA_LOOKUP_FILES objects or SHA_LOOKUP_BYTES of listed size, so
    the bytes held at once stay bounded before any of them is read."""
    window: list[StagedObject] = []
    size = 0
    for obj in objects:
        window.append(obj)
        size += obj.size or 0
        if len(window) >= SHA_LOOKUP_FILES or size >= SHA_LOOKUP_BYTES:
            yield window
            window, size = [], 0
    if window:
        yield window
