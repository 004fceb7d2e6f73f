"""A baseline reader: plain RapidOCR on the whole image plus a simple label parser.

``PlainReader`` is the yardstick ``CardReader`` is measured against (``benchmarks/ocr_accuracy.py``
and the never-below-baseline test), not something to serve answers with. It is what a competent
engineer writes in an hour: RapidOCR with its default settings on the decoded image as is (no card
finding, no rotation handling, no custom decoding), lines sorted into rows, text after each label.
It deliberately shares no code with the engine's parser, so an engine bug cannot hide in both.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Any

from airflow_provider_faceid.local.engine.card_reader import decode_bgr

Point = Sequence[float]
# One recognised line: its text and its four corner points (RapidOCR's order: clockwise from top left).
Line = tuple[str, Sequence[Point]]

BIRTHDAY = re.compile(r"(\d{4})年(\d{1,2})月(\d{1,2})日")
NUMBER = re.compile(r"[0-9X]{18}")
DATE = r"(\d{4})\.?(\d{2})\.?(\d{2})"
VALID_DATE = re.compile(DATE + r"[-—~至]+(?:" + DATE + r"|(长期))")
# Synthetic specimens carry a watermark; real cards do not, so a baseline that lost fields to it
# would measure the test material instead of the method.
WATERMARK = ("样本", "SPECIMEN")


def _center_y(box: Sequence[Point]) -> float:
    return sum(point[1] for point in box) / len(box)


def _height(box: Sequence[Point]) -> float:
    ys = [point[1] for point in box]
    return max(ys) - min(ys)


def rows_of(lines: Sequence[Line]) -> list[str]:
    """Texts joined left to right per row, rows top to bottom, spaces removed.

    A line joins the current row when its centre is within half a typical line height of the
    row's first line; the card's value and label boxes sit on shared baselines, so this suffices.
    """
    kept = [(text, box) for text, box in lines if not any(mark in text for mark in WATERMARK)]
    if not kept:
        return []
    heights = sorted(_height(box) for _, box in kept)
    tolerance = heights[len(heights) // 2] / 2
    rows: list[list[Line]] = []
    for text, box in sorted(kept, key=lambda line: _center_y(line[1])):
        if rows and abs(_center_y(box) - _center_y(rows[-1][0][1])) <= tolerance:
            rows[-1].append((text, box))
        else:
            rows.append([(text, box)])
    return [
        "".join(text for text, _ in sorted(row, key=lambda line: min(p[0] for p in line[1]))).replace(" ", "")
        for row in rows
    ]


def _after(rows: list[str], label: str) -> tuple[int, str] | None:
    """Index of the first row holding ``label`` and the text that follows the label there."""
    for index, row in enumerate(rows):
        if label in row:
            return index, row.split(label, 1)[1]
    return None


def parse_front(rows: list[str]) -> dict[str, Any]:
    name = _after(rows, "姓名")
    gender = re.search(r"性别([男女])", "".join(rows))
    race = _after(rows, "民族")
    birthday = BIRTHDAY.search("".join(rows))
    address = _after(rows, "住址")
    number_row = next((i for i, row in enumerate(rows) if "公民身份号码" in row or NUMBER.search(row)), None)
    number = next((match.group() for row in rows if (match := NUMBER.search(row))), None)
    address_text = None
    if address is not None:
        end = number_row if number_row is not None and number_row > address[0] else len(rows)
        address_text = address[1] + "".join(rows[address[0] + 1 : end])
    return {
        "side": "front",
        "name": (name[1] or None) if name else None,
        "gender": gender.group(1) if gender else None,
        "race": (race[1].removesuffix("族") or None) if race else None,
        "birthday": (
            {
                "year": birthday.group(1),
                "month": str(int(birthday.group(2))),
                "day": str(int(birthday.group(3))),
            }
            if birthday
            else None
        ),
        "address": address_text or None,
        "id_card_number": number,
    }


def parse_back(rows: list[str]) -> dict[str, Any]:
    issued = _after(rows, "签发机关")
    issued_by = None
    if issued is not None:
        issued_by = issued[1]
        following = rows[issued[0] + 1] if issued[0] + 1 < len(rows) else ""
        if "有效期限" not in following and not VALID_DATE.search(following):
            issued_by += following
    valid = VALID_DATE.search("".join(rows))
    valid_date = None
    if valid:
        start = ".".join(valid.group(1, 2, 3))
        valid_date = f"{start}-长期" if valid.group(7) else f"{start}-{'.'.join(valid.group(4, 5, 6))}"
    return {"side": "back", "issued_by": issued_by or None, "valid_date": valid_date}


def parse_lines(lines: Sequence[Line]) -> dict[str, Any]:
    """FaceID fields from recognised lines: the side's fields, ``None`` where a label is missing."""
    rows = rows_of(lines)
    text = "".join(rows)
    if "签发机关" in text or "有效期限" in text:
        return parse_back(rows)
    return parse_front(rows)


class PlainReader:
    """Baseline: default RapidOCR on the image as decoded, then :func:`parse_lines`."""

    def __init__(self, *, intra_op_threads: int = 1) -> None:
        # Imported here so that the parser (and its unit tests) need no ONNX runtime.
        from rapidocr_onnxruntime import RapidOCR

        self._ocr = RapidOCR(intra_op_num_threads=intra_op_threads)

    def read(self, image: bytes) -> dict[str, Any]:
        """Fields with the same keys as ``CardReader.read`` (without ``head_rect``)."""
        result, _ = self._ocr(decode_bgr(image))
        return parse_lines([(text, box) for box, text, _score in result or []])
