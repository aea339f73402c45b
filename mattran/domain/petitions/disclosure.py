"""Who sees who sent a petition: a denouncer's identity only the cadre the denunciation is assigned to."""

from __future__ import annotations

from typing import Any

from mattran.auth.principal import Principal
from mattran.domain.masking import mask_personal_data
from mattran.domain.petition_status import PetitionAction
from mattran.domain.petitions.models import DENUNCIATION
from mattran.domain.pseudonyms import DENOUNCER, GUEST, SIGNED_IN_CITIZEN

DENOUNCER_HIDDEN = (
    "Thông tin và tài liệu của người tố cáo chỉ cán bộ được giao xử lý tố cáo được xem (Luật Tố cáo 2018)."
)


def identity_visible(principal: Principal, row: dict[str, Any]) -> bool:
    """Whether the caller may see who sent the petition: anyone in scope, but for a denunciation only the cadre
    it is assigned to (row-level security enforces the same on contacts and attachments)."""
    return row["kind"] != DENUNCIATION or (principal.subject is not None and row["assigned_to"] == principal.subject)


def as_seen_by(principal: Principal, row: dict[str, Any]) -> dict[str, Any]:
    """A petition as a cadre sees it: a denunciation not assigned to them with the personal data found in its
    title and text masked (a denouncer often names themself there)."""
    if identity_visible(principal, row):
        return row
    return row | {"title": mask_personal_data(row["title"]), "content": mask_personal_data(row["content"])}


def submitter_label(row: dict[str, Any]) -> str:
    """Who sent a petition, as cadres see it: by role, never by account; a denouncer not even by that."""
    if row["kind"] == DENUNCIATION:
        return DENOUNCER
    return SIGNED_IN_CITIZEN if row["signed_in"] else GUEST


def shown_event(event: dict[str, Any], submitter: str) -> dict[str, Any]:
    """A history event as cadres see it: the petitioner's event names them by ``submitter``."""
    return event | {"actor": submitter} if event["action"] == PetitionAction.RECEIVED else event
