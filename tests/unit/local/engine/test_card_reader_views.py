"""Which views CardReader reads when the first one leaves the answer incomplete."""

from __future__ import annotations

import numpy as np

from airflow_provider_faceid.local.engine.card_reader import CardReader
from airflow_provider_faceid.local.engine.ink import in_grey
from airflow_provider_faceid.local.engine.recognizer import Recognition
from airflow_provider_faceid.local.engine.textline import Point, TextLine
from tests.unit.local.lines import line

# A pale blue-grey capture: colour in every pixel, no red ink.
TINTED = np.full((540, 856, 3), (236, 226, 214), np.uint8)
TITLES = [line("中华人民共和国", 290, 80), line("居民身份证", 300, 190)]
ROWS = [line("签发机关", 150, 395), line("柘城县公安局", 284, 395)]
ROWS += [line("有效期限", 150, 470), line("2011.05.23-2031.05.23", 284, 470)]


class GreyOnlyRows:
    """Stands in for the recogniser on a washed-out back: its two rows are detected only in grey."""

    def __init__(self) -> None:
        self.images: list[np.ndarray] = []

    def read(self, bgr: np.ndarray) -> Recognition:
        self.images.append(bgr)
        lines = TITLES + ROWS if is_grey(bgr) else TITLES
        return Recognition(lines=lines, upside_down_share=0.0, vertical_share=0.0)

    def read_line(self, crop: np.ndarray, box: tuple[Point, Point, Point, Point]) -> TextLine | None:
        return None


def is_grey(bgr: np.ndarray) -> bool:
    return bool((bgr[..., 0] == bgr[..., 1]).all() and (bgr[..., 1] == bgr[..., 2]).all())


def reader_with(recognizer: GreyOnlyRows) -> CardReader:
    reader = CardReader.__new__(CardReader)  # without loading the ONNX models the stand-in replaces
    reader._recognizer = recognizer  # type: ignore[assignment]
    return reader


def test_rows_the_detector_finds_only_in_grey_are_read_from_the_view_in_grey() -> None:
    recognizer = GreyOnlyRows()
    fields = reader_with(recognizer).read_pixels(TINTED)
    assert fields == {"side": "back", "issued_by": "柘城县公安局", "valid_date": "2011.05.23-2031.05.23"}
    # The frame as captured first, in grey only when what was read in colour left it incomplete.
    grey = [index for index, image in enumerate(recognizer.images) if is_grey(image)]
    assert recognizer.images[0] is TINTED and grey[0] > 0
    assert np.array_equal(recognizer.images[grey[0]], in_grey(TINTED))


def test_a_complete_reading_in_colour_is_not_read_again_in_grey() -> None:
    class Complete(GreyOnlyRows):
        def read(self, bgr: np.ndarray) -> Recognition:
            self.images.append(bgr)
            return Recognition(lines=TITLES + ROWS, upside_down_share=0.0, vertical_share=0.0)

    recognizer = Complete()
    assert reader_with(recognizer).read_pixels(TINTED)["issued_by"] == "柘城县公安局"
    assert len(recognizer.images) == 1
