"""Synthetic, clearly watermarked ID-card specimens with ground truth, for tests and benchmarks.

``generate(count=..., out_dir=...)`` writes ``<name>.jpg`` and ``<name>.json`` per specimen. Specimens
come in pairs: index 2k is the front and 2k+1 the back of the same synthetic holder, like a folder of
scans. Everything is drawn from RNGs seeded by (seed, pair index), so a seed always gives the same
bytes, and the first N specimens of a larger run equal a run of N.

Run ``python -m airflow_provider_faceid.local.specimens --count 20 --out /tmp/specimens`` to write some.
"""

from __future__ import annotations

import argparse
import json
import random
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from PIL import Image

from airflow_provider_faceid.local.specimens.degrade import (
    KINDS,
    Degraded,
    degrade,
    degrade_many,
    random_kinds,
)
from airflow_provider_faceid.local.specimens.person import Person, random_person
from airflow_provider_faceid.local.specimens.render import CARD_SIZE, render_back, render_front, watermark_box

__all__ = [
    "CARD_SIZE",
    "KINDS",
    "Degraded",
    "Person",
    "degrade",
    "generate",
    "ground_truth",
    "random_person",
    "read_truth",
    "render_back",
    "render_front",
    "specimen_name",
    "watermark_box",
    "with_jpeg_comment",
]

JPEG_QUALITY = 90
_EXIF_ORIENTATION_TAG = 0x0112


def specimen_name(*, seed: int, index: int) -> str:
    """File stem of specimen ``index`` of ``seed`` (no card content in it)."""
    return f"specimen-{seed}-{index:05d}-{'front' if index % 2 == 0 else 'back'}"


def ground_truth(person: Person, *, side: str, degradation: list[dict[str, Any]] | None) -> dict[str, Any]:
    """What FaceID should answer for this side, plus what was done to the image."""
    fields = person.front_fields() if side == "front" else person.back_fields()
    return {"side": side, **fields, "degradation": degradation, "specimen": True}


def read_truth(image_path: Path) -> dict[str, Any]:
    """The ground truth written next to a specimen image."""
    truth: dict[str, Any] = json.loads(image_path.with_suffix(".json").read_text("utf-8"))
    return truth


def _rng(seed: int, *parts: object) -> random.Random:
    # String seeds are hashed with SHA-512 by random.Random: stable across processes and versions.
    return random.Random(":".join(("faceid-specimen", str(seed), *map(str, parts))))


def write_jpeg(
    image: Image.Image, path: Path, *, exif_orientation: int | None, quality: int = JPEG_QUALITY
) -> None:
    """Save ``image`` as JPEG, with an EXIF orientation tag when given (a phone's sideways frame)."""
    options: dict[str, Any] = {"quality": quality}
    if exif_orientation is not None:
        exif = Image.Exif()
        exif[_EXIF_ORIENTATION_TAG] = exif_orientation
        options["exif"] = exif.tobytes()
    image.save(path, "JPEG", **options)


def generate(*, count: int, out_dir: Path, seed: int = 0, degrade: bool = False) -> list[Path]:
    """Write ``count`` specimens (fronts at even, backs at odd indexes) and return the image paths.

    With ``degrade`` every specimen gets one or two random degradations (see
    :data:`~airflow_provider_faceid.local.specimens.degrade.KINDS`), recorded in its JSON.
    """
    if count < 0:
        raise ValueError("count must not be negative")
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    paths: list[Path] = []
    person: Person | None = None
    for index in range(count):
        pair, side = divmod(index, 2)
        if side == 0 or person is None:
            person = random_person(_rng(seed, pair))
        side_name = "front" if side == 0 else "back"
        render = render_front if side_name == "front" else render_back
        image = render(person, rng=_rng(seed, pair, side_name))
        degradation: list[dict[str, Any]] | None = None
        orientation: int | None = None
        if degrade:
            degrade_rng = _rng(seed, pair, side_name, "degrade")
            chain = degrade_many(image, random_kinds(degrade_rng), rng=degrade_rng)
            image, degradation, orientation = chain.image, chain.steps, chain.exif_orientation
        stem = specimen_name(seed=seed, index=index)
        image_path = out_dir / f"{stem}.jpg"
        write_jpeg(image, image_path, exif_orientation=orientation)
        truth = ground_truth(person, side=side_name, degradation=degradation)
        (out_dir / f"{stem}.json").write_text(json.dumps(truth, ensure_ascii=False, indent=2) + "\n", "utf-8")
        paths.append(image_path)
    return paths


def with_jpeg_comment(jpeg: bytes, payload: bytes) -> bytes:
    """``jpeg`` with a COM segment right after SOI: other bytes (and sha256), identical pixels.

    Load tests need many distinct files (the operator pays one call per distinct sha256) without
    running OCR for each: faceid-local's replay cache leaves COM segments out of its bytes key, so
    such copies replay without even a decode.
    """
    if not jpeg.startswith(b"\xff\xd8"):
        raise ValueError("not a JPEG (no SOI marker)")
    if len(payload) > 65533:
        raise ValueError("a COM payload holds at most 65533 bytes")
    return b"\xff\xd8\xff\xfe" + (len(payload) + 2).to_bytes(2, "big") + payload + jpeg[2:]


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description="Write watermarked synthetic ID-card specimens with ground truth."
    )
    parser.add_argument("--count", type=int, required=True)
    parser.add_argument("--out", type=Path, required=True, help="output folder (created if missing)")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--degrade", action="store_true", help="apply 1-2 random degradations to each")
    args = parser.parse_args(argv)
    paths = generate(count=args.count, out_dir=args.out, seed=args.seed, degrade=args.degrade)
    print(f"wrote {len(paths)} specimens to {args.out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
