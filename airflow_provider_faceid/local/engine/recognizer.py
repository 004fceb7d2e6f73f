"""Detection, orientation and recognition of text lines, driven step by step.

Detection and the direction classifier are PP-OCRv4's from rapidocr-onnxruntime (v6 detection
costs 2-3x as much for the same boxes on cards). Recognition is the chosen line model
(``v6`` by default, see :mod:`line_models`), and a line the first model was unsure of gets a
second opinion from the other one: the reading with the surer weakest character is kept.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from airflow_provider_faceid.local.engine.ink import without_red_ink
from airflow_provider_faceid.local.engine.line_models import RECOGNIZERS, LineModel, V4Lines, V6Lines
from airflow_provider_faceid.local.engine.reading import UNSURE_BELOW, Reading
from airflow_provider_faceid.local.engine.textline import Point, TextLine

DEFAULT_RECOGNIZER = "v6"
# Lines whose mean confidence is below this are noise (guilloche, emblem strokes); same cut-off
# as rapidocr's default text_score.
_MIN_LINE_SCORE = 0.5
# A box this much longer than wide holds a text line whose direction is clear; square boxes
# (single characters) say nothing about it.
_ELONGATED = 1.5


@dataclass(frozen=True)
class Recognition:
    """The lines read from one image, with two orientation cues over all detected boxes: the
    share the direction classifier found upside down, and the share of elongated boxes that
    stand upright (vertical text: the card lies on its side)."""

    lines: list[TextLine]
    upside_down_share: float
    vertical_share: float


class Recognizer:
    """Owns one detector, classifier and both line models; not thread-safe (one per worker)."""

    def __init__(
        self, *, intra_op_threads: int = 1, recognizer: str = DEFAULT_RECOGNIZER, second_opinion: bool = True
    ) -> None:
        if recognizer not in RECOGNIZERS:
            raise ValueError(f"recognizer must be one of {', '.join(RECOGNIZERS)}, got {recognizer!r}")
        from rapidocr_onnxruntime import RapidOCR

        # rapidocr copies the Global thread settings into the det/cls/rec sessions. The "max"
        # limit keeps a 856x540 card at its own size: the default "min"/736 upscales it to
        # 1167x736, slower for the same reading.
        self._ocr = RapidOCR(
            intra_op_num_threads=intra_op_threads,
            inter_op_num_threads=1,
            det_limit_type="max",
            det_limit_side_len=960,
        )
        v4 = V4Lines(self._ocr)
        models: dict[str, LineModel] = {"v4": v4}
        if recognizer == "v6" or second_opinion:
            models["v6"] = V6Lines(intra_op_threads=intra_op_threads)
        self._first = models[recognizer]
        self._second = models.get("v4" if recognizer == "v6" else "v6") if second_opinion else None

    def read_line(self, crop: np.ndarray, box: tuple[Point, Point, Point, Point]) -> TextLine | None:
        """Recognise ``crop`` as one text line without detection; ``box`` is where the crop lies
        in the view. None when nothing was read. No line-score cut-off: a band around a short
        value also holds faint label print, and the caller judges characters one by one."""
        decoded = self._recognised([crop])[0]
        if not decoded.text.strip():
            return None
        return _line(decoded, box)

    def read(self, bgr: np.ndarray) -> Recognition:
        """Detect, orient and recognise every text line of ``bgr`` (coordinates of ``bgr``)."""
        bgr = without_red_ink(bgr)
        found, _ = self._ocr.auto_text_det(bgr)
        boxes = list(found) if found is not None else []
        if not boxes:
            return Recognition(lines=[], upside_down_share=0.0, vertical_share=0.0)
        crops = self._ocr.get_crop_img_list(bgr, boxes)
        crops, cls_res, _ = self._ocr.text_cls(crops)
        lines = []
        flipped = 0
        for box, (label, cls_score), decoded in zip(boxes, cls_res, self._recognised(crops), strict=True):
            if "180" in str(label) and float(cls_score) > self._ocr.text_cls.cls_thresh:
                flipped += 1
            if not decoded.text.strip() or decoded.mean_score < _MIN_LINE_SCORE:
                continue
            lines.append(_line(decoded, tuple((float(x), float(y)) for x, y in box)))  # type: ignore[arg-type]
        return Recognition(
            lines=lines, upside_down_share=flipped / len(boxes), vertical_share=_vertical_share(boxes)
        )

    def _recognised(self, crops: list[np.ndarray]) -> list[Reading]:
        """The first model's readings; lines with an unsure character read again by the second,
        whose reading replaces the first when its weakest character is surer."""
        readings = self._first.read(crops)
        if self._second is None:
            return readings
        doubtful = [i for i, decoded in enumerate(readings) if decoded.min_score < UNSURE_BELOW]
        if not doubtful:
            return readings
        for index, other in zip(doubtful, self._second.read([crops[i] for i in doubtful]), strict=True):
            if other.text.strip() and other.min_score > readings[index].min_score:
                readings[index] = other
        return readings


def _line(decoded: Reading, box: tuple[Point, Point, Point, Point]) -> TextLine:
    return TextLine(
        text=decoded.text,
        box=box,
        score=decoded.mean_score,
        char_scores=decoded.scores,
        runners_up=decoded.runners_up,
    )


def _vertical_share(boxes: list[np.ndarray]) -> float:
    sizes = [(float(np.linalg.norm(b[0] - b[1])), float(np.linalg.norm(b[0] - b[3]))) for b in boxes]
    elongated = [(w, h) for w, h in sizes if max(w, h) >= _ELONGATED * min(w, h)]
    return sum(h > w for w, h in elongated) / len(elongated) if elongated else 0.0
