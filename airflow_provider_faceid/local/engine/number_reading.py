"""Read the 18-character citizen number out of OCR text, repairing one confusable character.

The GB 11643 check character catches any single wrong character, so when the reading is invalid
we try substitutions at the least confident positions (the recogniser's runner-up first, then the
usual look-alikes) and keep a repair only when exactly one plausible candidate is valid.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from airflow_provider_faceid import idnumber
from airflow_provider_faceid.local.engine.textline import TextLine

NUMBER_LENGTH = 18
# Letters the recogniser reads for digits in an OCR-B number line.
_AS_DIGIT = str.maketrans(
    {"O": "0", "o": "0", "D": "0", "Q": "0", "I": "1", "l": "1", "|": "1", "i": "1", "Z": "2",
     "z": "2", "B": "8", "S": "5", "s": "5", "G": "6", "b": "6", "g": "9", "q": "9", "x": "X",
     "×": "X"}
)  # fmt: skip
# Digits that look alike in OCR-B under blur / low resolution; tried in this order.
_LOOKALIKES: dict[str, str] = {
    "0": "8689",
    "1": "74",
    "2": "7",
    "3": "85",
    "4": "1",
    "5": "63",
    "6": "850",
    "7": "12",
    "8": "3690",
    "9": "80",
    "X": "1",
}
# Only characters read with less confidence than this are repair candidates: a confidently read
# digit is right far more often than a coincidentally valid substitution (1 in 11).
_REPAIRABLE_BELOW = 0.9


def digits_for_letters(text: str) -> str:
    """``text`` with the letters the recogniser reads for OCR-B digits replaced by those digits."""
    return text.translate(_AS_DIGIT)


@dataclass(frozen=True)
class NumberReading:
    """An 18-character candidate with the confidence of each character."""

    text: str = field(repr=False)  # card content: never in reprs, logs or tracebacks
    char_scores: tuple[float, ...]
    runners_up: tuple[str, ...] = field(repr=False)

    @property
    def valid(self) -> bool:
        return idnumber.is_valid(self.text)


def candidates_in(line: TextLine) -> list[NumberReading]:
    """Every 18-character run of digits/X in ``line`` after look-alike letters become digits."""
    chars: list[str] = []
    scores: list[float] = []
    runners: list[str] = []
    for index, raw in enumerate(line.text):
        char = raw.translate(_AS_DIGIT)
        if not (char.isdigit() and char.isascii()) and char != "X":
            continue
        chars.append(char)
        scores.append(line.char_scores[index] if index < len(line.char_scores) else line.score)
        runner = line.runners_up[index] if index < len(line.runners_up) else ""
        runners.append(runner.translate(_AS_DIGIT))
    text = "".join(chars)
    return [
        NumberReading(
            text=text[i : i + NUMBER_LENGTH],
            char_scores=tuple(scores[i : i + NUMBER_LENGTH]),
            runners_up=tuple(runners[i : i + NUMBER_LENGTH]),
        )
        for i in range(0, max(0, len(text) - NUMBER_LENGTH) + 1)
        if len(text) >= NUMBER_LENGTH
    ]


def repaired(reading: NumberReading) -> NumberReading | None:
    """The single valid one-character repair of ``reading``, or None when none or several."""
    fixes: set[str] = set()
    for position in sorted(range(NUMBER_LENGTH), key=lambda i: reading.char_scores[i]):
        if reading.char_scores[position] >= _REPAIRABLE_BELOW:
            break
        for substitute in _substitutes(reading, position):
            candidate = reading.text[:position] + substitute + reading.text[position + 1 :]
            if idnumber.is_valid(candidate) and idnumber.birthday_of(candidate) is not None:
                fixes.add(candidate)
    if len(fixes) != 1:
        return None
    fixed = fixes.pop()
    return NumberReading(text=fixed, char_scores=reading.char_scores, runners_up=reading.runners_up)


def _substitutes(reading: NumberReading, position: int) -> list[str]:
    current = reading.text[position]
    options: list[str] = []
    runner = reading.runners_up[position] if position < len(reading.runners_up) else ""
    if runner and runner != current:
        options.append(runner)
    if position == NUMBER_LENGTH - 1:
        # The check character is whatever the first 17 imply; any confusion there is repairable.
        options.extend("0123456789X")
    else:
        options.extend(_LOOKALIKES.get(current, ""))
    return [o for o in dict.fromkeys(options) if o != current and (o.isdigit() or o == "X")]


def best_number(lines: list[TextLine]) -> NumberReading | None:
    """The most trustworthy number among ``lines``: valid as read, else uniquely repaired, else
    the most confident 18-character reading (returned as read, the check failing)."""
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
