"""Every suite's thresholds, kept in one file (``thresholds.json``): a metric under its threshold fails CI."""

from __future__ import annotations

import json
from functools import cache
from importlib import resources


@cache
def _all() -> dict[str, dict[str, float]]:
    text = (resources.files("evals") / "thresholds.json").read_text(encoding="utf-8")
    return {suite: {k: float(v) for k, v in floors.items()} for suite, floors in json.loads(text).items()}


def for_suite(name: str) -> dict[str, float]:
    """The thresholds of suite ``name`` (metric → lowest passing value); a copy, safe to change."""
    return dict(_all()[name])
