"""Draws both sides of a synthetic second-generation ID card, always marked 样本 SPECIMEN.

The card is 85.6 x 54 mm; at scale 1 it is drawn at 10 px/mm (856 x 540). Positions follow the
printed layout of the real card: blue 黑体-like labels, black 宋体-like values, the number in OCR-B
on the bottom row, the portrait on the right of the front, the title and an emblem area on the
back. The portrait is a plain grey silhouette and the emblem an abstract red and gold disc, so
nothing here reproduces a person or the national emblem. The watermark sits over the portrait
(front) and the empty band under the title (back): it is plain to a person and off every value,
so OCR still reads all fields.
"""

from __future__ import annotations

import functools
import math
import random

import numpy as np
from PIL import Image, ImageDraw, ImageFont

from airflow_provider_faceid.local.specimens.fonts import FontRole, font
from airflow_provider_faceid.local.specimens.person import Person, address_lines

CARD_SIZE = (856, 540)
WATERMARK_TEXT = "样本 SPECIMEN"
WATERMARK_RGB = (205, 25, 30)
_BACKGROUND_VARIANTS = 4

Box = tuple[int, int, int, int]
RGB = tuple[int, int, int]

# Card-space boxes at scale 1 (left, top, right, bottom).
PORTRAIT_BOX: Box = (560, 60, 806, 400)
_FRONT_WATERMARK_BOX: Box = PORTRAIT_BOX
_BACK_WATERMARK_BOX: Box = (150, 236, 760, 340)
EMBLEM_CENTER = (140, 135)
EMBLEM_RADIUS = 80

_LABEL_SIZE = 22
_VALUE_SIZE = 27
_NAME_SIZE = 29
_NUMBER_SIZE = 34


def watermark_box(side: str, *, scale: float = 1.0) -> Box:
    """Pixel box of the main watermark on an undegraded render of ``side`` ("front"/"back")."""
    box = _FRONT_WATERMARK_BOX if side == "front" else _BACK_WATERMARK_BOX
    return _scaled_box(box, scale)


def _scaled_box(box: Box, scale: float) -> Box:
    left, top, right, bottom = box
    return (round(left * scale), round(top * scale), round(right * scale), round(bottom * scale))


def _size(scale: float) -> tuple[int, int]:
    return round(CARD_SIZE[0] * scale), round(CARD_SIZE[1] * scale)


@functools.lru_cache(maxsize=32)
def _background(side: str, variant: int, scale: float) -> Image.Image:
    """A pale tint with guilloche lines and a rosette, like the card's security print (cached)."""
    width, height = _size(scale)
    phases = random.Random(f"{side}:{variant}")
    p1, p2, p3 = (phases.uniform(0, 2 * math.pi) for _ in range(3))
    yy, xx = np.mgrid[0:height, 0:width].astype(np.float32) / np.float32(scale)
    t = (xx / CARD_SIZE[0] * 0.6 + yy / CARD_SIZE[1] * 0.4)[..., None]
    if side == "front":
        start, end, ink = (226, 238, 246), (248, 242, 226), (20, 12, 4)
        cx, cy = 300.0, 300.0
    else:
        start, end, ink = (246, 236, 228), (228, 240, 246), (6, 14, 20)
        cx, cy = 560.0, 330.0
    base = np.asarray(start, np.float32) * (1 - t) + np.asarray(end, np.float32) * t
    wave1 = np.sin((xx + 18 * np.sin(yy / 41 + p1)) * (2 * math.pi / 9))
    wave2 = np.sin((yy + 14 * np.sin(xx / 57 + p2)) * (2 * math.pi / 11))
    radius = np.hypot(xx - cx, yy - cy)
    theta = np.arctan2(yy - cy, xx - cx)
    rosette = np.sin(radius / 4.5 + 3 * np.sin(12 * theta + p3)) * np.exp(-radius / 260)
    pattern = (
        0.45 * np.clip((wave1 - 0.8) / 0.2, 0, 1)
        + 0.35 * np.clip((wave2 - 0.85) / 0.15, 0, 1)
        + 0.6 * np.clip((rosette - 0.5) / 0.5, 0, 1)
    )
    pixels = base - pattern[..., None] * np.asarray(ink, np.float32)
    return Image.fromarray(np.clip(pixels, 0, 255).astype(np.uint8), "RGB")


@functools.lru_cache(maxsize=8)
def _watermark_layer(side: str, scale: float) -> Image.Image:
    """The watermark as an RGBA tile the size of its box: red text, semi-transparent, diagonal."""
    left, top, right, bottom = watermark_box(side, scale=scale)
    width, height = right - left, bottom - top
    if side == "front":
        # Stacked and turned so it crosses the whole portrait.
        big = font(FontRole.TITLE, round(72 * scale))
        small = font(FontRole.TITLE, round(31 * scale))
        text = Image.new("RGBA", (round(240 * scale), round(150 * scale)), (0, 0, 0, 0))
        draw = ImageDraw.Draw(text)
        draw.text(
            (text.width / 2, round(52 * scale)), "样本", font=big, fill=(*WATERMARK_RGB, 165), anchor="mm"
        )
        draw.text(
            (text.width / 2, round(118 * scale)),
            "SPECIMEN",
            font=small,
            fill=(*WATERMARK_RGB, 165),
            anchor="mm",
        )
        text = text.rotate(32, resample=Image.Resampling.BICUBIC, expand=True)
    else:
        text = Image.new("RGBA", (width, height), (0, 0, 0, 0))
        draw = ImageDraw.Draw(text)
        draw.text(
            (width / 2, height / 2),
            WATERMARK_TEXT,
            font=font(FontRole.TITLE, round(58 * scale)),
            fill=(*WATERMARK_RGB, 150),
            anchor="mm",
        )
        text = text.rotate(4, resample=Image.Resampling.BICUBIC, expand=False)
    tile = Image.new("RGBA", (width, height), (0, 0, 0, 0))
    tile.alpha_composite(text, ((width - text.width) // 2, (height - text.height) // 2))
    return tile


def _stamp_watermark(card: Image.Image, side: str, scale: float) -> None:
    tile = _watermark_layer(side, scale)
    left, top, _, _ = watermark_box(side, scale=scale)
    card.paste(Image.new("RGB", tile.size, WATERMARK_RGB), (left, top), mask=tile.getchannel("A"))
    # A second, small mark in a corner margin, so a crop of the main one still shows it.
    draw = ImageDraw.Draw(card)
    corner = (
        (round(600 * scale), round(20 * scale))
        if side == "front"
        else (round(620 * scale), round(500 * scale))
    )
    draw.text(corner, WATERMARK_TEXT, font=font(FontRole.TITLE, round(18 * scale)), fill=WATERMARK_RGB)


class _Pen:
    """Draws text at card coordinates (scale 1) with the card's per-print jitter."""

    def __init__(self, card: Image.Image, *, scale: float, rng: random.Random) -> None:
        self.draw = ImageDraw.Draw(card)
        self.scale = scale
        self.rng = rng
        shade = rng.randint(-12, 12)
        self.label_rgb: RGB = (40 + shade, 118 + shade, 178 + shade)
        ink = rng.randint(10, 40)
        self.value_rgb: RGB = (ink, ink, ink + 5)

    def font(self, role: FontRole, size: float) -> ImageFont.FreeTypeFont:
        return font(role, max(8, round(size * self.scale)))

    def text(
        self, x: float, y: float, text: str, *, face: ImageFont.FreeTypeFont, fill: RGB, spacing: float = 0
    ) -> float:
        """Draw ``text`` with its top-left at card point (x, y); return the card x where it ends."""
        px, py = x * self.scale, y * self.scale
        gap = spacing * self.scale
        if not gap:
            self.draw.text((px, py), text, font=face, fill=fill)
            return x + face.getlength(text) / self.scale
        for ch in text:
            self.draw.text((px, py), ch, font=face, fill=fill)
            px += face.getlength(ch) + gap
        return px / self.scale

    def jitter(self) -> tuple[float, float]:
        return self.rng.uniform(-2.5, 2.5), self.rng.uniform(-2.0, 2.0)

    def label(self, x: float, y: float, text: str) -> float:
        # Two-character labels are spread to the width of four, as printed (姓  名).
        spacing = _LABEL_SIZE * 0.9 if len(text) == 2 else 0
        return self.text(
            x, y, text, face=self.font(FontRole.LABEL, _LABEL_SIZE), fill=self.label_rgb, spacing=spacing
        )

    def value(self, x: float, y: float, text: str, *, size: float = _VALUE_SIZE) -> float:
        return self.text(x, y, text, face=self.font(FontRole.VALUE, size), fill=self.value_rgb)


def _blank(side: str, *, rng: random.Random, scale: float) -> Image.Image:
    return _background(side, rng.randrange(_BACKGROUND_VARIANTS), scale).copy()


def _draw_silhouette(card: Image.Image, *, scale: float, rng: random.Random) -> None:
    """A neutral grey head-and-shoulders shape: marks where the photo goes, depicts nobody."""
    left, top, right, bottom = _scaled_box(PORTRAIT_BOX, scale)
    width, height = right - left, bottom - top
    portrait = Image.new("RGB", (width, height), (238, 240, 242))
    draw = ImageDraw.Draw(portrait)
    grey = rng.randint(140, 175)
    fill = (grey, grey, grey + 4)
    cx = width / 2 + rng.uniform(-6, 6) * scale
    head_rx, head_ry = 52 * scale, 66 * scale
    head_cy = 128 * scale
    draw.ellipse((cx - head_rx, head_cy - head_ry, cx + head_rx, head_cy + head_ry), fill=fill)
    draw.rectangle((cx - 24 * scale, head_cy + 40 * scale, cx + 24 * scale, head_cy + 100 * scale), fill=fill)
    draw.ellipse((8 * scale, head_cy + 88 * scale, width - 8 * scale, height + 120 * scale), fill=fill)
    card.paste(portrait, (left, top))


def render_front(person: Person, *, rng: random.Random, scale: float = 1.0) -> Image.Image:
    """The 人像面 of ``person``'s card as an RGB image of 856x540 px times ``scale``."""
    card = _blank("front", rng=rng, scale=scale)
    _draw_silhouette(card, scale=scale, rng=rng)
    pen = _Pen(card, scale=scale, rng=rng)
    label_x, value_x = 62.0, 150.0

    dx, dy = pen.jitter()
    pen.label(label_x + dx, 64 + dy, "姓名")
    pen.value(value_x + dx, 61 + dy, person.name, size=_NAME_SIZE)

    dx, dy = pen.jitter()
    pen.label(label_x + dx, 124 + dy, "性别")
    pen.value(value_x + dx, 121 + dy, person.gender)
    pen.label(290 + dx, 124 + dy, "民族")
    pen.value(376 + dx, 121 + dy, person.race)

    dx, dy = pen.jitter()
    pen.label(label_x + dx, 184 + dy, "出生")
    x = value_x + dx
    for number, unit in (
        (person.birthday.year, "年"),
        (person.birthday.month, "月"),
        (person.birthday.day, "日"),
    ):
        x = pen.value(x, 181 + dy, str(number)) + 8
        x = pen.label(x, 184 + dy, unit) + 14

    dx, dy = pen.jitter()
    pen.label(label_x + dx, 246 + dy, "住址")
    for row, line in enumerate(address_lines(person.address)):
        pen.value(value_x + dx, 243 + dy + row * 40, line)

    dx, dy = pen.jitter()
    pen.label(label_x + dx, 454 + dy, "公民身份号码")
    pen.text(
        292 + dx,
        443 + dy,
        person.id_card_number,
        face=pen.font(FontRole.NUMBER, _NUMBER_SIZE),
        fill=pen.value_rgb,
        spacing=3,
    )
    _stamp_watermark(card, "front", scale)
    return card


def _draw_emblem(card: Image.Image, *, scale: float) -> None:
    """An abstract red disc in gold rings: the emblem's place on the card, not the emblem."""
    draw = ImageDraw.Draw(card)
    cx, cy = EMBLEM_CENTER[0] * scale, EMBLEM_CENTER[1] * scale
    gold, red = (214, 168, 58), (198, 32, 38)

    def disc(radius: float, fill: RGB) -> None:
        r = radius * scale
        draw.ellipse((cx - r, cy - r, cx + r, cy + r), fill=fill)

    disc(EMBLEM_RADIUS, gold)
    disc(EMBLEM_RADIUS - 8, red)
    for k in range(24):
        angle = k * math.pi / 12
        inner, outer = 30 * scale, (EMBLEM_RADIUS - 14) * scale
        draw.line(
            (
                cx + inner * math.cos(angle),
                cy + inner * math.sin(angle),
                cx + outer * math.cos(angle),
                cy + outer * math.sin(angle),
            ),
            fill=gold,
            width=max(1, round(2 * scale)),
        )
    disc(30, gold)
    disc(22, red)


def render_back(person: Person, *, rng: random.Random, scale: float = 1.0) -> Image.Image:
    """The 国徽面 of ``person``'s card as an RGB image of 856x540 px times ``scale``."""
    card = _blank("back", rng=rng, scale=scale)
    _draw_emblem(card, scale=scale)
    pen = _Pen(card, scale=scale, rng=rng)
    title_rgb: RGB = (24, 24, 28)
    pen.text(268, 62, "中华人民共和国", face=pen.font(FontRole.TITLE, 40), fill=title_rgb, spacing=12)
    pen.text(268, 124, "居民身份证", face=pen.font(FontRole.TITLE, 64), fill=title_rgb, spacing=22)

    label_x, value_x = 205.0, 335.0
    available = (CARD_SIZE[0] - 36 - value_x) * scale
    size = float(_VALUE_SIZE)
    while size > 18 and pen.font(FontRole.VALUE, size).getlength(person.issued_by) > available:
        size -= 1  # long autonomous-county names are set tighter, as on issued cards

    dx, dy = pen.jitter()
    pen.label(label_x + dx, 392 + dy, "签发机关")
    pen.value(value_x + dx, 389 + dy + (_VALUE_SIZE - size) / 2, person.issued_by, size=size)

    dx, dy = pen.jitter()
    pen.label(label_x + dx, 452 + dy, "有效期限")
    pen.value(value_x + dx, 449 + dy, person.valid_date)
    _stamp_watermark(card, "back", scale)
    return card
