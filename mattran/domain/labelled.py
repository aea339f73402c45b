"""The Vietnamese labels shown for a string enum's members, stored values apart."""

from __future__ import annotations

from enum import StrEnum
from typing import TypeVar

E = TypeVar("E", bound=StrEnum)


def labels(enum: type[E], *shown: str) -> dict[E, str]:
    """Each member of ``enum`` with its label, the labels given in the enum's order (exactly one for each member)."""
    return dict(zip(enum, shown, strict=True))
