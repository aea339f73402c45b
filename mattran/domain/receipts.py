"""Receipts: a petition's public number (``PAKN-2026-000123``, the cadres' reference) and the citizen's secret
(``-7KQ4XZ``) without which its status stays closed; one tolerant parser for every door."""

from __future__ import annotations

import hashlib
import hmac
import re
import secrets
import unicodedata
from dataclasses import dataclass
from datetime import datetime

ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"  # Crockford base32: no I, L, O, U
SECRET_LENGTH = 6
SALT_BYTES = 16
_DIGITS = ALPHABET[:10]
_CROCKFORD = str.maketrans("OIL", "011")  # what a person may type for 0 and 1
_SEP = r"[\s\-\u2010-\u2015\u2212_./:\u00ad\u200b-\u200d\u2060\ufeff]*"  # with invisible ones pasted along
# The prefix as typed (PAKN, and the usual slips: PAKM, PAKB, PKAN, PANK), the year, the number, then perhaps the
# secret: six letters or digits standing alone, at least one of them a digit (every secret has one).
_RECEIPT = re.compile(
    rf"(?<![0-9a-z])p(?:ak[nmb]|kan|ank){_SEP}(\d{{4}}){_SEP}(\d{{1,6}})"
    rf"(?:{_SEP}(?=[0-9a-z]{{0,5}}\d)([0-9a-z]{{{SECRET_LENGTH}}}))?(?![0-9a-z])",
    re.IGNORECASE,
)


def spans(text: str) -> list[tuple[int, int]]:
    """Where receipts and petition numbers stand in ``text`` (references, never personal data)."""
    return [(m.start(), m.end()) for m in _RECEIPT.finditer(text)]


@dataclass(frozen=True)
class Receipt:
    """What a citizen holds: the public number and, when given, the secret (upper case)."""

    year: int
    number: int
    secret: str | None = None

    @property
    def public_code(self) -> str:
        """``PAKN-2026-000123``: the petition's number, which alone opens nothing unpublished."""
        return public_code(self.number, self.year)

    def __str__(self) -> str:
        return f"{self.public_code}-{self.secret}" if self.secret else self.public_code


def public_code(number: int, year: int) -> str:
    """``PAKN-2026-000123``."""
    return f"PAKN-{year}-{number:06d}"


def issue(number: int, at: datetime) -> Receipt:
    """A new receipt: the number, the year it was filed in, a random secret with at least one digit."""
    chars = [secrets.choice(ALPHABET) for _ in range(SECRET_LENGTH)]
    chars[secrets.randbelow(SECRET_LENGTH)] = secrets.choice(_DIGITS)
    return Receipt(at.year, number, "".join(chars))


def parse(text: str | None) -> Receipt | None:
    """The receipt (or bare number) in ``text``, however written: spaces or no separators, dashes of any kind,
    lower case, surrounding words (``pakn 2026 123 7kq4xz``, ``PAKN20260001237KQ4XZ``); None when there is none."""
    if not text:
        return None
    found = _RECEIPT.search(unicodedata.normalize("NFKC", text))
    if found is None:
        return None
    secret = found.group(3).upper().translate(_CROCKFORD) if found.group(3) else None
    return Receipt(int(found.group(1)), int(found.group(2)), secret)


def not_found(text: str) -> str:
    """Why nothing is shown for ``text``, in Vietnamese (saying no more than whether a secret was given)."""
    receipt = parse(text)
    if receipt is None:
        return f"“{text}” không phải mã tra cứu: mã tra cứu có dạng PAKN-2026-000123-7KQ4XZ."
    if receipt.secret is None:
        return (
            f"Cần mã tra cứu đầy đủ, gồm cả 6 ký tự cuối (ví dụ {receipt.public_code}-7KQ4XZ), như khi gửi "
            "phản ánh. Nếu đã đăng nhập khi gửi, hãy đăng nhập để tra cứu bằng số phản ánh."
        )
    return f"Không tìm thấy phản ánh mã “{receipt}”. Vui lòng kiểm tra lại mã tra cứu."


def new_salt() -> bytes:
    """A random salt for one petition's secret."""
    return secrets.token_bytes(SALT_BYTES)


def digest(salt: bytes, secret: str) -> bytes:
    """What the store keeps of a secret (migration 0014 computes the same in SQL)."""
    return hashlib.sha256(salt + secret.upper().encode()).digest()


def opens(receipt: Receipt, salt: bytes | None, stored: bytes | None) -> bool:
    """Whether the receipt's secret is the petition's (compared in constant time)."""
    if not receipt.secret or salt is None or stored is None:
        return False
    return hmac.compare_digest(digest(bytes(salt), receipt.secret), bytes(stored))


def seal(secret: str, key: bytes) -> bytes:
    """The secret enciphered with a key only the filing's caller can rebuild (their idempotency key and body):
    an idempotent retry gets the whole receipt back, a reader of the store does not."""
    pad = hashlib.sha256(b"mattran-receipt-seal\0" + key).digest()
    return bytes(a ^ b for a, b in zip(secret.encode(), pad, strict=False))


def unseal(sealed: bytes, key: bytes) -> str:
    """The secret :func:`seal` enciphered with ``key``."""
    pad = hashlib.sha256(b"mattran-receipt-seal\0" + key).digest()
    return bytes(a ^ b for a, b in zip(bytes(sealed), pad, strict=False)).decode()
