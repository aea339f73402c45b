"""The library's query adapter: a linear map of a question's embedding learnt from everyday questions and the
articles of law that answer them, so that a question in people's own words lands nearer the passages that answer it.

Only questions move: passages keep the embedding model's vectors (nothing is re-embedded, the untuned model stays a
setting, ``MATTRAN_LIBRARY_QUERY_ADAPTER=false``). The map (``library_adapter.npz``, its SHA-256 and how it was made
in ``library_adapter.json``) is built by ``scripts/train_library_adapter.py``, contrastively (every other passage of
the tuning laws a negative, those of neighbouring laws included); nothing is trained at run time.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from functools import cache
from pathlib import Path

import numpy as np

ARTEFACT = Path(__file__).with_name("library_adapter.npz")
CARD = Path(__file__).with_name("library_adapter.json")


@dataclass(frozen=True, eq=False)
class QueryAdapter:
    """``matrix`` (d × d) applied to a question's unit vector; the result is a unit vector again. Its questions lie
    further from every passage than as embedded, hence a relevance threshold of its own (see the card)."""

    matrix: np.ndarray
    model: str  # the embedding model whose vectors it maps (``Settings.embedding_model``)
    relevant_confidence: float  # the search's confidence from which the library says it holds an answer

    @classmethod
    def load(cls, path: Path = ARTEFACT, card: Path = CARD) -> QueryAdapter:
        """The shipped artefact (or another file of the same shape) with the threshold calibrated for it."""
        relevance = json.loads(card.read_text(encoding="utf-8"))["relevance"]
        with np.load(path, allow_pickle=False) as data:
            settings = json.loads(str(data["settings"].item()))
            return cls(
                matrix=data["matrix"].astype(np.float32),
                model=str(settings["model"]),
                relevant_confidence=float(relevance["confidence"]),
            )

    def __call__(self, vector: np.ndarray) -> np.ndarray:
        """The adapted question vector (unit length)."""
        mapped = self.matrix @ np.asarray(vector, dtype=np.float32)
        return mapped / max(float(np.linalg.norm(mapped)), 1e-12)


@cache
def shipped_adapter() -> QueryAdapter:
    """The shipped artefact (read once per process)."""
    return QueryAdapter.load()
