"""Builders for synthetic OCR output: boxes laid out like a deskewed 856x540 card."""

from __future__ import annotations

import math

from airflow_provider_faceid.local.engine.textline import TextLine

# Each character is about this wide at card scale (27 px values, 22 px labels plus spacing).
CHAR_WIDTH = 27.0
ROW_HEIGHT = 30.0


def line(
    text: str,
    x: float,
    y: float,
    *,
    score: float = 0.99,
    scores: dict[int, float] | None = None,
    runners: dict[int, str] | None = None,
) -> TextLine:
    """A box whose left/top is ``x``/``y``, with per-character scores and runner-ups overridable."""
    char_scores = tuple((scores or {}).get(i, score) for i in range(len(text)))
    runners_up = tuple((runners or {}).get(i, "") for i in range(len(text)))
    width = CHAR_WIDTH * sum(0.5 if c.isascii() else 1.0 for c in text)
    box = ((x, y), (x + width, y), (x + width, y + ROW_HEIGHT), (x, y + ROW_HEIGHT))
    return TextLine(
        text=text, box=box, score=min(char_scores), char_scores=char_scores, runners_up=runners_up
    )


def front_lines(
    *, name: str = "张三", gender: str = "男", race: str = "汉", number: str, address: tuple[str, ...]
) -> list[TextLine]:
    """A clean front: each label its own box, values right of them, address over several rows."""
    lines = [
        line("姓名", 60, 60),
        line(name, 150, 60),
        line("性别", 60, 125),
        line(gender, 150, 125),
        line("民族", 285, 125),
        line(race, 375, 125),
        line("出生", 60, 190),
        line("1989年4月3日", 150, 190),
        line("住址", 60, 250),
    ]
    lines += [line(part, 150, 250 + 38 * i) for i, part in enumerate(address)]
    lines += [line("公民身份号码", 60, 460), line(number, 295, 450)]
    return lines


def tilted(
    text: str, x: float, y: float, degrees: float, *, length: float = 300, height: float = 30
) -> TextLine:
    """A box ``length`` long from (x, y), its rows falling by ``degrees``."""
    dx, dy = math.cos(math.radians(degrees)), math.sin(math.radians(degrees))
    corners = ((x, y), (x + length * dx, y + length * dy))
    corners += (
        (corners[1][0] - height * dy, corners[1][1] + height * dx),
        (x - height * dy, y + height * dx),
    )
    return TextLine(text=text, box=corners, score=0.99)
