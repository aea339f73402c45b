"""A principal named ``ROLE[@UNIT_CODE]`` (the CLI's ``--as``, the evaluation's callers), made as the sign-in would."""

from __future__ import annotations

from typing import Any

from mattran.auth.principal import Principal, Role, principal_from_claims
from mattran.domain.errors import Invalid

ROLES = tuple(role.value for role in Role)
_EXAMPLE_UNIT = {Role.COMMUNE_CADRE: "08611", Role.PROVINCE_CADRE: "25"}


class RoleSpecError(Invalid):
    """A ``ROLE[@UNIT_CODE]`` that names no role, no unit, or a unit of the wrong level for the role."""


def principal_for(spec: str, units: dict[str, Any]) -> Principal:
    """The principal of ``ROLE[@UNIT_CODE]`` (as the sign-in would make it from such claims)."""
    role, _, unit = spec.partition("@")
    if role not in ROLES:
        raise RoleSpecError(f"vai trò “{role}” không hợp lệ; chọn một trong: {', '.join(ROLES)}")
    if unit and unit not in units:
        raise RoleSpecError(f"không có đơn vị mã “{unit}”")
    principal = principal_from_claims(
        {"sub": f"cli:{spec}", "name": spec, "roles": [role], "unit": unit or None}, units
    )
    if role not in principal.roles:
        example = _EXAMPLE_UNIT.get(Role(role), "TW")
        raise RoleSpecError(f"vai trò {role} cần một đơn vị đúng cấp, ví dụ {role}@{example}")
    return principal
