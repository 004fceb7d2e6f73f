"""Finding, warping and mapping back a card photographed on a table."""

from __future__ import annotations

import cv2
import numpy as np

from airflow_provider_faceid.local.engine.card_geometry import (
    CARD_HEIGHT,
    CARD_WIDTH,
    card_view,
    find_card_quad,
)

CORNERS = np.array([[180, 130], [1010, 170], [990, 700], [150, 650]], np.float32)


def photo_of_a_card() -> np.ndarray:
    """A pale card drawn in perspective on a darker textured table."""
    rng = np.random.default_rng(3)
    table = rng.normal(90, 12, (860, 1200, 3)).clip(0, 255).astype(np.uint8)
    card = np.full((CARD_HEIGHT, CARD_WIDTH, 3), 235, np.uint8)
    cv2.putText(card, "TOP", (60, 90), cv2.FONT_HERSHEY_SIMPLEX, 2, (40, 40, 40), 4)
    source = np.array([[0, 0], [CARD_WIDTH, 0], [CARD_WIDTH, CARD_HEIGHT], [0, CARD_HEIGHT]], np.float32)
    warp = cv2.getPerspectiveTransform(source, CORNERS)
    mask = cv2.warpPerspective(np.full(card.shape[:2], 255, np.uint8), warp, (1200, 860))
    drawn = cv2.warpPerspective(card, warp, (1200, 860))
    table[mask > 0] = drawn[mask > 0]
    return table


def test_quad_is_found_near_the_true_corners() -> None:
    quad = find_card_quad(photo_of_a_card())
    assert quad is not None
    assert np.abs(quad - CORNERS).max() < 12  # px, after the 640 px search downscale


def test_view_is_card_sized_and_maps_back_to_the_photo() -> None:
    photo = photo_of_a_card()
    view = card_view(photo)
    assert view.found_quad
    assert view.image.shape[:2] == (CARD_HEIGHT, CARD_WIDTH)
    mapped = view.to_source_normalized(np.array([[0.0, 0.0]]))[0]
    assert abs(mapped[0] * 1200 - CORNERS[0][0]) < 12 and abs(mapped[1] * 860 - CORNERS[0][1]) < 12


def test_rotations_keep_the_mapping_to_the_source() -> None:
    view = card_view(photo_of_a_card())
    point = np.array([[100.0, 50.0]])
    expected = view.to_source_normalized(point)[0]
    turned = view.rotated(1)
    # (100, 50) of the view is at (H-1-50, 100) once turned clockwise.
    again = turned.to_source_normalized(np.array([[CARD_HEIGHT - 1 - 50.0, 100.0]]))[0]
    assert np.allclose(expected, again)
    assert np.allclose(view.rotated(2).rotated(2).to_source, view.to_source)


def test_a_scaled_view_keeps_the_mapping_to_the_source_and_stays_the_card() -> None:
    view = card_view(photo_of_a_card())
    expected = view.to_source_normalized(np.array([[100.0, 50.0], [CARD_WIDTH, CARD_HEIGHT]]))
    for factor in (0.75, 1.5):
        scaled = view.scaled(factor)
        assert scaled.image.shape[:2] == (round(CARD_HEIGHT * factor), round(CARD_WIDTH * factor))
        points = np.array([[100.0 * factor, 50.0 * factor], [CARD_WIDTH * factor, CARD_HEIGHT * factor]])
        assert np.allclose(scaled.to_source_normalized(points), expected, atol=1e-3)
        assert scaled.card_size == (CARD_WIDTH * factor, CARD_HEIGHT * factor)


def test_a_tight_crop_is_the_card_itself() -> None:
    card = np.full((CARD_HEIGHT, CARD_WIDTH, 3), 235, np.uint8)
    view = card_view(card)
    assert not view.found_quad
    assert view.card_size == (float(CARD_WIDTH), float(CARD_HEIGHT))
    assert card_view(np.full((1000, 1000, 3), 235, np.uint8)).card_size is None


def test_a_strip_too_thin_to_scale_down_finds_no_card() -> None:
    assert find_card_quad(np.full((2, 3000, 3), 255, np.uint8)) is None
    assert find_card_quad(np.full((3000, 2, 3), 255, np.uint8)) is None
