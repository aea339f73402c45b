"""Whether two petitions are about the same matter, and why: the meaning of their texts (the embedding model's
cosine) weighed with the places they name (``thôn 3``, ``đường Lê Lợi``, ``ngõ 12``), diacritics-insensitive.

Meaning alone finds the same kind of problem, not the same problem: a pothole on one road reads like a pothole on
another. So a pair naming the same kind of place with different names (``thôn 3`` and ``thôn 5``) is held apart,
and a pair naming the same place is drawn together. The threshold shown to cadres, :data:`SAME_MATTER`, was
chosen on ``evals/datasets/petition_pairs.dev.jsonl`` (``mattran eval similarity``).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from mattran.domain.text import fold

SAME_MATTER = 0.95
"""The score from which a cadre is shown a petition as possibly the same matter (dev: precision 0.91, recall 0.50)."""
SHARED_PLACE = 0.02  # both name the same place
OTHER_PLACE = 0.15  # both name a place of one kind, each another one

# The kinds of place whose name tells one problem from another (folded), longest first.
_KINDS = {
    "ngo": "ngõ",
    "ngach": "ngách",
    "hem": "hẻm",
    "kiet": "kiệt",
    "thon": "thôn",
    "xom": "xóm",
    "lang": "làng",
    "ban": "bản",
    "ap": "ấp",
    "to dan pho": "tổ dân phố",
    "to": "tổ",
    "khu pho": "khu phố",
    "khu": "khu",
    "tap the": "tập thể",
    "duong": "đường",
    "pho": "phố",
    "cho": "chợ",
    "cau": "cầu",
    "song": "sông",
    "kenh": "kênh",
    "truong": "trường",
    "tram y te": "trạm y tế",
    "benh vien": "bệnh viện",
    "canh dong": "cánh đồng",
    "quan": "quán",
    "xuong": "xưởng",
    "trai": "trại",
    "nha van hoa": "nhà văn hóa",
}
_KIND = re.compile(r"(?<!\w)(" + "|".join(sorted(_KINDS, key=len, reverse=True)) + r")(?!\w)")
_NUMBERS = {"mot": "1", "hai": "2", "ba": "3", "bon": "4", "tu": "4", "nam": "5", "sau": "6", "bay": "7", "tam": "8"}
# words of a school's or a hamlet's type, not of its name
_GENERIC = {"tieu", "hoc", "mam", "non", "thcs", "thpt", "trung", "so", "lien", "xa", "thon", "huyen", "tinh"}
_WORD = re.compile(r"[^\W_]+")
_CLAUSE = re.compile(r"[.,;:!?()\n]+")


_STOP = frozenset(
    [
        "bi",
        "co",
        "da",
        "la",
        "vao",
        "cua",
        "nay",
        "o",
        "va",
        "thi",
        "nhieu",
        "rat",
        "khong",
        "chua",
        "gan",
        "tai",
        "tu",
        "den",
        "ra",
        "qua",
        "moi",
        "khi",
        "lon",
        "sau",
        "truoc",
        "doan",
        "tren",
        "duoi",
        "nguoi",
        "dan",
        "di",
        "lai",
        "mot",
        "hai",
        "cac",
        "nhung",
        "de",
        "nghi",
        "ho",
        "gia",
        "dinh",
        "vua",
        "ca",
        "dau",
        "cuoi",
        "giua",
        "duoc",
        "cho",
        "voi",
        "nen",
        "phai",
        "toi",
        "chung",
        "con",
        "minh",
        "ay",
        "do",
        "thanh",
        "the",
        "nao",
        "lam",
    ]
)


@dataclass(frozen=True)
class Place:
    """A place a petition names: its kind (``thôn``) and the words of its name, folded (``3``; ``le loi``)."""

    kind: str
    name: frozenset[str]
    text: str


def places(text: str) -> list[Place]:
    """The places named in a petition: a kind word followed by a number or by capitalised words (when the text
    is typed with capitals), or, in text typed all in lower case, by the one word that follows."""
    lowercase = text == text.lower()
    found: list[Place] = []
    for clause in _CLAUSE.split(text):
        words = _WORD.findall(clause)
        folded = [fold(w) for w in words]
        joined = " ".join(folded)
        for match in _KIND.finditer(joined):
            start = joined[: match.start()].count(" ")
            size = match.group(1).count(" ") + 1
            name: list[str] = []
            for j in range(start + size, min(start + size + 4, len(words))):
                word, key = words[j], folded[j]
                if key.isdigit() or (not name and key in _NUMBERS):
                    name.append(_NUMBERS.get(key, key))
                    break
                if _KIND.fullmatch(key) and name:
                    break
                if lowercase and not name and len(key) > 1 and key not in _STOP:
                    name.append(key)
                    break
                if lowercase or not word[:1].isupper():
                    break
                name.append(key)
            meaningful = frozenset(n for n in name if n not in _GENERIC)
            if meaningful:
                kind = _KINDS[match.group(1)]
                found.append(Place(kind, meaningful, " ".join(words[start : start + size + len(name)])))
    return found


@dataclass(frozen=True)
class Match:
    """How alike two petitions are: the score (compared with :data:`SAME_MATTER`), the meaning's cosine, the places
    both name, the places of the same kind named differently, and the words both use (folded)."""

    score: float
    meaning: float
    shared_places: tuple[str, ...]
    other_places: tuple[str, ...]
    shared_words: tuple[str, ...]

    @property
    def likely_same(self) -> bool:
        """Whether the pair is shown as possibly the same matter."""
        return self.score >= SAME_MATTER

    def reasons(self) -> list[str]:
        """Why the pair matches or not, in Vietnamese, for the cadre who decides."""
        said = [f"Nội dung gần nghĩa: {round(self.meaning * 100)}%"]
        if self.shared_places:
            said.append("Cùng địa điểm: " + ", ".join(self.shared_places))
        if self.other_places:
            said.append("Khác địa điểm: " + ", ".join(self.other_places))
        if self.shared_words:
            said.append("Từ trùng: " + ", ".join(self.shared_words[:12]))
        return said


def compare(a: str, b: str, meaning: float) -> Match:
    """The match of two petitions' texts (title and content) whose embeddings' cosine is ``meaning``."""
    pa, pb = places(a), places(b)
    shared = sorted({f"{x.text}" for x in pa for y in pb if x.kind == y.kind and x.name & y.name})
    kinds_shared = {x.kind for x in pa for y in pb if x.kind == y.kind and x.name & y.name}
    other = sorted(
        {
            f"{x.text} / {y.text}"
            for x in pa
            for y in pb
            if x.kind == y.kind and x.kind not in kinds_shared and not x.name & y.name
        }
    )
    wa = {w for w in fold(a).split() if w not in _STOP and len(w) > 1}
    wb = {w for w in fold(b).split() if w not in _STOP and len(w) > 1}
    score = meaning + (SHARED_PLACE if shared else 0.0) - (OTHER_PLACE if other else 0.0)
    return Match(
        score=round(score, 4),
        meaning=meaning,
        shared_places=tuple(shared),
        other_places=tuple(other),
        shared_words=tuple(sorted(wa & wb)),
    )
