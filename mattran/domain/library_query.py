"""What a library question is made of: diacritics or not, its full-text query, the sentences that answer it."""

from __future__ import annotations

import re
from itertools import pairwise

from mattran.domain.text import fold, nfc, strip_marks

# Function words that say nothing about the topic (folded). They still count inside two-word phrases
# ("cơ quan", "bao nhiêu ngày"), only not alone.
STOPWORDS = frozenset(
    [
        "a",
        "ai",
        "anh",
        "ban",
        "bao",
        "bi",
        "bo",
        "cac",
        "cai",
        "can",
        "chi",
        "cho",
        "chu",
        "co",
        "con",
        "cua",
        "cung",
        "da",
        "dang",
        "day",
        "de",
        "den",
        "deu",
        "di",
        "do",
        "duoc",
        "gi",
        "gio",
        "ha",
        "hay",
        "hoac",
        "hoi",
        "khi",
        "khong",
        "kia",
        "la",
        "lai",
        "lam",
        "len",
        "luc",
        "ma",
        "minh",
        "moi",
        "mot",
        "muon",
        "nao",
        "nay",
        "neu",
        "nhe",
        "nhieu",
        "nhu",
        "nhung",
        "noi",
        "o",
        "oi",
        "ong",
        "phai",
        "qua",
        "ra",
        "rang",
        "roi",
        "sao",
        "se",
        "so",
        "tai",
        "the",
        "thi",
        "thoi",
        "toi",
        "tu",
        "va",
        "vao",
        "van",
        "ve",
        "vi",
        "voi",
        "vay",
        "xin",
    ]
)
_SENTENCE_END = re.compile(r"(?<=[.;:!?])\s+|\n+")


def is_unaccented(text: str) -> bool:
    """True when a Vietnamese question was typed without diacritics (so embeddings understand it poorly)."""
    letters = [c for c in text if c.isalpha()]
    return len(letters) >= 4 and strip_marks(text) == text


def search_terms(text: str) -> list[str]:
    """The folded words of a question, in order."""
    return fold(text).split()


def keywords(text: str) -> list[str]:
    """The terms full-text search indexes: unaccented words and adjacent word pairs written together.

    Vietnamese words are mostly two syllables ("khiếu nại", "thu hồi"), so the pair carries the meaning.
    """
    words = search_terms(text)
    return words + [a + b for a, b in pairwise(words)]


def query_terms(text: str) -> list[str]:
    """The distinct terms of a question worth looking up: topical words and word pairs (not two function words)."""
    words = search_terms(text)
    singles = [w for w in words if w not in STOPWORDS and (len(w) > 1 or w.isdigit())]
    pairs = [a + b for a, b in pairwise(words) if not (a in STOPWORDS and b in STOPWORDS)]
    return list(dict.fromkeys(singles + pairs))


def sentences(body: str) -> list[str]:
    """A passage split into sentences (and list items)."""
    return [s.strip() for s in _SENTENCE_END.split(body) if s and s.strip()]


def relevant_sentences(question: str, body: str, limit: int = 2) -> list[str]:
    """The sentences of ``body`` sharing the most topical words (and word pairs) with the question."""
    words = [w for w in search_terms(question) if w not in STOPWORDS]
    pairs = set(pairwise(words))
    scored: list[tuple[float, int, str]] = []
    for i, sentence in enumerate(sentences(body)):
        folded = search_terms(sentence)
        present = set(folded)
        score = sum(1 for w in set(words) if w in present)
        score += 2 * sum(1 for p in pairwise(folded) if p in pairs)
        if score:
            scored.append((score / (1 + len(folded) / 60), i, sentence))
    best = sorted(scored, key=lambda s: (-s[0], s[1]))[:limit]
    return [s for _, _, s in sorted(best, key=lambda s: s[1])]


def normalise_question(text: str) -> str:
    """NFC, single spaces, at most 500 characters."""
    return " ".join(nfc(text).split())[:500]
