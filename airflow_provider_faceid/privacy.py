"""Masks for card contents that may reach logs, reprs, exceptions and task summaries.

A mask keeps just enough to tell records apart when debugging (a surname, the district of an
address, the ends of a number) and never the whole value. Lengths are not preserved for names and
addresses, so a mask does not leak how long the hidden part is.
"""

from __future__ import annotations

from airflow_provider_faceid.idnumber import mask as mask_number

__all__ = ["mask_address", "mask_name", "mask_number"]

_HIDDEN = "**"
_ADDRESS_KEEP = 6  # about "province + city" or "city + district": never a street or a house number


def mask_name(name: str | None) -> str:
    """The first character and ``**``: ``张**`` for 张三, ``**`` for a one-character name."""
    if not name:
        return ""
    name = name.strip()
    if len(name) <= 1:
        return _HIDDEN
    return name[0] + _HIDDEN


def mask_address(address: str | None) -> str:
    """The leading division names (at most 6 characters, at most a third of it) and ``**``."""
    if not address:
        return ""
    address = address.strip()
    keep = min(_ADDRESS_KEEP, len(address) // 3)
    return address[:keep] + _HIDDEN
