"""What the domain needs of a sentence-embedding model; the concrete model (``knowledge.embeddings``) is given to
the services by the composition root (``compose.services``)."""

from __future__ import annotations

from typing import Protocol

import numpy as np


class Encoder(Protocol):
    """Encodes text to unit vectors (cosine = dot product); blocking, so the domain calls it in a worker thread."""

    @property
    def identity(self) -> str:
        """A stable id of the model and its precision: vectors made under another id are not compared with these."""
        ...

    def passages(self, texts: list[str]) -> np.ndarray:
        """Vectors of document passages, one row per text."""
        ...

    def query(self, text: str) -> np.ndarray:
        """The vector of one search query."""
        ...


class Embedder(Encoder, Protocol):
    """An encoder whose model loads on first use: whether it is loaded yet, and loading it ahead."""

    @property
    def ready(self) -> bool:
        """Whether the model is loaded (so that a call does not wait seconds for it)."""
        ...

    async def warm_up(self) -> None:
        """Load the model without blocking the event loop."""
        ...
