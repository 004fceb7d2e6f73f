"""Replay cache: bytes keys and decoded-pixels keys, legality in both, bounded, LRU goes first."""

from __future__ import annotations

import io

import numpy as np
import pytest
from PIL import Image, ImageDraw

from airflow_provider_faceid.local.engine.card_reader import ImageUnreadableError
from airflow_provider_faceid.local.server.replay import (
    ReplayCache,
    engine_pixel_digest,
    jpeg_without_comments,
    pixels_digest,
)
from airflow_provider_faceid.local.specimens.generate import with_jpeg_comment as with_comment

ORIENTATION = 0x0112
IMAGE_DESCRIPTION = 0x010E


def picture() -> Image.Image:
    image = Image.new("RGB", (320, 200), "white")
    draw = ImageDraw.Draw(image)
    draw.rectangle((20, 20, 120, 150), fill=(40, 60, 200))
    draw.line((150, 40, 300, 180), fill="black", width=5)
    return image


def encode(image: Image.Image, fmt: str = "JPEG", **params: object) -> bytes:
    buffer = io.BytesIO()
    image.save(buffer, format=fmt, **params)
    return buffer.getvalue()


def test_key_depends_on_bytes_and_legality() -> None:
    assert ReplayCache.key(b"a", legality=False) == ReplayCache.key(b"a", legality=False)
    assert ReplayCache.key(b"a", legality=False) != ReplayCache.key(b"a", legality=True)
    assert ReplayCache.key(b"a", legality=False) != ReplayCache.key(b"b", legality=False)


def test_jpeg_comment_segments_do_not_change_the_bytes_key() -> None:
    jpeg = encode(picture(), quality=90)
    copies = [with_comment(jpeg, b"copy 1"), with_comment(with_comment(jpeg, b"a"), b"b" * 35_000)]
    keys = {ReplayCache.key(image, legality=False) for image in [jpeg, *copies]}
    assert len(keys) == 1
    assert b"".join(jpeg_without_comments(copies[1])) == jpeg
    # Anything else is another file: trailing bytes, an APP segment, other pixels.
    app15 = jpeg[:2] + b"\xff\xef\x00\x04hi" + jpeg[2:]
    other = encode(picture(), quality=80)
    for image in (jpeg + b"\x00", app15, other):
        assert ReplayCache.key(image, legality=False) not in keys


@pytest.mark.parametrize(
    "data",
    [
        b"",
        b"\xff\xd8",
        b"\xff\xd8\xff\xfe\xff\xff",
        b"\xff\xd8\xff\xfe\x00\x05ab",
        b"GIF89a",
        b"\xff\xd8junk",
    ],
)
def test_a_header_that_does_not_parse_is_hashed_whole(data: bytes) -> None:
    assert b"".join(jpeg_without_comments(data)) == data


def test_evicts_the_least_recently_used() -> None:
    cache = ReplayCache(max_entries=2)
    a, b, c = (ReplayCache.key(x, legality=False) for x in (b"a", b"b", b"c"))
    cache.put(a, {"side": "front"})
    cache.put(b, {"side": "back"})
    assert cache.get(a) == {"side": "front"}  # a is now the most recent
    cache.put(c, {"side": "front"})
    assert cache.get(b) is None
    assert cache.get(a) is not None and cache.get(c) is not None
    assert len(cache) == 2


def test_needs_room_for_one_entry() -> None:
    with pytest.raises(ValueError):
        ReplayCache(max_entries=0)


def test_bytes_and_pixels_keys_never_match_each_other() -> None:
    digest = ReplayCache.key(b"a", legality=False)[1]
    cache = ReplayCache(max_entries=4)
    cache.put(ReplayCache.pixels_key(digest, legality=False), {"side": "front"})
    assert cache.get(ReplayCache.key(b"a", legality=False)) is None
    assert cache.get(ReplayCache.pixels_key(digest, legality=True)) is None
    assert cache.get(ReplayCache.pixels_key(digest, legality=False)) == {"side": "front"}


def test_many_bytes_aliases_do_not_evict_the_pictures() -> None:
    cache = ReplayCache(max_entries=2)
    picture_key = ReplayCache.pixels_key(b"p" * 32, legality=False)
    cache.put(picture_key, {"side": "back"})
    for n in range(10):
        cache.put(ReplayCache.key(n.to_bytes(2, "big"), legality=False), {"side": "back"})
    assert cache.get(picture_key) == {"side": "back"}
    assert len(cache) == 3  # 2 newest aliases + the picture


def test_pixels_digest_tells_shape_and_dtype_apart() -> None:
    pixels = np.arange(12, dtype=np.uint8).reshape(3, 4)
    assert pixels_digest(pixels) == pixels_digest(pixels.copy())
    assert pixels_digest(pixels) != pixels_digest(pixels.reshape(4, 3))
    assert pixels_digest(pixels) != pixels_digest(pixels.astype(np.uint16))
    assert pixels_digest(pixels[:, ::-1]) == pixels_digest(np.ascontiguousarray(pixels[:, ::-1]))


def test_metadata_only_reencodings_share_the_pixel_digest() -> None:
    jpeg = encode(picture(), quality=90)
    comment = with_comment(jpeg, b"copy 000123")
    exif = Image.Exif()
    exif[IMAGE_DESCRIPTION] = "scanned at desk 4"
    described = encode(picture(), quality=90, exif=exif.tobytes())
    assert len({jpeg, comment, described}) == 3
    assert engine_pixel_digest(comment) == engine_pixel_digest(jpeg) == engine_pixel_digest(described)


def test_exif_orientation_is_applied_before_hashing() -> None:
    upright = encode(picture(), "PNG")
    exif = Image.Exif()
    exif[ORIENTATION] = 6  # "rotate 90 CW to view": stored turned a quarter the other way
    stored_turned = encode(picture().transpose(Image.Transpose.ROTATE_90), "PNG", exif=exif.tobytes())
    assert engine_pixel_digest(stored_turned) == engine_pixel_digest(upright)


def test_other_pixels_other_digest() -> None:
    marked = picture()
    marked.putpixel((300, 10), (255, 0, 0))
    assert engine_pixel_digest(encode(marked, "PNG")) != engine_pixel_digest(encode(picture(), "PNG"))


@pytest.mark.parametrize("data", [b"%PDF-1.4 not an image", encode(picture(), quality=90)[:600]])
def test_undecodable_bytes_raise_the_engine_error(data: bytes) -> None:
    with pytest.raises(ImageUnreadableError):
        engine_pixel_digest(data)
