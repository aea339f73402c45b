"""The library's learned fusion: each candidate article's signals (dense, full text, lexicon-expanded full text,
article as a whole, law title and article heading matches) combined by weights fitted on the development set.

The weights (``library_fusion.json``) are fitted by ``scripts/fit_library_fusion.py`` (logistic regression on the
candidates of the development set's questions, gold article or not); nothing is trained at run time.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from functools import cache
from pathlib import Path

WEIGHTS = Path(__file__).with_name("library_fusion.json")

# The signals of a candidate article, each in [0, 1] (a signal the article lacks is 0).
FEATURES = (
    "dense",  # the best cosine similarity of one of its passages to the question
    "dense_rank",  # 10 / (10 + rank) of that passage among the nearest
    "text",  # the best share of the question's term weight one of its passages holds
    "text_rank",
    "expanded",  # the same with the lexicon's legal terms added to the question
    "expanded_rank",
    "article_dense",  # cosine similarity to the mean of all its passages' vectors
    "article_text",  # the share of the question's term weight the article holds as a whole
    "heading",  # the share of the question's term weight its heading ("Điều N. …") holds
    "title",  # the share of the question's term weight the law's title holds
    "clause",  # 1 when the article is cut into several passages (the hit is one clause)
)


def rank_signal(rank: int | None) -> float:
    """A rank (0 = first) as a signal that falls off smoothly; 0 when not ranked."""
    return 0.0 if rank is None else 10 / (11 + rank)


@dataclass(frozen=True)
class FusionModel:
    """A linear score over the features (a logistic regression's log-odds)."""

    weights: dict[str, float]
    bias: float

    @classmethod
    def load(cls, path: Path = WEIGHTS) -> FusionModel:
        """The weights of a JSON file ``{"features": [...], "weights": [...], "bias": b}``."""
        data = json.loads(path.read_text(encoding="utf-8"))
        return cls(dict(zip(data["features"], map(float, data["weights"]), strict=True)), float(data["bias"]))

    def score(self, features: dict[str, float]) -> float:
        """The log-odds that the article answers the question."""
        return self.bias + sum(w * features.get(name, 0.0) for name, w in self.weights.items())


@cache
def fusion() -> FusionModel:
    """The shipped weights (read once)."""
    return FusionModel.load()
