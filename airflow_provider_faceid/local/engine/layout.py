"""The recognised lines of one card side, cut at their labels, with row geometry helpers."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from airflow_provider_faceid.local.engine import labels as lb
from airflow_provider_faceid.local.engine import place_names
from airflow_provider_faceid.local.engine.labels import Segment
from airflow_provider_faceid.local.engine.reading import Reading
from airflow_provider_faceid.local.engine.textline import TextLine
from airflow_provider_faceid.local.engine.textnorm import normalize

# A value box belongs to a label's row when their vertical extents overlap by this share of the
# smaller height; card rows are about 1.5 line heights apart, so half a height is unambiguous.
SAME_ROW = 0.5
# A box this many times as tall as one it lies over by this share of the narrower's width is
# another row's (see _stacked).
_TALLER = 1.5
_STACKED_OVERLAP = 0.5
# A horizontal gap this many line heights wide ends a value (see contiguous).
_WIDE_GAP = 2.5
# What an address prints right after a number: the unit it counts (号, 栋, 单元, 室, 巷 ...).
NUMBERED_UNITS = frozenset("号室组队户楼栋幢弄院巷层单排座门街路条段区期")


@dataclass(frozen=True)
class CardLayout:
    """The recognised lines of one side, cut at their labels, with label anchors."""

    segments: list[Segment]

    @classmethod
    def of(cls, lines: Iterable[TextLine], labels: tuple[str, ...]) -> CardLayout:
        segments: list[Segment] = []
        for line in lines:
            text = normalize(line.text)
            if not text:
                continue
            clean = _renormalized(line, text)
            segments.extend(s for s in lb.split_labels(clean, labels) if s.text)
        return cls(segments)

    def anchor(self, label: str) -> TextLine | None:
        hits = [s.line for s in self.segments if s.label == label]
        return min(hits, key=lambda line: line.left) if hits else None

    @property
    def values(self) -> list[TextLine]:
        return [s.line for s in self.segments if s.label is None]

    def right_of(self, anchor: TextLine, *, stop_before: TextLine | None = None) -> list[TextLine]:
        """Value boxes on the anchor's row, right of it (and left of ``stop_before``), in x order."""
        found = [
            v
            for v in self.values
            if v.vertical_overlap(anchor) >= SAME_ROW
            and v.left >= anchor.left + anchor.height * 0.5
            and (stop_before is None or v.right <= stop_before.left + stop_before.height * 0.5)
        ]
        return contiguous(sorted(found, key=lambda v: v.left))


def contiguous(row: list[TextLine]) -> list[TextLine]:
    """The boxes of one row (in x order) up to the first wide gap: a value's boxes follow each
    other closely, and what lies further right on the same row is the portrait's print (a
    watermark, a stamp), not more of the value."""
    kept = row[:1]
    for box in row[1:]:
        if box.left - kept[-1].right > _WIDE_GAP * min(box.height, kept[-1].height):
            break
        kept.append(box)
    return kept


def _renormalized(line: TextLine, text: str) -> TextLine:
    """``line`` with normalised text; scores follow when the length is unchanged (the usual case:
    normalisation maps one character to one, and only drops spaces)."""
    if len(text) == len(line.text):
        return TextLine(text, line.box, line.score, line.char_scores, line.runners_up)
    kept = [i for i, c in enumerate(line.text) if normalize(c)]
    if len(kept) == len(text):
        scores = tuple(line.char_scores[i] for i in kept if i < len(line.char_scores))
        runners = tuple(normalize(line.runners_up[i]) for i in kept if i < len(line.runners_up))
        return TextLine(text, line.box, line.score, scores, runners)
    return TextLine(text, line.box, line.score, tuple(line.score for _ in text), ())


def rows(lines: list[TextLine]) -> list[list[TextLine]]:
    """Group boxes into rows top to bottom, each row left to right up to its first wide gap."""
    return [contiguous(row) for row in whole_rows(lines)]


def whole_rows(lines: list[TextLine]) -> list[list[TextLine]]:
    """Group boxes into rows top to bottom, each row left to right, gaps and all (性别 and 民族
    share a row with a wide gap between them)."""
    grouped: list[list[TextLine]] = []
    for line in sorted(lines, key=lambda v: v.center_y):
        if grouped and line.vertical_overlap(grouped[-1][0]) >= SAME_ROW and not _stacked(line, grouped[-1]):
            grouped[-1].append(line)
        else:
            grouped.append([line])
    return [sorted(row, key=lambda v: v.left) for row in grouped]


def _stacked(line: TextLine, row: list[TextLine]) -> bool:
    """Whether ``line`` lies over or under a box of ``row`` rather than beside it, one of the two
    much the taller: what a mark's big box held beside the mark (样本05室) reaches over the row
    above its own, under that row's first characters, and belongs to a row of its own."""
    for member in row:
        short, tall = sorted((line, member), key=lambda box: box.height)
        if tall.height < _TALLER * short.height:
            continue
        overlap = min(line.right, member.right) - max(line.left, member.left)
        if overlap > _STACKED_OVERLAP * min(line.right - line.left, member.right - member.left):
            return True
    return False


def joined_text(lines: list[TextLine]) -> str:
    return Reading.of(lines).starred()


def place_text(lines: list[TextLine]) -> str | None:
    """Address or authority text: place names checked against GB/T 2260, what follows a number
    read as a unit where the recogniser was unsure, unsure chars starred."""
    reading = Reading.of(lines).without_stray_strokes().with_units_after_digits(NUMBERED_UNITS)
    return place_names.checked(reading).starred() or None
