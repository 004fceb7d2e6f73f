"""Held-out specimen sets: a renderer and a capture the OCR engine was never tuned on.

``generate_set(renderer=..., capture=..., count=..., seed=..., out_dir=...)`` writes ``<stem>.jpg``
and ``<stem>.json`` per specimen, the JSON being what
:func:`~airflow_provider_faceid.local.specimens.generate.read_truth` reads plus ``renderer``,
``capture``, ``framing`` and, under ``degradation``, the capture's description (``null`` for clean),
so benchmarks/ocr_accuracy.py buckets by capture. Index 2k is the front and 2k+1 the back of the same
holder. Every draw comes from an RNG keyed by (seed, renderer, capture, pair, side): a run is a pure
function of its arguments, and the first N specimens of a larger run equal a run of N.

Run ``python -m airflow_provider_faceid.local.specimens.heldout --renderer studio --capture phone
--count 10 --seed 5 --out /tmp/x``.
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import random
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from PIL import Image

from airflow_provider_faceid.local.specimens import captures
from airflow_provider_faceid.local.specimens import folio_render as folio
from airflow_provider_faceid.local.specimens import render as classic
from airflow_provider_faceid.local.specimens import studio_render as studio
from airflow_provider_faceid.local.specimens.captures import CAPTURES, FRAMINGS
from airflow_provider_faceid.local.specimens.folio_holder import folio_holder
from airflow_provider_faceid.local.specimens.generate import ground_truth, write_jpeg
from airflow_provider_faceid.local.specimens.person import Person, random_person

__all__ = ["CAPTURES", "RENDERERS", "generate_set", "heldout_name", "holder", "main"]

# folio was written by someone who had seen neither the engine nor the two other renderers, with
# holder data of its own (names, addresses, authorities): the most independent of the three.
RENDERERS = ("classic", "studio", "folio")
JPEG_QUALITY = 92

# Groups the weighted draw in person.py almost never yields; a held-out set should still see them.
RARE_GROUPS = ("达斡尔", "仫佬", "柯尔克孜", "鄂伦春", "维吾尔")
RARE_GROUP_PROBABILITY = 0.12
# Uyghur names are written as transliterated given name · father's name, as printed on cards.
_UYGHUR_MALE = (
    "艾力",
    "买买提",
    "阿不都",
    "吐尔逊",
    "艾克拜尔",
    "努尔",
    "阿迪力",
    "依明",
    "帕尔哈提",
    "木合塔尔",
)
_UYGHUR_FEMALE = ("古丽", "阿依古丽", "热依拉", "帕提古丽", "迪丽娜尔", "米热", "再娜布", "阿依努尔")


def heldout_name(*, renderer: str, capture: str, seed: int, index: int) -> str:
    """File stem of one held-out specimen: run parameters and position only, no card content."""
    side = "front" if index % 2 == 0 else "back"
    return f"heldout-{renderer}-{capture}-{seed}-{index:05d}-{side}"


def _rng(seed: int, *parts: object) -> random.Random:
    # String seeds are hashed (SHA-512) by random.Random: stable across processes and versions.
    return random.Random(":".join(("faceid-heldout", str(seed), *map(str, parts))))


def holder(rng: random.Random) -> Person:
    """A holder from person.py, sometimes of a rarer ethnic group; gender and birthday stay as drawn,
    so the number (which encodes them) still agrees with the fields."""
    person = random_person(rng)
    if rng.random() >= RARE_GROUP_PROBABILITY:
        return person
    race = rng.choice(RARE_GROUPS)
    if race != "维吾尔":
        return dataclasses.replace(person, race=race)
    own = rng.choice(_UYGHUR_MALE if person.gender == "男" else _UYGHUR_FEMALE)
    return dataclasses.replace(person, race=race, name=f"{own}·{rng.choice(_UYGHUR_MALE)}")


def _holder(renderer: str, rng: random.Random) -> Person:
    return folio_holder(rng) if renderer == "folio" else holder(rng)


def _render(renderer: str, person: Person, side: str, rng: random.Random) -> Image.Image:
    if renderer == "folio":
        return folio.render_front(person, rng=rng) if side == "front" else folio.render_back(person, rng=rng)
    if renderer == "classic":
        return (
            classic.render_front(person, rng=rng) if side == "front" else classic.render_back(person, rng=rng)
        )
    return studio.render_front(person, rng=rng) if side == "front" else studio.render_back(person, rng=rng)


def _truth(person: Person, side: str, renderer: str, description: dict[str, Any]) -> dict[str, Any]:
    steps = None if description["kind"] == "clean" else [description]
    truth = ground_truth(person, side=side, degradation=steps)
    return {**truth, "renderer": renderer, "capture": description["kind"], "framing": description["framing"]}


def generate_set(*, renderer: str, capture: str, count: int, seed: int, out_dir: Path) -> list[Path]:
    """Write ``count`` specimens drawn with ``renderer`` and captured by ``capture``; return image paths."""
    if renderer not in RENDERERS:
        raise ValueError(f"unknown renderer {renderer!r}; known: {', '.join(RENDERERS)}")
    if capture not in CAPTURES:
        raise ValueError(f"unknown capture {capture!r}; known: {', '.join(CAPTURES)}")
    if count < 0:
        raise ValueError("count must not be negative")
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    paths: list[Path] = []
    for index in range(count):
        pair, side_index = divmod(index, 2)
        side = "front" if side_index == 0 else "back"
        person = _holder(renderer, _rng(seed, renderer, capture, pair, "holder"))
        framing = FRAMINGS[pair % 2]
        card = _render(renderer, person, side, _rng(seed, renderer, capture, pair, side, "render"))
        image, description = captures.capture(
            card, capture, framing=framing, rng=_rng(seed, renderer, capture, pair, side)
        )
        stem = heldout_name(renderer=renderer, capture=capture, seed=seed, index=index)
        image_path = out_dir / f"{stem}.jpg"
        write_jpeg(
            image, image_path, exif_orientation=description.get("exif_orientation"), quality=JPEG_QUALITY
        )
        truth = _truth(person, side, renderer, description)
        (out_dir / f"{stem}.json").write_text(json.dumps(truth, ensure_ascii=False, indent=2) + "\n", "utf-8")
        paths.append(image_path)
    return paths


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description="Write held-out ID-card specimens: a chosen renderer and capture simulation, with truth."
    )
    parser.add_argument("--renderer", choices=RENDERERS, default="studio")
    parser.add_argument("--capture", choices=CAPTURES, default="clean")
    parser.add_argument("--count", type=int, required=True)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--out", type=Path, required=True, help="output folder (created if missing)")
    args = parser.parse_args(argv)
    paths = generate_set(
        renderer=args.renderer, capture=args.capture, count=args.count, seed=args.seed, out_dir=args.out
    )
    print(f"wrote {len(paths)} {args.renderer}/{args.capture} specimens to {args.out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
