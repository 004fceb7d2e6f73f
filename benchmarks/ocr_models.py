"""PP-OCRv4 against PP-OCRv6 small, detection and recognition, on the same cards in one process.

What: faceid-local can use two OCR model generations. PP-OCRv4 det/cls/rec come from the
rapidocr-onnxruntime 1.4.4 wheel. PP-OCRv6 small det/rec come from the rapidocr 3.x wheel. This
script measures both generations on the held-out specimens, for latency and for accuracy:

* detection: v4 det (``RapidOCR(det_limit_type="max", det_limit_side_len=960).auto_text_det``, the
  engine's setting) against v6 det (``PP-OCRv6_det_small.onnx`` with rapidocr 3.x's own
  ``DetPreProcess``/``DBPostProcess``, the same max/960 limits). Both are timed and their boxes
  counted.
* recognition: the v4 detector's boxes are cropped (``get_crop_img_list``) and turned upright
  (``text_cls``). ``V4Lines.read`` and ``V6Lines.read`` (the project's line models) then read the
  same crops, and both are timed.
* accuracy: each ground-truth value must occur as a substring of the recognised text. The text is
  every line in box order, concatenated, with spaces removed. The values are name, gender, race,
  birthday as ``YYYY年M月D日``, address and id_card_number on a front, issued_by and valid_date on
  a back. This is checked for all four det x rec combinations (v4/v6 det x v4/v6 rec); the v6
  detector's crops are read too, but not timed. Values split by another box between their lines,
  or by a line order broken on a card lying on its side, miss for every combination alike.

Why: the README claims that v6 recognition is more accurate and faster than v4, and that v6
detection costs about 3x v4 for the same boxes. This is the command behind that claim.

How: every image goes through all stages in one process, with one onnxruntime intra-op (and
inter-op) thread per session. The stages are interleaved image by image, and which generation
goes first alternates, so neither one profits from the other's warm caches. A warm-up image
runs first and is not timed. Latency is the median ms per card, and v6/v4 is given two ways: the
ratio of the medians and the median of the per-card ratios. On a shared, busy machine the
ratios mean more than the milliseconds. The specimens are the same as ``benchmarks/ocr_accuracy.py``
uses: the same ``--dir``, folder names and ``BENCHMARK_SEEDS``, so the two scripts share images. A
complete cell folder is reused; so is the front of a larger complete one, since the first N
specimens of a run equal a run of N.

Field values are never printed, only counts per combination, field and capture.

Run: ``.venv/bin/python benchmarks/ocr_models.py --count 8 --dir /tmp/faceid-ocr-accuracy``
(``--rounds 3`` times each stage three times per card and keeps the median).
"""

from __future__ import annotations

import argparse
import contextlib
import functools
import os
import re
import shlex
import statistics
import sys
import tempfile
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from importlib import metadata
from pathlib import Path
from typing import Any, TypeVar

import numpy as np
from ocr_accuracy import specimens as stamped_specimens
from ocr_accuracy import stamp_of, stamped

from airflow_provider_faceid.local.engine.card_reader import decode_bgr
from airflow_provider_faceid.local.engine.line_models import LineModel, V4Lines, V6Lines
from airflow_provider_faceid.local.specimens import read_truth
from airflow_provider_faceid.local.specimens.heldout import CAPTURES, RENDERERS
from airflow_provider_faceid.local.specimens.seeds import BENCHMARK_SEEDS

GENERATIONS = ("v4", "v6")
COMBINATIONS = tuple((det, rec) for det in GENERATIONS for rec in GENERATIONS)
FIELDS = ("name", "gender", "race", "birthday", "address", "id_card_number", "issued_by", "valid_date")
DET_LIMIT_TYPE = "max"
DET_LIMIT_SIDE = 960
_V6_DET_MODEL = "PP-OCRv6_det_small.onnx"

T = TypeVar("T")


# -- specimens --------------------------------------------------------------------------------------
def specimens(renderer: str, capture: str, *, count: int, root: Path) -> list[Path]:
    """The first ``count`` specimens of a cell, from ``benchmarks/ocr_accuracy.py``'s folders: the
    front of a larger folder stamped by the current generator (the first N specimens of a run equal
    a run of N), else that script's own stamped ``-n{count}`` folder (generated when missing)."""
    seed = BENCHMARK_SEEDS[renderer]
    pattern = re.compile(rf"{re.escape(f'{renderer}-{capture}-seed{seed}-n')}(\d+)")
    for larger in sorted(root.glob(f"{renderer}-{capture}-seed{seed}-n*")):
        match = pattern.fullmatch(larger.name)
        if (
            match
            and int(match.group(1)) > count
            and stamped(larger, stamp_of(renderer, capture, int(match[1])))
        ):
            return sorted(larger.glob("*.jpg"))[:count]  # stems carry a zero-padded index
    return stamped_specimens(renderer, capture, count=count, root=root)


def field_values(truth: dict[str, Any]) -> dict[str, str]:
    """The ground-truth values looked for in the recognised text (birthday as printed)."""
    values: dict[str, str] = {}
    for name in FIELDS:
        value = truth.get(name)
        if name == "birthday" and isinstance(value, dict):
            values[name] = f"{value['year']}年{value['month']}月{value['day']}日"
        elif isinstance(value, str) and value:
            values[name] = value
    return values


# -- models -----------------------------------------------------------------------------------------
class V6Detector:
    """PP-OCRv6_det_small from the rapidocr 3.x wheel, run by onnxruntime. Pre- and post-processing
    and the box order are rapidocr 3.x's own (``TextDetector``'s defaults, apart from the limits).
    ``detect`` follows the contract of ``auto_text_det``: (4, 2) float32 corner arrays, in reading
    order."""

    def __init__(
        self,
        *,
        intra_op_threads: int = 1,
        limit_type: str = DET_LIMIT_TYPE,
        limit_side_len: int = DET_LIMIT_SIDE,
    ) -> None:
        import onnxruntime as ort
        from rapidocr.ch_ppocr_det.main import TextDetector
        from rapidocr.ch_ppocr_det.utils import DBPostProcess, DetPreProcess

        from airflow_provider_faceid.local.engine.line_models import v6_model_path

        options = ort.SessionOptions()
        options.log_severity_level = 4
        options.enable_cpu_mem_arena = False  # as both rapidocr wheels configure their sessions
        options.intra_op_num_threads = intra_op_threads
        options.inter_op_num_threads = 1
        options.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_ALL
        path = v6_model_path().with_name(_V6_DET_MODEL)
        self._session = ort.InferenceSession(
            str(path), sess_options=options, providers=["CPUExecutionProvider"]
        )
        self._input = self._session.get_inputs()[0].name
        self._pre = DetPreProcess(limit_side_len, limit_type, [0.5] * 3, [0.5] * 3)
        self._post = DBPostProcess(
            thresh=0.3,
            box_thresh=0.5,
            max_candidates=1000,
            unclip_ratio=1.6,
            score_mode="fast",
            use_dilation=True,
        )
        self._sort: Callable[[np.ndarray], np.ndarray] = TextDetector.sorted_boxes

    def detect(self, bgr: np.ndarray) -> list[np.ndarray]:
        prepared = self._pre(bgr)
        if prepared is None:
            return []
        preds = self._session.run(None, {self._input: prepared})[0]
        boxes, _scores = self._post(preds, bgr.shape[:2])
        if len(boxes) == 0:
            return []
        return [box.astype(np.float32) for box in self._sort(np.asarray(boxes, dtype=np.float32))]


class Models:
    """Both generations with one intra-op thread per session; not thread-safe."""

    def __init__(self, *, threads: int) -> None:
        from rapidocr_onnxruntime import RapidOCR

        self.ocr = RapidOCR(
            det_limit_type=DET_LIMIT_TYPE,
            det_limit_side_len=DET_LIMIT_SIDE,
            intra_op_num_threads=threads,
            inter_op_num_threads=1,
        )
        self.det6 = V6Detector(intra_op_threads=threads)
        self.rec: dict[str, LineModel] = {"v4": V4Lines(self.ocr), "v6": V6Lines(intra_op_threads=threads)}

    def detect(self, generation: str, bgr: np.ndarray) -> list[np.ndarray]:
        if generation == "v6":
            return self.det6.detect(bgr)
        found, _ = self.ocr.auto_text_det(bgr)
        return list(found) if found is not None else []

    def upright_crops(self, bgr: np.ndarray, boxes: list[np.ndarray]) -> list[np.ndarray]:
        if not boxes:
            return []
        crops = self.ocr.get_crop_img_list(bgr, boxes)
        crops, _, _ = self.ocr.text_cls(crops)
        return list(crops)

    def text(self, generation: str, crops: list[np.ndarray]) -> str:
        """All lines read by ``generation``'s recogniser, concatenated in box order, spaces removed."""
        return "".join(reading.text for reading in self.rec[generation].read(crops)).replace(" ", "")


# -- measurement ------------------------------------------------------------------------------------
@dataclass
class Card:
    """One specimen's measurements: field names and counts only, no card content."""

    renderer: str
    capture: str
    det_ms: dict[str, float]
    rec_ms: dict[str, float]
    boxes: dict[str, int]
    fields: list[str]
    found: dict[tuple[str, str], list[str]] = field(default_factory=dict)


def timed(run: Callable[[], T], rounds: int) -> tuple[float, T]:
    """Median wall time in ms of ``rounds`` calls of ``run``, and the last call's result."""
    times: list[float] = []
    result: T | None = None
    for _ in range(rounds):
        start = time.perf_counter()
        result = run()
        times.append(1000.0 * (time.perf_counter() - start))
    assert result is not None
    return statistics.median(times), result


def measure(models: Models, path: Path, *, renderer: str, capture: str, v6_first: bool, rounds: int) -> Card:
    bgr = decode_bgr(path.read_bytes())
    values = field_values(read_truth(path))
    order = ("v6", "v4") if v6_first else GENERATIONS

    det_ms: dict[str, float] = {}
    boxes: dict[str, list[np.ndarray]] = {}
    for generation in order:
        det_ms[generation], boxes[generation] = timed(
            functools.partial(models.detect, generation, bgr), rounds
        )
    crops = {generation: models.upright_crops(bgr, boxes[generation]) for generation in GENERATIONS}

    # Both recognisers are timed on the v4 detector's crops: the engine's detector, the same input.
    rec_ms: dict[str, float] = {}
    texts: dict[tuple[str, str], str] = {}
    for generation in order:
        rec_ms[generation], texts["v4", generation] = timed(
            functools.partial(models.text, generation, crops["v4"]), rounds
        )
    for generation in order:
        texts["v6", generation] = models.text(generation, crops["v6"])

    return Card(
        renderer=renderer,
        capture=capture,
        det_ms=det_ms,
        rec_ms=rec_ms,
        boxes={generation: len(found) for generation, found in boxes.items()},
        fields=list(values),
        found={
            combo: [name for name, value in values.items() if value in texts[combo]] for combo in COMBINATIONS
        },
    )


def run(cells: Sequence[tuple[str, str, list[Path]]], models: Models, *, rounds: int) -> list[Card]:
    first = next((paths[0] for _, _, paths in cells if paths), None)
    if first is not None:  # warm-up: first-run allocations and caches of every session, untimed
        measure(models, first, renderer="", capture="", v6_first=False, rounds=1)
    cards: list[Card] = []
    for renderer, capture, paths in cells:
        print(f"measuring {renderer}/{capture} ({len(paths)} images)", file=sys.stderr, flush=True)
        for path in paths:
            cards.append(
                measure(
                    models,
                    path,
                    renderer=renderer,
                    capture=capture,
                    v6_first=len(cards) % 2 == 1,
                    rounds=rounds,
                )
            )
    return cards


# -- report -----------------------------------------------------------------------------------------
def combo_name(combo: tuple[str, str]) -> str:
    return f"{combo[0]} det + {combo[1]} rec"


def found_total(cards: Sequence[Card], combo: tuple[str, str], name: str | None = None) -> str:
    total = sum(1 for card in cards for f in card.fields if name in (None, f))
    found = sum(1 for card in cards for f in card.found[combo] if name in (None, f))
    return f"{found}/{total}" if total else "-"


def latency_rows(cards: Sequence[Card]) -> list[tuple[str, list[float], list[float]]]:
    return [
        ("detection", [c.det_ms["v4"] for c in cards], [c.det_ms["v6"] for c in cards]),
        ("recognition (v4-det crops)", [c.rec_ms["v4"] for c in cards], [c.rec_ms["v6"] for c in cards]),
        (
            "v4 det + rec (cls excluded)",
            [c.det_ms["v4"] + c.rec_ms["v4"] for c in cards],
            [c.det_ms["v4"] + c.rec_ms["v6"] for c in cards],
        ),
    ]


def print_report(cards: Sequence[Card], captures: Sequence[str]) -> None:
    print("\nlatency per card, ms (v4 = PP-OCRv4 / rapidocr-onnxruntime, v6 = PP-OCRv6 small / rapidocr 3.x)")
    header = f"{'stage':<28}{'v4 median':>10}{'v6 median':>10}{'v4 p90':>9}{'v6 p90':>9}"
    print(header + f"{'v6/v4 medians':>15}{'median v6/v4 per card':>23}")
    for stage, v4, v6 in latency_rows(cards):
        med4, med6 = statistics.median(v4), statistics.median(v6)
        per_card = statistics.median(b / a for a, b in zip(v4, v6, strict=True) if a > 0)
        print(
            f"{stage:<28}{med4:>10.0f}{med6:>10.0f}{np.percentile(v4, 90):>9.0f}{np.percentile(v6, 90):>9.0f}"
            f"{med6 / med4:>14.2f}x{per_card:>22.2f}x"
        )
    print("(last row: the v4 pipeline against v4 det + v6 rec, the engine's default)")

    v4_boxes = [c.boxes["v4"] for c in cards]
    v6_boxes = [c.boxes["v6"] for c in cards]
    same = sum(a == b for a, b in zip(v4_boxes, v6_boxes, strict=True))
    print(
        f"\nboxes per card: v4 det median {statistics.median(v4_boxes):g} (total {sum(v4_boxes)}), "
        f"v6 det median {statistics.median(v6_boxes):g} (total {sum(v6_boxes)}); "
        f"same count on {same}/{len(cards)} cards"
    )

    print("\naccuracy: ground-truth values found as substrings of the recognised text (found/total)")
    print(f"{'':<14}" + "".join(f"{combo_name(combo):>19}" for combo in COMBINATIONS))
    print(f"{'all fields':<14}" + "".join(f"{found_total(cards, combo):>19}" for combo in COMBINATIONS))
    print("\nper field")
    for name in FIELDS:
        print(f"{name:<14}" + "".join(f"{found_total(cards, combo, name):>19}" for combo in COMBINATIONS))
    print("\nper capture (both renderers)")
    for capture in captures:
        subset = [c for c in cards if c.capture == capture]
        print(f"{capture:<14}" + "".join(f"{found_total(subset, combo):>19}" for combo in COMBINATIONS))


def versions() -> str:
    parts = []
    for package in ("rapidocr-onnxruntime", "rapidocr", "onnxruntime"):
        try:
            parts.append(f"{package} {metadata.version(package)}")
        except metadata.PackageNotFoundError:
            parts.append(f"{package} (not installed)")
    return ", ".join(parts)


def load() -> str:
    try:
        return " ".join(f"{value:.1f}" for value in os.getloadavg())
    except OSError:
        return "n/a"


def command_line() -> str:
    executable = Path(sys.executable)
    with contextlib.suppress(ValueError):  # outside the working directory: keep it absolute
        executable = executable.relative_to(Path.cwd())
    return shlex.join([str(executable), *sys.argv])


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--renderers", nargs="+", choices=RENDERERS, default=list(RENDERERS))
    parser.add_argument("--captures", nargs="+", choices=CAPTURES, default=list(CAPTURES))
    parser.add_argument("--count", type=int, default=8, help="images per renderer x capture cell")
    parser.add_argument("--rounds", type=int, default=1, help="timed runs per stage and card (median kept)")
    parser.add_argument("--threads", type=int, default=1, help="onnxruntime intra-op threads per session")
    parser.add_argument(
        "--dir",
        type=Path,
        default=Path(tempfile.gettempdir()) / "faceid-ocr-accuracy",
        help="specimen cache shared with ocr_accuracy.py, reused when present",
    )
    args = parser.parse_args(argv)
    if args.count < 1 or args.rounds < 1 or args.threads < 1:
        parser.error("--count, --rounds and --threads must be at least 1")

    cells = [
        (renderer, capture, specimens(renderer, capture, count=args.count, root=args.dir))
        for renderer in args.renderers
        for capture in args.captures
    ]
    models = Models(threads=args.threads)
    load_before = load()
    started = time.perf_counter()
    cards = run(cells, models, rounds=args.rounds)
    elapsed = time.perf_counter() - started

    seeds = {renderer: BENCHMARK_SEEDS[renderer] for renderer in args.renderers}
    print(f"specimens: {len(cards)} ({args.count} per cell, seeds {seeds}) in {args.dir}")
    print(f"{versions()}; intra-op threads {args.threads}, rounds {args.rounds}, det limit max/960")
    print(
        f"{os.cpu_count()} CPUs, load average {load_before} before and {load()} after, {elapsed:.0f} s "
        "(shared machine: trust the ratios more than the ms)"
    )
    print_report(cards, args.captures)
    print(f"\ncommand: {command_line()}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
