"""Similar petitions of a unit: candidates by wording (pg_trgm, diacritics-insensitive) and, once the embedding model
is loaded, by meaning; judged pair by pair (:mod:`mattran.domain.petitions.matching`) with the reasons shown to the
cadre. The cadres' page and the public's list of similar published petitions use the same judgement."""

from __future__ import annotations

import asyncio
from collections.abc import Iterable, Sequence
from typing import Any

import numpy as np

from mattran.domain.embedding import Embedder, Encoder
from mattran.domain.petitions.matching import compare, compared_text, folded
from mattran.store.library import vector_literal

# The cosine (multilingual-e5-small passages, as stored) from which a petition of the unit is weighed as a possible
# duplicate: low enough to keep a twin typed without diacritics (about 0.8 to its accented text), which the matcher
# then compares folded.
CANDIDATE_MEANING = 0.78


async def vector_of(embedder: Embedder, text: str) -> str | None:
    """The vector of a petition's text, or None while the model is not loaded (never wait for it here)."""
    if not embedder.ready:
        return None
    vector = (await asyncio.to_thread(embedder.passages, [text]))[0]
    return vector_literal(vector)


def embedded(encoder: Encoder, pairs: Sequence[tuple[str, str]]) -> list[tuple[np.ndarray, np.ndarray]]:
    """The passage embeddings of each pair's texts as the matcher compares them
    (:func:`~mattran.domain.petitions.matching.compared_text`: folded when either is typed without diacritics)."""
    texts = [compared_text(a, b, text) for a, b in pairs for text in (a, b)]
    unique = list(dict.fromkeys(texts))
    if not unique:
        return []
    vectors = encoder.passages(unique)
    row = {text: i for i, text in enumerate(unique)}
    return [(vectors[row[texts[2 * i]]], vectors[row[texts[2 * i + 1]]]) for i in range(len(pairs))]


async def weigh(embedder: Embedder, own: str, candidates: list[dict[str, Any]], vector: str | None = None) -> None:
    """Set each candidate's ``vectors`` (its and ``own``'s embeddings as the matcher compares them) and ``meaning``
    (their cosine); both left None while the model is not loaded. A pair compared as typed uses the stored vectors
    (``vector``: own's, a candidate's ``embedding``: pgvector literals) when there are both; the others are embedded
    now."""
    for candidate in candidates:
        candidate["meaning"] = candidate["vectors"] = None
    if not embedder.ready:
        return
    mine = _parsed(vector) if vector else None
    for candidate in candidates:
        if mine is not None and candidate.get("embedding") and not folded(own, candidate["text"]):
            candidate["vectors"] = (mine, _parsed(candidate["embedding"]))
    redo = [c for c in candidates if c["vectors"] is None]
    found = await asyncio.to_thread(embedded, embedder, [(own, c["text"]) for c in redo])
    for candidate, pair in zip(redo, found, strict=True):
        candidate["vectors"] = pair
    for candidate in candidates:
        u, v = candidate["vectors"]
        candidate["meaning"] = float(u @ v)


def _parsed(literal: str) -> np.ndarray:
    """A pgvector text literal (``[0.1,-0.2,…]``) as a vector."""
    return np.array([float(x) for x in literal.strip("[]").split(",")])


def keep_best(found: dict[Any, dict[str, Any]], rows: Iterable[dict[str, Any]], key: str) -> None:
    """Add ``rows`` to ``found`` (by ``key``), keeping the higher score of a petition found twice."""
    for row in rows:
        if row[key] not in found or found[row[key]]["score"] < row["score"]:
            found[row[key]] = dict(row)


def judged(own: str, candidates: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The candidates (with ``text``, ``meaning`` and ``vectors``, see :func:`weigh`) that may be the same matter as
    ``own``, each with its match and reasons, best first. A candidate whose meaning is not known yet (the model not
    loaded) is shown by its wording alone, never as the same matter."""
    shown: list[dict[str, Any]] = []
    for candidate in candidates:
        if candidate["meaning"] is None:
            reasons = [f"Từ ngữ giống nhau: {round(candidate['score'] * 100)}% (chưa so sánh được theo nghĩa)"]
            shown.append(candidate | {"likely_same": False, "reasons": reasons})
            continue
        found = compare(own, candidate["text"], *candidate["vectors"])
        if found.likely_same:
            shown.append(candidate | {"score": found.score, "likely_same": True, "reasons": found.reasons()})
    return sorted(shown, key=lambda r: (-r["likely_same"], -r["score"], -r.get("id", 0)))
