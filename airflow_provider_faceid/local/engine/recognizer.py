"""RapidOCR (PP-OCRv4 det + direction classifier + rec) driven step by step.

RapidOCR's ``__call__`` only returns a mean score per line. The parser needs more: one confidence
per character (uncertain characters become ``*`` as in the real API) and the runner-up character
at each position (confusable digits of the ID number are repaired against its check digit). So we
run the same detector/classifier/recogniser objects ourselves and decode the CTC output here.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from airflow_provider_faceid.local.engine.textline import Point, TextLine

# PP-OCR's CTC output: class 0 is the blank, the last class is the space appended by rapidocr.
_BLANK = 0
# Lines whose mean confidence is below this are noise (guilloche, emblem strokes); same cut-off
# as rapidocr's default text_score.
_MIN_LINE_SCORE = 0.5
# A blank frame whose non-blank probability mass reaches this emits its best character; that
# character's own probability is then low, so the parser shows it as ``*`` unless it is sure.
_RESCUE_MASS = 0.35
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


class _CtcCapture:
    """Stands in for rapidocr's CTC decoder: decodes with per-character scores and runner-ups."""

    def __init__(self, characters: list[str]) -> None:
        self._characters = characters
        self.decoded: list[tuple[str, tuple[float, ...], tuple[str, ...]]] = []

    def __call__(self, preds: np.ndarray, return_word_box: bool = False, **_: Any) -> list[tuple[str, float]]:
        answers = []
        for sequence in preds:
            text, scores, runners = self._decode(sequence)
            self.decoded.append((text, scores, runners))
            answers.append((text, float(np.mean(scores)) if scores else 0.0))
        return answers

    def _decode(self, sequence: np.ndarray) -> tuple[str, tuple[float, ...], tuple[str, ...]]:
        labels = _rescued_labels(sequence, self._characters)
        keep = labels != _BLANK
        keep[1:] &= labels[1:] != labels[:-1]
        chars: list[str] = []
        scores: list[float] = []
        runners: list[str] = []
        for step in np.flatnonzero(keep):
            probs = sequence[step]
            label = int(labels[step])
            second = next(
                (int(i) for i in np.argsort(probs)[::-1][:3] if int(i) not in (_BLANK, label)), _BLANK
            )
            chars.append(self._characters[label])
            scores.append(float(probs[label]))
            runners.append(self._characters[second] if second != _BLANK else "")
        return "".join(chars), tuple(scores), tuple(runners)


def _rescued_labels(sequence: np.ndarray, characters: list[str]) -> np.ndarray:
    """Best label per frame, except that a blank frame with a likely ideograph or digit under it
    yields that character: rare characters often lose narrowly to the blank, their probability
    split among look-alikes (阚 0.23, 阙 0.09 against blank 0.58), and vanish from the text.

    Not when a neighbouring frame already reads it or a look-alike of it: that is the same glyph
    seen twice (or a genuine double letter, which needs its blank).
    """
    labels = sequence.argmax(axis=1)
    masked = sequence.copy()
    masked[:, _BLANK] = -1.0
    best_char = masked.argmax(axis=1)
    candidates = (labels == _BLANK) & (1.0 - sequence[:, _BLANK] >= _RESCUE_MASS)
    for step in np.flatnonzero(candidates):
        char = int(best_char[step])
        if not _rescuable(characters[char]):
            continue
        if _seen_next_door(sequence, labels, int(step), char):
            continue
        labels[step] = char
    return labels


def _seen_next_door(sequence: np.ndarray, labels: np.ndarray, step: int, char: int) -> bool:
    """True when a non-blank neighbouring frame has ``char`` among its three best labels."""
    for neighbour in (step - 1, step + 1):
        inside = 0 <= neighbour < len(labels) and labels[neighbour] != _BLANK
        if inside and char in np.argsort(sequence[neighbour])[::-1][:3]:
            return True
    return False


def _rescuable(char: str) -> bool:
    return ("\u4e00" <= char <= "\u9fff") or (char.isdigit() and char.isascii())


class Recognizer:
    """Owns one RapidOCR engine; not thread-safe (one per worker)."""

    def __init__(self, *, intra_op_threads: int = 1) -> None:
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
        rec = self._ocr.text_rec
        self._capture = _CtcCapture(list(rec.postprocess_op.character))
        rec.postprocess_op = self._capture

    def read_line(self, crop: np.ndarray, box: tuple[Point, Point, Point, Point]) -> TextLine | None:
        """Recognise ``crop`` as one text line without detection; ``box`` is where the crop lies
        in the view. None when nothing was read. No line-score cut-off: a band around a short
        value also holds faint label print, and the caller judges characters one by one."""
        self._capture.decoded = []
        self._ocr.text_rec([crop])
        text, scores, runners = self._capture.decoded[0]
        if not text.strip():
            return None
        return TextLine(
            text=text, box=box, score=float(np.mean(scores)), char_scores=scores, runners_up=runners
        )

    def read(self, bgr: np.ndarray) -> Recognition:
        """Detect, orient and recognise every text line of ``bgr`` (coordinates of ``bgr``)."""
        found, _ = self._ocr.auto_text_det(bgr)
        boxes = list(found) if found is not None else []
        if not boxes:
            return Recognition(lines=[], upside_down_share=0.0, vertical_share=0.0)
        crops = self._ocr.get_crop_img_list(bgr, boxes)
        crops, cls_res, _ = self._ocr.text_cls(crops)
        self._capture.decoded = []
        self._ocr.text_rec(crops)
        decoded = _in_crop_order(crops, self._capture.decoded)
        lines = []
        flipped = 0
        for box, (label, cls_score), (text, scores, runners) in zip(boxes, cls_res, decoded, strict=True):
            if "180" in str(label) and float(cls_score) > self._ocr.text_cls.cls_thresh:
                flipped += 1
            if not text.strip() or float(np.mean(scores)) < _MIN_LINE_SCORE:
                continue
            corners = tuple((float(x), float(y)) for x, y in box)
            lines.append(
                TextLine(
                    text=text,
                    box=corners,  # type: ignore[arg-type]
                    score=float(np.mean(scores)),
                    char_scores=scores,
                    runners_up=runners,
                )
            )
        return Recognition(
            lines=lines, upside_down_share=flipped / len(boxes), vertical_share=_vertical_share(boxes)
        )


def _vertical_share(boxes: list[np.ndarray]) -> float:
    sizes = [(float(np.linalg.norm(b[0] - b[1])), float(np.linalg.norm(b[0] - b[3]))) for b in boxes]
    elongated = [(w, h) for w, h in sizes if max(w, h) >= _ELONGATED * min(w, h)]
    return sum(h > w for w, h in elongated) / len(elongated) if elongated else 0.0


def _in_crop_order(
    crops: list[np.ndarray], decoded: list[tuple[str, tuple[float, ...], tuple[str, ...]]]
) -> list[tuple[str, tuple[float, ...], tuple[str, ...]]]:
    """Undo text_rec's batching order: it decodes crops sorted by aspect ratio (np.argsort)."""
    ratios = np.array([crop.shape[1] / float(crop.shape[0]) for crop in crops])
    ordered: list[tuple[str, tuple[float, ...], tuple[str, ...]]] = [("", (), ())] * len(crops)
    for position, crop_index in enumerate(np.argsort(ratios)):
        ordered[int(crop_index)] = decoded[position]
    return ordered
