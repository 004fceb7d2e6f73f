"""Form decoding: the values of well-formed forms, and what survives of damaged ones, never a crash."""

from __future__ import annotations

import requests
from hypothesis import given
from hypothesis import strategies as st

from airflow_provider_faceid.local.server.forms import parse_form


def multipart(**fields: bytes) -> tuple[str, bytes]:
    files = {name: (f"{name}.bin", value) for name, value in fields.items()}
    prepared = requests.Request("POST", "http://127.0.0.1/", files=files).prepare()
    assert isinstance(prepared.body, bytes)
    return prepared.headers["Content-Type"], prepared.body


def test_multipart_values_are_bytes_exactly() -> None:
    image = bytes(range(256)) * 10 + b"\r\n--"
    content_type, body = multipart(api_key=b"k", api_secret=b"s", image=image)
    assert parse_form(content_type=content_type, body=body) == {
        "api_key": b"k",
        "api_secret": b"s",
        "image": image,
    }


def test_first_of_repeated_names_wins() -> None:
    body = (
        b'--b\r\nContent-Disposition: form-data; name="api_key"\r\n\r\nfirst\r\n'
        b'--b\r\nContent-Disposition: form-data; name="api_key"\r\n\r\nsecond\r\n--b--\r\n'
    )
    assert parse_form(content_type="multipart/form-data; boundary=b", body=body) == {"api_key": b"first"}


def test_truncated_body_keeps_only_complete_parts() -> None:
    content_type, body = multipart(api_key=b"k", api_secret=b"s", image=b"\xff\xd8" * 100)
    cut = body.index(b"\xff\xd8") + 50
    assert parse_form(content_type=content_type, body=body[:cut]) == {"api_key": b"k", "api_secret": b"s"}


def test_urlencoded_and_unknown_types() -> None:
    assert parse_form(content_type="application/x-www-form-urlencoded", body=b"api_key=a%20b&x") == {
        "api_key": b"a b",
        "x": b"",
    }
    assert parse_form(content_type="application/json", body=b'{"api_key": "k"}') == {}
    assert parse_form(content_type="multipart/form-data", body=b"--x\r\n") == {}


@given(body=st.binary(max_size=2000), boundary=st.sampled_from(["b", "xyz", "-"]))
def test_never_raises(body: bytes, boundary: str) -> None:
    values = parse_form(content_type=f"multipart/form-data; boundary={boundary}", body=body)
    assert all(isinstance(value, bytes) for value in values.values())
