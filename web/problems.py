"""Domain refusals of the members and congress apps as HTTP errors (Vietnamese messages)."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from fastapi import HTTPException

from mattran.domain.access import PermissionDenied, UnknownUnit
from mattran.domain.congress import InvalidCongress
from mattran.domain.members import DuplicateMember, FieldError, InvalidMember


@contextmanager
def domain_errors() -> Iterator[None]:
    """403 refused, 404 unknown unit, 409 duplicate, 422 invalid (``{"message", "errors": {field: message}}``)."""
    try:
        yield
    except PermissionDenied as exc:
        raise HTTPException(403, exc.message) from exc
    except UnknownUnit as exc:
        raise HTTPException(404, exc.message) from exc
    except DuplicateMember as exc:
        raise HTTPException(409, str(exc)) from exc
    except (InvalidMember, InvalidCongress) as exc:
        raise HTTPException(422, {"message": str(exc), "errors": exc.errors}) from exc
    except FieldError as exc:
        raise HTTPException(422, {"message": str(exc), "errors": {}}) from exc
