"""Field encryption at rest: AES-GCM envelopes for the name, the address and the ID number.

A stored value is the text ``enc1:<key id>:<base64url(nonce | ciphertext | tag)>``. The key id is a
fingerprint of the key (never the key), so a reader knows which key opens a value, and a rotation task
finds the rows still written under an old one. The column name is the associated data: a value moved
into another column (an address pasted over a name) no longer authenticates.

Keys are secrets of any length from 16 characters up (an Airflow connection's password or a
Variable), stretched to 256 bits with HKDF-SHA256; the key id comes from the same HKDF under another
label. :func:`decrypt_row` is the one documented way back to clear text, for authorised code: the
dashboard, the logs and the task summaries never call it.
"""

from __future__ import annotations

import base64
import binascii
import os
from collections.abc import Iterable, Mapping
from typing import Any, TypeGuard

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

__all__ = [
    "ENCRYPTED_COLUMNS",
    "DecryptionError",
    "FieldCipher",
    "Keyring",
    "decrypt_row",
    "is_envelope",
    "key_id_of",
]

ENCRYPTED_COLUMNS = ("name", "address", "id_card_number_encrypted")
"""Columns holding envelopes when ``encrypt_fields`` is on (the number's is its own column: the
``id_card_number`` column keeps the HMAC, the join and erasure key)."""

MIN_KEY_CHARS = 16
_PREFIX = "enc1:"
_NONCE_BYTES = 12
_KEY_INFO = b"airflow-provider-faceid/field-encryption/v1/key"
_ID_INFO = b"airflow-provider-faceid/field-encryption/v1/key-id"


class DecryptionError(ValueError):
    """A value could not be decrypted. The message names the column and the key id, never the value."""


def _derive(secret: str, info: bytes, length: int) -> bytes:
    if not isinstance(secret, str) or len(secret) < MIN_KEY_CHARS:
        raise ValueError(
            f"the field encryption key must be a string of at least {MIN_KEY_CHARS} characters "
            "(e.g. python -c 'import secrets; print(secrets.token_urlsafe(32))')"
        )
    return HKDF(algorithm=hashes.SHA256(), length=length, salt=None, info=info).derive(secret.encode())


def key_id_of(secret: str) -> str:
    """The 12-hex-character id of a key: stored beside every value, useless to recover the key."""
    return _derive(secret, _ID_INFO, 6).hex()


def is_envelope(value: object) -> TypeGuard[str]:
    return isinstance(value, str) and value.startswith(_PREFIX)


class FieldCipher:
    """Encrypts and decrypts single values under one key.

    :param secret: the key as configured (connection password or Variable value).
    """

    def __init__(self, secret: str) -> None:
        self.key_id = key_id_of(secret)
        self._aead = AESGCM(_derive(secret, _KEY_INFO, 32))
        self._head = f"{_PREFIX}{self.key_id}:"

    def __repr__(self) -> str:
        return f"FieldCipher(key_id={self.key_id!r})"

    def encrypt(self, column: str, value: str | None) -> str | None:
        """The envelope of ``value`` for ``column``; ``None`` and ``""`` stay as they are."""
        if not value:
            return value
        nonce = os.urandom(_NONCE_BYTES)
        sealed = self._aead.encrypt(nonce, value.encode(), column.encode())
        return self._head + base64.urlsafe_b64encode(nonce + sealed).decode()

    def decrypt(self, column: str, envelope: str) -> str:
        key_id, body = _split(column, envelope)
        if key_id != self.key_id:
            raise DecryptionError(f"column {column}: written under key {key_id}, this key is {self.key_id}")
        try:
            raw = base64.urlsafe_b64decode(body.encode())
        except (binascii.Error, ValueError):
            raise DecryptionError(f"column {column}: the envelope is not base64") from None
        if len(raw) < _NONCE_BYTES + 16:
            raise DecryptionError(f"column {column}: the envelope is too short")
        try:
            plain = self._aead.decrypt(raw[:_NONCE_BYTES], raw[_NONCE_BYTES:], column.encode())
        except InvalidTag:
            raise DecryptionError(
                f"column {column}: the value does not authenticate under key {key_id} "
                "(altered, or moved from another column)"
            ) from None
        return plain.decode()


def _split(column: str, envelope: str) -> tuple[str, str]:
    if not is_envelope(envelope):
        raise DecryptionError(f"column {column}: not an encrypted value")
    _, key_id, body = [*envelope.split(":", 2), "", ""][:3]
    if not key_id or not body:
        raise DecryptionError(f"column {column}: malformed envelope")
    return key_id, body


class Keyring:
    """The current key, which encrypts, and the older ones, which still decrypt.

    :param current: the key new values are written under.
    :param previous: keys values may still be written under (rotation in progress).
    """

    def __init__(self, current: str, previous: Iterable[str] = ()) -> None:
        self.current = FieldCipher(current)
        self._by_id = {self.current.key_id: self.current}
        for secret in previous:
            cipher = FieldCipher(secret)
            self._by_id.setdefault(cipher.key_id, cipher)

    def __repr__(self) -> str:
        return f"Keyring(current={self.current.key_id!r}, known={sorted(self._by_id)!r})"

    @property
    def key_ids(self) -> frozenset[str]:
        return frozenset(self._by_id)

    def decrypt(self, column: str, envelope: str) -> str:
        key_id, _ = _split(column, envelope)
        cipher = self._by_id.get(key_id)
        if cipher is None:
            raise DecryptionError(
                f"column {column}: written under key {key_id}, which is not in this keyring "
                f"({', '.join(sorted(self._by_id))})"
            )
        return cipher.decrypt(column, envelope)

    def reencrypt(self, column: str, envelope: str | None) -> str | None:
        """``envelope`` under the current key (unchanged if it already is)."""
        if envelope is None or not is_envelope(envelope):
            return envelope
        if _split(column, envelope)[0] == self.current.key_id:
            return envelope
        return self.current.encrypt(column, self.decrypt(column, envelope))


def decrypt_row(row: Mapping[str, Any], keyring: Keyring | FieldCipher) -> dict[str, Any]:
    """A copy of a results or documents row with its encrypted columns in clear.

    For authorised code only (an export to a KYC system, a subject-access request). All or nothing:
    one value that does not decrypt raises :class:`DecryptionError` and no clear value is returned.
    Clear values (rows loaded without encryption) pass through.
    """
    out = dict(row)
    for column in ENCRYPTED_COLUMNS:
        value = out.get(column)
        if is_envelope(value):
            out[column] = keyring.decrypt(column, value)
    return out


def seal_row(row: dict[str, Any], cipher: FieldCipher, *, clear_number: str | None) -> None:
    """Encrypt a results row in place: name and address in their columns, the number in its own."""
    encrypt = cipher.encrypt
    row["name"] = encrypt("name", row.get("name"))
    row["address"] = encrypt("address", row.get("address"))
    row["id_card_number_encrypted"] = encrypt("id_card_number_encrypted", clear_number)
