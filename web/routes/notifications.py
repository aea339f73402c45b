"""Stopping a petition's notifications from the signed link in each message: a page that asks first (a link opened
by a mail scanner stops nothing), and the one-click POST of mail clients (RFC 8058)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form, Query, Request
from fastapi.responses import HTMLResponse

from mattran.domain.notifications import UNSUBSCRIBE_PATH
from mattran.domain.notifications.outbox import BAD_LINK
from web.auth import CurrentPrincipal
from web.deps import ServicesDep
from web.render import render

router = APIRouter(include_in_schema=False)
Token = Annotated[str, Query(max_length=200)]


@router.get(UNSUBSCRIBE_PATH, response_class=HTMLResponse)
async def unsubscribe_page(
    request: Request, services: ServicesDep, principal: CurrentPrincipal, t: Token = ""
) -> HTMLResponse:
    """Ask before stopping (the link's signature is checked first)."""
    valid = services.notifications.read_token(t) is not None
    return render(
        request, "unsubscribe.html", principal, 200 if valid else 404, token=t, error=None if valid else BAD_LINK
    )


@router.post(UNSUBSCRIBE_PATH, response_class=HTMLResponse)
async def unsubscribe(
    request: Request,
    services: ServicesDep,
    principal: CurrentPrincipal,
    t: Token = "",
    token: Annotated[str, Form(max_length=200)] = "",
) -> HTMLResponse:
    """Stop the notifications the signed token names (the token itself is the authorisation)."""
    await services.notifications.unsubscribe(token or t)
    return render(request, "unsubscribe.html", principal, token=None, done=True, error=None)
