"""Refit the similar-petition matcher's weights (``mattran/domain/petitions/matching_weights.json``) on the tuned
part of the development pairs (``"split": "tune"``; the ``"check"`` part is held apart): a logistic regression on
:func:`~mattran.domain.petitions.matching.features`, and the threshold shown to cadres, the lowest at which the
tuned part keeps precision ≥ :data:`PRECISION`. Run ``python -m evals.fit_similarity``; nothing fits at run time.
"""

from __future__ import annotations

import json

import numpy as np

from evals import similarity
from mattran.domain.petitions.matching import FEATURES, WEIGHTS, features, probability

PRECISION = 0.9  # on the tuned part, as asked of unseen pairs
RIDGE = 3.0  # L2 penalty on the standardised weights


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


def refit(pairs: list[similarity.Pair], cosines: list[float]) -> dict[str, object]:
    """The fitted model (features, weights, bias, threshold) from the tuned pairs and their cosines."""
    tuned = [(p, c) for p, c in zip(pairs, cosines, strict=True) if p.split == "tune"]
    x = np.array([features(p.a, p.b, c) for p, c in tuned])
    y = np.array([float(p.same) for p, _ in tuned])
    weights, bias = fit(x, y)
    scores = [probability(tuple(row), weights, bias) for row in x.tolist()]
    return {
        "features": list(FEATURES),
        "weights": weights,
        "bias": bias,
        "threshold": threshold(scores, [p.same for p, _ in tuned]),
    }


def main() -> None:
    from knowledge.embeddings import EmbeddingConfig, get_embedder
    from mattran.settings import Settings

    pairs = similarity.load(similarity.DEV)
    encoder = get_embedder(EmbeddingConfig.from_settings(Settings()))
    model = refit(pairs, similarity.cosines(encoder, pairs))
    WEIGHTS.write_text(json.dumps(model, indent=2) + "\n", encoding="utf-8")
    print(json.dumps(model))


if __name__ == "__main__":
    main()
