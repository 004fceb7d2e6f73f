"""Front/back specimen pairs laid out the three ways ``pair_by`` reads them, with ground truth.

``write_documents(out_dir=..., layout=..., count=...)`` writes ``count`` documents (both sides of one
synthetic holder each) as:

* ``folder``: ``<key>/front.jpg`` and ``<key>/back.jpg`` (``pair_by="folder"``);
* ``pattern``: ``<key>_front.jpg`` and ``<key>_back.jpg`` (``pair_by=PATTERN``);
* ``manifest``: ``scan-00000.jpg``, ... with ``manifest.csv`` (document id, front URI, back URI)
  beside them (``pair_by="manifest:manifest.csv"``): names that say nothing about the pairing.

``incomplete`` of them lose a side (fronts only for the first half, backs only for the rest) and
``conflicting`` get a second front of another holder: the cases a pipeline must report, not hide.
Each image has its ``.json`` ground truth beside it, as :func:`.generate.generate` writes.
"""

from __future__ import annotations

import csv
import json
import random
from dataclasses import dataclass
from pathlib import Path

from airflow_provider_faceid.local.specimens.generate import ground_truth, write_jpeg
from airflow_provider_faceid.local.specimens.person import Person, random_person
from airflow_provider_faceid.local.specimens.render import render_back, render_front

LAYOUTS = ("folder", "pattern", "manifest")
# A second capture of a side is `<key>_front-2.jpg`.
PATTERN = r"(?P<document>.+?)_(front|back)(-[0-9]+)?\.jpg"
MANIFEST = "manifest.csv"
PAIR_BY = {"folder": "folder", "pattern": PATTERN, "manifest": f"manifest:{MANIFEST}"}


@dataclass(frozen=True)
class DocumentSpecimen:
    """One written document: its key and the images of its sides (``None``: left out)."""

    key: str
    front: Path | None
    back: Path | None
    conflicting_front: Path | None = None


def _rng(seed: int, *parts: object) -> random.Random:
    return random.Random(":".join(("faceid-document", str(seed), *map(str, parts))))


def write_side(person: Person, side: str, path: Path, *, seed: int) -> Path:
    """Render one side of ``person`` to ``path`` with its ground truth beside it."""
    path.parent.mkdir(parents=True, exist_ok=True)
    render = render_front if side == "front" else render_back
    write_jpeg(render(person, rng=_rng(seed, person.id_card_number, side)), path, exif_orientation=None)
    truth = ground_truth(person, side=side, degradation=None)
    path.with_suffix(".json").write_text(json.dumps(truth, ensure_ascii=False, indent=2) + "\n", "utf-8")
    return path


class _Layout:
    """Where the sides of document ``key`` go in one layout, and the manifest when it needs one."""

    def __init__(self, out_dir: Path, layout: str) -> None:
        if layout not in LAYOUTS:
            raise ValueError(f"layout must be one of {LAYOUTS}, got {layout!r}")
        self.out_dir = out_dir
        self.layout = layout
        self.scans = 0
        self.rows: list[tuple[str, str, str]] = []

    def path(self, key: str, side: str) -> Path:
        if self.layout == "folder":
            return self.out_dir / key / f"{side}.jpg"
        if self.layout == "pattern":
            return self.out_dir / f"{key}_{side}.jpg"
        self.scans += 1
        return self.out_dir / f"scan-{self.scans - 1:05d}.jpg"

    def record(self, key: str, front: Path | None, back: Path | None) -> None:
        self.rows.append((key, front.name if front else "", back.name if back else ""))

    def finish(self) -> None:
        if self.layout != "manifest":
            return
        with (self.out_dir / MANIFEST).open("w", encoding="utf-8", newline="") as fh:
            writer = csv.writer(fh)
            writer.writerow(("document_id", "front_uri", "back_uri"))
            writer.writerows(self.rows)


def write_documents(
    *, out_dir: Path, layout: str, count: int, seed: int = 0, incomplete: int = 0, conflicting: int = 0
) -> list[DocumentSpecimen]:
    """Write ``count`` documents in ``layout``; the last ``incomplete`` lack a side, the
    ``conflicting`` before them carry a second front of another holder (in the manifest layout the
    extra front is listed on a row of its own under the same document id)."""
    if min(count, incomplete, conflicting) < 0 or incomplete + conflicting > count:
        raise ValueError("need 0 <= incomplete + conflicting <= count")
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    place = _Layout(out_dir, layout)
    written: list[DocumentSpecimen] = []
    first_incomplete = count - incomplete
    for index in range(count):
        key = f"doc-{seed}-{index:05d}"
        person = random_person(_rng(seed, index))
        missing = None
        if index >= first_incomplete:
            missing = "back" if index - first_incomplete < (incomplete + 1) // 2 else "front"
        front = (
            None if missing == "front" else write_side(person, "front", place.path(key, "front"), seed=seed)
        )
        back = None if missing == "back" else write_side(person, "back", place.path(key, "back"), seed=seed)
        place.record(key, front, back)
        other = None
        if first_incomplete - conflicting <= index < first_incomplete:
            stranger = random_person(_rng(seed, index, "conflict"))
            extra = place.path(key, "front")
            if layout != "manifest":
                extra = extra.with_name(extra.name.replace("front", "front-2"))
            other = write_side(stranger, "front", extra, seed=seed)
            place.record(key, other, None)
        written.append(DocumentSpecimen(key=key, front=front, back=back, conflicting_front=other))
    place.finish()
    return written
