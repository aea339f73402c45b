"""Rendering pages with what every page needs: the caller, the CSRF token, Vietnamese formats."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from fastapi import Request
from fastapi.responses import HTMLResponse
from fastapi.templating import Jinja2Templates

from mattran.auth.principal import Principal
from web import csrf

templates = Jinja2Templates(directory=Path(__file__).parent / "templates")


def render(request: Request, template: str, principal: Principal, status_code: int = 200,
           **context: Any) -> HTMLResponse:
    """A page with the caller and a CSRF token for its forms."""
    token = csrf.token_for(request)
    response = templates.TemplateResponse(
        request, template, {"principal": principal, "csrf_token": token, **context}, status_code=status_code)
    if getattr(request.state, "new_csrf_cookie", None):
        csrf.set_cookie(request, response, request.state.new_csrf_cookie)
    return response
