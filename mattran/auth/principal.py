"""Who is calling: built from verified token claims only, never from a model's output."""

from __future__ import annotations

import logging
import re
from collections.abc import Mapping
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from mattran.domain.labelled import labels
from mattran.domain.unit import Level, Unit
from mattran.scope import Scope

_log = logging.getLogger(__name__)


class Role(StrEnum):
    """The platform's roles."""

    CITIZEN = "citizen"
    COMMUNE_CADRE = "commune_cadre"
    PROVINCE_CADRE = "province_cadre"
    CENTRAL_CADRE = "central_cadre"
    ADMIN = "admin"


ROLE_LABELS = labels(Role, "Công dân", "Cán bộ cấp xã", "Cán bộ cấp tỉnh", "Cán bộ Trung ương", "Quản trị hệ thống")
CADRE_LEVEL = {
    Role.COMMUNE_CADRE: Level.COMMUNE,
    Role.PROVINCE_CADRE: Level.PROVINCE,
    Role.CENTRAL_CADRE: Level.CENTRAL,
}


@dataclass(frozen=True)
class Principal:
    """The signed-in user (or an anonymous visitor) with the unit their role applies to."""

    subject: str | None
    name: str
    roles: frozenset[Role]
    unit_code: str | None = None
    unit_path: str | None = None
    unit_name: str | None = None
    notices: tuple[str, ...] = ()  # claims that could not be read or applied, told to the user
    address: str | None = None  # the caller's network address, for rate limits and idempotency namespaces

    @classmethod
    def anonymous(cls) -> Principal:
        """A visitor who has not signed in."""
        return cls(subject=None, name="Khách", roles=frozenset())

    @property
    def authenticated(self) -> bool:
        """True once signed in."""
        return self.subject is not None

    @property
    def cadre_role(self) -> Role | None:
        """The cadre role, if any (at most one level applies)."""
        for role in (Role.CENTRAL_CADRE, Role.PROVINCE_CADRE, Role.COMMUNE_CADRE):
            if role in self.roles:
                return role
        return None

    def scope(self) -> Scope:
        """The unit subtree row-level security lets this principal see."""
        if self.cadre_role and self.unit_path:
            return Scope.of_unit(self.unit_path, self.unit_name or self.unit_path, self.subject)
        return Scope.public(self.subject)

    @property
    def role_labels(self) -> list[str]:
        """Vietnamese names of the roles."""
        return [ROLE_LABELS[r] for r in sorted(self.roles)] or ["Khách"]


def claim(claims: Mapping[str, Any], path: str) -> Any:
    """A claim by dotted path (``realm_access.roles`` for Keycloak)."""
    value: Any = claims
    for part in path.split("."):
        if not isinstance(value, Mapping) or part not in value:
            return None
        value = value[part]
    return value


_SEPARATORS = re.compile(r"[\s,;]+")


class UnreadableClaim(ValueError):
    """A claim whose shape is none of the common ones."""


def claim_values(value: Any) -> list[str]:
    """A multi-valued claim in any common shape: an array, or one string separated by spaces, commas or semicolons."""
    if value is None:
        return []
    items = value if isinstance(value, list) else [value]
    if not all(isinstance(item, str) or (isinstance(item, int) and not isinstance(item, bool)) for item in items):
        raise UnreadableClaim(repr(value)[:100])
    return [part for item in items for part in _SEPARATORS.split(str(item)) if part]


def claim_single(value: Any) -> str | None:
    """A single-valued claim: a string or number, or an array of one."""
    if isinstance(value, list):
        if len(value) > 1:
            raise UnreadableClaim(repr(value)[:100])
        value = value[0] if value else None
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, str | int):
        raise UnreadableClaim(repr(value)[:100])
    return str(value).strip() or None


def principal_from_claims(
    claims: Mapping[str, Any],
    units: Mapping[str, Unit],
    roles_claim: str = "roles",
    unit_claim: str = "unit",
) -> Principal:
    """A principal from verified claims; a cadre role whose unit is missing or of the wrong level is dropped.

    Every claim that cannot be read or applied is logged and kept in ``notices`` for the user.
    """
    subject = str(claims["sub"])
    notices: list[str] = []
    try:
        raw_roles = claim_values(claim(claims, roles_claim))
    except UnreadableClaim as exc:
        _log.warning("subject %s: roles claim %r cannot be read: %s", subject, roles_claim, exc)
        notices.append(f"Không đọc được vai trò (thông tin “{roles_claim}”) do hệ thống đăng nhập gửi.")
        raw_roles = []
    known = set(Role.__members__.values())
    roles = {Role(r) for r in raw_roles if r in known}
    if unknown := sorted(set(raw_roles) - known):
        _log.info("subject %s: roles not used by the platform ignored: %s", subject, unknown)
    try:
        unit_code = claim_single(claim(claims, unit_claim))
    except UnreadableClaim as exc:
        _log.warning("subject %s: unit claim %r cannot be read: %s", subject, unit_claim, exc)
        notices.append(f"Không đọc được đơn vị (thông tin “{unit_claim}”) do hệ thống đăng nhập gửi.")
        unit_code = None
    unit = units.get(unit_code) if unit_code else None
    levels = {**CADRE_LEVEL, Role.ADMIN: Level.CENTRAL}
    for role, level in levels.items():
        if role in roles and (unit is None or unit.level != level):
            _log.warning("subject %s: dropped role %s: unit %s does not match its level", subject, role, unit_code)
            notices.append(
                f"Vai trò “{ROLE_LABELS[role]}” không được áp dụng: đơn vị “{unit_code or 'không có'}”"
                " không tồn tại hoặc không đúng cấp."
            )
            roles.discard(role)
    if not roles:
        roles.add(Role.CITIZEN)
    return Principal(
        subject=subject,
        name=str(claims.get("name") or claims.get("preferred_username") or claims["sub"]),
        roles=frozenset(roles),
        unit_code=unit.code if unit else None,
        unit_path=unit.path if unit else None,
        unit_name=unit.name if unit else None,
        notices=tuple(notices),
    )
