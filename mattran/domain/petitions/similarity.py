"""Similar petitions of a unit: candidates by wording (pg_trgm) and, once the embedding model is loaded, by
meaning; judged pair by pair (:mod:`mattran.domain.petitions.matching`) with the reasons shown to the cadre."""

from __future__ import annotations

import asyncio
from collections.abc import Iterable
from typing import Any

from mattran.domain.embedding import Embedder
from mattran.domain.petitions.matching import compare
from mattran.store.library import vector_literal

# Cosine similarity (multilingual-e5-small passages) from which two petitions are about the same matter.
SIMILAR_MEANING = 0.9
CANDIDATE_MEANING = 0.85  # from which a petition of the unit is weighed as a possible duplicate


async def vector_of(embedder: Embedder, text: str) -> str | None:
    """The vector of a petition's text, or None while the model is not loaded (never wait for it here)."""
    if not embedder.ready:
        return None
    vector = (await asyncio.to_thread(embedder.passages, [text]))[0]
    return vector_literal(vector)


def keep_best(found: dict[Any, dict[str, Any]], rows: Iterable[dict[str, Any]], key: str) -> None:
    """Add ``rows`` to ``found`` (by ``key``), keeping the higher score of a petition found twice."""
    for row in rows:
        if row[key] not in found or found[row[key]]["score"] < row["score"]:
            found[row[key]] = dict(row)


def judged(own: str, candidates: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The candidates (with ``text`` and ``meaning``, the cosine of the embeddings) that may be the same matter as
    ``own``, each with its match and reasons, best first. A candidate whose meaning is not known yet (the model not
    loaded, or its embedding not made yet) is shown by its wording alone, never as the same matter."""
    shown: list[dict[str, Any]] = []
    for candidate in candidates:
        if candidate["meaning"] is None:
            reasons = [f"Từ ngữ giống nhau: {round(candidate['score'] * 100)}% (chưa so sánh được theo nghĩa)"]
            shown.append(candidate | {"likely_same": False, "reasons": reasons})
            continue
        found = compare(own, candidate["text"], candidate["meaning"])
        if found.likely_same:
            shown.append(candidate | {"score": found.score, "likely_same": True, "reasons": found.reasons()})
    return sorted(shown, key=lambda r: (-r["likely_same"], -r["score"], -r["id"]))
