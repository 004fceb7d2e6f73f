"""Turn the recognised text lines of one card side into FaceID answer fields.

Two kinds of evidence, in this order of trust:

1. printed labels (姓名 性别 民族 出生 住址 公民身份号码 / 签发机关 有效期限) and the geometry around
   them: a value sits on the label's row to its right; the address continues on the following
   lines down to the number row; 签发机关 may wrap onto a second line;
2. the shape of the values themselves, for labels the recogniser lost: the 18-character number
   (with its check digit), ``YYYY年M月D日``, a lone 男/女, one of the 56 ethnic groups, a date range.

The parser never invents: a field it cannot see is ``None``; the ID number only breaks ties
between readings the recogniser itself produced. Characters read with low confidence come back
as ``*``, as the real API does.
"""

from __future__ import annotations

from typing import Any

from airflow_provider_faceid.local.engine import labels as lb
from airflow_provider_faceid.local.engine.back_fields import DATE_RANGE, parse_back
from airflow_provider_faceid.local.engine.front_fields import BIRTHDAY, parse_front
from airflow_provider_faceid.local.engine.levelling import levelled
from airflow_provider_faceid.local.engine.number_reading import best_number
from airflow_provider_faceid.local.engine.textline import TextLine
from airflow_provider_faceid.local.engine.textnorm import normalize, normalize_dashes
from airflow_provider_faceid.local.engine.watermarks import without_specimen_marks

__all__ = ["detect_side", "parse_back", "parse_card", "parse_front"]


def parse_card(lines: list[TextLine], *, card_size: tuple[float, float] | None = None) -> dict[str, Any]:
    """FaceID fields for ``lines`` (one side of a card, roughly upright).

    ``card_size`` (pixels) is known when the card was found and deskewed (or the image is a tight
    crop): text over the portrait area (stamps, watermarks) is then left out of the values.
    """
    lines = levelled(without_specimen_marks(lines))
    if detect_side(lines) == "back":
        return parse_back(lines)
    return parse_front(lines, card_size=card_size)


def detect_side(lines: list[TextLine]) -> str:
    """``front`` or ``back``, by which side's labels and value shapes are present."""
    text = "".join(normalize(line.text) for line in lines)
    back = sum(word in text for word in (*lb.BACK_LABELS, *lb.BACK_TITLE_WORDS, "签发", "有效期"))
    back += bool(DATE_RANGE.search(normalize_dashes(text)))
    front = sum(label in text for label in lb.FRONT_LABELS) + bool(BIRTHDAY.search(text))
    front += best_number(lines) is not None
    return "back" if back > front else "front"
