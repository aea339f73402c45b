"""Rendering pages with what every page needs: the caller, the CSRF token, Vietnamese formats."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from fastapi import Request
from fastapi.responses import HTMLResponse
from fastapi.templating import Jinja2Templates

from mattran.auth.principal import Principal
from mattran.domain.time import VIETNAM
from web import csrf, formats

templates = Jinja2Templates(directory=Path(__file__).parent / "templates")


def vn_date(value: datetime | None) -> str:
    """``15/08/2025``, in Vietnam's time zone."""
    return value.astimezone(VIETNAM).strftime("%d/%m/%Y") if value else ""


def vn_long_date(value: datetime | None) -> str:
    """``ngày 15 tháng 8 năm 2025``, as in official documents."""
    if not value:
        return ""
    local = value.astimezone(VIETNAM)
    return f"ngày {local.day} tháng {local.month} năm {local.year}"


def vn_datetime(value: datetime | None) -> str:
    """``14:05 15/08/2025``."""
    return value.astimezone(VIETNAM).strftime("%H:%M %d/%m/%Y") if value else ""


templates.env.filters.update(vn_date=vn_date, vn_long_date=vn_long_date, vn_datetime=vn_datetime)
templates.env.filters.update(formats.FILTERS)

TEXT_SIZES = ("thuong", "lon", "rat-lon")  # the switch's choices, the default first
DISPLAY_COOKIES = ("mattran_co_chu", "mattran_tuong_phan")  # set by web/routes/site_pages.py


@dataclass(frozen=True)
class Display:
    """The reader's text size and contrast, from their cookies (so that no JavaScript is needed)."""

    size: str
    high_contrast: bool

    @property
    def classes(self) -> str:
        """The page's classes (none for the default)."""
        shown = ([f"chu-{self.size}"] if self.size != TEXT_SIZES[0] else []) + (
            ["tuong-phan-cao"] if self.high_contrast else []
        )
        return " ".join(shown)


def display_of(request: Request) -> Display:
    """What the reader chose, an unknown value read as the default."""
    size, contrast = (request.cookies.get(name, "") for name in DISPLAY_COOKIES)
    return Display(size if size in TEXT_SIZES else TEXT_SIZES[0], contrast == "cao")


templates.env.globals["display_of"] = display_of


def render(
    request: Request, template: str, principal: Principal, status_code: int = 200, **context: Any
) -> HTMLResponse:
    """A page with the caller and a CSRF token for its forms."""
    token = csrf.token_for(request)
    response = templates.TemplateResponse(
        request, template, {"principal": principal, "csrf_token": token, **context}, status_code=status_code
    )
    if getattr(request.state, "new_csrf_cookie", None):
        csrf.set_cookie(request, response, request.state.new_csrf_cookie)
    return response
