"""Vietnamese text folding: the one normalisation used wherever a person types."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable

_NON_WORD = re.compile(r"[^0-9a-z]+")

# Teencode and the abbreviations people type, folded, as the words they stand for (``ko`` → ``khong``, ``kp`` →
# ``khu pho``): a text typed this way reads as one typed in full.
TEENCODE = {
    "k": "khong",
    "ko": "khong",
    "kg": "khong",
    "khg": "khong",
    "kh": "khong",
    "hok": "khong",
    "dc": "duoc",
    "dk": "duoc",
    "dduoc": "duoc",
    "nc": "nuoc",
    "ng": "nguoi",
    "j": "gi",
    "vs": "voi",
    "r": "roi",
    "ae": "anh em",
    "bc": "bao cao",
    "bt": "binh thuong",
    "kp": "khu pho",
    "tdp": "to dan pho",
    "ubnd": "uy ban",
    "tp": "thanh pho",
    "hs": "hoc sinh",
    "mn": "moi nguoi",
    "nt": "nhu the",
    "ntn": "nhu the nao",
    "sn": "so nha",
}


class _Marks(dict[int, int | None]):
    """``str.translate``'s table dropping every non-spacing mark (category Mn), filled as characters are met."""

    def __missing__(self, code: int) -> int | None:
        kept = None if unicodedata.category(chr(code)) == "Mn" else code
        if len(self) < 65_536:  # text from anyone: the table stays bounded
            self[code] = kept
        return kept


_MARKS = _Marks({ord("đ"): ord("d"), ord("Đ"): ord("D")})


def nfc(text: str) -> str:
    """Unicode NFC form (Vietnamese text arrives in both composed and decomposed forms)."""
    return unicodedata.normalize("NFC", text)


def strip_marks(text: str) -> str:
    """Remove Vietnamese diacritics: ``Đặc khu Phú Quốc`` → ``Dac khu Phu Quoc``."""
    if text.isascii():
        return text
    return unicodedata.normalize("NFC", unicodedata.normalize("NFD", text).translate(_MARKS))


def fold(text: str) -> str:
    """Lower case, no diacritics, words separated by single spaces, punctuation dropped."""
    return _NON_WORD.sub(" ", strip_marks(text).lower()).strip()


def phrases_pattern(phrases: Iterable[str]) -> re.Pattern[str]:
    """A pattern finding any of the (folded) phrases as whole words, the longest first."""
    return re.compile(r"(?<!\w)(" + "|".join(sorted(map(re.escape, phrases), key=len, reverse=True)) + r")(?!\w)")


def fold_key(text: str) -> str:
    """Like :func:`fold` with no spaces at all: ``Phường 1`` → ``phuong1``."""
    return fold(text).replace(" ", "")
