"""Stand-ins for the recogniser reading a band, and the front the rescue tests start from."""

from __future__ import annotations

import numpy as np

from airflow_provider_faceid.local.engine.textline import Point, TextLine

NUMBER = "110108198904031239"  # male
ADDRESS = ("北京市海淀区中关村大街", "27号院3号楼501室")
IMAGE = np.full((540, 856, 3), 230, np.uint8)


class Bands:
    """Stands in for the recogniser: answers each band with a scripted reading, records boxes."""

    def __init__(self, text: str, scores: tuple[float, ...], runners: tuple[str, ...]) -> None:
        self.answer = (text, scores, runners)
        self.boxes: list[tuple[Point, Point, Point, Point]] = []

    def __call__(self, crop: np.ndarray, box: tuple[Point, Point, Point, Point]) -> TextLine | None:
        self.boxes.append(box)
        text, scores, runners = self.answer
        return TextLine(text=text, box=box, score=min(scores), char_scores=scores, runners_up=runners)


class ScriptedBands:
    """Answers the n-th band read with the n-th scripted text (all characters sure)."""

    def __init__(self, *texts: str) -> None:
        self.texts = list(texts)
        self.crops: list[np.ndarray] = []

    def __call__(self, crop: np.ndarray, box: tuple[Point, Point, Point, Point]) -> TextLine | None:
        self.crops.append(crop)
        text = self.texts[len(self.crops) - 1]
        return TextLine(
            text=text, box=box, score=0.9, char_scores=(0.9,) * len(text), runners_up=("",) * len(text)
        )


def without(lines: list[TextLine], *texts: str) -> list[TextLine]:
    return [line for line in lines if line.text not in texts]
