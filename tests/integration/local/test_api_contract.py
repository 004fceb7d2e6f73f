"""faceid-local answers POST /faceid/v1/ocridcard as the FaceID contract says, over real HTTP."""

from __future__ import annotations

import io
import json
import re
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest
import requests
from PIL import Image

from tests.fixtures.faceid_local import FaceIdLocalServer

pytestmark = pytest.mark.integration

REQUEST_ID = re.compile(r"^\d{10},[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$")
NOT_AN_IMAGE = b"%PDF-1.4 this is not an image"


def post(server: FaceIdLocalServer, *, image: bytes | None = None, **fields: str) -> requests.Response:
    files = {"image": ("card.jpg", image, "image/jpeg")} if image is not None else None
    # requests sends urlencoded when there is no file; force multipart like the real clients do.
    multipart: Any = files or {name: (None, value) for name, value in fields.items()}
    data = fields if files else None
    return requests.post(server.ocr_url, data=data, files=multipart, timeout=30)


def marked_copy(jpeg: bytes, *, corner: tuple[int, int]) -> bytes:
    """``jpeg`` with a small red square at ``corner``: new pixels, so a cold replay-cache entry."""
    image = Image.open(io.BytesIO(jpeg)).convert("RGB")
    image.paste((255, 0, 0), (*corner, corner[0] + 8, corner[1] + 8))
    buffer = io.BytesIO()
    image.save(buffer, format="JPEG", quality=90)
    return buffer.getvalue()


def credentials(server: FaceIdLocalServer) -> dict[str, str]:
    return {"api_key": server.api_key, "api_secret": server.api_secret}


def assert_error(response: requests.Response, status: int, message: str) -> None:
    assert response.status_code == status
    assert response.headers["Content-Type"].startswith("application/json")
    body = response.json()
    assert set(body) == {"error_message", "request_id", "time_used"}
    assert body["error_message"] == message
    assert REQUEST_ID.match(body["request_id"])
    assert isinstance(body["time_used"], int) and body["time_used"] >= 0


def test_health_reports_ready(faceid_local: FaceIdLocalServer) -> None:
    response = requests.get(f"{faceid_local.url}/_local/health", timeout=5)
    assert response.status_code == 200
    assert response.json() == {"status": "ready", "workers": 1}


def test_reads_a_card_with_request_id_and_time_used(
    faceid_local: FaceIdLocalServer, card_jpeg: bytes
) -> None:
    response = post(faceid_local, image=card_jpeg, **credentials(faceid_local))
    assert response.status_code == 200, response.text
    answer = response.json()
    assert REQUEST_ID.match(answer["request_id"])
    assert isinstance(answer["time_used"], int) and answer["time_used"] >= 0
    assert answer["side"] == "front"
    assert answer["name"] == "张三"
    assert "legality" not in answer


@pytest.mark.skipif(shutil.which("curl") is None, reason="curl is not installed")
def test_seed_curl_example_works_unchanged(
    faceid_local: FaceIdLocalServer, card_jpeg: bytes, tmp_path: Path
) -> None:
    (tmp_path / "id.jpg").write_bytes(card_jpeg)
    command = [
        "curl", "-s", faceid_local.ocr_url,
        "-F", f"api_key={faceid_local.api_key}", "-F", f"api_secret={faceid_local.api_secret}",
        "-F", "image=@id.jpg",
    ]  # fmt: skip
    completed = subprocess.run(command, cwd=tmp_path, capture_output=True, check=True, timeout=60)
    answer = json.loads(completed.stdout)
    assert answer["side"] == "front"
    assert REQUEST_ID.match(answer["request_id"])


def test_legality_field_only_when_asked(faceid_local: FaceIdLocalServer, card_jpeg: bytes) -> None:
    answer = post(faceid_local, image=card_jpeg, legality="1", **credentials(faceid_local)).json()
    legality = answer["legality"]
    assert set(legality) == {"ID Photo", "Temporary ID Photo", "Photocopy", "Screen", "Edited"}
    assert sum(legality.values()) == pytest.approx(1.0, abs=0.01)
    answer = post(faceid_local, image=card_jpeg, legality="0", **credentials(faceid_local)).json()
    assert "legality" not in answer


@pytest.mark.parametrize(
    ("present", "missing"),
    [
        ((), "api_key"),
        (("api_key",), "api_secret"),
        (("api_key", "api_secret"), "image"),
        (("api_secret", "image"), "api_key"),
        (("api_key", "image"), "api_secret"),
    ],
)
def test_missing_arguments_in_contract_order(
    faceid_local: FaceIdLocalServer, card_jpeg: bytes, present: tuple[str, ...], missing: str
) -> None:
    fields = {name: value for name, value in credentials(faceid_local).items() if name in present}
    image = card_jpeg if "image" in present else None
    assert_error(post(faceid_local, image=image, **fields), 400, f"MISSING_ARGUMENTS: {missing}")


def test_missing_arguments_come_before_credentials(faceid_local: FaceIdLocalServer) -> None:
    response = post(faceid_local, api_key="wrong", api_secret="wrong")
    assert_error(response, 400, "MISSING_ARGUMENTS: image")


@pytest.mark.parametrize("wrong", ["api_key", "api_secret"])
def test_wrong_credentials(faceid_local: FaceIdLocalServer, card_jpeg: bytes, wrong: str) -> None:
    fields = {**credentials(faceid_local), wrong: "not-the-right-one"}
    assert_error(post(faceid_local, image=card_jpeg, **fields), 403, "AUTHORIZATION_ERROR")


def test_credentials_come_before_the_image_check(faceid_local: FaceIdLocalServer) -> None:
    fields = {**credentials(faceid_local), "api_secret": "wrong"}
    assert_error(post(faceid_local, image=NOT_AN_IMAGE, **fields), 403, "AUTHORIZATION_ERROR")


def test_undecodable_image(faceid_local: FaceIdLocalServer) -> None:
    response = post(faceid_local, image=NOT_AN_IMAGE, **credentials(faceid_local))
    assert_error(response, 400, "IMAGE_ERROR_UNSUPPORTED_FORMAT")


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("GET", "/faceid/v1/ocridcard"),
        ("POST", "/faceid/v1/ocrbankcard"),
        ("GET", "/"),
        ("POST", "/_local/health"),
    ],
)
def test_unknown_api_is_404(faceid_local: FaceIdLocalServer, method: str, path: str) -> None:
    response = requests.request(method, f"{faceid_local.url}{path}", timeout=10)
    assert_error(response, 404, "API_NOT_FOUND")


@pytest.mark.parametrize(
    ("content_type", "body", "missing"),
    [
        ("multipart/form-data; boundary=xyz", b"\x00garbage\xff" * 100, "api_key"),
        ("multipart/form-data", b"--xyz\r\n", "api_key"),
        ("text/plain", b"api_key=a&api_secret=b", "api_key"),
        (
            "multipart/form-data; boundary=xyz",
            b'--xyz\r\nContent-Disposition: form-data; name="api_key"\r\n\r\nk\r\n'
            b'--xyz\r\nContent-Disposition: form-data; name="image"; filename="a.jpg"\r\n\r\ntrunc',
            "api_secret",
        ),
    ],
    ids=["garbage", "no-boundary", "not-a-form", "truncated"],
)
def test_malformed_form_is_a_clean_400(
    faceid_local: FaceIdLocalServer, content_type: str, body: bytes, missing: str
) -> None:
    response = requests.post(
        faceid_local.ocr_url, data=body, headers={"Content-Type": content_type}, timeout=10
    )
    assert_error(response, 400, f"MISSING_ARGUMENTS: {missing}")


def test_oversized_upload_is_413_plain_text(faceid_local: FaceIdLocalServer) -> None:
    image = b"\xff" * (2 * 1024 * 1024 + 1)
    response = post(faceid_local, image=image, **credentials(faceid_local))
    assert response.status_code == 413
    assert response.headers["Content-Type"] == "text/plain"
    assert response.text == "Request Entity Too Large"


def test_limit_is_on_the_whole_body(faceid_local: FaceIdLocalServer) -> None:
    prepared = requests.Request(
        "POST",
        faceid_local.ocr_url,
        files={"image": ("card.jpg", b"", "image/jpeg")},
        data=credentials(faceid_local),
    ).prepare()
    assert isinstance(prepared.body, bytes)
    framing = len(prepared.body)
    at_limit = post(faceid_local, image=b"x" * (2 * 1024 * 1024 - framing), **credentials(faceid_local))
    assert_error(at_limit, 400, "IMAGE_ERROR_UNSUPPORTED_FORMAT")
    over = post(faceid_local, image=b"x" * (2 * 1024 * 1024 - framing + 1), **credentials(faceid_local))
    assert over.status_code == 413


def test_replay_cache_answers_repeats_without_the_engine(
    faceid_local: FaceIdLocalServer, card_jpeg: bytes
) -> None:
    # Pixels no other test sends (the cache also matches decoded pixels, so bytes alone would not do).
    image = marked_copy(card_jpeg, corner=(846, 530))
    faceid_local.reset()
    first = post(faceid_local, image=image, **credentials(faceid_local)).json()
    second = post(faceid_local, image=image, **credentials(faceid_local)).json()
    counters = faceid_local.counters()
    assert counters["engine_calls"] == 1
    assert counters["cache_hits"] == 1
    assert first["request_id"] != second["request_id"]
    strip = {"request_id", "time_used"}
    assert {k: v for k, v in first.items() if k not in strip} == {
        k: v for k, v in second.items() if k not in strip
    }


def test_counters_count_by_status_and_error_and_reset(faceid_local: FaceIdLocalServer) -> None:
    faceid_local.reset()
    post(faceid_local)
    post(faceid_local, api_key="a", api_secret="b", image=NOT_AN_IMAGE)
    requests.get(f"{faceid_local.url}/nope", timeout=10)
    counters = faceid_local.counters()
    assert counters["requests"] == 3
    assert counters["requests_by_status"] == {"400": 1, "403": 1, "404": 1}
    assert counters["requests_by_error"] == {
        "API_NOT_FOUND": 1,
        "AUTHORIZATION_ERROR": 1,
        "MISSING_ARGUMENTS": 1,
    }
    assert counters["engine_calls"] == 0
    faceid_local.reset()
    assert faceid_local.counters()["requests"] == 0


def test_log_never_shows_the_secret_or_card_fields(faceid_local: FaceIdLocalServer, card_jpeg: bytes) -> None:
    post(faceid_local, image=card_jpeg, **credentials(faceid_local))
    post(faceid_local, image=card_jpeg, api_key=faceid_local.api_key, api_secret="wrong-secret-value")
    log = faceid_local.log()
    assert "request_id=" in log
    for secret in (faceid_local.api_secret, "wrong-secret-value", "张三"):
        assert secret not in log


def test_no_replay_cache_runs_the_engine_each_time(faceid_local_factory: Any, card_jpeg: bytes) -> None:
    server = faceid_local_factory(replay_cache=False)
    for _ in range(2):
        assert post(server, image=NOT_AN_IMAGE, **credentials(server)).status_code == 400
    assert server.counters()["engine_calls"] == 2


def test_fail_rate_injects_internal_errors(faceid_local_factory: Any, card_jpeg: bytes) -> None:
    server = faceid_local_factory(fail_rate=1.0)
    assert_error(post(server, image=card_jpeg, **credentials(server)), 500, "INTERNAL_ERROR")
    counters = server.counters()
    assert counters["injected_failures"] == 1
    assert counters["engine_calls"] == 0
