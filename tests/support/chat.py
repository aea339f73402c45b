"""A signed-in user's turn with the assistant through ``POST /api/chat``, as the web client sends it."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import httpx2

from tests.support.platform import Platform


def say(
    platform: Platform, claims: Mapping[str, object], message: str, conversation: str | None = None
) -> dict[str, Any]:
    """The assistant's answer to ``message`` from the user of ``claims`` (in ``conversation`` when given)."""
    body = {"message": message, **({"conversation_id": conversation} if conversation else {})}
    r = httpx2.post(
        f"{platform.base_url}/api/chat",
        json=body,
        headers={"Authorization": f"Bearer {platform.mint(claims)}"},
        timeout=60,
    )
    assert r.status_code == 200, r.text
    return dict(r.json())
