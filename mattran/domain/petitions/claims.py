"""A guest's petition becomes a citizen's: the receipt e-mail of a petition filed without signing in carries a signed
link, bound to the petition and to its contact e-mail; opened by a signed-in citizen, it attaches the petition to
their account ("Phản ánh của tôi"). Row-level security then lets only that citizen follow it, as if they had filed
it signed in.

Only the link proves the claim (whoever holds it reads that mailbox): a sign-in's e-mail claim is never trusted for
it, and the contacts are encrypted, so there is nothing to look a petition up by.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from enum import StrEnum

from mattran.auth.principal import Principal, Role
from mattran.domain import audit
from mattran.domain.claim_links import ClaimLinks
from mattran.domain.petition_status import PetitionAction
from mattran.domain.petitions.errors import (
    PetitionConflict,
    PetitionError,
    PetitionNotFound,
    PetitionRefused,
    PetitionSignInRequired,
)
from mattran.domain.privacy import PersonalData
from mattran.domain.pseudonyms import Pseudonyms
from mattran.scope import Scope
from mattran.store import petition_followup as store
from mattran.store import petitions as petitions_store
from mattran.store.db import Conn, Database, Row

BAD_LINK = "Đường dẫn nhận phản ánh không đúng hoặc đã bị sửa. Vui lòng mở lại đường dẫn trong thư xác nhận."
EXPIRED = (
    "Đường dẫn nhận phản ánh đã hết hạn (chỉ dùng được trong 30 ngày sau khi gửi). "
    "Ông/bà vẫn tra cứu được phản ánh bằng mã tra cứu trong thư xác nhận."
)
SOMEONE_ELSES = "Phản ánh này đã thuộc về một tài khoản khác: không nhận được vào tài khoản của bạn."
CITIZENS_ONLY = "Chỉ tài khoản công dân mới nhận được phản ánh vào mục “Phản ánh của tôi”."
SIGN_IN = "Vui lòng đăng nhập để nhận phản ánh vào mục “Phản ánh của tôi”."


class ForgedClaimLink(PetitionNotFound):
    """The link's signature does not hold (or names no petition with that e-mail)."""


class ExpiredClaimLink(PetitionConflict):
    """The link's signature holds but its time is past."""


class Outcome(StrEnum):
    """What opening a valid link did."""

    ATTACHED = "attached"  # the petition is now the caller's
    ALREADY_YOURS = "already_yours"  # it already was


Verdict = Outcome | PetitionError  # what opening a link does, or why it is refused


@dataclass(frozen=True)
class Claimed:
    """A petition claimed by a link: its number and what was done."""

    tracking_code: str
    outcome: Outcome


@dataclass(frozen=True)
class PetitionClaims:
    """Attaches a guest's petition to the signed-in citizen who opens its claim link (checked here; the petition's
    row is then the citizen's by row-level security, unchanged)."""

    db: Database
    links: ClaimLinks
    personal: PersonalData  # the contact e-mail the link is bound to
    pseudonyms: Pseudonyms  # the citizen as the petition's history records them

    @staticmethod
    def _subject(principal: Principal) -> str:
        if not principal.authenticated or principal.subject is None:
            raise PetitionSignInRequired(SIGN_IN)
        if Role.CITIZEN not in principal.roles:
            raise PetitionRefused(CITIZENS_ONLY)
        return principal.subject

    async def _checked(self, conn: Conn, token: str, subject: str, now: datetime) -> tuple[Row | None, Verdict]:
        """The petition the link names (None when it names none) and what opening it would do, or why not."""
        parsed = ClaimLinks.parse(token)
        row = await store.claimable(conn, parsed[0]) if parsed else None
        email = self.personal.decrypt("email", row["email_enc"]) if row else None
        if parsed is None or row is None or email is None or not self.links.holds(token, email):
            return None, ForgedClaimLink(BAD_LINK, "t")
        if parsed[1] < now.timestamp():
            return row, ExpiredClaimLink(EXPIRED, "t")
        if row["submitter"] == subject:
            return row, Outcome.ALREADY_YOURS
        if row["submitter"] is not None:
            return row, PetitionConflict(SOMEONE_ELSES, "t")
        return row, Outcome.ATTACHED

    async def preview(self, principal: Principal, token: str, now: datetime | None = None) -> Claimed:
        """What opening the link would do for ``principal`` (the petition's number), or why it is refused; changes
        nothing (the confirmation page)."""
        subject = self._subject(principal)
        async with self.db.transaction(Scope.everything()) as conn:  # a guest's petition is nobody's yet
            row, verdict = await self._checked(conn, token, subject, now or datetime.now(UTC))
        if isinstance(verdict, PetitionError):
            raise verdict
        assert row is not None
        return Claimed(row["tracking_code"], verdict)

    async def claim(self, principal: Principal, token: str, now: datetime | None = None) -> Claimed:
        """Attach the petition the link names to ``principal``; every attempt, refused or not, is audited."""
        subject = self._subject(principal)
        # The petition and its contact are read in the system's scope: a guest's petition is nobody's yet.
        async with self.db.transaction(Scope.everything()) as conn:
            row, verdict = await self._checked(conn, token, subject, now or datetime.now(UTC))
            if verdict is Outcome.ATTACHED and row is not None:
                if await store.attach(conn, row["id"], subject):
                    await petitions_store.add_event(
                        conn,
                        row["id"],
                        row["unit_path"],
                        self.pseudonyms.of(subject),
                        PetitionAction.CLAIM,
                        row["status"],
                        row["status"],
                        {},
                    )
                else:  # claimed by someone else meanwhile
                    verdict = PetitionConflict(SOMEONE_ELSES, "t")
            target = row["tracking_code"] if row else None
            if isinstance(verdict, PetitionError):
                await audit.record(conn, principal, "petition.claim", target, "denied", reason=type(verdict).__name__)
            else:
                await audit.record(conn, principal, "petition.claim", target, "allowed", reason=verdict.value)
        if isinstance(verdict, PetitionError):
            raise verdict
        assert row is not None
        return Claimed(row["tracking_code"], verdict)
