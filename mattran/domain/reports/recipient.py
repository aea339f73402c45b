"""The body or session a voters' summary is for, in canonical Vietnamese whatever way it was typed.

A request typed without diacritics (``gui ky hop hdnd tinh cuoi nam 2026``) must not put ``ky hop hdnd tinh`` into
an official title: the words of this small grammar (sessions, bodies, unit types) are written back with their
diacritics; a word outside it that was typed without diacritics (an unaccented place name) ends the recipient
there, so no unaccented word reaches a document.
"""

from __future__ import annotations

from mattran.domain.text import fold, strip_marks

_PHRASES = {
    "hoi dong nhan dan": "Hội đồng nhân dân",
    "uy ban nhan dan": "Ủy ban nhân dân",
    "quoc hoi": "Quốc hội",
    "doan dai bieu": "Đoàn đại biểu",
    "dai bieu": "đại biểu",
    "ky hop": "kỳ họp",
    "hoi nghi": "hội nghị",
    "tiep xuc cu tri": "tiếp xúc cử tri",
    "chuyen de": "chuyên đề",
    "bat thuong": "bất thường",
    "thanh pho": "thành phố",
    "dac khu": "đặc khu",
    "cuoi nam": "cuối năm",
    "giua nam": "giữa năm",
    "dau nam": "đầu năm",
    "lan thu": "lần thứ",
}
_WORDS = {
    "hdnd": "HĐND",
    "ubnd": "UBND",
    "mttq": "MTTQ",
    "thu": "thứ",
    "khoa": "khóa",
    "tinh": "tỉnh",
    "xa": "xã",
    "phuong": "phường",
    "cua": "của",
    "va": "và",
    "cac": "các",
    "cap": "cấp",
    "cuoi": "cuối năm",  # "cuối năm 2026": the year was read as the period
    "giua": "giữa năm",
    "dau": "đầu năm",
}
_ROMAN = {"i", "ii", "iii", "iv", "v", "vi", "vii", "viii", "ix", "x", "xi", "xii", "xiii", "xiv", "xv", "xvi", "xvii"}


def _kept(word: str) -> str | None:
    """A word that needs no restoring: with its diacritics, a number, a Roman numeral (as capitals), an acronym."""
    if strip_marks(word) != word or word.isdigit() or (word.isupper() and len(word) > 1):
        return word.upper() if word.lower() in _ROMAN else word
    if word.lower() in _ROMAN and word.lower() != "i":
        return word.upper()
    return None


def canonical_recipient(written: str) -> str | None:
    """``ky hop hdnd tinh cuoi`` → ``kỳ họp HĐND tỉnh cuối năm``; ``kỳ họp thứ 10 Quốc hội`` stays as written."""
    words = [w.strip(",.;:") for w in written.split() if w.strip(",.;:")]
    out: list[str] = []
    i = 0
    while i < len(words):
        for size in (4, 3, 2):
            chunk = words[i : i + size]
            phrase = _PHRASES.get(fold(" ".join(chunk))) if len(chunk) == size else None
            if phrase:
                marked = all(strip_marks(w) != w or w.isupper() for w in chunk)
                out.append(" ".join(chunk) if marked else phrase)
                i += size
                break
        else:
            word = words[i]
            restored = _kept(word) or _WORDS.get(word.lower())
            if restored is None:
                break  # an unaccented word of no known meaning: the recipient stops before it
            if restored.endswith(" năm") and i + 1 < len(words) and fold(words[i + 1]) == "nam":
                i += 1
            out.append(restored)
            i += 1
    return " ".join(out) or None
