"""Shared input of the faceid-local contract tests: a card image rendered with Pillow."""

from __future__ import annotations

import io

import pytest
from PIL import Image, ImageDraw, ImageFont

NOTO_SANS_CJK = "/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc"
CARD_NAME = "张三"


@pytest.fixture(scope="session")
def card_jpeg() -> bytes:
    """A plain front-side card made with Pillow: few lines, so one real OCR call stays short."""
    image = Image.new("RGB", (856, 540), "white")
    draw = ImageDraw.Draw(image)
    font = ImageFont.truetype(NOTO_SANS_CJK, 36, index=2)  # index 2 is the Simplified Chinese face
    draw.text((60, 60), f"姓名 {CARD_NAME}", fill="black", font=font)
    draw.text((60, 140), "性别 男  民族 汉", fill="black", font=font)
    buffer = io.BytesIO()
    image.save(buffer, format="JPEG", quality=90)
    return buffer.getvalue()
