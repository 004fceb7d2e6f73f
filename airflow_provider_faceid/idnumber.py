"""GB 11643-1999 citizen identity numbers: check digit, embedded birthday and gender, masking.

Pure functions shared by the validators, the specimen generator and faceid-local's parser, so
that every part of the project agrees on what a valid number is.
"""

from __future__ import annotations

import datetime as dt
import re

# ISO 7064 MOD 11-2 weights for the first 17 digits: 2**(18-i) mod 11.
_WEIGHTS = tuple(pow(2, 17 - i, 11) for i in range(17))
_CHECK_CHARS = "10X98765432"
_SHAPE = re.compile(r"\A[0-9]{17}[0-9X]\Z")


def check_char(first17: str) -> str:
    """Return the GB 11643 check character (``0``-``9`` or ``X``) for the first 17 digits."""
    if len(first17) != 17 or not (first17.isascii() and first17.isdigit()):
        raise ValueError("the check character needs exactly 17 ASCII digits")
    total = sum(int(d) * w for d, w in zip(first17, _WEIGHTS, strict=True))
    return _CHECK_CHARS[total % 11]


def normalize(number: str) -> str:
    """Upper-case the check character and drop surrounding white space (``x`` is common in OCR output)."""
    return number.strip().upper()


def has_valid_shape(number: str) -> bool:
    """True for 17 ASCII digits followed by a digit or ``X``."""
    return bool(_SHAPE.match(number))


def is_valid(number: str) -> bool:
    """True when ``number`` is 18 characters with a correct GB 11643 check character."""
    number = normalize(number)
    return has_valid_shape(number) and check_char(number[:17]) == number[17]


def birthday_of(number: str) -> dt.date | None:
    """The birthday encoded in digits 7-14, or ``None`` when they do not form a real date."""
    digits = normalize(number)[6:14]
    if len(digits) != 8 or not (digits.isascii() and digits.isdigit()):
        return None
    try:
        return dt.date(int(digits[:4]), int(digits[4:6]), int(digits[6:8]))
    except ValueError:
        return None


def gender_of(number: str) -> str | None:
    """``男`` or ``女`` from digit 17 (odd = male), or ``None`` when it is not a digit."""
    digit = normalize(number)[16:17]
    if not (digit.isascii() and digit.isdigit()):
        return None
    return "男" if int(digit) % 2 else "女"


def region_code_of(number: str) -> str | None:
    """The six-digit administrative division code (GB/T 2260) that opens the number."""
    code = normalize(number)[:6]
    return code if len(code) == 6 and code.isascii() and code.isdigit() else None


def mask(number: str | None) -> str:
    """A form safe for logs: the first 3 and last 2 characters, the rest as ``*``."""
    if not number:
        return ""
    if len(number) <= 5:
        return "*" * len(number)
    return number[:3] + "*" * (len(number) - 5) + number[-2:]
