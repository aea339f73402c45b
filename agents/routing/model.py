"""The router's model at run time: one linear classifier over a message's sentence embedding and its lexical
features, read from the shipped artefact.

The artefact (``router.npz``, built by ``scripts/train_router.py``; its SHA-256 in ``router.json``) holds the
weights over multilingual-e5-small query embeddings and over the tf-idf of :mod:`agents.routing.features` (one
linear SVM over both, the embedding's share folded into its weights), and the margin under which the two best
intents are too close to choose between. Only numpy runs here: nothing is unpickled.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from agents.routing.features import features

ARTEFACT = Path(__file__).with_name("router.npz")
CARD = Path(__file__).with_name("router.json")


def sha256(path: Path) -> str:
    """The file's SHA-256, hex."""
    return hashlib.sha256(path.read_bytes()).hexdigest()


@dataclass(frozen=True)
class Ranking:
    """Intents from most to least likely, with their scores (among the intents allowed)."""

    intents: tuple[str, ...]
    scores: tuple[float, ...]

    @property
    def best(self) -> str:
        """The most likely intent."""
        return self.intents[0]

    @property
    def margin(self) -> float:
        """How far the best is ahead of the second."""
        return self.scores[0] - self.scores[1] if len(self.scores) > 1 else float("inf")


@dataclass(frozen=True, eq=False)
class RouterModel:
    """The classifier's weights, its vocabulary and the margin that asks."""

    labels: tuple[str, ...]
    dense_weights: np.ndarray  # labels × embedding size
    lexical_weights: np.ndarray  # labels × vocabulary
    bias: np.ndarray
    vocabulary: dict[str, int]
    idf: np.ndarray
    clarify_margin: float  # closer than this: ask which was meant

    @classmethod
    def load(cls, path: Path = ARTEFACT) -> RouterModel:
        """The shipped artefact (or another file of the same shape)."""
        with np.load(path, allow_pickle=False) as data:
            settings = json.loads(str(data["settings"].item()))
            return cls(
                labels=tuple(str(x) for x in data["labels"]),
                dense_weights=data["dense_weights"],
                lexical_weights=data["lexical_weights"],
                bias=data["bias"],
                vocabulary={str(f): i for i, f in enumerate(data["vocabulary"])},
                idf=data["idf"],
                clarify_margin=float(settings["clarify_margin"]),
            )

    def lexical_vector(self, text: str) -> np.ndarray:
        """The text's tf-idf vector over the vocabulary (sublinear counts, unit length)."""
        vector = np.zeros(len(self.vocabulary), dtype=np.float32)
        for feature, count in features(text).items():
            index = self.vocabulary.get(feature)
            if index is not None:
                vector[index] = (1.0 + np.log(count)) * self.idf[index]
        norm = float(np.linalg.norm(vector))
        return vector / norm if norm else vector

    def scores(self, text: str, embedding: np.ndarray) -> np.ndarray:
        """Each label's score (higher: more likely)."""
        return np.asarray(self.dense_weights @ embedding + self.lexical_weights @ self.lexical_vector(text) + self.bias)

    def rank(self, text: str, embedding: np.ndarray, allowed: frozenset[str] | None = None) -> Ranking:
        """The intents the caller may have, most likely first."""
        scores = self.scores(text, embedding)
        keep = [i for i, label in enumerate(self.labels) if allowed is None or label in allowed]
        order = sorted(keep, key=lambda i: -scores[i])
        return Ranking(tuple(self.labels[i] for i in order), tuple(float(scores[i]) for i in order))
