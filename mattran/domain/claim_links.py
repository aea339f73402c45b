"""The signed links that let a guest's petition be claimed by a citizen's account (the receipt e-mail carries one;
:mod:`mattran.domain.petitions.claims` checks it): bound to the petition and its contact e-mail, valid 30 days."""

from __future__ import annotations

import base64
import hashlib
import hmac
from dataclasses import dataclass
from datetime import datetime, timedelta

CLAIM_PATH = "/phan-anh-cua-toi/nhan"
VALID_FOR = timedelta(days=30)


def _normal(email: str) -> str:
    return email.strip().casefold()


@dataclass(frozen=True)
class ClaimLinks:
    """Signs and checks the tokens of claim links: ``petition.expiry.signature`` (HMAC-SHA256 over the petition,
    the expiry and the contact e-mail, 128 bits; the e-mail itself is not in the token)."""

    key: bytes  # a key of its own (derived from the signing secret for this one use)

    def _signature(self, petition_id: int, expires: int, email: str) -> str:
        message = f"claim.{petition_id}.{expires}.{_normal(email)}".encode()
        digest = hmac.new(self.key, message, hashlib.sha256).digest()[:16]
        return base64.urlsafe_b64encode(digest).decode().rstrip("=")

    def token(self, petition_id: int, email: str, filed_at: datetime) -> str:
        """The token of a petition filed at ``filed_at`` (the same on every sending of its receipt)."""
        expires = int((filed_at + VALID_FOR).timestamp())
        return f"{petition_id}.{expires}.{self._signature(petition_id, expires, email)}"

    @staticmethod
    def parse(token: str) -> tuple[int, int, str] | None:
        """The petition and the expiry a token names (its signature unchecked), or None when malformed."""
        parts = token.strip().split(".")
        if len(parts) != 3 or not all(p.isascii() and p.isdigit() and 0 < len(p) < 19 for p in parts[:2]):
            return None
        return int(parts[0]), int(parts[1]), parts[2]

    def holds(self, token: str, email: str) -> bool:
        """Whether ``token`` was signed for ``email`` (its expiry unchecked)."""
        parsed = self.parse(token)
        if parsed is None:
            return False
        petition_id, expires, signature = parsed
        return hmac.compare_digest(signature.encode(), self._signature(petition_id, expires, email).encode())
