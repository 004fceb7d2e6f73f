"""A folder of hostile and odd staged files, each with the fate the operator must give it.

:func:`make_bad_inputs` writes the files and returns ``{file name: expected}``, where ``expected``
is a failure code or :data:`RESULT`. Every file is cheap to make: the big ones are uncompressed or
trivially compressible, and the card copies differ only in a JPEG COM segment, so faceid-local
replays them from its pixel cache instead of running OCR again.

Shared with ``benchmarks/reliability_report.py`` (see /tmp/issue6-contract.md).
"""

from __future__ import annotations

import io
import os
import struct
import zlib
from pathlib import Path

import numpy as np
from PIL import Image

from airflow_provider_faceid.local.specimens.generate import with_jpeg_comment as with_comment

RESULT = "result"

# Names that make URIs, COPY, logs and JSON work for their living: spaces, both quotes, CJK,
# URL metacharacters (% # ?), a tab, a backslash and a newline are all legal in a POSIX file name.
ODD_NAMES: tuple[str, ...] = (
    "with  spaces .jpg",
    'it\'s a "quoted" name.jpg',
    "身份证 正面（复印件）.jpg",
    "100% #1 ?x=1&y=2.jpg",
    "tab\tback\\slash.jpg",
    "new\nline.jpg",
)
PDF = b"%PDF-1.4\n1 0 obj << /Type /Catalog /Pages 2 0 R >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n"
BIG_PNG_SIDE = 3200  # 3200 x 3200 RGB stored uncompressed: 30.7 MB, under the 50 MiB read cap
BOMB_SIDE = 20_000  # 400 MP: over Pillow's own guard (2 x 89.5 MP), refused in Image.open; ~76 kB
SMALL_BOMB_SIDE = 9_000  # 81 MP: under Pillow's guard, over our 60 MP header check; ~15 kB


def make_bad_inputs(folder: Path, *, specimen: Path) -> dict[str, str]:
    """Write the bad-input files into ``folder`` and return ``{file name: expected code or "result"}``.

    ``specimen`` is a front-side card JPEG (e.g. from ``faceid-local specimens``); its copies and
    variants are the files expected to give a result. The pattern that stages all of them is
    :data:`PATTERNS` (``*.pdf`` included, so the PDF is staged and fails rather than being ignored).
    """
    folder.mkdir(parents=True, exist_ok=True)
    card = specimen.read_bytes()
    expected: dict[str, str] = {}

    def put(name: str, data: bytes, fate: str) -> None:
        (folder / name).write_bytes(data)
        expected[name] = fate

    put("empty.jpg", b"", "EMPTY_FILE")
    put("truncated.jpg", card[: len(card) // 2], "IMAGE_UNDECODABLE")
    put("png named.jpg", _png_of(card), RESULT)  # decoded by content, not by extension
    put("scan.pdf", PDF, "IMAGE_UNDECODABLE")
    put("scan pdf named.jpg", PDF, "IMAGE_UNDECODABLE")
    put("notes.jpg", "这不是图片, just text\n".encode() * 20, "IMAGE_UNDECODABLE")
    put("photo 30MB.png", _big_png(card), RESULT)
    put("bomb.png", _bomb_png(BOMB_SIDE), "DECOMPRESSION_BOMB")
    put("bomb 81MP.png", _bomb_png(SMALL_BOMB_SIDE), "DECOMPRESSION_BOMB")
    put("landscape.jpg", _landscape_jpeg(), RESULT)
    put("upside down.jpg", _rotated_jpeg(card), RESULT)
    for i, name in enumerate(ODD_NAMES):
        put(name, with_comment(card, f"bad-inputs copy {i}".encode()), RESULT)

    os.symlink("loop.jpg", folder / "loop.jpg")
    expected["loop.jpg"] = "READ_ERROR"
    os.symlink("does-not-exist.jpg", folder / "dangling.jpg")
    expected["dangling.jpg"] = "READ_ERROR"
    # We run as root, so chmod 000 does not make a file unreadable; a FIFO named .jpg would block
    # a naive open() forever, which is the failure mode worth testing.
    os.mkfifo(folder / "fifo.jpg")
    expected["fifo.jpg"] = "READ_ERROR"
    return expected


PATTERNS: tuple[str, ...] = ("*.jpg", "*.png", "*.pdf")
"""The operator's ``pattern`` for the bad-input folder."""


def _png_of(jpeg: bytes) -> bytes:
    out = io.BytesIO()
    Image.open(io.BytesIO(jpeg)).convert("RGB").save(out, format="PNG")
    return out.getvalue()


def _big_png(jpeg: bytes) -> bytes:
    """The card, 3x, on a grey desk, as a 30.7 MB PNG: read, downscaled and re-encoded under 2 MB.

    Stored uncompressed (compress_level=0) so that making it costs no CPU; the operator's path is
    the same as for a noisy 30 MB photo (decode, downscale to 2000 px, JPEG under the body limit).
    """
    photo = Image.new("RGB", (BIG_PNG_SIDE, BIG_PNG_SIDE), (70, 72, 75))
    card = Image.open(io.BytesIO(jpeg)).convert("RGB")
    card = card.resize((card.width * 3, card.height * 3))
    photo.paste(card, ((BIG_PNG_SIDE - card.width) // 2, (BIG_PNG_SIDE - card.height) // 2))
    out = io.BytesIO()
    photo.save(out, format="PNG", compress_level=0)
    return out.getvalue()


def _png_chunk(kind: bytes, data: bytes) -> bytes:
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))


def _bomb_png(side: int) -> bytes:
    """A ``side`` x ``side`` 1-bit white PNG, written row by row without ever holding the pixels."""
    row = b"\x00" + b"\xff" * ((side + 7) // 8)  # filter byte "None", then the packed bits
    compressor = zlib.compressobj(9)
    rows_per_chunk = 1000
    idat = b"".join(compressor.compress(row * rows_per_chunk) for _ in range(side // rows_per_chunk))
    idat += compressor.compress(row * (side % rows_per_chunk)) + compressor.flush()
    header = struct.pack(">IIBBBBB", side, side, 1, 0, 0, 0, 0)  # 1 bit, greyscale
    return (
        b"\x89PNG\r\n\x1a\n"
        + _png_chunk(b"IHDR", header)
        + _png_chunk(b"IDAT", idat)
        + _png_chunk(b"IEND", b"")
    )


def _landscape_jpeg() -> bytes:
    """A 1200x800 colour gradient with grain: a photo, but of no card."""
    width, height = 1200, 800
    x = np.linspace(0.0, 1.0, width)[None, :]
    y = np.linspace(0.0, 1.0, height)[:, None]
    sky = np.stack(
        np.broadcast_arrays(x * 200 + 30, y * 180 + 40, (x + y) * 60 + 80), axis=-1
    ) + np.random.default_rng(1).normal(0.0, 12.0, (height, width, 3))
    out = io.BytesIO()
    Image.fromarray(np.clip(sky, 0, 255).astype(np.uint8)).save(out, format="JPEG", quality=90)
    return out.getvalue()


def _rotated_jpeg(jpeg: bytes) -> bytes:
    """The card turned 180 degrees in its pixels (no EXIF orientation to help)."""
    out = io.BytesIO()
    Image.open(io.BytesIO(jpeg)).rotate(180).save(out, format="JPEG", quality=92)
    return out.getvalue()
