"""A second, independent renderer of synthetic ID cards ("studio"), always marked 样本 SPECIMEN.

faceid-local's OCR engine was tuned on :mod:`~airflow_provider_faceid.local.specimens.render`, so
accuracy measured on those cards flatters it. This module draws the same holder data with its own
layout, proportions, colours, fonts (WenQuanYi, AR PL UMing, Droid Sans Fallback, DejaVu Sans Mono:
none of the classic renderer's), background and portrait styles, so a held-out set measures how the
engine copes with a card it has never seen. Nothing here reproduces a person, a real seal or the
national emblem: the portrait is a box, a silhouette or noise, the emblem area an abstract rosette,
and the optional red round stamp carries only the authority's name around an empty centre.

Coordinates below are in card pixels at the reference width of 856 px (85.6 mm at 10 px/mm) and are
scaled to the requested width, so text stays sharp at any size instead of being resampled.
"""

from __future__ import annotations

import functools
import math
import random
import shutil
import subprocess
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
from PIL import Image, ImageChops, ImageDraw, ImageFilter, ImageFont

from airflow_provider_faceid.local.specimens.fonts import family_of
from airflow_provider_faceid.local.specimens.person import Person, text_units

__all__ = [
    "PORTRAIT_STYLES",
    "REFERENCE_WIDTH",
    "STAMP_PROBABILITY",
    "WATERMARK_WORDS",
    "StudioCard",
    "StudioFontError",
    "families_in_use",
    "overlaps",
    "render_back",
    "render_back_card",
    "render_front",
    "render_front_card",
    "wrap",
]

REFERENCE_WIDTH = 856
_REFERENCE_HEIGHT = 540
_CORNER_RADIUS = 32  # 3.18 mm, ISO/IEC 7810 ID-1
PORTRAIT_STYLES = ("box", "silhouette", "noise", "none")
STAMP_PROBABILITY = 0.3
WATERMARK_WORDS = ("样本", "SPECIMEN")
FONT_PACKAGES = (
    "fonts-wqy-zenhei",
    "fonts-wqy-microhei",
    "fonts-arphic-uming",
    "fonts-droid-fallback",
    "fonts-dejavu-core",
)

Box = tuple[int, int, int, int]
RGB = tuple[int, int, int]


class StudioFontError(RuntimeError):
    """A font the studio renderer needs is not installed."""


# ------------------------------------------------------------------------------------------ fonts

_KNOWN_PATHS: dict[str, tuple[str, int]] = {
    "WenQuanYi Zen Hei": ("/usr/share/fonts/truetype/wqy/wqy-zenhei.ttc", 0),
    "WenQuanYi Micro Hei": ("/usr/share/fonts/truetype/wqy/wqy-microhei.ttc", 0),
    "WenQuanYi Micro Hei Mono": ("/usr/share/fonts/truetype/wqy/wqy-microhei.ttc", 1),
    "AR PL UMing CN": ("/usr/share/fonts/truetype/arphic/uming.ttc", 0),
    "Droid Sans Fallback": ("/usr/share/fonts/truetype/droid/DroidSansFallbackFull.ttf", 0),
    "DejaVu Sans Mono": ("/usr/share/fonts/truetype/dejavu/DejaVuSansMono.ttf", 0),
}
# Families per role; each card draws one of each, so the set mixes 黑体-like and 宋体-like values.
_LABEL_FAMILIES = ("WenQuanYi Zen Hei", "WenQuanYi Micro Hei")
_VALUE_FAMILIES = ("AR PL UMing CN", "WenQuanYi Micro Hei", "Droid Sans Fallback", "WenQuanYi Zen Hei")
_TITLE_FAMILIES = ("WenQuanYi Zen Hei", "Droid Sans Fallback")
_NUMBER_FAMILIES = ("DejaVu Sans Mono", "WenQuanYi Micro Hei Mono")
# Tried in order for characters the card's font lacks: Droid has the widest CJK coverage but no
# Latin digits, Micro Hei has both.
_FALLBACK_FAMILIES = ("WenQuanYi Micro Hei", "Droid Sans Fallback")


@functools.cache
def _face_file(family: str) -> tuple[str, int]:
    known = _KNOWN_PATHS.get(family)
    if known is not None and Path(known[0]).is_file() and family_of(*known) == family:
        return known
    binary = shutil.which("fc-list")
    if binary is not None:
        out = subprocess.run(
            [binary, f":family={family}", "-f", "%{file}|%{index}\n"],
            capture_output=True,
            text=True,
            check=False,
            timeout=30,
        ).stdout
        for line in out.splitlines():
            path, _, index = line.partition("|")
            if index.isdigit() and family_of(path, int(index)) == family:
                return path, int(index)
    raise StudioFontError(
        f"the studio renderer needs the font {family!r}; install the Debian packages "
        f"{' '.join(FONT_PACKAGES)} (scripts/setup.sh does it)"
    )


@functools.lru_cache(maxsize=256)
def _font(family: str, size: int) -> ImageFont.FreeTypeFont:
    path, index = _face_file(family)
    return ImageFont.truetype(path, size=max(6, size), index=index)


@functools.lru_cache(maxsize=8192)
def _has_glyph(family: str, char: str) -> bool:
    """Whether ``family`` draws ``char`` itself (not its .notdef box)."""
    face = _font(family, 24)
    notdef = face.getmask("\U0010fffd")
    mask = face.getmask(char)
    return char.isspace() or mask.size != notdef.size or bytes(mask) != bytes(notdef)


# ------------------------------------------------------------------------------------------ pen


@dataclass
class _Pen:
    """Draws text in card units on one card; records where every field value went."""

    card: Image.Image
    scale: float
    text_boxes: list[Box] = field(default_factory=list)

    def __post_init__(self) -> None:
        self.draw = ImageDraw.Draw(self.card)

    def px(self, value: float) -> float:
        return value * self.scale

    def face(self, family: str, size: float) -> ImageFont.FreeTypeFont:
        return _font(family, round(size * self.scale))

    def text(
        self,
        x: float,
        baseline: float,
        text: str,
        *,
        family: str,
        size: float,
        fill: RGB,
        tracking: float = 0.0,
        stroke: int = 0,
        record: bool = False,
    ) -> float:
        """Draws ``text`` left-aligned on ``baseline``; returns the x where the next glyph would go."""
        cursor = self.px(x)
        y = self.px(baseline)
        left, top, right, bottom = math.inf, math.inf, -math.inf, -math.inf
        for char in text:
            # Per-character fallback: a font lacking 堃 or 鄠 must not print a box into the truth.
            glyph_family = next((f for f in (family, *_FALLBACK_FAMILIES) if _has_glyph(f, char)), family)
            face = self.face(glyph_family, size)
            self.draw.text((cursor, y), char, font=face, fill=fill, anchor="ls", stroke_width=stroke)
            bbox = self.draw.textbbox((cursor, y), char, font=face, anchor="ls", stroke_width=stroke)
            left, top = min(left, bbox[0]), min(top, bbox[1])
            right, bottom = max(right, bbox[2]), max(bottom, bbox[3])
            cursor += face.getlength(char) + self.px(tracking)
        if record and text:
            self.text_boxes.append((math.floor(left), math.floor(top), math.ceil(right), math.ceil(bottom)))
        return cursor / self.scale - tracking


@dataclass(frozen=True)
class _Style:
    """Per-card choices: fonts, colours, sizes and small offsets, all drawn from the card's RNG."""

    label_family: str
    value_family: str
    title_family: str
    number_family: str
    label_rgb: RGB
    value_rgb: RGB
    label_size: float
    value_size: float
    dx: float
    dy: float
    portrait: str

    @staticmethod
    def draw(rng: random.Random, portrait: str | None) -> _Style:
        base = (rng.randint(20, 60), rng.randint(80, 125), rng.randint(150, 195))
        ink = rng.randint(8, 30)
        return _Style(
            label_family=rng.choice(_LABEL_FAMILIES),
            value_family=rng.choice(_VALUE_FAMILIES),
            title_family=rng.choice(_TITLE_FAMILIES),
            number_family=rng.choice(_NUMBER_FAMILIES),
            label_rgb=base,
            value_rgb=(ink, ink, ink + rng.randint(0, 8)),
            label_size=rng.uniform(21.0, 23.5),
            value_size=rng.uniform(25.5, 28.0),
            dx=rng.uniform(-8, 8),
            dy=rng.uniform(-5, 5),
            portrait=portrait if portrait is not None else rng.choice(PORTRAIT_STYLES),
        )


@dataclass(frozen=True)
class StudioCard:
    """A rendered side with where things are, in image pixels (for tests and for placing effects)."""

    image: Image.Image  # RGBA, transparent outside the rounded corners
    side: str
    text_boxes: tuple[Box, ...]  # every field value and label line
    watermark_box: Box
    portrait: str | None = None  # front only
    stamp_box: Box | None = None  # back only, when stamped


# ------------------------------------------------------------------------------------------ background


def _tint(rng: random.Random, low: int, high: int) -> RGB:
    return (rng.randint(low, high), rng.randint(low, high), rng.randint(low, high))


def _background(width: int, height: int, rng: random.Random) -> Image.Image:
    """Pale two-tone gradient under faint wavy lines and a rosette: security print, not a copy of it."""
    start, end = np.array(_tint(rng, 232, 250), np.float32), np.array(_tint(rng, 232, 250), np.float32)
    angle = rng.uniform(0, math.pi)
    yy, xx = np.mgrid[0:height, 0:width].astype(np.float32)
    t = (xx * math.cos(angle) + yy * math.sin(angle)) / (width * abs(math.cos(angle)) + height)
    t = np.clip(t - t.min(), 0, 1)[..., None]
    base = Image.fromarray((start * (1 - t) + end * t).astype(np.uint8), "RGB")
    lines = Image.new("L", (width * 2, height * 2), 0)
    _draw_waves(ImageDraw.Draw(lines), width * 2, height * 2, rng)
    _draw_rosette(ImageDraw.Draw(lines), width * 2, height * 2, rng)
    lines = lines.resize((width, height), Image.Resampling.BOX)
    ink = Image.new("RGB", (width, height), _tint(rng, 150, 215))
    # Faint by design: values must stay clearly black on a light ground.
    opacity = rng.uniform(0.22, 0.34)
    return Image.composite(ink, base, lines.point(lambda v: round(v * opacity)))


def _draw_waves(draw: ImageDraw.ImageDraw, width: int, height: int, rng: random.Random) -> None:
    spacing = rng.uniform(14, 22) * width / 1712
    amplitude, period = rng.uniform(6, 14) * width / 1712, rng.uniform(120, 260) * width / 1712
    drift = rng.uniform(0.2, 0.6)
    xs = np.arange(0, width + 8, 6, dtype=np.float32)
    for k in range(int(height / spacing) + 2):
        phase = k * drift
        ys = k * spacing + amplitude * np.sin(xs / period * 2 * math.pi + phase)
        draw.line(list(zip(xs.tolist(), ys.tolist(), strict=True)), fill=255, width=2)


def _draw_rosette(draw: ImageDraw.ImageDraw, width: int, height: int, rng: random.Random) -> None:
    cx, cy = rng.uniform(0.25, 0.75) * width, rng.uniform(0.35, 0.75) * height
    outer = rng.uniform(0.16, 0.24) * width
    petals = rng.choice((7, 9, 11, 13))
    steps = np.linspace(0, 2 * math.pi, 1400, dtype=np.float64)
    for ring in range(5):
        r = outer * (1 - ring * 0.15)
        radius = r * (0.78 + 0.22 * np.sin(petals * steps + ring * 0.7))
        points = zip(
            (cx + radius * np.cos(steps)).tolist(), (cy + radius * np.sin(steps)).tolist(), strict=True
        )
        draw.line(list(points), fill=255, width=2)


def _blank(rng: random.Random, scale: float) -> Image.Image:
    width, height = round(REFERENCE_WIDTH * scale), round(_REFERENCE_HEIGHT * scale)
    card = _background(width, height, rng).convert("RGBA")
    mask = Image.new("L", (width * 2, height * 2), 0)
    radius = round(_CORNER_RADIUS * scale * 2)
    ImageDraw.Draw(mask).rounded_rectangle((0, 0, width * 2 - 1, height * 2 - 1), radius=radius, fill=255)
    card.putalpha(mask.resize((width, height), Image.Resampling.BOX))
    return card


# ------------------------------------------------------------------------------------------ watermark


def _watermark(card: Image.Image, box: Box, rng: random.Random, *, angle: float) -> None:
    """Red 样本 / SPECIMEN, turned by ``angle`` and shrunk until it stays inside ``box``."""
    left, top, right, bottom = box
    colour = (rng.randint(190, 225), rng.randint(20, 55), rng.randint(25, 60), rng.randint(165, 205))
    big = (bottom - top) * 0.42
    while True:
        layer = _watermark_layer(big, colour, angle)
        if (layer.width <= right - left and layer.height <= bottom - top) or big < 12:
            break
        big *= 0.92
    x = left + (right - left - layer.width) // 2
    y = top + (bottom - top - layer.height) // 2
    card.alpha_composite(layer, (max(0, x), max(0, y)))


def _watermark_layer(size: float, colour: tuple[int, int, int, int], angle: float) -> Image.Image:
    family = "WenQuanYi Zen Hei"
    big, small = _font(family, round(size)), _font(family, round(size * 0.42))
    width = round(max(big.getlength(WATERMARK_WORDS[0]), small.getlength(WATERMARK_WORDS[1])) + size * 0.2)
    layer = Image.new("RGBA", (width, round(size * 1.75)), (0, 0, 0, 0))
    draw = ImageDraw.Draw(layer)
    # A pale outline keeps the red words visible over the red emblem and the dark portrait alike.
    halo = (255, 250, 245, colour[3])
    for text, face, y in ((WATERMARK_WORDS[0], big, 0.6), (WATERMARK_WORDS[1], small, 1.4)):
        stroke = max(1, round(face.size / 16))
        draw.text(
            (width / 2, size * y),
            text,
            font=face,
            fill=colour,
            anchor="mm",
            stroke_width=stroke,
            stroke_fill=halo,
        )
    return layer.rotate(angle, resample=Image.Resampling.BICUBIC, expand=True)


# ------------------------------------------------------------------------------------------ portrait


def _portrait(card: Image.Image, box: Box, style: str, rng: random.Random) -> None:
    left, top, right, bottom = box
    size = (right - left, bottom - top)
    if style == "box":
        grey = rng.randint(170, 210)
        patch = Image.new("RGB", size, (grey, grey, grey + rng.randint(0, 6)))
    elif style == "silhouette":
        patch = _silhouette(size, rng)
    elif style == "noise":
        patch = _noise_patch(size, rng)
    else:
        return
    card.paste(patch, (left, top))


def _silhouette(size: tuple[int, int], rng: random.Random) -> Image.Image:
    width, height = size
    light = rng.randint(215, 240)
    patch = Image.new("RGB", size, (light, light + 2, light + 4))
    draw = ImageDraw.Draw(patch)
    tone = rng.randint(105, 150)
    fill = (tone, tone, tone)
    cx = width * rng.uniform(0.46, 0.54)
    head_w, head_h = width * 0.36, height * 0.36
    head_top = height * rng.uniform(0.12, 0.18)
    draw.ellipse((cx - head_w / 2, head_top, cx + head_w / 2, head_top + head_h), fill=fill)
    neck_top = head_top + head_h * 0.85
    draw.rectangle((cx - width * 0.09, neck_top, cx + width * 0.09, neck_top + height * 0.12), fill=fill)
    shoulders = (width * 0.02, neck_top + height * 0.08, width * 0.98, height * 1.35)
    draw.rounded_rectangle(shoulders, radius=round(width * 0.3), fill=fill)
    return patch.filter(ImageFilter.GaussianBlur(1.0))


def _noise_patch(size: tuple[int, int], rng: random.Random) -> Image.Image:
    """Blotchy low-frequency colour with grain: reads as 'a photo' to a detector, shows nobody."""
    width, height = size
    nrng = np.random.default_rng(rng.getrandbits(32))
    # Mostly luminance with a little chroma: a photo's colours are muted, not a rainbow.
    luma = nrng.uniform(80, 215, size=(6, 5, 1))
    tint = np.array([rng.uniform(-12, 18), rng.uniform(-8, 8), rng.uniform(-14, 10)])
    coarse = np.clip(luma + tint + nrng.normal(0, 8, size=(6, 5, 3)), 0, 255).astype(np.uint8)
    smooth = np.asarray(Image.fromarray(coarse, "RGB").resize(size, Image.Resampling.BICUBIC), np.float32)
    grain = nrng.normal(0, 14, size=(height, width, 1)).astype(np.float32)
    return Image.fromarray(np.clip(smooth + grain, 0, 255).astype(np.uint8), "RGB")


# ------------------------------------------------------------------------------------------ emblem


def _emblem(card: Image.Image, centre: tuple[float, float], radius: float, rng: random.Random) -> None:
    """An abstract rosette where the emblem sits on a real card: rings and rays, no symbol."""
    draw = ImageDraw.Draw(card)
    cx, cy = centre
    gold = (rng.randint(200, 225), rng.randint(150, 180), rng.randint(40, 80))
    red = (rng.randint(180, 210), rng.randint(30, 60), rng.randint(30, 55))

    def ring(r: float, fill: RGB) -> None:
        draw.ellipse((cx - r, cy - r, cx + r, cy + r), fill=fill)

    ring(radius, gold)
    ring(radius * 0.88, red)
    rays = rng.choice((16, 20, 28))
    for k in range(rays):
        a = 2 * math.pi * k / rays
        inner, outer = radius * 0.35, radius * 0.8
        points = (
            cx + inner * math.cos(a),
            cy + inner * math.sin(a),
            cx + outer * math.cos(a),
            cy + outer * math.sin(a),
        )
        draw.line(points, fill=gold, width=max(1, round(radius / 30)))
    ring(radius * 0.3, gold)
    ring(radius * 0.2, red)


# ------------------------------------------------------------------------------------------ stamp


def _stamp(
    card: Image.Image, centre: tuple[float, float], radius: float, text: str, rng: random.Random
) -> Box:
    """A red round seal over-printed (multiplied) so black text under it stays black."""
    size = math.ceil(radius * 2 + 8)
    layer = Image.new("L", (size, size), 0)
    draw = ImageDraw.Draw(layer)
    c = size / 2
    rim = max(2, round(radius * 0.05))
    draw.ellipse((c - radius, c - radius, c + radius, c + radius), outline=255, width=rim)
    draw.ellipse(
        (c - radius * 0.3, c - radius * 0.3, c + radius * 0.3, c + radius * 0.3), outline=255, width=rim
    )
    _arc_text(layer, text, c, radius * 0.72, radius * 0.3)
    layer = layer.rotate(rng.uniform(-25, 25), resample=Image.Resampling.BICUBIC)
    strength = rng.uniform(0.5, 0.8)
    ink = (rng.randint(200, 230), rng.randint(30, 70), rng.randint(40, 75))
    x0, y0 = round(centre[0] - size / 2), round(centre[1] - size / 2)
    region = (x0, y0, x0 + size, y0 + size)
    under = card.crop(region)
    tinted = ImageChops.multiply(under.convert("RGB"), Image.new("RGB", (size, size), ink))
    alpha = layer.point(lambda v: round(v * strength))
    under.paste(Image.merge("RGBA", (*tinted.split(), under.getchannel("A"))), (0, 0), alpha)
    card.paste(under, (x0, y0))
    return region


def _arc_text(layer: Image.Image, text: str, centre: float, radius: float, size: float) -> None:
    if not text:
        return
    # Long names (autonomous prefectures) get smaller characters, not overlapping ones.
    size = min(size, math.radians(250) * radius / (len(text) * 1.15))
    face = _font("WenQuanYi Zen Hei", round(size))
    span = len(text) * size * 1.15 / radius
    for k, char in enumerate(text):
        angle = -math.pi / 2 - span / 2 + span * (k + 0.5) / len(text)
        glyph = Image.new("L", (round(size * 1.6), round(size * 1.6)), 0)
        ImageDraw.Draw(glyph).text(
            (glyph.width / 2, glyph.height / 2), char, font=face, fill=255, anchor="mm"
        )
        glyph = glyph.rotate(-math.degrees(angle) - 90, resample=Image.Resampling.BICUBIC)
        x = centre + radius * math.cos(angle) - glyph.width / 2
        y = centre + radius * math.sin(angle) - glyph.height / 2
        layer.paste(255, (round(x), round(y)), glyph)


def _stamp_text(authority: str) -> str:
    cut = authority.find("公安局")
    return authority[: cut + 3] if cut >= 0 else authority[:10]


# ------------------------------------------------------------------------------------------ layout helpers


def wrap(text: str, units_per_line: float, *, max_lines: int) -> list[str]:
    """``text`` broken into lines of at most ``units_per_line`` CJK cells (widened to fit ``max_lines``)."""
    units = max(units_per_line, math.ceil(text_units(text) / max_lines))
    lines: list[str] = []
    current = ""
    for char in text:
        if current and text_units(current + char) > units:
            lines.append(current)
            current = ""
        current += char
    return [*lines, current] if current else lines


def _authority_lines(authority: str, units_per_line: float) -> list[str]:
    if text_units(authority) <= units_per_line:
        return [authority]
    # Issued cards break after 公安局 when the branch name follows, as a person would.
    cut = authority.find("公安局") + 3
    if 3 <= cut < len(authority) and text_units(authority[:cut]) <= units_per_line + 1:
        return [authority[:cut], authority[cut:]]
    return wrap(authority, units_per_line, max_lines=2)


def _scale_box(box: tuple[float, float, float, float], scale: float) -> Box:
    return (round(box[0] * scale), round(box[1] * scale), round(box[2] * scale), round(box[3] * scale))


# ------------------------------------------------------------------------------------------ sides


def _scale_for(width: int) -> float:
    if width < 200:
        raise ValueError("width must be at least 200 px for legible text")
    return width / REFERENCE_WIDTH


def render_front_card(
    person: Person, *, rng: random.Random, width: int = REFERENCE_WIDTH, portrait: str | None = None
) -> StudioCard:
    """The 人像面 of ``person``'s card, with its layout. ``portrait`` forces one of PORTRAIT_STYLES."""
    if portrait is not None and portrait not in PORTRAIT_STYLES:
        raise ValueError(f"unknown portrait style {portrait!r}; known: {', '.join(PORTRAIT_STYLES)}")
    scale = _scale_for(width)
    card = _blank(rng, scale)
    style = _Style.draw(rng, portrait)
    photo = _scale_box(
        (
            588 + rng.uniform(-6, 6),
            44 + rng.uniform(-4, 4),
            808 + rng.uniform(-4, 4),
            338 + rng.uniform(-4, 4),
        ),
        scale,
    )
    _portrait(card, photo, style.portrait, rng)
    pen = _Pen(card, scale)
    _front_fields(pen, person, style, rng)
    _watermark(card, photo, rng, angle=rng.choice((0.0, rng.uniform(18, 34), rng.uniform(-34, -18))))
    return StudioCard(card, "front", tuple(pen.text_boxes), photo, portrait=style.portrait)


def _front_fields(pen: _Pen, person: Person, style: _Style, rng: random.Random) -> None:
    label_x, value_x = 42 + style.dx, 138 + style.dx + rng.uniform(-4, 6)
    name_gap = style.value_size * rng.uniform(0.0, 0.12)
    wide = style.label_size * rng.uniform(0.45, 0.8)

    def label(x: float, baseline: float, text: str, tracking: float = wide) -> float:
        return pen.text(
            x, baseline, text, family=style.label_family, size=style.label_size,
            fill=style.label_rgb, tracking=tracking, record=True,
        )  # fmt: skip

    def value(
        x: float, baseline: float, text: str, *, size: float = style.value_size, tracking: float = 0
    ) -> float:
        return pen.text(
            x, baseline, text, family=style.value_family, size=size,
            fill=style.value_rgb, tracking=tracking, record=True,
        )  # fmt: skip

    row = 84 + style.dy
    label(label_x, row, "姓名")
    value(value_x, row + 1, person.name, size=style.value_size + 2, tracking=name_gap)

    row += rng.uniform(56, 62)
    label(label_x, row, "性别")
    value(value_x, row, person.gender)
    race_label = value_x + rng.uniform(118, 140)
    label(race_label, row, "民族")
    value(race_label + 2 * style.label_size + wide + rng.uniform(14, 22), row, person.race)

    row += rng.uniform(56, 62)
    label(label_x, row, "出生")
    x = value_x
    for number, unit in (
        (person.birthday.year, "年"),
        (person.birthday.month, "月"),
        (person.birthday.day, "日"),
    ):
        x = value(x, row, str(number)) + rng.uniform(6, 10)
        x = label(x, row, unit, tracking=0) + rng.uniform(10, 18)

    row += rng.uniform(56, 62)
    label(label_x, row, "住址")
    pitch = style.value_size * rng.uniform(1.3, 1.45)
    for k, line in enumerate(wrap(person.address, rng.uniform(10.5, 12.5), max_lines=3)):
        value(value_x, row + k * pitch, line)

    number_row = 470 + rng.uniform(-6, 6)
    label(label_x, number_row, "公民身份号码", tracking=rng.uniform(0, 3))
    pen.text(
        value_x + rng.uniform(140, 160), number_row + 1, person.id_card_number,
        family=style.number_family, size=rng.uniform(30, 32), fill=style.value_rgb,
        tracking=rng.uniform(2, 4), stroke=0, record=True,
    )  # fmt: skip


def render_back_card(
    person: Person, *, rng: random.Random, width: int = REFERENCE_WIDTH, stamp: bool | None = None
) -> StudioCard:
    """The 国徽面 of ``person``'s card, with its layout. ``stamp`` None: a red seal on ~30 % of backs."""
    scale = _scale_for(width)
    card = _blank(rng, scale)
    style = _Style.draw(rng, "none")
    with_stamp = rng.random() < STAMP_PROBABILITY if stamp is None else stamp
    centre, radius = (112 + rng.uniform(-6, 6), 112 + rng.uniform(-6, 6)), rng.uniform(68, 76)
    _emblem(card, (centre[0] * scale, centre[1] * scale), radius * scale, rng)
    pen = _Pen(card, scale)
    _titles(pen, style, rng)
    authority_end = _back_fields(pen, person, style, rng)
    stamp_box = None
    if with_stamp:
        end_x, end_y = authority_end
        # Centred past the end of the authority so the rim crosses its last characters only, as
        # a seal beside a printed name does; a seal over the whole name would be unreadable to anyone.
        where = (pen.px(end_x + rng.uniform(15, 45)), pen.px(end_y - rng.uniform(8, 24)))
        stamp_box = _stamp(card, where, pen.px(rng.uniform(52, 62)), _stamp_text(person.issued_by), rng)
    reach = radius + 14
    emblem_box = _scale_box(
        (centre[0] - reach, centre[1] - reach, centre[0] + reach, centre[1] + reach), scale
    )
    _watermark(card, emblem_box, rng, angle=rng.uniform(-30, 30))
    return StudioCard(card, "back", tuple(pen.text_boxes), emblem_box, stamp_box=stamp_box)


def _titles(pen: _Pen, style: _Style, rng: random.Random) -> None:
    ink = (rng.randint(10, 40),) * 3
    x = 240 + rng.uniform(-6, 10)
    size = rng.uniform(36, 40)
    pen.text(
        x, 96, "中华人民共和国", family=style.title_family, size=size, fill=ink, tracking=rng.uniform(12, 18)
    )
    big = rng.uniform(58, 64)
    pen.text(
        x + rng.uniform(-4, 8), 96 + big * 1.45, "居民身份证",
        family=style.title_family, size=big, fill=ink, tracking=rng.uniform(20, 28), stroke=1,
    )  # fmt: skip


def _back_fields(pen: _Pen, person: Person, style: _Style, rng: random.Random) -> tuple[float, float]:
    """Draws 签发机关 and 有效期限; returns where the authority's last line ends (for the stamp)."""
    label_x, value_x = 168 + style.dx, 300 + style.dx + rng.uniform(-4, 6)
    lines = _authority_lines(person.issued_by, rng.choice((12.0, 13.0, 14.0)))
    pitch = style.value_size * rng.uniform(1.3, 1.4)
    first = (398 if len(lines) == 1 else 384) + style.dy
    tracking = style.label_size * rng.uniform(0.05, 0.25)
    pen.text(
        label_x, first, "签发机关", family=style.label_family, size=style.label_size,
        fill=style.label_rgb, tracking=tracking, record=True,
    )  # fmt: skip
    end = (value_x, first)
    for k, line in enumerate(lines):
        baseline = first + k * pitch
        right = pen.text(
            value_x, baseline, line, family=style.value_family, size=style.value_size,
            fill=style.value_rgb, record=True,
        )  # fmt: skip
        end = (right, baseline)
    valid = max(first + len(lines) * pitch + 12, 460) + rng.uniform(-2, 4)
    pen.text(
        label_x, valid, "有效期限", family=style.label_family, size=style.label_size,
        fill=style.label_rgb, tracking=tracking, record=True,
    )  # fmt: skip
    pen.text(
        value_x, valid, person.valid_date, family=style.value_family, size=style.value_size,
        fill=style.value_rgb, record=True,
    )  # fmt: skip
    return end


def render_front(
    person: Person, *, rng: random.Random, width: int = REFERENCE_WIDTH, portrait: str | None = None
) -> Image.Image:
    """The front as an RGBA image ``width`` px wide (856 x 540 by default), transparent corners."""
    return render_front_card(person, rng=rng, width=width, portrait=portrait).image


def render_back(
    person: Person, *, rng: random.Random, width: int = REFERENCE_WIDTH, stamp: bool | None = None
) -> Image.Image:
    """The back as an RGBA image ``width`` px wide (856 x 540 by default), transparent corners."""
    return render_back_card(person, rng=rng, width=width, stamp=stamp).image


def overlaps(a: Box, b: Box) -> bool:
    """Whether two boxes share any pixel."""
    return a[0] < b[2] and b[0] < a[2] and a[1] < b[3] and b[1] < a[3]


def families_in_use() -> Sequence[str]:
    """Every font family the studio renderer may draw with."""
    return tuple(
        dict.fromkeys(
            (*_LABEL_FAMILIES, *_VALUE_FAMILIES, *_TITLE_FAMILIES, *_NUMBER_FAMILIES, *_FALLBACK_FAMILIES)
        )
    )
