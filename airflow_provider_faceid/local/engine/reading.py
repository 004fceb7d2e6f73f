"""A field's text as the recogniser read it: characters with confidences and runner-ups.

Fields that span several boxes (an address over three lines) are joined into one reading so
that lexicon checks and ``*`` masking see the whole value.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field

from airflow_provider_faceid.local.engine.textline import TextLine

# Per-character confidence under which the answer shows ``*``, as the real API does for
# characters it is unsure of. On the tuning specimens (seeds 1000-1002) wrong characters scored
# mostly below 0.5 and right ones above 0.8.
UNSURE_BELOW = 0.5
# Only a character the recogniser scored below this may be replaced by its own runner-up (a
# number's digit, a surname, a place name, a group name, a gender): a confident reading is what
# the card prints, even when it breaks a rule.
REPAIRABLE_BELOW = 0.75
# A character read at this score or above is read surely: print scores 0.95 and more, and one of a
# mark's look-alikes read under it may be the mark's (a place's 木 of 佳木斯 read surely stays print).
SURE_FROM = 0.9
_EDGE_NOISE = frozenset("·.-")
# Strokes the recogniser reads out of the gap between a label and its value ("姓名一周鹏彬", the
# 一 at 0.05): dropped at either end, but only when unsure, since 一 starts real values (一组).
_UNSURE_EDGE_STROKES = frozenset("一丨|_—~")
# Of those, the ones no address or authority prints anywhere in it.
_STRAY_STROKES = frozenset("丨|_~")
# Signs no address or authority prints, that strokes are read as with some doubt (门 as 门]).
_STRAY_BRACKETS = frozenset("[]【】")
# Confidence given to a character that a lexicon entry confirms: sure, but below a clean read.
CONFIRMED = 0.95


@dataclass(frozen=True)
class Reading:
    text: str = field(repr=False)  # card content: never in reprs, logs or tracebacks
    scores: tuple[float, ...]
    runners_up: tuple[str, ...] = field(repr=False)

    @property
    def mean_score(self) -> float:
        return sum(self.scores) / len(self.scores) if self.scores else 0.0

    @property
    def min_score(self) -> float:
        return min(self.scores, default=0.0)

    @classmethod
    def of(cls, lines: Iterable[TextLine]) -> Reading:
        text, scores, runners = "", [], []
        for line in lines:
            text += line.text
            scores += [
                line.char_scores[i] if i < len(line.char_scores) else line.score
                for i in range(len(line.text))
            ]
            runners += [line.runners_up[i] if i < len(line.runners_up) else "" for i in range(len(line.text))]
        return cls(text, tuple(scores), tuple(runners)).trimmed()

    def replaced(self, start: int, word: str) -> Reading:
        """``word`` written over the characters from ``start``, marked as confirmed."""
        end = start + len(word)
        scores = tuple(
            max(score, CONFIRMED) if start <= i < end else score for i, score in enumerate(self.scores)
        )
        return Reading(self.text[:start] + word + self.text[end:], scores, self.runners_up)

    def inserted(self, index: int, char: str) -> Reading:
        """With ``char``, which the recogniser lost, put back before ``index``, marked as confirmed."""
        return Reading(
            self.text[:index] + char + self.text[index:],
            (*self.scores[:index], CONFIRMED, *self.scores[index:]),
            (*self.runners_up[:index], "", *self.runners_up[index:]),
        )

    def dropped(self, index: int) -> Reading:
        """Without the character at ``index``."""
        return Reading(
            self.text[:index] + self.text[index + 1 :],
            self.scores[:index] + self.scores[index + 1 :],
            self.runners_up[:index] + self.runners_up[index + 1 :],
        )

    def with_units_after_digits(self, units: frozenset[str]) -> Reading:
        """With each character after a digit that is none of ``units`` but has one for its
        runner-up, read under ``REPAIRABLE_BELOW``, taken as that runner-up (12卷91号, 卷 at 0.54,
        runner-up 巷: what follows a number in an address counts it)."""
        text = list(self.text)
        for index in range(1, len(text)):
            runner = self.runners_up[index]
            if (
                text[index - 1].isdigit()
                and text[index] not in units
                and runner in units
                and self.scores[index] < REPAIRABLE_BELOW
            ):
                text[index] = runner
        return Reading("".join(text), self.scores, self.runners_up)

    def trimmed(self) -> Reading:
        """Without the separators the recogniser reads between a label and its value ("·", ".",
        "-" at either end); inside a value they stay (阿依·买买提, 3-2号)."""
        start, end = 0, len(self.text)
        while start < end and self._edge_noise(start):
            start += 1
        while end > start and self._edge_noise(end - 1):
            end -= 1
        return Reading(self.text[start:end], self.scores[start:end], self.runners_up[start:end])

    def without_stray_strokes(self) -> Reading:
        """Without unsure bars inside the text (门|2708号: a mark's edge or a box's border read
        between two characters at 0.47): a place's print holds none. 一 stays (一组). Nor an
        unsure square bracket (门]2304号, ] at 0.64-0.72: 门's own right stroke read again, or a
        mark's): no address or authority prints one."""
        kept = [i for i in range(len(self.text)) if not self._stray(i)]
        if len(kept) == len(self.text):
            return self
        return Reading(
            "".join(self.text[i] for i in kept),
            tuple(self.scores[i] for i in kept),
            tuple(self.runners_up[i] for i in kept),
        )

    def _stray(self, index: int) -> bool:
        char, score = self.text[index], self.scores[index]
        if char in _STRAY_STROKES and score < UNSURE_BELOW:
            return True
        return char in _STRAY_BRACKETS and score < REPAIRABLE_BELOW

    def _edge_noise(self, index: int) -> bool:
        char = self.text[index]
        return char in _EDGE_NOISE or (char in _UNSURE_EDGE_STROKES and self.scores[index] < UNSURE_BELOW)

    def starred(self) -> str:
        """The text with every unsure character shown as ``*``."""
        return "".join(c if s >= UNSURE_BELOW else "*" for c, s in zip(self.text, self.scores, strict=True))


def one_apart(text: str, word: str) -> Iterator[tuple[int, int]]:
    """(start, offset) of every stretch of ``text`` that spells ``word`` but for the one
    character at ``offset``: the caller judges that character (unsure, or its runner-up)."""
    for start in range(len(text) - len(word) + 1):
        differing = [i for i, want in enumerate(word) if text[start + i] != want]
        if len(differing) == 1:
            yield start, differing[0]


def reads_as(line: TextLine, index: int, char: str) -> bool:
    """Whether ``line`` reads ``char`` at ``index``: as its first choice, or as the runner-up of a
    character the recogniser scored under ``REPAIRABLE_BELOW``."""
    if line.text[index] == char:
        return True
    unsure = index < len(line.char_scores) and line.char_scores[index] < REPAIRABLE_BELOW
    return unsure and index < len(line.runners_up) and line.runners_up[index] == char


def vocabulary_reading(reading: Reading, vocabulary: frozenset[str], *, unsure_below: float) -> str | None:
    """The one word of ``vocabulary`` that ``reading`` spells, letting a character the recogniser
    scored under ``unsure_below`` stand for its own runner-up (邁 at 0.72, runner-up 达: 达斡尔).
    None when no word or several fit: nothing outside the recogniser's two choices is used."""
    if reading.text in vocabulary:
        return reading.text
    fits = [
        word
        for word in vocabulary
        if len(word) == len(reading.text)
        and all(
            want == got or (score < unsure_below and runner == want)
            for want, got, score, runner in zip(
                word, reading.text, reading.scores, reading.runners_up, strict=True
            )
        )
    ]
    return fits[0] if len(fits) == 1 else None
