"""Named image degradations that make a clean card render look like a real scan or photo.

Each kind takes an RGB image and a ``random.Random`` and returns the degraded image with the
parameters it drew, so a specimen's ground truth can record exactly what was done. Strengths are
bounded so that a decent OCR engine still reads every field: the point is to exercise the engine's
robustness (orientation, skew, blur, compression, lighting), not to destroy the text.

``turn`` can be done in pixels or, as phones do, by storing the pixels turned with an EXIF
orientation tag that tells viewers how to put them upright; the tag is returned in
``Degraded.exif_orientation`` and must be written when the image is saved.
"""

from __future__ import annotations

import io
import math
import random
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
from PIL import Image, ImageDraw, ImageEnhance, ImageFilter

KINDS: tuple[str, ...] = (
    "photocopy",
    "moire",
    "glare",
    "noise",
    "blur",
    "downscale",
    "rotate",
    "perspective",
    "jpeg",
    "turn",
)
"""Every kind, in the order :func:`degrade_many` applies them (lighting and sensor effects first,
then geometry, then compression; an EXIF turn last because it only concerns how the file is stored)."""

# EXIF orientation that puts pixels turned by this many degrees clockwise back upright.
_EXIF_ORIENTATION_FOR_CLOCKWISE = {90: 8, 180: 3, 270: 6}


@dataclass(frozen=True)
class Degraded:
    image: Image.Image
    params: dict[str, Any]  # {"kind": ..., plus what was drawn}
    exif_orientation: int | None = None


def _numpy_rng(rng: random.Random) -> np.random.Generator:
    return np.random.default_rng(rng.getrandbits(64))


def _axes(width: int, height: int) -> tuple[np.ndarray, np.ndarray]:
    """Pixel x as a row and y as a column, to build 2-D fields by broadcasting (cheaper than mgrid)."""
    return np.arange(width, dtype=np.float32)[None, :], np.arange(height, dtype=np.float32)[:, None]


def _plane_wave(vector: tuple[float, float], width: int, height: int) -> tuple[np.ndarray, np.ndarray]:
    """sin and cos of kx*x + ky*y, from 1-D sines and cosines (trig on a full image is the slow part)."""
    x, y = _axes(width, height)
    sx, cx = np.sin(vector[0] * x), np.cos(vector[0] * x)
    sy, cy = np.sin(vector[1] * y), np.cos(vector[1] * y)
    return sx * cy + cx * sy, cx * cy - sx * sy


def _to_image(pixels: np.ndarray) -> Image.Image:
    return Image.fromarray(np.clip(pixels, 0, 255).astype(np.uint8), "RGB")


def _jpeg(image: Image.Image, rng: random.Random) -> Degraded:
    quality = rng.randint(35, 70)
    buffer = io.BytesIO()
    image.save(buffer, "JPEG", quality=quality)
    buffer.seek(0)
    with Image.open(buffer) as reopened:
        return Degraded(reopened.convert("RGB"), {"kind": "jpeg", "quality": quality})


def _blur(image: Image.Image, rng: random.Random) -> Degraded:
    radius = round(rng.uniform(0.7, 1.5) * image.width / 856, 2)
    return Degraded(image.filter(ImageFilter.GaussianBlur(radius)), {"kind": "blur", "radius": radius})


def _fill_colour(rng: random.Random) -> tuple[int, int, int]:
    return rng.choice(((236, 236, 232), (60, 58, 56), (205, 190, 170), (250, 250, 250)))


def _rotate(image: Image.Image, rng: random.Random) -> Degraded:
    angle = round(rng.uniform(1.0, 5.0) * rng.choice((-1, 1)), 2)
    fill = _fill_colour(rng)
    rotated = image.rotate(angle, resample=Image.Resampling.BILINEAR, expand=True, fillcolor=fill)
    return Degraded(rotated, {"kind": "rotate", "degrees": angle})


def _turn(image: Image.Image, rng: random.Random) -> Degraded:
    clockwise = rng.choice((90, 180, 270))
    via = rng.choice(("pixels", "exif"))
    # PIL's ROTATE_n turns counter-clockwise.
    turned = image.transpose(
        {90: Image.Transpose.ROTATE_270, 180: Image.Transpose.ROTATE_180, 270: Image.Transpose.ROTATE_90}[
            clockwise
        ]
    )
    orientation = _EXIF_ORIENTATION_FOR_CLOCKWISE[clockwise] if via == "exif" else None
    return Degraded(turned, {"kind": "turn", "clockwise": clockwise, "via": via}, orientation)


def _perspective_coefficients(
    src: Sequence[tuple[float, float]], dst: Sequence[tuple[float, float]]
) -> list[float]:
    """Coefficients for Image.transform(PERSPECTIVE), which maps output points ``dst`` to input ``src``."""
    rows = []
    for (x, y), (u, v) in zip(dst, src, strict=True):
        rows.append([x, y, 1, 0, 0, 0, -u * x, -u * y])
        rows.append([0, 0, 0, x, y, 1, -v * x, -v * y])
    rhs = [c for point in src for c in point]
    return [float(c) for c in np.linalg.solve(np.asarray(rows, float), np.asarray(rhs, float))]


def _backdrop(size: tuple[int, int], kind: str, nrng: np.random.Generator) -> Image.Image:
    width, height = size
    x, y = _axes(width, height)
    # Grit at half resolution, doubled: a backdrop needs texture, not per-pixel independence.
    half = nrng.standard_normal(((height + 1) // 2, (width + 1) // 2), dtype=np.float32)
    grit = half.repeat(2, axis=0).repeat(2, axis=1)[:height, :width]
    if kind == "table":  # wood-like grain: sin(y/5 + 3 sin(x/90)), expanded into outer products
        wave = 3 * np.sin(x / 90)
        grain = (np.sin(y / 5) * np.cos(wave) + np.cos(y / 5) * np.sin(wave)) * 14 + grit * 2
        pixels = np.asarray((150, 110, 72), np.float32) + grain[..., None] * np.asarray(
            (1.0, 0.8, 0.6), np.float32
        )
    elif kind == "hand":  # skin tones with soft shading
        shade = (x / width - 0.5) * 40 + grit * 1.5
        pixels = np.asarray((214, 168, 140), np.float32) + shade[..., None]
    else:  # dark desk
        pixels = np.asarray((52, 54, 60), np.float32) + (grit * 2)[..., None]
    return _to_image(pixels)


def _perspective(image: Image.Image, rng: random.Random) -> Degraded:
    width, height = image.size
    margin_x, margin_y = round(width * 0.12), round(height * 0.14)
    out_size = (width + 2 * margin_x, height + 2 * margin_y)
    reach_x, reach_y = width * 0.06, height * 0.07
    corners = [
        (margin_x + cx + rng.uniform(-reach_x, reach_x), margin_y + cy + rng.uniform(-reach_y, reach_y))
        for cx, cy in ((0, 0), (width, 0), (width, height), (0, height))
    ]
    coefficients = _perspective_coefficients([(0, 0), (width, 0), (width, height), (0, height)], corners)
    # One RGBA warp gives the card and its coverage mask together; bilinear is what a phone's
    # resampling looks like anyway, at half the cost of bicubic.
    card = image.convert("RGBA")
    # ID-1 cards have 3.18 mm corner radii; a photographed card shows them against the backdrop.
    corner_mask = Image.new("L", image.size, 0)
    ImageDraw.Draw(corner_mask).rounded_rectangle(
        (0, 0, width - 1, height - 1), radius=width * 0.037, fill=255
    )
    card.putalpha(corner_mask)
    warped = card.transform(out_size, Image.Transform.PERSPECTIVE, coefficients, Image.Resampling.BILINEAR)
    background = rng.choice(("table", "hand", "desk"))
    canvas = _backdrop(out_size, background, _numpy_rng(rng))
    canvas.paste(warped, (0, 0), warped)
    return Degraded(
        canvas,
        {
            "kind": "perspective",
            "background": background,
            "corners": [[round(x), round(y)] for x, y in corners],
        },
    )


def _noise(image: Image.Image, rng: random.Random) -> Degraded:
    sigma = round(rng.uniform(4.0, 9.0), 1)
    grain = _numpy_rng(rng).standard_normal((image.height, image.width, 3), dtype=np.float32)
    return Degraded(
        _to_image(np.asarray(image, np.float32) + grain * sigma), {"kind": "noise", "sigma": sigma}
    )


def _downscale(image: Image.Image, rng: random.Random) -> Degraded:
    factor = round(rng.uniform(0.55, 0.7), 2)
    size = (round(image.width * factor), round(image.height * factor))
    return Degraded(image.resize(size, Image.Resampling.BILINEAR), {"kind": "downscale", "factor": factor})


def _photocopy(image: Image.Image, rng: random.Random) -> Degraded:
    contrast = round(rng.uniform(1.3, 1.7), 2)
    speckle = round(rng.uniform(0.001, 0.004), 4)
    grey = ImageEnhance.Contrast(image.convert("L")).enhance(contrast)
    nrng = _numpy_rng(rng)
    pixels = np.asarray(grey, np.float32) * 0.92 + 12  # toner never reaches pure black or white
    pixels[nrng.random(pixels.shape, dtype=np.float32) < speckle] = 30
    pixels += nrng.standard_normal(pixels.shape, dtype=np.float32) * 4
    out = Image.fromarray(np.clip(pixels, 0, 255).astype(np.uint8), "L").convert("RGB")
    return Degraded(out, {"kind": "photocopy", "contrast": contrast, "speckle": speckle})


def _glare(image: Image.Image, rng: random.Random) -> Degraded:
    width, height = image.size
    cx, cy = rng.uniform(0.2, 0.8) * width, rng.uniform(0.2, 0.8) * height
    rx, ry = rng.uniform(0.12, 0.25) * width, rng.uniform(0.12, 0.25) * height
    # The rest of the photo is dimmer than the highlight, which is what makes glare visible on a
    # light card. Below 0.6 the brightest spot still keeps text well darker than its surroundings.
    ambient = round(rng.uniform(0.78, 0.9), 2)
    strength = round(rng.uniform(0.4, 0.58), 2)
    x, y = _axes(width, height)
    weight = strength * np.exp(-(((x - cx) / rx) ** 2)) * np.exp(-(((y - cy) / ry) ** 2))
    pixels = np.asarray(image, np.float32) * ambient
    pixels = pixels + (255 - pixels) * weight[..., None]
    return Degraded(
        _to_image(pixels),
        {
            "kind": "glare",
            "center": [round(cx), round(cy)],
            "radii": [round(rx), round(ry)],
            "strength": strength,
            "ambient": ambient,
        },
    )


def _moire(image: Image.Image, rng: random.Random) -> Degraded:
    """A screen re-shoot: the screen's pixel grid beating against the sensor's makes wide bands."""
    width, height = image.size
    period = round(rng.uniform(2.5, 4.0), 2)
    angle = round(rng.uniform(0, 180), 1)
    skew = round(rng.uniform(2.0, 6.0), 1)  # grid-to-sensor angle; sets the width of the bands
    amplitude = round(rng.uniform(0.08, 0.14), 3)

    def wave_vector(degrees: float, step: float) -> tuple[float, float]:
        theta = math.radians(degrees)
        k = 2 * math.pi / step
        return k * math.cos(theta), k * math.sin(theta)

    screen = wave_vector(angle, period)
    sensor = wave_vector(angle + skew, period * 1.03)
    sin_screen, cos_screen = _plane_wave(screen, width, height)
    _, cos_beat = _plane_wave((screen[0] - sensor[0], screen[1] - sensor[1]), width, height)
    bands = (0.5 + 0.5 * cos_beat)[..., None]
    # Sub-pixels: each channel's fine grating is out of phase, which tints the bands.
    shifts = np.asarray((0.0, 2.1, 4.2), np.float32)
    fine = sin_screen[..., None] * np.cos(shifts) + cos_screen[..., None] * np.sin(shifts)
    factor = 1 + amplitude * (fine * bands + 0.8 * (bands - 0.5))
    cast = np.asarray((0.95, 0.98, 1.03), np.float32) * 0.92  # screens photograph cool and flat
    pixels = np.asarray(image, np.float32) * factor * cast + 10
    return Degraded(
        _to_image(pixels),
        {"kind": "moire", "period": period, "angle": angle, "skew": skew, "amplitude": amplitude},
    )


_KIND_FUNCTIONS: dict[str, Callable[[Image.Image, random.Random], Degraded]] = {
    "photocopy": _photocopy,
    "moire": _moire,
    "glare": _glare,
    "noise": _noise,
    "blur": _blur,
    "downscale": _downscale,
    "rotate": _rotate,
    "perspective": _perspective,
    "jpeg": _jpeg,
    "turn": _turn,
}


def degrade(image: Image.Image, kind: str, *, rng: random.Random) -> Degraded:
    """Apply one named degradation (see :data:`KINDS`) to an RGB image."""
    try:
        function = _KIND_FUNCTIONS[kind]
    except KeyError:
        raise ValueError(f"unknown degradation {kind!r}; known: {', '.join(KINDS)}") from None
    return function(image.convert("RGB"), rng)


@dataclass(frozen=True)
class DegradedChain:
    image: Image.Image
    steps: list[dict[str, Any]]  # params of each kind applied, in order
    exif_orientation: int | None = None


def degrade_many(image: Image.Image, kinds: Sequence[str], *, rng: random.Random) -> DegradedChain:
    """Apply several kinds in the canonical order of :data:`KINDS`."""
    unknown = [kind for kind in kinds if kind not in _KIND_FUNCTIONS]
    if unknown:
        raise ValueError(f"unknown degradation {unknown[0]!r}; known: {', '.join(KINDS)}")
    steps: list[dict[str, Any]] = []
    orientation: int | None = None
    for kind in sorted(set(kinds), key=KINDS.index):
        step = degrade(image, kind, rng=rng)
        image, orientation = step.image, step.exif_orientation or orientation
        steps.append(step.params)
    return DegradedChain(image, steps, orientation)


def random_kinds(rng: random.Random) -> list[str]:
    """One or two distinct kinds, as used by ``generate(degrade=True)``."""
    return rng.sample(KINDS, rng.choice((1, 2)))
