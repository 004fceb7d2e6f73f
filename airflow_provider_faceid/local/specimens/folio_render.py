"""The "folio" specimen renderer: a third card renderer, written without sight of the OCR engine or
of the two other renderers, for held-out accuracy figures.

Both sides follow the real second-generation card's arrangement (front: 姓名, 性别 + 民族, 出生 年 月
日, 住址 over up to three lines, 公民身份号码 along the bottom, the portrait at the right; back: an
abstract emblem at the top left, the two-line title, 签发机关 and 有效期限 at the bottom), but every
card draws its own size (ISO/IEC 7810 ID-1 proportions, 620-1200 px wide), font faces and sizes,
label/value gaps, row pitches, offsets, label hue, background (gradient, glow, guilloche, noise),
portrait style and watermark. About a third of the backs carry a red round stamp (ring, the
authority's name around it, an empty or abstract centre) over or near the 签发机关 value. Every card
is marked 样本 / SPECIMEN. Text is drawn per character at its final pixel size, each character in
the first face of its chain that has a glyph for it, so nothing renders as tofu.

Fonts (none of them used by the other renderers): LXGW WenKai, Smiley Sans and AR PL KaitiM GB for
labels and titles; AR PL UKai CN, BabelStone Han, AR PL KaitiM GB and LXGW WenKai for values;
Liberation Mono, FreeMono Bold and Noto Sans Mono for the number; Liberation Sans / FreeSans Bold
for the SPECIMEN mark.
"""

from __future__ import annotations

import functools
import math
import random
import shutil
import subprocess
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
from PIL import Image, ImageDraw, ImageFilter, ImageFont

from airflow_provider_faceid.local.specimens.fonts import SpecimenFontError
from airflow_provider_faceid.local.specimens.person import Person

FONT_PACKAGES: tuple[str, ...] = (
    "fonts-lxgw-wenkai",
    "fonts-smiley-sans",
    "fonts-arphic-ukai",
    "fonts-arphic-gkai00mp",
    "fonts-babelstone-han",
    "fonts-liberation",
    "fonts-freefont-ttf",
    "fonts-noto-mono",
)

ID1_ASPECT = 85.6 / 54.0
WIDTH_RANGE = (620, 1200)
Box = tuple[float, float, float, float]
RGB = tuple[int, int, int]


class FolioFontError(SpecimenFontError):
    """A font the folio renderer needs is missing, or none of its faces has a glyph for a character."""


@dataclass(frozen=True)
class Face:
    family: str
    style: str
    path: str  # the Debian location; fc-list is asked when it is missing
    index: int
    package: str


_LX = "/usr/share/fonts/truetype/lxgw-wenkai"
_TT = "/usr/share/fonts/truetype"
FACES: dict[str, Face] = {
    "wenkai": Face("LXGW WenKai", "Regular", f"{_LX}/LXGWWenKai-Regular.ttf", 0, "fonts-lxgw-wenkai"),
    "wenkai-bold": Face("LXGW WenKai", "Bold", f"{_LX}/LXGWWenKai-Bold.ttf", 0, "fonts-lxgw-wenkai"),
    "wenkai-light": Face("LXGW WenKai", "Light", f"{_LX}/LXGWWenKai-Light.ttf", 0, "fonts-lxgw-wenkai"),
    "smiley": Face(
        "Smiley Sans", "Oblique", f"{_TT}/smiley-sans/SmileySans-Oblique.ttf", 0, "fonts-smiley-sans"
    ),
    "ukai": Face("AR PL UKai CN", "Book", f"{_TT}/arphic/ukai.ttc", 0, "fonts-arphic-ukai"),
    "gkai": Face(
        "AR PL KaitiM GB", "Regular", f"{_TT}/arphic-gkai00mp/gkai00mp.ttf", 0, "fonts-arphic-gkai00mp"
    ),
    "babelstone": Face(
        "BabelStone Han", "Regular", f"{_TT}/babelstone/BabelStoneHan.ttf", 0, "fonts-babelstone-han"
    ),
    "libmono": Face(
        "Liberation Mono", "Regular", f"{_TT}/liberation/LiberationMono-Regular.ttf", 0, "fonts-liberation"
    ),
    "libmono-bold": Face(
        "Liberation Mono", "Bold", f"{_TT}/liberation/LiberationMono-Bold.ttf", 0, "fonts-liberation"
    ),
    "freemono-bold": Face("FreeMono", "Bold", f"{_TT}/freefont/FreeMonoBold.ttf", 0, "fonts-freefont-ttf"),
    "notomono": Face(
        "Noto Sans Mono", "Regular", f"{_TT}/noto/NotoSansMono-Regular.ttf", 0, "fonts-noto-mono"
    ),
    "notomono-bold": Face(
        "Noto Sans Mono", "Bold", f"{_TT}/noto/NotoSansMono-Bold.ttf", 0, "fonts-noto-mono"
    ),
    "libsans-bold": Face(
        "Liberation Sans", "Bold", f"{_TT}/liberation/LiberationSans-Bold.ttf", 0, "fonts-liberation"
    ),
    "freesans-bold": Face("FreeSans", "Bold", f"{_TT}/freefont/FreeSansBold.ttf", 0, "fonts-freefont-ttf"),
}

# Faces a card picks its primary font from, per role; FALLBACK is tried after it, character by character.
LABEL_FACES = ("smiley", "wenkai-bold", "wenkai", "gkai")
TITLE_FACES = ("wenkai-bold", "smiley", "babelstone")
VALUE_FACES = ("ukai", "babelstone", "gkai", "wenkai", "wenkai-light")
NUMBER_FACES = ("libmono", "libmono-bold", "freemono-bold", "notomono", "notomono-bold")
LATIN_FACES = ("libsans-bold", "freesans-bold")
FALLBACK = ("wenkai", "babelstone", "ukai")


# --------------------------------------------------------------------------------------------- fonts


@functools.cache
def _fc_faces() -> tuple[tuple[str, int], ...]:
    binary = shutil.which("fc-list")
    if binary is None:
        return ()
    out = subprocess.run(
        [binary, "-f", "%{file}|%{index}\n"], capture_output=True, text=True, check=False, timeout=30
    ).stdout
    found = []
    for line in out.splitlines():
        file, _, index = line.rpartition("|")
        if file and index.isdigit():
            found.append((file, int(index)))
    return tuple(found)


def _names(path: str, index: int) -> tuple[str, str] | None:
    try:
        family, style = ImageFont.truetype(path, size=12, index=index).getname()
    except OSError:
        return None
    return (family or "", style or "")


@functools.cache
def face_file(key: str) -> tuple[str, int]:
    """(path, index) of face ``key``; raises FolioFontError naming the Debian package when missing."""
    face = FACES[key]
    wanted = (face.family, face.style)
    if Path(face.path).is_file() and _names(face.path, face.index) == wanted:
        return face.path, face.index
    for file, index in _fc_faces():
        if _names(file, index) == wanted:
            return file, index
    raise FolioFontError(
        f"the folio specimen renderer needs the font {face.family} {face.style}: install the Debian "
        f"package {face.package} (all of its fonts: apt-get install {' '.join(FONT_PACKAGES)}; "
        f"scripts/setup.sh does it)"
    )


@functools.cache
def font(key: str, size: int) -> ImageFont.FreeTypeFont:
    path, index = face_file(key)
    return ImageFont.truetype(path, size=size, index=index)


def _bitmap(key: str, text: str) -> tuple[tuple[int, int], bytes] | None:
    face = font(key, 40)
    left, top, right, bottom = face.getbbox(text)
    if right <= left or bottom <= top:
        return None
    image = Image.new("L", (int(right - left), int(bottom - top)))
    ImageDraw.Draw(image).text((-left, -top), text, font=face, fill=255)
    if image.getbbox() is None:
        return None
    return image.size, image.tobytes()


@functools.cache
def _notdef(key: str) -> tuple[tuple[tuple[int, int], bytes] | None, ...]:
    # Code points no font maps: what they draw is the face's .notdef glyph (the "tofu").
    return tuple(_bitmap(key, ch) for ch in ("\uffff", "\U0010fffd"))


@functools.cache
def covers(key: str, ch: str) -> bool:
    """True when face ``key`` has a real glyph for ``ch`` (white space always counts as covered)."""
    if ch.isspace():
        return True
    drawn = _bitmap(key, ch)
    return drawn is not None and drawn not in _notdef(key)


@dataclass(frozen=True)
class _Type:
    chain: tuple[str, ...]
    size: int

    def face_for(self, ch: str) -> str:
        for key in self.chain:
            if covers(key, ch):
                return key
        raise FolioFontError(f"no folio font has a glyph for {ch!r} (U+{ord(ch):04X}); tried {self.chain}")

    def advance(self, ch: str) -> float:
        return font(self.face_for(ch), self.size).getlength(ch)

    def measure(self, text: str, tracking: float = 0.0) -> float:
        return sum(self.advance(ch) for ch in text) + tracking * max(len(text) - 1, 0)

    def resized(self, size: float) -> _Type:
        return _Type(self.chain, max(int(size), 6))


def _chain(primary: str) -> tuple[str, ...]:
    return (primary, *(k for k in FALLBACK if k != primary))


@dataclass(frozen=True)
class DrawnText:
    """One string drawn on a card (or an image area, with empty text), for tests and debugging."""

    text: str
    role: str  # label, value, number, title, watermark, stamp; portrait:<style> / emblem for areas
    box: Box
    faces: tuple[tuple[str, str], ...] = ()  # (character, face key) for every character drawn
    field: str = ""  # for values: name, gender, race, year, month, day, address, id_card_number, ...


@dataclass
class _Canvas:
    image: Image.Image
    trace: list[DrawnText] | None
    draw: ImageDraw.ImageDraw = field(init=False)

    def __post_init__(self) -> None:
        self.draw = ImageDraw.Draw(self.image)

    def area(self, role: str, box: Box) -> None:
        if self.trace is not None:
            self.trace.append(DrawnText("", role, box))

    def text(
        self,
        x: float,
        baseline: float,
        text: str,
        kind: _Type,
        fill: RGB,
        role: str,
        tracking: float = 0.0,
        field: str = "",
    ) -> Box:
        """Draws ``text`` with its left end at ``x`` on ``baseline``; returns the ink box."""
        left, top, right, bottom = math.inf, math.inf, -math.inf, -math.inf
        used = []
        for ch in text:
            key = kind.face_for(ch)
            face = font(key, kind.size)
            if not ch.isspace():
                self.draw.text((x, baseline), ch, font=face, fill=fill, anchor="ls")
                ink_l, ink_t, ink_r, ink_b = self.draw.textbbox((x, baseline), ch, font=face, anchor="ls")
                left, top, right, bottom = (
                    min(left, ink_l),
                    min(top, ink_t),
                    max(right, ink_r),
                    max(bottom, ink_b),
                )
                used.append((ch, key))
            x += face.getlength(ch) + tracking
        box = (left, top, right, bottom) if used else (x, baseline, x, baseline)
        if self.trace is not None:
            self.trace.append(DrawnText(text, role, box, tuple(used), field))
        return box


# ---------------------------------------------------------------------------------------- colours


def _hsv(h: float, s: float, v: float) -> RGB:
    i = int(h * 6) % 6
    f = h * 6 - math.floor(h * 6)
    p, q, t = v * (1 - s), v * (1 - f * s), v * (1 - (1 - f) * s)
    r, g, b = ((v, t, p), (q, v, p), (p, v, t), (p, q, v), (t, p, v), (v, p, q))[i]
    return (round(r * 255), round(g * 255), round(b * 255))


def _label_colour(rng: random.Random) -> RGB:
    if rng.random() < 0.15:  # a darker, greyer blue now and then
        return _hsv(rng.uniform(0.54, 0.64), rng.uniform(0.25, 0.6), rng.uniform(0.35, 0.55))
    return _hsv(rng.uniform(0.52, 0.60), rng.uniform(0.45, 0.95), rng.uniform(0.55, 0.88))


def _ink(rng: random.Random) -> RGB:
    base = rng.randint(0, 38)
    return (
        min(base + rng.randint(0, 10), 255),
        min(base + rng.randint(0, 10), 255),
        min(base + rng.randint(0, 14), 255),
    )


def _pale(rng: random.Random, hues: tuple[float, float]) -> RGB:
    return _hsv(rng.uniform(*hues) % 1.0, rng.uniform(0.03, 0.16), rng.uniform(0.90, 0.99))


# ------------------------------------------------------------------------------------- background


def card_size(rng: random.Random) -> tuple[int, int]:
    """A card size with ID-1 proportions: one of a few common widths, or any in WIDTH_RANGE."""
    width = rng.choice((640, 856, 1000, 1200)) if rng.random() < 0.35 else rng.randint(*WIDTH_RANGE)
    return width, round(width / ID1_ASPECT)


def _background(rng: random.Random, width: int, height: int, side: str) -> Image.Image:
    noise = np.random.default_rng(rng.getrandbits(63))
    hues = (0.45, 0.62) if side == "front" and rng.random() < 0.7 else (0.02, 0.16)
    c1 = np.array(_pale(rng, hues), np.float32)
    c2 = np.array(_pale(rng, (rng.uniform(0.0, 1.0), rng.uniform(0.0, 1.0) + 0.2)), np.float32)
    angle = rng.uniform(0, math.pi)
    # the smooth parts at a quarter of the size, then scaled up
    small_w, small_h = max(width // 4, 8), max(height // 4, 8)
    yy, xx = np.mgrid[0:small_h, 0:small_w].astype(np.float32)
    yy *= height / small_h
    xx *= width / small_w
    ramp = (xx / width) * math.cos(angle) + (yy / height) * math.sin(angle)
    ramp = (ramp - ramp.min()) / max(float(ramp.max() - ramp.min()), 1e-6)
    ramp = ramp ** rng.uniform(0.6, 1.6)
    pixels = c1 * (1 - ramp[..., None]) + c2 * ramp[..., None]
    for _ in range(rng.randint(0, 2)):  # soft glows
        cx, cy = rng.uniform(0, width), rng.uniform(0, height)
        radius = rng.uniform(0.2, 0.6) * width
        weight = np.exp(-((xx - cx) ** 2 + (yy - cy) ** 2) / radius**2) * rng.uniform(0.2, 0.6)
        glow = np.array(_pale(rng, (0.0, 1.0)), np.float32)
        pixels = pixels * (1 - weight[..., None]) + glow * weight[..., None]
    smooth = Image.fromarray(np.clip(pixels, 0, 255).astype(np.uint8), "RGB")
    full = np.asarray(smooth.resize((width, height), Image.Resampling.BILINEAR), np.int16)
    sigma = rng.uniform(0.5, 4.0)
    channels = 1 if rng.random() < 0.5 else 3
    grain = np.rint(noise.standard_normal((192, 192, channels), dtype=np.float32) * sigma).astype(np.int16)
    grain = np.tile(grain, (height // 192 + 1, width // 192 + 1, 1))[:height, :width]
    image = Image.fromarray(np.clip(full + grain, 0, 255).astype(np.uint8), "RGB")
    _guilloche(image, rng)
    if rng.random() < 0.4:
        image = image.filter(ImageFilter.SMOOTH)
    return image


def _guilloche(image: Image.Image, rng: random.Random) -> None:
    width, height = image.size
    layer = Image.new("RGBA", image.size, (0, 0, 0, 0))
    draw = ImageDraw.Draw(layer)
    scale = width / 856
    styles = rng.sample(("waves", "rosette", "rings", "lattice"), k=rng.randint(1, 2))
    for style in styles:
        colour = (*_hsv(rng.random(), rng.uniform(0.2, 0.6), rng.uniform(0.45, 0.85)), rng.randint(22, 60))
        line = max(1, round(scale * rng.choice((1, 1, 1.5))))
        if style == "waves":
            count = rng.randint(14, 34)
            wavelength = width * rng.uniform(0.12, 0.4)
            amp, amp2 = height * rng.uniform(0.01, 0.05), height * rng.uniform(0.0, 0.03)
            phase_step = rng.uniform(0.1, 0.6)
            xs = np.linspace(-5, width + 5, max(width // 3, 60))
            for k in range(count):
                y0 = -0.1 * height + k * (1.2 * height / count)
                ys = y0 + amp * np.sin(2 * math.pi * xs / wavelength + k * phase_step)
                ys += amp2 * np.sin(2 * math.pi * xs / (wavelength * 2.7) + k * 0.3)
                draw.line(list(zip(xs.tolist(), ys.tolist(), strict=True)), fill=colour, width=line)
        elif style == "rosette":
            cx, cy = rng.uniform(0.2, 0.8) * width, rng.uniform(0.2, 0.8) * height
            big, small = rng.uniform(0.25, 0.55) * height, rng.uniform(0.04, 0.15) * height
            pen = rng.uniform(0.5, 1.2) * small
            turns = rng.randint(7, 15)
            t = np.linspace(0, 2 * math.pi * turns, 1800 * max(1, turns // 5))
            xs = cx + (big - small) * np.cos(t) + pen * np.cos((big - small) / small * t)
            ys = cy + (big - small) * np.sin(t) - pen * np.sin((big - small) / small * t)
            draw.line(list(zip(xs.tolist(), ys.tolist(), strict=True)), fill=colour, width=line)
        elif style == "rings":
            cx, cy = rng.uniform(0, 1) * width, rng.uniform(0, 1) * height
            lobes, wobble = rng.randint(6, 24), rng.uniform(0.01, 0.05)
            t = np.linspace(0, 2 * math.pi, 720)
            for radius in np.arange(rng.uniform(5, 20) * scale, width * 1.2, rng.uniform(9, 22) * scale):
                rr = radius * (1 + wobble * np.sin(lobes * t + radius * 0.05))
                xs, ys = cx + rr * np.cos(t), cy + rr * np.sin(t) * rng.uniform(0.9, 1.1)
                draw.line(list(zip(xs.tolist(), ys.tolist(), strict=True)), fill=colour, width=line)
        else:  # lattice of crossing sine lines
            step = rng.uniform(10, 24) * scale
            amp = step * rng.uniform(0.2, 0.8)
            ys_base = np.linspace(0, height, max(height // 3, 40))
            for x0 in np.arange(-step, width + step, step):
                xs = x0 + amp * np.sin(ys_base / (step * 1.7))
                draw.line(list(zip(xs.tolist(), ys_base.tolist(), strict=True)), fill=colour, width=line)
                xs = x0 - amp * np.sin(ys_base / (step * 1.7))
                draw.line(list(zip(xs.tolist(), ys_base.tolist(), strict=True)), fill=colour, width=line)
    image.paste(layer.convert("RGB"), (0, 0), layer)


# --------------------------------------------------------------------------------------- portrait


def _portrait(image: Image.Image, rng: random.Random, box: tuple[int, int, int, int]) -> str:
    left, top, right, bottom = box
    w, h = right - left, bottom - top
    style = rng.choice(("gradient", "cartoon", "noise", "empty", "silhouette"))
    tile = Image.new("RGBA", (w, h), (0, 0, 0, 0))
    draw = ImageDraw.Draw(tile)
    if style == "gradient":
        g1, g2 = rng.randint(190, 245), rng.randint(110, 190)
        ramp = np.linspace(g1, g2, h, dtype=np.float32)[:, None, None] * np.ones((1, w, 1), np.float32)
        tint = np.array([1.0, 1.0, rng.uniform(1.0, 1.08)], np.float32)
        rgb = np.clip(ramp * tint, 0, 255).astype(np.uint8)
        tile = Image.fromarray(rgb, "RGB").convert("RGBA")
    elif style == "noise":
        cells = np.random.default_rng(rng.getrandbits(63)).uniform(
            90, 235, (rng.randint(4, 9), rng.randint(3, 7), 1)
        )
        tint = np.array([rng.uniform(0.9, 1.05), 1.0, rng.uniform(0.9, 1.1)], np.float32)
        small = Image.fromarray(np.clip(cells * tint, 0, 255).astype(np.uint8), "RGB")
        tile = small.resize((w, h), Image.Resampling.BICUBIC).filter(ImageFilter.GaussianBlur(w / 14))
        tile = tile.convert("RGBA")
    elif style in ("cartoon", "silhouette"):
        backdrop = rng.randint(215, 248)
        draw.rectangle((0, 0, w, h), fill=(backdrop, backdrop, min(backdrop + rng.randint(0, 7), 255), 255))
        ss = 3  # shapes at 3x, then down: smooth edges (no text in here)
        big = Image.new("RGBA", (w * ss, h * ss), (0, 0, 0, 0))
        bd = ImageDraw.Draw(big)
        cx = w * ss * rng.uniform(0.46, 0.54)
        head_w, head_h = w * ss * rng.uniform(0.36, 0.44), h * ss * rng.uniform(0.36, 0.42)
        head_top = h * ss * rng.uniform(0.12, 0.2)
        shoulder_top = head_top + head_h * rng.uniform(0.92, 1.02)
        if style == "silhouette":
            grey = rng.randint(80, 150)
            skin = clothes = hair = (grey, grey, grey, 255)
        else:
            skin = (rng.randint(215, 245), rng.randint(175, 210), rng.randint(140, 180), 255)
            clothes = (*_hsv(rng.random(), rng.uniform(0.2, 0.7), rng.uniform(0.2, 0.6)), 255)
            hair = (*(rng.randint(15, 70),) * 3, 255)
        bd.ellipse((cx - w * ss * 0.48, shoulder_top, cx + w * ss * 0.48, h * ss * 1.45), fill=clothes)
        bd.rectangle(
            (cx - head_w * 0.18, head_top + head_h * 0.8, cx + head_w * 0.18, shoulder_top + 10), fill=skin
        )
        bd.ellipse((cx - head_w / 2, head_top, cx + head_w / 2, head_top + head_h), fill=skin)
        if style == "cartoon":
            bd.chord(
                (cx - head_w * 0.53, head_top - head_h * 0.06, cx + head_w * 0.53, head_top + head_h * 0.7),
                180,
                360,
                fill=hair,
            )
            eye_y, eye_dx, eye_r = head_top + head_h * 0.55, head_w * 0.18, head_w * 0.045
            for sign in (-1, 1):
                bd.ellipse(
                    (cx + sign * eye_dx - eye_r, eye_y - eye_r, cx + sign * eye_dx + eye_r, eye_y + eye_r),
                    fill=hair,
                )
            bd.arc(
                (cx - head_w * 0.16, head_top + head_h * 0.62, cx + head_w * 0.16, head_top + head_h * 0.82),
                20,
                160,
                fill=(150, 70, 60, 255),
                width=max(2, ss * 2),
            )
        tile.alpha_composite(big.resize((w, h), Image.Resampling.LANCZOS))
    elif rng.random() < 0.5:  # empty: at most a faint frame
        grey = rng.randint(150, 200)
        draw.rectangle((0, 0, w - 1, h - 1), outline=(grey, grey, grey, 120), width=1)
    if style != "empty" and rng.random() < 0.5:  # let the guilloche show through a little
        alpha = tile.getchannel("A").point(lambda a: int(a * 0.9))
        tile.putalpha(alpha)
    image.paste(tile.convert("RGB"), (left, top), tile)
    return style


# ------------------------------------------------------------------------------------------- marks


def _rotated_text(text: str, kind: _Type, colour: tuple[int, int, int, int], angle: float) -> Image.Image:
    """``text`` drawn upright at its final size on a transparent tile, then turned by ``angle``°."""
    width = int(kind.measure(text)) + kind.size
    tile = Image.new("RGBA", (width, int(kind.size * 1.6)), (0, 0, 0, 0))
    canvas = _Canvas(tile, None)
    canvas.text(kind.size / 2, kind.size * 1.15, text, kind, colour[:3], "mark")
    alpha = tile.getchannel("A").point(lambda a: a * colour[3] // 255)
    tile.putalpha(alpha)
    if angle:
        tile = tile.rotate(angle, resample=Image.Resampling.BICUBIC, expand=True)
    return tile


def _composite(image: Image.Image, tile: Image.Image, x: float, y: float) -> None:
    """Alpha-composites ``tile`` onto RGB ``image`` with its top left at (x, y), clipped to the image."""
    left, top = round(x), round(y)
    source = (max(-left, 0), max(-top, 0))
    if source[0] >= tile.width or source[1] >= tile.height:
        return
    tile = tile.crop((*source, tile.width, tile.height))
    image.paste(tile.convert("RGB"), (max(left, 0), max(top, 0)), tile)


def _watermark(image: Image.Image, rng: random.Random, trace: list[DrawnText] | None) -> None:
    width, height = image.size
    if rng.random() < 0.55:
        colour = (rng.randint(190, 235), rng.randint(20, 70), rng.randint(20, 70))
    else:
        grey = rng.randint(60, 120)
        colour = (grey, grey, grey + rng.randint(0, 40))
    alpha = rng.randint(65, 115) if colour[0] > 150 else rng.randint(80, 125)
    cjk = _chain(rng.choice(("smiley", "wenkai-bold", "babelstone")))
    latin = (rng.choice(LATIN_FACES), *cjk)
    variant = rng.choice(("big", "pair", "tiled", "band"))
    marks: list[tuple[str, _Type]]
    if variant == "big":
        marks = [("样本", _Type(cjk, round(height * rng.uniform(0.14, 0.24))))]
    elif variant == "pair":
        marks = [
            ("样本", _Type(cjk, round(height * rng.uniform(0.11, 0.18)))),
            ("SPECIMEN", _Type(latin, round(height * rng.uniform(0.07, 0.11)))),
        ]
    elif variant == "band":
        text = rng.choice(("SPECIMEN", "样本 SPECIMEN", "SPECIMEN 样本"))
        marks = [(text, _Type(latin, round(height * rng.uniform(0.075, 0.1))))]
    else:
        kind = _Type(cjk, round(height * rng.uniform(0.06, 0.09)))
        marks = [("样本", kind)] * rng.randint(4, 7)
    angle = rng.choice((0.0, rng.uniform(-28, 28), rng.uniform(10, 30)))
    for text, kind in marks:
        tile = _rotated_text(text, kind, (*colour, alpha), angle)
        x = rng.uniform(0, max(width - tile.width, 0))
        y = rng.uniform(0, max(height - tile.height, 0))
        _composite(image, tile, x, y)
        if trace is not None:
            box = (x, y, min(x + tile.width, width), min(y + tile.height, height))
            used = tuple((ch, kind.face_for(ch)) for ch in text if not ch.isspace())
            trace.append(DrawnText(text, "watermark", box, used))


def _stamp(
    image: Image.Image,
    rng: random.Random,
    centre: tuple[float, float],
    radius: float,
    text: str,
    trace: list[DrawnText] | None,
) -> None:
    """A red round stamp: a ring, ``text`` around its top, an empty or abstract centre; ink-textured."""
    cx, cy = centre
    ink = (rng.randint(190, 230), rng.randint(15, 60), rng.randint(25, 65))
    size = int(radius * 2 + 8)
    layer = Image.new("RGBA", (size, size), (0, 0, 0, 0))
    ox = oy = size / 2
    ss = 3
    shapes = Image.new("L", (size * ss, size * ss), 0)
    sd = ImageDraw.Draw(shapes)
    ring = max(2.0, radius * rng.uniform(0.045, 0.075))
    c = size * ss / 2
    sd.ellipse(
        (c - radius * ss, c - radius * ss, c + radius * ss, c + radius * ss),
        outline=255,
        width=int(ring * ss),
    )
    if rng.random() < 0.35:
        inner = radius * rng.uniform(0.88, 0.92)
        sd.ellipse((c - inner * ss, c - inner * ss, c + inner * ss, c + inner * ss), outline=255, width=ss)
    centre_style = rng.choice(("empty", "star", "rosette"))
    if centre_style == "star":
        points = rng.choice((6, 7, 8))
        outer, inner_r = radius * rng.uniform(0.22, 0.3) * ss, radius * rng.uniform(0.08, 0.12) * ss
        turn = rng.uniform(0, math.pi)
        poly = [
            (
                c + (outer if i % 2 == 0 else inner_r) * math.cos(turn + i * math.pi / points),
                c + (outer if i % 2 == 0 else inner_r) * math.sin(turn + i * math.pi / points),
            )
            for i in range(points * 2)
        ]
        sd.polygon(poly, fill=255)
    elif centre_style == "rosette":
        petal = radius * 0.12 * ss
        petals = rng.randint(5, 9)
        for i in range(petals):
            a = i * 2 * math.pi / petals
            px, py = c + petal * 1.4 * math.cos(a), c + petal * 1.4 * math.sin(a)
            sd.ellipse((px - petal, py - petal, px + petal, py + petal), outline=255, width=ss * 2)
    mask = shapes.resize((size, size), Image.Resampling.LANCZOS)
    layer.paste((*ink, 255), (0, 0), mask)
    # the authority's name around the top of the ring, each character turned to face outwards
    chars = [ch for ch in text if not ch.isspace()]
    kind = _Type(_chain(rng.choice(("wenkai-bold", "babelstone", "smiley"))), max(8, int(radius * 0.3)))
    widest = math.radians(rng.uniform(205, 250))
    while kind.size > 8 and len(chars) * kind.size * 1.02 > widest * (radius - ring - kind.size * 0.62):
        kind = kind.resized(kind.size - 1)
    text_radius = radius - ring - kind.size * 0.62
    natural = len(chars) * kind.size * rng.uniform(1.15, 1.4) / max(text_radius, 1)
    span = min(widest, max(natural, math.radians(150)))
    used = []
    for i, ch in enumerate(chars):
        theta = -math.pi / 2 - span / 2 + (span * (i + 0.5) / len(chars))
        glyph = _rotated_text(ch, kind, (*ink, 255), -math.degrees(theta) - 90)
        gx, gy = ox + text_radius * math.cos(theta), oy + text_radius * math.sin(theta)
        layer.alpha_composite(glyph, (int(gx - glyph.width / 2), int(gy - glyph.height / 2)))
        used.append((ch, kind.face_for(ch)))
    # ink texture: patchy coverage and slight softening
    noise = np.random.default_rng(rng.getrandbits(63))
    speckle = noise.uniform(0.45, 1.0, (size // 3 + 1, size // 3 + 1)).astype(np.float32)
    speckle_img = Image.fromarray((speckle * 255).astype(np.uint8), "L").resize(
        (size, size), Image.Resampling.BILINEAR
    )
    alpha = np.asarray(layer.getchannel("A"), np.float32) * np.asarray(speckle_img, np.float32) / 255
    alpha *= rng.uniform(0.7, 0.92)
    layer.putalpha(Image.fromarray(np.clip(alpha, 0, 255).astype(np.uint8), "L"))
    layer = layer.rotate(rng.uniform(-20, 20), resample=Image.Resampling.BICUBIC)
    _composite(image, layer, cx - size / 2, cy - size / 2)
    if trace is not None:
        trace.append(
            DrawnText(text, "stamp", (cx - radius, cy - radius, cx + radius, cy + radius), tuple(used))
        )


def _emblem(image: Image.Image, rng: random.Random, centre: tuple[float, float], radius: float) -> Box:
    """An abstract emblem (concentric rings, a gear or a rosette of circles): not the national emblem."""
    ss = 3
    size = int(radius * 2 + 4)
    big = Image.new("RGBA", (size * ss, size * ss), (0, 0, 0, 0))
    draw = ImageDraw.Draw(big)
    c, r = size * ss / 2, radius * ss
    red = (rng.randint(170, 220), rng.randint(20, 50), rng.randint(20, 50), 255)
    gold = (rng.randint(200, 235), rng.randint(150, 190), rng.randint(30, 80), 255)
    first, second = (red, gold) if rng.random() < 0.7 else (gold, red)
    style = rng.choice(("gear", "rings", "petals"))
    if style == "gear":
        teeth = rng.randint(14, 24)
        poly = []
        for i in range(teeth * 2):
            a = i * math.pi / teeth
            rr = r if i % 2 == 0 else r * 0.86
            poly.append((c + rr * math.cos(a), c + rr * math.sin(a)))
        draw.polygon(poly, fill=first)
        draw.ellipse((c - r * 0.7, c - r * 0.7, c + r * 0.7, c + r * 0.7), fill=second)
        draw.ellipse((c - r * 0.42, c - r * 0.42, c + r * 0.42, c + r * 0.42), fill=first)
    elif style == "rings":
        for k, rr in enumerate(np.linspace(r, r * 0.2, rng.randint(4, 7))):
            draw.ellipse((c - rr, c - rr, c + rr, c + rr), fill=first if k % 2 == 0 else second)
    else:
        petals = rng.randint(6, 12)
        pr = r * 0.33
        for i in range(petals):
            a = i * 2 * math.pi / petals
            px, py = c + (r - pr) * math.cos(a), c + (r - pr) * math.sin(a)
            draw.ellipse((px - pr, py - pr, px + pr, py + pr), fill=first)
        draw.ellipse((c - r * 0.55, c - r * 0.55, c + r * 0.55, c + r * 0.55), fill=second)
        sides = rng.randint(5, 8)
        draw.regular_polygon((c, c, r * 0.35), sides, rotation=rng.uniform(0, 90), fill=first)
    tile = big.resize((size, size), Image.Resampling.LANCZOS)
    left, top = int(centre[0] - size / 2), int(centre[1] - size / 2)
    _composite(image, tile, left, top)
    return (left, top, left + size, top + size)


# ------------------------------------------------------------------------------------------ layout


def _wrap(text: str, kind: _Type, limit: float) -> list[str]:
    lines, current, used = [], "", 0.0
    for ch in text:
        step = kind.advance(ch)
        if current and used + step > limit:
            lines.append(current)
            current, used = "", 0.0
        current += ch
        used += step
    if current:
        lines.append(current)
    return lines


def _fit(text: str, kind: _Type, limit: float, tracking: float = 0.0, floor: float = 0.6) -> _Type:
    """``kind`` shrunk (down to ``floor`` of its size) until ``text`` fits in ``limit`` pixels."""
    size = kind.size
    while size > kind.size * floor and kind.resized(size).measure(text, tracking * size / kind.size) > limit:
        size -= 1
    return kind.resized(size)


def render_front(person: Person, *, rng: random.Random, trace: list[DrawnText] | None = None) -> Image.Image:
    """The 人像面 (portrait side) of ``person``'s card as an RGB image of a size drawn from ``rng``.

    ``trace``, when given, receives every string drawn and the portrait area (for tests).
    """
    width, height = card_size(rng)
    image = _background(rng, width, height, "front")
    canvas = _Canvas(image, trace)
    label_colour, ink = _label_colour(rng), _ink(rng)
    label = _Type(_chain(rng.choice(LABEL_FACES)), round(height * rng.uniform(0.040, 0.050)))
    value = _Type(_chain(rng.choice(VALUE_FACES)), round(label.size * rng.uniform(1.10, 1.28)))
    number = _Type((rng.choice(NUMBER_FACES), *FALLBACK), round(value.size * rng.uniform(1.05, 1.22)))
    label_tracking = label.size * rng.choice((0.0, rng.uniform(0.05, 0.45)))

    x0 = width * rng.uniform(0.05, 0.078)
    gap = label.size * rng.uniform(0.6, 1.3)
    value_x = x0 + label.measure("姓名", label_tracking) + gap

    # the number row along the bottom, the portrait above it at the right
    number_base = height * rng.uniform(0.855, 0.905)
    number_top = number_base - number.size * 0.78
    p_left, p_right = width * rng.uniform(0.60, 0.645), width * rng.uniform(0.905, 0.935)
    p_top = height * rng.uniform(0.07, 0.13)
    p_bottom = min(p_top + (p_right - p_left) * rng.uniform(1.12, 1.28), number_top - height * 0.035)
    portrait_box = (int(p_left), int(p_top), int(p_right), int(p_bottom))
    style = _portrait(image, rng, portrait_box)
    canvas.area(f"portrait:{style}", portrait_box)
    text_limit = p_left - width * rng.uniform(0.02, 0.035)

    # rows: 姓名, 性别/民族, 出生, 住址 (address lines have their own pitch)
    address = value
    lines = _wrap(person.address, address, text_limit - value_x)
    while len(lines) > 3 and address.size > value.size * 0.7:
        address = address.resized(address.size - 1)
        lines = _wrap(person.address, address, text_limit - value_x)
    row0 = height * rng.uniform(0.16, 0.205)
    pitch = height * rng.uniform(0.12, 0.145)
    line_pitch = address.size * rng.uniform(1.16, 1.36)
    floor_y = number_top - height * 0.03 - address.size * 0.12
    need = row0 + 3 * pitch + (len(lines) - 1) * line_pitch
    if need > floor_y:
        spare = floor_y - row0
        pitch = max(value.size * 1.3, pitch * spare / (need - row0))
        line_pitch = max(address.size * 1.1, (floor_y - row0 - 3 * pitch) / max(len(lines) - 1, 1))
        if row0 + 3 * pitch + (len(lines) - 1) * line_pitch > floor_y:
            row0 = max(value.size * 1.0, floor_y - 3 * pitch - (len(lines) - 1) * line_pitch)
    rows = [row0 + i * pitch for i in range(4)]

    name_kind = _fit(person.name, value, text_limit - value_x)
    for text, row in (("姓名", rows[0]), ("性别", rows[1]), ("出生", rows[2]), ("住址", rows[3])):
        canvas.text(x0, row, text, label, label_colour, "label", label_tracking)
    canvas.text(value_x, rows[0], person.name, name_kind, ink, "value", field="name")

    # 性别 value, then 民族 label and value on the same row
    gender_box = canvas.text(value_x, rows[1], person.gender, value, ink, "value", field="gender")
    race_label_x = max(gender_box[2] + value.size * 1.2, value_x + width * rng.uniform(0.11, 0.16))
    race_label_end = race_label_x + label.measure("民族", label_tracking)
    race_gap = gap * rng.uniform(0.8, 1.1)
    race_kind = _fit(person.race, value, text_limit - race_label_end - race_gap)
    canvas.text(race_label_x, rows[1], "民族", label, label_colour, "label", label_tracking)
    canvas.text(race_label_end + race_gap, rows[1], person.race, race_kind, ink, "value", field="race")

    # 出生: 1990 年 8 月 8 日, flowing or in fixed slots
    birthday = person.birthday
    small_gap = value.size * rng.uniform(0.25, 0.5)
    x = canvas.text(value_x, rows[2], str(birthday.year), value, ink, "value", field="year")[2] + small_gap
    slots = rng.random() < 0.5
    slot = value.measure("12")
    for number_text, unit, part in ((str(birthday.month), "年", "month"), (str(birthday.day), "月", "day")):
        x = canvas.text(x, rows[2], unit, label, label_colour, "label")[2] + small_gap
        offset = slot - value.measure(number_text) if slots else 0.0
        x = canvas.text(x + offset, rows[2], number_text, value, ink, "value", field=part)[2] + small_gap
    canvas.text(x, rows[2], "日", label, label_colour, "label")

    for i, line in enumerate(lines):
        canvas.text(value_x, rows[3] + i * line_pitch, line, address, ink, "value", field="address")

    # 公民身份号码 + the number
    number_label = label if rng.random() < 0.6 else label.resized(label.size * rng.uniform(0.92, 1.08))
    label_end = canvas.text(x0, number_base, "公民身份号码", number_label, label_colour, "label")[2]
    number_x = label_end + label.size * rng.uniform(0.9, 2.4)
    tracking = number.size * rng.uniform(0.02, 0.16)
    limit = width * 0.955 - number_x
    while tracking > 0 and number.measure(person.id_card_number, tracking) > limit:
        tracking = max(0.0, tracking - 0.5)
    number = _fit(person.id_card_number, number, limit, tracking)
    canvas.text(
        number_x, number_base, person.id_card_number, number, ink, "number", tracking, "id_card_number"
    )

    _watermark(image, rng, trace)
    return image


def render_back(person: Person, *, rng: random.Random, trace: list[DrawnText] | None = None) -> Image.Image:
    """The 国徽面 (emblem side) of ``person``'s card as an RGB image of a size drawn from ``rng``.

    About a third of the backs carry a red round stamp over or near the 签发机关 value.
    """
    width, height = card_size(rng)
    image = _background(rng, width, height, "back")
    canvas = _Canvas(image, trace)
    label_colour, ink = _label_colour(rng), _ink(rng)
    title_ink = ink if rng.random() < 0.7 else _hsv(rng.uniform(0.55, 0.65), rng.uniform(0.3, 0.7), 0.3)

    emblem_radius = height * rng.uniform(0.13, 0.16)
    emblem_centre = (width * rng.uniform(0.13, 0.17), height * rng.uniform(0.22, 0.27))
    canvas.area("emblem", _emblem(image, rng, emblem_centre, emblem_radius))

    title_face = rng.choice(TITLE_FACES)
    title_left = emblem_centre[0] + emblem_radius + width * rng.uniform(0.07, 0.11)
    title_right = width * rng.uniform(0.88, 0.93)
    country = _Type(_chain(title_face), round(height * rng.uniform(0.062, 0.078)))
    card_title = _Type(_chain(title_face), round(height * rng.uniform(0.10, 0.125)))
    span = title_right - title_left
    for text, kind, base in (
        ("中华人民共和国", country, height * rng.uniform(0.19, 0.235)),
        ("居民身份证", card_title, height * rng.uniform(0.40, 0.45)),
    ):
        kind = _fit(text, kind, span)
        tracking = (span - kind.measure(text)) / (len(text) - 1)
        canvas.text(title_left, base, text, kind, title_ink, "title", tracking)

    label = _Type(_chain(rng.choice(LABEL_FACES)), round(height * rng.uniform(0.040, 0.050)))
    value = _Type(_chain(rng.choice(VALUE_FACES)), round(label.size * rng.uniform(1.08, 1.25)))
    label_tracking = label.size * rng.choice((0.0, rng.uniform(0.05, 0.3)))
    x0 = width * rng.uniform(0.17, 0.23)
    value_x = x0 + label.measure("签发机关", label_tracking) + label.size * rng.uniform(0.6, 1.3)
    row_issued = height * rng.uniform(0.72, 0.77)
    row_valid = row_issued + height * rng.uniform(0.11, 0.13)
    limit = width * 0.95 - value_x

    canvas.text(x0, row_issued, "签发机关", label, label_colour, "label", label_tracking)
    canvas.text(x0, row_valid, "有效期限", label, label_colour, "label", label_tracking)
    issued_kind = _fit(person.issued_by, value, limit, floor=0.78)
    if issued_kind.measure(person.issued_by) > limit:  # very long names: two lines above the row
        issued_kind = value.resized(value.size * 0.9)
        lines = _wrap(person.issued_by, issued_kind, limit)
        pitch = issued_kind.size * 1.12
        first = row_issued - pitch * (len(lines) - 1)
        boxes = [
            canvas.text(value_x, first + i * pitch, ln, issued_kind, ink, "value", field="issued_by")
            for i, ln in enumerate(lines)
        ]
    else:
        boxes = [
            canvas.text(value_x, row_issued, person.issued_by, issued_kind, ink, "value", field="issued_by")
        ]
    valid_kind = _fit(person.valid_date, value, limit)
    canvas.text(value_x, row_valid, person.valid_date, valid_kind, ink, "value", field="valid_date")

    _watermark(image, rng, trace)
    if rng.random() < 1 / 3:
        right = max(b[2] for b in boxes)
        radius = height * rng.uniform(0.13, 0.17)
        cx = rng.uniform(value_x + (right - value_x) * 0.45, right + radius * 0.4)
        cy = row_issued - value.size * 0.35 - height * rng.uniform(0.0, 0.08)
        cx = min(max(cx, radius + 2), width * 0.98 - radius)
        cy = min(max(cy, radius + 2), height - radius - 2)
        _stamp(image, rng, (cx, cy), radius, person.issued_by, trace)
    return image
