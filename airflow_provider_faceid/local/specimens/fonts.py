"""Finds and caches the fonts the specimen generator renders ID cards with.

The fonts come from Debian packages (``scripts/setup.sh`` installs them): Noto Sans CJK SC for
the 黑体-like labels and titles, Noto Serif CJK SC (or AR PL SungtiL GB) for the 宋体-like values,
and OCR-B for the ID number, as printed on the real card. Known Debian paths are tried first, then
``fc-list``; a face is only accepted when FreeType reports the family we asked for, because the
Noto ``.ttc`` collections hold the JP/KR/SC/TC faces at different indexes.
"""

from __future__ import annotations

import functools
import shutil
import subprocess
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from enum import Enum
from pathlib import Path

from PIL import ImageFont

FONT_PACKAGES = ("fonts-noto-cjk", "fonts-arphic-gbsn00lp", "fonts-ocr-b")


class FontRole(Enum):
    LABEL = "label"
    TITLE = "title"
    VALUE = "value"
    NUMBER = "number"


class SpecimenFontError(RuntimeError):
    """A font the specimen generator needs is not installed."""


@dataclass(frozen=True)
class _Candidate:
    family: str
    path: str  # the Debian location; fc-list is asked when it is missing
    index: int


_NOTO = "/usr/share/fonts/opentype/noto"
_CANDIDATES: dict[FontRole, tuple[_Candidate, ...]] = {
    FontRole.LABEL: (_Candidate("Noto Sans CJK SC", f"{_NOTO}/NotoSansCJK-Regular.ttc", 2),),
    FontRole.TITLE: (
        _Candidate("Noto Sans CJK SC", f"{_NOTO}/NotoSansCJK-Bold.ttc", 2),
        _Candidate("Noto Sans CJK SC", f"{_NOTO}/NotoSansCJK-Regular.ttc", 2),
    ),
    FontRole.VALUE: (
        _Candidate("Noto Serif CJK SC", f"{_NOTO}/NotoSerifCJK-Regular.ttc", 2),
        _Candidate("AR PL SungtiL GB", "/usr/share/fonts/truetype/arphic-gbsn00lp/gbsn00lp.ttf", 0),
    ),
    FontRole.NUMBER: (_Candidate("OCR B", "/usr/share/fonts/opentype/ocr-b/OCRB.otf", 0),),
}


def family_of(path: str, index: int) -> str | None:
    """The family name of face ``index`` of a font file, None when it cannot be opened."""
    try:
        return ImageFont.truetype(path, size=12, index=index).getname()[0]
    except OSError:
        return None


@functools.cache
def _fc_list() -> tuple[tuple[str, int, str, str], ...]:
    """(file, index, family, style) of every installed face, or nothing without fontconfig."""
    binary = shutil.which("fc-list")
    if binary is None:
        return ()
    out = subprocess.run(
        [binary, "-f", "%{file}|%{index}|%{family[0]}|%{style[0]}\n"],
        capture_output=True,
        text=True,
        check=False,
        timeout=30,
    ).stdout
    faces = []
    for line in out.splitlines():
        parts = line.split("|")
        if len(parts) == 4 and parts[1].isdigit():
            faces.append((parts[0], int(parts[1]), parts[2], parts[3]))
    return tuple(faces)


def _locate(candidate: _Candidate, *, bold: bool) -> tuple[str, int] | None:
    if Path(candidate.path).is_file() and family_of(candidate.path, candidate.index) == candidate.family:
        return candidate.path, candidate.index
    for file, index, family, style in _fc_list():
        wanted_style = family == candidate.family and ("Bold" in style) == bold and "Oblique" not in style
        if wanted_style and family_of(file, index) == candidate.family:
            return file, index
    return None


@functools.cache
def font_file(role: FontRole) -> tuple[str, int]:
    """(path, face index) of the font used for ``role``; raises SpecimenFontError when none is found."""
    for candidate in _CANDIDATES[role]:
        found = _locate(candidate, bold="Bold" in candidate.path)
        if found is not None:
            return found
    wanted = " or ".join(c.family for c in _CANDIDATES[role])
    raise SpecimenFontError(
        f"no font for the specimen {role.value}s: {wanted} is not installed; install the Debian "
        f"packages {' '.join(FONT_PACKAGES)} (scripts/setup.sh does it)"
    )


@functools.cache
def font(role: FontRole, size: int) -> ImageFont.FreeTypeFont:
    """The font for ``role`` at ``size`` pixels, loaded once per process."""
    path, index = font_file(role)
    return ImageFont.truetype(path, size=size, index=index)


def families(role: FontRole) -> tuple[str, ...]:
    """The families tried for ``role``, in order of preference."""
    return tuple(dict.fromkeys(c.family for c in _CANDIDATES[role]))


@contextmanager
def preferring(role: FontRole, family: str) -> Iterator[None]:
    """Render ``role`` with ``family`` only, inside the block (to compare fonts; not thread-safe)."""
    original = _CANDIDATES[role]
    chosen = tuple(c for c in original if c.family == family)
    if not chosen:
        raise ValueError(f"{family!r} is not a {role.value} font; known: {', '.join(families(role))}")
    _CANDIDATES[role] = chosen
    font_file.cache_clear()
    font.cache_clear()
    try:
        yield
    finally:
        _CANDIDATES[role] = original
        font_file.cache_clear()
        font.cache_clear()
