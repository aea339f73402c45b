"""Golden files for the ``mattran`` JSON outputs: the shape (keys and value types) plus the values that are stable."""

from __future__ import annotations

import json
import os
from typing import Any

from tests.support.paths import GOLDEN_DIR


def shape(value: Any) -> Any:
    """``value`` with each scalar replaced by its type (ids, timestamps, scores and texts vary; their kind does not)."""
    if isinstance(value, dict):
        return {key: shape(item) for key, item in value.items()}
    if isinstance(value, list):
        return [shape(item) for item in value]
    return None if value is None else f"<{type(value).__name__}>"


def assert_golden(name: str, actual: Any) -> None:
    """``actual`` equals ``tests/golden/NAME``; ``MATTRAN_UPDATE_GOLDEN=1`` rewrites the file first."""
    path = GOLDEN_DIR / name
    if os.environ.get("MATTRAN_UPDATE_GOLDEN"):
        path.write_text(json.dumps(actual, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
    assert actual == json.loads(path.read_text(encoding="utf-8"))
