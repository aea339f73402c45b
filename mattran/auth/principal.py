"""Who is calling: built from verified token claims only, never from a model's output."""

from __future__ import annotations

import logging
from collections.abc import Mapping
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from mattran.scope import Scope

_log = logging.getLogger(__name__)


class Role(StrEnum):
    """The platform's roles."""

    CITIZEN = "citizen"
    COMMUNE_CADRE = "commune_cadre"
    PROVINCE_CADRE = "province_cadre"
    CENTRAL_CADRE = "central_cadre"
    ADMIN = "admin"


ROLE_LABELS = {
    Role.CITIZEN: "Công dân",
    Role.COMMUNE_CADRE: "Cán bộ cấp xã",
    Role.PROVINCE_CADRE: "Cán bộ cấp tỉnh",
    Role.CENTRAL_CADRE: "Cán bộ Trung ương",
    Role.ADMIN: "Quản trị hệ thống",
}
CADRE_LEVEL = {Role.COMMUNE_CADRE: 2, Role.PROVINCE_CADRE: 1, Role.CENTRAL_CADRE: 0}


@dataclass(frozen=True)
class Principal:
    """The signed-in user (or an anonymous visitor) with the unit their role applies to."""

    subject: str | None
    name: str
    roles: frozenset[Role]
    unit_code: str | None = None
    unit_path: str | None = None
    unit_name: str | None = None
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


def principal_from_claims(
    claims: Mapping[str, Any], units: Mapping[str, Mapping[str, Any]], roles_claim: str = "roles",
    unit_claim: str = "unit",
) -> Principal:
    """A principal from verified claims; a cadre role whose unit is missing or of the wrong level is dropped."""
    raw_roles = claim(claims, roles_claim) or []
    if isinstance(raw_roles, str):
        raw_roles = raw_roles.split()
    roles = {Role(r) for r in raw_roles if r in Role.__members__.values()}
    unit_code = claim(claims, unit_claim)
    unit = units.get(str(unit_code)) if unit_code else None
    for role, level in CADRE_LEVEL.items():
        if role in roles and (unit is None or unit["level"] != level):
            _log.warning("dropped role %s: unit %s does not match its level", role, unit_code)
            roles.discard(role)
    if Role.ADMIN in roles and (unit is None or unit["level"] != 0):
        roles.discard(Role.ADMIN)
    if not roles:
        roles.add(Role.CITIZEN)
    return Principal(
        subject=str(claims["sub"]), name=str(claims.get("name") or claims.get("preferred_username") or claims["sub"]),
        roles=frozenset(roles), unit_code=unit["code"] if unit else None, unit_path=unit["path"] if unit else None,
        unit_name=unit["name"] if unit else None,
    )
