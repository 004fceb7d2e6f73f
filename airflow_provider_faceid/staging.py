"""Staging: list the image files of a source and read them with their sha256.

A *source* is a folder, a key prefix or a glob, given as an ObjectStoragePath URL (``file://``,
``s3://``, ``gs://``, ``memory://``, anything fsspec knows) or as a plain absolute path. Listing is
lazy, recursive and sorted, so two runs over the same folder see the same files in the same order.

The contract with the operator: every object :func:`list_staged` yields ends as a result row or a
failure row. The ``pattern`` decides what counts as *staged*; by default that is every file whose
name ends in an image extension (case-insensitive), so a PDF dropped into the folder is not staged,
while a corrupt, empty or mislabelled file named ``.jpg`` is, and fails later with a reason. Entries
that cannot be read at all (dangling symlinks, symlink loops, FIFOs named ``*.jpg``, unreadable
sub-folders) are yielded with :attr:`StagedObject.problem` set, so they become failure rows rather
than disappearing; :func:`read_staged` raises ``READ_ERROR`` for them without touching the entry.
"""

from __future__ import annotations

import errno
import fnmatch
import hashlib
import logging
import os
import stat
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from functools import cache
from typing import Any

from fsspec import AbstractFileSystem
from fsspec.implementations.local import LocalFileSystem

log = logging.getLogger(__name__)

EMPTY_FILE = "EMPTY_FILE"
READ_ERROR = "READ_ERROR"
FILE_TOO_LARGE = "FILE_TOO_LARGE"
SOURCE_NOT_FOUND = "SOURCE_NOT_FOUND"
SOURCE_UNAVAILABLE = "SOURCE_UNAVAILABLE"

DEFAULT_MAX_BYTES = 50 * 1024 * 1024
"""Safety cap on one staged file. A scan is a few MB; 50 MB stops a stray video or disk image
from being read into memory while leaving room for 16-bit TIFF scans."""

IMAGE_EXTENSIONS: tuple[str, ...] = (
    "jpg",
    "jpeg",
    "jpe",
    "jfif",
    "png",
    "bmp",
    "webp",
    "tif",
    "tiff",
    "gif",
    # Phone cameras save HEIC by default. Staging them makes each one a visible failure row
    # (or a result when pillow-heif is installed) instead of silently leaving them out.
    "heic",
    "heif",
)
DEFAULT_PATTERNS: tuple[str, ...] = tuple(f"*.{ext}" for ext in IMAGE_EXTENSIONS)

_GLOB_CHARS = frozenset("*?[")
# Version tokens in the order we trust them: content hashes before timestamps.
_VERSION_KEYS = ("ETag", "etag", "md5Hash", "generation", "mtime", "LastModified", "last_modified", "created")


class StagingError(Exception):
    """A staged object could not be listed or read. ``code`` is one of the module's constants.

    Messages name the URI and the cause, never the file's contents.
    """

    def __init__(self, code: str, uri: str, reason: str) -> None:
        super().__init__(f"{code}: {uri}: {reason}")
        self.code = code
        self.uri = uri
        self.reason = reason

    def __reduce__(self) -> tuple[object, tuple[object, ...]]:
        return (type(self), (self.code, self.uri, self.reason))


class SourceUnavailableError(Exception):
    """The store holding the staged objects went away mid-run (the bucket was deleted).

    Not a failure of any one object, so it is no :class:`StagingError` and no failure row: it
    stops the task, after what was settled before it is kept.
    """

    def __init__(self, uri: str, reason: str) -> None:
        # The object's key stays out of the message: keys may be named after people.
        super().__init__(f"{SOURCE_UNAVAILABLE}: {reason}")
        self.code = SOURCE_UNAVAILABLE
        self.uri = uri
        self.reason = reason

    def __reduce__(self) -> tuple[object, tuple[object, ...]]:
        return (type(self), (self.uri, self.reason))


@dataclass(frozen=True)
class StagedObject:
    """One staged file.

    :param uri: where the file lives, in the form the source was given (plain path or URL).
    :param size: bytes, when the store reported it.
    :param etag: a version token: the ETag on S3/GCS, ``mtime:<seconds>`` for local files.
    :param conn_id: the Airflow connection used to reach the store (``None`` for local/memory).
    :param problem: why the entry cannot be read, when listing already knows (dangling symlink,
        symlink loop, not a regular file, unreadable folder); ``None`` for ordinary files.
    :param modified: last modification time (POSIX seconds) when the store reports one; documents
        take it as the capture time of the scan.
    """

    uri: str
    size: int | None
    etag: str | None
    conn_id: str | None = None
    problem: str | None = None
    modified: float | None = None


@dataclass(frozen=True)
class StagedBytes:
    """The contents of a staged file and their sha256 (lower-case hex)."""

    obj: StagedObject
    data: bytes = field(repr=False)
    sha256: str

    @property
    def uri(self) -> str:
        return self.obj.uri


@dataclass(frozen=True)
class _Source:
    fs: AbstractFileSystem
    path: str
    # Prefix put back in front of fsspec paths to form URIs: "" for plain paths, "file://" ...
    uri_prefix: str
    conn_id: str | None

    @property
    def is_local(self) -> bool:
        return isinstance(self.fs, LocalFileSystem)

    def uri(self, path: str) -> str:
        if self.is_local:
            return self.uri_prefix + path
        return str(self.fs.unstrip_protocol(path))


def list_staged(
    source: str,
    *,
    pattern: str | Sequence[str] | None = None,
    conn_id: str | None = None,
) -> Iterator[StagedObject]:
    """Yield the files of ``source`` in sorted order, recursing into sub-folders.

    :param source: folder, key prefix or glob (``**`` recurses), as a URL or a plain absolute path.
        A conn_id may also be given the Airflow way, ``s3://my_conn@bucket/prefix``.
    :param pattern: one or more fnmatch patterns matched case-insensitively against file *names*
        (not paths). ``None`` means :data:`DEFAULT_PATTERNS` for folders and prefixes, and no
        filter for glob sources and single files, whose selection the caller already made.
    :param conn_id: Airflow connection for remote stores; not needed for local or memory paths.
    :raises StagingError: ``SOURCE_NOT_FOUND`` when a non-glob source names no file, folder or
        prefix. A glob matching nothing, or an empty folder, yields nothing.
    """
    src = _resolve(source, conn_id)
    patterns = _normalise_patterns(pattern)
    # A folder literally named "scans [2024]" is a folder, not a character class.
    if any(c in src.path for c in _GLOB_CHARS) and not _exists(src):
        infos: dict[str, dict[str, Any]] = src.fs.glob(src.path, detail=True)
        yield from _expand(src, sorted(infos), patterns, default_filter=False, infos=infos)
        return
    if src.is_local:
        yield from _list_local(src, patterns)
    else:
        yield from _list_remote(src, patterns)


def read_staged(obj: StagedObject, *, max_bytes: int = DEFAULT_MAX_BYTES) -> StagedBytes:
    """Read one staged file whole and hash it.

    :raises StagingError: ``READ_ERROR`` (listing problem, vanished, not a regular file, I/O error),
        ``EMPTY_FILE`` (0 bytes), ``FILE_TOO_LARGE`` (more than ``max_bytes``).
    :raises SourceUnavailableError: the object is gone because its whole bucket is.
    """
    if obj.problem is not None:
        raise StagingError(READ_ERROR, obj.uri, obj.problem)
    if obj.size is not None and obj.size > max_bytes:
        raise StagingError(FILE_TOO_LARGE, obj.uri, f"{obj.size} bytes, limit {max_bytes}")
    src = _resolve(obj.uri, obj.conn_id)
    if obj.size == 0 and not src.is_local:
        # Object stores answer a ranged GET of an empty object with 416 (InvalidRange).
        raise StagingError(EMPTY_FILE, obj.uri, "0 bytes")
    try:
        # One byte over the cap tells "exactly max_bytes" from "larger", whatever size said.
        data = _read_local(src, obj.uri, max_bytes + 1) if src.is_local else _read_remote(src, max_bytes + 1)
    except StagingError:
        raise
    except FileNotFoundError as exc:
        if not src.is_local:
            _check_bucket(src, obj.uri)
            raise StagingError(READ_ERROR, obj.uri, "not found: deleted after it was listed") from None
        raise StagingError(READ_ERROR, obj.uri, _describe_os_error(exc)) from None
    except (OSError, ValueError) as exc:
        raise StagingError(READ_ERROR, obj.uri, _describe_os_error(exc)) from None
    return _checked(obj, data, max_bytes)


def read_staged_many(
    objects: Sequence[StagedObject], *, max_bytes: int = DEFAULT_MAX_BYTES
) -> list[StagedBytes | StagingError]:
    """:func:`read_staged` for several objects, in order: each entry is the bytes or the error.

    Objects of one asynchronous store (S3, GCS, Azure: fsspec's async filesystems) are fetched
    concurrently, one ranged GET each: an object store answers each GET after a round trip of tens
    of milliseconds, so reading a group one by one would cost a round trip per object.

    :raises SourceUnavailableError: an object is gone because its whole bucket is.
    """
    sources = [None if o.problem is not None else _resolve(o.uri, o.conn_id) for o in objects]
    stores = {id(src.fs) for src in sources if src is not None}
    first = next((src for src in sources if src is not None), None)
    if first is None or first.is_local or len(stores) != 1 or not getattr(first.fs, "async_impl", False):
        return [_read_one(obj, max_bytes) for obj in objects]
    wanted = {
        i: src.path
        for i, (obj, src) in enumerate(zip(objects, sources, strict=True))
        if src is not None and (obj.size is None or 0 < obj.size <= max_bytes)
    }
    paths = list(wanted.values())
    fetched = first.fs.cat_ranges(paths, 0, max_bytes + 1, on_error="return") if paths else []
    answers: dict[int, Any] = dict(zip(wanted, fetched, strict=True))
    out: list[StagedBytes | StagingError] = []
    for i, obj in enumerate(objects):
        if i not in answers:
            out.append(_read_one(obj, max_bytes))  # a listing problem, empty or over the cap: unread
            continue
        answer, src = answers[i], sources[i]
        if isinstance(answer, FileNotFoundError):
            assert src is not None  # only resolved objects were fetched
            _check_bucket(src, obj.uri)
            out.append(StagingError(READ_ERROR, obj.uri, "not found: deleted after it was listed"))
        elif isinstance(answer, BaseException):
            out.append(StagingError(READ_ERROR, obj.uri, _describe_os_error(answer)))
        else:
            try:
                out.append(_checked(obj, bytes(answer), max_bytes))
            except StagingError as exc:
                out.append(exc)
    return out


def _read_one(obj: StagedObject, max_bytes: int) -> StagedBytes | StagingError:
    try:
        return read_staged(obj, max_bytes=max_bytes)
    except StagingError as exc:
        return exc


def _checked(obj: StagedObject, data: bytes, max_bytes: int) -> StagedBytes:
    if len(data) > max_bytes:
        raise StagingError(FILE_TOO_LARGE, obj.uri, f"more than {max_bytes} bytes")
    if not data:
        raise StagingError(EMPTY_FILE, obj.uri, "0 bytes")
    return StagedBytes(obj=obj, data=data, sha256=hashlib.sha256(data).hexdigest())


def filesystem_of(uri: str, conn_id: str | None = None) -> tuple[AbstractFileSystem, str]:
    """The fsspec filesystem and path of ``uri``, resolved as listing and reading resolve it."""
    src = _resolve(uri, conn_id)
    return src.fs, src.path


def _read_local(src: _Source, uri: str, limit: int) -> bytes:
    # Opening a FIFO blocks until a writer appears; check the type first.
    if not stat.S_ISREG(os.stat(src.path).st_mode):
        raise StagingError(READ_ERROR, uri, "not a regular file")
    with src.fs.open(src.path, "rb") as fh:
        return bytes(fh.read(limit))


def _read_remote(src: _Source, limit: int) -> bytes:
    # One ranged GET, sized by the cap and not by a size the listing (or a filesystem cache)
    # reported: an object replaced since then is read whole, with no HEAD before it.
    return bytes(src.fs.cat_file(src.path, start=0, end=limit))


def _check_bucket(src: _Source, uri: str) -> None:
    """Raise :class:`SourceUnavailableError` when the bucket holding ``uri`` no longer exists.

    Asked only after a read found nothing: one object deleted after the listing is that object's
    failure, but a bucket deleted (or renamed away) mid-run would otherwise turn every object still
    to be read into a failure row, none of them the object's fault.
    """
    bucket = src.path.lstrip("/").split("/", 1)[0]
    src.fs.invalidate_cache(bucket)
    try:
        gone = not src.fs.exists(bucket)
    except (OSError, ValueError):
        gone = False  # cannot tell: the object's own failure row is the safe outcome
    if gone:
        raise SourceUnavailableError(uri, f"the bucket {bucket!r} no longer exists")


def _resolve(source: str, conn_id: str | None) -> _Source:
    from airflow.sdk import ObjectStoragePath

    if conn_id is None and (source.startswith("/") or source.startswith("file:///")):
        # Local paths are taken literally: URL parsing (urllib, WHATWG rules) silently drops tabs
        # and newlines, which are legal in POSIX file names, so such a file would read as missing.
        prefix = "file://" if source.startswith("file://") else ""
        local = os.path.abspath(source[len(prefix) :])
        return _Source(fs=_fsspec_filesystem("file"), path=local, uri_prefix=prefix, conn_id=None)
    path = ObjectStoragePath(source, conn_id=conn_id)
    protocol = path.protocol or "file"
    try:
        # Airflow's attach() builds the filesystem from the connection (credentials, endpoint).
        fs = path.fs
    except ValueError:
        if path.conn_id is not None:
            raise
        # No provider registers this scheme (memory://, or s3:// without the Amazon provider but
        # with s3fs configured through the environment): fsspec's own registry still knows it.
        fs = _fsspec_filesystem(protocol)
    fs_path = path.path
    if isinstance(fs, LocalFileSystem):
        fs_path = os.path.abspath(fs_path)
        prefix = "file://" if path.protocol else ""
    else:
        prefix = ""
    return _Source(fs=fs, path=fs_path, uri_prefix=prefix, conn_id=path.conn_id)


@cache
def _fsspec_filesystem(protocol: str) -> AbstractFileSystem:
    import fsspec

    return fsspec.filesystem(protocol)


def _normalise_patterns(pattern: str | Sequence[str] | None) -> tuple[str, ...] | None:
    if pattern is None:
        return None
    items = (pattern,) if isinstance(pattern, str) else tuple(pattern)
    return tuple(p.lower() for p in items)


def _name_matches(name: str, patterns: tuple[str, ...] | None, *, default_filter: bool) -> bool:
    if patterns is None:
        if not default_filter:
            return True
        patterns = DEFAULT_PATTERNS
    lowered = name.lower()
    return any(fnmatch.fnmatchcase(lowered, p) for p in patterns)


def _version_of(info: dict[str, Any]) -> str | None:
    for key in _VERSION_KEYS:
        value = info.get(key)
        if value is None:
            continue
        if key == "mtime":
            return f"mtime:{value}"
        if isinstance(value, datetime):
            # Some stores give datetimes from info() and floats from find(); agree on one form.
            return str(value.timestamp())
        return str(value).strip('"')
    return None


# --- local files --------------------------------------------------------------------------------


def _list_local(src: _Source, patterns: tuple[str, ...] | None) -> Iterator[StagedObject]:
    root = src.path
    try:
        st = os.stat(root)
    except OSError:
        st = None
    if st is not None and stat.S_ISDIR(st.st_mode):
        yield from _walk_local(src, root, patterns, default_filter=True)
        return
    if st is not None:
        yield from _local_entry(src, root, patterns, default_filter=False)
        return
    # Not a file or a folder: a name prefix inside an existing folder ("scans/2024-").
    parent, stem = os.path.split(root)
    try:
        names = sorted(n for n in os.listdir(parent) if n.startswith(stem))
    except OSError:
        names = []
    if not names:
        raise StagingError(SOURCE_NOT_FOUND, src.uri(root), "no file, folder or prefix of that name")
    yield from _expand(src, [os.path.join(parent, n) for n in names], patterns, default_filter=True)


def _exists(src: _Source) -> bool:
    if src.is_local:
        return os.path.lexists(src.path)
    return bool(src.fs.exists(src.path))


def _expand(
    src: _Source,
    paths: Sequence[str],
    patterns: tuple[str, ...] | None,
    *,
    default_filter: bool,
    infos: dict[str, dict[str, Any]] | None = None,
) -> Iterator[StagedObject]:
    """Yield glob or prefix matches: files as they are, folders walked."""
    for path in paths:
        if src.is_local:
            if os.path.isdir(path):
                yield from _walk_local(src, path, patterns, default_filter=True)
            else:
                yield from _local_entry(src, path, patterns, default_filter=default_filter)
            continue
        # Glob results carry their metadata: no extra round trip per match on object stores.
        info = infos[path] if infos is not None and path in infos else src.fs.info(path)
        if info.get("type") == "directory":
            yield from _list_remote(_Source(src.fs, path, src.uri_prefix, src.conn_id), patterns)
        elif _name_matches(_basename(path), patterns, default_filter=default_filter):
            yield _remote_object(src, path, info)


def _walk_local(
    src: _Source, root: str, patterns: tuple[str, ...] | None, *, default_filter: bool
) -> Iterator[StagedObject]:
    """Depth-first, names sorted within each folder; each real folder is entered once."""
    visited: set[tuple[int, int]] = set()
    root_st = os.stat(root)
    visited.add((root_st.st_dev, root_st.st_ino))
    stack: list[Iterator[str]] = [iter(_sorted_listing(src, root, is_root=True))]
    while stack:
        path = next(stack[-1], None)
        if path is None:
            stack.pop()
            continue
        if path.startswith("\0"):
            # Marker from _sorted_listing: a sub-folder that could not be listed.
            folder, reason = path[1:].split("\0", 1)
            yield StagedObject(src.uri(folder), None, None, src.conn_id, f"folder unreadable: {reason}")
            continue
        try:
            st = os.stat(path)
        except OSError as exc:
            if _name_matches(os.path.basename(path), patterns, default_filter=default_filter):
                yield StagedObject(src.uri(path), None, None, src.conn_id, _describe_os_error(exc))
            continue
        if stat.S_ISDIR(st.st_mode):
            key = (st.st_dev, st.st_ino)
            if key in visited:
                # A symlink back to a folder already listed: its files are staged once, via the
                # first path; following it again would loop forever or duplicate rows.
                log.warning("Skipping %s: folder already listed (symlink cycle or duplicate link)", path)
                continue
            visited.add(key)
            stack.append(iter(_sorted_listing(src, path, is_root=False)))
            continue
        yield from _local_entry(src, path, patterns, default_filter=default_filter, st=st)


def _sorted_listing(src: _Source, folder: str, *, is_root: bool) -> list[str]:
    try:
        names = sorted(os.listdir(folder))
    except OSError as exc:
        if is_root:
            raise StagingError(SOURCE_NOT_FOUND, src.uri(folder), _describe_os_error(exc)) from None
        return ["\0" + folder + "\0" + _describe_os_error(exc)]
    return [os.path.join(folder, n) for n in names]


def _local_entry(
    src: _Source,
    path: str,
    patterns: tuple[str, ...] | None,
    *,
    default_filter: bool,
    st: os.stat_result | None = None,
) -> Iterator[StagedObject]:
    if not _name_matches(os.path.basename(path), patterns, default_filter=default_filter):
        return
    uri = src.uri(path)
    if st is None:
        try:
            st = os.stat(path)
        except OSError as exc:
            yield StagedObject(uri, None, None, src.conn_id, _describe_os_error(exc))
            return
    if not stat.S_ISREG(st.st_mode):
        yield StagedObject(uri, None, None, src.conn_id, "not a regular file")
        return
    yield StagedObject(uri, st.st_size, f"mtime:{st.st_mtime}", src.conn_id, modified=st.st_mtime)


def _describe_os_error(exc: BaseException) -> str:
    if isinstance(exc, OSError) and exc.errno is not None:
        if exc.errno == errno.ELOOP:
            return "symlink loop"
        if exc.errno == errno.ENOENT:
            return "not found (vanished, or a dangling symlink)"
        return f"{errno.errorcode.get(exc.errno, exc.errno)}: {os.strerror(exc.errno)}"
    return type(exc).__name__


# --- object stores and other fsspec filesystems --------------------------------------------------


def _list_remote(src: _Source, patterns: tuple[str, ...] | None) -> Iterator[StagedObject]:
    fs = src.fs
    # Airflow keeps one filesystem per connection for the life of the process, and its listing
    # cache with it: a second run in the same worker must see the store as it is now.
    fs.invalidate_cache(src.path)
    if fs.isfile(src.path):
        if _name_matches(_basename(src.path), patterns, default_filter=False):
            yield _remote_object(src, src.path, fs.info(src.path))
        return
    if fs.isdir(src.path):
        # One flat listing: on object stores find() is a paginated prefix LIST, far cheaper than a
        # LIST per pseudo-folder. It holds metadata only (~0.5 KB per object), never contents.
        found: dict[str, dict[str, Any]] = fs.find(src.path, withdirs=False, detail=True)
        for name in sorted(found):
            if _name_matches(_basename(name), patterns, default_filter=True):
                yield _remote_object(src, name, found[name])
        return
    parent = src.path.rstrip("/").rsplit("/", 1)[0] if "/" in src.path.strip("/") else src.path
    found = fs.find(parent, withdirs=False, detail=True) if fs.isdir(parent) else {}
    names = sorted(n for n in found if n.startswith(src.path))
    if not names:
        raise StagingError(SOURCE_NOT_FOUND, src.uri(src.path), "no object, folder or prefix of that name")
    for name in names:
        if _name_matches(_basename(name), patterns, default_filter=True):
            yield _remote_object(src, name, found[name])


def _remote_object(src: _Source, path: str, info: dict[str, Any]) -> StagedObject:
    size = info.get("size")
    return StagedObject(
        uri=src.uri(path),
        size=int(size) if size is not None else None,
        etag=_version_of(info),
        conn_id=src.conn_id,
        modified=_modified_of(info),
    )


# Keys under which fsspec stores report a modification time (S3, GCS, Azure, local, memory).
_MODIFIED_KEYS = ("LastModified", "last_modified", "updated", "mtime", "created")


def _modified_of(info: dict[str, Any]) -> float | None:
    for key in _MODIFIED_KEYS:
        value = info.get(key)
        if isinstance(value, datetime):
            return value.timestamp()
        if isinstance(value, int | float) and not isinstance(value, bool):
            return float(value)
        if isinstance(value, str):
            try:
                return datetime.fromisoformat(value.replace("Z", "+00:00")).timestamp()
            except ValueError:
                continue
    return None


def _basename(path: str) -> str:
    return path.rstrip("/").rsplit("/", 1)[-1]
