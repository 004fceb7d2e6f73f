"""faceid-local's offline OCR engine: image bytes in, FaceID answer fields out.

Pipeline: decode (EXIF orientation applied) -> find and deskew the card -> make the text upright
-> recognise lines -> parse fields -> head_rect from the card geometry -> legality cues.
"""

from __future__ import annotations

import io
from typing import Any

import numpy as np
from PIL import Image, ImageOps, UnidentifiedImageError

from airflow_provider_faceid.local.engine.card_geometry import PHOTO_BOX, CardView, card_view
from airflow_provider_faceid.local.engine.legality import legality as legality_of
from airflow_provider_faceid.local.engine.parser import parse_card
from airflow_provider_faceid.local.engine.recognizer import Recognition, Recognizer

# Decoding beyond this many pixels per side buys no accuracy (the card is warped to 856x540)
# and costs time: JPEG DCT scaling (Pillow's draft) decodes big photos at 1/2, 1/4 ... size.
_DECODE_SIDE = 2000
# Share of detected boxes that must agree (upside down, vertical) before the view is turned.
_MAJORITY = 0.5


class ImageUnreadableError(Exception):
    """The uploaded bytes are not an image Pillow can decode."""


def decode_bgr(image: bytes) -> np.ndarray:
    """Decode to an upright BGR array (EXIF orientation applied) or raise ImageUnreadableError."""
    try:
        with Image.open(io.BytesIO(image)) as opened:
            opened.draft("RGB", (_DECODE_SIDE, _DECODE_SIDE))
            rgb = ImageOps.exif_transpose(opened).convert("RGB")
            rgb.load()
    except (UnidentifiedImageError, OSError, ValueError, SyntaxError, Image.DecompressionBombError) as exc:
        raise ImageUnreadableError("the image could not be decoded") from exc
    if rgb.width < 2 or rgb.height < 2:
        raise ImageUnreadableError("the image is too small to hold a card")
    return np.ascontiguousarray(np.asarray(rgb)[:, :, ::-1])


class CardReader:
    """Reads one ID-card image at a time; hold one per worker thread (it owns ONNX sessions)."""

    def __init__(self, *, intra_op_threads: int = 1) -> None:
        self._recognizer = Recognizer(intra_op_threads=intra_op_threads)

    def read(self, image: bytes, *, legality: bool = False) -> dict[str, Any]:
        """FaceID answer fields for ``image`` (without request_id/time_used)."""
        return self.read_pixels(decode_bgr(image), legality=legality)

    def read_pixels(self, bgr: np.ndarray, *, legality: bool = False) -> dict[str, Any]:
        """Like :meth:`read` for an image already decoded by :func:`decode_bgr` (upright BGR)."""
        view = card_view(bgr)
        view, recognition = self._read_upright(view)
        fields = parse_card(recognition.lines, card_size=view.card_size)
        if fields["side"] == "front":
            fields["head_rect"] = head_rect(view)
        if legality:
            fields["legality"] = legality_of(view.image, recognition.lines)
        return fields

    def _read_upright(self, view: CardView) -> tuple[CardView, Recognition]:
        """Read the view, turning it a quarter when its text runs vertically and half when the
        direction classifier finds most lines upside down (at most three reads)."""
        if view.image.shape[0] > view.image.shape[1]:
            view = view.rotated(1)
        recognition = self._recognizer.read(view.image)
        if recognition.vertical_share > _MAJORITY:
            view = view.rotated(1)
            recognition = self._recognizer.read(view.image)
        if recognition.upside_down_share > _MAJORITY:
            view = view.rotated(2)
            recognition = self._recognizer.read(view.image)
        return view, recognition


def head_rect(view: CardView) -> dict[str, dict[str, float]]:
    """The portrait area, normalised to the decoded image (it may exceed 0..1, as the API's)."""
    # Without a found quad the view is the whole frame, taken as a tight crop of the card.
    height, width = view.image.shape[:2]
    left, top, right, bottom = PHOTO_BOX
    corners = np.array(
        [[left * width, top * height], [right * width, top * height],
         [right * width, bottom * height], [left * width, bottom * height]],
        dtype=np.float64,
    )  # fmt: skip
    lt, rt, rb, lb = view.to_source_normalized(corners)
    return {
        name: {"x": round(x, 8), "y": round(y, 8)}
        for name, (x, y) in (("lt", lt), ("rt", rt), ("rb", rb), ("lb", lb))
    }
