"""Enums whose members carry a Vietnamese label beside their stored value."""

from __future__ import annotations

from enum import StrEnum
from typing import TYPE_CHECKING, Self, TypeVar


class LabelledEnum(StrEnum):
    """A string enum declared as ``NAME = "value", "Nhãn"``: the value is stored, the label shown."""

    _value_: str
    label: str

    if TYPE_CHECKING:  # a member is looked up by its value alone: ``Role("admin")``

        def __new__(cls, value: str) -> Self: ...

    else:

        def __new__(cls, value, label):
            member = str.__new__(cls, value)
            member._value_ = value
            member.label = label
            return member


E = TypeVar("E", bound=LabelledEnum)


def labels(enum: type[E]) -> dict[E, str]:
    """Each member's label, in the enum's order."""
    return {member: member.label for member in enum}
