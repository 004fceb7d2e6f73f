"""faceid-local's offline OCR engine: image bytes in, FaceID answer fields out.

Pipeline: decode (EXIF orientation applied) -> read candidate views of the card, each made
upright, recognised and parsed -> keep the reading whose fields pass the most checks -> head_rect
from the card geometry -> legality cues.

No single geometric guess decides alone: a card finder can lock onto the portrait box, or a
photo's table edge, and a warp of the wrong quadrilateral reads nothing. So the whole frame is
always a candidate, the found quadrilateral another, and a view fitted to the text read so far a
third; a view is only read while the best reading so far is incomplete.
"""

from __future__ import annotations

import dataclasses
import functools
import io
from typing import Any

import numpy as np
from PIL import Image, ImageOps, UnidentifiedImageError

from airflow_provider_faceid.local.engine import labels as lb
from airflow_provider_faceid.local.engine.address_rescue import (
    rescued_address,
    rescued_address_end,
    rescued_address_gap,
    rescued_address_row_end,
)
from airflow_provider_faceid.local.engine.answer_checks import AnswerChecks, check_answer
from airflow_provider_faceid.local.engine.back_rescue import rescued_authority, rescued_validity
from airflow_provider_faceid.local.engine.bands import with_bands
from airflow_provider_faceid.local.engine.card_geometry import PHOTO_BOX, CardView, frame_view, quad_view
from airflow_provider_faceid.local.engine.ink import (
    has_pale_red_marks,
    in_grey,
    without_pale_red_marks,
    without_red_ink,
)
from airflow_provider_faceid.local.engine.layout import CardLayout
from airflow_provider_faceid.local.engine.legality import legality as legality_of
from airflow_provider_faceid.local.engine.levelling import Levelling
from airflow_provider_faceid.local.engine.parser import parse_card
from airflow_provider_faceid.local.engine.recognizer import DEFAULT_RECOGNIZER, Recognition, Recognizer
from airflow_provider_faceid.local.engine.row_rescue import rescued_birthday, rescued_lines, rescued_number
from airflow_provider_faceid.local.engine.text_fit import text_fitted_view
from airflow_provider_faceid.local.engine.textline import TextLine
from airflow_provider_faceid.local.engine.watermarks import mark_traces

# Decoding beyond this many pixels per side buys no accuracy (the card is warped to 856x540)
# and costs time: JPEG DCT scaling (Pillow's draft) decodes big photos at 1/2, 1/4 ... size.
_DECODE_SIDE = 2000
# Share of detected boxes that must agree (upside down, vertical) before the view is turned.
_MAJORITY = 0.5
# A found quadrilateral covering this much of the frame is a card photographed on a background:
# it is read before the frame. A smaller one (often the portrait box of a tight crop) only after.
_PHOTO_OF_A_CARD = 0.3
# The last view of an incomplete reading: the best view resized. Views with a side this long are
# read at _SMALLER (cheaper, and the detector's boxes differ), smaller ones at _LARGER.
_LARGE_VIEW = 800
_SMALLER = 0.75
_LARGER = 1.5
# Fields never taken from another view than the one whose reading won (see _completed).
_NOT_COMPLETED = frozenset({"side", "id_card_number"})


@dataclasses.dataclass(frozen=True)
class _Attempt:
    """One view read and parsed, with what its fields and labels vouch for."""

    view: CardView
    recognition: Recognition
    fields: dict[str, Any] = dataclasses.field(repr=False)  # card content: never in reprs
    checks: AnswerChecks
    labels: int
    traces: int

    @property
    def rank(self) -> tuple[int, int, int, int]:
        # Between readings that pass as much, the one with fewer characters blended with a mark
        # wins: the name and address have no check that would catch a mark over them.
        filled = sum(value is not None for value in self.fields.values())
        return self.checks.passed, self.labels, filled, -self.traces


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

    def __init__(
        self, *, intra_op_threads: int = 1, recognizer: str = DEFAULT_RECOGNIZER, second_opinion: bool = True
    ) -> None:
        """
        :param intra_op_threads: onnxruntime threads per model session.
        :param recognizer: the text-line model read first: ``v6`` (PP-OCRv6 small, the default) or
            ``v4`` (PP-OCRv4); see :mod:`~airflow_provider_faceid.local.engine.line_models`.
        :param second_opinion: read lines with an unsure character again with the other model.
        """
        self._recognizer = Recognizer(
            intra_op_threads=intra_op_threads, recognizer=recognizer, second_opinion=second_opinion
        )

    def read(self, image: bytes, *, legality: bool = False) -> dict[str, Any]:
        """FaceID answer fields for ``image`` (without request_id/time_used)."""
        return self.read_pixels(decode_bgr(image), legality=legality)

    def read_pixels(self, bgr: np.ndarray, *, legality: bool = False) -> dict[str, Any]:
        """Like :meth:`read` for an image already decoded by :func:`decode_bgr` (upright BGR)."""
        frame = frame_view(bgr)
        found = quad_view(bgr)
        views: list[CardView] = [frame]
        quad = frame
        if found is not None:
            quad, share = found
            views = [quad, frame] if share >= _PHOTO_OF_A_CARD else [frame, quad]
        attempts = [self._attempt(views[0])]
        for view in views[1:]:
            if _best(attempts).checks.complete:
                break
            attempts.append(self._attempt(view))
        best = found_best = _best(attempts)
        if not best.checks.complete:
            fitted = text_fitted_view(best.view, best.recognition.lines)
            if fitted is not None:
                attempts.append(self._attempt(fitted))
                best = _best(attempts)
        # Colour cues (legality) come from the view as captured, not from its deep-cleaned copy.
        captured = best.view.image
        if (not best.checks.complete or best.traces) and has_pale_red_marks(captured):
            deep = dataclasses.replace(best.view, image=without_pale_red_marks(captured))
            attempts.append(self._attempt(deep))
            best = _best(attempts)
        if not best.checks.complete:
            # The view found whole, not one fitted to the text read: rows the detector passed over
            # in colour lie outside that.
            grey = dataclasses.replace(found_best.view, image=in_grey(found_best.view.image))
            attempts.append(self._attempt(grey))
            best = _best(attempts)
        if not best.checks.complete:
            # Last: the best view at another scale, where the detector may find the rows it missed
            # (smaller when the view is large, larger when it is small).
            factor = _SMALLER if max(best.view.image.shape[:2]) >= _LARGE_VIEW else _LARGER
            attempts.append(self._attempt(best.view.scaled(factor)))
            best = _best(attempts)
        fields = _completed(best, attempts)
        if fields["side"] == "front":
            # The portrait box is known relative to the card: the view read if it is the card,
            # else the found quadrilateral, else the frame taken as a tight crop.
            card = best.view if best.view.card_size is not None else quad
            fields["head_rect"] = head_rect(card)
        if legality:
            fields["legality"] = legality_of(captured, best.recognition.lines)
        return fields

    def _attempt(self, view: CardView) -> _Attempt:
        view, recognition = self._read_upright(view)
        fields = parse_card(recognition.lines, card_size=view.card_size)
        recognition, fields = self._rescued(view, recognition, fields)
        layout = CardLayout.of(recognition.lines, (*lb.FRONT_LABELS, *lb.BACK_LABELS))
        labels = len({segment.label for segment in layout.segments if segment.label is not None})
        traces = mark_traces(recognition.lines)
        return _Attempt(view, recognition, fields, check_answer(fields), labels, traces)

    def _rescued(
        self, view: CardView, recognition: Recognition, fields: dict[str, Any]
    ) -> tuple[Recognition, dict[str, Any]]:
        """Rows the detector missed, read from where the other rows say they lie, and the
        fields parsed again with them (each rescue reads only for a field still missing or, for
        an address stopping on a digit, maybe unfinished: the answer's checks let that pass)."""
        image = without_red_ink(view.image)
        # On a tilted reading the rescues work on the image and boxes turned level, so that each
        # band runs along its row; the rows they add are turned back. A card view is level by its
        # warp, and placed by the card's proportions, which a turn would move.
        size = (image.shape[1], image.shape[0])
        levelling = Levelling.of(recognition.lines, size) if view.card_size is None else None
        if levelling is not None:
            image = levelling.image(image)
            recognition = dataclasses.replace(recognition, lines=levelling.lines(recognition.lines))
        number = functools.partial(rescued_number, card_size=view.card_size)
        address = functools.partial(rescued_address, card_size=view.card_size)
        address_gap = functools.partial(rescued_address_gap, card_size=view.card_size)
        address_row = functools.partial(rescued_address_row_end, card_size=view.card_size)
        address_end = functools.partial(rescued_address_end, card_size=view.card_size)
        rescues = (
            (number, rescued_birthday, rescued_lines, address, address_gap, address_row, address_end)
            if fields["side"] == "front"
            else (functools.partial(rescued_authority, card_size=view.card_size), rescued_validity)
        )
        for rescue in rescues:
            extra = rescue(image, recognition.lines, fields, self._recognizer.read_line)
            recognition, fields = _with_lines(view, recognition, fields, extra)
        if levelling is not None:
            recognition = dataclasses.replace(recognition, lines=levelling.undone(recognition.lines))
        return recognition, fields

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


def _best(attempts: list[_Attempt]) -> _Attempt:
    return max(attempts, key=lambda attempt: attempt.rank)


def _completed(best: _Attempt, attempts: list[_Attempt]) -> dict[str, Any]:
    """The best reading's fields, each one that fails its check taken from another view's reading
    where it passes, when the answer as a whole then passes more checks: one view may lose a row
    another reads (a mark over the birthday of the warped card, not of the frame). The number is
    never taken from elsewhere: it is what the other fields are checked against."""
    fields, checks = dict(best.fields), best.checks
    for other in sorted(attempts, key=lambda attempt: attempt.rank, reverse=True):
        if other is best or other.fields["side"] != fields["side"]:
            continue
        for name in checks.failing:
            if name in _NOT_COMPLETED or name in other.checks.failing or other.fields[name] is None:
                continue
            trial = {**fields, name: other.fields[name]}
            trial_checks = check_answer(trial)
            if trial_checks.passed > checks.passed:
                fields, checks = trial, trial_checks
    return fields


def _with_lines(
    view: CardView, recognition: Recognition, fields: dict[str, Any], extra: list[TextLine]
) -> tuple[Recognition, dict[str, Any]]:
    if not extra:
        return recognition, fields
    recognition = dataclasses.replace(recognition, lines=with_bands(recognition.lines, extra))
    return recognition, parse_card(recognition.lines, card_size=view.card_size)


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
