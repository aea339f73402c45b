"""The directory of cadres: recorded as they sign in, read to show people's names, to assign petitions and (their
e-mail, in the system's scope only) to send them reminders."""

from __future__ import annotations

from dataclasses import dataclass

from mattran.auth.principal import Principal
from mattran.domain.privacy import PersonalData
from mattran.scope import Scope
from mattran.store import cadres as store
from mattran.store.db import Conn, Database

EMAIL_MAX = 254  # the longest address kept (the SMTP path limit)


@dataclass(frozen=True)
class Cadre:
    """A cadre as a list shows them."""

    subject: str
    name: str


async def seen(db: Database, principal: Principal, email: str | None, personal: PersonalData) -> None:
    """At a sign-in: note a cadre's display name, unit, roles and the e-mail of their account (the ID token's
    ``email``, encrypted) for their unit's reminders; forget that e-mail when the account is no longer a cadre's."""
    if principal.subject is None:
        return
    email = (email or "").strip()
    async with db.transaction(Scope.public()) as conn:
        if not principal.cadre_role or not principal.unit_code:
            await store.forget_email(conn, principal.subject)
            return
        await store.seen(
            conn,
            subject=principal.subject,
            name=principal.name,
            unit_code=principal.unit_code,
            roles=sorted(principal.roles),
            email_enc=personal.encrypt("email", email) if "@" in email and len(email) <= EMAIL_MAX else None,
        )


async def of_unit(conn: Conn, unit_code: str) -> list[Cadre]:
    """The cadres of ``unit_code`` seen so far, by name (the transaction's scope must include the unit)."""
    return [Cadre(r["subject"], r["display_name"]) for r in await store.of_unit(conn, unit_code)]


async def names(conn: Conn, subjects: list[str | None]) -> dict[str, str]:
    """The display names of the cadres among ``subjects`` (an account not seen keeps its account name)."""
    return await store.names(conn, sorted({s for s in subjects if s}))
