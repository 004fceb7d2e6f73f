"""A results/failures target filled by the real operator through a real faceid-local: the page's data.

Fronts and backs read cleanly, one front whose number is painted over (faceid-local reads no
number: ``number_missing``, so it needs re-capture), bytes that are no image and an empty file
(permanent failures). Loaded with ``legality=True`` in two runs, so the page has runs to list.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
import shutil
from pathlib import Path
from types import SimpleNamespace
from typing import Any

from PIL import Image, ImageDraw

from airflow_provider_faceid.local.specimens.generate import generate, read_truth
from airflow_provider_faceid.local.specimens.seeds import TEST_SEEDS
from airflow_provider_faceid.operators.faceid import FaceIdOcrToPostgresOperator

FACEID_CONN_ID = "faceid_page"
DAG_ID = "faceid_page_test"


@dataclasses.dataclass
class LoadedTarget:
    schema: str
    folder: Path
    secrets: list[str]
    """Full names, numbers and addresses of the cards: none may appear on the page."""
    summaries: dict[str, dict[str, Any]]


def faceid_connection_env(server: Any) -> dict[str, str]:
    conn = {
        "conn_type": "faceid",
        "host": server.url,
        "login": server.api_key,
        "password": server.api_secret,
        "extra": {"backoff_initial": 0.05, "backoff_max": 0.5, "max_attempts": 8},
    }
    return {f"AIRFLOW_CONN_{FACEID_CONN_ID.upper()}": json.dumps(conn)}


def cover_number(front: Path, out: Path) -> None:
    """The front with its bottom fifth (where the number is printed) painted white."""
    image = Image.open(front).convert("RGB")
    draw = ImageDraw.Draw(image)
    draw.rectangle((0, int(image.height * 0.78), image.width, image.height), fill="white")
    image.save(out, format="JPEG", quality=92)


def make_folders(root: Path) -> tuple[list[Path], list[str]]:
    paths = generate(count=6, out_dir=root / "specimens", seed=TEST_SEEDS["operator"])
    secrets = []
    for path in paths:
        truth = read_truth(path)
        secrets += [v for k, v in truth.items() if k in ("name", "id_card_number", "address") and v]
    day1, day2 = root / "day1", root / "day2"
    day1.mkdir()
    day2.mkdir()
    fronts = [p for p in paths if read_truth(p)["side"] == "front"]
    backs = [p for p in paths if read_truth(p)["side"] == "back"]
    for path in [fronts[0], backs[0], fronts[1]]:
        shutil.copy(path, day1 / path.name)
    (day1 / "empty.jpg").write_bytes(b"")
    for path in [backs[1], fronts[2]]:
        shutil.copy(path, day2 / path.name)
    cover_number(fronts[2], day2 / "number covered.jpg")
    (day2 / "scan.pdf").write_bytes(b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer\n%%EOF\n")
    return [day1, day2], sorted(set(secrets), key=len, reverse=True)


def load(*, root: Path, postgres_conn_id: str, schema: str) -> LoadedTarget:
    """Two runs of the operator, one folder each (FaceID connection and Postgres connection in the env)."""
    folders, secrets = make_folders(root)
    summaries = {}
    for index, folder in enumerate(folders, start=1):
        run_id = f"manual__page_{index}"
        operator = FaceIdOcrToPostgresOperator(
            task_id="ocr",
            source=str(folder),
            pattern=("*.jpg", "*.pdf"),
            faceid_conn_id=FACEID_CONN_ID,
            postgres_conn_id=postgres_conn_id,
            schema=schema,
            legality=True,
            max_in_flight=2,
        )
        ti = SimpleNamespace(dag_id=DAG_ID, task_id="ocr", run_id=run_id)
        context = {
            "ti": ti,
            "dag_run": SimpleNamespace(run_id=run_id),
            "logical_date": dt.datetime(2026, 11, 1),
        }
        summaries[run_id] = operator.execute(context)  # type: ignore[arg-type]
    return LoadedTarget(schema=schema, folder=root, secrets=secrets, summaries=summaries)


XCOM_DAG_ID = "faceid_page_xcom"


def xcom_dag(*, root: Path, postgres_conn_id: str, schema: str) -> tuple[str, Path]:
    """A DAG file whose one task loads a third folder: an unused back and a copy of it under another
    name (listed 2, duplicates 1, one OCR call). Run by Airflow, its summary lands in XCom."""
    folder = root / "day3"
    folder.mkdir()
    back = [p for p in sorted((root / "specimens").glob("*.jpg")) if read_truth(p)["side"] == "back"][2]
    shutil.copy(back, folder / back.name)
    shutil.copy(back, folder / "the same back again.jpg")
    source = f"""
from airflow.sdk import DAG

from airflow_provider_faceid.operators.faceid import FaceIdOcrToPostgresOperator

with DAG({XCOM_DAG_ID!r}, schedule=None, catchup=False):
    FaceIdOcrToPostgresOperator(
        task_id="ocr",
        source={str(folder)!r},
        faceid_conn_id={FACEID_CONN_ID!r},
        postgres_conn_id={postgres_conn_id!r},
        schema={schema!r},
        legality=True,
    )
"""
    return source, folder
