"""Replay cache of faceid-local: an image the engine has already read is answered without new OCR.

Two keys lead to the same stored answer fields, both paired with the ``legality`` flag:

* **bytes**: sha256 of the uploaded image bytes, a JPEG's comment (COM) segments left out: a
  comment never reaches the decoder, so such copies are the same picture. Identical bytes always
  replay (the contract's "identical image bytes give the identical answer"); hashing ~60 KiB costs
  ~30 us, against ~10 ms for the decode the pixels key needs.
* **pixels**: sha256 of the decoded image the engine would read (shape, dtype and pixel bytes of
  :func:`~airflow_provider_faceid.local.engine.card_reader.decode_bgr`, i.e. after EXIF orientation and the
  engine's own DCT-scaled decode). Re-encodings that differ only in metadata (a JPEG COM segment, an
  EXIF comment, trailing bytes, another file name) replay too. This is sound by construction: the
  engine's answer is a function of exactly that array and the flag, nothing else in the file.

The server looks up the bytes key first; only on a miss does it decode (in a worker thread, off the
event loop) to get the pixels key, and a pixels hit is then remembered under its bytes key too, so a
repeat of the same file takes the fast path. A file that cannot be decoded is answered
IMAGE_ERROR_UNSUPPORTED_FORMAT at this step, exactly as the engine would answer it. On a full miss
the engine decodes the image once more (the engine's API takes bytes): one extra decode next to a
whole OCR run (see docs/benchmarks-operator.md for the measured cost).

Load benchmarks rely on this: thousands of files that differ only in a COM segment are distinct
images to the client (distinct sha256, so the operator calls the API for each) but cost the server
one OCR run per distinct picture, and no decode per request: on a 2-core machine that decode would
take CPU from the client being measured.
"""

from __future__ import annotations

import hashlib
import threading
from collections import OrderedDict
from collections.abc import Callable, Mapping
from typing import Any, Literal

import numpy as np

#: (kind, digest, legality); the kind keeps a bytes digest from ever matching a pixels digest.
ReplayKey = tuple[Literal["bytes", "pixels"], bytes, bool]
#: Turns uploaded bytes into the pixels digest; raises the engine's ImageUnreadableError if it cannot.
PixelDigest = Callable[[bytes], bytes]


def pixels_digest(pixels: np.ndarray) -> bytes:
    """sha256 over the array's shape, dtype and bytes (the shape keeps 2x3 apart from 3x2)."""
    digest = hashlib.sha256(f"{pixels.shape}|{pixels.dtype.str}|".encode())
    digest.update(np.ascontiguousarray(pixels).data.cast("B"))
    return digest.digest()


def engine_pixel_digest(image: bytes) -> bytes:
    """The pixels digest of what faceid-local's engine reads from ``image``."""
    from airflow_provider_faceid.local.engine.card_reader import decode_bgr

    return pixels_digest(decode_bgr(image))


_STANDALONE_MARKERS = frozenset({0x01, *range(0xD0, 0xD8)})  # TEM, RST0-7: no length field
_COM, _SOS = 0xFE, 0xDA


def jpeg_without_comments(image: bytes) -> list[memoryview]:
    """The pieces of ``image`` that are not JPEG COM segments, in order; ``[image]`` if not a JPEG.

    Only the header (up to the start of scan) is walked; a header that does not parse is taken
    whole, so a malformed file can only miss the cache, never share an entry with another file.
    """
    view = memoryview(image)
    if image[:2] != b"\xff\xd8":
        return [view]
    pieces: list[memoryview] = []
    kept_from, pos = 0, 2
    while pos + 4 <= len(image) and image[pos] == 0xFF:
        marker = image[pos + 1]
        if marker == 0xFF:  # fill byte before a marker
            pos += 1
            continue
        if marker in _STANDALONE_MARKERS:
            pos += 2
            continue
        end = pos + 2 + int.from_bytes(image[pos + 2 : pos + 4], "big")
        if end > len(image):
            break
        if marker == _COM:
            pieces.append(view[kept_from:pos])
            kept_from = end
        elif marker == _SOS:
            return [*pieces, view[kept_from:]]
        pos = end
    return [view]


class ReplayCache:
    """Two bounded LRUs (bytes keys, pixels keys) of engine answers, thread safe.

    Each LRU holds up to ``max_entries``: bytes aliases pointing at a few pictures must not push
    the pictures' own entries out. Values are the engine's answer fields only (no request_id or
    time_used); callers build a fresh answer around them and never mutate them.
    """

    def __init__(self, *, max_entries: int) -> None:
        if max_entries < 1:
            raise ValueError("max_entries must be at least 1")
        self._max_entries = max_entries
        self._entries: dict[str, OrderedDict[ReplayKey, Mapping[str, Any]]] = {
            "bytes": OrderedDict(),
            "pixels": OrderedDict(),
        }
        self._lock = threading.Lock()

    @staticmethod
    def key(image: bytes, *, legality: bool) -> ReplayKey:
        """The bytes key of ``image`` (JPEG comment segments left out)."""
        digest = hashlib.sha256()
        for piece in jpeg_without_comments(image):
            digest.update(piece)
        return "bytes", digest.digest(), legality

    @staticmethod
    def pixels_key(digest: bytes, *, legality: bool) -> ReplayKey:
        """The pixels key for a digest made by a :data:`PixelDigest` function."""
        return "pixels", digest, legality

    def get(self, key: ReplayKey) -> Mapping[str, Any] | None:
        with self._lock:
            entries = self._entries[key[0]]
            fields = entries.get(key)
            if fields is not None:
                entries.move_to_end(key)
            return fields

    def put(self, key: ReplayKey, fields: Mapping[str, Any]) -> None:
        with self._lock:
            entries = self._entries[key[0]]
            entries[key] = fields
            entries.move_to_end(key)
            while len(entries) > self._max_entries:
                entries.popitem(last=False)

    def __len__(self) -> int:
        """Distinct keys held, both kinds together."""
        with self._lock:
            return sum(len(entries) for entries in self._entries.values())
