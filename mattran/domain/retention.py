"""Retention periods per kind of record and the purge job (``mattran purge``, and periodically in ``mattran up``).

- Petition (contacts, files, location, agency reply, text/title/answer as written): kept until closure + N days,
  ``MATTRAN_PETITION_PRIVATE_RETENTION_DAYS`` (1825);
- Audit log: kept N days (never under 30), ``MATTRAN_AUDIT_RETENTION_DAYS`` (1825).

The clock is a parameter (``now``) so that the job is tested without waiting.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING

from mattran.auth.principal import Principal, Role
from mattran.domain import audit
from mattran.scope import Scope
from mattran.store import retention as store
from mattran.store.db import Database

if TYPE_CHECKING:
    from mattran.settings import Settings

PURGER = Principal(subject="system:retention", name="Thời hạn lưu trữ", roles=frozenset({Role.ADMIN}))
BATCH = 500


@dataclass
class Policy:
    """Retention periods in days."""

    petition_private_days: int = 1825
    audit_days: int = 1825

    @classmethod
    def of(cls, settings: Settings) -> Policy:
        """The periods the operator set."""
        return cls(settings.petition_private_retention_days, settings.audit_retention_days)


@dataclass
class PurgeReport:
    """What a purge removed (or, in a dry run, would remove)."""

    applied: bool
    now: datetime
    counts: dict[str, int] = field(default_factory=dict)

    def lines(self) -> list[str]:
        """One line per kind of record, in Vietnamese."""
        verb = "Đã xóa" if self.applied else "Sẽ xóa (chạy thử; thêm --apply để xóa)"
        labels = {
            "petitions": "phản ánh hết hạn lưu trữ phần riêng tư",
            "contacts": "thông tin liên hệ",
            "attachments": "tệp đính kèm",
            "audit_log": "dòng nhật ký kiểm toán",
        }
        return [f"{verb}: {self.counts.get(k, 0)} {label}" for k, label in labels.items()]


async def purge(
    db: Database, policy: Policy, *, apply: bool = False, now: datetime | None = None, actor: Principal = PURGER
) -> PurgeReport:
    """Remove (``apply``) or count what is past its retention period at ``now``; each applied run is audited."""
    now = now or datetime.now(UTC)
    report = PurgeReport(
        applied=apply, now=now, counts={"petitions": 0, "contacts": 0, "attachments": 0, "audit_log": 0}
    )
    cutoff = now - timedelta(days=policy.petition_private_days)
    after = 0
    while True:
        async with db.transaction(Scope.everything()) as conn:
            ids = await store.petitions_due(conn, cutoff, after, BATCH)
            if not ids:
                break
            after = ids[-1]
            parts = await store.count_private_parts(conn, ids)
            report.counts["petitions"] += len(ids)
            report.counts["contacts"] += parts["contacts"]
            report.counts["attachments"] += parts["attachments"]
            if apply:
                await store.purge_petitions(conn, ids, now)
        if len(ids) < BATCH:
            break
    async with db.transaction(Scope.everything()) as conn:
        report.counts["audit_log"] = await store.audit_log(conn, now - timedelta(days=policy.audit_days), apply)
        if apply:
            await audit.record(
                conn,
                actor,
                "retention.purge",
                None,
                "allowed",
                now=now.isoformat(),
                petition_private_days=policy.petition_private_days,
                audit_days=policy.audit_days,
                **report.counts,
            )
    return report
