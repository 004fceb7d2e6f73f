"""Fields of the back (国徽面): issuing authority and validity period."""

from __future__ import annotations

import re
from typing import Any

from airflow_provider_faceid.local.engine import labels as lb
from airflow_provider_faceid.local.engine.layout import CardLayout, place_text, rows
from airflow_provider_faceid.local.engine.number_reading import digits_for_letters
from airflow_provider_faceid.local.engine.textline import TextLine
from airflow_provider_faceid.local.engine.textnorm import normalize_dashes

# The endings of issuing authorities printed on the back: a public-security bureau or branch, and
# the few other issuers (forestry, railway, port public security) that exist.
AUTHORITY_SUFFIXES = ("公安局", "分局", "公安处", "公安厅", "派出所")
DATE_RANGE = re.compile(r"(\d{4})\.?(\d{2})\.?(\d{2})-+(?:(\d{4})\.?(\d{2})\.?(\d{2})|(长期))")


def parse_back(lines: list[TextLine]) -> dict[str, Any]:
    layout = CardLayout.of(lines, lb.BACK_LABELS)
    return {
        "side": "back",
        "issued_by": authority_ending(_issued_by(layout)),
        "valid_date": _valid_date(layout),
    }


def _issued_by(layout: CardLayout) -> str | None:
    anchor = layout.anchor(lb.ISSUER)
    if anchor is None:
        return _issued_by_without_label(layout)
    validity = layout.anchor(lb.VALIDITY)
    column_left = anchor.left + anchor.height * 0.5
    parts = [
        v
        for v in layout.values
        if v.left >= column_left
        and v.center_y >= anchor.top
        and (validity is None or v.bottom <= validity.top + anchor.height * 0.3)
        and not DATE_RANGE.search(normalize_dashes(v.text))
    ]
    return place_text([line for row in rows(parts) for line in row])


def _issued_by_without_label(layout: CardLayout) -> str | None:
    """The 签发机关 label was not read: the authority is on the rows just above the 有效期限 row
    (at most two, as it wraps once at most), in the value column."""
    validity = layout.anchor(lb.VALIDITY)
    values = layout.right_of(validity) if validity is not None else []
    if validity is None or not values:
        return None
    column_left = values[0].left - validity.height
    # Two wrapped authority rows plus the gap to the validity row fit in three row heights.
    ceiling = validity.top - validity.height * 3
    parts = []
    for value in layout.values:
        if not (ceiling <= value.top and value.bottom <= validity.top + validity.height * 0.3):
            continue
        clipped = lb.clipped_left(value, column_left)
        if clipped is not None and not DATE_RANGE.search(normalize_dashes(clipped.text)):
            parts.append(clipped)
    return place_text([line for row in rows(parts) for line in row])


def _valid_date(layout: CardLayout) -> str | None:
    anchor = layout.anchor(lb.VALIDITY)
    texts = ["".join(v.text for v in layout.right_of(anchor))] if anchor is not None else []
    texts += [v.text for v in layout.values]
    for text in texts:
        match = DATE_RANGE.search(digits_for_letters(normalize_dashes(text)))
        if match:
            start = f"{match[1]}.{match[2]}.{match[3]}"
            end = "长期" if match[7] else f"{match[4]}.{match[5]}.{match[6]}"
            return f"{start}-{end}"
    return None


def authority_ending(text: str | None) -> str | None:
    """``text`` cut after its last authority suffix: an authority always ends with one, so what
    follows is the red stamp overprinted on it (``...公安局印止``), not part of the name."""
    if not text:
        return text
    ends = [text.rfind(suffix) + len(suffix) for suffix in AUTHORITY_SUFFIXES if suffix in text]
    return text[: max(ends)] if ends else text
