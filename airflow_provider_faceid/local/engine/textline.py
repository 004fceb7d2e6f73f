"""One recognised line of text with its box: the unit the field parser works on."""

from __future__ import annotations

from dataclasses import dataclass, field

Point = tuple[float, float]


@dataclass(frozen=True)
class TextLine:
    """A text line read by the OCR engine, in the pixel coordinates of the (deskewed) card.

    ``box`` holds the four corners clockwise from the top-left; ``char_scores`` holds one
    confidence per character of ``text`` and ``runners_up`` the recogniser's second choice at
    each position (``""`` when none), when the recogniser reports them (empty otherwise).
    """

    text: str = field(repr=False)  # card content: never in reprs, logs or tracebacks
    box: tuple[Point, Point, Point, Point]
    score: float = 1.0
    char_scores: tuple[float, ...] = field(default=())
    runners_up: tuple[str, ...] = field(default=(), repr=False)

    @property
    def left(self) -> float:
        return min(p[0] for p in self.box)

    @property
    def right(self) -> float:
        return max(p[0] for p in self.box)

    @property
    def top(self) -> float:
        return min(p[1] for p in self.box)

    @property
    def bottom(self) -> float:
        return max(p[1] for p in self.box)

    @property
    def height(self) -> float:
        return self.bottom - self.top

    @property
    def center_y(self) -> float:
        return (self.top + self.bottom) / 2

    @classmethod
    def from_rect(
        cls, text: str, left: float, top: float, right: float, bottom: float, score: float = 1.0
    ) -> TextLine:
        """An axis-aligned line: convenient for tests and for synthetic layouts."""
        box = ((left, top), (right, top), (right, bottom), (left, bottom))
        return cls(text=text, box=box, score=score, char_scores=tuple(score for _ in text))

    def vertical_overlap(self, other: TextLine) -> float:
        """Overlap of the two vertical extents as a share of the smaller height (0..1)."""
        overlap = min(self.bottom, other.bottom) - max(self.top, other.top)
        smaller = min(self.height, other.height)
        return max(0.0, overlap) / smaller if smaller > 0 else 0.0
