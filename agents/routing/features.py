"""The lexical model's features: syllables, syllable pairs and letter n-grams of the folded text (no diacritics,
lower case), so that a message typed without marks, with a slip or glued words, shares features with its clean form."""

from __future__ import annotations

import re
from collections import Counter
from itertools import pairwise

from mattran.domain.text import fold

_SYLLABLE = re.compile(r"[a-z0-9]+")
_GRAMS = (3, 4)


def features(text: str) -> Counter[str]:
    """Counts of the text's features: ``w:`` syllables, ``b:`` pairs of syllables, ``c:`` letter n-grams within a
    syllable padded with spaces (``" ngx"``)."""
    syllables = _SYLLABLE.findall(fold(text))
    found: Counter[str] = Counter()
    found.update(f"w:{s}" for s in syllables)
    found.update(f"b:{a}_{b}" for a, b in pairwise(syllables))
    for s in syllables:
        padded = f" {s} "
        for n in _GRAMS:
            found.update(f"c:{padded[i : i + n]}" for i in range(len(padded) - n + 1))
    return found
