"""The studio renderer: size, determinism, watermark placement, stamp, text sizes, wrapping."""

from __future__ import annotations

import dataclasses
import random

import numpy as np
import pytest
from PIL import Image

from airflow_provider_faceid.local.specimens import studio_render as studio
from airflow_provider_faceid.local.specimens.person import Person, random_person, text_units


def _person(seed: int = 3) -> Person:
    return random_person(random.Random(seed))


def _red(image: Image.Image, box: studio.Box) -> int:
    pixels = np.asarray(image.convert("RGB").crop(box), np.int16)
    r, g, b = pixels[..., 0], pixels[..., 1], pixels[..., 2]
    return int(((r - g > 60) & (r - b > 50)).sum())


def test_default_size_is_the_card_at_10_px_per_mm_with_transparent_corners() -> None:
    front = studio.render_front(_person(), rng=random.Random(1))
    back = studio.render_back(_person(), rng=random.Random(1))
    for card in (front, back):
        assert card.mode == "RGBA"
        assert card.size == (856, 540)
        assert card.getpixel((0, 0))[3] == 0
        assert card.getpixel((428, 270))[3] == 255


def test_width_scales_the_whole_card() -> None:
    card = studio.render_front(_person(), rng=random.Random(1), width=428)
    assert card.size == (428, 270)
    with pytest.raises(ValueError, match="width"):
        studio.render_front(_person(), rng=random.Random(1), width=100)


def test_same_rng_state_gives_the_same_pixels() -> None:
    a = studio.render_back(_person(), rng=random.Random("x"))
    b = studio.render_back(_person(), rng=random.Random("x"))
    c = studio.render_back(_person(), rng=random.Random("y"))
    assert a.tobytes() == b.tobytes()
    assert a.tobytes() != c.tobytes()


@pytest.mark.parametrize("style", studio.PORTRAIT_STYLES)
def test_front_watermark_is_visible_and_off_every_text(style: str) -> None:
    card = studio.render_front_card(_person(), rng=random.Random(style), portrait=style)
    assert card.portrait == style
    assert _red(card.image, card.watermark_box) > 400
    assert card.text_boxes
    assert not any(studio.overlaps(card.watermark_box, box) for box in card.text_boxes)


def test_back_watermark_is_visible_over_the_emblem_and_off_every_text() -> None:
    card = studio.render_back_card(_person(), rng=random.Random(5), stamp=False)
    assert card.stamp_box is None
    _, _, right, bottom = card.watermark_box
    assert right < 240 and bottom < 240  # the emblem corner, left of the title
    # The watermark's pale outline shows against the red emblem.
    pixels = np.asarray(card.image.convert("RGB").crop(card.watermark_box), np.int16)
    assert int((pixels.min(axis=-1) > 230).sum()) > 150
    assert not any(studio.overlaps(card.watermark_box, box) for box in card.text_boxes)


def test_unknown_portrait_style_is_refused() -> None:
    with pytest.raises(ValueError, match="portrait"):
        studio.render_front_card(_person(), rng=random.Random(1), portrait="photo")


def test_text_lines_are_as_tall_as_on_a_readable_card() -> None:
    for seed in range(4):
        card = studio.render_front_card(_person(seed), rng=random.Random(seed))
        heights = [bottom - top for _, top, _, bottom in card.text_boxes]
        assert min(heights) >= 14  # 年/月/日 and the labels
        assert 22 <= max(heights) <= 40


def test_stamp_is_red_and_overlaps_the_authority() -> None:
    card = studio.render_back_card(_person(), rng=random.Random(2), stamp=True)
    assert card.stamp_box is not None
    assert _red(card.image, card.stamp_box) > 300
    authority = card.text_boxes[1]  # label 签发机关, then the authority's first line
    assert studio.overlaps(card.stamp_box, authority)


def test_stamp_is_on_about_a_third_of_backs() -> None:
    stamped = sum(
        studio.render_back_card(_person(), rng=random.Random(k), width=220).stamp_box is not None
        for k in range(40)
    )
    assert 5 <= stamped <= 20


def test_long_authority_is_set_on_two_lines() -> None:
    short = studio.render_back_card(_person(), rng=random.Random(4), stamp=False)
    person = dataclasses.replace(_person(), issued_by="克孜勒苏柯尔克孜自治州阿图什市公安局城区分局")
    long = studio.render_back_card(person, rng=random.Random(4), stamp=False)
    assert len(long.text_boxes) == len(short.text_boxes) + 1


def test_wrap_keeps_every_character_within_three_lines() -> None:
    address = "新疆维吾尔自治区克孜勒苏柯尔克孜自治州阿合奇县哈拉奇乡12号"
    lines = studio.wrap(address, 11.0, max_lines=3)
    assert "".join(lines) == address
    assert 2 <= len(lines) <= 3
    assert studio.wrap("北京市朝阳区", 11.0, max_lines=3) == ["北京市朝阳区"]
    assert all(text_units(line) <= 11.0 for line in studio.wrap(address, 11.0, max_lines=4))


def test_characters_missing_from_a_font_fall_back_instead_of_boxes() -> None:
    # Droid Sans Fallback has no Latin digits; the number and dates must still print.
    assert not studio._has_glyph("Droid Sans Fallback", "7")
    assert studio._has_glyph("WenQuanYi Micro Hei", "7")
    assert set(studio.families_in_use()) >= {"WenQuanYi Zen Hei", "AR PL UMing CN", "DejaVu Sans Mono"}
