"""The web door's one reading of the domain's refusals: the HTTP status of each kind, and what the answer says."""

from __future__ import annotations

from typing import Any

from mattran.domain.congress import InvalidCongress
from mattran.domain.errors import Conflict, DomainError, Invalid, NotFound, Refused, SignInRequired
from mattran.domain.members import FieldError, InvalidMember
from mattran.domain.organisations import InvalidOrganisation
from mattran.domain.rate_limits import RateLimited

# The most specific kind of an error (first in its class's MRO) gives the status.
STATUS: dict[type[DomainError], int] = {
    SignInRequired: 401,
    RateLimited: 429,
    Refused: 403,
    NotFound: 404,
    Conflict: 409,
    Invalid: 422,
}


def status_of(exc: DomainError) -> int:
    """The HTTP status of the error's kind; 500 for an error of no kind (the platform's own fault)."""
    return next((STATUS[kind] for kind in type(exc).__mro__ if kind in STATUS), 500)


def detail_of(exc: DomainError) -> str | dict[str, Any]:
    """The ``detail`` of the answer: the reason, or with the errors by field for a form (members, congress)."""
    if isinstance(exc, InvalidMember | InvalidCongress | InvalidOrganisation):
        return {"message": exc.message, "errors": exc.errors}
    if isinstance(exc, FieldError):
        return {"message": exc.message, "errors": {}}
    return exc.message
