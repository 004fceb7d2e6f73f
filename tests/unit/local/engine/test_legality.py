"""Legality heuristics: cues measured on real pixels, probabilities shaped like the API's."""

from __future__ import annotations

import numpy as np
import pytest

from airflow_provider_faceid.local.engine.legality import (
    CLASSES,
    Cues,
    legality,
    probabilities,
    rounded_to_one,
)
from tests.unit.local.lines import line


def colour_card(seed: int = 0) -> np.ndarray:
    rng = np.random.default_rng(seed)
    card = np.full((540, 856, 3), (238, 226, 214), np.uint8)  # pale blue-ish (BGR)
    card[60:90, 60:110] = (178, 118, 40)  # a blue label
    card[300:400, 600:800] = (40, 30, 200)  # a red stamp
    noise = rng.normal(0, 3, card.shape)
    return np.clip(card + noise, 0, 255).astype(np.uint8)


def assert_api_shape(result: dict[str, float]) -> None:
    assert tuple(result) == CLASSES
    assert sum(result.values()) == pytest.approx(1.0, abs=1e-9)
    for value in result.values():
        assert 0.0 <= value <= 1.0
        assert value == round(value, 3)


def test_colour_photo_is_an_id_photo() -> None:
    result = legality(colour_card(), [])
    assert_api_shape(result)
    assert max(result, key=lambda k: result[k]) == "ID Photo"


def test_grey_copy_is_a_photocopy() -> None:
    grey = colour_card().mean(axis=2, keepdims=True).repeat(3, axis=2).astype(np.uint8)
    result = legality(grey, [])
    assert_api_shape(result)
    assert max(result, key=lambda k: result[k]) == "Photocopy"


def test_periodic_colour_fringes_are_a_screen() -> None:
    card = colour_card().astype(np.float32)
    yy, xx = np.mgrid[:540, :856].astype(np.float32)
    phase = (xx * np.cos(0.6) + yy * np.sin(0.6)) * (2 * np.pi / 4.5)
    shifts = np.array((0.0, 2.1, 4.2), np.float32)
    card *= 1 + 0.1 * np.sin(phase[..., None] + shifts)
    result = legality(np.clip(card, 0, 255).astype(np.uint8), [])
    assert max(result, key=lambda k: result[k]) == "Screen"


def test_temporary_title_is_a_temporary_id() -> None:
    result = legality(colour_card(), [line("中华人民共和国临时居民身份证", 100, 60)])
    assert max(result, key=lambda k: result[k]) == "Temporary ID Photo"


def test_probabilities_follow_the_cues() -> None:
    calm = probabilities(Cues(greyness=0.0, moire=0.0, temporary_title=0.0))
    grey = probabilities(Cues(greyness=0.5, moire=0.0, temporary_title=0.0))
    assert grey["Photocopy"] > calm["Photocopy"]
    assert calm["Edited"] < calm["ID Photo"]


def test_rounding_gives_thousandths_that_sum_to_one() -> None:
    shares = {
        "ID Photo": 0.33333,
        "Temporary ID Photo": 0.33333,
        "Photocopy": 0.33334,
        "Screen": 0.0,
        "Edited": 0.0,
    }
    result = rounded_to_one(shares)
    assert_api_shape(result)
