"""Greedy CTC decoding with what the parser needs: a confidence and a runner-up per character.

Both recognisers (PP-OCRv4 from rapidocr-onnxruntime, PP-OCRv6 from the rapidocr 3.x wheel) end in
a softmax over their character set, class 0 being the CTC blank. Decoding here rather than in
rapidocr gives one confidence per character (unsure characters become ``*`` as in the real API)
and the recogniser's own second choice at each position, the only alternative the engine may use.
"""

from __future__ import annotations

from collections.abc import Iterable

import numpy as np

from airflow_provider_faceid.local.engine.reading import Reading

BLANK = 0
# A blank frame whose non-blank probability mass reaches this emits its best character; that
# character's own probability is then low, so the parser shows it as ``*`` unless it is sure.
_RESCUE_MASS = 0.35


class CtcDecoder:
    """Decodes the per-frame probabilities of one recogniser, over its character list.

    ``excluded`` characters are masked out before the decode (their probability goes to the rest
    of the frame), so the decoder can only answer characters a card prints: no Traditional forms,
    no spaces. Masking before decoding keeps the scores honest; converting afterwards would not.
    """

    def __init__(self, characters: list[str], *, excluded: Iterable[str] = ()) -> None:
        self.characters = characters
        banned = set(excluded)
        self._mask: np.ndarray | None = None
        if banned:
            mask = np.array([char not in banned for char in characters], dtype=np.float32)
            mask[BLANK] = 1.0
            self._mask = mask

    def decode(self, sequence: np.ndarray) -> Reading:
        if self._mask is not None:
            masked = sequence * self._mask
            sequence = masked / np.maximum(masked.sum(axis=1, keepdims=True), 1e-12)
        labels = _rescued_labels(sequence, self.characters)
        keep = labels != BLANK
        keep[1:] &= labels[1:] != labels[:-1]
        chars: list[str] = []
        scores: list[float] = []
        runners: list[str] = []
        for step in np.flatnonzero(keep):
            probs = sequence[step]
            label = int(labels[step])
            second = next(
                (
                    int(i)
                    for i in np.argsort(probs)[::-1][:3]
                    if int(i) not in (BLANK, label) and probs[i] > 0
                ),
                BLANK,
            )
            chars.append(self.characters[label])
            scores.append(float(probs[label]))
            runners.append(self.characters[second] if second != BLANK else "")
        return Reading("".join(chars), tuple(scores), tuple(runners))


def _rescued_labels(sequence: np.ndarray, characters: list[str]) -> np.ndarray:
    """Best label per frame, except that a blank frame with a likely ideograph or digit under it
    yields that character: rare characters often lose narrowly to the blank, their probability
    split among look-alikes (阚 0.23, 阙 0.09 against blank 0.58), and vanish from the text.

    Not when a neighbouring frame already reads it or a look-alike of it: that is the same glyph
    seen twice (or a genuine double letter, which needs its blank).
    """
    labels = sequence.argmax(axis=1)
    masked = sequence.copy()
    masked[:, BLANK] = -1.0
    best_char = masked.argmax(axis=1)
    candidates = (labels == BLANK) & (1.0 - sequence[:, BLANK] >= _RESCUE_MASS)
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
        inside = 0 <= neighbour < len(labels) and labels[neighbour] != BLANK
        if inside and char in np.argsort(sequence[neighbour])[::-1][:3]:
            return True
    return False


def _rescuable(char: str) -> bool:
    return ("\u4e00" <= char <= "\u9fff") or (char.isdigit() and char.isascii())
