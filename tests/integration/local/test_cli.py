"""The faceid-local console script: ocr prints the server's answers, specimens writes cards, serve checks."""

from __future__ import annotations

import json
import os
import subprocess
from pathlib import Path

import pytest

from tests.fixtures.faceid_local import faceid_local_executable

pytestmark = pytest.mark.integration


def run(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [faceid_local_executable(), *args], capture_output=True, text=True, timeout=120, env=env, check=False
    )


def test_ocr_prints_one_answer_per_image(card_jpeg: bytes, tmp_path: Path) -> None:
    (tmp_path / "card.jpg").write_bytes(card_jpeg)
    (tmp_path / "notes.txt").write_text("not an image")
    completed = run("ocr", str(tmp_path / "card.jpg"), str(tmp_path / "notes.txt"))
    assert completed.returncode == 1  # one image was refused
    card, notes = (json.loads(line) for line in completed.stdout.splitlines())
    assert card["status"] == 200
    assert card["answer"]["side"] == "front"
    assert card["answer"]["name"] == "张三"
    assert notes["status"] == 400
    assert notes["answer"]["error_message"] == "IMAGE_ERROR_UNSUPPORTED_FORMAT"


def test_specimens_writes_images_with_ground_truth(tmp_path: Path) -> None:
    completed = run("specimens", "--count", "2", "--out", str(tmp_path), "--seed", "3")
    assert completed.returncode == 0, completed.stderr
    assert len(list(tmp_path.glob("*.jpg"))) == 2
    assert len(list(tmp_path.glob("*.json"))) == 2


def test_serve_needs_credentials_and_says_so() -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith("FACEID_LOCAL_")}
    completed = run("serve", "--port", "0", env=env)
    assert completed.returncode == 2
    assert "--api-secret" in completed.stderr
    assert "Traceback" not in completed.stderr


def test_serve_refuses_impossible_options_without_a_trace() -> None:
    env = {**os.environ, "FACEID_LOCAL_API_KEY": "k", "FACEID_LOCAL_API_SECRET": "s"}
    completed = run("serve", "--port", "0", "--fail-rate", "2", env=env)
    assert completed.returncode == 2
    assert "fail_rate must be within [0, 1]" in completed.stderr
    assert "Traceback" not in completed.stderr
