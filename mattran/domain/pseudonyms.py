"""Pseudonyms of petitioners' accounts: a keyed hash where the account only needs to be recognised, never read.

The cadres' views and the petition history name a signed-in petitioner "công dân (đã đăng nhập)"; the history
keeps a pseudonym (HMAC-SHA256 of the OpenID subject, key derived from ``MATTRAN_SECRET_KEY``) so that two
petitions of one account can be told apart from two accounts without revealing either.
"""

from __future__ import annotations

import hashlib
import hmac

from mattran.keys import subkey

SIGNED_IN_CITIZEN = "công dân (đã đăng nhập)"
GUEST = "khách (không đăng nhập)"
DENOUNCER = "người tố cáo (được giữ bí mật)"
PREFIX = "cd-"


class Pseudonyms:
    """Keyed pseudonyms of account subjects."""

    def __init__(self, secret: str) -> None:
        self._key = subkey(secret, "petitions.submitter.v1")

    def of(self, subject: str) -> str:
        """``cd-`` and 20 hex digits of HMAC-SHA256(subject): stable, not reversible without the key."""
        return PREFIX + hmac.new(self._key, subject.encode(), hashlib.sha256).hexdigest()[:20]
