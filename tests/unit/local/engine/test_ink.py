"""Red ink comes off before reading; black print, blue labels and a warm cast stay."""

from __future__ import annotations

import numpy as np

from airflow_provider_faceid.local.engine.ink import (
    has_pale_red_marks,
    in_grey,
    without_pale_red_marks,
    without_red_ink,
)

WHITE = (255, 255, 255)
PAPER = (214, 226, 238)  # warm off-white (BGR)
BLACK = (30, 30, 30)
BLUE_LABEL = (178, 118, 40)
STAMP_RED = (60, 50, 210)
FADED_STAMP = (140, 130, 235)  # a stamp washed out by glare: lighter, still clearly red


def card() -> np.ndarray:
    image = np.full((100, 200, 3), PAPER, np.uint8)
    image[20:40, 10:60] = BLUE_LABEL
    image[10:90, 150:160] = STAMP_RED  # a ring stroke crossing the end of the value,
    image[20:40, 80:190] = BLACK  # which is printed over it: where both lie, the pixel is dark
    image[60:70, 80:120] = FADED_STAMP
    return image


def test_red_ink_becomes_white_and_nothing_else_changes() -> None:
    image = card()
    out = without_red_ink(image)
    assert (out[10:20, 150:160] == WHITE).all()
    assert (out[40:90, 150:160] == WHITE).all()
    assert (out[60:70, 80:120] == WHITE).all()
    # Where the ring crosses the black value, the print stays: dark pixels are never red ink.
    assert (out[20:40, 80:190] == BLACK).all()
    assert (out[20:40, 10:60] == BLUE_LABEL).all()
    assert (out[0:10, :] == PAPER).all()
    assert (image[10:20, 150:160] == STAMP_RED).all()  # the input is not modified


def test_in_grey_the_red_ink_is_off_and_print_stays_darker_than_paper() -> None:
    out = in_grey(card())
    assert (out[..., 0] == out[..., 1]).all() and (out[..., 1] == out[..., 2]).all()
    assert (out[10:20, 150:160] == 255).all()  # the stamp's stroke, taken off before greying
    assert out[30, 30, 0] < out[5, 5, 0] and out[30, 100, 0] < out[30, 30, 0]


def luminance(pixel: np.ndarray) -> float:
    blue, green, red = (float(v) for v in pixel)
    return 0.114 * blue + 0.587 * green + 0.299 * red


def test_black_print_under_a_warm_cast_keeps_its_contrast_with_the_paper() -> None:
    image = np.full((50, 50, 3), (150, 190, 235), np.uint8)  # orange lamp light on paper
    image[10:40, 10:40] = (40, 60, 105)  # black print seen through the same cast
    out = without_red_ink(image)
    before = luminance(image[0, 0]) - luminance(image[20, 20])
    after = luminance(out[0, 0]) - luminance(out[20, 20])
    assert after >= 0.9 * before


def test_a_faintly_red_pixel_moves_only_part_of_the_way() -> None:
    faint = np.full((4, 4, 3), (175, 175, 240), np.uint8)  # red leads by 65: half way to white
    out = without_red_ink(faint)
    assert (out == (215, 215, 248)).all()


def test_dark_red_becomes_the_grey_of_its_red_channel() -> None:
    dark = np.full((4, 4, 3), (5, 5, 100), np.uint8)  # too dark in red to be lifted to white
    assert (without_red_ink(dark) == (100, 100, 100)).all()


def test_an_image_without_red_is_returned_as_is() -> None:
    image = np.full((20, 20, 3), PAPER, np.uint8)
    assert without_red_ink(image) is image


LAVENDER = (232, 214, 214)  # a tinted card (BGR)
PINK_MARK = (168, 160, 214)  # a pale SPECIMEN: red leads by only ~46


def marked_card(paper: tuple[int, int, int] = LAVENDER) -> np.ndarray:
    image = np.full((120, 240, 3), paper, np.uint8)
    image[40:80, 20:220] = PINK_MARK  # the mark across a whole row,
    image[50:70, 60:120] = BLACK  # and the row's print under it
    return image


def test_the_deep_pass_paints_a_pale_mark_in_the_background_colour_and_keeps_the_print() -> None:
    out = without_pale_red_marks(marked_card())
    mark = out[42:48, 140:200].astype(int)  # mark pixels away from the print
    assert np.abs(mark - LAVENDER).max() <= 6
    assert (out[50:70, 60:120] == BLACK).all()
    assert (out[0:30, :] == LAVENDER).all()


def test_a_pale_mark_calls_for_the_deep_pass_and_a_warm_cast_does_not() -> None:
    assert has_pale_red_marks(marked_card())
    warm = np.full((120, 240, 3), (150, 190, 235), np.uint8)  # red leads by 45 everywhere
    warm[50:70, 60:120] = (40, 60, 105)
    assert not has_pale_red_marks(warm)
    assert (without_pale_red_marks(warm) == warm).all()


def test_the_deep_pass_takes_a_marks_blurred_edge_with_it() -> None:
    # Compression blurs the mark's colour: a one-pixel rim leads over the paper by only ~14.
    image = marked_card()
    rim = (200, 187, 214)
    image[39, 20:220] = image[80, 20:220] = rim
    out = without_pale_red_marks(image)
    assert np.abs(out[39, 140:200].astype(int) - LAVENDER).max() <= 6
    assert np.abs(out[80, 140:200].astype(int) - LAVENDER).max() <= 6
    assert (out[50:70, 60:120] == BLACK).all()


def test_one_pale_mark_in_a_wide_frame_calls_for_the_deep_pass_and_a_speck_does_not() -> None:
    # A phone photo: the card and its one SPECIMEN fill a small part of the frame.
    frame = np.full((400, 600, 3), LAVENDER, np.uint8)
    frame[200:220, 300:330] = PINK_MARK  # 0.25 % of the frame
    assert has_pale_red_marks(frame)
    speck = np.full((400, 600, 3), LAVENDER, np.uint8)
    speck[200:210, 300:310] = PINK_MARK  # 0.04 %
    assert not has_pale_red_marks(speck)
