"""Field encryption: round trips, tampering, wrong keys, rotation of single values."""

from __future__ import annotations

import base64

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from airflow_provider_faceid.fieldcrypt import (
    ENCRYPTED_COLUMNS,
    DecryptionError,
    FieldCipher,
    Keyring,
    decrypt_row,
    is_envelope,
    key_id_of,
    seal_row,
)

KEY_A = "key-A-for-tests-0123456789"
KEY_B = "key-B-for-tests-0123456789"
CIPHER_A, CIPHER_B = FieldCipher(KEY_A), FieldCipher(KEY_B)
values = st.text(min_size=1, max_size=200)
# Values a message could not contain by chance (a key id is hex, a column name ASCII).
personal = st.text(max_size=100).map(lambda s: "张" + s)
columns = st.sampled_from(ENCRYPTED_COLUMNS)


@given(value=values, column=columns)
def test_round_trip(value: str, column: str) -> None:
    envelope = CIPHER_A.encrypt(column, value)
    assert envelope is not None and is_envelope(envelope)
    assert CIPHER_A.decrypt(column, envelope) == value
    assert Keyring(KEY_B, previous=[KEY_A]).decrypt(column, envelope) == value


@given(value=values)
def test_same_value_twice_gives_two_ciphertexts(value: str) -> None:
    assert CIPHER_A.encrypt("name", value) != CIPHER_A.encrypt("name", value)


@settings(max_examples=200)
@given(value=personal, column=columns, data=st.data())
def test_any_changed_byte_fails_authentication(value: str, column: str, data: st.DataObject) -> None:
    envelope = CIPHER_A.encrypt(column, value)
    assert envelope is not None
    head, body = envelope.rsplit(":", 1)
    raw = bytearray(base64.urlsafe_b64decode(body))
    at = data.draw(st.integers(0, len(raw) - 1))
    raw[at] ^= data.draw(st.integers(1, 255))
    tampered = f"{head}:{base64.urlsafe_b64encode(bytes(raw)).decode()}"
    with pytest.raises(DecryptionError, match="does not authenticate") as raised:
        CIPHER_A.decrypt(column, tampered)
    assert value not in str(raised.value)


@given(value=values)
def test_a_value_moved_to_another_column_fails(value: str) -> None:
    envelope = CIPHER_A.encrypt("name", value)
    assert envelope is not None
    with pytest.raises(DecryptionError, match="column address: the value does not authenticate"):
        CIPHER_A.decrypt("address", envelope)


@given(name=personal, address=personal)
def test_wrong_key_is_a_clear_error_and_no_partial_output(name: str, address: str) -> None:
    row = {"name": name, "address": address, "id_card_number_encrypted": None}
    seal_row(row, CIPHER_A, clear_number="11010519491231002X")
    # One column under another key: the row as a whole does not decrypt, no clear value escapes.
    row["address"] = CIPHER_B.encrypt("address", address)
    out: dict[str, object] = {}
    with pytest.raises(DecryptionError, match=f"written under key {CIPHER_B.key_id}") as raised:
        out = decrypt_row(row, CIPHER_A)
    assert out == {} and name not in str(raised.value) and address not in str(raised.value)
    with pytest.raises(DecryptionError, match="not in this keyring"):
        decrypt_row(row, Keyring(KEY_A))
    assert decrypt_row(row, Keyring(KEY_A, previous=[KEY_B]))["address"] == address


def test_seal_row_and_decrypt_row_round_trip() -> None:
    row = {"name": "张三", "address": "北京市海淀区中关村大街1号", "gender": "男", "id_card_number": "f" * 64}
    seal_row(row, CIPHER_A, clear_number="11010519491231002X")
    assert all(is_envelope(row[c]) for c in ENCRYPTED_COLUMNS)
    assert row["id_card_number"] == "f" * 64 and row["gender"] == "男"
    clear = decrypt_row(row, CIPHER_A)
    assert clear["name"] == "张三" and clear["id_card_number_encrypted"] == "11010519491231002X"
    # Rows loaded without encryption pass through.
    assert decrypt_row({"name": "李四", "address": None}, CIPHER_A)["name"] == "李四"


def test_rotation_rewrites_only_old_values() -> None:
    old = CIPHER_A.encrypt("name", "张三")
    keyring = Keyring(KEY_B, previous=[KEY_A])
    new = keyring.reencrypt("name", old)
    assert new is not None and new.split(":")[1] == CIPHER_B.key_id
    assert keyring.reencrypt("name", new) is new
    assert CIPHER_B.decrypt("name", new) == "张三"
    assert keyring.reencrypt("name", None) is None


def test_short_keys_and_malformed_envelopes_are_refused() -> None:
    with pytest.raises(ValueError, match="at least 16 characters"):
        FieldCipher("short")
    with pytest.raises(DecryptionError, match="not an encrypted value"):
        CIPHER_A.decrypt("name", "张三")
    with pytest.raises(DecryptionError, match="malformed"):
        CIPHER_A.decrypt("name", f"enc1:{CIPHER_A.key_id}")
    with pytest.raises(DecryptionError, match="too short"):
        CIPHER_A.decrypt("name", f"enc1:{CIPHER_A.key_id}:AAAA")
    assert key_id_of(KEY_A) == CIPHER_A.key_id != CIPHER_B.key_id
    assert KEY_A not in repr(Keyring(KEY_A)) and CIPHER_A.key_id in repr(CIPHER_A)
