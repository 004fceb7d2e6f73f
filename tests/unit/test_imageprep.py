"""Image preparation with real images made here: big photos, EXIF rotation, bombs, junk bytes."""

from __future__ import annotations

import io
import struct
import zlib

import pytest
import requests
from PIL import Image, ImageDraw

from airflow_provider_faceid.imageprep import (
    API_BODY_LIMIT,
    DECOMPRESSION_BOMB,
    DEFAULT_MAX_BODY_BYTES,
    IMAGE_TOO_LARGE,
    IMAGE_UNDECODABLE,
    ImagePrepError,
    prepare_image,
)


def _encode(img: Image.Image, fmt: str, **params: object) -> bytes:
    buf = io.BytesIO()
    img.save(buf, fmt, **params)
    return buf.getvalue()


def _photo(width: int, height: int) -> Image.Image:
    """Noisy gradient with a drawn card: compresses like a camera photo, not like a flat image."""
    base = Image.radial_gradient("L").resize((width, height)).convert("RGB")
    noise = Image.effect_noise((width, height), 48).convert("RGB")
    img = Image.blend(base, noise, 0.5)
    draw = ImageDraw.Draw(img)
    draw.rectangle((width // 8, height // 8, width // 2, height // 2), outline=(200, 30, 30), width=8)
    return img


def _decoded(data: bytes) -> Image.Image:
    img = Image.open(io.BytesIO(data))
    img.load()
    return img


def _png_chunk(kind: bytes, payload: bytes) -> bytes:
    return struct.pack(">I", len(payload)) + kind + payload + struct.pack(">I", zlib.crc32(kind + payload))


def _blank_png(width: int, height: int) -> bytes:
    """A valid 1-bit PNG of any size, built row by row: a 20000x20000 bomb costs ~50 KB and 0.1 s."""
    row = b"\x00" * (1 + (width + 7) // 8)  # filter byte + packed bits
    comp = zlib.compressobj(9)
    idat = b"".join(comp.compress(row) for _ in range(height)) + comp.flush()
    ihdr = struct.pack(">IIBBBBB", width, height, 1, 0, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + _png_chunk(b"IHDR", ihdr)
        + _png_chunk(b"IDAT", idat)
        + _png_chunk(b"IEND", b"")
    )


@pytest.fixture(scope="module")
def big_jpeg() -> bytes:
    data = _encode(_photo(4000, 3000), "JPEG", quality=95)
    assert len(data) > 2 * 1024 * 1024
    return data


def test_big_photo_is_downscaled_under_the_limit(big_jpeg: bytes) -> None:
    out = prepare_image(big_jpeg)
    assert out.reencoded and out.format == "JPEG" and out.ext == ".jpg" and out.mime == "image/jpeg"
    assert out.size <= DEFAULT_MAX_BODY_BYTES
    img = _decoded(out.data)
    assert img.size == (out.width, out.height) == (2000, 1500)
    assert not img.getexif()


def test_small_jpeg_passes_through_untouched() -> None:
    data = _encode(_photo(856, 540), "JPEG", quality=90)
    out = prepare_image(data)
    assert out.data is data and not out.reencoded and not out.rotated
    assert (out.width, out.height, out.format) == (856, 540, "JPEG")


def test_exif_orientation_is_applied() -> None:
    img = Image.new("RGB", (300, 200), (0, 0, 255))
    img.paste((255, 0, 0), (0, 0, 150, 200))  # left half red as stored
    exif = Image.Exif()
    exif[0x0112] = 6  # "rotate 90 degrees clockwise to display"
    out = prepare_image(_encode(img, "JPEG", quality=95, exif=exif.tobytes()))
    assert out.reencoded and out.rotated
    shown = _decoded(out.data).convert("RGB")
    assert shown.size == (200, 300)
    top, bottom = shown.getpixel((100, 20)), shown.getpixel((100, 280))
    assert isinstance(top, tuple) and isinstance(bottom, tuple)
    assert top[0] > 200 and top[2] < 60, top  # stored left is displayed on top
    assert bottom[2] > 200 and bottom[0] < 60, bottom
    assert Image.open(io.BytesIO(out.data)).getexif().get(0x0112) is None


def test_png_named_jpg_is_decoded_by_content() -> None:
    data = _encode(_photo(640, 400), "PNG")
    out = prepare_image(data)
    assert not out.reencoded and out.format == "PNG" and out.ext == ".png" and out.mime == "image/png"


@pytest.mark.parametrize("keep", [0.5, 0.98])
def test_truncated_jpeg_is_undecodable(keep: float, big_jpeg: bytes) -> None:
    small = _encode(_photo(856, 540), "JPEG", quality=90)
    for data in (small, big_jpeg):  # the pass-through check and the re-encode path
        with pytest.raises(ImagePrepError) as err:
            prepare_image(data[: int(len(data) * keep)])
        assert err.value.code == IMAGE_UNDECODABLE


def test_truncated_png_is_undecodable() -> None:
    data = _encode(_photo(640, 400), "PNG")
    with pytest.raises(ImagePrepError) as err:
        prepare_image(data[: len(data) // 2])
    assert err.value.code == IMAGE_UNDECODABLE


@pytest.mark.parametrize(
    "data",
    [
        b"%PDF-1.7\n1 0 obj\n<< /Type /Catalog /Pages 2 0 R >>\nendobj\ntrailer\n%%EOF\n",
        "姓名 张三 公民身份号码 11010119900307001X\n".encode(),
        b"",
        b"\xff\xd8\xff\xe0" + b"\x00" * 64,  # JPEG magic, nothing behind it
    ],
    ids=["pdf", "text", "empty", "jpeg-magic-only"],
)
def test_non_images_are_undecodable(data: bytes) -> None:
    with pytest.raises(ImagePrepError) as err:
        prepare_image(data)
    assert err.value.code == IMAGE_UNDECODABLE
    assert "11010119900307001X" not in str(err.value)


def test_png_bomb_is_refused_from_the_header() -> None:
    bomb = _blank_png(20000, 20000)
    assert len(bomb) < 200_000
    with pytest.raises(ImagePrepError) as err:
        prepare_image(bomb)
    assert err.value.code == DECOMPRESSION_BOMB


def test_pixel_limit_below_pillows_own() -> None:
    # 9000x9000 = 81 MP: under Pillow's warning threshold (~89 MP), over our 60 MP default.
    with pytest.raises(ImagePrepError) as err:
        prepare_image(_blank_png(9000, 9000))
    assert err.value.code == DECOMPRESSION_BOMB
    assert "9000x9000" in err.value.reason
    with pytest.raises(ImagePrepError):
        prepare_image(_blank_png(1000, 1000), max_pixels=999_999)


def test_30mb_png_is_reencoded_under_the_limit() -> None:
    img = Image.frombytes("RGB", (3200, 3200), _noise_bytes(3200 * 3200 * 3))
    data = _encode(img, "PNG", compress_level=1)
    assert len(data) > 30_000_000
    out = prepare_image(data)
    assert out.reencoded and out.format == "JPEG" and out.source_format == "PNG"
    assert out.size <= DEFAULT_MAX_BODY_BYTES
    assert max(out.width, out.height) <= 2000
    _decoded(out.data)


def test_image_too_large_when_it_cannot_fit() -> None:
    img = Image.frombytes("RGB", (1200, 800), _noise_bytes(1200 * 800 * 3))
    with pytest.raises(ImagePrepError) as err:
        prepare_image(_encode(img, "PNG"), max_body_bytes=20_000)
    assert err.value.code == IMAGE_TOO_LARGE


def test_other_formats_become_jpeg_with_transparency_on_white() -> None:
    img = Image.new("RGBA", (400, 300), (0, 0, 0, 0))
    img.paste((10, 10, 10, 255), (0, 0, 100, 100))
    out = prepare_image(_encode(img, "WEBP", lossless=True))
    assert out.reencoded and out.format == "JPEG" and out.source_format == "WEBP"
    shown = _decoded(out.data).convert("RGB")
    paper, ink = shown.getpixel((300, 200)), shown.getpixel((50, 50))
    assert isinstance(paper, tuple) and isinstance(ink, tuple)
    assert min(paper) >= 245, paper  # transparent -> paper white, not JPEG's default black
    assert max(ink) <= 30, ink


def test_sixteen_bit_scan_keeps_its_tones() -> None:
    img = Image.new("I;16", (300, 200), 32768)
    out = prepare_image(_encode(img, "TIFF"))
    shown = _decoded(out.data)
    assert shown.mode == "L"
    value = shown.getpixel((150, 100))
    assert isinstance(value, int) and 120 <= value <= 136


def test_cmyk_jpeg_is_reencoded_to_rgb() -> None:
    out = prepare_image(_encode(Image.new("CMYK", (200, 100), (0, 255, 255, 0)), "JPEG"))
    assert out.reencoded
    shown = _decoded(out.data)
    assert shown.mode == "RGB"


def test_default_limit_leaves_room_for_multipart_envelope() -> None:
    image = b"\xff" * DEFAULT_MAX_BODY_BYTES
    request = requests.Request(
        "POST",
        "http://127.0.0.1/faceid/v1/ocridcard",
        data={"api_key": "k" * 64, "api_secret": "s" * 64, "legality": "1"},
        files={"image": ("身份证" * 85 + ".jpg", image, "image/jpeg")},
    ).prepare()
    body = request.body
    assert isinstance(body, bytes)
    envelope = len(body) - len(image)
    assert len(body) <= API_BODY_LIMIT <= 2 * 1024 * 1024
    assert envelope < 2048, envelope


def _noise_bytes(n: int) -> bytes:
    # Deterministic, incompressible, fast: repeat a 1 MiB random block with a per-block shift.
    import random

    rng = random.Random(7)
    block = rng.randbytes(1 << 20)
    out = bytearray()
    i = 0
    while len(out) < n:
        out += block[i % 997 :] + block[: i % 997]
        i += 1
    return bytes(out[:n])
