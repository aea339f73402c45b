"""Permissions: decided from role and unit, here and again by the database's row-level security."""

from __future__ import annotations

from enum import StrEnum

from mattran.auth.principal import Principal, Role


class Operation(StrEnum):
    """What a caller may ask the platform to do."""

    CHAT = "chat.use"
    PETITION_FILE = "petition.file"
    PUBLIC_LOOKUP = "public.lookup"
    CADRE_PAGES = "cadre.pages"
    PETITION_HANDLE = "petition.handle"
    MEMBER_READ = "member.read"
    MEMBER_WRITE = "member.write"
    CONGRESS_READ = "congress.read"
    CONGRESS_UPDATE = "congress.update"
    REPORT_DRAFT = "report.draft"
    AUDIT_READ = "audit.read"
    ACCOUNT_ADMIN = "account.admin"
    LIBRARY_SEARCH = "library.search"
    LIBRARY_MANAGE = "library.manage"


_EVERYONE = {Operation.CHAT, Operation.PETITION_FILE, Operation.PUBLIC_LOOKUP, Operation.LIBRARY_SEARCH}
_UNIT_SCOPED = {
    Operation.CADRE_PAGES,
    Operation.PETITION_HANDLE,
    Operation.MEMBER_READ,
    Operation.MEMBER_WRITE,
    Operation.CONGRESS_READ,
    Operation.CONGRESS_UPDATE,
    Operation.REPORT_DRAFT,
}
_ADMIN = {Operation.AUDIT_READ, Operation.ACCOUNT_ADMIN, Operation.LIBRARY_MANAGE}


def within(path: str, ancestor: str) -> bool:
    """True when the unit at ``path`` is ``ancestor`` or below it."""
    return path == ancestor or path.startswith(ancestor + ".")


def is_unit_scoped(operation: Operation) -> bool:
    """Whether the operation is allowed on some units only (the caller's and those below)."""
    return operation in _UNIT_SCOPED


def is_allowed(principal: Principal, operation: Operation, target_path: str | None = None) -> bool:
    """Whether ``principal`` may perform ``operation`` on the unit at ``target_path`` (None: their own scope)."""
    if operation in _EVERYONE:
        return True
    if operation in _ADMIN:
        return Role.ADMIN in principal.roles
    if operation in _UNIT_SCOPED:
        if principal.cadre_role is None or principal.unit_path is None:
            return False
        return target_path is None or within(target_path, principal.unit_path)
    return False
