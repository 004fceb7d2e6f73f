"""Read the citizen number out of OCR text as printed, repairing only what the recogniser doubted.

The engine reports what the card prints, as the real API does: a number whose check character is
wrong, or that has 17 or 19 characters, comes back as read so that validation downstream flags it
(``number_check = 0`` is how a misprinted or forged card gets caught). The one exception: a
character the recogniser itself was unsure of may be replaced by its own runner-up when that gives
the only valid reading. Anything else unsure comes back as ``*``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from airflow_provider_faceid import idnumber
from airflow_provider_faceid.local.engine.reading import REPAIRABLE_BELOW, UNSURE_BELOW
from airflow_provider_faceid.local.engine.textline import TextLine

NUMBER_LENGTH = 18
# Letters the recogniser reads for digits in an OCR-B number line.
_AS_DIGIT = str.maketrans(
    {"O": "0", "o": "0", "D": "0", "Q": "0", "I": "1", "l": "1", "|": "1", "i": "1", "Z": "2",
     "z": "2", "B": "8", "S": "5", "s": "5", "G": "6", "b": "6", "g": "9", "q": "9", "x": "X",
     "×": "X"}
)  # fmt: skip
# A printed run this long is a number even when it is not 18 characters: first-generation cards
# print 15, misprints and forgeries 17 or 19. Date ranges never qualify: their digits are cut by
# dots and dashes.
_PRINTED_RUN = re.compile(r"[0-9X]{15,}")


def digits_for_letters(text: str) -> str:
    """``text`` with the letters the recogniser reads for OCR-B digits replaced by those digits."""
    return text.translate(_AS_DIGIT)


@dataclass(frozen=True)
class NumberReading:
    """A number as read (usually 18 characters) with the confidence of each character."""

    text: str = field(repr=False)  # card content: never in reprs, logs or tracebacks
    char_scores: tuple[float, ...]
    runners_up: tuple[str, ...] = field(repr=False)

    @property
    def valid(self) -> bool:
        return idnumber.is_valid(self.text)


def candidates_in(line: TextLine) -> list[NumberReading]:
    """The number-like readings of ``line``, as read: each run of 15-20 digits/X (look-alike
    letters taken as digits), or the line's digits when there are exactly 18 of them."""
    chars: list[str] = []
    scores: list[float] = []
    runners: list[str] = []
    for index, raw in enumerate(line.text):
        char = raw.translate(_AS_DIGIT)
        if not (char.isdigit() and char.isascii()) and char != "X":
            chars.append(" ")  # keeps contiguity visible to _PRINTED_RUN
            scores.append(0.0)
            runners.append("")
            continue
        chars.append(char)
        scores.append(line.char_scores[index] if index < len(line.char_scores) else line.score)
        runner = line.runners_up[index] if index < len(line.runners_up) else ""
        runners.append(runner.translate(_AS_DIGIT))
    stream = "".join(chars)
    runs = [list(range(m.start(), m.end())) for m in _PRINTED_RUN.finditer(stream)]
    if not runs:
        # A space or a stray mark read inside the number splits it; 18 digits in all still are one.
        kept = [i for i, c in enumerate(stream) if c != " "]
        runs = [kept] if len(kept) == NUMBER_LENGTH else []
    return [_reading(run, stream, scores, runners) for run in runs]


def _reading(positions: list[int], stream: str, scores: list[float], runners: list[str]) -> NumberReading:
    return NumberReading(
        text="".join(stream[i] for i in positions),
        char_scores=tuple(scores[i] for i in positions),
        runners_up=tuple(runners[i] for i in positions),
    )


def repaired(reading: NumberReading) -> NumberReading | None:
    """The single valid reading that replaces unsure characters of ``reading`` by the recogniser's
    own runner-ups (one at a time), or None when there is none or more than one. A reading one
    character too long is repaired only by leaving out an edge character it could not read."""
    if len(reading.text) == NUMBER_LENGTH + 1:
        return _without_phantom_edge(reading)
    if len(reading.text) != NUMBER_LENGTH:
        return None
    fixes: set[str] = set()
    for position, score in enumerate(reading.char_scores):
        runner = reading.runners_up[position] if position < len(reading.runners_up) else ""
        if score >= REPAIRABLE_BELOW or not runner or runner == reading.text[position]:
            continue
        if not (runner.isdigit() or runner == "X"):
            continue
        candidate = reading.text[:position] + runner + reading.text[position + 1 :]
        if idnumber.is_valid(candidate) and idnumber.birthday_of(candidate) is not None:
            fixes.add(candidate)
    if len(fixes) != 1:
        return None
    return NumberReading(text=fixes.pop(), char_scores=reading.char_scores, runners_up=reading.runners_up)


def _without_phantom_edge(reading: NumberReading) -> NumberReading | None:
    """The valid 18 characters left when the one edge character scored unreadable (under
    ``UNSURE_BELOW``) goes: the label's 码 read as a digit at 0.26 into the number's box
    (号415252719810720095X). A 19th character printed is read surely and stays, as read."""
    kept = [
        (start, start + NUMBER_LENGTH)
        for start, edge in ((1, 0), (0, NUMBER_LENGTH))
        if reading.char_scores[edge] < UNSURE_BELOW
    ]
    fixes = [
        NumberReading(reading.text[a:b], reading.char_scores[a:b], reading.runners_up[a:b])
        for a, b in kept
        if idnumber.is_valid(reading.text[a:b]) and idnumber.birthday_of(reading.text[a:b]) is not None
    ]
    return fixes[0] if len(fixes) == 1 else None


def best_number(lines: list[TextLine]) -> NumberReading | None:
    """The most trustworthy number among ``lines``: valid as read, else uniquely repaired from
    the recogniser's runner-ups, else the most confident reading as read (the check failing)."""
    readings = [reading for line in lines for reading in candidates_in(line)]
    if not readings:
        return None
    valid = [r for r in readings if r.valid]
    if valid:
        return max(valid, key=_confidence)
    fixes = [fix for fix in (repaired(r) for r in readings) if fix is not None]
    if fixes:
        return max(fixes, key=_confidence)
    return max(readings, key=_confidence)


def _confidence(reading: NumberReading) -> float:
    return min(reading.char_scores) if reading.char_scores else 0.0
