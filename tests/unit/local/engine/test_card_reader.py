"""CardReader end to end on real specimens with the real OCR models (slow: a few seconds)."""

from __future__ import annotations

import io
from pathlib import Path

import pytest
from PIL import Image

from airflow_provider_faceid.local.engine.card_reader import CardReader, ImageUnreadableError
from airflow_provider_faceid.local.specimens.generate import generate, read_truth

# Seed 11 is neither a benchmark nor a tuning seed (specimens/seeds.py).
SEED = 11
FRONT_FIELDS = ("side", "name", "gender", "race", "birthday", "address", "id_card_number")
BACK_FIELDS = ("side", "issued_by", "valid_date")


@pytest.fixture(scope="module")
def reader() -> CardReader:
    return CardReader()


@pytest.fixture(scope="module")
def specimens(tmp_path_factory: pytest.TempPathFactory) -> list[Path]:
    return generate(count=2, out_dir=tmp_path_factory.mktemp("specimens"), seed=SEED)


def expected(path: Path) -> dict[str, object]:
    truth = read_truth(path)
    return {field: truth[field] for field in (FRONT_FIELDS if truth["side"] == "front" else BACK_FIELDS)}


@pytest.mark.slow
def test_front_and_back_are_read_exactly(reader: CardReader, specimens: list[Path]) -> None:
    for path in specimens:
        answer = reader.read(path.read_bytes())
        want = expected(path)
        assert {field: answer.get(field) for field in want} == want
        assert "legality" not in answer


@pytest.mark.slow
def test_front_has_a_head_rect_inside_the_card_and_legality_on_request(
    reader: CardReader, specimens: list[Path]
) -> None:
    answer = reader.read(specimens[0].read_bytes(), legality=True)
    rect = answer["head_rect"]
    assert set(rect) == {"lt", "rt", "rb", "lb"}
    assert 0.5 < rect["lt"]["x"] < rect["rt"]["x"] < 1.0
    assert 0.0 < rect["lt"]["y"] < rect["lb"]["y"] < 1.0
    assert sum(answer["legality"].values()) == pytest.approx(1.0)
    assert max(answer["legality"], key=answer["legality"].get) == "ID Photo"


@pytest.mark.slow
def test_a_card_turned_upside_down_with_exif_orientation_is_read(
    reader: CardReader, specimens: list[Path]
) -> None:
    image = Image.open(specimens[0]).rotate(180)
    buffer = io.BytesIO()
    exif = Image.Exif()
    exif[0x0112] = 3  # "rotate 180 to display": the decoder must undo it
    image.save(buffer, "JPEG", quality=90, exif=exif.tobytes())
    answer = reader.read(buffer.getvalue())
    assert answer["id_card_number"] == expected(specimens[0])["id_card_number"]


@pytest.mark.slow
def test_a_card_turned_a_quarter_in_its_pixels_is_read(reader: CardReader, specimens: list[Path]) -> None:
    buffer = io.BytesIO()
    Image.open(specimens[1]).transpose(Image.Transpose.ROTATE_90).save(buffer, "JPEG", quality=90)
    answer = reader.read(buffer.getvalue())
    assert answer["valid_date"] == expected(specimens[1])["valid_date"]


@pytest.mark.parametrize("payload", [b"", b"not an image", b"\xff\xd8\xff\xe0 truncated jpeg"])
def test_bytes_that_are_no_image_raise(payload: bytes) -> None:
    reader = CardReader.__new__(CardReader)  # decoding fails before any model is touched
    with pytest.raises(ImageUnreadableError):
        reader.read(payload)
