"""Petitions through the door of outside applications (Open311): filed through the one intake under the client's
key, the published ones listed (public data only), one found by its full receipt."""

from __future__ import annotations

from typing import Any

from mattran.auth.principal import Principal
from mattran.domain import receipts
from mattran.domain.api_keys import ApiKey
from mattran.domain.petitions import Filed, PetitionIn, PetitionIntake, PetitionViews
from mattran.scope import Scope
from mattran.store import open311 as store
from mattran.store.db import Database


async def file_request(intake: PetitionIntake, key: ApiKey, data: PetitionIn, idempotency_key: str | None) -> Filed:
    """File a client's request as a petition, anonymously; a retried key (in this API key's namespace) with the same
    request returns the same receipt."""
    return await intake.file(Principal.anonymous(), data, "open311", idempotency_key, api_client=str(key.id))


async def published(db: Database, *, limit: int, **filters: Any) -> list[dict[str, Any]]:
    """Petitions as anyone may see them (no personal data), newest first (see ``store.open311.public_requests``)."""
    async with db.transaction(Scope.public()) as conn:
        return await store.public_requests(conn, limit=limit, **filters)


async def by_receipt(views: PetitionViews, code: str, *, limit: int) -> dict[str, Any] | None:
    """The public row of the petition a full receipt opens, its ``tracking_code`` the receipt (None otherwise)."""
    receipt = receipts.parse(code)
    opened = await views.status(code) if receipt else None
    if receipt is None or opened is None:
        return None
    found = await published(views.db, limit=limit, codes=[receipt.public_code])
    return found[0] | {"tracking_code": opened.tracking_code} if found else None
