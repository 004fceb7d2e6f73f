"""faceid-local's replay cache over real HTTP with the real engine: bytes first, then decoded pixels."""

from __future__ import annotations

import io
from typing import Any

import pytest
import requests
from PIL import Image

from airflow_provider_faceid.local.specimens.generate import with_jpeg_comment as with_comment
from tests.fixtures.faceid_local import FaceIdLocalServer

pytestmark = pytest.mark.integration

VOLATILE = {"request_id", "time_used"}


def post(server: FaceIdLocalServer, image: bytes, *, legality: str = "0") -> requests.Response:
    fields = {"api_key": server.api_key, "api_secret": server.api_secret, "legality": legality}
    return requests.post(server.ocr_url, data=fields, files={"image": ("card.jpg", image)}, timeout=60)


def answer_fields(response: requests.Response) -> dict[str, Any]:
    assert response.status_code == 200, response.text
    return {name: value for name, value in response.json().items() if name not in VOLATILE}


def unique_card(card_jpeg: bytes, *, corner: tuple[int, int], exif: bytes = b"") -> bytes:
    """The card with a small square at ``corner``: pixels no other test sends (a cold entry)."""
    image = Image.open(io.BytesIO(card_jpeg)).convert("RGB")
    image.paste((0, 128, 0), (*corner, corner[0] + 8, corner[1] + 8))
    buffer = io.BytesIO()
    image.save(buffer, format="JPEG", quality=90, exif=exif)
    return buffer.getvalue()


def test_copies_differing_only_by_a_comment_segment_cost_one_engine_call(
    faceid_local: FaceIdLocalServer, card_jpeg: bytes
) -> None:
    base = unique_card(card_jpeg, corner=(4, 4))
    copies = [with_comment(base, f"copy {n:06d}".encode()) for n in range(3)]
    faceid_local.reset()
    first = answer_fields(post(faceid_local, base))
    assert all(answer_fields(post(faceid_local, copy)) == first for copy in copies)
    assert answer_fields(post(faceid_local, copies[0])) == first  # same bytes again: the bytes key
    counters = faceid_local.counters()
    assert counters["engine_calls"] == 1
    assert counters["cache_hits"] == 4


def test_an_exif_comment_replays_and_new_pixels_do_not(
    faceid_local: FaceIdLocalServer, card_jpeg: bytes
) -> None:
    exif = Image.Exif()
    exif[0x010E] = "desk 4, batch 17"  # ImageDescription
    base = unique_card(card_jpeg, corner=(20, 4))
    described = unique_card(card_jpeg, corner=(20, 4), exif=exif.tobytes())
    moved = unique_card(card_jpeg, corner=(36, 4))
    assert base != described
    faceid_local.reset()
    post(faceid_local, base)
    post(faceid_local, described)
    assert faceid_local.counters()["engine_calls"] == 1
    post(faceid_local, moved)
    assert faceid_local.counters()["engine_calls"] == 2


def test_legality_stays_part_of_the_pixel_key(faceid_local: FaceIdLocalServer, card_jpeg: bytes) -> None:
    base = unique_card(card_jpeg, corner=(52, 4))
    faceid_local.reset()
    assert "legality" not in answer_fields(post(faceid_local, base))
    assert "legality" in answer_fields(post(faceid_local, with_comment(base, b"x"), legality="1"))
    assert faceid_local.counters()["engine_calls"] == 2


def test_undecodable_bytes_are_refused_before_the_engine(
    faceid_local: FaceIdLocalServer, card_jpeg: bytes
) -> None:
    faceid_local.reset()
    for image in (b"%PDF-1.4 not an image", card_jpeg[:2000]):
        response = post(faceid_local, image)
        assert response.status_code == 400
        assert response.json()["error_message"] == "IMAGE_ERROR_UNSUPPORTED_FORMAT"
    assert faceid_local.counters()["engine_calls"] == 0
