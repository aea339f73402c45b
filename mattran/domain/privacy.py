"""Personal data at rest and in logs: AES-GCM for contacts, a keyed hash for national IDs, masking.

Contacts (members' phone and e-mail, petitioners' name, phone and e-mail) are encrypted with the personal-data key
of :mod:`mattran.keys`: a value is ``0x02``, the key's id (4 bytes), a random nonce (12 bytes), then ciphertext and
tag, bound to its field's name. Values of the previous release (``0x01``: no key id, key derived from
``MATTRAN_SECRET_KEY``) and clear values left by migration 0015 (``0x00``) are re-encrypted at start
(:func:`reencrypt_store`). A database dump alone reveals no phone number, e-mail address or national ID.
"""

from __future__ import annotations

import hashlib
import hmac
import logging
import os
from dataclasses import dataclass
from functools import lru_cache
from typing import Literal

import psycopg
from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from mattran.keys import KeyRing, key_ring
from mattran.settings import Settings
from mattran.store import personal_data as store

_log = logging.getLogger(__name__)
_CLEAR, _V1, _V2 = b"\x00", b"\x01", b"\x02"
_KEY_ID = 4
_NONCE = 12
Field = Literal["phone", "email", "full_name", "receipt"]  # receipt: a receipt in the notification outbox


class Unreadable(Exception):
    """A value no key of the ring opens; ``key_id`` names the key it needs (None for the previous release's)."""

    def __init__(self, key_id: str | None) -> None:
        super().__init__(key_id)
        self.key_id = key_id


class PersonalData:
    """Encrypts contacts (bound to their field name) and hashes national IDs with the keys of a key ring."""

    def __init__(self, ring: KeyRing) -> None:
        self.key_id = ring.personal_data.id
        self.prefix = _V2 + bytes.fromhex(self.key_id)  # what every up-to-date value starts with
        self._aead = AESGCM(ring.personal_data.secret)
        self._readers = {bytes.fromhex(k.id): AESGCM(k.secret) for k in (*ring.retired, ring.personal_data)}
        self._legacy = AESGCM(ring.legacy_key(b"members.contact.v1"))
        self._id_key = ring.national_id.secret

    def encrypt(self, field: Field, value: str | None) -> bytes | None:
        """``value`` encrypted with the current key (None stays None)."""
        if value is None:
            return None
        nonce = os.urandom(_NONCE)
        return self.prefix + nonce + self._aead.encrypt(nonce, value.encode(), field.encode())

    def read(self, field: Field, blob: bytes, *, clear_allowed: bool = False) -> str:
        """The clear value of ``blob``, raising :class:`Unreadable` when no key opens it."""
        blob = bytes(blob)
        version, key_id = blob[:1], None
        try:
            if version == _CLEAR and clear_allowed:
                return blob[1:].decode()
            if version == _V1:
                return self._legacy.decrypt(blob[1 : 1 + _NONCE], blob[1 + _NONCE :], field.encode()).decode()
            if version == _V2:
                key_id, body = blob[1 : 1 + _KEY_ID], blob[1 + _KEY_ID :]
                aead = self._readers.get(key_id)
                if aead is not None:
                    return aead.decrypt(body[:_NONCE], body[_NONCE:], field.encode()).decode()
        except (InvalidTag, UnicodeDecodeError):
            pass
        raise Unreadable(key_id.hex() if key_id else None)

    def decrypt(self, field: Field, blob: bytes | None) -> str | None:
        """The clear value, or None when absent or unreadable (e.g. its key file was lost)."""
        if blob is None:
            return None
        try:
            return self.read(field, blob)
        except Unreadable as exc:
            _log.warning("could not decrypt a %s (key %s is not in DATA_DIR/keys/)", field, exc.key_id or "cũ")
            return None

    def national_id_hash(self, national_id: str) -> bytes:
        """HMAC-SHA256 of a 12-digit national ID: comparable, not reversible without the key."""
        return hmac.new(self._id_key, national_id.encode(), hashlib.sha256).digest()


@lru_cache(maxsize=8)
def _protector(ring: KeyRing) -> PersonalData:
    return PersonalData(ring)


def personal_data(settings: Settings) -> PersonalData:
    """The (cached) protector for ``settings``' keys."""
    return _protector(key_ring(settings))


@dataclass(frozen=True)
class Reencrypted:
    """What :func:`reencrypt_store` did: values now under the current key, and values no key opens."""

    rewritten: int
    unreadable: int


_COLUMN_FIELDS: dict[str, Field] = {"phone_enc": "phone", "email_enc": "email", "full_name_enc": "full_name"}


def _field(column: str) -> Field:
    """The field an encrypted column holds (its name binds the ciphertext)."""
    return _COLUMN_FIELDS[column]


def reencrypt_store(owner_url: str, protector: PersonalData, batch: int = 500) -> Reencrypted:
    """Encrypt again under the current key every value that is not (idempotent; unreadable values stay)."""
    rewritten = unreadable = 0
    with psycopg.connect(owner_url) as conn:
        for table, (_key, columns) in store.ENCRYPTED.items():
            after = 0
            while True:
                with conn.transaction():
                    store.whole_country(conn)
                    rows = store.stale(conn, table, protector.prefix, after, batch)
                    changed = []
                    for row in rows:
                        values, ok = list(row), True
                        for i, column in enumerate(columns, start=1):
                            if values[i] is None or bytes(values[i]).startswith(protector.prefix):
                                continue
                            try:
                                values[i] = protector.encrypt(
                                    _field(column), protector.read(_field(column), values[i], clear_allowed=True)
                                )
                            except Unreadable:
                                ok = False
                        if ok:
                            changed.append(tuple(values))
                        else:
                            unreadable += 1
                    store.rewrite(conn, table, changed)
                    rewritten += len(changed)
                if len(rows) < batch:
                    break
                after = rows[-1][0]
    return Reencrypted(rewritten, unreadable)


def unreadable_keys(conninfo: str, protector: PersonalData, per_table: int = 20) -> set[str]:
    """Key ids of sampled values ``protector`` cannot open (``"cũ"``: the previous release's secret).

    Empty when all were read.
    """
    missing: set[str] = set()
    with psycopg.connect(conninfo) as conn, conn.transaction():
        store.whole_country(conn)
        for column, blob in store.sample(conn, per_table):
            try:
                protector.read(_field(column), blob, clear_allowed=True)
            except Unreadable as exc:
                missing.add(exc.key_id or "cũ")
    return missing


def carries_national_id_hashes(owner_url: str) -> bool:
    """Whether the store already holds national-ID hashes (so its hash key must be kept)."""
    with psycopg.connect(owner_url) as conn, conn.transaction():
        store.whole_country(conn)
        return store.has_national_id_hashes(conn)


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
