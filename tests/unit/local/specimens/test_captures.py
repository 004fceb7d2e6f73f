"""Capture simulations: every kind runs, sizes are sane, results are deterministic and honest."""

from __future__ import annotations

import json
import random

import numpy as np
import pytest
from PIL import Image

from airflow_provider_faceid.local.specimens import render as classic
from airflow_provider_faceid.local.specimens import studio_render as studio
from airflow_provider_faceid.local.specimens.captures import CAPTURES, FRAMINGS, capture
from airflow_provider_faceid.local.specimens.person import Person, random_person


def _person() -> Person:
    return random_person(random.Random(8))


@pytest.fixture(scope="module")
def front() -> studio.StudioCard:
    return studio.render_front_card(_person(), rng=random.Random(1), portrait="silhouette")


@pytest.mark.parametrize("kind", CAPTURES)
@pytest.mark.parametrize("framing", FRAMINGS)
def test_every_capture_returns_a_sane_rgb_image(front: studio.StudioCard, kind: str, framing: str) -> None:
    image, description = capture(front.image, kind, framing=framing, rng=random.Random(f"{kind}{framing}"))
    assert image.mode == "RGB"
    assert min(image.size) >= 300 and max(image.size) <= 2000
    assert description["kind"] == kind and description["framing"] == framing
    json.dumps(description)  # JSON-able
    pixels = np.asarray(image, np.float32)
    assert (
        30 < pixels.mean() < 250 and pixels.std() > 15
    )  # neither blank nor black (screens sit in dim rooms)


def test_same_rng_state_gives_the_same_capture(front: studio.StudioCard) -> None:
    a, da = capture(front.image, "scan", framing="placed", rng=random.Random(3))
    b, db = capture(front.image, "scan", framing="placed", rng=random.Random(3))
    assert da == db
    assert a.tobytes() == b.tobytes()


def test_tight_clean_is_the_card_with_white_corners(front: studio.StudioCard) -> None:
    image, _ = capture(front.image, "clean", framing="tight", rng=random.Random(0))
    assert image.size == front.image.size
    assert image.getpixel((0, 0)) == (255, 255, 255)
    assert image.getpixel((image.width - 1, image.height - 1)) == (255, 255, 255)


def test_square_cornered_rgb_cards_get_rounded_corners() -> None:
    card = classic.render_front(_person(), rng=random.Random(0))
    assert card.mode == "RGB"
    image, _ = capture(card, "clean", framing="tight", rng=random.Random(0))
    assert image.getpixel((0, 0)) == (255, 255, 255)


def test_placed_framing_leaves_a_margin(front: studio.StudioCard) -> None:
    image, _ = capture(front.image, "clean", framing="placed", rng=random.Random(0))
    assert image.width > front.image.width * 1.1 and image.height > front.image.height * 1.1


def test_thumb_covers_a_corner_but_no_text() -> None:
    corners = set()
    for seed in range(6):  # seed 2 puts the thumb top-left, the others bottom-right
        card = studio.render_front_card(_person(), rng=random.Random(seed))
        bare, _ = capture(card.image, "clean", framing="tight", rng=random.Random(seed))
        held, description = capture(card.image, "fingers", framing="tight", rng=random.Random(seed))
        corners.add(description["corner"])
        changed = np.abs(np.asarray(bare, np.int16) - np.asarray(held, np.int16)).max(axis=-1) > 12
        assert changed.sum() > 300, "no thumb drawn"
        for left, top, right, bottom in card.text_boxes:
            assert not changed[top:bottom, left:right].any()
    assert corners == {"bottom-right", "top-left"}


def test_phone_frames_are_camera_sized_and_may_carry_an_exif_turn(front: studio.StudioCard) -> None:
    # Seed 17 happens to draw a sensor-order frame (about 1 phone capture in 5 does).
    image, description = capture(front.image, "phone", framing="tight", rng=random.Random(17))
    assert 1080 <= min(image.size) <= 1224 and 1440 <= max(image.size) <= 1632
    assert description["orientation"] == "landscape-exif"
    assert description["exif_orientation"] in (6, 8)
    assert image.height > image.width  # stored turned; the tag turns it back to landscape


def test_photocopy_is_grey(front: studio.StudioCard) -> None:
    image, _ = capture(front.image, "photocopy", framing="placed", rng=random.Random(2))
    pixels = np.asarray(image, np.int16)
    assert np.abs(pixels[..., 0] - pixels[..., 2]).max() <= 2


def test_jpeg_is_strong(front: studio.StudioCard) -> None:
    _, description = capture(front.image, "jpeg", framing="tight", rng=random.Random(2))
    assert 8 <= description["quality"] <= 20


def test_unknown_kind_or_framing_is_refused(front: studio.StudioCard) -> None:
    with pytest.raises(ValueError, match="capture"):
        capture(front.image, "fax", framing="tight", rng=random.Random(0))
    with pytest.raises(ValueError, match="framing"):
        capture(front.image, "clean", framing="loose", rng=random.Random(0))


def test_capture_does_not_modify_the_card(front: studio.StudioCard) -> None:
    before = front.image.tobytes()
    for kind in ("fingers", "scan"):
        capture(front.image, kind, framing="placed", rng=random.Random(0))
    assert front.image.tobytes() == before
    assert isinstance(front.image, Image.Image)
