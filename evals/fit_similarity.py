"""Refit the similar-petition matcher (``mattran/domain/petitions/matching_weights.json``): a logistic regression on
:func:`~mattran.domain.petitions.matching.features` over the training pairs (``petition_pairs.train.jsonl``, written
by an author who never saw the matcher) and the tuned part of the development pairs (``"split": "tune"``; the
``"check"`` part is held apart to confirm the threshold). The threshold shown to cadres is the lowest at which the
pairs' out-of-fold scores (five folds, each scored by a model fitted on the other four) keep precision ≥
:data:`PRECISION`: chosen on pairs the scoring model has not seen, as the platform's pairs will be.

    python -m evals.fit_similarity            # refit and write the weights
    python -m evals.fit_similarity --check    # exit 1 when the shipped weights are not what the refit gives

Deterministic: the same pairs (their SHA-256 is kept with the weights) and embedding model give the same weights;
nothing fits at run time, and CI only checks.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import sys
from typing import Any

import numpy as np

from evals import similarity
from mattran.domain.petitions.matching import FEATURES, WEIGHTS, features, probability

PRECISION = 0.9  # asked of unseen pairs
RIDGE = 3.0  # L2 penalty on the standardised weights
FOLDS = 5
TOLERANCE = 0.05  # how far a refitted weight may differ from the shipped one (float noise of the embedding model)


def fit(x: np.ndarray, y: np.ndarray) -> tuple[list[float], float]:
    """Weights and bias of an L2-penalised logistic regression (Newton's method on standardised features)."""
    mean, scale = x.mean(axis=0), x.std(axis=0) + 1e-9
    z = np.hstack([np.ones((len(x), 1)), (x - mean) / scale])
    w = np.zeros(z.shape[1])
    penalty = np.diag([0.0] + [RIDGE] * x.shape[1])
    for _ in range(50):
        p = 1 / (1 + np.exp(-z @ w))
        gradient = z.T @ (p - y) + penalty @ w
        hessian = (z.T * (p * (1 - p))) @ z + penalty
        w -= np.linalg.solve(hessian, gradient)
    weights = w[1:] / scale
    return [round(float(v), 6) for v in weights], round(float(w[0] - weights @ mean), 6)


def threshold(scores: list[float], same: list[bool]) -> float:
    """The lowest score at which the pairs shown keep precision ≥ :data:`PRECISION` (most recall)."""
    best = 1.0
    for t in sorted(set(scores), reverse=True):
        shown = [s for score, s in zip(scores, same, strict=True) if score >= t]
        if sum(shown) / len(shown) >= PRECISION:
            best = t
    return round(best - 1e-4, 4)


def out_of_fold(x: np.ndarray, y: np.ndarray) -> list[float]:
    """Each pair's score by a model fitted on the other folds (pair ``i`` in fold ``i % FOLDS``)."""
    scores = np.zeros(len(x))
    fold = np.arange(len(x)) % FOLDS
    for k in range(FOLDS):
        weights, bias = fit(x[fold != k], y[fold != k])
        scores[fold == k] = [probability(tuple(row), weights, bias) for row in x[fold == k].tolist()]
    return scores.tolist()


def fitted(pairs: list[similarity.Pair]) -> list[similarity.Pair]:
    """The pairs fitted on: all but the development set's held-apart part."""
    return [p for p in pairs if p.split != "check"]


def refit(pairs: list[similarity.Pair], cosines: list[float]) -> dict[str, Any]:
    """The fitted model (features, weights, bias, threshold) from the pairs fitted on and their cosines."""
    tuned = [(p, c) for p, c in zip(pairs, cosines, strict=True) if p.split != "check"]
    x = np.array([features(p.a, p.b, c) for p, c in tuned])
    y = np.array([float(p.same) for p, _ in tuned])
    weights, bias = fit(x, y)
    return {
        "features": list(FEATURES),
        "weights": weights,
        "bias": bias,
        "threshold": threshold(out_of_fold(x, y), [p.same for p, _ in tuned]),
    }


def digest() -> str:
    """The SHA-256 of the pairs fitted on (the training and development files)."""
    hashed = hashlib.sha256()
    for path in (similarity.TRAIN, similarity.DEV):
        hashed.update(path.read_bytes())
    return hashed.hexdigest()


def matches(shipped: dict[str, Any], refitted: dict[str, Any]) -> bool:
    """Whether the shipped model is the refitted one: the same pairs and features, weights within ``TOLERANCE``."""
    numbers = zip(
        [shipped["bias"], shipped["threshold"], *shipped["weights"]],
        [refitted["bias"], refitted["threshold"], *refitted["weights"]],
        strict=True,
    )
    return (
        shipped.get("data") == refitted["data"]
        and shipped["features"] == refitted["features"]
        and all(abs(a - b) <= TOLERANCE * max(1.0, abs(a)) for a, b in numbers)
    )


def main() -> int:
    from knowledge.embeddings import EmbeddingConfig, get_embedder
    from mattran.settings import Settings

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="compare with the shipped weights, write nothing")
    args = parser.parse_args()
    pairs = similarity.load(similarity.TRAIN) + similarity.load(similarity.DEV)
    encoder = get_embedder(EmbeddingConfig.from_settings(Settings()))
    model = refit(pairs, similarity.cosines(encoder, pairs)) | {"data": digest()}
    if args.check:
        same = matches(json.loads(WEIGHTS.read_text(encoding="utf-8")), model)
        print("matching_weights.json: " + ("as refitted" if same else "NOT what the refit gives"))
        return 0 if same else 1
    WEIGHTS.write_text(json.dumps(model, indent=2) + "\n", encoding="utf-8")
    print(json.dumps(model))
    return 0


if __name__ == "__main__":
    sys.exit(main())
