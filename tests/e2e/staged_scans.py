"""Staging many distinct scans cheaply for end-to-end runs.

The operator dedupes identical bytes by sha256, so load needs distinct files; OCR per distinct
picture is what costs. A JPEG COM (comment) segment inserted after SOI changes the bytes and not the
pixels: faceid-local's replay cache, keyed on decoded pixels as well as bytes, answers such copies
without running the OCR engine again.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from pathlib import Path

from airflow_provider_faceid.local.specimens.generate import with_jpeg_comment as with_comment


def stage_copies(bases: Sequence[bytes], *, count: int, folder: Path, tag: str) -> dict[Path, str]:
    """Write ``count`` distinct JPEGs into ``folder``, cycling through ``bases``; return path -> sha256.

    ``tag`` goes into every comment so copies staged for different folders differ too.
    """
    folder.mkdir(parents=True, exist_ok=True)
    staged: dict[Path, str] = {}
    for index in range(count):
        data = with_comment(bases[index % len(bases)], f"e2e copy {tag} {index:06d}".encode())
        path = folder / f"scan-{index:04d}.jpg"
        path.write_bytes(data)
        staged[path] = hashlib.sha256(data).hexdigest()
    return staged
