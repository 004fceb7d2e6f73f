"""The two text-line recognisers the engine can use, behind one interface: crops in, decodings out.

* ``v4``: PP-OCRv4 recognition inside the rapidocr-onnxruntime 1.4.4 wheel (6,625 classes; lacks
  仫 of 仫佬 and many rare name characters).
* ``v6``: PP-OCRv6 small recognition inside the rapidocr 3.x wheel (18,710 classes: all 56 ethnic
  groups, rare name characters such as 禤 蒯 赟 翀). Only its ONNX file is used, run here with
  onnxruntime, so rapidocr 3.x's own configuration machinery is never imported and nothing is
  downloaded. Its character list lives in the model's metadata.
"""

from __future__ import annotations

import importlib.util
import math
from collections.abc import Sequence
from pathlib import Path
from typing import Any, Protocol

import cv2
import numpy as np

from airflow_provider_faceid.local.engine.ctc import CtcDecoder
from airflow_provider_faceid.local.engine.reading import Reading
from airflow_provider_faceid.local.engine.textnorm import traditional_only_forms

RECOGNIZERS = ("v4", "v6")
_V6_MODEL = "PP-OCRv6_rec_small.onnx"
# PP-OCR recognition input: 48 px high, at least 320 px wide, crops batched by aspect ratio.
_LINE_HEIGHT = 48
_MIN_WIDTH = 320
_BATCH = 6
# v6 reads spaces into the gaps of a card's spaced-out print four times as often as v4, answers a
# Traditional form now and then (壯 for 壮) and scores some Simplified characters lower for their
# Traditional twin (别 0.63, runner-up 別): it may answer neither spaces nor Traditional forms.
_SPACES = frozenset(" \u3000")
# No card prints a question mark, and both models answer one for a blurred digit now and then
# (3组？9号 for 3组79号, the ？ at 0.65): masked, the digit wins.
_QUESTION_MARKS = frozenset("?？")


class LineModel(Protocol):
    name: str

    def read(self, crops: Sequence[np.ndarray]) -> list[Reading]: ...


class V4Lines:
    """PP-OCRv4 recognition of an existing rapidocr-onnxruntime engine, decoded by us."""

    name = "v4"

    def __init__(self, ocr: Any) -> None:
        self._rec = ocr.text_rec
        self._decoder = CtcDecoder(list(self._rec.postprocess_op.character), excluded=_QUESTION_MARKS)
        self._decoded: list[Reading] = []
        self._rec.postprocess_op = self._capture

    def _capture(self, preds: np.ndarray, *_: Any, **__: Any) -> list[tuple[str, float]]:
        answers = []
        for sequence in preds:
            decoded = self._decoder.decode(sequence)
            self._decoded.append(decoded)
            answers.append((decoded.text, decoded.mean_score))
        return answers

    def read(self, crops: Sequence[np.ndarray]) -> list[Reading]:
        if not crops:
            return []
        self._decoded = []
        self._rec(list(crops))
        # text_rec decodes the crops sorted by aspect ratio (np.argsort); undo that order.
        ratios = np.array([crop.shape[1] / float(crop.shape[0]) for crop in crops])
        ordered: list[Reading] = [Reading("", (), ())] * len(crops)
        for position, index in enumerate(np.argsort(ratios)):
            ordered[int(index)] = self._decoded[position]
        return ordered


class V6Lines:
    """PP-OCRv6 small recognition from the rapidocr 3.x wheel, on our own onnxruntime session."""

    name = "v6"

    def __init__(self, *, intra_op_threads: int = 1) -> None:
        import onnxruntime as ort

        options = ort.SessionOptions()
        options.log_severity_level = 4
        options.intra_op_num_threads = intra_op_threads
        options.inter_op_num_threads = 1
        options.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_ALL
        self._session = ort.InferenceSession(
            str(v6_model_path()), sess_options=options, providers=["CPUExecutionProvider"]
        )
        meta = self._session.get_modelmeta().custom_metadata_map
        characters = ["blank", *meta["character"].splitlines(), " "]
        self._decoder = CtcDecoder(characters, excluded=_SPACES | _QUESTION_MARKS | traditional_only_forms())
        self._input = self._session.get_inputs()[0].name

    def read(self, crops: Sequence[np.ndarray]) -> list[Reading]:
        return [self._decoder.decode(sequence) for sequence in self._probabilities(crops)]

    def _probabilities(self, crops: Sequence[np.ndarray]) -> list[np.ndarray]:
        """Per crop, the softmax frames that cover the crop itself (padding frames dropped)."""
        ratios = np.array([crop.shape[1] / float(crop.shape[0]) for crop in crops])
        order = np.argsort(ratios)
        out: list[np.ndarray] = [np.zeros((0, 1), np.float32)] * len(crops)
        for start in range(0, len(crops), _BATCH):
            batch = order[start : start + _BATCH]
            width = int(_LINE_HEIGHT * max(_MIN_WIDTH / _LINE_HEIGHT, float(ratios[batch].max())))
            inputs, widths = zip(*(_normalized(crops[int(i)], width) for i in batch), strict=True)
            preds = self._session.run(None, {self._input: np.stack(inputs)})[0]
            stride = width / preds.shape[1]
            for frames, index, used in zip(preds, batch, widths, strict=True):
                out[int(index)] = frames[: max(1, math.ceil(used / stride))]
        return out


def _normalized(crop: np.ndarray, width: int) -> tuple[np.ndarray, int]:
    """PP-OCR's input for one crop: 48 px high, scaled to [-1, 1], padded right to ``width``."""
    h, w = crop.shape[:2]
    used = min(width, math.ceil(_LINE_HEIGHT * w / float(h)))
    resized = cv2.resize(np.ascontiguousarray(crop), (used, _LINE_HEIGHT)).astype(np.float32)
    planes = (resized.transpose((2, 0, 1)) / 255.0 - 0.5) / 0.5
    padded = np.zeros((3, _LINE_HEIGHT, width), dtype=np.float32)
    padded[:, :, :used] = planes
    return padded, used


def v6_model_path() -> Path:
    """The PP-OCRv6 recognition model inside the installed rapidocr 3.x wheel (found without
    importing rapidocr, whose import pulls in its configuration and download code)."""
    spec = importlib.util.find_spec("rapidocr")
    if spec is None or not spec.submodule_search_locations:
        raise RuntimeError(
            "the v6 recogniser needs rapidocr>=3.10 (pip install 'airflow-provider-faceid[local]')"
        )
    path = Path(next(iter(spec.submodule_search_locations))) / "models" / _V6_MODEL
    if not path.is_file():
        raise RuntimeError(f"the rapidocr wheel carries no {_V6_MODEL}: install rapidocr>=3.10,<4")
    return path
