"""faceid-local's OCR engine: card views, recognition, field parsing and legality cues.

``CardReader`` (and the decoding helpers) stay importable from here, where users import them.
"""

from airflow_provider_faceid.local.engine.card_reader import (
    CardReader,
    ImageUnreadableError,
    decode_bgr,
    head_rect,
)

__all__ = ["CardReader", "ImageUnreadableError", "decode_bgr", "head_rect"]
