"""Field accuracy and latency of faceid-local's CardReader against the PlainReader baseline.

The specimens are held out: for every renderer x capture cell (``specimens/heldout.py``:
renderers the engine was not tuned on, and capture conditions) ``--count`` images are generated
with the renderer's benchmark seed (``specimens/seeds.py``: ``BENCHMARK_SEEDS``, which no test or
tuning run may use) into ``--dir`` (reused when stamped by the same generator, see below). Each image
is read by ``CardReader`` and by ``PlainReader`` (default RapidOCR + a simple label parser) in the
same process, interleaved and alternating which goes first, and the script prints:

(a) exact-match % of the card's values per renderer x capture, engine vs plain (``side`` is not
    counted as a value: a reader that finds nothing still gets it right half the time);
(b) exact-match % per field and renderer, engine vs plain (``side`` shown on its own row);
(c) overall per renderer: all values; the values read from the image alone; gender and birthday
    apart (the engine may settle a doubt about them with the number); whole cards exactly right;
(d) images where the engine got fewer fields right than plain (names with ``--show-misses``);
(e) median and p90 latency per card (decode included) of both, and their ratio.

Compared fields: ``side`` plus that side's fields; a field counts when it equals the truth exactly
(``birthday`` as a whole dict). Field values are never printed, only specimen and field names.

Run: ``.venv/bin/python benchmarks/ocr_accuracy.py --count 24 --dir /tmp/faceid-ocr-accuracy``
(add ``--json results.json`` for machine-readable results, ``--report-only results.json`` to print a
saved run again). A specimen folder is reused only when its ``stamp.json`` (renderer, capture, seed,
count and a digest of the generator's source) matches; otherwise it is generated again.
"""

from __future__ import annotations

import argparse
import functools
import hashlib
import importlib
import json
import shutil
import statistics
import sys
import tempfile
import time
from collections.abc import Callable, Collection, Iterable, Sequence
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

import numpy as np

from airflow_provider_faceid.local.engine.card_reader import CardReader
from airflow_provider_faceid.local.engine.line_models import RECOGNIZERS
from airflow_provider_faceid.local.engine.plain_reader import PlainReader
from airflow_provider_faceid.local.engine.recognizer import DEFAULT_RECOGNIZER
from airflow_provider_faceid.local.specimens import read_truth
from airflow_provider_faceid.local.specimens.heldout import CAPTURES, RENDERERS, generate_set
from airflow_provider_faceid.local.specimens.seeds import BENCHMARK_SEEDS

FRONT_FIELDS = ("name", "gender", "race", "birthday", "address", "id_card_number")
BACK_FIELDS = ("issued_by", "valid_date")
# The rates count the card's values, not ``side`` (a reader that finds nothing still gets it
# right half the time). Gender and birthday are printed, but the engine may also settle a doubt
# about them with the number: they are reported apart from the values read from the image alone.
VALUE_FIELDS = (*FRONT_FIELDS, *BACK_FIELDS)
NUMBER_DERIVABLE = ("gender", "birthday")
IMAGE_ONLY = tuple(field for field in VALUE_FIELDS if field not in NUMBER_DERIVABLE)
# What made a specimen folder: reused only when this matches (a changed generator regenerates).
_GENERATOR_MODULES = (
    "heldout", "studio_render", "render", "folio_render", "folio_holder",
    "captures", "person", "data", "fonts", "generate",
)  # fmt: skip
READERS = ("engine", "plain")


def compared_fields(truth: dict[str, Any]) -> tuple[str, ...]:
    return ("side", *(FRONT_FIELDS if truth["side"] == "front" else BACK_FIELDS))


def correct_fields(truth: dict[str, Any], answer: dict[str, Any]) -> list[str]:
    return [field for field in compared_fields(truth) if answer.get(field) == truth.get(field)]


@dataclass(frozen=True)
class Reading:
    """How both readers did on one specimen (field names only: no card content)."""

    renderer: str
    capture: str
    image: str
    fields: list[str]
    engine: list[str]
    plain: list[str]
    engine_seconds: float
    plain_seconds: float

    def correct(self, reader: str) -> list[str]:
        return self.engine if reader == "engine" else self.plain


def specimens(renderer: str, capture: str, *, count: int, root: Path) -> list[Path]:
    """The cell's held-out images, generated unless ``root`` holds them with a matching stamp."""
    seed = BENCHMARK_SEEDS[renderer]
    folder = root / f"{renderer}-{capture}-seed{seed}-n{count}"
    stamp = stamp_of(renderer, capture, count)
    stamp_file = folder / "stamp.json"
    if stamped(folder, stamp):
        return sorted(folder.glob("*.jpg"))
    if folder.exists():
        shutil.rmtree(folder)
    paths = generate_set(renderer=renderer, capture=capture, count=count, seed=seed, out_dir=folder)
    stamp_file.write_text(json.dumps(stamp) + "\n", "utf-8")
    return paths


def stamp_of(renderer: str, capture: str, count: int) -> dict[str, Any]:
    """What a cell folder of ``count`` images made by the current generator is stamped with."""
    seed = BENCHMARK_SEEDS[renderer]
    return {"renderer": renderer, "capture": capture, "seed": seed, "count": count, "code": generator_code()}


def stamped(folder: Path, stamp: dict[str, Any]) -> bool:
    """Whether ``folder`` is complete and carries ``stamp``."""
    stamp_file = folder / "stamp.json"
    if not stamp_file.is_file() or json.loads(stamp_file.read_text("utf-8")) != stamp:
        return False
    return len(list(folder.glob("*.jpg"))) == stamp["count"]


@functools.cache
def generator_code() -> str:
    """A digest of the specimen generator's source: the stamp of what made a folder."""
    digest = hashlib.sha256()
    for name in _GENERATOR_MODULES:
        module = importlib.import_module(f"airflow_provider_faceid.local.specimens.{name}")
        digest.update(Path(str(module.__file__)).read_bytes())
    return digest.hexdigest()[:16]


def timed(read: Callable[[bytes], dict[str, Any]], image: bytes) -> tuple[float, dict[str, Any]]:
    start = time.perf_counter()
    result = read(image)
    return time.perf_counter() - start, result


def read_all(
    cells: Iterable[tuple[str, str, list[Path]]], engine: CardReader, plain: PlainReader
) -> list[Reading]:
    readings: list[Reading] = []
    for renderer, capture, paths in cells:
        print(f"reading {renderer}/{capture} ({len(paths)} images)", file=sys.stderr, flush=True)
        for path in paths:
            image, truth = path.read_bytes(), read_truth(path)
            # Alternating the order cancels whatever warm-cache advantage the second reader gets.
            if len(readings) % 2 == 0:
                engine_s, engine_answer = timed(engine.read, image)
                plain_s, plain_answer = timed(plain.read, image)
            else:
                plain_s, plain_answer = timed(plain.read, image)
                engine_s, engine_answer = timed(engine.read, image)
            readings.append(
                Reading(
                    renderer=renderer,
                    capture=capture,
                    image=path.stem,
                    fields=list(compared_fields(truth)),
                    engine=correct_fields(truth, engine_answer),
                    plain=correct_fields(truth, plain_answer),
                    engine_seconds=engine_s,
                    plain_seconds=plain_s,
                )
            )
    return readings


def rate(
    readings: Sequence[Reading], reader: str, fields: Collection[str] = VALUE_FIELDS
) -> tuple[float, int]:
    """Exact-match % over ``readings`` of the compared ``fields`` and how many comparisons."""
    total = sum(1 for r in readings for f in r.fields if f in fields)
    hits = sum(1 for r in readings for f in r.correct(reader) if f in fields)
    return (100.0 * hits / total if total else float("nan")), total


def whole_cards(readings: Sequence[Reading], reader: str) -> float:
    right = sum(len(r.correct(reader)) == len(r.fields) for r in readings)
    return 100.0 * right / len(readings) if readings else float("nan")


def percentile(values: Sequence[float], share: float) -> float:
    return float(np.percentile(np.asarray(values), share * 100)) if values else float("nan")


def below_plain(readings: Sequence[Reading]) -> list[Reading]:
    return [r for r in readings if len(r.engine) < len(r.plain)]


def summary(readings: list[Reading], renderers: Sequence[str], captures: Sequence[str]) -> dict[str, Any]:
    def by(renderer: str, capture: str | None = None) -> list[Reading]:
        return [r for r in readings if r.renderer == renderer and capture in (None, r.capture)]

    engine_s = [r.engine_seconds for r in readings]
    plain_s = [r.plain_seconds for r in readings]
    return {
        "cells": [
            {
                "renderer": renderer,
                "capture": capture,
                "images": len(by(renderer, capture)),
                "fields": rate(by(renderer, capture), "engine")[1],
                **{reader: rate(by(renderer, capture), reader)[0] for reader in READERS},
            }
            for renderer in renderers
            for capture in captures
        ],
        "per_field": {
            renderer: {
                field: {reader: rate(by(renderer), reader, (field,))[0] for reader in READERS}
                for field in ("side", *FRONT_FIELDS, *BACK_FIELDS)
            }
            for renderer in renderers
        },
        "overall": {
            renderer: {
                "images": len(by(renderer)),
                "fields": rate(by(renderer), "engine")[1],
                **{reader: rate(by(renderer), reader)[0] for reader in READERS},
                **{f"{reader}_image_only": rate(by(renderer), reader, IMAGE_ONLY)[0] for reader in READERS},
                **{
                    f"{reader}_number_derivable": rate(by(renderer), reader, NUMBER_DERIVABLE)[0]
                    for reader in READERS
                },
                **{f"{reader}_cards": whole_cards(by(renderer), reader) for reader in READERS},
            }
            for renderer in renderers
        },
        "engine_below_plain": [
            {
                "renderer": r.renderer,
                "capture": r.capture,
                "image": r.image,
                "fields": sorted(set(r.plain) - set(r.engine)),
            }
            for r in below_plain(readings)
        ],
        "latency": {
            "engine_median": statistics.median(engine_s),
            "engine_p90": percentile(engine_s, 0.9),
            "plain_median": statistics.median(plain_s),
            "plain_p90": percentile(plain_s, 0.9),
            "ratio_median": statistics.median(engine_s) / statistics.median(plain_s),
        },
        "images": [asdict(r) for r in readings],
    }


def without_nan(value: Any) -> Any:
    """``value`` with NaN (a rate over no comparisons) as ``None``: strict JSON has no NaN."""
    if isinstance(value, float) and value != value:
        return None
    if isinstance(value, dict):
        return {key: without_nan(item) for key, item in value.items()}
    if isinstance(value, list):
        return [without_nan(item) for item in value]
    return value


def pct(value: float) -> str:
    return f"{value:>7.1f}%" if value == value else f"{'-':>8}"  # NaN: no comparisons


def print_report(result: dict[str, Any], renderers: Sequence[str], *, show_misses: bool) -> None:
    print("\n(a) exact-match % of the card's values (side not counted) per renderer x capture")
    print(f"{'renderer':<10}{'capture':<11}{'engine':>8}{'plain':>8}{'n':>5}{'fields':>8}")
    for cell in result["cells"]:
        print(
            f"{cell['renderer']:<10}{cell['capture']:<11}{pct(cell['engine'])}{pct(cell['plain'])}"
            f"{cell['images']:>5}{cell['fields']:>8}"
        )

    print("\n(b) exact-match % per field")
    print(
        f"{'field':<16}"
        + "".join(f"{renderer + ' ' + reader:>17}" for renderer in renderers for reader in READERS)
    )
    for field in ("side", *FRONT_FIELDS, *BACK_FIELDS):
        cells = [result["per_field"][renderer][field][reader] for renderer in renderers for reader in READERS]
        print(f"{field:<16}" + "".join(f"{pct(value):>17}" for value in cells))

    print("\n(c) overall per renderer: all values; read from the image alone (name, race, address,")
    print(
        "    number, authority, validity); gender and birthday (the number may settle a doubt); whole cards"
    )
    header = f"{'renderer':<10}{'engine':>8}{'plain':>8}{'image e':>9}{'image p':>9}{'g+b e':>8}{'g+b p':>8}"
    print(header + f"{'cards e':>9}{'cards p':>9}{'n':>5}{'fields':>8}")
    for renderer in renderers:
        o = result["overall"][renderer]
        print(
            f"{renderer:<10}{pct(o['engine'])}{pct(o['plain'])}{pct(o['engine_image_only']):>9}"
            f"{pct(o['plain_image_only']):>9}{pct(o['engine_number_derivable']):>8}"
            f"{pct(o['plain_number_derivable']):>8}{pct(o['engine_cards']):>9}{pct(o['plain_cards']):>9}"
            f"{o['images']:>5}{o['fields']:>8}"
        )

    below = result["engine_below_plain"]
    print(f"\n(d) images where the engine got fewer fields right than plain: {len(below)}")
    if show_misses:
        for miss in below:
            print(f"    {miss['renderer']}/{miss['capture']}/{miss['image']}: {', '.join(miss['fields'])}")

    latency = result["latency"]
    print("\n(e) latency per card (decode included)")
    print(f"engine  median {latency['engine_median']:.3f} s  p90 {latency['engine_p90']:.3f} s")
    print(f"plain   median {latency['plain_median']:.3f} s  p90 {latency['plain_p90']:.3f} s")
    print(f"ratio engine/plain (median): {latency['ratio_median']:.2f}x")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--renderers", nargs="+", choices=RENDERERS, default=list(RENDERERS))
    parser.add_argument("--captures", nargs="+", choices=CAPTURES, default=list(CAPTURES))
    parser.add_argument("--count", type=int, default=24, help="images per renderer x capture (pairs)")
    parser.add_argument("--threads", type=int, default=1, help="onnxruntime intra-op threads of both")
    parser.add_argument(
        "--dir",
        type=Path,
        default=Path(tempfile.gettempdir()) / "faceid-ocr-accuracy",
        help="specimen cache, reused when present",
    )
    parser.add_argument("--show-misses", action="store_true", help="name the images of (d) and their fields")
    parser.add_argument("--json", type=Path, default=None, metavar="OUT.json", help="also write results here")
    parser.add_argument(
        "--recognizer", choices=RECOGNIZERS, default=DEFAULT_RECOGNIZER, help="the engine's first line model"
    )
    parser.add_argument("--no-second-opinion", action="store_true", help="engine without the other model")
    parser.add_argument(
        "--report-only", type=Path, default=None, metavar="RUN.json", help="print a saved --json run again"
    )
    args = parser.parse_args(argv)

    if args.report_only is not None:
        saved = json.loads(args.report_only.read_text("utf-8"))
        readings = [Reading(**image) for image in saved["images"]]
        renderers = list(dict.fromkeys(r.renderer for r in readings))
        print(f"saved run {args.report_only}: {len(readings)} specimens, seeds {saved['seeds']}")
        print_report(summary(readings, renderers, saved["captures"]), renderers, show_misses=args.show_misses)
        return 0

    cells = [
        (renderer, capture, specimens(renderer, capture, count=args.count, root=args.dir))
        for renderer in args.renderers
        for capture in args.captures
    ]
    engine = CardReader(
        intra_op_threads=args.threads, recognizer=args.recognizer, second_opinion=not args.no_second_opinion
    )
    plain = PlainReader(intra_op_threads=args.threads)
    readings = read_all(cells, engine, plain)
    result = summary(readings, args.renderers, args.captures)
    seeds = {renderer: BENCHMARK_SEEDS[renderer] for renderer in args.renderers}
    print(f"specimens: {len(readings)} ({args.count} per cell, seeds {seeds}) in {args.dir}")
    opinion = "off" if args.no_second_opinion else "on"
    print(f"engine: recognizer {args.recognizer}, second opinion {opinion}; plain: RapidOCR() defaults")
    print_report(result, args.renderers, show_misses=args.show_misses)
    if args.json is not None:
        meta = {"count": args.count, "threads": args.threads, "seeds": seeds, "captures": args.captures}
        args.json.write_text(
            json.dumps(without_nan({**meta, **result}), ensure_ascii=False, indent=2, allow_nan=False) + "\n",
            "utf-8",
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
