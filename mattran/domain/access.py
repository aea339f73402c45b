"""Permission re-checks inside domain functions, for callers other than the web routes (CLI, assistant tools)."""

from __future__ import annotations

from mattran.auth.principal import CADRE_LEVEL, Principal
from mattran.domain.errors import NotFound, Refused
from mattran.domain.permissions import Operation, is_allowed
from mattran.domain.unit import Unit
from mattran.store import units as units_store
from mattran.store.db import Conn


class PermissionDenied(Refused):
    """The principal may not perform the operation on that unit."""

    def __init__(self, message: str = "Tài khoản của bạn không có quyền thực hiện thao tác này.") -> None:
        super().__init__(message)


class UnknownUnit(NotFound):
    """No unit has that code."""

    def __init__(self, code: str) -> None:
        super().__init__(f"Không tìm thấy đơn vị có mã “{code}”.")


async def target_unit(conn: Conn, principal: Principal, operation: Operation, unit_code: str | None) -> Unit:
    """The unit an operation is about (the principal's own when None), once the principal may act on it."""
    code = unit_code or principal.unit_code
    if code is None:
        raise PermissionDenied()
    unit = await units_store.unit_by_code(conn, code)
    if unit is None:
        raise UnknownUnit(code)
    if not is_allowed(principal, operation, unit.path):
        raise PermissionDenied()
    return unit


def system_principal(unit: Unit, name: str = "Hệ thống (dòng lệnh)") -> Principal:
    """A non-human actor (CLI, demo loader) with the cadre role and scope of ``unit``."""
    role = next(r for r, level in CADRE_LEVEL.items() if level == unit.level)
    return Principal(
        subject=f"system:{unit.code}",
        name=name,
        roles=frozenset({role}),
        unit_code=unit.code,
        unit_path=unit.path,
        unit_name=unit.name,
    )
