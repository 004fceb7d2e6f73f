"""Image preparation: make staged bytes into an upload the FaceID API accepts.

One job: check that the bytes decode as an image, refuse decompression bombs before decoding, apply
the EXIF orientation, and get the file under the API's body limit. Small, upright JPEG and PNG files
pass through byte for byte (no quality loss, no CPU spent re-encoding); everything else is decoded,
turned upright, downscaled to :data:`DEFAULT_MAX_SIDE` when larger, and re-encoded as JPEG with the
quality stepped down (then the size) until it fits. Re-encoded files carry no EXIF (no GPS, no
camera serial). The format is read from the content, so a PNG named ``.jpg`` is fine.

Limits (all keyword arguments of :func:`prepare_image`):

* ``max_body_bytes`` = 2,000,000 - 8,192. The contract says "2MB" without saying whether that is
  10^6 or 2^20 bytes, and the limit applies to the whole multipart request; we take the smaller
  reading and leave 8 KiB for the multipart envelope. With requests' encoding, 64-character key and
  secret and ``legality``, the envelope is 566 bytes, 1,329 with a 255-character CJK file name (see
  ``tests/unit/test_imageprep.py::test_default_limit_leaves_room_for_multipart_envelope``).
* ``max_pixels`` = 60 million (a 50 MP phone photo or an A4 page at 600 dpi fits). The check reads
  the header only: ``Image.open`` is lazy, so a 20000x20000 PNG bomb is refused before any pixel is
  decoded. Pillow's own guard (``DecompressionBombError`` beyond ~179 MP) is also mapped to the code.
* ``max_side`` = 2000 px for re-encoded images: a card filling the frame is then read at ~600 dpi,
  and big JPEGs are decoded DCT-scaled via ``draft()`` (about 4x faster than decode + resize).
"""

from __future__ import annotations

import io
import logging
from dataclasses import dataclass, field

from PIL import Image, ImageFile, ImageOps, UnidentifiedImageError

log = logging.getLogger(__name__)

try:  # Optional: decode HEIC/HEIF phone photos when pillow-heif is installed.
    from pillow_heif import register_heif_opener
except ImportError:  # pragma: no cover - depends on the environment
    pass
else:  # pragma: no cover
    register_heif_opener()

IMAGE_UNDECODABLE = "IMAGE_UNDECODABLE"
DECOMPRESSION_BOMB = "DECOMPRESSION_BOMB"
IMAGE_TOO_LARGE = "IMAGE_TOO_LARGE"

API_BODY_LIMIT = 2_000_000
MULTIPART_ALLOWANCE = 8192
DEFAULT_MAX_BODY_BYTES = API_BODY_LIMIT - MULTIPART_ALLOWANCE
DEFAULT_MAX_PIXELS = 60_000_000
DEFAULT_MAX_SIDE = 2000

# Quality steps tried at each size before shrinking; below 70 JPEG ringing starts to hurt OCR of
# small characters more than a 20 % smaller image does.
_QUALITY_STEPS = (90, 80, 70)
_SHRINK_FACTOR = 0.8
# Below this long side a card's small print (address, validity dates) is no longer legible.
_MIN_LONG_SIDE = 640
_PASSTHROUGH_MODES = {"JPEG": {"L", "RGB"}, "PNG": {"L", "LA", "RGB", "RGBA", "P"}}
_EXIF_ORIENTATION = 0x0112
_warned_truncated = False
_FORMAT_INFO = {"JPEG": ("image/jpeg", ".jpg"), "PNG": ("image/png", ".png")}


class ImagePrepError(Exception):
    """The bytes cannot become an upload. ``code`` is one of the module's constants."""

    def __init__(self, code: str, reason: str) -> None:
        super().__init__(f"{code}: {reason}")
        self.code = code
        self.reason = reason

    def __reduce__(self) -> tuple[object, tuple[object, ...]]:
        return (type(self), (self.code, self.reason))


@dataclass(frozen=True)
class PreparedImage:
    """Bytes ready for the API's ``image`` field.

    :param format: ``"JPEG"`` or ``"PNG"``; ``mime`` and ``ext`` (``.jpg``/``.png``) follow from it.
    :param source_format: what the input was (``"JPEG"``, ``"PNG"``, ``"WEBP"``, ...).
    :param reencoded: ``False`` when ``data`` is the input unchanged.
    :param rotated: ``True`` when an EXIF orientation was applied.
    """

    data: bytes = field(repr=False)
    format: str
    width: int
    height: int
    source_format: str
    reencoded: bool
    rotated: bool = False

    @property
    def mime(self) -> str:
        return _FORMAT_INFO[self.format][0]

    @property
    def ext(self) -> str:
        return _FORMAT_INFO[self.format][1]

    @property
    def size(self) -> int:
        return len(self.data)


def prepare_image(
    data: bytes,
    *,
    max_body_bytes: int = DEFAULT_MAX_BODY_BYTES,
    max_pixels: int = DEFAULT_MAX_PIXELS,
    max_side: int = DEFAULT_MAX_SIDE,
) -> PreparedImage:
    """Check, orient and shrink one image; see the module docstring for the limits.

    :raises ImagePrepError: ``IMAGE_UNDECODABLE`` (not an image, truncated, corrupt),
        ``DECOMPRESSION_BOMB`` (more than ``max_pixels``), ``IMAGE_TOO_LARGE`` (still over
        ``max_body_bytes`` at the smallest legible size).
    """
    img = _open(data, max_pixels=max_pixels)
    source_format = img.format or "UNKNOWN"
    orientation = _orientation(img)
    if (
        len(data) <= max_body_bytes
        and orientation == 1
        and img.mode in _PASSTHROUGH_MODES.get(source_format, ())
    ):
        width, height = img.size
        _decode_check(img, draft=True)
        return PreparedImage(data, source_format, width, height, source_format, reencoded=False)

    if source_format == "JPEG" and max(img.size) > max_side:
        # DCT scaling: libjpeg decodes at 1/2, 1/4 or 1/8 size directly, never below the request,
        # so the request must be the target itself (rounded down), or it never scales at all.
        scale = max_side / max(img.size)
        img.draft("RGB", (max(1, int(img.width * scale)), max(1, int(img.height * scale))))
    _decode_check(img, draft=False)
    rotated = orientation != 1
    if rotated:
        img = ImageOps.exif_transpose(img)
    img = _to_jpeg_mode(img)
    if max(img.size) > max_side:
        img = _scaled(img, max_side / max(img.size))
    return _encode_under(img, max_body_bytes=max_body_bytes, source_format=source_format, rotated=rotated)


def _open(data: bytes, *, max_pixels: int) -> Image.Image:
    try:
        img = Image.open(io.BytesIO(data))
    except Image.DecompressionBombError as exc:
        raise ImagePrepError(DECOMPRESSION_BOMB, _bomb_reason(exc)) from None
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError, EOFError) as exc:
        raise ImagePrepError(IMAGE_UNDECODABLE, f"not a decodable image ({type(exc).__name__})") from None
    width, height = img.size
    if width <= 0 or height <= 0:
        raise ImagePrepError(IMAGE_UNDECODABLE, f"image has no pixels ({width}x{height})")
    if width * height > max_pixels:
        raise ImagePrepError(DECOMPRESSION_BOMB, f"{width}x{height} exceeds {max_pixels} pixels")
    return img


def _bomb_reason(exc: Exception) -> str:
    # Pillow's message is "Image size (N pixels) exceeds limit of M pixels, could be decompression
    # bomb DOS attack." -- no content, safe to keep.
    return str(exc).split(",")[0]


def _orientation(img: Image.Image) -> int:
    try:
        value = img.getexif().get(_EXIF_ORIENTATION, 1)
    except Exception:  # A corrupt EXIF block must not fail an otherwise good image.
        log.debug("Ignoring unreadable EXIF block", exc_info=True)
        return 1
    return value if isinstance(value, int) and 1 <= value <= 8 else 1


def _decode_check(img: Image.Image, *, draft: bool) -> None:
    """Decode the pixels: a truncated or corrupt file raises here, not at the API."""
    global _warned_truncated
    if ImageFile.LOAD_TRUNCATED_IMAGES and not _warned_truncated:
        _warned_truncated = True
        log.warning("PIL.ImageFile.LOAD_TRUNCATED_IMAGES is set: truncated images will not be detected")
    if draft and img.format == "JPEG":
        # A 1/8-scale decode still reads every entropy-coded segment, so truncation is caught,
        # at a fraction of the cost of a full decode.
        img.draft(img.mode, (max(1, img.width // 8), max(1, img.height // 8)))
    try:
        img.load()
    except Image.DecompressionBombError as exc:
        raise ImagePrepError(DECOMPRESSION_BOMB, _bomb_reason(exc)) from None
    except (OSError, SyntaxError, ValueError, EOFError) as exc:
        raise ImagePrepError(
            IMAGE_UNDECODABLE, f"image data is corrupt or truncated ({type(exc).__name__})"
        ) from None


def _to_jpeg_mode(img: Image.Image) -> Image.Image:
    if img.mode in ("RGB", "L"):
        return img
    if img.mode in ("I;16", "I;16B", "I;16L", "I"):
        # 16-bit scans: scale to 8 bits instead of letting convert("L") clip everything above 255.
        return img.convert("I").point(lambda v: v * (1 / 256)).convert("L")
    if img.mode == "F":
        return img.convert("L")
    if img.mode == "P" and "transparency" in img.info:
        img = img.convert("RGBA")
    if img.mode in ("RGBA", "LA", "PA", "RGBa", "La"):
        # Transparent areas become white (paper), not the black JPEG would otherwise give them.
        rgba = img.convert("RGBA")
        background = Image.new("RGB", rgba.size, (255, 255, 255))
        background.paste(rgba, mask=rgba.getchannel("A"))
        return background
    return img.convert("RGB")


def _scaled(img: Image.Image, factor: float) -> Image.Image:
    size = (max(1, round(img.width * factor)), max(1, round(img.height * factor)))
    return img.resize(size, Image.Resampling.LANCZOS, reducing_gap=2.0)


def _encode_under(
    img: Image.Image, *, max_body_bytes: int, source_format: str, rotated: bool
) -> PreparedImage:
    candidate = img
    factor = 1.0
    smallest = 0
    while True:
        for quality in _QUALITY_STEPS:
            buf = io.BytesIO()
            candidate.save(buf, "JPEG", quality=quality)
            smallest = buf.tell()
            if smallest <= max_body_bytes:
                return PreparedImage(
                    buf.getvalue(),
                    "JPEG",
                    candidate.width,
                    candidate.height,
                    source_format,
                    reencoded=True,
                    rotated=rotated,
                )
        if max(candidate.size) * _SHRINK_FACTOR < _MIN_LONG_SIDE:
            raise ImagePrepError(
                IMAGE_TOO_LARGE,
                f"{smallest} bytes at {candidate.width}x{candidate.height} q{_QUALITY_STEPS[-1]}, "
                f"limit {max_body_bytes}",
            )
        # Always scale from the full-size image: resampling a resampled image compounds the blur.
        factor *= _SHRINK_FACTOR
        candidate = _scaled(img, factor)
