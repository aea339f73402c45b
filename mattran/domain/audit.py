"""Recording privileged actions: who, role, unit, what, when, outcome."""

from __future__ import annotations

from typing import Any, Literal

from psycopg import AsyncConnection

from mattran.auth.principal import Principal
from mattran.store import audit as audit_store


async def record(conn: AsyncConnection, principal: Principal, action: str, target: str | None,
                 outcome: Literal["allowed", "denied", "error"], **detail: Any) -> None:
    """Append an audit entry for ``principal`` (personal data must not be put in ``detail``)."""
    await audit_store.append(conn, actor=principal.subject, roles=sorted(principal.roles), unit_code=principal.unit_code,
                             action=action, target=target, outcome=outcome, detail=detail)
