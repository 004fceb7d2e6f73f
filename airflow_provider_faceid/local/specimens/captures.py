"""How a card gets into an image: simulated captures for held-out accuracy runs.

Written apart from :mod:`~airflow_provider_faceid.local.specimens.degrade` (which the engine was
tuned against) and modelled on the whole capture rather than on one defect: a flatbed scan, a phone
photo on a table, a re-shot screen, a grey photocopy, a heavily compressed upload, a thumb over a
corner. Each stays within what real uploads look like; none hides a field on purpose.

``capture(card, kind, framing=..., rng=...)`` takes a card from either renderer (RGB, or RGBA with
transparent rounded corners) and returns the captured RGB image and a JSON-able description. With
``framing="tight"`` the image is the card itself (white outside the rounded corners); with
``"placed"`` the card lies on a background with a margin. Phone, screen and photocopy always show
some surrounding; for them framing only sets how much.
"""

from __future__ import annotations

import io
import math
import random
from collections.abc import Callable
from typing import Any

import numpy as np
from PIL import Image, ImageChops, ImageDraw, ImageFilter

__all__ = ["CAPTURES", "FRAMINGS", "capture"]

CAPTURES = ("clean", "scan", "phone", "screen", "photocopy", "jpeg", "fingers")
FRAMINGS = ("tight", "placed")

Box = tuple[int, int, int, int]
Point = tuple[float, float]
Quad = tuple[Point, Point, Point, Point]  # top-left, top-right, bottom-right, bottom-left

# EXIF orientation that makes a viewer undo a rotation of the stored pixels by PIL's rotate(angle).
_EXIF_UNDOING_ROTATE = {90: 6, 270: 8}
# Where a thumb may rest, as fractions of the card measured from the corner. Both renderers keep
# these corners free of text: the ID number ends left of 0.9 of the width (classic, OCR-B) or 0.85
# (studio), the back's values sit above 0.8 of the height or left of 0.9, and the front's first label
# starts right of and below the top-left zone.
_THUMB_ZONES = {"bottom-right": (0.095, 0.2), "top-left": (0.06, 0.09)}


# ------------------------------------------------------------------------------------------ basics


def _nrng(rng: random.Random) -> np.random.Generator:
    return np.random.default_rng(rng.getrandbits(64))


def _rounded(card: Image.Image) -> Image.Image:
    """The card as RGBA with transparent rounded corners (the classic renderer draws square ones)."""
    if card.mode == "RGBA":
        return card.copy()
    rgba = card.convert("RGB").convert("RGBA")
    width, height = rgba.size
    mask = Image.new("L", (width * 2, height * 2), 0)
    radius = round(width * 0.0374 * 2)
    ImageDraw.Draw(mask).rounded_rectangle((0, 0, width * 2 - 1, height * 2 - 1), radius=radius, fill=255)
    rgba.putalpha(mask.resize(rgba.size, Image.Resampling.BOX))
    return rgba


def _flatten(card: Image.Image, colour: tuple[int, int, int] = (255, 255, 255)) -> Image.Image:
    ground = Image.new("RGB", card.size, colour)
    ground.paste(card, (0, 0), card)
    return ground


def _to_array(image: Image.Image) -> np.ndarray:
    return np.asarray(image.convert("RGB"), np.float32)


def _to_image(pixels: np.ndarray) -> Image.Image:
    return Image.fromarray(np.clip(pixels + 0.5, 0, 255).astype(np.uint8), "RGB")


def _noise(image: Image.Image, sigma: float, nrng: np.random.Generator) -> Image.Image:
    pixels = _to_array(image)
    return _to_image(pixels + nrng.normal(0, sigma, size=(*pixels.shape[:2], 1)).astype(np.float32))


def _r(value: float) -> float:
    return round(value, 3)


# ------------------------------------------------------------------------------------------ surfaces


def _surface(size: tuple[int, int], kind: str, nrng: np.random.Generator) -> Image.Image:
    """A table or cloth the card lies on; only its texture matters, so it is cheap procedural noise."""
    width, height = size
    yy, xx = np.mgrid[0:height, 0:width].astype(np.float32)
    grain = nrng.normal(0, 1, size=(height, width)).astype(np.float32)
    if kind == "wood":
        base = np.array(nrng.choice([[150, 105, 70], [185, 140, 95], [110, 75, 50]]), np.float32)
        streaks = np.asarray(
            Image.fromarray(nrng.uniform(0, 255, size=(height // 3 + 1, 4)).astype(np.uint8)).resize(
                size, Image.Resampling.BICUBIC
            ),
            np.float32,
        )
        warp = 12 * np.sin(xx / 310 + nrng.uniform(0, 6)) + 4 * np.sin(xx / 71)
        rings = np.sin((yy + warp) / nrng.uniform(3, 6)) * 0.5 + 0.5
        shade = (rings * 8 + (streaks - 128) / 6 + grain * 5)[..., None]
    elif kind == "fabric":
        base = np.array(
            nrng.choice([[70, 85, 120], [120, 40, 45], [90, 95, 90], [200, 195, 185]]), np.float32
        )
        pitch = nrng.uniform(3.0, 5.0)
        weave = np.sin(xx * 2 * math.pi / pitch) * np.sin(yy * 2 * math.pi / pitch)
        shade = (weave * 14 + grain * 9)[..., None]
    else:  # plain desk or counter
        base = np.array(
            nrng.choice([[215, 212, 205], [120, 120, 125], [60, 62, 66], [235, 232, 228]]), np.float32
        )
        blotch = np.asarray(
            Image.fromarray(nrng.uniform(0, 255, size=(6, 8)).astype(np.uint8)).resize(
                size, Image.Resampling.BICUBIC
            ),
            np.float32,
        )
        shade = ((blotch - 128) / 10 + grain * 4)[..., None]
    return _to_image(base + shade)


def _paper(size: tuple[int, int], nrng: np.random.Generator, *, level: float = 248.0) -> Image.Image:
    pixels = np.full((size[1], size[0], 3), level, np.float32)
    pixels += nrng.normal(0, 1.5, size=(size[1], size[0], 1)).astype(np.float32)
    return _to_image(pixels)


# ------------------------------------------------------------------------------------------ geometry


def _perspective_coefficients(source: Quad, target: Quad) -> list[float]:
    """Coefficients for Image.transform(PERSPECTIVE) that map ``target`` points back to ``source``."""
    rows: list[list[float]] = []
    rhs: list[float] = []
    for (sx, sy), (tx, ty) in zip(source, target, strict=True):
        rows.append([tx, ty, 1, 0, 0, 0, -sx * tx, -sx * ty])
        rows.append([0, 0, 0, tx, ty, 1, -sy * tx, -sy * ty])
        rhs.extend((sx, sy))
    solution = np.linalg.solve(np.asarray(rows, np.float64), np.asarray(rhs, np.float64))
    return [float(v) for v in solution]


def _tilted_quad(width: float, height: float, *, tilt_x: float, tilt_y: float, roll: float) -> Quad:
    """Corners of a width x height card turned in 3D (degrees) and seen through a pinhole, centred at 0."""
    ax, ay, az = (math.radians(v) for v in (tilt_x, tilt_y, roll))
    focal = 1.6 * max(width, height)  # about a phone's main camera at arm's length
    corners = []
    for x, y in (
        (-width / 2, -height / 2),
        (width / 2, -height / 2),
        (width / 2, height / 2),
        (-width / 2, height / 2),
    ):
        y, z = y * math.cos(ax), y * math.sin(ax)
        x, z = x * math.cos(ay) + z * math.sin(ay), -x * math.sin(ay) + z * math.cos(ay)
        x, y = x * math.cos(az) - y * math.sin(az), x * math.sin(az) + y * math.cos(az)
        depth = focal / (focal + z)
        corners.append((x * depth, y * depth))
    return (corners[0], corners[1], corners[2], corners[3])


def _fit_quad(quad: Quad, frame: tuple[int, int], *, fraction: float, rng: random.Random) -> Quad:
    """``quad`` scaled so its width is ``fraction`` of the frame's and moved to a random spot inside it."""
    xs, ys = [p[0] for p in quad], [p[1] for p in quad]
    scale = fraction * frame[0] / (max(xs) - min(xs))
    scale = min(scale, 0.94 * frame[1] / (max(ys) - min(ys)))
    w, h = (max(xs) - min(xs)) * scale, (max(ys) - min(ys)) * scale
    left = rng.uniform(0.03 * frame[0], max(0.03 * frame[0], frame[0] - w - 0.03 * frame[0]))
    top = rng.uniform(0.03 * frame[1], max(0.03 * frame[1], frame[1] - h - 0.03 * frame[1]))
    x0, y0 = min(xs), min(ys)
    moved = [((x - x0) * scale + left, (y - y0) * scale + top) for x, y in quad]
    return (moved[0], moved[1], moved[2], moved[3])


def _warp(card: Image.Image, frame: tuple[int, int], quad: Quad) -> Image.Image:
    w, h = card.size
    source: Quad = ((0, 0), (w, 0), (w, h), (0, h))
    coefficients = _perspective_coefficients(source, quad)
    return card.transform(frame, Image.Transform.PERSPECTIVE, coefficients, Image.Resampling.BICUBIC)


def _drop_shadow(
    ground: Image.Image, layer: Image.Image, *, offset: Point, blur: float, darkness: float
) -> None:
    shadow = layer.getchannel("A").filter(ImageFilter.GaussianBlur(blur))
    shadow = shadow.point(lambda v: round(v * darkness))
    black = Image.new("RGB", ground.size, (0, 0, 0))
    ground.paste(black, (round(offset[0]), round(offset[1])), shadow)


def _place(card: Image.Image, ground: Image.Image, rng: random.Random) -> tuple[Image.Image, Point]:
    """``card`` pasted flat at a random spot of ``ground``, with a faint contact shadow."""
    room_x, room_y = ground.width - card.width, ground.height - card.height
    at = (rng.randint(room_x // 4, room_x - room_x // 4), rng.randint(room_y // 4, room_y - room_y // 4))
    layer = Image.new("RGBA", ground.size, (0, 0, 0, 0))
    layer.paste(card, at)
    _drop_shadow(ground, layer, offset=(2, 3), blur=3, darkness=0.25)
    ground.paste(card, at, card)
    return ground, (float(at[0]), float(at[1]))


def _margin_size(card: Image.Image, rng: random.Random, low: float, high: float) -> tuple[int, int]:
    return (
        round(card.width * (1 + 2 * rng.uniform(low, high))),
        round(card.height * (1 + 2 * rng.uniform(low, high) * card.width / card.height)),
    )


# ------------------------------------------------------------------------------------------ light


def _gradient(size: tuple[int, int], *, low: float, angle: float) -> np.ndarray:
    """A multiplicative light falloff from 1 down to ``low`` across the image, in direction ``angle``."""
    width, height = size
    yy, xx = np.mgrid[0:height, 0:width].astype(np.float32)
    t = xx / width * math.cos(angle) + yy / height * math.sin(angle)
    t = (t - t.min()) / max(1e-6, float(t.max() - t.min()))
    return (1 - (1 - low) * t)[..., None]


def _blob(size: tuple[int, int], centre: Point, radii: Point) -> np.ndarray:
    width, height = size
    yy, xx = np.mgrid[0:height, 0:width].astype(np.float32)
    d = ((xx - centre[0]) / radii[0]) ** 2 + ((yy - centre[1]) / radii[1]) ** 2
    return np.exp(-d / 2)[..., None]


def _vignette(size: tuple[int, int], strength: float) -> np.ndarray:
    width, height = size
    yy, xx = np.mgrid[0:height, 0:width].astype(np.float32)
    r = np.hypot((xx - width / 2) / (width / 2), (yy - height / 2) / (height / 2)) / math.sqrt(2)
    return (1 - strength * r**2)[..., None]


# ------------------------------------------------------------------------------------------ kinds


def _clean(card: Image.Image, framing: str, rng: random.Random) -> tuple[Image.Image, dict[str, Any]]:
    if framing == "tight":
        return _flatten(card), {}
    nrng = _nrng(rng)
    surface = rng.choice(("desk", "wood", "fabric"))
    ground = _surface(_margin_size(card, rng, 0.06, 0.18), surface, nrng)
    image, _ = _place(card, ground, rng)
    return image, {"surface": surface}


def _scan(card: Image.Image, framing: str, rng: random.Random) -> tuple[Image.Image, dict[str, Any]]:
    nrng = _nrng(rng)
    dpi_scale = rng.uniform(1.0, 1.35)
    card = card.resize(
        (round(card.width * dpi_scale), round(card.height * dpi_scale)), Image.Resampling.LANCZOS
    )
    angle = rng.uniform(-1.9, 1.9)
    turned = card.rotate(angle, resample=Image.Resampling.BICUBIC, expand=True)
    white = rng.uniform(242, 252)
    margins = (0.0, 0.02) if framing == "tight" else (0.06, 0.2)
    page = _paper(_margin_size(turned, rng, *margins), nrng, level=white)
    page.paste(turned, ((page.width - turned.width) // 2, (page.height - turned.height) // 2), turned)
    blur = rng.uniform(0.4, 0.9)
    pixels = _to_array(page.filter(ImageFilter.GaussianBlur(blur)))
    gains = np.array([rng.uniform(0.95, 1.04), rng.uniform(0.96, 1.03), rng.uniform(0.94, 1.05)], np.float32)
    offset = rng.uniform(-5, 5)
    image = _noise(_to_image(pixels * gains + offset), 1.5, nrng)
    return image, {
        "dpi_scale": _r(dpi_scale),
        "angle": _r(angle),
        "blur": _r(blur),
        "gains": [_r(g) for g in gains.tolist()],
    }


def _phone_frame(rng: random.Random) -> tuple[tuple[int, int], str]:
    landscape = rng.choice(((1600, 1200), (1632, 1224), (1440, 1080), (1600, 1200)))
    roll = rng.random()
    if roll < 0.6:
        return landscape, "landscape"
    if roll < 0.8:
        return (landscape[1], landscape[0]), "portrait"
    return landscape, "landscape-exif"


def _phone(card: Image.Image, framing: str, rng: random.Random) -> tuple[Image.Image, dict[str, Any]]:
    nrng = _nrng(rng)
    frame, orientation = _phone_frame(rng)
    surface = rng.choice(("wood", "fabric", "desk"))
    ground = _surface(frame, surface, nrng)
    tilt_x, tilt_y, roll = rng.uniform(-15, 15), rng.uniform(-15, 15), rng.uniform(-8, 8)
    low, high = (0.62, 0.8) if framing == "tight" else (0.45, 0.65)
    if orientation == "portrait":
        low, high = low + 0.15, high + 0.15
    fraction = rng.uniform(low, high)
    quad = _fit_quad(
        _tilted_quad(*card.size, tilt_x=tilt_x, tilt_y=tilt_y, roll=roll), frame, fraction=fraction, rng=rng
    )
    layer = _warp(card, frame, quad)
    _drop_shadow(ground, layer, offset=(rng.uniform(-8, 8), rng.uniform(4, 14)), blur=9, darkness=0.4)
    ground.paste(layer, (0, 0), layer)
    pixels = _to_array(ground)
    shade_low = rng.uniform(0.6, 0.88)
    pixels *= _gradient(frame, low=shade_low, angle=rng.uniform(0, 2 * math.pi))
    glare_at, glare_radius, glare = _glare_spot(quad, rng)
    pixels += (255 - pixels) * glare * _blob(frame, glare_at, glare_radius)
    warmth = rng.uniform(-0.05, 0.05)
    pixels *= np.array([1 + warmth, 1.0, 1 - warmth], np.float32)
    blur = rng.uniform(0.5, 1.2)
    image = _noise(_to_image(pixels).filter(ImageFilter.GaussianBlur(blur)), rng.uniform(2, 5), nrng)
    description: dict[str, Any] = {
        "frame": list(frame),
        "orientation": orientation,
        "surface": surface,
        "tilt": [_r(tilt_x), _r(tilt_y)],
        "roll": _r(roll),
        "card_fraction": _r(fraction),
        "shadow_low": _r(shade_low),
        "glare": _r(glare),
        "blur": _r(blur),
    }
    if orientation == "landscape-exif":
        # Phones write sensor-order pixels and an EXIF tag saying how to turn them upright.
        turn = rng.choice((90, 270))
        image = image.rotate(turn, expand=True)
        description["exif_orientation"] = _EXIF_UNDOING_ROTATE[turn]
    return image, description


def _glare_spot(quad: Quad, rng: random.Random) -> tuple[Point, Point, float]:
    """Centre, radii and strength of a ceiling-light reflection somewhere on the card."""
    (x0, y0), (x1, y1), (x2, y2), (x3, y3) = quad
    u, v = rng.uniform(0.15, 0.85), rng.uniform(0.15, 0.85)
    top = (x0 + (x1 - x0) * u, y0 + (y1 - y0) * u)
    bottom = (x3 + (x2 - x3) * u, y3 + (y2 - y3) * u)
    centre = (top[0] + (bottom[0] - top[0]) * v, top[1] + (bottom[1] - top[1]) * v)
    size = math.dist(quad[0], quad[1])
    radii = (size * rng.uniform(0.06, 0.13), size * rng.uniform(0.04, 0.09))
    return centre, radii, rng.uniform(0.35, 0.7)


def _screen(card: Image.Image, framing: str, rng: random.Random) -> tuple[Image.Image, dict[str, Any]]:
    nrng = _nrng(rng)
    frame = rng.choice(((1600, 1200), (1440, 1080)))
    pitch = rng.uniform(1.15, 1.7)  # camera pixels per screen pixel: the moiré comes from this beat
    screen_quad = _fit_quad(
        _tilted_quad(16, 10, tilt_x=rng.uniform(-7, 7), tilt_y=rng.uniform(-7, 7), roll=rng.uniform(-3, 3)),
        frame,
        fraction=rng.uniform(0.84, 0.94),
        rng=rng,
    )
    screen_w = round(math.dist(screen_quad[0], screen_quad[1]) / pitch)
    screen = _screen_content(card, (screen_w, round(screen_w * 10 / 16)), framing, rng)
    room = _surface(frame, "desk", nrng)
    room = _to_image(_to_array(room) * 0.35)
    bezel = _warp(Image.new("RGBA", (16, 10), (18, 18, 20, 255)), frame, _grown(screen_quad, 1.04))
    room.paste(bezel, (0, 0), bezel)
    lit = _warp(screen.convert("RGBA"), frame, screen_quad)
    coefficients = _perspective_coefficients(
        ((0, 0), (screen.width, 0), (screen.width, screen.height), (0, screen.height)), screen_quad
    )
    pixels = _to_array(lit) * _subpixel_grid(frame, coefficients, depth=rng.uniform(0.18, 0.35))
    room_pixels = _to_array(room)
    inside = np.asarray(lit.getchannel("A"), np.float32)[..., None] / 255
    pixels = pixels * inside + room_pixels * (1 - inside)
    falloff = rng.uniform(0.2, 0.4)
    pixels *= _vignette(frame, falloff)
    pixels *= np.array([rng.uniform(0.92, 0.98), 1.0, rng.uniform(1.0, 1.06)], np.float32)
    blur = rng.uniform(0.5, 0.9)
    image = _noise(_to_image(pixels).filter(ImageFilter.GaussianBlur(blur)), rng.uniform(2, 4), nrng)
    return image, {
        "frame": list(frame),
        "pixel_pitch": _r(pitch),
        "screen_px": [screen.width, screen.height],
        "falloff": _r(falloff),
        "blur": _r(blur),
    }


def _grown(quad: Quad, factor: float) -> Quad:
    cx, cy = sum(p[0] for p in quad) / 4, sum(p[1] for p in quad) / 4
    grown = [(cx + (x - cx) * factor, cy + (y - cy) * factor) for x, y in quad]
    return (grown[0], grown[1], grown[2], grown[3])


def _screen_content(
    card: Image.Image, size: tuple[int, int], framing: str, rng: random.Random
) -> Image.Image:
    """What the screen shows: the card in a photo viewer, on a dark or light backdrop."""
    backdrop = rng.choice(((250, 250, 250), (32, 33, 36), (0, 0, 0)))
    screen = Image.new("RGB", size, backdrop)
    fraction = rng.uniform(0.82, 0.95) if framing == "tight" else rng.uniform(0.62, 0.8)
    width = round(size[0] * fraction)
    height = min(round(width * card.height / card.width), size[1] - 4)
    width = round(height * card.width / card.height)
    shown = card.resize((width, height), Image.Resampling.LANCZOS)
    screen.paste(shown, ((size[0] - width) // 2, (size[1] - height) // 2), shown)
    return screen


def _subpixel_grid(frame: tuple[int, int], coefficients: list[float], *, depth: float) -> np.ndarray:
    """The RGB stripe mask of the screen, sampled at camera pixels (sampling it is what makes moiré)."""
    a, b, c, d, e, f, g, h = coefficients
    yy, xx = np.mgrid[0 : frame[1], 0 : frame[0]].astype(np.float32)
    w = g * xx + h * yy + 1
    u, v = (a * xx + b * yy + c) / w, (d * xx + e * yy + f) / w
    phase = u - np.floor(u)
    stripes = np.stack([(phase < 1 / 3), (phase >= 1 / 3) & (phase < 2 / 3), (phase >= 2 / 3)], axis=-1)
    rows = ((v - np.floor(v)) < 0.85)[..., None]
    lit = stripes.astype(np.float32) * rows.astype(np.float32) * 3
    # Normalised so the mean brightness stays; ``depth`` is how much the camera resolves of the grid.
    return (1 - depth) + depth * lit / float(np.mean(lit) or 1)


def _photocopy(card: Image.Image, framing: str, rng: random.Random) -> tuple[Image.Image, dict[str, Any]]:
    nrng = _nrng(rng)
    width = rng.randint(880, 1050)  # about 270-310 dpi
    card = card.resize((width, round(width * card.height / card.width)), Image.Resampling.LANCZOS)
    grey = card.convert("LA").convert("RGBA")
    angle = rng.uniform(-2.5, 2.5)
    margins = (0.03, 0.08) if framing == "tight" else (0.2, 0.45)
    page = _paper(_margin_size(card, rng, *margins), nrng, level=250)
    turned = grey.rotate(angle, resample=Image.Resampling.BICUBIC, expand=True)
    page, at = _place(turned, page, rng)
    _outline(page, turned, at, rng)
    edge = rng.random() < 0.35 and framing == "placed"
    if edge:
        _page_edge(page, rng)
    pixels = _to_array(page.convert("L").convert("RGB"))
    black, white = rng.uniform(45, 85), rng.uniform(165, 200)
    gamma = rng.uniform(0.8, 1.15)
    pixels = 255 * np.clip((pixels - black) / (white - black), 0, 1) ** gamma
    pixels = _speckle(pixels, nrng, density=rng.uniform(0.0004, 0.0018))
    blur = rng.uniform(0.5, 1.0)
    image = _noise(_to_image(pixels).filter(ImageFilter.GaussianBlur(blur)), 2.5, nrng)
    return image, {
        "angle": _r(angle),
        "levels": [_r(black), _r(white)],
        "gamma": _r(gamma),
        "blur": _r(blur),
        "page_edge": edge,
    }


def _outline(page: Image.Image, card: Image.Image, at: Point, rng: random.Random) -> None:
    """The dark rim a copier draws round a card: the lid light does not reach under its edge."""
    alpha = card.getchannel("A")
    rim = ImageChops.subtract(alpha.filter(ImageFilter.MaxFilter(5)), alpha)
    tone = rng.randint(40, 110)
    page.paste(Image.new("RGB", card.size, (tone, tone, tone)), (round(at[0]), round(at[1])), rim)


def _page_edge(page: Image.Image, rng: random.Random) -> None:
    side = rng.choice(("left", "right", "top", "bottom"))
    depth = rng.uniform(0.02, 0.05)
    w, h = page.size
    box = {
        "left": (0, 0, round(w * depth), h),
        "right": (w - round(w * depth), 0, w, h),
        "top": (0, 0, w, round(h * depth)),
        "bottom": (0, h - round(h * depth), w, h),
    }[side]
    ImageDraw.Draw(page).rectangle(box, fill=(25, 25, 25))


def _speckle(pixels: np.ndarray, nrng: np.random.Generator, *, density: float) -> np.ndarray:
    """Toner dust: sparse dark dots of one or two pixels."""
    height, width = pixels.shape[:2]
    count = int(height * width * density)
    ys, xs = nrng.integers(0, height - 1, count), nrng.integers(0, width - 1, count)
    tone = nrng.uniform(0, 90, count).astype(np.float32)[:, None]
    pixels[ys, xs] = np.minimum(pixels[ys, xs], tone)
    big = nrng.random(count) < 0.3
    pixels[ys[big] + 1, xs[big]] = np.minimum(pixels[ys[big] + 1, xs[big]], tone[big])
    return pixels


def _jpeg(card: Image.Image, framing: str, rng: random.Random) -> tuple[Image.Image, dict[str, Any]]:
    base, description = _clean(card, framing, rng)
    scale = rng.uniform(0.55, 0.7) if rng.random() < 0.6 else 1.0
    if scale < 1:
        base = base.resize((round(base.width * scale), round(base.height * scale)), Image.Resampling.BILINEAR)
    quality = rng.randint(8, 20)
    buffer = io.BytesIO()
    base.save(buffer, "JPEG", quality=quality)
    buffer.seek(0)
    with Image.open(buffer) as decoded:
        image = decoded.convert("RGB")
    return image, {**description, "quality": quality, "scale": _r(scale)}


def _fingers(card: Image.Image, framing: str, rng: random.Random) -> tuple[Image.Image, dict[str, Any]]:
    if framing == "tight":
        base, at, description = _flatten(card), (0.0, 0.0), {}
    else:
        surface = rng.choice(("desk", "wood", "fabric"))
        ground = _surface(_margin_size(card, rng, 0.06, 0.16), surface, _nrng(rng))
        (base, at), description = _place(card, ground, rng), {"surface": surface}
    corner = "bottom-right" if rng.random() < 0.85 else "top-left"
    tone = np.array(
        rng.choice(((232, 190, 160), (214, 163, 128), (190, 132, 98), (150, 100, 72))), np.float32
    )
    card_box = (round(at[0]), round(at[1]), round(at[0]) + card.width, round(at[1]) + card.height)
    thumb = _thumb_layer(base.size, card_box, corner, rng, tone)
    _drop_shadow(base, thumb, offset=(-6, -4) if corner == "bottom-right" else (6, 6), blur=8, darkness=0.35)
    base.paste(thumb, (0, 0), thumb)
    return base, {**description, "corner": corner, "skin": [int(v) for v in tone]}


def _thumb_layer(
    size: tuple[int, int], card_box: Box, corner: str, rng: random.Random, tone: np.ndarray
) -> Image.Image:
    """A thumb reaching in from outside the card, its tip pulled back until it clears the text zone."""
    breadth = (card_box[2] - card_box[0]) * rng.uniform(0.14, 0.19)
    angle = math.radians(rng.uniform(30, 60))
    reach = 1.0
    while True:
        mask = _thumb_mask(size, card_box, corner, breadth, angle, reach)
        if _inside_zone(mask, card_box, corner) or reach < 0.2:
            break
        reach *= 0.85
    # Rounded look: the blurred mask is darkest where the thumb curves away from the light.
    relief = np.asarray(mask.filter(ImageFilter.GaussianBlur(breadth / 5)), np.float32) / 255
    layer = _to_image(tone * (0.72 + 0.3 * relief[..., None])).convert("RGBA")
    layer.putalpha(mask.filter(ImageFilter.GaussianBlur(1.5)))
    return layer


def _thumb_mask(
    size: tuple[int, int], card_box: Box, corner: str, breadth: float, angle: float, reach: float
) -> Image.Image:
    left, top, right, bottom = card_box
    zone_x, zone_y = _THUMB_ZONES[corner]
    tip_in = ((right - left) * zone_x * reach, (bottom - top) * zone_y * reach)
    length = breadth * 2.6
    direction = (math.cos(angle), math.sin(angle))  # from the tip outwards, past the corner
    if corner == "bottom-right":
        tip = (right - tip_in[0], bottom - tip_in[1])
    else:
        tip = (left + tip_in[0], top + tip_in[1])
        direction = (-direction[0], -direction[1])
    centre = (tip[0] + direction[0] * length / 2, tip[1] + direction[1] * length / 2)
    ellipse = Image.new("L", (round(length * 2), round(breadth * 2)), 0)
    ImageDraw.Draw(ellipse).ellipse((0, 0, ellipse.width - 1, ellipse.height - 1), fill=255)
    ellipse = ellipse.rotate(-math.degrees(math.atan2(direction[1], direction[0])), expand=True)
    mask = Image.new("L", (size[0] * 2, size[1] * 2), 0)
    mask.paste(
        255, (round(centre[0] * 2 - ellipse.width / 2), round(centre[1] * 2 - ellipse.height / 2)), ellipse
    )
    return mask.resize(size, Image.Resampling.BOX)


def _inside_zone(mask: Image.Image, card_box: Box, corner: str) -> bool:
    """Whether the thumb covers no part of the card outside its corner zone."""
    left, top, right, bottom = card_box
    zone_x, zone_y = _THUMB_ZONES[corner]
    on_card = (np.asarray(mask) > 8)[top:bottom, left:right].copy()
    height, width = on_card.shape
    if corner == "bottom-right":
        on_card[round(height * (1 - zone_y)) :, round(width * (1 - zone_x)) :] = False
    else:
        on_card[: round(height * zone_y), : round(width * zone_x)] = False
    return not on_card.any()


_KINDS: dict[str, Callable[[Image.Image, str, random.Random], tuple[Image.Image, dict[str, Any]]]] = {
    "clean": _clean,
    "scan": _scan,
    "phone": _phone,
    "screen": _screen,
    "photocopy": _photocopy,
    "jpeg": _jpeg,
    "fingers": _fingers,
}


def capture(
    card: Image.Image, kind: str, *, framing: str, rng: random.Random
) -> tuple[Image.Image, dict[str, Any]]:
    """``card`` as captured by ``kind`` (one of CAPTURES); returns the RGB image and what was done.

    The description always has ``kind`` and ``framing``; ``exif_orientation`` is present when the
    pixels are stored turned and the file should carry that EXIF tag (phones do this).
    """
    if kind not in _KINDS:
        raise ValueError(f"unknown capture {kind!r}; known: {', '.join(CAPTURES)}")
    if framing not in FRAMINGS:
        raise ValueError(f"unknown framing {framing!r}; known: {', '.join(FRAMINGS)}")
    image, details = _KINDS[kind](_rounded(card), framing, rng)
    return image.convert("RGB"), {"kind": kind, "framing": framing, **details}
