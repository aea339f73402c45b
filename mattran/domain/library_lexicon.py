"""The everyday ↔ legal lexicon of the library: how people say what the laws name ("sổ đỏ" → "giấy chứng nhận
quyền sử dụng đất", "đền bù" → "bồi thường").

Entries (``library_lexicon.tsv``) are written from the definition articles ("Giải thích từ ngữ") of the laws the
search is tuned on and from common usage, each with its source; never from the laws kept out of tuning
(``evals.retrieval.UNSEEN_LAWS``). A question's everyday phrases are found folded (with or without diacritics);
their legal terms widen its full-text query at a weight below the asker's own words, and their spelling helps put
the diacritics back into a question typed without them.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from mattran.domain.library_query import query_terms, search_terms
from mattran.domain.text import fold, nfc, strip_marks

LEXICON = Path(__file__).with_name("library_lexicon.tsv")
_WORDS = re.compile(r"[^\W_]+")


@dataclass(frozen=True)
class Entry:
    """One everyday phrase and the legal terms it stands for."""

    everyday: str
    legal: tuple[str, ...]
    weight: float
    source: str


class Lexicon:
    """Entries looked up by their folded everyday phrase."""

    def __init__(self, entries: list[Entry]) -> None:
        self.entries = entries
        self._by_words: dict[tuple[str, ...], Entry] = {tuple(search_terms(e.everyday)): e for e in entries}
        self._longest = max((len(k) for k in self._by_words), default=0)

    @classmethod
    def load(cls, path: Path = LEXICON) -> Lexicon:
        """The lexicon of a TSV file (everyday, legal terms separated by "|", weight, source; "#" lines skipped)."""
        entries = []
        lines = [line for line in path.read_text(encoding="utf-8").splitlines() if line and not line.startswith("#")]
        for line in lines[1:]:
            everyday, legal, weight, source = line.split("\t")
            entries.append(Entry(everyday, tuple(t.strip() for t in legal.split("|")), float(weight), source))
        return cls(entries)

    def matches(self, question: str) -> list[Entry]:
        """The entries whose everyday phrase the question holds as whole words: a word typed with diacritics must be
        spelt as the entry spells it ("sở" is not "sổ"), one typed without them matches either."""
        written = _WORDS.findall(nfc(question).lower())
        words = [fold(w) for w in written]
        found: dict[str, Entry] = {}
        for start in range(len(words)):
            for size in range(1, min(self._longest, len(words) - start) + 1):
                entry = self._by_words.get(tuple(words[start : start + size]))
                if entry is not None and _spelt_alike(written[start : start + size], entry.everyday):
                    found[entry.everyday] = entry
        return list(found.values())

    def expansion(self, question: str) -> dict[str, float]:
        """The full-text terms the question's everyday phrases add, each with its entry's weight (the highest when
        several entries add it); the question's own terms are left out."""
        own = set(query_terms(question))
        added: dict[str, float] = {}
        for entry in self.matches(question):
            for term in (t for legal in entry.legal for t in query_terms(legal)):
                if term not in own:
                    added[term] = max(added.get(term, 0.0), entry.weight)
        return added

    def spellings(self, question: str) -> list[str]:
        """How the question's everyday phrases and their legal terms are written (to restore diacritics)."""
        return [text for entry in self.matches(question) for text in (entry.everyday, *entry.legal)]


def _spelt_alike(written: list[str], everyday: str) -> bool:
    spelt = _WORDS.findall(nfc(everyday).lower())
    return len(spelt) == len(written) and all(
        w == e or strip_marks(w) == w for w, e in zip(written, spelt, strict=True)
    )


@cache
def lexicon() -> Lexicon:
    """The shipped lexicon (read once)."""
    return Lexicon.load()
