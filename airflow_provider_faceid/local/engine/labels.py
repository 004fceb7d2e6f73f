"""The printed labels of both card sides, and splitting them off the values they touch.

The detector often returns a label and its value as one box ("姓名张三", "性别男民族汉"). The parser
needs them apart, with a box each, so label anchors and value geometry stay usable.
"""

from __future__ import annotations

from dataclasses import dataclass

from airflow_provider_faceid.local.engine.reading import UNSURE_BELOW
from airflow_provider_faceid.local.engine.surnames import starts_with_surname
from airflow_provider_faceid.local.engine.textline import Point, TextLine

NAME = "姓名"
GENDER = "性别"
RACE = "民族"
BIRTH = "出生"
ADDRESS = "住址"
NUMBER = "公民身份号码"
ISSUER = "签发机关"
VALIDITY = "有效期限"

FRONT_LABELS = (NAME, GENDER, RACE, BIRTH, ADDRESS, NUMBER)
BACK_LABELS = (ISSUER, VALIDITY)
# The title printed on the back; its words are evidence for the side, never a value.
BACK_TITLE_WORDS = ("中华人民共和国", "居民身份证", "临时居民身份证")

# Shortened forms the recogniser produces when a character of a long label is lost.
_VARIANTS: dict[str, tuple[str, ...]] = {
    NUMBER: (NUMBER, "公民身份号", "身份号码", "公民身份"),
    VALIDITY: (VALIDITY, "有效期"),
    ISSUER: (ISSUER, "签发机"),
    # 住 of 住址 and 姓 of 姓名 are lost often; 址 starts no address and 名 no name (it is no
    # surname), so at the start of a box they are the label.
    ADDRESS: (ADDRESS, "址"),
    NAME: (NAME, "名"),
}
# Labels that can follow a value inside one box: 民族 after "性别男"; the long back labels are
# unambiguous anywhere. Two-character labels elsewhere only count at the start of a box, since
# values (addresses) may contain them.
_MATCH_ANYWHERE = frozenset({RACE, NUMBER, ISSUER, VALIDITY})


# A name has two characters at least.
SHORTEST_NAME = 2

# Labels this long may have one unsure character that matches anything (see _matches_at).
_WILDCARD_FROM = 4


@dataclass(frozen=True)
class LabelHit:
    label: str
    start: int
    end: int


def _char_matches(line: TextLine, index: int, wanted: str) -> bool:
    if line.text[index] == wanted:
        return True
    return index < len(line.runners_up) and line.runners_up[index] == wanted


def _matches_at(line: TextLine, start: int, form: str) -> bool:
    """``form`` at ``start``, each character read either as first or as second choice.

    At least half the characters must be first choices, so a run of runner-ups cannot turn an
    arbitrary value into a label, unless the label is long and every character matches. In a
    label of four or more characters, one character may be anything when the recogniser was
    unsure of it (small, light label print loses its first stroke often: 签 read as 南 at 0.07),
    or when it stands inside the label, even read surely (签发截天, 截 at 0.80 for 机): three
    characters of 签发机关 around it, two of them first choices, are still that label. At the
    label's ends a sure character may be the value's, the label shortened (有效期2005...).
    """
    if start + len(form) > len(line.text):
        return False
    exact = sum(line.text[start + i] == c for i, c in enumerate(form))
    misses = [i for i, c in enumerate(form) if not _char_matches(line, start + i, c)]
    long_form = len(form) >= _WILDCARD_FROM
    if not misses and exact and long_form:
        # Every character of a long label as first or second choice (图安机美, runner-ups 签发_关,
        # on a strongly compressed capture): no value is four characters' runner-ups of one.
        return True
    if exact * 2 < len(form):
        return False
    if not misses:
        return True
    if not long_form or len(misses) != 1:
        return False
    inside = 0 < misses[0] < len(form) - 1
    return inside or _unsure(line, start + misses[0])


def _unsure(line: TextLine, index: int) -> bool:
    return index < len(line.char_scores) and line.char_scores[index] < UNSURE_BELOW


def find_labels(line: TextLine, labels: tuple[str, ...]) -> list[LabelHit]:
    """Non-overlapping label occurrences in ``line``, left to right."""
    hits: list[LabelHit] = []
    position = 0
    start = _box_start(line)
    while position < len(line.text):
        hit = _label_at(line, position, labels, start)
        if hit is None:
            position += 1
            continue
        hits.append(hit)
        position = hit.end
    return hits


def _label_at(line: TextLine, position: int, labels: tuple[str, ...], start: int) -> LabelHit | None:
    """The label at ``position``; two-character labels only where the box's text starts (``start``)."""
    for label in labels:
        if position != start and label not in _MATCH_ANYWHERE:
            continue
        for form in _VARIANTS.get(label, (label,)):
            if _matches_at(line, position, form):
                return LabelHit(label=label, start=position, end=position + len(form))
        if label == NAME and position == 0 and _name_after_lone_xing(line.text):
            return LabelHit(label=label, start=0, end=1)
    return None


def _box_start(line: TextLine) -> int:
    """Where the box's text starts: after the Latin letters, digits or signs read unsure out of
    the edge of a box (``1名樊怡``: 1 at 0.43 where 姓 faded), which no label starts with."""
    start = 0
    while start < len(line.text) and line.text[start].isascii() and _unsure(line, start):
        start += 1
    # 姓 of 姓名 read as another character, unreadable (禁名林凯, 禁 at 0.17): 名 starts no name,
    # so the box starts with the label's 名.
    misread = start < len(line.text) - 1 and line.text[start] != NAME[0] and _unsure(line, start)
    if misread and line.text[start + 1] == NAME[1]:
        start += 1
    return start


def _name_after_lone_xing(text: str) -> bool:
    """Whether ``text`` is 姓 of 姓名 (its 名 lost) before a name: 姓 followed by a surname and at
    least one more character. 姓 is too rare a surname to have a surname for its given name's
    first character as well, so there the box starts with the label."""
    rest = text[1:]
    return text[:1] == NAME[0] and len(rest) >= SHORTEST_NAME and starts_with_surname(rest)


@dataclass(frozen=True)
class Segment:
    """A piece of a line: either a label (``label`` set) or a value run between labels."""

    line: TextLine
    label: str | None = None

    @property
    def text(self) -> str:
        return self.line.text


def split_labels(line: TextLine, labels: tuple[str, ...]) -> list[Segment]:
    """Cut ``line`` at the labels it contains; each piece gets its share of the box."""
    hits = find_labels(line, labels)
    if not hits:
        return [Segment(line)]
    cuts: list[tuple[int, int, str | None]] = []
    position = 0
    for hit in hits:
        if hit.start > position:
            cuts.append((position, hit.start, None))
        cuts.append((hit.start, hit.end, hit.label))
        position = hit.end
    if position < len(line.text):
        cuts.append((position, len(line.text), None))
    return [Segment(sub_line(line, start, end), label) for start, end, label in cuts]


def clipped_left(line: TextLine, x: float) -> TextLine | None:
    """The characters of ``line`` whose centres lie right of ``x`` (None when none do)."""
    widths = [_char_width(c) for c in line.text]
    total = sum(widths) or 1.0
    span = line.right - line.left
    start, edge = 0, 0.0
    for start, width in enumerate(widths):  # noqa: B007 - start is used after the loop
        if line.left + span * (edge + width / 2) / total >= x:
            break
        edge += width
    else:
        return None
    return line if start == 0 else sub_line(line, start, len(line.text))


def char_left(line: TextLine, index: int) -> float:
    """Where character ``index`` of ``line`` starts, by the same proportional widths."""
    widths = [_char_width(c) for c in line.text]
    return line.left + (line.right - line.left) * sum(widths[:index]) / (sum(widths) or 1.0)


def _char_width(char: str) -> float:
    # ASCII glyphs are about half as wide as ideographs in both the label and value fonts.
    return 0.5 if char.isascii() else 1.0


def sub_line(line: TextLine, start: int, end: int) -> TextLine:
    """Characters ``start:end`` of ``line`` with their proportional share of its box."""
    widths = [_char_width(c) for c in line.text]
    total = sum(widths) or 1.0
    begin_share = sum(widths[:start]) / total
    end_share = sum(widths[:end]) / total
    lt, rt, rb, lb = line.box
    box = (
        _lerp(lt, rt, begin_share),
        _lerp(lt, rt, end_share),
        _lerp(lb, rb, end_share),
        _lerp(lb, rb, begin_share),
    )
    return TextLine(
        text=line.text[start:end],
        box=box,
        score=line.score,
        char_scores=line.char_scores[start:end],
        runners_up=line.runners_up[start:end],
    )


def _lerp(a: Point, b: Point, share: float) -> Point:
    return (a[0] + (b[0] - a[0]) * share, a[1] + (b[1] - a[1]) * share)
