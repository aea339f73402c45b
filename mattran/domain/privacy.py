"""Personal data at rest and in logs: AES-GCM for contacts, a keyed hash for national IDs, masking.

Keys are derived (HKDF-SHA256) from ``MATTRAN_SECRET_KEY``: a database dump alone reveals no phone
number, e-mail address or national ID. Changing the secret key makes the stored contacts unreadable.
"""

from __future__ import annotations

import hashlib
import hmac
import logging
import os
from functools import lru_cache
from typing import Literal

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

_log = logging.getLogger(__name__)
_VERSION = b"\x01"
_NONCE = 12
Field = Literal["phone", "email"]


def _derive(secret: str, purpose: bytes) -> bytes:
    return HKDF(algorithm=hashes.SHA256(), length=32, salt=b"mattran.personal-data", info=purpose).derive(
        secret.encode())


class PersonalData:
    """Encrypts contacts (bound to their field name) and hashes national IDs with keys from the secret."""

    def __init__(self, secret: str) -> None:
        self._aead = AESGCM(_derive(secret, b"members.contact.v1"))
        self._id_key = _derive(secret, b"members.national-id.v1")

    def encrypt(self, field: Field, value: str | None) -> bytes | None:
        """``value`` encrypted: version byte, random nonce, ciphertext and tag (None stays None)."""
        if value is None:
            return None
        nonce = os.urandom(_NONCE)
        return _VERSION + nonce + self._aead.encrypt(nonce, value.encode(), field.encode())

    def decrypt(self, field: Field, blob: bytes | None) -> str | None:
        """The clear value, or None when absent or unreadable (e.g. after the secret key changed)."""
        if blob is None:
            return None
        blob = bytes(blob)
        try:
            if blob[:1] != _VERSION:
                raise InvalidTag
            return self._aead.decrypt(blob[1:1 + _NONCE], blob[1 + _NONCE:], field.encode()).decode()
        except InvalidTag:
            _log.warning("could not decrypt a member's %s (was MATTRAN_SECRET_KEY changed?)", field)
            return None

    def national_id_hash(self, national_id: str) -> bytes:
        """HMAC-SHA256 of a 12-digit national ID: comparable, not reversible without the key."""
        return hmac.new(self._id_key, national_id.encode(), hashlib.sha256).digest()


@lru_cache(maxsize=4)
def personal_data(secret: str) -> PersonalData:
    """The (cached) protector for ``secret``."""
    return PersonalData(secret)


def mask_phone(phone: str | None) -> str:
    """``0912345678`` → ``091****678``: safe for logs and lists."""
    if not phone:
        return ""
    return phone[:3] + "*" * max(len(phone) - 6, 1) + phone[-3:] if len(phone) > 6 else "*" * len(phone)


def mask_email(email: str | None) -> str:
    """``nguyen.an@example.com`` → ``n***@example.com``."""
    if not email:
        return ""
    local, _, domain = email.partition("@")
    return f"{local[:1]}***@{domain}"


def mask_national_id(last3: str | None) -> str:
    """The display form of a national ID of which only the last three digits are kept."""
    return f"*********{last3}" if last3 else ""
