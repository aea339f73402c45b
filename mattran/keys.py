"""The platform's secret keys: signing, personal-data encryption and national-ID hashing, each with a key id.

Each key is given by an environment variable or kept in a file of ``DATA_DIR/keys/`` (mode 0600, the folder
0700). In development a missing file is created at random on first start; in production nothing is created: a
missing key stops the start. ``DATA_DIR/keys/retired/*.key`` holds earlier personal-data keys, read until every
row is re-encrypted with the current one. The previous release derived every key from one secret
(``MATTRAN_SECRET_KEY``, by default a public constant): its contacts are read with the key derived from that
secret, and its national-ID hash key is carried over into ``national-id.key`` (hashes cannot be recomputed).
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import os
import stat
import tempfile
from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING

from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from pydantic import SecretStr

from mattran.settings import DEV_SECRET_KEY

if TYPE_CHECKING:
    from mattran.settings import Settings

KEY_BYTES = 32
LEGACY_SALT = b"mattran.personal-data"


class KeyPurpose(StrEnum):
    """What a key is for; also its file's name (``DATA_DIR/keys/<purpose>.key``)."""

    SIGNING = "signing"
    PERSONAL_DATA = "personal-data"
    NATIONAL_ID = "national-id"


ENV_NAMES = {
    KeyPurpose.SIGNING: "MATTRAN_SECRET_KEY",
    KeyPurpose.PERSONAL_DATA: "MATTRAN_PERSONAL_DATA_KEY",
    KeyPurpose.NATIONAL_ID: "MATTRAN_NATIONAL_ID_KEY",
}


class KeyFileError(Exception):
    """A key that is missing, unreadable or too open; the message is Vietnamese."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


@dataclass(frozen=True)
class Key:
    """One secret, its id (a fingerprint, safe to print) and where it came from."""

    purpose: KeyPurpose
    secret: bytes
    source: str

    @property
    def id(self) -> str:
        """Eight hex digits naming the key (stored with every ciphertext)."""
        return hashlib.sha256(self.purpose.encode() + b"\0" + self.secret).hexdigest()[:8]


@dataclass(frozen=True)
class KeyRing:
    """The keys of one data dir."""

    signing: Key
    personal_data: Key
    national_id: Key
    retired: tuple[Key, ...]
    legacy_secret: str  # the previous release's one secret: its contacts' key is derived from it

    def legacy_key(self, info: bytes) -> bytes:
        """A key of the previous release: HKDF-SHA256 of its secret."""
        return derive(self.legacy_secret, info)


def derive(secret: str, info: bytes) -> bytes:
    """HKDF-SHA256, as the previous release derived its keys from ``MATTRAN_SECRET_KEY``."""
    return HKDF(algorithm=hashes.SHA256(), length=KEY_BYTES, salt=LEGACY_SALT, info=info).derive(secret.encode())


def subkey(secret: str, purpose: str) -> bytes:
    """A key for one purpose (sealing refresh tokens, pseudonyms, conversation ids…), derived by HKDF-SHA256 from
    the signing secret: one secret to keep, a separate key for each use."""
    return HKDF(algorithm=hashes.SHA256(), length=KEY_BYTES, salt=b"mattran.subkeys", info=purpose.encode()).derive(
        secret.encode()
    )


def _encode(secret: bytes) -> str:
    return base64.urlsafe_b64encode(secret).decode().rstrip("=")


def _decode(text: str, where: str) -> bytes:
    text = text.strip()
    try:
        secret = base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))
    except (binascii.Error, ValueError) as exc:
        raise KeyFileError(f"Khóa trong {where} không đọc được: cần {KEY_BYTES} byte dạng base64.") from exc
    if len(secret) != KEY_BYTES:
        raise KeyFileError(f"Khóa trong {where} không đọc được: cần {KEY_BYTES} byte dạng base64.")
    return secret


def _read_file(path: Path) -> bytes:
    mode = stat.S_IMODE(path.stat().st_mode)
    if mode & 0o077:
        raise KeyFileError(f"Tệp khóa {path} đang cho người khác đọc (quyền {mode:o}): hãy chạy `chmod 600 {path}`.")
    return _decode(path.read_text(encoding="ascii"), str(path))


def _write_file(path: Path, secret: bytes) -> None:
    """A new key file readable by its owner only, complete when it appears (a key another process wrote first wins)."""
    path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    fd, draft = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.")  # mode 0600
    try:
        with os.fdopen(fd, "w", encoding="ascii") as f:
            f.write(_encode(secret) + "\n")
            f.flush()
            os.fsync(f.fileno())
        os.link(draft, path)
    except FileExistsError:
        pass
    finally:
        os.unlink(draft)


def keys_dir(settings: Settings) -> Path:
    """Where the key files are kept."""
    return settings.data_dir / "keys"


def _key(settings: Settings, purpose: KeyPurpose, given: str | None, initial: bytes | None) -> Key:
    """The key from its environment variable, else its file, else (development only) a new file."""
    env_name = ENV_NAMES[purpose]
    if given is not None:
        secret = given.encode() if purpose is KeyPurpose.SIGNING else _decode(given, env_name)
        return Key(purpose, secret, env_name)
    path = keys_dir(settings) / f"{purpose}.key"
    if not path.exists():
        if settings.env == "production" and initial is None:
            raise KeyFileError(
                f"Thiếu khóa {purpose}: đặt {env_name} hoặc tạo tệp {path} (quyền 600, {KEY_BYTES} "
                "byte ngẫu nhiên dạng base64, ví dụ `openssl rand -base64 32`)."
            )
        _write_file(path, initial if initial is not None else os.urandom(KEY_BYTES))
    secret = _read_file(path)
    return Key(purpose, _encode(secret).encode() if purpose is KeyPurpose.SIGNING else secret, str(path))


def key_ring(settings: Settings, *, carry_over_national_id: bool = False) -> KeyRing:
    """The keys of ``settings``' data dir (loaded once per settings object; fills ``settings.secret_key``).

    ``carry_over_national_id``: the store holds national-ID hashes of the previous release, so a missing
    national-ID key file is written with that release's key instead of a new one.
    """
    loaded = settings.loaded_keys
    if loaded is not None:
        return loaded
    given_signing = settings.secret_key
    legacy = given_signing or DEV_SECRET_KEY
    ring = KeyRing(
        signing=_key(settings, KeyPurpose.SIGNING, given_signing, None),
        personal_data=_key(settings, KeyPurpose.PERSONAL_DATA, _secret(settings.personal_data_key), None),
        national_id=_key(
            settings,
            KeyPurpose.NATIONAL_ID,
            _secret(settings.national_id_key),
            derive(legacy, b"members.national-id.v1") if carry_over_national_id else None,
        ),
        retired=tuple(
            Key(KeyPurpose.PERSONAL_DATA, _read_file(p), str(p))
            for p in sorted((keys_dir(settings) / "retired").glob("*.key"))
        ),
        legacy_secret=legacy,
    )
    settings.secret_key = ring.signing.secret.decode()
    settings.loaded_keys = ring
    return ring


def _secret(value: SecretStr | None) -> str | None:
    """The clear text of a ``SecretStr`` setting (None when not set)."""
    return None if value is None else value.get_secret_value()
