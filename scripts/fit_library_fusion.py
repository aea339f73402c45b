"""Fit the library's fusion weights (``mattran/domain/library_fusion.json``) on the development set.

The laws of the shared corpus are ingested into a store in the data dir (kept: a later run reuses it), every
question of the development set's fitting part (two questions in three; the third is held apart and reported) is
searched, and a logistic regression learns which candidate article is the gold one from its signals. Deterministic:
the same store, model and library versions give the same weights.

    python scripts/fit_library_fusion.py                 # refit and write the weights
    python scripts/fit_library_fusion.py --check         # exit 1 when the shipped weights are not what it fits

Needs scikit-learn (the ``train`` extra); the platform reads the weights with the standard library only.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
from pathlib import Path

import numpy as np

from evals import retrieval
from mattran.auth.principal import Principal
from mattran.domain.library import LibraryService
from mattran.domain.library_fusion import FEATURES, WEIGHTS

C = 1.0  # inverse regularisation strength
TOLERANCE = 0.01  # how far from 1 the correlation of shipped and refitted scores may be (float noise, HNSW build order)


async def samples(library: LibraryService, questions: list[retrieval.Question]) -> tuple[np.ndarray, np.ndarray]:
    """Each candidate article's features, and whether it is the question's gold article."""
    features: list[list[float]] = []
    labels: list[int] = []
    for question in questions:
        found = await library.article_candidates(Principal.anonymous(), question.query)
        for candidate in found.articles if found else []:
            source = Path(found.rows[candidate.chunk_id]["source"]).name if found else ""
            features.append([candidate.features.get(name, 0.0) for name in FEATURES])
            labels.append(int(source == question.file and candidate.article == question.article))
    return np.array(features), np.array(labels)


def fit(features: np.ndarray, labels: np.ndarray) -> dict[str, object]:
    """The logistic regression's weights, none negative, rounded to four places.

    Every signal can only raise an article (a passage holding more of the question's words never ranks lower): the
    feature with the most negative weight is left out and the rest refitted, until no weight is negative.
    """
    from sklearn.linear_model import LogisticRegression

    active = list(range(len(FEATURES)))
    while True:
        model = LogisticRegression(C=C, max_iter=2000, class_weight="balanced").fit(features[:, active], labels)
        if model.coef_[0].min() >= 0:
            break
        active.pop(int(np.argmin(model.coef_[0])))
    weights = np.zeros(len(FEATURES))
    weights[active] = model.coef_[0]
    return {
        "features": list(FEATURES),
        "weights": [round(float(w), 4) for w in weights],
        "bias": round(float(model.intercept_[0]), 4),
    }


def matches(shipped: dict[str, object], refitted: dict[str, object], features: np.ndarray) -> bool:
    """Whether the shipped weights rank the candidates as the refitted ones do: their scores on the fitting samples
    correlate within ``TOLERANCE`` of 1 (the signals are correlated, so float noise of the embedding model can move
    single weights while the ranking stays the same)."""
    if shipped["features"] != refitted["features"]:
        return False
    scores = [features @ np.array(w["weights"], dtype=float) for w in (shipped, refitted)]
    return float(np.corrcoef(*scores)[0, 1]) >= 1 - TOLERANCE


async def _main(check: bool) -> int:
    from compose.services import build_services
    from ingest.pipeline import ingest
    from mattran.auth.principal import Role
    from mattran.bootstrap import prepare_store
    from mattran.domain.units import load_resolver
    from mattran.scope import Scope
    from mattran.settings import get_settings
    from mattran.store.db import Database

    settings = get_settings()
    database = Database(prepare_store(settings).app, max_size=2)
    await database.open()
    try:
        async with database.transaction(Scope.public()) as conn:
            resolver = await load_resolver(conn)
        library = build_services(settings, database, resolver).library
        admin = Principal(subject="fit:library", name="Điều chỉnh thư viện", roles=frozenset({Role.ADMIN}))
        report = await ingest(library, admin, [settings.laws_dir])
        if report.failed:
            print(report.failed, file=sys.stderr)
            return 1
        features, labels = await samples(library, retrieval.fitting(retrieval.load(retrieval.DEV)))
        refitted = fit(features, labels)
    finally:
        await database.close()
    if check:
        shipped = json.loads(WEIGHTS.read_text(encoding="utf-8"))
        print(json.dumps({"shipped": shipped, "refitted": refitted}))
        return 0 if matches(shipped, refitted, features) else 1
    WEIGHTS.write_text(json.dumps(refitted) + "\n", encoding="utf-8")
    print(json.dumps(refitted))
    return 0


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="compare the shipped weights with a refit")
    sys.exit(asyncio.run(_main(parser.parse_args().check)))
