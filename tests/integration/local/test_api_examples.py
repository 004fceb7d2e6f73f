"""faceid-local and the hook against the example answers of the FaceID API document itself.

The document (``../shared/seed/faceid-ocridcard-api.txt``, beside the checkout) shows one front and
one back answer. faceid-local reads other cards, so values differ; what must agree is each answer's
keys, their order (nested objects too) and each value's JSON type. The hook must return the
examples exactly as sent, and turn every documented field into the record's field.
"""

from __future__ import annotations

import datetime as dt
import json
import re
from pathlib import Path
from typing import Any

import pytest
import requests

from airflow_provider_faceid.hooks.faceid import FaceIdHook
from airflow_provider_faceid.local.specimens.generate import generate
from airflow_provider_faceid.local.specimens.seeds import TEST_SEEDS
from airflow_provider_faceid.records import build_record
from tests.fixtures.faceid_api import FaceIdScript, text_answer
from tests.fixtures.faceid_local import FaceIdLocalServer

pytestmark = pytest.mark.integration

API_DOCUMENT = Path(__file__).resolve().parents[3].parent / "shared" / "seed" / "faceid-ocridcard-api.txt"


def document_examples() -> dict[str, str]:
    """The example answers' texts by side, as the document prints them."""
    if not API_DOCUMENT.is_file():
        pytest.fail(f"the API document is not beside the checkout: {API_DOCUMENT}")
    blocks = re.findall(r"```\n(.*?)\n```", API_DOCUMENT.read_text("utf-8"), flags=re.S)
    # The front example is printed in two blocks, split after "birthday" (the second one starts
    # with that object's closing brace): joined, they are one JSON object.
    front = blocks[0].rstrip().removesuffix("}") + blocks[1].lstrip().removeprefix("}")
    return {"front": front, "back": blocks[2]}


def json_type(value: Any) -> str:
    # The document's table calls time_used Float and prints 1144; legality's values are reals
    # printed as 0 and 1: JSON has one number type, and that is what is compared.
    if isinstance(value, bool) or value is None:
        return repr(value)
    if isinstance(value, int | float):
        return "number"
    return type(value).__name__


def shape(value: Any) -> Any:
    """Keys in order and JSON types, nested objects included; values left out."""
    if isinstance(value, dict):
        return [(key, shape(item)) for key, item in value.items()]
    return json_type(value)


@pytest.fixture(scope="module")
def examples() -> dict[str, dict[str, Any]]:
    return {side: json.loads(text) for side, text in document_examples().items()}


@pytest.fixture(scope="module")
def specimen_pair(tmp_path_factory: pytest.TempPathFactory) -> dict[str, bytes]:
    out = tmp_path_factory.mktemp("api-examples")
    front, back = generate(count=2, out_dir=out, seed=TEST_SEEDS["operator"])
    return {"front": front.read_bytes(), "back": back.read_bytes()}


def test_the_document_has_a_front_and_a_back_example(examples: dict[str, dict[str, Any]]) -> None:
    assert examples["front"]["side"] == "front" and examples["back"]["side"] == "back"
    assert len(examples["front"]) == 11 and len(examples["back"]) == 6


@pytest.mark.parametrize("side", ["front", "back"])
def test_faceid_local_answers_in_the_shape_of_the_example(
    faceid_local: FaceIdLocalServer,
    examples: dict[str, dict[str, Any]],
    specimen_pair: dict[str, bytes],
    side: str,
) -> None:
    # Both examples carry legality, so it is asked for.
    fields = {"api_key": faceid_local.api_key, "api_secret": faceid_local.api_secret, "legality": "1"}
    response = requests.post(
        faceid_local.ocr_url, data=fields, files={"image": specimen_pair[side]}, timeout=120
    )
    assert response.status_code == 200, response.text
    assert response.headers["Content-Type"].startswith("application/json")
    assert shape(response.json()) == shape(examples[side])


@pytest.mark.parametrize("side", ["front", "back"])
def test_the_hook_returns_the_example_exactly(
    monkeypatch: pytest.MonkeyPatch, faceid_api: FaceIdScript, side: str
) -> None:
    text = document_examples()[side]
    faceid_api.answer(text_answer(200, text, mimetype="application/json"))
    monkeypatch.setenv("AIRFLOW_CONN_FACEID_EXAMPLES", f"faceid://key:secret@127.0.0.1:{faceid_api.port}")
    with FaceIdHook("faceid_examples") as hook:
        answer = hook.ocr_idcard(b"\xff\xd8\xff\xe0 card")
    expected = json.loads(text)
    assert answer == expected
    assert shape(answer) == shape(expected)  # order and types, not only equality


def test_the_record_takes_every_field_of_the_front_example(examples: dict[str, dict[str, Any]]) -> None:
    example = examples["front"]
    record = build_record(example)
    assert (record.side, record.name, record.gender, record.race) == ("front", "张三", "男", "汉")
    assert record.birthday == dt.date(1989, 4, 3)
    assert (record.birthday_year, record.birthday_month, record.birthday_day) == ("1989", "4", "3")
    assert record.address == example["address"] == "北京市海淀区 xxxxx"
    assert record.id_card_number == example["id_card_number"]
    assert record.head_rect == example["head_rect"] and record.legality == example["legality"]
    assert record.request_id == example["request_id"] and record.time_used == 1144
    # The example's number is masked with x: kept as read, flagged, and the card asked for again.
    assert "number_bad_shape" in record.flags and record.needs_recapture


def test_the_record_takes_every_field_of_the_back_example(examples: dict[str, dict[str, Any]]) -> None:
    example = examples["back"]
    record = build_record(example)
    assert (record.side, record.issued_by, record.valid_date) == (
        "back",
        "北京市海淀区公安局",
        example["valid_date"],
    )
    assert (record.valid_from, record.valid_to, record.long_term) == (
        dt.date(2016, 2, 29),
        dt.date(2026, 2, 28),
        False,
    )
    assert record.legality == example["legality"]
    assert record.request_id == example["request_id"] and record.time_used == 418
    assert record.flags == () and not record.needs_recapture
