"""Diacritics put back into Vietnamese typed without them: "hoi dong nhan dan hop may lan" → "hội đồng nhân dân họp
mấy lần".

A syllable bigram model: each unmarked syllable may be any marked syllable that folds to it ("hoi" → hỏi, hội, hơi,
hồi…), and the most likely sequence is chosen (Viterbi) by how often each syllable follows the one before in a body
of Vietnamese text. The counts (``diacritics.json.gz``, its SHA-256 and sources in ``diacritics.card.json``) come
from a dictionary of Vietnamese words (underthesea's Viet74K) and the project's own accented text: the laws tuning may
read, the guides and the independent training questions and petitions — never a development or sealed set, nor the
laws kept out of tuning; ``scripts/build_diacritics.py`` rebuilds them. Text at hand (the passages a search found for
the question) is counted in with a larger weight, so that a question is spelt as the documents that answer it.
"""

from __future__ import annotations

import gzip
import json
import math
import re
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass
from functools import cache
from itertools import pairwise
from pathlib import Path

from mattran.domain.text import strip_marks

ARTEFACT = Path(__file__).with_name("diacritics.json.gz")
CARD = Path(__file__).with_name("diacritics.card.json")
START = "<s>"
_SYLLABLES = re.compile(r"\w+")
_PRIOR = 10.0  # times the number of syllables seen after a syllable: the weight of its followers unseen
_CHOICES = 8  # the most frequent marked forms of a syllable considered
AT_HAND = 20  # a bigram of the text at hand counts as this many of the body's


def syllables(text: str) -> list[str]:
    """The lower-case syllables (and numbers) of ``text``, in order."""
    return _SYLLABLES.findall(text.lower())


def counts(texts: Iterable[str]) -> tuple[Counter[str], Counter[tuple[str, str]]]:
    """Syllable and adjacent-pair counts of ``texts`` (each text starts a sequence)."""
    singles: Counter[str] = Counter()
    pairs: Counter[tuple[str, str]] = Counter()
    for text in texts:
        words = syllables(text)
        singles.update(words)
        pairs.update(pairwise([START, *words]))
    return singles, pairs


@dataclass(frozen=True, eq=False)
class Restorer:
    """The bigram model: syllable counts, pair counts, and what is derived from them once."""

    singles: Counter[str]
    pairs: Counter[tuple[str, str]]
    forms: dict[str, list[str]]  # unmarked syllable → the marked syllables that fold to it, most frequent first
    followers: Counter[str]  # syllable → how many different syllables follow it
    total: int  # syllables counted

    @classmethod
    def of(cls, singles: Counter[str], pairs: Counter[tuple[str, str]]) -> Restorer:
        """The model of these counts."""
        forms: dict[str, list[str]] = {}
        for word, _ in singles.most_common():
            forms.setdefault(strip_marks(word), []).append(word)
        followers = Counter(before for before, _ in pairs)
        return cls(singles, pairs, forms, followers, sum(singles.values()))

    @classmethod
    def load(cls, path: Path = ARTEFACT) -> Restorer:
        """The shipped counts (or another file of the same shape)."""
        with gzip.open(path, "rt", encoding="utf-8") as file:
            data = json.load(file)
        pairs = Counter({tuple(k.split(" ")): n for k, n in data["pairs"].items()})
        return cls.of(Counter(data["singles"]), pairs)

    def restore(self, text: str, at_hand: Iterable[str] = ()) -> str:
        """``text`` (typed without marks) with its most likely marks, lower case, syllables joined by spaces;
        ``at_hand`` texts (passages found for it) weigh more than the body's counts."""
        words = syllables(text)
        if not words:
            return ""
        near_singles, near_pairs = counts(at_hand)
        forms, followers = self.forms, self.followers
        total = self.total + AT_HAND * sum(near_singles.values())

        def single(word: str) -> float:
            return (self.singles[word] + AT_HAND * near_singles[word] + 0.5) / (total + 0.5 * len(self.singles))

        def pair(before: str, word: str) -> float:
            seen = self.pairs[before, word] + AT_HAND * near_pairs[before, word]
            context = self.singles[before] + AT_HAND * near_singles[before] if before != START else 0
            prior = _PRIOR * max(followers[before], 1)  # Witten-Bell: a syllable followed by many is followed by more
            return math.log((seen + prior * single(word)) / (context + prior))

        # Viterbi over each syllable's candidates (itself when nothing folds to it differently).
        best: dict[str, tuple[float, list[str]]] = {START: (0.0, [])}
        for word in words:
            choices = _candidates(word, forms, near_singles)
            step: dict[str, tuple[float, list[str]]] = {}
            for choice in choices:
                score, path = max(
                    ((s + pair(before, choice), p) for before, (s, p) in best.items()), key=lambda sp: sp[0]
                )
                step[choice] = (score, [*path, choice])
            best = step
        return " ".join(max(best.values(), key=lambda sp: sp[0])[1])


def _candidates(word: str, forms: dict[str, list[str]], at_hand: Counter[str]) -> list[str]:
    """The marked syllables an unmarked ``word`` may stand for (the body's and those of the text at hand)."""
    if strip_marks(word) != word:
        return [word]  # already marked
    found = list(forms.get(word, ()))[:_CHOICES]
    found += [w for w in at_hand if w not in found and strip_marks(w) == word]
    return found or [word]


@cache
def shipped_restorer() -> Restorer:
    """The shipped model (read once per process)."""
    return Restorer.load()
