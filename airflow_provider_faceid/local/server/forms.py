"""Form decoding for faceid-local: a request body (at most 2 MB) into its named values."""

from __future__ import annotations

from urllib.parse import parse_qsl

from python_multipart.exceptions import FormParserError
from python_multipart.multipart import MultipartParser, parse_options_header


def parse_form(*, content_type: str, body: bytes) -> dict[str, bytes]:
    """Return the form's values by name (the first of repeated names wins).

    Never raises: a malformed or truncated multipart body yields the parts that were complete before
    the damage, so the caller answers MISSING_ARGUMENTS for whatever is absent instead of crashing.
    Anything but multipart/form-data and application/x-www-form-urlencoded yields no values.
    """
    media_type, params = parse_options_header(content_type)
    if media_type == b"multipart/form-data":
        boundary = params.get(b"boundary")
        return _parse_multipart(boundary, body) if boundary else {}
    if media_type == b"application/x-www-form-urlencoded":
        values: dict[str, bytes] = {}
        for name, value in parse_qsl(body.decode("latin-1"), keep_blank_values=True, encoding="utf-8"):
            values.setdefault(name, value.encode("utf-8"))
        return values
    return {}


class _Part:
    __slots__ = ("chunks", "header_field", "header_value", "name")

    def __init__(self) -> None:
        self.name: str | None = None
        self.chunks: list[bytes] = []
        self.header_field = b""
        self.header_value = b""


def _parse_multipart(boundary: bytes, body: bytes) -> dict[str, bytes]:
    values: dict[str, bytes] = {}
    part = _Part()

    def on_part_begin() -> None:
        nonlocal part
        part = _Part()

    def on_header_field(data: bytes, start: int, end: int) -> None:
        part.header_field += data[start:end]

    def on_header_value(data: bytes, start: int, end: int) -> None:
        part.header_value += data[start:end]

    def on_header_end() -> None:
        if part.header_field.strip().lower() == b"content-disposition":
            name = parse_options_header(part.header_value)[1].get(b"name")
            if name is not None:
                part.name = name.decode("utf-8", "replace")
        part.header_field = part.header_value = b""

    def on_part_data(data: bytes, start: int, end: int) -> None:
        part.chunks.append(data[start:end])

    def on_part_end() -> None:
        # Only parts closed by a boundary count: a truncated last part is not a value.
        if part.name is not None:
            values.setdefault(part.name, b"".join(part.chunks))

    parser = MultipartParser(
        boundary,
        callbacks={
            "on_part_begin": on_part_begin,
            "on_header_field": on_header_field,
            "on_header_value": on_header_value,
            "on_header_end": on_header_end,
            "on_part_data": on_part_data,
            "on_part_end": on_part_end,
        },
    )
    try:
        parser.write(body)
        parser.finalize()
    except (FormParserError, ValueError):
        pass
    return values
