"""Hypothesis fuzzing of what reads untrusted input: the hook's error mapping of any HTTP answer, the
validators and ID-number functions on any text, and faceid-local's form parser on any request.

Extends, does not repeat: tests/unit/test_records.py fuzzes ``records.build_record`` (arbitrary JSON,
near-miss answers, no card text in its errors); tests/unit/test_validation.py fuzzes the number,
birthday, gender and validity-period checks; tests/unit/local/test_forms.py feeds random bytes to
``parse_form`` under three fixed boundaries. Pure functions, no processes: not marked integration.
"""

from __future__ import annotations

import datetime as dt
import json
import pickle
from typing import Any

import requests
from hypothesis import example, given, settings
from hypothesis import strategies as st

from airflow_provider_faceid import exceptions, idnumber, validation
from airflow_provider_faceid.hooks.faceid import _redacted
from airflow_provider_faceid.hooks.faceid_responses import decode_success, error_from_response
from airflow_provider_faceid.hooks.faceid_settings import FaceIdSettings
from airflow_provider_faceid.local.server.forms import parse_form
from airflow_provider_faceid.privacy import mask_address, mask_name
from tests.reliability.leaks import spellings

URL = "https://api.faceid.example/faceid/v1/ocridcard"
CODES = [
    "MISSING_ARGUMENTS",
    "MISSING_ARGUMENTS: api_secret",
    "MISSING_ARGUMENTS: image",
    "IMAGE_ERROR_UNSUPPORTED_FORMAT",
    "AUTHORIZATION_ERROR",
    "CONCURRENCY_LIMIT_EXCEEDED",
    "API_NOT_FOUND",
    "INTERNAL_ERROR",
]

# A secret that cannot occur in our own message templates by chance; quotes, a backslash, a newline
# and CJK make every escaping (repr, JSON) spell it differently from its raw form.
secrets = st.builds(
    lambda tail: "S3cr" + tail,
    st.text(
        alphabet=st.sampled_from(list("abcXYZ0189-_.'\"\\/ \n\t%&=密钥é")),
        min_size=8,
        max_size=40,
    ),
)
json_scalars = st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=30)
json_values = st.recursive(
    json_scalars,
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=10), inner, max_size=4),
    max_leaves=12,
)
statuses = st.sampled_from(
    [200, 301, 307, 308, 400, 401, 403, 404, 408, 413, 429, 500, 502, 503]
) | st.integers(min_value=100, max_value=599)
content_types = st.sampled_from(
    ["application/json", "text/plain", "text/html; charset=utf-8", "application/json; charset=gbk", ""]
)


@st.composite
def bodies(draw: st.DrawFn, secret: str) -> bytes:
    """Answers a FaceID server, a proxy or something else entirely could send, some echoing the secret."""
    echo = draw(st.sampled_from(["", secret, f"api_secret={secret}", json.dumps(secret)]))
    kind = draw(st.sampled_from(["error", "json", "text", "bytes", "deep", "huge-int"]))
    if kind == "error":
        fields: dict[str, Any] = {
            "error_message": draw(st.sampled_from(CODES) | st.text(max_size=40) | json_values),
            "request_id": draw(st.sampled_from([echo or "1,abc", None]) | json_values),
            "time_used": draw(json_values),
        }
        if draw(st.booleans()):
            fields["error_message"] = f"{fields['error_message']}{echo}"
        return json.dumps(fields, ensure_ascii=draw(st.booleans())).encode()
    if kind == "json":
        return json.dumps(draw(json_values)).encode()
    if kind == "text":
        return (draw(st.text(max_size=200)) + echo).encode("utf-8")
    if kind == "deep":  # nesting deeper than the JSON decoder's recursion limit
        depth = draw(st.integers(min_value=10, max_value=200_000))
        return b'{"error_message": ' * depth
    if kind == "huge-int":  # a number too large for a float
        return b'{"error_message": "INTERNAL_ERROR", "time_used": 1' + b"0" * 400 + b"}"
    return draw(st.binary(max_size=300)) + echo.encode()


def response(status: int, body: bytes, content_type: str, location: str) -> requests.Response:
    answer = requests.Response()
    answer.status_code = status
    answer._content = body
    answer.url = URL
    if content_type:
        answer.headers["Content-Type"] = content_type
    if 300 <= status < 400:
        answer.headers["Location"] = location
    return answer


@settings(max_examples=300, deadline=None)
@given(data=st.data(), secret=secrets, status=statuses, content_type=content_types)
def test_any_answer_maps_to_a_face_id_error_without_the_secret(
    data: st.DataObject, secret: str, status: int, content_type: str
) -> None:
    body = data.draw(bodies(secret))
    location = data.draw(st.sampled_from([f"https://evil.example/?s={secret}", "https://api.faceid.com/"]))
    answer = response(status, body, content_type, location)
    settings_ = FaceIdSettings(
        conn_id="faceid_fuzz", base_url="https://api.faceid.example", api_key="k", api_secret=secret
    )
    if status == 200:
        try:
            decoded = decode_success(answer, url=URL)
        except exceptions.FaceIdError as error:
            check_error(_redacted(error, settings_), secret)
        else:
            assert isinstance(decoded, dict)
        return
    mapped = error_from_response(answer, url=URL, conn_id="faceid_fuzz", sent_bytes=1234)
    check_error(_redacted(mapped, settings_), secret)


def check_error(error: exceptions.FaceIdError, secret: str) -> None:
    assert isinstance(error, exceptions.FaceIdError)
    assert isinstance(error.code, str) and isinstance(error.retryable, bool)
    texts = [str(error), repr(error), error.message, *map(str, error.args)]
    for form in spellings(secret):
        assert not any(form in text for text in texts), f"the secret leaks as {form!r}"
    clone = pickle.loads(pickle.dumps(error))
    assert type(clone) is type(error) and str(clone) == str(error)


# -- validators and ID numbers on any text ---------------------------------------------------------

any_text = st.none() | st.text(max_size=30) | st.from_regex(r"\A[0-9Xx*\s]{0,20}\Z")
dates = st.dates(min_value=dt.date(1, 1, 1), max_value=dt.date(9999, 12, 31))


@settings(deadline=None)
@given(any_text, any_text, any_text, any_text)
def test_validators_never_raise_on_any_text(
    a: str | None, b: str | None, c: str | None, d: str | None
) -> None:
    assert isinstance(validation.number_is_valid(a), bool)
    parsed = validation.parse_birthday(a, b, c)
    assert parsed is None or isinstance(parsed, dt.date)
    assert isinstance(validation.birthday_was_read(a, b, c), bool)
    assert validation.unreadable_flags([a, b, c, d]) in ((), ("unreadable_chars",))
    flags = validation.missing_flags({"name": a, "address": b})
    assert set(flags) <= {"field_missing:name", "field_missing:address"}
    period = validation.parse_valid_period(d, today=dt.date(2026, 11, 25))
    validation.term_flags(period, birthday=parsed)


@given(dates, dates, st.integers(min_value=0, max_value=10_000))
def test_date_arithmetic_never_raises(birthday: dt.date, valid_from: dt.date, years: int) -> None:
    assert all(isinstance(end, dt.date) for end in validation.add_years(valid_from, years))
    if valid_from >= birthday:
        assert validation.expected_term_years(birthday=birthday, valid_from=valid_from) in (5, 10, 20, None)
    period = validation.ValidPeriod(valid_from, None, True, ())
    assert validation.term_flags(period, birthday=birthday) in ((), ("valid_term_unusual_for_age",))


@given(st.text(max_size=30) | st.from_regex(r"\A[0-9]{17}[0-9Xx]\Z"))
@example("11010519491231002X")
@example("\uff11" * 18)  # full-width digits are digits to str.isdigit(), not to GB 11643
def test_id_number_functions_never_raise_and_agree(number: str) -> None:
    valid = idnumber.is_valid(number)
    assert isinstance(idnumber.has_valid_shape(number), bool)
    birthday, gender, region = (
        idnumber.birthday_of(number),
        idnumber.gender_of(number),
        idnumber.region_code_of(number),
    )
    assert birthday is None or isinstance(birthday, dt.date)
    assert gender in (None, "男", "女")
    assert region is None or (len(region) == 6 and region.isascii() and region.isdigit())
    if valid:
        normal = idnumber.normalize(number)
        assert idnumber.check_char(normal[:17]) == normal[17] and region is not None and gender is not None
    try:
        char = idnumber.check_char(number[:17])
    except ValueError:  # its documented refusal: not 17 ASCII digits
        assert not (len(number[:17]) == 17 and number[:17].isascii() and number[:17].isdigit())
    else:
        assert char in "0123456789X" and len(char) == 1


@given(st.text(max_size=40))
def test_masks_never_hold_the_whole_value(value: str) -> None:
    for mask in (idnumber.mask, mask_name, mask_address):
        masked = mask(value)
        assert isinstance(masked, str)
        if value.strip() and "*" not in value:
            assert value.strip() not in masked, (mask.__name__, value, masked)


# -- faceid-local's form parser on any request ------------------------------------------------------

header_text = st.text(alphabet=st.characters(max_codepoint=255), max_size=80)  # h11 headers, latin-1


@st.composite
def multipart_bodies(draw: st.DrawFn) -> tuple[str, bytes]:
    """Mostly well-formed multipart with random names, headers, values, boundaries and damage."""
    boundary = draw(st.text(alphabet="abcXYZ019-_'()+,./:=? ", min_size=1, max_size=70))
    parts = []
    for _ in range(draw(st.integers(min_value=0, max_value=5))):
        name = draw(st.sampled_from(["api_key", "api_secret", "image", "legality"]) | st.text(max_size=10))
        disposition = draw(
            st.sampled_from(
                [
                    f'form-data; name="{name}"',
                    f'form-data; name="{name}"; filename="a.jpg"',
                    f"form-data; name={name}",
                    "form-data",
                    "",
                ]
            )
        )
        extra = draw(
            st.sampled_from([b"", b"Content-Type: image/jpeg\r\n", b"X: \xff\x00\r\n", b"bad header\r\n"])
        )
        value = draw(st.binary(max_size=40) | st.just(f"\r\n--{boundary}".encode("latin-1")))
        parts.append(
            f"--{boundary}\r\nContent-Disposition: ".encode("latin-1")
            + disposition.encode("utf-8")
            + b"\r\n"
            + extra
            + b"\r\n"
            + value
            + b"\r\n"
        )
    body = b"".join(parts) + (f"--{boundary}--\r\n".encode("latin-1") if draw(st.booleans()) else b"")
    cut = draw(st.integers(min_value=0, max_value=len(body)))
    quoted = draw(st.booleans())
    content_type = (
        f'multipart/form-data; boundary="{boundary}"'
        if quoted
        else f"multipart/form-data; boundary={boundary}"
    )
    return content_type, body[:cut] if draw(st.booleans()) else body


@settings(max_examples=300, deadline=None)
@given(multipart_bodies())
def test_damaged_multipart_never_raises(request: tuple[str, bytes]) -> None:
    content_type, body = request
    values = parse_form(content_type=content_type, body=body)
    assert all(isinstance(k, str) and isinstance(v, bytes) for k, v in values.items())


@settings(deadline=None)
@given(header_text, st.binary(max_size=500))
def test_any_content_type_and_body_never_raise(content_type: str, body: bytes) -> None:
    for ctype in (
        content_type,
        f"multipart/form-data; {content_type}",
        f"application/x-www-form-urlencoded{content_type}",
    ):
        values = parse_form(content_type=ctype, body=body)
        assert all(isinstance(k, str) and isinstance(v, bytes) for k, v in values.items())


def test_json_nested_past_the_decoder_stack_is_an_error_not_a_crash() -> None:
    """json raises RecursionError (not ValueError) past ~1000 levels; found by the fuzz above."""
    deep = b'{"error_message": ' * 100_000
    error = error_from_response(
        response(500, deep, "application/json", ""), url=URL, conn_id="c", sent_bytes=1
    )
    assert isinstance(error, exceptions.FaceIdInternalError)
    try:
        decode_success(response(200, deep, "application/json", ""), url=URL)
    except exceptions.FaceIdUnexpectedResponseError as unexpected:
        assert unexpected.http_status == 200
    else:
        raise AssertionError("a 200 without a JSON object must raise")
