"""Which views CardReader reads when the first one leaves the answer incomplete."""

from __future__ import annotations

import math

import cv2
import numpy as np

from airflow_provider_faceid.local.engine.card_reader import CardReader
from airflow_provider_faceid.local.engine.ink import in_grey
from airflow_provider_faceid.local.engine.recognizer import Recognition
from airflow_provider_faceid.local.engine.textline import Point, TextLine
from tests.unit.local.lines import front_lines, line, tilted

# A pale blue-grey capture: colour in every pixel, no red ink.
TINTED = np.full((540, 856, 3), (236, 226, 214), np.uint8)
TITLES = [line("中华人民共和国", 290, 80), line("居民身份证", 300, 190)]
NUMBER = "110108198904031239"  # valid, born 1989-04-03, male, as front_lines prints
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


def reader_with(recognizer: GreyOnlyRows | TiltedBack | PaleMarkOverName) -> CardReader:
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


def along(x: float, y: float, distance: float, degrees: float) -> tuple[float, float]:
    return x + distance * math.cos(math.radians(degrees)), y + distance * math.sin(math.radians(degrees))


class TiltedBack:
    """Stands in for the recogniser on a back photographed 5 degrees off level: the validity
    row's value is printed (``print_box``) but not detected, and a band reads it only when the
    band runs along it (its middle dark across the row's length)."""

    def __init__(self) -> None:
        self.lines = [
            tilted("中华人民共和国", 300, 60, 5, length=350),
            tilted("居民身份证", 300, 150, 5, length=300),
            tilted("签发机关", 150, 330, 5, length=110),
            tilted("北京市公安局", *along(150, 330, 130, 5), 5, length=170),
            tilted("有效期限", 150, 400, 5, length=110),
        ]
        self.print_box = tilted("2011.05.23-2031.05.23", *along(150, 400, 130, 5), 5, length=330)
        self.image = np.full((640, 856, 3), 255, np.uint8)  # no card's ratio: the frame is no card view
        cv2.fillPoly(self.image, [np.array(self.print_box.box, np.int32)], (0, 0, 0))

    def read(self, bgr: np.ndarray) -> Recognition:
        # Only the frame as captured: the other views (fitted to the text, levelled) are not
        # what is tested here.
        lines = self.lines if bgr is self.image else []
        return Recognition(lines=lines, upside_down_share=0.0, vertical_share=0.0)

    def read_line(self, crop: np.ndarray, box: tuple[Point, Point, Point, Point]) -> TextLine | None:
        # The band starts at the label's end, 20 px before the print, which runs 330 px on.
        middle = crop[crop.shape[0] // 2 - 3 : crop.shape[0] // 2 + 3, 30:320]
        if not (middle < 128).all():
            return None
        text = "2011.05.23-2031.05.23"
        return TextLine(
            text=text, box=box, score=0.99, char_scores=(0.99,) * len(text), runners_up=("",) * len(text)
        )


def test_a_band_of_a_tilted_frame_runs_along_its_row() -> None:
    recognizer = TiltedBack()
    fields = reader_with(recognizer).read_pixels(recognizer.image)  # type: ignore[arg-type]
    assert fields["valid_date"] == "2011.05.23-2031.05.23"


class PaleMarkOverName:
    """Stands in for the recogniser on a front whose name a pale red mark crosses: as captured,
    the name reads as a blend with the mark (梯 at 0.63, 様 second); with the mark painted out
    (the deep pass) it reads as printed. Every check passes either way: no check covers a name."""

    def __init__(self, image: np.ndarray, *, blended: str = "様") -> None:
        self.image = image
        self.blended = blended
        self.images: list[np.ndarray] = []

    def read(self, bgr: np.ndarray) -> Recognition:
        self.images.append(bgr)
        lines = front_lines(name="杨一敏", number=NUMBER, address=("北京市海淀区", "27号院3号楼"))
        if np.array_equal(bgr, self.image):
            lines[1] = line("梯一敏", 150, 60, scores={0: 0.63}, runners={0: self.blended})
        return Recognition(lines=lines, upside_down_share=0.0, vertical_share=0.0)

    def read_line(self, crop: np.ndarray, box: tuple[Point, Point, Point, Point]) -> TextLine | None:
        return None


def pale_marked_front() -> np.ndarray:
    image = np.full((540, 856, 3), (214, 226, 232), np.uint8)
    image[40:120, 100:400] = (168, 160, 214)  # a pale SPECIMEN across the name's row
    return image


def test_a_complete_reading_with_a_mark_blended_into_it_is_read_again_without_the_mark() -> None:
    recognizer = PaleMarkOverName(pale_marked_front())
    assert reader_with(recognizer).read_pixels(recognizer.image)["name"] == "杨一敏"
    assert len(recognizer.images) == 2


def test_a_complete_reading_with_no_trace_of_a_mark_is_not_read_again() -> None:
    recognizer = PaleMarkOverName(pale_marked_front(), blended="弟")
    assert reader_with(recognizer).read_pixels(recognizer.image)["name"] == "梯一敏"
    assert len(recognizer.images) == 1
