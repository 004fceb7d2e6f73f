"""The recognisers' decoders answer only what a card can print (the real ONNX models)."""

from __future__ import annotations

import numpy as np
import pytest
from PIL import Image, ImageDraw
from rapidocr_onnxruntime import RapidOCR

from airflow_provider_faceid.local.engine.line_models import LineModel, V4Lines, V6Lines
from airflow_provider_faceid.local.specimens.fonts import FontRole, font


def printed(text: str) -> np.ndarray:
    """``text`` as a tight line crop, the way the detector's boxes hand rows to the models."""
    face = font(FontRole.VALUE, 36)
    left, top, right, bottom = face.getbbox(text)
    image = Image.new("RGB", (right - left + 16, bottom - top + 16), "white")
    ImageDraw.Draw(image).text((8 - left, 8 - top), text, fill="black", font=face)
    return np.ascontiguousarray(np.asarray(image)[:, :, ::-1])


@pytest.fixture(scope="module", params=["v4", "v6"])
def model(request: pytest.FixtureRequest) -> LineModel:
    return V4Lines(RapidOCR()) if request.param == "v4" else V6Lines()


@pytest.mark.parametrize("text", ["3组?9号", "3组？9号"])
def test_a_question_mark_is_never_answered(model: LineModel, text: str) -> None:
    reading = model.read([printed(text)])[0]
    assert not set(reading.text) & set("?？")
    assert reading.text.startswith("3组") and reading.text.endswith("9号")
