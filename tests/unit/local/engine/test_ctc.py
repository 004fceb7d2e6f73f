"""CTC decoding with per-character scores, runner-ups and rescue of rare characters."""

from __future__ import annotations

import numpy as np

from airflow_provider_faceid.local.engine.ctc import CtcDecoder

CHARS = ["blank", "阚", "阙", "怡", "英", "1", "—", " "]


def frames(*rows: dict[str, float]) -> np.ndarray:
    out = np.zeros((len(rows), len(CHARS)), np.float32)
    for i, row in enumerate(rows):
        for char, prob in row.items():
            out[i, CHARS.index(char)] = prob
    return out


def decode(sequence: np.ndarray) -> tuple[str, tuple[float, ...], tuple[str, ...]]:
    decoded = CtcDecoder(CHARS).decode(sequence)
    return decoded.text, decoded.scores, decoded.runners_up


def test_scores_and_runner_ups_per_character() -> None:
    text, scores, runners = decode(frames({"怡": 0.9, "英": 0.1}, {"blank": 1.0}, {"英": 0.8, "怡": 0.2}))
    assert text == "怡英"
    assert scores == (np.float32(0.9), np.float32(0.8))
    assert runners == ("英", "怡")


def test_a_rare_character_losing_narrowly_to_the_blank_is_kept_as_unsure() -> None:
    text, scores, _ = decode(
        frames(
            {"blank": 1.0}, {"blank": 0.58, "阚": 0.23, "阙": 0.09, "英": 0.1}, {"blank": 1.0}, {"怡": 1.0}
        )
    )
    assert text == "阚怡"
    assert scores[0] < 0.5


def test_a_double_digit_keeps_its_separating_blank() -> None:
    text, _, _ = decode(frames({"1": 1.0}, {"blank": 0.6, "1": 0.4}, {"1": 1.0}))
    assert text == "11"


def test_punctuation_is_not_rescued() -> None:
    text, _, _ = decode(frames({"英": 1.0}, {"blank": 1.0}, {"blank": 0.6, "—": 0.4}))
    assert text == "英"


def test_excluded_characters_are_masked_before_the_decode() -> None:
    # The frame's best class is banned: the rest of the frame decides, renormalised.
    decoded = CtcDecoder(CHARS, excluded="阙").decode(frames({"阙": 0.6, "阚": 0.3, "blank": 0.1}))
    assert decoded.text == "阚"
    assert decoded.scores[0] == np.float32(0.75)
    assert decoded.runners_up == ("",)
