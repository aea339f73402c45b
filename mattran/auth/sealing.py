"""Refresh tokens at rest: AES-GCM with a key of their own, each bound to the session that holds it."""

from __future__ import annotations

import logging
import os

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from mattran.keys import subkey

_log = logging.getLogger(__name__)
_VERSION = b"\x01"
_NONCE = 12


def refresh_token_key(secret: str) -> bytes:
    """The 256-bit key that seals refresh tokens (a subkey of the signing secret)."""
    return subkey(secret, "sessions.refresh-token.v1")


class TokenSealer:
    """Seals a token for one session (its id hash is the associated data: a sealed token moved to another row fails)."""

    def __init__(self, key: bytes) -> None:
        self._aead = AESGCM(key)

    def seal(self, token: str | None, session: str) -> bytes | None:
        """Version byte, random nonce, ciphertext and tag (None stays None)."""
        if token is None:
            return None
        nonce = os.urandom(_NONCE)
        return _VERSION + nonce + self._aead.encrypt(nonce, token.encode(), session.encode())

    def open(self, sealed: bytes | None, session: str) -> str | None:
        """The token, or None when absent or unreadable (another key, another row, tampered)."""
        if sealed is None:
            return None
        blob = bytes(sealed)
        try:
            if blob[:1] != _VERSION:
                raise InvalidTag
            return self._aead.decrypt(blob[1 : 1 + _NONCE], blob[1 + _NONCE :], session.encode()).decode()
        except InvalidTag:
            _log.warning("a session's refresh token could not be unsealed (secret key changed?): the session ends")
            return None
