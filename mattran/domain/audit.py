"""Recording privileged actions: who, role, unit, what, when, outcome; reading them back a page at a time, or
exported to Excel with Vietnamese action names."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time
from io import BytesIO
from typing import Any, Literal

from openpyxl import Workbook

from mattran.auth.principal import Principal
from mattran.domain.audit_labels import OUTCOME_LABELS, action_label, roles_label
from mattran.domain.time import VIETNAM
from mattran.store import audit as audit_store
from mattran.store.db import Conn

Outcome = Literal["allowed", "denied", "error"]
PAGE_SIZE = 50
EXPORT_LIMIT = 50_000  # entries in one export, newest first


async def record(
    conn: Conn, principal: Principal, action: str, target: str | None, outcome: Outcome, **detail: Any
) -> None:
    """Append an audit entry for ``principal`` (personal data must not be put in ``detail``)."""
    await audit_store.append(
        conn,
        actor=principal.subject,
        roles=sorted(principal.roles),
        unit_code=principal.unit_code,
        action=action,
        target=target,
        outcome=outcome,
        detail=detail,
    )


async def record_anonymous(conn: Conn, action: str, outcome: Outcome, *, address: str, method: str, path: str) -> None:
    """Count an anonymous caller's attempt: one entry per address, path and minute, with how many times."""
    await audit_store.count_anonymous(conn, action=action, outcome=outcome, address=address, method=method, path=path)


@dataclass(frozen=True)
class AuditQuery:
    """Which entries to show: one actor or only anonymous callers, an action (or its prefix), the actor's unit, an
    outcome, a range of days."""

    actor: str | None = None
    anonymous: bool = False
    action: str | None = None
    unit: str | None = None
    outcome: Outcome | None = None
    since: date | None = None  # from the start of this day (Vietnam time)
    until: date | None = None  # to the end of this day, included


@dataclass(frozen=True)
class AuditPage:
    """One page of entries, newest first."""

    entries: list[dict[str, Any]]
    page: int
    size: int
    has_next: bool


def _bound(day: date | None, at: time) -> datetime | None:
    return datetime.combine(day, at, VIETNAM) if day else None


async def page(conn: Conn, query: AuditQuery, number: int = 1, size: int = PAGE_SIZE) -> AuditPage:
    """Page ``number`` (from 1) of the entries ``query`` selects."""
    found = await _entries(conn, query, size + 1, (number - 1) * size)
    return AuditPage(found[:size], number, size, len(found) > size)


async def _entries(conn: Conn, query: AuditQuery, limit: int, offset: int) -> list[dict[str, Any]]:
    return await audit_store.entries(
        conn,
        actor="" if query.anonymous else (query.actor or None),
        action=query.action or None,
        unit_code=query.unit or None,
        outcome=query.outcome,
        since=_bound(query.since, time.min),
        until=_bound(query.until, time.max),
        limit=limit,
        offset=offset,
    )


_EXPORTED = (
    "Thời điểm",
    "Người thực hiện",
    "Vai trò",
    "Đơn vị",
    "Thao tác",
    "Mã thao tác",
    "Đối tượng",
    "Kết quả",
    "Số lần",
)


async def export(conn: Conn, query: AuditQuery) -> bytes:
    """The entries ``query`` selects (at most ``EXPORT_LIMIT``, newest first) as an .xlsx workbook, in Vietnamese."""
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.title = "Nhật ký kiểm toán"
    sheet.append(list(_EXPORTED))
    for e in await _entries(conn, query, EXPORT_LIMIT, 0):
        sheet.append(
            [
                e["at"].astimezone(VIETNAM).strftime("%d/%m/%Y %H:%M:%S"),
                e["actor"] or "khách",
                roles_label(e["roles"]),
                e["unit_code"] or "",
                action_label(e["action"]),
                e["action"],
                e["target"] or "",
                OUTCOME_LABELS.get(e["outcome"], e["outcome"]),
                e["count"],
            ]
        )
    out = BytesIO()
    book.save(out)
    return out.getvalue()
