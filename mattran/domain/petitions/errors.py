"""The petition errors: one base, raised as one of the domain's kinds."""

from __future__ import annotations

from mattran.domain.errors import Conflict, DomainError, Invalid, NotFound, Refused, SignInRequired


class PetitionError(DomainError):
    """A petition request that cannot be carried out; ``field`` names the input at fault. Raised as one of the kinds
    below."""


class InvalidPetition(PetitionError, Invalid):
    """A petition request that is wrong or incomplete."""


class PetitionNotFound(PetitionError, NotFound):
    """No such petition (or attachment) within the caller's reach."""


class PetitionRefused(PetitionError, Refused):
    """The caller may not do this with the petition."""


class PetitionSignInRequired(PetitionError, SignInRequired):
    """Only a signed-in person may do this."""


class PetitionConflict(PetitionError, Conflict):
    """The petition's state does not allow this now."""
