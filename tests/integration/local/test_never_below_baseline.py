"""The engine never reads fewer fields of a card right than the PlainReader baseline does.

Sample: one front and one back per renderer x capture of the held-out specimen sets, drawn with
the test seeds (``specimens/seeds.py``), not the benchmark's. Failures name the specimen and the
fields, never their values: card content must not reach logs.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from airflow_provider_faceid.local.engine import CardReader
from airflow_provider_faceid.local.engine.plain_reader import PlainReader
from airflow_provider_faceid.local.specimens import read_truth
from airflow_provider_faceid.local.specimens.heldout import CAPTURES, RENDERERS, generate_set
from airflow_provider_faceid.local.specimens.seeds import NEVER_BELOW_BASELINE_SEEDS

pytestmark = [pytest.mark.integration, pytest.mark.slow]

PER_CELL = 2  # a front and a back: 28 cards, about a minute of OCR on two cores
CELLS = [(renderer, capture) for renderer in RENDERERS for capture in CAPTURES]
FRONT_FIELDS = ("name", "gender", "race", "birthday", "address", "id_card_number")
BACK_FIELDS = ("issued_by", "valid_date")


@pytest.fixture(scope="module")
def specimen_sets(tmp_path_factory: pytest.TempPathFactory) -> dict[tuple[str, str], list[Path]]:
    root = tmp_path_factory.mktemp("never-below-baseline")
    return {
        (renderer, capture): generate_set(
            renderer=renderer,
            capture=capture,
            count=PER_CELL,
            seed=NEVER_BELOW_BASELINE_SEEDS[renderer],
            out_dir=root / f"{renderer}-{capture}",
        )
        for renderer, capture in CELLS
    }


@pytest.fixture(scope="module")
def readers() -> tuple[CardReader, PlainReader]:
    return CardReader(), PlainReader()


def correct(truth: dict[str, Any], answer: dict[str, Any]) -> set[str]:
    fields = ("side", *(FRONT_FIELDS if truth["side"] == "front" else BACK_FIELDS))
    return {field for field in fields if answer.get(field) == truth.get(field)}


def shortfall(path: Path, engine: CardReader, plain: PlainReader) -> str | None:
    """``stem: fields`` plain read right and the engine did not, when the engine read fewer right.

    Kept apart from the test so that no card content is a local of the failing frame.
    """
    image, truth = path.read_bytes(), read_truth(path)
    engine_right = correct(truth, engine.read(image))
    plain_right = correct(truth, plain.read(image))
    if len(engine_right) >= len(plain_right):
        return None
    return f"{path.stem}: {', '.join(sorted(plain_right - engine_right))}"


@pytest.mark.parametrize(("renderer", "capture"), CELLS)
def test_engine_reads_at_least_as_many_fields_as_plain(
    renderer: str,
    capture: str,
    specimen_sets: dict[tuple[str, str], list[Path]],
    readers: tuple[CardReader, PlainReader],
) -> None:
    shortfalls = [s for path in specimen_sets[renderer, capture] if (s := shortfall(path, *readers))]
    if shortfalls:
        pytest.fail(
            f"{renderer}/{capture}: engine read fewer fields right than plain on "
            + "; ".join(shortfalls)
            + " (fields plain got and the engine missed)",
            pytrace=False,
        )
