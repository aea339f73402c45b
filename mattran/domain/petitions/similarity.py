"""Similar petitions of a unit: by wording (pg_trgm) and, once the embedding model is loaded, by meaning."""

from __future__ import annotations

import asyncio
from collections.abc import Iterable
from typing import Any

from mattran.domain.embedding import Embedder
from mattran.store.library import vector_literal

# Cosine similarity (multilingual-e5-small passages) from which two petitions are about the same matter.
SIMILAR_MEANING = 0.9


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
