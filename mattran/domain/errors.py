"""The domain's refusals: one base, four kinds. Each door (web, CLI, assistant tools) translates a kind in one place.

A ``DomainError`` of none of the four kinds is the platform's own fault (say, a key not loaded), not the caller's.
"""

from __future__ import annotations


class DomainError(Exception):
    """A request the domain cannot carry out: the reason in Vietnamese, and the input at fault when one is."""

    def __init__(self, message: str, field: str | None = None) -> None:
        super().__init__(message)
        self.message, self.field = message, field


class Refused(DomainError):
    """The caller may not do this."""


class SignInRequired(Refused):
    """Only a signed-in person may do this."""


class NotFound(DomainError):
    """What the request names does not exist (or not within the caller's scope)."""


class Conflict(DomainError):
    """The request clashes with the current state (a duplicate, a step the workflow does not allow now)."""


class Invalid(DomainError):
    """The request itself is wrong: a value refused, something missing."""
