"""Vietnamese text folding: the one normalisation used wherever a person types."""

from __future__ import annotations

import re
import unicodedata

_NON_WORD = re.compile(r"[^0-9a-z]+")


def nfc(text: str) -> str:
    """Unicode NFC form (Vietnamese text arrives in both composed and decomposed forms)."""
    return unicodedata.normalize("NFC", text)


def strip_marks(text: str) -> str:
    """Remove Vietnamese diacritics: ``Đặc khu Phú Quốc`` → ``Dac khu Phu Quoc``."""
    decomposed = unicodedata.normalize("NFD", text.replace("đ", "d").replace("Đ", "D"))
    return unicodedata.normalize("NFC", "".join(c for c in decomposed if unicodedata.category(c) != "Mn"))


def fold(text: str) -> str:
    """Lower case, no diacritics, words separated by single spaces, punctuation dropped."""
    return _NON_WORD.sub(" ", strip_marks(text).lower()).strip()


def fold_key(text: str) -> str:
    """Like :func:`fold` with no spaces at all: ``Phường 1`` → ``phuong1``."""
    return fold(text).replace(" ", "")
