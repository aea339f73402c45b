"""Reading an evaluation's JSON-lines dataset: a given file, or the one shipped in ``evals/datasets/``."""

from __future__ import annotations

import json
from collections.abc import Iterator
from importlib import resources
from pathlib import Path
from typing import Any


def is_sealed(path: Path | None) -> bool:
    """Whether ``path`` is a sealed set (``*.sealed.*``): its items are never shown, only aggregates."""
    return path is not None and ".sealed." in path.name


def rows(path: Path | None, shipped: str) -> Iterator[tuple[int, dict[str, Any]]]:
    """``(line number, object)`` for every non-blank line of ``path``, else of the shipped dataset ``shipped``."""
    file = path or resources.files("evals") / "datasets" / shipped
    for number, line in enumerate(file.read_text(encoding="utf-8").splitlines(), 1):
        if line.strip():
            yield number, json.loads(line)
